from datetime import datetime, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .complaint_common import AsqComplaintCommon

AWARE = datetime(2026, 3, 2, 8, 0, 0)
TODO_SUMMARY = "Adverse-event report due"


@tagged("post_install", "-at_install", "asq_regulatory")
class TestRegulatoryReportability(AsqComplaintCommon):
    """Adverse-event reportability of a medical-device complaint
    (《医疗器械不良事件监测和再评价管理办法》)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Event = cls.env["asq.adverse.event"]
        cls.inspector = cls.users["asq_inspector"]
        cls.qm = cls.users["asq_qm"]
        cls.rep = cls.users["asq_mgmt_rep"]
        cls.product.default_code = "GLU-100"

    def _event(self, classification="death", aware=AWARE, **vals):
        complaint = self._create_complaint()
        event = self.Event.with_user(self.inspector).create(
            {
                "complaint_id": complaint.id,
                "classification": classification,
                "reason": "The patient was hurt by a wrong reading",
                "aware_date": aware,
                **vals,
            }
        )
        return event

    def _todos(self, event):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "asq.adverse.event"),
                ("res_id", "=", event.id),
                ("summary", "like", TODO_SUMMARY),
            ]
        )

    # ------------------------------------------------------------------
    # The regulator's deadlines, from the awareness date
    # ------------------------------------------------------------------
    def test_deadline_of_each_class(self):
        cases = [
            # (class, abroad, deadline, escalation) computed by hand
            ("death", False, datetime(2026, 3, 9, 8), datetime(2026, 3, 7, 14)),
            ("serious", False, datetime(2026, 3, 22, 8), datetime(2026, 3, 17, 8)),
            ("serious", True, datetime(2026, 4, 1, 8), datetime(2026, 3, 24, 20)),
            ("death", True, datetime(2026, 4, 1, 8), datetime(2026, 3, 24, 20)),
            ("cluster", False, datetime(2026, 3, 2, 20), datetime(2026, 3, 2, 17)),
        ]
        for classification, abroad, deadline, escalation in cases:
            with self.subTest(classification=classification, abroad=abroad):
                event = self._event(classification, abroad=abroad)
                self.assertEqual(event.deadline, deadline)
                self.assertEqual(event.escalation_date, escalation)
        cluster = self._event("cluster")
        # 对每一事件还应当在24小时内按个例事件报告
        self.assertEqual(cluster.case_deadline, datetime(2026, 3, 3, 8))
        self.assertFalse(self._event("none").deadline)

    def test_periods_configurable_per_company(self):
        self.company.asq_ae_death_days = 5
        self.assertEqual(self._event("death").deadline, datetime(2026, 3, 7, 8))

    def test_awareness_defaults_to_received_date_and_countdown(self):
        complaint = self._create_complaint()
        event = self.Event.with_user(self.inspector).create(
            {"complaint_id": complaint.id, "classification": "serious"}
        )
        self.assertEqual(event.aware_date, complaint.received_date)
        self.assertEqual(event.deadline, complaint.received_date + timedelta(days=20))
        self.assertFalse(event.overdue)
        self.assertRegex(event.countdown, r"^(20 d 0|19 d 23) h left$")
        self.assertEqual(complaint.adverse_event_id, event)
        self.assertEqual(complaint.ae_deadline, event.deadline)
        due = self.env["asq.complaint"].search([("ae_report_due", "=", True)])
        self.assertIn(complaint, due)
        overdue = self._event("death")  # aware in March 2026: long overdue
        self.assertTrue(overdue.overdue)
        self.assertIn("Overdue", overdue.countdown)
        self.assertIn(overdue, self.Event.search([("overdue", "=", True)]))
        self.assertNotIn(event, self.Event.search([("overdue", "=", True)]))

    # ------------------------------------------------------------------
    # The steps: decision, filing; role and stamps
    # ------------------------------------------------------------------
    def test_decide_then_file_freezes_the_decision(self):
        event = self._event("serious")
        event.action_decide()
        self.assertEqual(event.state, "decided")
        self.assertEqual(event.decided_user_id, self.inspector)
        with self.assertRaisesRegex(UserError, "Outcome Class"):
            event.write({"classification": "other"})
        with self.assertRaisesRegex(UserError, "regulator's reference"):
            event.action_submit()
        event.write({"filing_reference": "NMPA-2026-0001"})
        event.with_user(self.qm).action_submit()
        self.assertEqual(event.state, "submitted")
        self.assertEqual(event.submitted_user_id, self.qm)
        self.assertTrue(event.filing_date)
        with self.assertRaisesRegex(UserError, "Filing Reference"):
            event.write({"filing_reference": "changed"})
        self.assertFalse(event.complaint_id.ae_report_due)

    def test_manager_revises_a_decision_before_the_filing(self):
        event = self._event("none")
        event.action_decide()
        self.assertFalse(event.deadline)
        with self.assertRaisesRegex(UserError, "decided not reportable"):
            event.write({"filing_reference": "X-2"})
            event.action_submit()
        with self.assertRaisesRegex(AccessError, "Quality Manager"):
            event.action_revise()
        event.with_user(self.qm).action_revise()
        self.assertEqual(event.state, "draft")
        event.write({"classification": "death"})
        self.assertEqual(event.deadline, datetime(2026, 3, 9, 8))

    def test_decision_needs_reason(self):
        event = self._event("death", reason=False)
        with self.assertRaisesRegex(UserError, "Reason for the Decision"):
            event.action_decide()

    def test_sales_user_cannot_decide(self):
        event = self._event("death")
        sales = self.users["asq_sales"]
        with self.assertRaisesRegex(AccessError, "not allowed to do this step"):
            event.with_user(sales).action_decide()
        with self.assertRaises(AccessError):
            event.with_user(sales).write({"classification": "none"})
        with self.assertRaisesRegex(AccessError, "not allowed to do this step"):
            self.Event.with_user(sales).create(
                {"complaint_id": self._create_complaint().id}
            )
        self.assertEqual(event.state, "draft")

    def test_forged_stamps_refused(self):
        event = self._event("death")
        for vals in (
            {"decided_user_id": self.qm.id},
            {"decided_date": fields.Datetime.now()},
            {"state": "submitted"},
            {"escalated": True},
        ):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(UserError, "set by the workflow buttons"),
            ):
                event.write(vals)
        with self.assertRaisesRegex(UserError, "set by the workflow buttons"):
            self.Event.with_user(self.inspector).create(
                {
                    "complaint_id": self._create_complaint().id,
                    "submitted_user_id": self.qm.id,
                }
            )
        # a step in the wrong state: filing before the decision
        with self.assertRaisesRegex(UserError, "Record the filing"):
            event.write({"filing_reference": "X-1"})
            event.action_submit()
        self.assertEqual(event.state, "draft")

    # ------------------------------------------------------------------
    # Escalation before the deadline
    # ------------------------------------------------------------------
    def test_escalation_once_and_not_when_filed(self):
        now = fields.Datetime.now()
        # death: 7 days; a quarter (42 h) left from 5 days 6 h after
        # awareness: aware 6 days ago, 24 h left
        late = self._event("death", aware=now - timedelta(days=6))
        late.action_decide()
        early = self._event("death", aware=now - timedelta(days=1))
        filed = self._event("death", aware=now - timedelta(days=6))
        filed.action_decide()
        filed.write({"filing_reference": "NMPA-2026-0002"})
        filed.action_submit()
        self.Event._cron_escalate()
        todos = self._todos(late)
        self.assertLessEqual(self.qm | self.rep, todos.user_id)
        self.assertEqual(len(todos), len(todos.user_id))
        self.assertNotIn(self.inspector, todos.user_id)
        self.assertTrue(late.escalated)
        self.assertFalse(self._todos(early))
        self.assertFalse(self._todos(filed))
        self.assertFalse(filed.escalated)
        messages = self.env["mail.message"].search(
            [("subject", "like", f"Adverse-event report due soon: {late.name}")]
        )
        self.assertTrue(messages)
        self.assertIn(self.rep.partner_id, messages.partner_ids)
        # second run: nothing new
        self.Event._cron_escalate()
        self.assertEqual(self._todos(late), todos)
        self.assertEqual(
            self.env["mail.message"].search_count(
                [("subject", "like", f"Adverse-event report due soon: {late.name}")]
            ),
            len(messages),
        )

    # ------------------------------------------------------------------
    # The report draft
    # ------------------------------------------------------------------
    def test_report_draft_renders(self):
        event = self._event("serious", event_date="2026-03-01")
        event.action_decide()
        html = self._html("after_sales_quality.asq_adverse_event_report", event)
        self.assertIn("Test Glucometer", html)
        self.assertIn("GLU-100", html)
        self.assertIn(self.delivered_product.lot_id.name, html)
        self.assertIn("Kangtai Test Customer", html)
        self.assertIn("03/22/2026", html)
        self.assertIn("Serious injury", html)
        self._assert_pdf("after_sales_quality.asq_adverse_event_report", event)

    # ------------------------------------------------------------------
    # Multi-company
    # ------------------------------------------------------------------
    def test_multi_company_isolation(self):
        branch = self.env["res.company"].create({"name": "AE Test Branch"})
        complaint = (
            self.env["asq.complaint"]
            .with_company(branch)
            .create(
                {
                    "partner_id": self.customer.id,
                    "channel": "email",
                    "category": "quality",
                    "severity": "minor",
                    "description": "Branch complaint",
                    "company_id": branch.id,
                }
            )
        )
        other = self.Event.create({"complaint_id": complaint.id, "aware_date": AWARE})
        self.assertEqual(other.company_id, branch)
        mine = self._event("death", company_id=branch.id)
        # the complaint's company, whatever the caller says; never moved
        self.assertEqual(mine.company_id, self.company)
        with self.assertRaisesRegex(UserError, "cannot move to another company"):
            mine.write({"company_id": branch.id})
        found = self.Event.with_user(self.inspector).search([])
        self.assertIn(mine, found)
        self.assertNotIn(other, found)
        with self.assertRaises(AccessError):
            other.with_user(self.inspector).read(["classification"])
        # the branch's own quality manager sees it
        branch_qm = new_test_user(
            self.env,
            login="asq_branch_qm",
            groups="after_sales_quality.group_asq_manager",
            company_id=branch.id,
            company_ids=[Command.set(branch.ids)],
        )
        self.assertEqual(
            self.Event.with_user(branch_qm).search([("id", "in", (mine | other).ids)]),
            other,
        )
