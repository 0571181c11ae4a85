from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.after_sales_quality.tests.test_hold import HoldCommon

# 《医疗器械召回管理办法》: the buyers are notified within 1 / 3 / 7 days of
# the recall decision (一级/二级/三级召回), calendar days.
ACTIVATED = datetime(2026, 3, 1, 10, 0)
DECIDED = datetime(2026, 3, 2, 9, 0)


class RecallCommon(HoldCommon):
    def _active_hold(self):
        with freeze_time(ACTIVATED):
            hold = self._create_hold()
            hold.action_activate()
        return hold

    def _decide(self, hold, level, when=DECIDED, user=None):
        with freeze_time(when):
            hold = hold.with_user(user or self.qm)
            hold.recall_level_proposed = level
            hold.action_decide_recall()
        return hold

    def _late_buyer(self, hold, name="Late Found Buyer"):
        """A buyer found after the activation (Refresh Buyers): no notice yet."""
        partner = self.env["res.partner"].create(
            {"name": name, "is_company": True, "email": f"{len(name)}@example.com"}
        )
        return (
            self.env["asq.hold.buyer"]
            .sudo()
            .create({"hold_id": hold.id, "partner_id": partner.id})
        )


@tagged("post_install", "-at_install", "asq_regulatory")
class TestRecallClocks(RecallCommon):
    def test_each_level_deadline_from_the_decision(self):
        hold = self._active_hold()
        self.assertFalse(hold.recall_level)
        self.assertFalse(hold.buyer_ids[0].recall_notice_status)
        # decided 2026-03-02 09:00 (UTC): 1 / 3 / 7 calendar days later
        expected = {
            "1": datetime(2026, 3, 3, 9, 0),
            "2": datetime(2026, 3, 5, 9, 0),
            "3": datetime(2026, 3, 9, 9, 0),
        }
        for level, deadline in expected.items():
            hold = self._decide(hold, level)
            self.assertEqual(hold.recall_level, level)
            self.assertEqual(hold.recall_user_id, self.qm)
            self.assertEqual(hold.recall_date, DECIDED)
            self.assertEqual(hold.recall_notice_deadline, deadline)
            self.assertEqual(
                set(hold.buyer_ids.mapped("recall_notice_deadline")), {deadline}
            )
        self.assertIn("Level III Recall decided", hold.message_ids[0].body)
        # the company's own period: level III within 5 days
        self.company.asq_recall_level3_days = 5
        self.assertEqual(hold.recall_notice_deadline, datetime(2026, 3, 7, 9, 0))

    def test_notified_through_the_notice_step_on_time_or_late(self):
        hold = self._active_hold()
        late = self._late_buyer(hold)
        early = self._late_buyer(hold, "Second Late Found Buyer")
        hold = self._decide(hold, "1")  # notify by 2026-03-03 09:00
        # the activation's pause notice counts: both first buyers on time
        first = hold.buyer_ids - late - early
        self.assertEqual(set(first.mapped("notified_date")), {ACTIVATED})
        self.assertEqual(set(first.mapped("recall_notice_status")), {"on_time"})
        with freeze_time(datetime(2026, 3, 2, 12, 0)):
            early.with_user(self.inspector).action_resend_notice()
            hold.invalidate_recordset()
            hold.buyer_ids.invalidate_recordset()
            self.assertEqual(early.notified_date, datetime(2026, 3, 2, 12, 0))
            self.assertEqual(early.recall_notice_status, "on_time")
            self.assertEqual(late.recall_notice_status, "pending")
            self.assertFalse(late.recall_overdue)
            self.assertFalse(hold.recall_overdue)
        with freeze_time(datetime(2026, 3, 3, 10, 0)):
            hold.invalidate_recordset()
            hold.buyer_ids.invalidate_recordset()
            self.assertTrue(late.recall_overdue)
            self.assertTrue(hold.recall_overdue)
            self.assertEqual(
                (
                    hold.recall_on_time_count,
                    hold.recall_late_count,
                    hold.recall_pending_count,
                ),
                (len(first) + 1, 0, 1),
            )
            late.with_user(self.inspector).action_resend_notice()
            hold.invalidate_recordset()
            hold.buyer_ids.invalidate_recordset()
            self.assertEqual(late.notified_date, datetime(2026, 3, 3, 10, 0))
            self.assertEqual(late.recall_notice_status, "late")
            self.assertFalse(hold.recall_overdue)
            self.assertEqual(
                (
                    hold.recall_on_time_count,
                    hold.recall_late_count,
                    hold.recall_pending_count,
                ),
                (len(first) + 1, 1, 0),
            )
        # the printout: the level and each buyer's clock
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("after_sales_quality.asq_hold_recall_report", hold.ids)[
                0
            ]
            .decode()
        )
        self.assertIn("Level I Recall", html)
        self.assertRegex(html, r"(?s)>Late Found Buyer<.*?<span>Late</span>")
        counts = rf"(?s)o_asq_recall_counts\">\s*{len(first) + 1} / 1 / 0"
        self.assertRegex(html, counts)
        # a later notice does not move the first one
        with freeze_time(datetime(2026, 3, 4, 10, 0)):
            hold.with_user(self.inspector).action_send_notices()
        hold.buyer_ids.invalidate_recordset()
        self.assertEqual(late.notified_date, datetime(2026, 3, 3, 10, 0))


@tagged("post_install", "-at_install", "asq_regulatory")
class TestRecallEscalation(RecallCommon):
    def _todos(self, hold):
        return hold.sudo().activity_ids.filtered(
            lambda a: a.summary and a.summary.startswith("Recall notices due")
        )

    def test_escalated_once_naming_the_buyers(self):
        hold = self._active_hold()
        late = self._late_buyer(hold)
        hold = self._decide(hold, "1")  # due 2026-03-03 09:00
        Hold = self.env["asq.hold"]
        with freeze_time(datetime(2026, 3, 2, 20, 0)):  # 13 h left
            Hold._cron_recall_escalate()
        self.assertFalse(self._todos(hold))
        self.assertFalse(hold.recall_escalated)
        with freeze_time(datetime(2026, 3, 2, 22, 0)):  # 11 h left
            Hold._cron_recall_escalate()
        todos = self._todos(hold)
        self.assertIn(self.qm, todos.user_id)
        self.assertIn(late.partner_id.name, todos[0].summary)
        self.assertNotIn(self.customer.name, todos[0].summary)
        self.assertTrue(hold.recall_escalated)
        with freeze_time(datetime(2026, 3, 3, 12, 0)):  # overdue: not again
            Hold._cron_recall_escalate()
        self.assertEqual(self._todos(hold), todos)
        # a new decision (a higher level) is escalated again
        hold = self._decide(hold, "1", when=datetime(2026, 3, 3, 13, 0))
        self.assertFalse(hold.recall_escalated)
        with freeze_time(datetime(2026, 3, 4, 2, 0)):
            Hold._cron_recall_escalate()
        self.assertEqual(len(self._todos(hold)), 2 * len(todos))

    def test_all_notified_is_not_escalated(self):
        hold = self._decide(self._active_hold(), "1")
        with freeze_time(datetime(2026, 3, 3, 12, 0)):
            self.env["asq.hold"]._cron_recall_escalate()
        self.assertFalse(self._todos(hold))
        self.assertFalse(hold.recall_escalated)


@tagged("post_install", "-at_install", "asq_regulatory", "security")
class TestRecallRoles(RecallCommon):
    def test_only_the_quality_manager_decides(self):
        hold = self._active_hold()
        with self.assertRaisesRegex(UserError, "Choose the recall level of"):
            hold.with_user(self.qm).action_decide_recall()
        hold.with_user(self.qm).recall_level_proposed = "2"
        for user in (self.inspector, self.sales):
            with self.assertRaises(AccessError) as error:
                hold.with_user(user).action_decide_recall()
            self.assertEqual(
                error.exception.args[0],
                "You are not allowed to do this step (Decide the Recall): it "
                "needs the role Quality Manager.",
            )
        with self.assertRaisesRegex(
            AccessError, "Proposed Recall Level may only be changed by the role"
        ):
            hold.with_user(self.inspector).recall_level_proposed = "1"
        self.assertFalse(hold.recall_level)

    def test_forged_stamps_and_notified_dates_refused(self):
        hold = self._decide(self._active_hold(), "3")
        for vals in (
            {"recall_level": "1"},
            {"recall_date": "2026-03-05 09:00:00"},
            {"recall_user_id": self.inspector.id},
            {"recall_escalated": True},
        ):
            with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
                hold.with_user(self.qm).write(vals)
        self.assertEqual(hold.recall_level, "3")
        self.assertEqual(hold.recall_date, DECIDED)
        # the notified date is the notice log's: nobody writes the log
        notice = hold.sudo().notice_ids[0]
        for user in (self.qm, self.inspector):
            with self.assertRaises(AccessError):
                notice.with_user(user).write({"sent_date": "2026-03-01 00:00:00"})
            with self.assertRaises(AccessError):
                hold.buyer_ids[0].with_user(user).write(
                    {"partner_id": user.partner_id.id}
                )
        self.assertEqual(hold.buyer_ids[0].notified_date, ACTIVATED)

    def test_a_draft_hold_has_no_recall(self):
        hold = self._create_hold()
        hold.with_user(self.qm)
        with self.assertRaises(UserError):
            self._decide(hold, "1")
        self.assertFalse(hold.recall_level)


@tagged("post_install", "-at_install", "asq_regulatory", "security")
class TestRecallCompanies(RecallCommon):
    def test_periods_and_escalation_per_company(self):
        company_b = self.env["res.company"].create(
            {"name": "Recall Company B", "asq_recall_level1_days": 2}
        )
        self.assertEqual(
            (
                company_b.asq_recall_level1_days,
                company_b.asq_recall_level2_days,
                company_b.asq_recall_level3_days,
            ),
            (2, 3, 7),
        )
        with freeze_time(ACTIVATED):
            hold_b = (
                self.env["asq.hold"]
                .with_company(company_b)
                .create(
                    {
                        "product_id": self.product.id,
                        "company_id": company_b.id,
                        "reason": "Held in company B",
                    }
                )
            )
            hold_b.action_activate()
        self._late_buyer(hold_b)
        with freeze_time(DECIDED):
            hold_b.recall_level_proposed = "1"
            hold_b.action_decide_recall()
        self.assertEqual(hold_b.recall_notice_deadline, datetime(2026, 3, 4, 9, 0))
        hold_a = self._decide(self._active_hold(), "1")
        self.assertEqual(hold_a.recall_notice_deadline, datetime(2026, 3, 3, 9, 0))
        # the quality manager of company A is not told about company B's hold
        with freeze_time(datetime(2026, 3, 4, 0, 0)):
            self.env["asq.hold"]._cron_recall_escalate()
        self.assertTrue(hold_b.recall_escalated)
        self.assertNotIn(self.qm, hold_b.activity_ids.user_id)
        self.assertFalse(
            self.env["asq.hold"].with_user(self.qm).search([("id", "=", hold_b.id)])
        )
