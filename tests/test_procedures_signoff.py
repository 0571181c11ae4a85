"""The final sign-off of a complaint and the review of a major complaint by
the department heads (issue [16]).

003 §3.8: 「厂长:需要对客诉的最终报告签字确认」 - the factory manager (the role
of the company's setting, the general manager by default) signs the final
report before the complaint closes.

004 §5.3.5: 「若接到客户重大报怨(如影响客户生产、功能安全)时,应立即召集相关单位
主管进行检讨,并拟定解决方案回复客户」 - a major complaint convenes the
department heads (production and R&D, §5.3.1 「如为重大品质异常则需组织研发工程
或生产主要负责人」); the decision and the solution answered to the customer are
recorded on the complaint.
"""

import re
from html import unescape

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.after_sales_quality.models.asq_workflow_mixin import (
    AsqStateError,
)
from odoo.addons.after_sales_quality.tests.complaint_common import (
    AsqComplaintCommon,
    asq_send_reply,
)

ASQ = "after_sales_quality."
SHEET = f"{ASQ}asq_complaint_report"


@tagged("post_install", "-at_install", "asq_procedures")
class TestFinalSignoff(AsqComplaintCommon):
    """003 §3.8: the final complaint report signed before the close."""

    def _confirmed(self):
        """A complaint the customer is satisfied with, waiting for the
        final sign-off."""
        return self._walk(self._create_complaint(), "confirmed")

    def _todo_users(self, complaint, step):
        return complaint.activity_ids.filtered(lambda a: a.asq_step == step).user_id

    def _printed_text(self, complaint):
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            SHEET, complaint.ids
        )
        return " ".join(unescape(re.sub(r"<[^>]+>", " ", html.decode())).split())

    def test_complaint_cannot_close_before_the_final_signoff(self):
        complaint = self._confirmed()
        qm = self._as(complaint, "asq_qm")
        self.assertFalse(qm.can_close, "Close is hidden until the report is signed")
        with self.assertRaisesRegex(
            UserError,
            "cannot be closed before its final report is signed by the role "
            "General Manager",
        ):
            qm.action_close()
        self.assertEqual(complaint.state, "confirmed")
        self.assertFalse(complaint.closed_date)

    def test_general_manager_signs_other_roles_refused(self):
        complaint = self._confirmed()
        for login in ("asq_qm", "asq_mgmt_rep", "asq_sales", "asq_business"):
            self.assertFalse(self._as(complaint, login).can_final_signoff, login)
            with self.assertRaisesRegex(
                AccessError, "signed by the role General Manager"
            ):
                self._as(complaint, login).action_final_signoff()
        self.assertFalse(complaint.signoff_user_id)
        gm = self._as(complaint, "asq_gm")
        self.assertTrue(gm.can_final_signoff)
        gm.action_final_signoff()
        self.assertEqual(complaint.signoff_user_id, self.users["asq_gm"])
        self.assertTrue(complaint.signoff_date)
        self.assertEqual(complaint.state, "confirmed", "signing does not close")
        # a second click says it is signed already, by whom
        with self.assertRaisesRegex(AsqStateError, "already signed by"):
            self._as(complaint, "asq_gm").action_final_signoff()
        # the quality manager closes now
        qm = self._as(complaint, "asq_qm")
        self.assertTrue(qm.can_close)
        qm.action_close()
        self.assertEqual(complaint.state, "closed")
        self.assertEqual(complaint.closed_user_id, self.users["asq_qm"])
        self.assertEqual(complaint.signoff_user_id, self.users["asq_gm"])

    def test_the_setting_chooses_who_signs(self):
        mgmt_rep = self.env.ref(f"{ASQ}group_asq_mgmt_rep")
        self.assertEqual(
            self.company.asq_complaint_signoff_group_id
            or self.env.ref(f"{ASQ}group_asq_general_manager"),
            self.env.ref(f"{ASQ}group_asq_general_manager"),
            "the general manager signs by default",
        )
        complaint = self._confirmed()
        self.assertIn(
            self.users["asq_gm"], self._todo_users(complaint, "final_signoff")
        )
        settings = self.env["res.config.settings"].create(
            {"asq_complaint_signoff_group_id": mgmt_rep.id}
        )
        settings.execute()
        self.assertEqual(self.company.asq_complaint_signoff_group_id, mgmt_rep)
        # the to-do moved to the management representative
        todo = self._todo_users(complaint, "final_signoff")
        self.assertIn(self.users["asq_mgmt_rep"], todo)
        self.assertNotIn(self.users["asq_gm"], todo)
        with self.assertRaisesRegex(
            AccessError, "signed by the role Management Representative"
        ):
            self._as(complaint, "asq_gm").action_final_signoff()
        self._as(complaint, "asq_mgmt_rep").action_final_signoff()
        self.assertEqual(complaint.signoff_user_id, self.users["asq_mgmt_rep"])
        # a role without access to the complaints cannot be chosen
        with self.assertRaisesRegex(ValidationError, "cannot sign the final"):
            self.company.asq_complaint_signoff_group_id = self.env.ref(
                f"{ASQ}group_asq_finance"
            )

    def test_signer_gets_a_todo_closed_when_signed(self):
        complaint = self._walk(self._create_complaint(), "replied")
        self.assertFalse(self._todo_users(complaint, "final_signoff"))
        self._as(complaint, "asq_sales").action_customer_satisfied()
        todo = self._todo_users(complaint, "final_signoff")
        self.assertIn(self.users["asq_gm"], todo)
        self.assertNotIn(self.users["asq_qm"], todo)
        self.assertFalse(
            self._todo_users(complaint, "close"),
            "nobody is asked to close before the sign-off",
        )
        summary = complaint.activity_ids.filtered(
            lambda a: a.asq_step == "final_signoff"
            and a.user_id == self.users["asq_gm"]
        ).summary
        self.assertEqual(summary, "Sign the final complaint report")
        self._as(complaint, "asq_gm").action_final_signoff()
        self.assertFalse(self._todo_users(complaint, "final_signoff"))
        self.assertIn(self.users["asq_qm"], self._todo_users(complaint, "close"))
        self.assertTrue(
            complaint.message_ids.filtered(
                lambda m: "Final report signed by" in (m.body or "")
            )
        )

    def test_printed_report_shows_the_signer(self):
        complaint = self._confirmed()
        gm = self.users["asq_gm"]
        text = self._printed_text(complaint)
        self.assertIn("Final Report Approved (Factory Manager)", text)
        self.assertNotIn(gm.name, text)
        self._as(complaint, "asq_gm").action_final_signoff()
        self._as(complaint, "asq_qm").action_close()
        text = self._printed_text(complaint)
        row = text.split("Final Report Approved (Factory Manager)")[1]
        self.assertTrue(row.strip().startswith(gm.name), row[:80])
        self.assertIn("Closed (Quality)", text)

    def test_forged_context_cannot_sign_or_skip(self):
        complaint = self._confirmed()
        qm = self._as(complaint, "asq_qm")
        forged = {
            "asq_complaint_step": True,
            "asq_mail_step": "reply",
            "asq_workflow": True,
        }
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            qm.with_context(**forged).write(
                {
                    "signoff_user_id": qm.env.uid,
                    "signoff_date": fields.Datetime.now(),
                }
            )
        with self.assertRaisesRegex(UserError, "final report is signed"):
            qm.with_context(**forged).action_close()
        with self.assertRaisesRegex(AccessError, "General Manager"):
            qm.with_context(**forged).action_final_signoff()
        complaint.invalidate_recordset()
        self.assertFalse(complaint.signoff_user_id)
        self.assertEqual(complaint.state, "confirmed")

    def test_complaint_not_valid_closes_without_signoff(self):
        """003 §5.2.3 「即不为客户投诉」: a complaint judged not valid is
        explained and closed; there is no final complaint report to sign."""
        complaint = self._walk(self._create_complaint(), "review")
        self._as(complaint, "asq_qm").write({"invalid_reason": "Used past expiry"})
        self._as(complaint, "asq_qm").action_judge_invalid()
        asq_send_reply(self._as(complaint, "asq_sales"))
        self.assertEqual(complaint.state, "replied")
        self.assertFalse(self._todo_users(complaint, "final_signoff"))
        self._as(complaint, "asq_qm").action_close()
        self.assertEqual(complaint.state, "closed")
        self.assertFalse(complaint.signoff_user_id)


@tagged("post_install", "-at_install", "asq_procedures")
class TestMajorComplaintReview(AsqComplaintCommon):
    """004 §5.3.5: a major complaint convenes the department heads."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.heads = {}
        departments = cls.env["hr.department"]
        for key, name in (("production", "生产部"), ("rnd", "研发部")):
            user = new_test_user(
                cls.env,
                login=f"asq_head_{key}",
                groups="base.group_user",
                name=f"{name}主管",
                email=f"head.{key}@example.com",
                company_id=cls.company.id,
            )
            department = departments.create(
                {"name": name, "company_id": cls.company.id}
            )
            department.manager_id = cls.env["hr.employee"].create(
                {
                    "name": user.name,
                    "user_id": user.id,
                    "department_id": department.id,
                    "company_id": cls.company.id,
                }
            )
            cls.heads[key] = user
            departments |= department
        cls.review_departments = departments
        cls.company.asq_review_department_ids = [Command.set(departments.ids)]

    def _registered(self, severity):
        complaint = self._create_complaint(severity=severity)
        self._as(complaint, "asq_sales").action_submit()
        return complaint

    def test_major_complaint_meeting_with_the_heads(self):
        complaint = self._registered("major")
        qm = self._as(complaint, "asq_qm")
        # the quality manager's to-do from registration on
        todo = complaint.activity_ids.filtered(lambda a: a.asq_step == "convene_review")
        self.assertIn(self.users["asq_qm"], todo.user_id)
        self.assertIn("Convene the department heads", todo[:1].summary)
        self.assertTrue(qm.can_convene_review)
        action = qm.action_convene_review()
        meeting = complaint.review_meeting_id
        self.assertTrue(meeting)
        self.assertEqual(action["res_model"], "calendar.event")
        self.assertEqual(action["res_id"], meeting.id)
        attendees = meeting.partner_ids
        for head in self.heads.values():
            self.assertIn(head.partner_id, attendees, head.name)
        self.assertIn(self.users["asq_qm"].partner_id, attendees)
        self.assertIn(self.users["asq_sales"].partner_id, attendees, "the owner")
        self.assertEqual(meeting.res_model, "asq.complaint")
        self.assertEqual(meeting.res_id, complaint.id)
        self.assertEqual(meeting.user_id, self.users["asq_qm"])
        self.assertIn(complaint.name, meeting.name)
        self.assertEqual(complaint.convened_user_id, self.users["asq_qm"])
        self.assertTrue(complaint.convened_date)
        self.assertFalse(
            complaint.activity_ids.filtered(lambda a: a.asq_step == "convene_review"),
            "the to-do is done",
        )
        with self.assertRaisesRegex(AsqStateError, "already convened by"):
            self._as(complaint, "asq_qm").action_convene_review()
        self.assertEqual(
            self.env["calendar.event"].search_count(
                [("res_model", "=", "asq.complaint"), ("res_id", "=", complaint.id)]
            ),
            1,
        )

    def test_critical_complaint_invites_the_responsible_department(self):
        """The department found responsible joins the configured ones; with
        no department configured, every department head of the company."""
        self.company.asq_review_department_ids = [Command.clear()]
        complaint = self._registered("critical")
        self._as(complaint, "asq_qm").action_convene_review()
        attendees = complaint.review_meeting_id.partner_ids
        for head in self.heads.values():
            self.assertIn(head.partner_id, attendees, head.name)

    def test_minor_complaint_refused(self):
        complaint = self._registered("minor")
        qm = self._as(complaint, "asq_qm")
        self.assertFalse(qm.can_convene_review)
        self.assertFalse(
            complaint.activity_ids.filtered(lambda a: a.asq_step == "convene_review")
        )
        meetings = self.env["calendar.event"].search_count([])
        with self.assertRaisesRegex(
            UserError, "Only a major or critical complaint convenes the department"
        ):
            qm.action_convene_review()
        self.assertEqual(self.env["calendar.event"].search_count([]), meetings)
        # a forged context unlocks nothing, nor links a meeting by hand
        forged = qm.with_context(asq_complaint_step=True, asq_workflow=True)
        with self.assertRaisesRegex(UserError, "Only a major or critical"):
            forged.action_convene_review()
        meeting = self.env["calendar.event"].create(
            {
                "name": "Forged",
                "start": fields.Datetime.now(),
                "stop": fields.Datetime.now(),
            }
        )
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            forged.write({"review_meeting_id": meeting.id})
        self.assertFalse(complaint.review_meeting_id)

    def test_only_the_quality_manager_convenes(self):
        complaint = self._registered("major")
        for login in ("asq_sales", "asq_inspector", "asq_gm"):
            with self.assertRaisesRegex(AccessError, "Quality Manager"):
                self._as(complaint, login).action_convene_review()
        self.assertFalse(complaint.review_meeting_id)

    def test_decision_recorded_with_stamp(self):
        complaint = self._registered("major")
        qm = self._as(complaint, "asq_qm")
        qm.action_convene_review()
        with self.assertRaisesRegex(
            AccessError, "may only be changed by the role Quality Manager"
        ):
            self._as(complaint, "asq_inspector").write(
                {"review_decision": "Not the quality manager's"}
            )
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            qm.with_context(asq_complaint_step=True).write(
                {"review_user_id": self.users["asq_sales"].id}
            )
        qm.write(
            {
                "review_decision": "生产部更换密封工艺,研发部复核设计",
                "review_solution": "免费更换 2 台并提交 8D 报告",
            }
        )
        self.assertEqual(complaint.review_user_id, self.users["asq_qm"])
        self.assertTrue(complaint.review_date)
        self.assertEqual(complaint.review_solution, "免费更换 2 台并提交 8D 报告")
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            SHEET, complaint.ids
        )
        text = html.decode()
        self.assertIn("生产部更换密封工艺,研发部复核设计", text)
        self.assertIn("免费更换 2 台并提交 8D 报告", text)
        self.assertIn(self.heads["rnd"].name, text)
        # closed: the record no longer changes
        self._walk(complaint, "closed")
        self.assertEqual(complaint.state, "closed")
        # 004 §5.3.5 「拟定解决方案回复客户」: the reply the customer received
        # carries the solution the department heads agreed.
        reply = complaint.message_ids.filtered(
            lambda m: m.message_type == "comment"
            and complaint.partner_id in m.partner_ids
        )
        self.assertEqual(len(reply), 1)
        self.assertIn("免费更换 2 台并提交 8D 报告", reply.body)
        self.assertIn("review meeting", reply.body)
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            self._as(complaint, "asq_qm").write({"review_decision": "Rewritten"})
