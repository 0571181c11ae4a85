import re
from datetime import date, timedelta

from psycopg2.errors import CheckViolation, UniqueViolation

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.after_sales_quality.models.asq_workflow_mixin import AsqStateError
from odoo.addons.after_sales_quality.tests.common import AsqCommon

GROUP_MANAGER = "after_sales_quality.group_asq_manager"


class VendorCommon(AsqCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Criterion = cls.env["asq.vendor.criterion"]
        Criterion.search([]).write({"active": False})
        cls.criteria = Criterion.create(
            [
                {"name": "Maintenance per plan", "weight": 40, "sequence": 1},
                {"name": "Breakdown response", "weight": 30, "sequence": 2},
                {"name": "Inspection records", "weight": 30, "sequence": 3},
            ]
        )
        cls.vendor_a, cls.vendor_b, cls.vendor_c = cls.env["res.partner"].create(
            [
                {"name": "Lift Vendor A", "is_company": True, "supplier_rank": 1},
                {"name": "Boiler Vendor B", "is_company": True, "supplier_rank": 1},
                {"name": "HVAC Vendor C", "is_company": True, "supplier_rank": 1},
            ]
        )
        cls.inspector = cls.users["asq_inspector"]
        cls.today = fields.Date.context_today(cls.env.user)

    def _score(self, vendor, month, scores, confirm=True):
        card = (
            self.env["asq.vendor.score"]
            .with_user(self.inspector)
            .create({"vendor_id": vendor.id, "month": month})
        )
        for line, value in zip(card.line_ids.sorted("sequence"), scores, strict=True):
            line.score = value
        if confirm:
            card.action_confirm()
        return card

    def _notice(self, vendor, deadline, **vals):
        return (
            self.env["asq.vendor.rectification"]
            .with_user(self.inspector)
            .create(
                {
                    "vendor_id": vendor.id,
                    "findings": "Daily inspection log missing for 3 days",
                    "deadline": deadline,
                    **vals,
                }
            )
        )


@tagged("post_install", "-at_install", "asq_service")
class TestVendorScorecard(VendorCommon):
    def test_total_is_the_weighted_sum(self):
        card = self._score(
            vendor=self.vendor_a, month="2025-02-14", scores=[90, 80, 70]
        )
        self.assertEqual(card.month, date(2025, 2, 1))
        self.assertEqual(card.line_ids.mapped("weight"), [40.0, 30.0, 30.0])
        self.assertEqual(card.total, 81.0)
        other = self._score(self.vendor_b, "2025-02-01", [85.5, 77, 64], confirm=False)
        self.assertAlmostEqual(other.total, 76.5, places=6)
        self.assertEqual(other.state, "draft")

    def test_weights_must_sum_to_100(self):
        with self.assertRaisesRegex(
            ValidationError,
            "^The weights of the active criteria must sum to 100; they sum to 110.0.$",
        ):
            self.criteria[0].weight = 50

    def test_archiving_a_criterion_breaks_the_sum(self):
        with self.assertRaisesRegex(ValidationError, "they sum to 70.0"):
            self.criteria[2].active = False

    def test_criteria_change_together(self):
        # Rebalancing: archive them, change the weights, unarchive together.
        self.criteria.write({"active": False})
        self.criteria[1:].write({"weight": 20})
        safety = self.env["asq.vendor.criterion"].create(
            {"name": "Safety", "weight": 20, "active": False}
        )
        (self.criteria | safety).write({"active": True})
        spare = self.env["asq.vendor.criterion"].create({"name": "Spare", "weight": 0})
        self.assertTrue(spare.active)

    @mute_logger("odoo.sql_db")
    def test_score_range_and_one_scorecard_per_month(self):
        card = self._score(self.vendor_a, "2025-03-01", [1, 2, 3], confirm=False)
        with self.assertRaises(CheckViolation):
            card.line_ids[0].score = 101
            card.flush_recordset()
            card.line_ids.flush_recordset()
        with self.assertRaises(UniqueViolation):
            self._score(self.vendor_a, "2025-03-20", [1, 2, 3], confirm=False)
            self.env.flush_all()

    def test_confirm_locks_and_needs_an_inspector(self):
        card = self._score(self.vendor_a, "2025-04-01", [50, 50, 50], confirm=False)
        with self.assertRaises(AccessError):
            card.with_user(self.users["asq_aftersales"]).action_confirm()
        card.action_confirm()
        self.assertEqual(card.state, "confirmed")
        self.assertEqual(card.confirmed_user_id, self.inspector)
        message = (
            f"^The scorecard {card.name} is confirmed: it can no longer be changed.$"
        )
        with self.assertRaisesRegex(UserError, message):
            card.line_ids[0].score = 60
        with self.assertRaisesRegex(UserError, message):
            card.note = "Late"
        # Confirmed already: refused for its state (the engine's words).
        with self.assertRaisesRegex(
            AsqStateError,
            rf"^Confirm the scorecard is not possible on {re.escape(card.name)} in "
            r"its current status \(Confirmed\)\. Reload the page",
        ):
            card.action_confirm()
        with self.assertRaisesRegex(
            UserError, "^Use the button Confirm to confirm a scorecard.$"
        ):
            self.env["asq.vendor.score"].create(
                {
                    "vendor_id": self.vendor_b.id,
                    "month": "2025-04-01",
                    "state": "confirmed",
                }
            )

    def test_maintenance_verified_by_quality(self):
        record = (
            self.env["asq.vendor.maintenance"]
            .with_user(self.users["asq_aftersales"])
            .create(
                {
                    "vendor_id": self.vendor_a.id,
                    "equipment": "Passenger lift 2",
                    "work": "Monthly maintenance",
                }
            )
        )
        with self.assertRaises(AccessError):
            record.action_verify()
        record.with_user(self.inspector).action_verify()
        self.assertEqual(record.verified_user_id, self.inspector)
        with self.assertRaisesRegex(
            UserError, "^Verified maintenance records can no longer be changed.$"
        ):
            record.work = "Other work"


@tagged("post_install", "-at_install", "asq_service")
class TestVendorRectification(VendorCommon):
    def test_follow_up_until_compliant(self):
        notice = self._notice(self.vendor_a, self.today + timedelta(days=5))
        self.assertTrue(notice.name.startswith("VR/"))
        with self.assertRaises(AccessError):
            notice.with_user(self.users["asq_aftersales"]).action_rectified()
        self._refused_until(
            notice,
            "action_rectified",
            f"^Record the rectification evidence of {notice.name} first.$",
            evidence="Log book filled, photos attached",
        )
        self.assertEqual(notice.state, "rectified")
        notice.action_not_compliant()
        self.assertEqual(notice.state, "open")
        self.assertIn(
            "Rectification not compliant: the vendor rectifies again.",
            notice.message_ids.mapped("body")[0],
        )
        self.assertEqual(notice.follow_up_count, 1)
        self.assertFalse(notice.rectified_date)
        notice.evidence = "Log book complete, checked by the supervisor"
        notice.action_rectified()
        notice.action_verify_compliant()
        self.assertEqual(notice.state, "verified")
        self.assertEqual(notice.verified_user_id, self.inspector)
        with self.assertRaisesRegex(
            UserError,
            f"^Nonconformities cannot be changed on {notice.name} in its current "
            "status.$",
        ):
            notice.findings = "Other"

    def test_cron_escalates_overdue_notices_once(self):
        late = self._notice(self.vendor_a, self.today - timedelta(days=1))
        on_time = self._notice(self.vendor_b, self.today + timedelta(days=1))
        Notice = self.env["asq.vendor.rectification"]
        Notice._cron_escalate_overdue()
        self.assertEqual(late.state, "overdue")
        self.assertTrue(late.overdue_notified)
        self.assertEqual(on_time.state, "open")
        summary = (
            f"Rectification {late.name} of Lift Vendor A is overdue: evaluate the "
            "vendor"
        )
        activity = late.activity_ids
        self.assertEqual(activity.summary, summary)
        self.assertTrue(activity.user_id.has_group(GROUP_MANAGER))
        mails = late.message_ids.filtered(lambda m: m.subject == summary)
        self.assertEqual(len(mails), 1)
        self.assertIn(self.users["asq_qm"].partner_id, mails.partner_ids)

        Notice._cron_escalate_overdue()
        self.assertEqual(len(late.activity_ids), 1)
        self.assertEqual(
            len(late.message_ids.filtered(lambda m: m.subject == summary)), 1
        )

        with self.assertRaisesRegex(
            UserError,
            f"^Write the escalation evaluation and its conclusion of {late.name} "
            "first.$",
        ):
            late.action_submit_escalation()
        late.write(
            {
                "escalation_evaluation": "Three overdue notices this half-year",
                "escalation_conclusion": "suspend",
            }
        )
        late.action_submit_escalation()
        with self.assertRaises(AccessError):
            late.action_approve_escalation()
        late.with_user(self.users["asq_qm"]).action_approve_escalation()
        self.assertEqual(late.state, "escalated")
        self.assertEqual(late.escalation_approved_user_id, self.users["asq_qm"])
        self.assertFalse(late.activity_ids)


@tagged("post_install", "-at_install", "asq_service")
class TestVendorEvaluation(VendorCommon):
    def test_semi_annual_average_and_ranking(self):
        # First half of 2025: A 81 and 76.5, B 90, C 60; a draft never counts.
        self._score(self.vendor_a, "2025-01-01", [90, 80, 70])
        self._score(self.vendor_a, "2025-02-01", [85.5, 77, 64])
        self._score(self.vendor_a, "2025-03-01", [100, 100, 100], confirm=False)
        self._score(self.vendor_b, "2025-06-01", [90, 90, 90])
        self._score(self.vendor_c, "2025-05-01", [60, 60, 60])
        # Second half: B 70, A 50.
        self._score(self.vendor_a, "2025-07-01", [50, 50, 50])
        self._score(self.vendor_b, "2025-12-01", [70, 70, 70])
        self._notice(self.vendor_a, "2025-03-10", notice_date="2025-03-01")
        self._notice(self.vendor_a, "2025-06-30", notice_date="2025-06-20")
        self._notice(self.vendor_a, "2025-07-10", notice_date="2025-07-01")

        vendors = self.vendor_a | self.vendor_b | self.vendor_c
        rows = (
            self.env["asq.vendor.evaluation.report"]
            .with_user(self.users["asq_aftersales"])
            .search([("vendor_id", "in", vendors.ids)])
        )
        figures = {
            (row.period, row.vendor_id.name): (
                round(row.average_total, 4),
                row.months_scored,
                row.rectification_count,
                row.rank,
            )
            for row in rows
        }
        self.assertEqual(
            figures,
            {
                ("2025-H1", "Boiler Vendor B"): (90.0, 1, 0, 1),
                ("2025-H1", "Lift Vendor A"): (78.75, 2, 2, 2),
                ("2025-H1", "HVAC Vendor C"): (60.0, 1, 0, 3),
                ("2025-H2", "Boiler Vendor B"): (70.0, 1, 0, 1),
                ("2025-H2", "Lift Vendor A"): (50.0, 1, 1, 2),
            },
        )
        groups = self.env["asq.vendor.evaluation.report"]._read_group(
            [("vendor_id", "=", self.vendor_a.id)],
            ["period"],
            ["average_total:avg", "months_scored:sum"],
        )
        self.assertEqual(
            [(p, round(a, 4), m) for p, a, m in groups],
            [("2025-H1", 78.75, 2), ("2025-H2", 50.0, 1)],
        )
        with self.assertRaises(AccessError):
            self.env["asq.vendor.evaluation.report"].with_user(
                self.users["asq_sales"]
            ).search([])


@tagged("post_install", "-at_install", "asq_service")
class TestVendorPrintouts(VendorCommon):
    def test_scorecard_and_rectification_notice_render(self):
        card = self._score(self.vendor_a, "2025-03-01", [90, 80, 70])
        notice = self._notice(self.vendor_a, self.today)
        Report = self.env["ir.actions.report"]
        for xmlid, record, texts in (
            (
                "after_sales_quality.asq_vendor_score_report",
                card,
                ("Lift Vendor A", "2025-03", "81.00", self.inspector.name),
            ),
            (
                "after_sales_quality.asq_vendor_rectification_report",
                notice,
                ("Lift Vendor A", "Daily inspection log missing", notice.name),
            ),
        ):
            html = Report._render_qweb_html(xmlid, record.ids)[0].decode()
            for text in texts:
                self.assertIn(text, html, xmlid)
            self._assert_pdf(xmlid, record)
