"""[16] The CAPA report goes back to the customer (000 §4.6.10 「营销中心根据
情况将实施结果反馈给顾客」; 002 §6.2.8 「如若客户有要求提供纠正和预防措施的,则按客户
要求在规定的期限内,提交纠正和预防措施」): sent by mail with the 8D report from
Odoo's composer by the complaint's owner, on the portal with the complaint,
its due date with a to-do, an overdue flag, an escalation and the date it was
sent."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.after_sales_quality.tests.complaint_common import (
    AsqComplaintCommon,
    asq_send_composer,
)
from odoo.addons.after_sales_quality.tests.test_capa import CapaCommon
from odoo.addons.after_sales_quality.tests.test_ux_handoffs import HandoffMixin

STEP = "send_customer_report"
LABEL = "Send CAPA Report to Customer"


class CapaReportCommon(HandoffMixin, CapaCommon, AsqComplaintCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.email = "kangtai@example.com"
        cls.sales = cls.users["asq_sales"]

    def _capa_asked(self, days=5, **vals):
        """A CAPA taken on a complaint of the sales user, the customer asking
        for its report within ``days`` days; its plan confirmed (state
        "action")."""
        complaint = self._create_complaint()
        capa = self._create_capa(
            complaint_ids=[Command.set(complaint.ids)],
            customer_report=True,
            customer_report_deadline=self.today + timedelta(days=days),
            **vals,
        )
        capa.action_start_analysis()
        self._add_action(capa, "Change plating spec")
        capa.action_plan()
        self.assertEqual(capa.state, "action")
        return capa, complaint

    def _send(self, capa, user=None, body=None):
        # (the 8D printed as a PDF, as outside tests: Odoo's test mode
        # renders reports as HTML unless told)
        capa = capa.with_user(user or self.sales).with_context(
            force_report_rendering=True
        )
        return asq_send_composer(capa.env, capa.action_send_customer_report(), body)


@tagged("post_install", "-at_install", "asq_procedures")
class TestCapaReportToCustomer(CapaReportCommon):
    def test_owner_sends_the_8d_with_the_composer(self):
        capa, complaint = self._capa_asked()
        # Who receives it: the complaint's customer, without being told.
        self.assertEqual(capa.customer_report_partner_id, self.customer)
        # The complaint's owner (a plain after-sales user) reads the CAPA
        # taken on the complaint, and has the to-do, due on the customer's
        # date; nobody else has it.
        as_sales = capa.with_user(self.sales)
        self.assertTrue(as_sales.has_access("read"))
        self._assert_todo(capa, self.sales, STEP, LABEL, capa.customer_report_deadline)
        self.assertEqual(self._todos(capa, STEP).user_id, self.sales)
        self.assertIn(
            capa,
            self.env["asq.capa"]
            .with_user(self.sales)
            .search([("waiting_for_me", "=", True)]),
        )
        self.assertTrue(as_sales.can_send_customer_report)
        # The composer: the customer, the template, the 8D attached.
        action = as_sales.action_send_customer_report()
        self.assertEqual(action["res_model"], "mail.compose.message")
        composer = (
            self.env["mail.compose.message"]
            .with_user(self.sales)
            .with_context(**action["context"], force_report_rendering=True)
            .create({})
        )
        self.assertEqual(composer.partner_ids, self.customer)
        self.assertIn(capa.name, composer.subject)
        self.assertIn(complaint.name, composer.body)
        self.assertEqual(
            composer.attachment_ids.mapped("mimetype"), ["application/pdf"]
        )
        self.assertEqual(
            composer.attachment_ids.name, f"8D - {capa.name.replace('/', '-')}.pdf"
        )
        # Opening it signs nothing.
        self.assertFalse(capa.customer_report_date)
        self._send(capa, body="<p>Our 8D report on the E-3 error is attached.</p>")
        self.assertEqual(capa.customer_report_user_id, self.sales)
        self.assertTrue(capa.customer_report_date)
        self.assertFalse(capa.customer_report_late)
        self.assertFalse(capa.is_overdue)
        self.assertEqual(capa.state, "action", "sending changes no status")
        report = capa.customer_report_attachment_id
        self.assertEqual(report.mimetype, "application/pdf")
        self.assertTrue(report.raw.startswith(b"%PDF"))
        # The mail is queued to the customer with the report.
        message = capa.message_ids.filtered(
            lambda m: "E-3 error is attached" in (m.body or "")
        )
        self.assertEqual(message.partner_ids, self.customer)
        self.assertEqual(message.attachment_ids, report)
        mail = self.env["mail.mail"].search([("mail_message_id", "=", message.id)])
        self.assertEqual(mail.recipient_ids, self.customer)
        # The to-do is done, signed by the sender; the auditor's line is there.
        self._assert_closed_by(capa, self.sales, STEP, f"Signed: {LABEL}.")
        record = self.env["asq.step.record"].search(
            [
                ("res_model", "=", "asq.capa"),
                ("res_id", "=", capa.id),
                ("step", "=", STEP),
            ]
        )
        self.assertEqual(record.user_id, self.sales)
        self.assertTrue(record.role_ok)
        # What the customer asked for no longer changes: a deadline moved
        # afterwards would hide a late report.
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            capa.with_user(self.inspector).customer_report_deadline = self.today
        # Sent again (the final report once verified): the last one is kept.
        self._send(capa, user=self.inspector, body="<p>Final report.</p>")
        self.assertEqual(capa.customer_report_user_id, self.inspector)
        self.assertNotEqual(capa.customer_report_attachment_id, report)

    def test_refusals_name_their_reason(self):
        capa, _complaint = self._capa_asked()
        # Too early: the cause is not confirmed yet.
        draft = self._create_capa(customer_report=True)
        with self.assertRaisesRegex(UserError, "not possible on .* current status"):
            draft.with_user(self.inspector).action_send_customer_report()
        # A user without an after-sales role.
        employee = capa.with_user(self.users["asq_employee"])
        with self.assertRaisesRegex(AccessError, r"needs the role"):
            employee.action_send_customer_report()
        # No e-mail address to send to.
        self.customer.email = False
        with self.assertRaisesRegex(UserError, "an e-mail address to send the CAPA"):
            capa.with_user(self.sales).action_send_customer_report()
        self.customer.email = "kangtai@example.com"
        # Signatures are the step's only.
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            capa.with_user(self.inspector).write(
                {"customer_report_date": fields.Datetime.now()}
            )
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            capa.with_user(self.inspector).write(
                {
                    "customer_report_attachment_id": self.env["ir.attachment"]
                    .search([], limit=1)
                    .id
                }
            )
        self.assertFalse(capa.customer_report_date)

    def test_forged_context_key_unlocks_nothing(self):
        capa, _complaint = self._capa_asked()
        pdf = self.env["ir.attachment"].create(
            {"name": "fake.pdf", "raw": b"%PDF-1.4 fake", "mimetype": "application/pdf"}
        )
        forged = {"asq_mail_step": "send_customer_report"}
        # Without the role: refused by the step itself.
        with self.assertRaisesRegex(AccessError, "needs the role"):
            capa.with_user(self.users["asq_employee"]).with_context(
                **forged
            ).message_post(
                body="forged",
                partner_ids=self.customer.ids,
                attachment_ids=pdf.ids,
                message_type="comment",
            )
        sales = capa.with_user(self.sales).with_context(**forged)
        # Not to the customer: not the report.
        with self.assertRaisesRegex(UserError, "must go to the customer"):
            sales.message_post(
                body="to nobody", attachment_ids=pdf.ids, message_type="comment"
            )
        # Without the report attached: not the report either.
        with self.assertRaisesRegex(UserError, r"Attach the CAPA report of .* \(8D - "):
            sales.message_post(
                body="no report", partner_ids=self.customer.ids, message_type="comment"
            )
        self.assertFalse(capa.customer_report_date)
        # A plain note with the key off signs nothing.
        capa.with_user(self.sales).message_post(body="note", message_type="comment")
        self.assertFalse(capa.customer_report_date)
        # The key naming a step that no mail signs (the quality manager's
        # approval, a made-up step) posts an ordinary message, nothing more.
        state = capa.state
        steps = self.env["asq.step.record"].search_count(
            [("res_model", "=", "asq.capa"), ("res_id", "=", capa.id)]
        )
        for step in ("request_verification", "verify_effective", "no_such_step"):
            capa.with_user(self.sales).with_context(asq_mail_step=step).message_post(
                body=f"forged {step}", message_type="comment"
            )
            self.assertEqual(capa.state, state)
        self.assertEqual(
            self.env["asq.step.record"].search_count(
                [("res_model", "=", "asq.capa"), ("res_id", "=", capa.id)]
            ),
            steps,
            "no step recorded for a mail that signs nothing",
        )

    def test_overdue_flag_escalation_and_late_report(self):
        capa, _complaint = self._capa_asked(days=-1)
        self.assertTrue(capa.is_overdue)
        Capa = self.env["asq.capa"]
        self.assertIn(capa, Capa.search([("is_overdue", "=", True)]))
        self.assertNotIn(capa, Capa.search([("is_overdue", "=", False)]))
        # Escalated once to the quality managers, by the reminders' job.
        Capa._cron_action_reminders()

        # (one message per language the managers read)
        def escalations():
            return capa.message_ids.filtered(
                lambda m: "Overdue: the CAPA report" in (m.body or "")
                and self.qm.partner_id in m.partner_ids
            )

        self.assertEqual(len(escalations()), 1)
        self.assertTrue(capa.customer_report_escalated)
        Capa._cron_action_reminders()
        self.assertEqual(len(escalations()), 1, "escalated once")
        # The customer grants more time: due again, not escalated, to-do moved.
        new_date = self.today + timedelta(days=3)
        capa.with_user(self.inspector).customer_report_deadline = new_date
        self.assertFalse(capa.customer_report_escalated)
        self.assertFalse(capa.is_overdue)
        self.assertEqual(self._todos(capa, STEP).date_deadline, new_date)
        # No report asked any more: no to-do.
        capa.with_user(self.inspector).customer_report = False
        self.assertFalse(self._todos(capa, STEP))
        self.assertFalse(capa.is_overdue)
        # Sent after the date the customer set: overdue no more, sent late.
        capa.with_user(self.inspector).write(
            {
                "customer_report": True,
                "customer_report_deadline": self.today - timedelta(days=2),
            }
        )
        self._send(capa)
        self.assertFalse(capa.is_overdue)
        self.assertTrue(capa.customer_report_late)
        self.assertIn(capa, Capa.search([("customer_report_late", "=", True)]))


@tagged("post_install", "-at_install", "asq_procedures")
class TestCapaReportOnPortal(CapaReportCommon, HttpCase):
    def test_customer_downloads_the_report_with_the_complaint(self):
        capa, complaint = self._capa_asked()
        self._send(capa)
        portal = self.env["res.users"].create(
            {
                "name": "Kangtai Portal",
                "login": "kangtai_portal",
                "password": "kangtai_portal",
                "partner_id": self.customer_contact.id,
                "groups_id": [Command.set([self.env.ref("base.group_portal").id])],
            }
        )
        self.assertTrue(portal)
        self.authenticate("kangtai_portal", "kangtai_portal")
        page = self.url_open(f"/my/complaints/{complaint.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(f"/my/complaints/{complaint.id}/capa/{capa.id}", page.text)
        self.assertIn(capa.name, page.text)
        report = self.url_open(f"/my/complaints/{complaint.id}/capa/{capa.id}")
        self.assertEqual(report.status_code, 200)
        self.assertEqual(report.content, capa.customer_report_attachment_id.raw)
        # A CAPA not sent to this customer, or not taken on the complaint.
        other = self._create_capa()
        self.assertEqual(
            self.url_open(f"/my/complaints/{complaint.id}/capa/{other.id}").status_code,
            404,
        )
        # Another customer's complaint: not theirs to read.
        stranger = self.env["res.partner"].create({"name": "Stranger Co"})
        strange = self._create_complaint(partner=stranger, lines=[])
        self.assertIn(
            self.url_open(f"/my/complaints/{strange.id}/capa/{capa.id}").status_code,
            (403, 404),
        )
