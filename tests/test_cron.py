import contextlib
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from odoo.addons.after_sales_quality.tests.common import AsqCommon
from odoo.addons.after_sales_quality.tests.complaint_common import (
    FRIDAY,
    AsqComplaintCommon,
)
from odoo.addons.after_sales_quality.tests.test_capa import CapaCommon
from odoo.addons.after_sales_quality.tests.test_return import ReturnCommon

GUARD_LOGGER = "odoo.addons.after_sales_quality.models.asq_cron"
CRON_LOGGER = "odoo.addons.base.models.ir_cron"
KPI_LOGGER = "odoo.addons.after_sales_quality.models.asq_kpi_pack"
MANAGER = "after_sales_quality.group_asq_manager"


class CronToldMixin:
    """What the quality managers were told about a failing job."""

    @contextlib.contextmanager
    def _failing(self, model, method, error, fails=None, logger=GUARD_LOGGER):
        """Within: ``model``'s ``method`` raises ValueError(``error``) on the
        calls where ``fails(records, *args)`` holds (by default: where the
        record ``model`` is among the records), and the job logs an error."""
        fails = fails or (lambda records, *_args: model in records)
        original = getattr(type(model), method)

        def failing(records, *args, **kwargs):
            if fails(records, *args):
                raise ValueError(error)
            return original(records, *args, **kwargs)

        with (
            patch.object(type(model), method, failing),
            self.assertLogs(logger, "ERROR") as logs,
        ):
            yield logs

    def _last_message_id(self):
        return self.env["mail.message"].search([], order="id desc", limit=1).id or 0

    def _told(self, since_id, user, *needles):
        """Messages notified to ``user`` after ``since_id`` whose subject and
        body hold every one of ``needles``."""
        messages = self.env["mail.message"].search(
            [("id", ">", since_id), ("partner_ids", "in", user.partner_id.ids)]
        )
        return messages.filtered(
            lambda m: all(n in f"{m.subject or ''} {m.body or ''}" for n in needles)
        )

    def _failure_todos(self, record):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", record._name),
                ("res_id", "=", record.id),
                ("summary", "like", "Scheduled job failed"),
            ]
        )

    def _assert_todo_for_a_manager(self, record):
        todos = self._failure_todos(record)
        self.assertEqual(len(todos), 1, "one To-Do on the failed document")
        self.assertTrue(todos.user_id.has_group(MANAGER))
        self.assertEqual(
            todos.activity_type_id, self.env.ref("mail.mail_activity_data_todo")
        )
        return todos


@tagged("post_install", "-at_install", "asq_security")
class TestComplaintEscalationSurvivesABadRecord(CronToldMixin, AsqComplaintCommon):
    def test_one_failing_complaint_spares_the_others_and_is_reported(self):
        self._sql("UPDATE asq_complaint SET overdue_escalated = TRUE")
        first, bad, last = (
            self._walk(self._create_complaint(received_date=FRIDAY), "review")
            for _i in range(3)
        )
        qm = self.users["asq_qm"]
        gateway = "mail gateway refused the digest"

        since = self._last_message_id()
        with self._failing(bad, "_asq_overdue_mail_values", gateway) as logs:
            done = self.env["asq.complaint"]._cron_escalate_overdue(batch_size=2)
        self.assertEqual(done, 2)
        self.assertIn(bad.name, "\n".join(logs.output), "the record is named")
        self.assertTrue(first.overdue_escalated)
        self.assertTrue(last.overdue_escalated, "the next batch ran too")
        self.assertFalse(bad.overdue_escalated)
        escalations = self.env["mail.activity"].search(
            [
                ("res_model", "=", "asq.complaint"),
                ("res_id", "in", (first | bad | last).ids),
                ("summary", "like", "Overdue complaint"),
            ]
        )
        self.assertEqual(
            set(escalations.mapped("res_id")), {first.id, last.id}, "bad rolled back"
        )
        self._assert_todo_for_a_manager(bad)
        told = self._told(since, qm, bad.name, "mail gateway refused the digest")
        self.assertEqual(len(told), 1)
        self.assertIn("skipped 1 records", told.subject)
        self.assertNotIn(first.name, told.body)

        # Next run: the complaint is tried again, fails again, and the
        # managers, who have a To-Do open about it, are not told twice.
        since = self._last_message_id()
        with self._failing(bad, "_asq_overdue_mail_values", gateway):
            self.assertEqual(self.env["asq.complaint"]._cron_escalate_overdue(), 0)
        self.assertFalse(self._told(since, qm, bad.name))
        self.assertEqual(len(self._failure_todos(bad)), 1)
        # Fixed: the next run escalates it.
        self.assertEqual(self.env["asq.complaint"]._cron_escalate_overdue(), 1)
        self.assertTrue(bad.overdue_escalated)

    def test_a_failing_complaint_is_not_reported_as_remaining(self):
        """The scheduler reruns a job at once while it reports work remaining:
        a complaint that fails must not keep it looping."""
        self._sql("UPDATE asq_complaint SET overdue_escalated = TRUE")
        bad = self._walk(self._create_complaint(received_date=FRIDAY), "review")
        good = self._walk(self._create_complaint(received_date=FRIDAY), "review")
        cron = self.env.ref("after_sales_quality.asq_complaint_cron_escalate")
        _cron, progress = cron._add_progress()
        with self._failing(bad, "_asq_escalate_overdue_batch", "boom"):
            done = (
                self.env["asq.complaint"]
                .with_context(ir_cron_progress_id=progress.id)
                ._cron_escalate_overdue(batch_size=1, max_batches=5)
            )
        self.assertEqual(done, 1)
        self.assertTrue(good.overdue_escalated)
        self.assertEqual((progress.done, progress.remaining), (1, 0))


@tagged("post_install", "-at_install", "asq_security")
class TestKpiPackJobReportsAFailedPack(CronToldMixin, AsqComplaintCommon):
    def test_a_failed_pack_is_reported_to_the_quality_managers(self):
        qm = self.users["asq_qm"]
        since = self._last_message_id()
        with (
            freeze_time("2025-03-02 06:00:00"),
            self._failing(
                self.env["asq.kpi.pack"],
                "action_generate",
                "the figures do not add up",
                fails=lambda packs: self.company in packs.company_id,
                logger=KPI_LOGGER,
            ),
        ):
            self.env["asq.kpi.pack"]._cron_send_packs()
        told = self._told(since, qm, "Statistics pack", "the figures do not add up")
        self.assertEqual(len(told), 1)
        self.assertIn(self.company.name, told.body)
        self.assertIn("2025-02-01", told.body)


@tagged("post_install", "-at_install", "asq_security")
class TestReturnNoteJobSurvivesABadRecord(CronToldMixin, ReturnCommon):
    def test_one_failing_return_note_spares_the_others_and_is_reported(self):
        self._sql(
            "UPDATE asq_return SET note_sent_date = now() WHERE note_sent_date IS NULL"
        )
        rets = []
        for _i in range(3):
            ret = self._create_return(qty=1.0)
            self._approve(ret)
            self._receive(ret)
            # booked into stock and checked by a sales clerk: due to be sent
            now = fields.Datetime.now()
            ret._workflow_write(
                {"state": "done", "booked_date": now, "note_check_date": now}
            )
            rets.append(ret)
        first, bad, last = rets
        template = self.env.ref("after_sales_quality.asq_return_mail_note")
        qm = self.users["asq_qm"]
        since = self._last_message_id()
        with self._failing(
            template,
            "send_mail",
            "no PDF for this one",
            fails=lambda tmpl, res_id, *_args: tmpl == template and res_id == bad.id,
        ) as logs:
            self.assertEqual(self.env["asq.return"]._cron_send_return_notes(), 2)
        self.assertIn(bad.name, "\n".join(logs.output))
        self.assertTrue(first.note_sent_date)
        self.assertTrue(last.note_sent_date, "the record after the bad one too")
        self.assertFalse(bad.note_sent_date)
        notes = self.env["mail.mail"].search(
            [
                ("model", "=", "asq.return"),
                ("res_id", "in", [r.id for r in rets]),
                ("recipient_ids", "in", self.customer.ids),
            ]
        )
        self.assertEqual(set(notes.mapped("res_id")), {first.id, last.id})
        self.assertFalse(
            bad.message_ids.filtered(lambda m: "Return note mailed" in str(m.body))
        )
        self._assert_todo_for_a_manager(bad)
        told = self._told(since, qm, bad.name, "no PDF for this one")
        self.assertEqual(len(told), 1)
        # Repaired: the next run sends it.
        self.assertEqual(self.env["asq.return"]._cron_send_return_notes(), 1)
        self.assertTrue(bad.note_sent_date)


@tagged("post_install", "-at_install", "asq_security")
class TestCapaRemindersSurviveABadRecord(CronToldMixin, CapaCommon):
    def test_one_failing_action_spares_the_others_and_is_reported(self):
        self._sql("UPDATE asq_capa_action SET reminded = TRUE, escalated = TRUE")
        capa = self._create_capa()
        capa.action_start_analysis()
        first = self._add_action(capa, "Retrain the line", days=1)
        bad = self._add_action(capa, "Replace the plating bath", days=1)
        last = self._add_action(capa, "Audit the supplier", days=1)
        soon = self._add_action(capa, "Update the work instruction", days=1)
        capa.action_plan()
        (first | bad | last).sudo().date_due = self.today - timedelta(days=2)
        since = self._last_message_id()
        error = "the escalation broke"
        with self._failing(bad, "_asq_escalate_overdue_batch", error) as logs:
            reminded, escalated = self.env["asq.capa"]._cron_action_reminders()
        self.assertEqual((reminded, escalated), (1, 2))
        self.assertIn(bad.name, "\n".join(logs.output))
        self.assertTrue(soon.reminded, "the reminders are not held up")
        self.assertTrue(first.escalated)
        self.assertTrue(last.escalated)
        self.assertFalse(bad.escalated)
        overdue = capa.message_ids.filtered(lambda m: "Overdue:" in str(m.body))
        self.assertEqual(len(overdue), 2)
        self.assertFalse(overdue.filtered(lambda m: bad.name in str(m.body)))
        todo = self._assert_todo_for_a_manager(capa)
        self.assertIn(bad.name, str(todo.note))
        told = self._told(since, self.qm, bad.name, "the escalation broke")
        self.assertEqual(len(told), 1)
        self.assertNotIn(first.name, told.body)
        # Repaired: the next run escalates it.
        self.assertEqual(self.env["asq.capa"]._cron_action_reminders(), (0, 1))
        self.assertTrue(bad.escalated)


@tagged("post_install", "-at_install", "asq_security")
class TestFailingJobTellsTheQualityManagers(CronToldMixin, AsqCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.qm = cls.users["asq_qm"]
        cls.cron = cls.env.ref("after_sales_quality.asq_return_cron_note")
        cls.cron.sudo().write({"failure_count": 0, "first_failure_date": False})

    def _run_failing_job(self, error=None):
        """The scheduler's call of the return-note job, the job raising.
        (The scheduler rolls the job's transaction back: a no-op here, the
        test's transaction is the test's.)"""
        Return = type(self.env["asq.return"])
        with (
            patch.object(
                Return,
                "_cron_send_return_notes",
                side_effect=error or ValueError("disk full on the mail server"),
            ),
            patch.object(self.env.cr, "rollback", lambda: None),
            self.assertLogs(CRON_LOGGER, "ERROR"),
            self.assertRaisesRegex(ValueError, "disk full on the mail server"),
        ):
            self.cron._callback(self.cron.cron_name, self.cron.ir_actions_server_id.id)

    def test_first_failure_of_an_episode_is_told_once(self):
        since = self._last_message_id()
        self._run_failing_job()
        told = self._told(since, self.qm, "failed", "disk full on the mail server")
        self.assertEqual(len(told), 1)
        self.assertIn(self.cron.name, told.subject)
        self.assertIn("deactivates the job", told.body)
        # Every quality manager, once, in a message of his language.
        messages = self.env["mail.message"].search([("id", ">", since)])
        for manager in self.env.ref(MANAGER).users.filtered(lambda u: not u.share):
            partner = manager.partner_id
            told = messages.filtered(lambda m, p=partner: p in m.partner_ids)
            self.assertEqual(len(told), 1, manager.login)
            self.assertIn(manager.partner_id, messages.notified_partner_ids)
        # The scheduler counted the failure: the next failures are silent.
        self.cron.sudo().write(
            {"failure_count": 1, "first_failure_date": fields.Datetime.now()}
        )
        since = self._last_message_id()
        self._run_failing_job()
        self.assertFalse(self._told(since, self.qm, self.cron.name))

    def test_the_failure_that_deactivates_the_job_is_told(self):
        self.cron.sudo().write(
            {
                "failure_count": 4,
                "first_failure_date": fields.Datetime.now() - timedelta(days=8),
            }
        )
        since = self._last_message_id()
        self._run_failing_job()
        told = self._told(since, self.qm, "was deactivated", self.cron.name)
        self.assertEqual(len(told), 1)
        self.assertIn("disk full on the mail server", told.body)

    def test_a_broken_notification_does_not_hide_the_job_error(self):
        Guard = type(self.env["asq.cron.guard"])
        since = self._last_message_id()
        with (
            patch.object(
                Guard, "_asq_tell_job_failure", side_effect=KeyError("no template")
            ),
            self.assertLogs(GUARD_LOGGER, "ERROR") as logs,
        ):
            self._run_failing_job()
        self.assertIn("could not be told", "\n".join(logs.output))
        self.assertFalse(self._told(since, self.qm, self.cron.name))

    def test_told_in_the_managers_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.qm.partner_id.lang = "zh_CN"
        since = self._last_message_id()
        self._run_failing_job()
        told = self._told(since, self.qm, "disk full on the mail server")
        self.assertEqual(len(told), 1)
        self.assertIn("计划任务", told.subject)

    def test_other_modules_jobs_are_left_alone(self):
        self.assertTrue(self.cron._asq_is_own_job())
        self.assertFalse(self.env.ref("base.autovacuum_job")._asq_is_own_job())
