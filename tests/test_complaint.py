import base64
import io
from unittest.mock import patch

import openpyxl
from freezegun import freeze_time
from psycopg2.errors import LockNotAvailable

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from odoo.addons.after_sales_quality.models.asq_workflow_mixin import asq_step
from odoo.addons.after_sales_quality.tests.complaint_common import (
    FRIDAY,
    AsqComplaintCommon,
    asq_send_reply,
)
from odoo.addons.mail.tests.common import MockEmail


def dt(value):
    return fields.Datetime.to_datetime(value)


@tagged("post_install", "-at_install", "asq_complaint")
class TestComplaintWorkflow(AsqComplaintCommon):
    def test_full_state_walk_signs_every_step(self):
        complaint = self._create_complaint(onsite_required=True)
        self.assertEqual(complaint.state, "draft")
        self.assertTrue(complaint.name.startswith("CC/"))
        self.assertEqual(complaint.user_id, self.users["asq_sales"])
        line = complaint.line_ids
        self.assertEqual(line.product_id, self.product)
        self.assertEqual(line.lot_id.name, "CC-LOT-1")
        self.assertEqual(line.picking_id, self.picking)
        self.assertEqual(line.sale_order_id, self.picking.sale_id)
        self.assertEqual(line.delivered_qty, 10.0)

        self._as(complaint, "asq_sales").action_submit()
        self.assertEqual(complaint.state, "review")
        self.assertEqual(complaint.submitted_user_id, self.users["asq_sales"])
        self._as(complaint, "asq_qm").action_judge_valid()
        self.assertEqual(complaint.state, "investigating")
        self.assertEqual(complaint.validity, "valid")
        self.assertEqual(complaint.judged_user_id, self.users["asq_qm"])
        self.assertTrue(complaint.judged_date)
        self.assertTrue(complaint.answer_deadline)

        inspector = self._as(complaint, "asq_inspector")
        inspector.onsite_result = "Confirmed on the customer's line"
        inspector.action_onsite_verified()
        self.assertEqual(complaint.onsite_user_id, self.users["asq_inspector"])
        self.assertTrue(complaint.onsite_on_time)
        self._walk(complaint, "findings")
        self.assertEqual(complaint.investigated_user_id, self.users["asq_inspector"])
        self._as(complaint, "asq_qm").action_decide()
        self.assertEqual(complaint.state, "decided")
        self.assertEqual(complaint.decided_user_id, self.users["asq_qm"])
        self.assertTrue(complaint.disposition_on_time)
        self.assertTrue(complaint.answer_on_time)

        asq_send_reply(self._as(complaint, "asq_sales"))
        self.assertEqual(complaint.state, "replied")
        message = complaint.message_ids.filtered(
            lambda m: m.subject and "our reply" in m.subject
        )
        self.assertEqual(len(message), 1, "the reply is logged in the chatter")
        # The root cause is the quality department's, not the customer's.
        self.assertNotIn("Sensor calibration drift", message.body)
        mail = self.env["mail.mail"].search([("mail_message_id", "=", message.id)])
        self.assertEqual(mail.recipient_ids, self.customer, "mail queued to customer")

        self._as(complaint, "asq_sales").action_customer_satisfied()
        self.assertEqual(complaint.state, "confirmed")
        self.assertEqual(complaint.confirmed_user_id, self.users["asq_sales"])
        # 003 §3.8: the factory manager (general manager) signs the report
        self._as(complaint, "asq_gm").action_final_signoff()
        self.assertEqual(complaint.signoff_user_id, self.users["asq_gm"])
        self._as(complaint, "asq_qm").action_close()
        self.assertEqual(complaint.state, "closed")
        self.assertEqual(complaint.closed_user_id, self.users["asq_qm"])
        self.assertFalse(complaint.activity_ids, "nothing left to do")

    def test_reply_in_the_customer_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        template = self.env.ref("after_sales_quality.asq_complaint_mail_template_reply")
        template.with_context(
            lang="zh_CN"
        ).subject = "您的投诉 {{ object.name }}: 我们的答复"
        self.customer.lang = "zh_CN"
        complaint = self._walk(self._create_complaint(), "replied")
        message = complaint.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertIn("您的投诉", message[0].subject)

    def test_return_or_exchange_creates_the_return_request(self):
        complaint = self._walk(self._create_complaint(), "decided")
        request = complaint.return_ids
        self.assertEqual(len(request), 1)
        self.assertEqual(request.state, "draft")
        self.assertEqual(request.partner_id, self.customer)
        self.assertEqual(request.complaint_id, complaint)
        self.assertEqual(request.user_id, complaint.user_id)
        line = request.line_ids
        self.assertEqual(line.delivered_line_id, self.delivered_product)
        self.assertEqual(
            (line.quantity, line.kind, line.resolution), (2.0, "quality", "exchange")
        )
        self.assertEqual(line.reason, "Sensor calibration drift")
        self.assertIn(request.name, complaint.message_ids.mapped("body")[0])
        self.assertEqual(complaint.return_count, 1)
        action = self._as(complaint, "asq_sales").action_view_returns()
        self.assertEqual(self.env["asq.return"].search(action["domain"]), request)
        for document in (self.picking, self.picking.sale_id):
            document = document.with_user(self.users["asq_aftersales"])
            self.assertEqual(document.asq_complaint_count, 1)
            action = document.action_asq_view_complaints()
            self.assertEqual(
                self.env["asq.complaint"].search(action["domain"]), complaint
            )

    def test_invalid_complaint_is_explained_then_closed(self):
        complaint = self._walk(self._create_complaint(), "review")
        manager = self._as(complaint, "asq_qm")
        self._refused(
            complaint,
            "asq_qm",
            "action_judge_invalid",
            "Give the reason why .* is not valid: the customer receives it as "
            "the explanation.",
        )
        manager.invalid_reason = "The readings are within the stated tolerance."
        manager.action_judge_invalid()
        self.assertEqual(complaint.state, "review")
        self.assertEqual(complaint.validity, "invalid")
        self.assertTrue(complaint.disposition_on_time)
        with self.assertRaisesRegex(
            UserError, "CC/.* was already judged by asq_qm .*. Reload the page."
        ):
            manager.action_judge_valid()
        asq_send_reply(self._as(complaint, "asq_sales"))
        self.assertEqual(complaint.state, "replied")
        message = complaint.message_ids.filtered(
            lambda m: m.subject and "our explanation" in m.subject
        )
        self.assertIn("within the stated tolerance", message.body)
        with self.assertRaisesRegex(UserError, "there is no disposition"):
            self._as(complaint, "asq_sales").action_customer_satisfied()
        manager.action_close()
        self.assertEqual(complaint.state, "closed")

    def test_not_satisfied_goes_back_to_investigation(self):
        complaint = self._walk(self._create_complaint(), "replied")
        sales = self._as(complaint, "asq_sales")
        sales.satisfaction_note = "Still wrong readings"
        sales.action_customer_not_satisfied()
        self.assertEqual(complaint.state, "investigating")
        self.assertEqual(complaint.reopen_count, 1)
        self.assertFalse(complaint.decided_date)
        self.assertFalse(complaint.investigated_date)
        self.assertTrue(complaint.judged_date, "the judgment stays")
        with self.assertRaisesRegex(UserError, "has not recorded its findings on"):
            self._as(complaint, "asq_qm").action_decide()
        self._as(complaint, "asq_inspector").action_record_findings()
        self._as(complaint, "asq_qm").action_decide()
        self.assertEqual(complaint.state, "decided")

    def test_cancel_with_a_reason_through_the_wizard(self):
        complaint = self._walk(self._create_complaint(), "investigating")
        action = self._as(complaint, "asq_qm").action_open_cancel_wizard()
        wizard_form = Form(
            self.env[action["res_model"]]
            .with_user(self.users["asq_qm"])
            .with_context(**action["context"])
        )
        wizard_form.reason = "Customer withdrew the complaint"
        wizard_form.save().action_cancel()
        self._assert_cancelled(complaint, "Customer withdrew the complaint", "asq_qm")
        with self.assertRaisesRegex(UserError, "Cancel is not possible on"):
            self._as(complaint, "asq_qm")._action_cancel("again")

    def test_new_complaint_can_be_deleted_registered_cannot(self):
        draft = self._create_complaint()
        registered = self._walk(self._create_complaint(), "review")
        with self.assertRaisesRegex(UserError, "Only new complaints can be deleted"):
            self._as(registered, "asq_qm").unlink()
        self._as(draft, "asq_qm").unlink()
        self.assertFalse(draft.exists())


@tagged("post_install", "-at_install", "asq_complaint")
class TestComplaintGuards(AsqComplaintCommon):
    def test_quantity_above_delivered_is_refused(self):
        count = self.env["asq.complaint"].search_count([])
        with (
            self.assertRaisesRegex(
                ValidationError,
                r"The quantity affected of .*Test Glucometer \(11.0\) exceeds "
                r"the 10.0 delivered in",
            ),
            self.env.cr.savepoint(),
        ):
            self._create_complaint(lines=[(self.delivered_product, 11.0)])
        self.env.invalidate_all()
        self.assertEqual(self.env["asq.complaint"].search_count([]), count)

    def test_lot_never_delivered_to_the_customer_is_refused(self):
        other = self.env["res.partner"].create({"name": "Other Customer"})
        picking = self._deliver(other, [(self.product, 5, 100.0, "OTHER-LOT")])
        foreign = self.env["asq.delivered.line"].search(
            [("picking_id", "=", picking.id)]
        )
        with self.assertRaisesRegex(
            ValidationError,
            r"Test Glucometer \(lot OTHER-LOT\) was never delivered to "
            r"Kangtai Test Customer.",
        ):
            self._create_complaint(lines=[(foreign, 1.0)])

    def test_steps_out_of_order_are_refused(self):
        """A reply before the judgment, a closing before the customer's
        answer: refused with the reason, the complaint unchanged."""
        for state, role, action, message, stamp in (
            (
                "review",
                "asq_sales",
                "action_reply",
                "cannot be answered before the quality manager judged it and "
                "approved a disposition.",
                "replied_date",
            ),
            (
                "replied",
                "asq_qm",
                "action_close",
                "cannot be closed before the customer said whether the answer "
                "is satisfactory.",
                "closed_date",
            ),
        ):
            with self.subTest(action=action):
                complaint = self._walk(self._create_complaint(), state)
                self._refused(complaint, role, action, message)
                self.assertEqual(complaint.state, state)
                self.assertFalse(complaint[stamp])

    def test_double_click_never_repeats_a_step(self):
        complaint = self._walk(self._create_complaint(), "review")
        first_tab = self._as(complaint, "asq_qm")
        second_tab = self._as(complaint, "asq_qm")
        first_tab.action_judge_valid()
        judged_date = complaint.judged_date
        with self.assertRaisesRegex(
            UserError,
            r"Judge is not possible on CC/.* in its current status "
            r"\(Investigating\). Reload the page: someone may have done it "
            r"already.",
        ):
            second_tab.action_judge_valid()
        self.assertEqual(complaint.judged_date, judged_date)
        complaint = self._walk(complaint, "replied")
        replies = len(complaint.message_ids)
        with self.assertRaisesRegex(UserError, "Reply is not possible on"):
            asq_send_reply(self._as(complaint, "asq_sales"))
        self.assertEqual(len(complaint.message_ids), replies, "no second e-mail")

    def test_row_locked_by_another_transaction(self):
        """Another worker holds the row: the step refuses instead of waiting
        and doing the step twice."""
        complaint = self._walk(self._create_complaint(), "review")
        cursor = self.env.cr
        execute = cursor.execute

        def locked(query, params=None, log_exceptions=True):
            if "NOWAIT" in str(query):
                raise LockNotAvailable("could not obtain lock")
            return execute(query, params, log_exceptions)

        with (
            patch.object(cursor, "execute", side_effect=locked),
            self.assertRaisesRegex(
                UserError,
                "is being processed by someone else right now. Reload the page",
            ),
        ):
            self._as(complaint, "asq_qm").action_judge_valid()
        self.assertEqual(complaint.state, "review")

    def test_registration_needs_category_and_description(self):
        complaint = self._create_complaint(description=False)
        with self.assertRaisesRegex(
            UserError, "Complete CC/.* before registering it: Description."
        ):
            self._as(complaint, "asq_sales").action_submit()

    def test_findings_need_responsibility_root_cause_and_onsite(self):
        complaint = self._walk(
            self._create_complaint(onsite_required=True), "investigating"
        )
        for action, message in (
            (
                "action_record_findings",
                "The investigation of CC/.* is incomplete: Responsibility, "
                "Root Cause, Verified On Site.",
            ),
            (
                "action_onsite_verified",
                "Record the on-site verification result of CC/.* first.",
            ),
        ):
            self._refused(complaint, "asq_inspector", action, message)

    def test_no_action_needs_a_reason(self):
        complaint = self._walk(self._create_complaint(), "investigating")
        self._as(complaint, "asq_inspector").write(
            {
                "responsibility": "customer",
                "root_cause": "Used outside the specified temperature",
                "disposition": "none",
            }
        )
        self._as(complaint, "asq_inspector").action_record_findings()
        with self.assertRaisesRegex(UserError, "Record why no action is taken on CC/"):
            self._as(complaint, "asq_qm").action_decide()
        self._as(complaint, "asq_inspector").no_action_reason = "Customer misuse"
        self._as(complaint, "asq_qm").action_decide()
        self.assertEqual(complaint.state, "decided")

    def test_signatures_cannot_be_written(self):
        complaint = self._walk(self._create_complaint(), "investigating")
        with self.assertRaisesRegex(
            UserError,
            "These fields are signed by the workflow buttons and cannot be "
            "written directly: Judged At, Judged By.",
        ):
            self._as(complaint, "asq_qm").write(
                {"judged_user_id": self.users["asq_sales"].id, "judged_date": FRIDAY}
            )
        with self.assertRaisesRegex(UserError, "written directly: Status."):
            self._as(complaint, "asq_qm").write({"state": "closed"})
        with self.assertRaisesRegex(UserError, "written directly: Validity."):
            self._as(complaint, "asq_qm").write({"validity": "invalid"})

    def test_content_locked_after_its_step(self):
        complaint = self._walk(self._create_complaint(), "decided")
        with self.assertRaisesRegex(
            UserError,
            "Root Cause can no longer be changed on CC/.*: that step is done.",
        ):
            self._as(complaint, "asq_qm").root_cause = "Something else"
        with self.assertRaisesRegex(
            UserError, "The affected goods of CC/.* can no longer be changed"
        ):
            self._as(complaint, "asq_qm").line_ids.quantity = 1.0
        with self.assertRaisesRegex(
            ValidationError, "Loss amounts of CC/.* cannot be negative."
        ):
            self._as(complaint, "asq_qm").loss_freight = -5


@tagged("post_install", "-at_install", "asq_complaint")
class TestComplaintClocks(AsqComplaintCommon):
    def test_disposition_deadline_skips_the_weekend(self):
        complaint = self._create_complaint(received_date=FRIDAY)
        # Friday 10:00 + 3 working days (24 working hours) = Wednesday 10:00.
        self.assertEqual(complaint.disposition_deadline, dt("2025-03-12 10:00:00"))
        self.assertEqual(complaint.next_deadline, dt("2025-03-12 10:00:00"))

    def test_public_holiday_does_not_count(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": self.calendar.id,
                "date_from": dt("2025-03-10 00:00:00"),
                "date_to": dt("2025-03-10 23:59:59"),
            }
        )
        complaint = self._create_complaint(received_date=FRIDAY)
        self.assertEqual(complaint.disposition_deadline, dt("2025-03-13 10:00:00"))

    def test_onsite_local_24_hours_remote_7_days(self):
        local = self._create_complaint(received_date=FRIDAY, onsite_required=True)
        # 24 hours = one working day: the next working day, same time.
        self.assertEqual(local.onsite_deadline, dt("2025-03-10 10:00:00"))
        self.customer.asq_locality = "remote"
        remote = self._create_complaint(received_date=FRIDAY, onsite_required=True)
        self.assertEqual(remote.onsite_deadline, dt("2025-03-18 10:00:00"))
        self.customer.asq_locality = False
        unset = self._create_complaint(received_date=FRIDAY, onsite_required=True)
        self.assertEqual(unset.onsite_deadline, dt("2025-03-18 10:00:00"))
        no_visit = self._create_complaint(received_date=FRIDAY)
        self.assertFalse(no_visit.onsite_deadline)

    def test_durations_are_configurable_in_settings(self):
        settings = self.env["res.config.settings"].create({})
        settings.asq_complaint_disposition_days = 1
        settings.asq_complaint_onsite_local_hours = 48
        settings.execute()
        self.assertEqual(self.company.asq_complaint_disposition_days, 1)
        complaint = self._create_complaint(received_date=FRIDAY, onsite_required=True)
        self.assertEqual(complaint.disposition_deadline, dt("2025-03-10 10:00:00"))
        self.assertEqual(complaint.onsite_deadline, dt("2025-03-11 10:00:00"))
        with self.assertRaisesRegex(ValidationError, "must be positive"):
            self.company.asq_complaint_answer_days = 0

    def test_received_on_saturday_starts_on_monday(self):
        complaint = self._create_complaint(received_date=dt("2025-03-08 09:00:00"))
        self.assertEqual(complaint.disposition_deadline, dt("2025-03-12 17:00:00"))

    def test_quality_answer_clock_and_deadlines_met(self):
        complaint = self._create_complaint(received_date=FRIDAY)
        with freeze_time("2025-03-07 11:00:00"):
            self._walk(complaint, "findings")
            self.assertEqual(complaint.judged_date, dt("2025-03-07 11:00:00"))
            self.assertEqual(complaint.answer_deadline, dt("2025-03-12 11:00:00"))
        with freeze_time("2025-03-12 10:30:00"):
            self._as(complaint, "asq_qm").action_decide()
        self.assertFalse(complaint.disposition_on_time, "30 minutes late")
        self.assertTrue(complaint.answer_on_time)
        late = self.env["asq.complaint"].search(
            [("id", "=", complaint.id), ("disposition_on_time", "=", False)]
        )
        self.assertEqual(late, complaint, "stored for the statistics")

    def test_overdue_filter(self):
        complaint = self._walk(self._create_complaint(received_date=FRIDAY), "review")
        recent = self._walk(self._create_complaint(), "review")
        Complaint = self.env["asq.complaint"]
        self.assertIn(complaint, Complaint.search([("is_overdue", "=", True)]))
        self.assertNotIn(recent, Complaint.search([("is_overdue", "=", True)]))
        self.assertIn(recent, Complaint.search([("is_overdue", "=", False)]))
        self.assertTrue(complaint.is_overdue)
        self._walk(complaint, "decided")
        self.assertFalse(complaint.is_overdue, "disposition decided: clock stops")


@tagged("post_install", "-at_install", "asq_complaint")
class TestComplaintEscalation(MockEmail, AsqComplaintCommon):
    def test_escalation_job_in_batches(self):
        self._escalate_existing()
        complaints = self._overdue(12)
        on_time = self._walk(self._create_complaint(), "review")
        managers = self.env.ref("after_sales_quality.group_asq_manager").users
        last_mail = self.env["mail.mail"].search([], order="id desc", limit=1)
        # (the digests: in the managers' languages, to them only)
        digest = [
            ("id", ">", last_mail.id),
            ("recipient_ids", "in", managers.partner_id.ids),
            ("model", "=", False),
        ]
        done = self.env["asq.complaint"]._cron_escalate_overdue(batch_size=5)
        self.assertEqual(done, 12)
        self.assertTrue(all(complaints.mapped("overdue_escalated")))
        self.assertFalse(on_time.overdue_escalated)
        # One digest per batch and per language the managers read.
        langs = managers.grouped(lambda u: u.lang or "en_US")
        sent = 3 * len(langs)
        mails = self.env["mail.mail"].search(digest, order="id desc")
        self.assertEqual(len(mails), sent)
        last = mails[: len(langs)]
        self.assertEqual(last.recipient_ids, managers.partner_id)
        for mail in last:
            readers = mail.recipient_ids.user_ids
            self.assertEqual(len(set(readers.mapped("lang"))), 1, mail.subject)
        english = last.filtered(lambda m: "overdue customer complaints" in m.subject)
        self.assertEqual(
            english.recipient_ids,
            langs.get("en_US", managers.browse()).partner_id,
        )
        activities = self.env["mail.activity"].search(
            [
                ("res_model", "=", "asq.complaint"),
                ("res_id", "in", complaints.ids),
                (
                    "activity_type_id",
                    "=",
                    self.env.ref("mail.mail_activity_data_todo").id,
                ),
                ("user_id", "in", managers.ids),
            ]
        )
        self.assertEqual(len(activities), 12 * len(managers))
        # Each manager reads the to-do in their language.
        for activity in activities.filtered(lambda a: a.user_id.lang == "en_US"):
            self.assertIn("Overdue complaint", activity.summary)
        self.assertEqual(
            self.env["asq.complaint"]._cron_escalate_overdue(), 0, "escalated once"
        )

    def test_escalation_run_stops_after_its_batches_and_reports_the_rest(self):
        self._escalate_existing()
        complaints = self._overdue(5)
        cron = self.env.ref("after_sales_quality.asq_complaint_cron_escalate")
        cron_with_progress, progress = cron._add_progress()
        Complaint = self.env["asq.complaint"].with_context(
            ir_cron_progress_id=progress.id
        )
        # one run: 2 batches of 2, then the scheduler is told 1 remains
        self.assertEqual(
            Complaint._cron_escalate_overdue(batch_size=2, max_batches=2), 4
        )
        self.assertEqual((progress.done, progress.remaining), (4, 1))
        self.assertEqual(len(complaints.filtered("overdue_escalated")), 4)
        # the next run (the scheduler reruns a partly done job at once)
        self.assertEqual(
            Complaint._cron_escalate_overdue(batch_size=2, max_batches=2), 1
        )
        self.assertEqual((progress.done, progress.remaining), (1, 0))
        self.assertTrue(all(complaints.mapped("overdue_escalated")))

    def _overdue(self, count):
        """``count`` complaints received on FRIDAY, under review: overdue."""
        complaints = self.env["asq.complaint"]
        for _i in range(count):
            complaints |= self._walk(
                self._create_complaint(received_date=FRIDAY), "review"
            )
        return complaints

    def _escalate_existing(self):
        """Complaints of the demo data are not these tests' business."""
        self._sql("UPDATE asq_complaint SET overdue_escalated = TRUE")

    def test_escalation_query_count_does_not_grow_per_record(self):
        self._escalate_existing()

        def queries(count):
            """The queries escalating ``count`` new overdue complaints."""
            self._overdue(count)
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.env["asq.complaint"]._cron_escalate_overdue()
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        small = queries(2)
        large = queries(10)
        # Activity creation inserts one row per record; everything else is
        # per batch. Allow the inserts, nothing more.
        self.assertLessEqual(large - small, (10 - 2) * 2)

    def test_major_complaint_convenes_the_department_heads(self):
        complaint = self._create_complaint(severity="major")
        # The mail gateway mocked and sent mails kept: Odoo's runner sends a
        # notification at once and deletes it, pytest-odoo leaves it failed.
        with self.mock_mail_gateway():
            self._as(complaint, "asq_sales").action_submit()
        managers = self.env.ref("after_sales_quality.group_asq_manager").users
        heads = self.env.ref("after_sales_quality.group_asq_business_head").users
        # (the engine's to-do of the step Convene Review Meeting, 004 §5.3.5;
        # its summary in each manager's language)
        activity_users = complaint.activity_ids.filtered(
            lambda a: a.asq_step == "convene_review"
        ).user_id
        self.assertEqual(activity_users, managers)
        message = complaint.message_ids.filtered(
            lambda m: m.subject and "convene the department heads" in m.subject
        )
        self.assertEqual(message.partner_ids, (managers | heads).partner_id)
        mails = self.env["mail.mail"].search([("mail_message_id", "=", message.id)])
        self.assertTrue(mails, "mail queued")
        self.assertIn(self.users["asq_business"].partner_id, mails.recipient_ids)

    def test_owner_gets_an_activity_with_the_deadline(self):
        complaint = self._walk(self._create_complaint(received_date=FRIDAY), "review")
        activity = complaint.activity_ids.filtered(
            lambda a: a.user_id == self.users["asq_sales"]
        )
        self.assertEqual(activity.date_deadline, fields.Date.to_date("2025-03-12"))


@tagged("post_install", "-at_install", "asq_complaint")
class TestComplaintRepeatAndWarning(AsqComplaintCommon):
    def test_repeat_complaint_needs_capa_to_close(self):
        first = self._walk(self._create_complaint(), "review")
        second = self._walk(self._create_complaint(category="packaging"), "signed")
        self.assertFalse(first.is_repeat)
        self.assertTrue(second.is_repeat, "same customer and product")
        self.assertEqual(second.repeat_of_id, first)
        self.assertIn(
            second, self.env["asq.complaint"].search([("is_repeat", "=", True)])
        )
        capa = second.capa_ids
        self.assertEqual(len(capa), 1, "the repeat complaint proposes a CAPA")
        self.assertEqual((capa.source, capa.state), ("repeat", "draft"))
        self.assertEqual(capa.complaint_ids, first | second)
        self.assertEqual(first.capa_ids, capa, "linked both ways")
        capa.with_user(self.users["asq_qm"]).with_context(
            asq_cancel_reason="Opened by mistake"
        ).action_cancel()
        with self.assertRaisesRegex(
            UserError,
            "is a repeat complaint: it cannot be closed without a linked CAPA.",
        ):
            self._as(second, "asq_qm").action_close()
        self.assertEqual(second.state, "confirmed")
        with self.assertRaisesRegex(AccessError, "Propose CAPA"):
            self._as(second, "asq_sales").action_propose_capa()
        action = self._as(second, "asq_inspector").action_propose_capa()
        new_capa = self.env["asq.capa"].browse(action["res_id"])
        self.assertEqual(new_capa.complaint_ids, second)
        self.assertEqual(second.capa_count, 2)
        self._as(second, "asq_qm").action_close()
        self.assertEqual(second.state, "closed")

    def test_effective_capa_ends_the_repeat_count(self):
        first = self._walk(self._create_complaint(), "review")
        capa = first.sudo()._asq_propose_capa("complaint")
        capa.sudo()._workflow_write({"state": "closed", "effectiveness": "effective"})
        second = self._walk(self._create_complaint(), "review")
        self.assertFalse(second.is_repeat, "the earlier problem was corrected")

    def test_same_category_is_a_repeat_too(self):
        self._walk(self._create_complaint(lines=[]), "review")
        second = self._walk(self._create_complaint(lines=[]), "review")
        self.assertTrue(second.is_repeat)

    def test_outside_the_window_is_not_a_repeat(self):
        self._walk(self._create_complaint(received_date=self._months_ago(7)), "review")
        second = self._walk(self._create_complaint(), "review")
        self.assertFalse(second.is_repeat)
        self.company.asq_complaint_repeat_days = 365
        third = self._walk(self._create_complaint(), "review")
        self.assertTrue(third.is_repeat)

    def test_early_warning_once_for_three_customers(self):
        Alert = self.env["asq.complaint.alert"]
        complaints = self.env["asq.complaint"]
        for index in range(4):
            customer = self.env["res.partner"].create(
                {"name": f"Warning Customer {index}", "is_company": True}
            )
            picking = self._deliver(
                customer, [(self.product_b, 5, 10.0, f"EW-LOT-{index}")]
            )
            delivered = self.env["asq.delivered.line"].search(
                [("picking_id", "=", picking.id)]
            )
            complaints |= self._walk(
                self._create_complaint(
                    partner=customer,
                    lines=[(delivered, 1.0)],
                    category=["quality", "packaging", "transport", "service"][index],
                ),
                "review",
            )
            alerts = Alert.search([("product_id", "=", self.product_b.id)])
            self.assertEqual(len(alerts), 0 if index < 2 else 1)
        self.assertEqual(alerts.complaint_ids, complaints)
        self.assertEqual(alerts.customer_count, 4)
        self.assertEqual(complaints[2].alert_id, alerts)
        recipients = (
            self.env.ref("after_sales_quality.group_asq_manager").users
            | self.env.ref("after_sales_quality.group_asq_mgmt_rep").users
        )
        self.assertEqual(alerts.activity_ids.user_id, recipients)
        self.assertEqual(alerts.message_ids[0].partner_ids, recipients.partner_id)
        with self.assertRaisesRegex(UserError, "Record the analysis"):
            alerts.with_user(self.users["asq_qm"]).action_close()
        with self.assertRaisesRegex(AccessError, "Only the quality department"):
            alerts.with_user(self.users["asq_sales"]).action_propose_capa()
        action = alerts.with_user(self.users["asq_inspector"]).action_propose_capa()
        capa = self.env["asq.capa"].browse(action["res_id"])
        self.assertEqual(alerts.capa_id, capa)
        self.assertEqual(capa.complaint_ids, complaints)
        self.assertEqual(capa.product_ids, self.product_b)
        self.assertEqual(len(capa.partner_ids), 4)
        self.assertIn(capa, complaints[0].capa_ids, "linked both ways")


@tagged("post_install", "-at_install", "asq_complaint")
class TestComplaintFeedback(AsqComplaintCommon):
    def test_other_feedback_is_recorded_answered_or_pending(self):
        inquiry = self._create_complaint(
            feedback_type="inquiry", lines=[], category=False
        )
        sales = self._as(inquiry, "asq_sales")
        with self.assertRaisesRegex(UserError, "is feedback, not a complaint"):
            sales.action_submit()
        with self.assertRaisesRegex(UserError, "Fill in the answer"):
            sales.action_feedback_answer()
        sales.departments_involved = "R&D, Production"
        sales.action_feedback_pending()
        self.assertEqual(inquiry.feedback_status, "pending")
        self.assertEqual(inquiry.state, "draft")
        stamped = (inquiry.submitted_user_id, inquiry.submitted_date)
        # A second tab (or a replayed call) cannot stamp it pending again.
        with self.assertRaisesRegex(UserError, "already handled"):
            self._as(inquiry, "asq_aftersales").action_feedback_pending()
        self.assertEqual((inquiry.submitted_user_id, inquiry.submitted_date), stamped)
        sales.answer = "The new model ships in June."
        sales.action_feedback_answer()
        self.assertEqual(inquiry.state, "closed")
        self.assertEqual(inquiry.feedback_status, "answered")
        self.assertFalse(inquiry.disposition_deadline, "no clocks on feedback")
        market = self._create_complaint(feedback_type="market", lines=[])
        self._as(market, "asq_sales").action_feedback_record()
        self.assertEqual(market.feedback_status, "recorded")
        complaint = self._create_complaint()
        with self.assertRaisesRegex(UserError, "use the complaint workflow"):
            self._as(complaint, "asq_sales").action_feedback_record()


@tagged("post_install", "-at_install", "asq_complaint")
class TestComplaintOutputs(AsqComplaintCommon):
    def test_handling_sheet_shows_judgments_and_signatures(self):
        complaint = self._walk(self._create_complaint(), "closed")
        html = self._html("after_sales_quality.asq_complaint_report", complaint)
        for text in (
            "Complaint Handling Sheet",
            complaint.name,
            "Sensor calibration drift",
            "Internal Department",
            "Exchange",
            "Satisfied",
            self.users["asq_qm"].name,
            self.users["asq_inspector"].name,
        ):
            self.assertIn(text, html)
        self._assert_pdf("after_sales_quality.asq_complaint_report", complaint)

    def test_handling_sheet_in_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.customer.lang = "zh_CN"
        complaint = self._walk(self._create_complaint(), "decided")
        html = self._html("after_sales_quality.asq_complaint_report", complaint)
        self.assertIn('data-oe-lang="zh_CN"', html)
        self.assertIn("Sensor calibration drift", html)

    def test_ledger_xlsx_keeps_customer_text_as_text(self):
        complaint = self._walk(self._create_complaint(description="=1+1"), "decided")
        complaint.sudo().with_context(
            **asq_step("asq_complaint_step")
        ).loss_freight = 120.0
        workbook = openpyxl.load_workbook(io.BytesIO(self._export_ledger(complaint)))
        sheet = workbook.active
        headers = [cell.value for cell in sheet[1]]
        row = dict(zip(headers, [cell.value for cell in sheet[2]], strict=True))
        self.assertEqual(row["Reference"], complaint.name)
        self.assertEqual(row["Description"], "=1+1")
        self.assertEqual(sheet.cell(2, headers.index("Description") + 1).data_type, "s")
        self.assertEqual(row["Loss Amount"], 120.0)
        self.assertEqual(row["Disposition"], "Exchange")
        self.assertEqual(sheet.max_row, 2)

    def test_partner_smart_button_counts_complaints(self):
        self._create_complaint()
        self._create_complaint(partner=self.customer_contact)
        partners = self.customer | self.customer_contact | self.remote_customer
        partners.invalidate_recordset()
        self.assertEqual(partners.mapped("asq_complaint_count"), [2, 2, 0])
        action = self.customer.action_asq_view_complaints()
        self.assertEqual(
            self.env["asq.complaint"].search(action["domain"]).mapped("partner_id"),
            self.customer | self.customer_contact,
        )

    def test_list_and_form_cost_the_same_for_1_and_80(self):
        list_spec = {
            "name": {},
            "received_date": {},
            "partner_id": {"fields": {"display_name": {}}},
            "category": {},
            "severity": {},
            "user_id": {"fields": {"display_name": {}}},
            "next_deadline": {},
            "is_overdue": {},
            "is_repeat": {},
            "disposition_on_time": {},
            "currency_id": {"fields": {}},
            "loss_amount": {},
            "activity_ids": {"fields": {}},
            "state": {},
        }
        user = self.users["asq_aftersales"]
        Complaint = self.env["asq.complaint"].with_user(user)
        first = self._create_complaint()
        for _i in range(79):
            self._create_complaint(partner=self.customer_contact)
        self.env.flush_all()

        def count(domain):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            result = Complaint.web_search_read(domain, list_spec)
            return self.env.cr.sql_log_count - before, result["length"]

        one, length = count([("id", "=", first.id)])
        self.assertEqual(length, 1)
        self.env.invalidate_all()
        ours = [("partner_id", "in", (self.customer | self.customer_contact).ids)]
        with self.assertQueryCount(one):
            result = Complaint.web_search_read(ours, list_spec)
        self.assertEqual(result["length"], 80)

        form_spec = {
            **list_spec,
            "line_ids": {
                "fields": {
                    "product_id": {"fields": {"display_name": {}}},
                    "lot_id": {"fields": {"display_name": {}}},
                    "picking_id": {"fields": {"display_name": {}}},
                    "delivered_line_id": {"fields": {"display_name": {}}},
                    "quantity": {},
                }
            },
            "can_reply": {},
            "can_close": {},
            "evidence_ids": {"fields": {"name": {}}},
        }
        many = self._create_complaint(lines=[(line, 1.0) for line in self.delivered])
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        Complaint.browse(first.id).web_read(form_spec)
        one = self.env.cr.sql_log_count - before
        self.env.invalidate_all()
        with self.assertQueryCount(one):
            Complaint.browse(many.id).web_read(form_spec)

    def test_loss_amount_in_company_currency(self):
        complaint = self._create_complaint()
        self._as(complaint, "asq_sales").write(
            {
                "loss_compensation": 100.0,
                "loss_freight": 20.0,
                "loss_replacement": 200.0,
                "loss_scrap": 50.0,
                "loss_discount": 30.0,
                "loss_bearer": "supplier",
                "evidence_ids": [
                    Command.create(
                        {"name": "photo.png", "datas": base64.b64encode(b"x")}
                    )
                ],
            }
        )
        self.assertEqual(complaint.loss_amount, 400.0)
        self.assertEqual(complaint.currency_id, self.company.currency_id)

    def test_every_view_of_the_register_opens_for_sales(self):
        action = self.env.ref("after_sales_quality.asq_complaint_action")
        modes = action.view_mode.split(",")
        views = (
            self.env["asq.complaint"]
            .with_user(self.users["asq_sales"])
            .get_views([(False, mode) for mode in modes] + [(False, "search")])
        )
        self.assertEqual(set(views["views"]), {*modes, "search"})
        self.assertIn("is_overdue", views["views"]["list"]["arch"])
        search = views["views"]["search"]["arch"]
        for name in ("mine", "overdue", "major", "repeat", "group_category"):
            self.assertIn(f'name="{name}"', search)
        partner_form = (
            self.env["res.partner"]
            .with_user(self.users["asq_sales"])
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn("action_asq_view_complaints", partner_form)
