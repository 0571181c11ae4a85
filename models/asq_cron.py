import logging

from markupsafe import Markup

from odoo import api, fields, models

from odoo.addons.base.models.ir_cron import (
    MIN_DELTA_BEFORE_DEACTIVATION,
    MIN_FAILURE_COUNT_BEFORE_DEACTIVATION,
)

from .asq_groups import GROUP_MANAGER

_logger = logging.getLogger(__name__)

MODULE = "after_sales_quality"
TODO = "mail.mail_activity_data_todo"
ERROR_CHARS = 300


class AsqCronGuard(models.AbstractModel):
    """Runs the units of the addon's scheduled jobs one savepoint each and
    tells the quality managers what failed."""

    _name = "asq.cron.guard"
    _description = "After-Sales Scheduled Job Guard"

    # ------------------------------------------------------------------
    # Running a job's units
    # ------------------------------------------------------------------
    @api.model
    def _asq_run_each(self, job, records, process, anchor=None):
        """Call ``process(record)`` for each record in its own savepoint.

        A record that raises is logged, rolled back alone and skipped: the
        others keep their work. ``anchor(record)`` is the document the To-Do
        about a failed record goes on (default: the record itself).

        :param str job: xmlid of the job's ``ir.cron``
        :return: (records done, failures) where failures are dicts for
            :meth:`_asq_report_failures`
        """
        done_ids = []
        failures = []
        for record in records:
            try:
                with self.env.cr.savepoint():
                    process(record)
            except Exception as error:  # one record must not stop the job
                label = self._asq_label(record)
                _logger.exception(
                    "Scheduled job %s: %s (%s,%s) failed and was skipped",
                    job,
                    label,
                    record._name,
                    record.id,
                )
                failures.append(self._asq_failure(record, error, label, anchor))
            else:
                done_ids.append(record.id)
        return records.browse(done_ids), failures

    @api.model
    def _asq_run_batch(self, job, records, process, anchor=None):
        """Call ``process(records)`` once in a savepoint, the cheap path; when
        the batch fails, roll it back and run it again one record at a time
        (:meth:`_asq_run_each`) so only the bad records are skipped."""
        if not records:
            return records, []
        if len(records) == 1:
            return self._asq_run_each(job, records, process, anchor)
        try:
            with self.env.cr.savepoint():
                process(records)
        except Exception:  # retried record by record below
            _logger.warning(
                "Scheduled job %s: a batch of %s %s failed, retrying one by one",
                job,
                len(records),
                records._name,
            )
            return self._asq_run_each(job, records, process, anchor)
        return records, []

    @api.model
    def _asq_failure(self, record, error, label=None, anchor=None, company=None):
        """The failure of one unit of a job, as :meth:`_asq_report_failures`
        reads it. ``label`` is a string or a callable given the recipient's
        environment (to name the unit in the recipient's language)."""
        document = anchor(record) if anchor and record else record
        return {
            "record": record,
            "anchor": document or None,
            "label": label or self._asq_label(record),
            "error": self._asq_error_text(error),
            "company": company or (document and self._asq_company(document)),
        }

    # ------------------------------------------------------------------
    # Telling the quality managers
    # ------------------------------------------------------------------
    @api.model
    def _asq_report_failures(self, job, failures):
        """Tell the quality managers of each failed record's company, once per
        failure episode: a To-Do on the document (while it stays open, the
        same failure is not reported again) and one message listing the new
        failures, in each manager's language. Never raises: telling must not
        undo the work the job did."""
        if not failures:
            return
        try:
            with self.env.cr.savepoint():
                self._asq_tell_failures(job, failures)
        except Exception:  # the job's own work stays
            _logger.exception(
                "Scheduled job %s: could not tell the quality managers of %s "
                "failed records",
                job,
                len(failures),
            )

    def _asq_tell_failures(self, job, failures):
        cron = self.env.ref(job, raise_if_not_found=False)
        by_company = {}
        for failure in failures:
            company = failure["company"] or self.env.company
            by_company.setdefault(company, []).append(failure)
        for company, company_failures in by_company.items():
            managers = self._asq_managers(company)
            if not managers:
                _logger.warning(
                    "Scheduled job %s: no quality manager in %s to tell of %s "
                    "failed records",
                    job,
                    company.name,
                    len(company_failures),
                )
                continue
            new = self._asq_flag_failures(cron or job, company_failures, managers[0])
            if new:
                self._asq_notify(
                    managers,
                    lambda env, new=new: self._asq_failures_message(
                        env, cron or job, new
                    ),
                )

    def _asq_flag_failures(self, cron, failures, responsible):
        """Put a To-Do for ``responsible`` on each failed document that has
        none open for this job yet; return the failures not flagged before
        (those without a document are always new)."""
        env = self._asq_env(responsible)
        summary = env._("Scheduled job failed: %(job)s", job=self._asq_job(env, cron))
        new = []
        by_anchor = {}
        for failure in failures:
            anchor = failure["anchor"]
            if anchor is None or "activity_ids" not in anchor._fields:
                new.append(failure)
                continue
            by_anchor.setdefault(anchor, []).append(failure)
        Activity = self.env["mail.activity"].sudo()
        for anchor, anchor_failures in by_anchor.items():
            if Activity.search_count(
                [
                    ("res_model", "=", anchor._name),
                    ("res_id", "=", anchor.id),
                    ("user_id", "=", responsible.id),
                    ("summary", "=", summary),
                ],
                limit=1,
            ):
                continue
            anchor.sudo().with_context(
                lang=env.lang, mail_activity_quick_update=True
            ).activity_schedule(
                TODO,
                summary=summary,
                note=self._asq_failure_list(env, anchor_failures),
                user_id=responsible.id,
            )
            new.extend(anchor_failures)
        return new

    def _asq_failures_message(self, env, cron, failures):
        job = self._asq_job(env, cron)
        subject = env._(
            "Scheduled job %(job)s skipped %(count)s records",
            job=job,
            count=len(failures),
        )
        body = Markup("<p>%s</p>%s<p>%s</p>") % (
            env._(
                "The scheduled job %(job)s could not process these records; "
                "it processed the others:",
                job=job,
            ),
            self._asq_failure_list(env, failures),
            env._(
                "The job tries them again at each run. Each document has a "
                "To-Do for you; while it stays open, the same failure is not "
                "reported again."
            ),
        )
        return subject, body

    @api.model
    def _asq_report_job_failure(self, cron, error):
        """The job ``cron`` failed as a whole (nothing of the run was saved).
        Tell all quality managers at the first failure of an episode and when
        this failure makes Odoo deactivate the job; stay silent in between.
        Never raises: the job's own error is the one the scheduler must see."""
        try:
            with self.env.cr.savepoint():
                self._asq_tell_job_failure(cron, error)
        except Exception:  # the job's error must propagate
            _logger.exception(
                "Scheduled job %s failed and the quality managers could not be told",
                cron.cron_name,
            )

    def _asq_tell_job_failure(self, cron, error):
        cron = cron.sudo()
        failure_count = cron.failure_count
        first = cron.first_failure_date or fields.Datetime.now()
        deactivates = (
            failure_count + 1 >= MIN_FAILURE_COUNT_BEFORE_DEACTIVATION
            and first + MIN_DELTA_BEFORE_DEACTIVATION < fields.Datetime.now()
        )
        if failure_count and not deactivates:
            return
        managers = self._asq_managers()
        if not managers:
            _logger.warning(
                "Scheduled job %s failed and no quality manager can be told",
                cron.cron_name,
            )
            return
        error_text = self._asq_error_text(error)
        self._asq_notify(
            managers,
            lambda env: self._asq_job_failure_message(
                env, cron, error_text, deactivates
            ),
        )

    def _asq_job_failure_message(self, env, cron, error_text, deactivated):
        job = self._asq_job(env, cron)
        if deactivated:
            subject = env._("Scheduled job %(job)s was deactivated", job=job)
            text = env._(
                "The scheduled job %(job)s failed %(count)s times in a row over "
                "more than %(days)s days and Odoo has deactivated it. Fix the "
                "cause, then activate it again under Settings > Technical > "
                "Scheduled Actions.",
                job=job,
                count=MIN_FAILURE_COUNT_BEFORE_DEACTIVATION,
                days=MIN_DELTA_BEFORE_DEACTIVATION.days,
            )
        else:
            subject = env._("Scheduled job %(job)s failed", job=job)
            text = env._(
                "The scheduled job %(job)s failed and nothing of this run was "
                "saved. Odoo runs it again at its next call; after %(count)s "
                "failures in a row over %(days)s days it deactivates the job. "
                "You are told again only if that happens.",
                job=job,
                count=MIN_FAILURE_COUNT_BEFORE_DEACTIVATION,
                days=MIN_DELTA_BEFORE_DEACTIVATION.days,
            )
        body = Markup("<p>%s</p><p>%s</p><pre>%s</pre>") % (
            text,
            env._("Last error:"),
            error_text,
        )
        return subject, body

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _asq_notify(self, managers, render):
        """One notification (inbox or e-mail, as each manager chose) per
        language: ``render(env)`` gives (subject, body) in that language."""
        by_lang = {}
        for manager in managers:
            lang = self._asq_env(manager).lang
            by_lang[lang] = by_lang.get(lang, manager.browse()) | manager
        for lang, users in by_lang.items():
            subject, body = render(self.with_context(lang=lang).env)
            self.env["mail.thread"].sudo().with_context(lang=lang).message_notify(
                partner_ids=users.partner_id.ids,
                subject=subject,
                body=body,
                email_layout_xmlid="mail.mail_notification_light",
            )

    def _asq_managers(self, company=None):
        """Active internal quality managers (of ``company`` if given)."""
        users = self.env.ref(GROUP_MANAGER).sudo().users
        return users.filtered(
            lambda u: u.active
            and not u.share
            and (company is None or company in u.company_ids)
        ).sorted("id")

    def _asq_env(self, user):
        lang = user.partner_id.lang or self.env.lang or "en_US"
        return self.with_context(lang=lang).env

    def _asq_job(self, env, cron):
        """The job's name in ``env``'s language (``cron`` may be an xmlid
        whose record is gone)."""
        if isinstance(cron, str):
            return cron
        return cron.with_env(env).sudo().name

    def _asq_failure_list(self, env, failures):
        items = Markup("").join(
            Markup("<li>%s: %s</li>") % (self._asq_unit(env, failure), failure["error"])
            for failure in failures
        )
        return Markup("<ul>%s</ul>") % items

    def _asq_unit(self, env, failure):
        """The failed unit's name in ``env``'s language."""
        label = failure["label"]
        return label(env) if callable(label) else label

    @api.model
    def _asq_label(self, record):
        """The record's name, read after a rollback (never raises)."""
        try:
            return record.display_name or f"{record._name},{record.id}"
        except Exception:  # a name is only a courtesy
            return f"{record._name},{record.id}"

    @api.model
    def _asq_company(self, record):
        if "company_id" in record._fields:
            try:
                return record.sudo().company_id
            except Exception:  # the record may be gone
                return None
        return None

    @api.model
    def _asq_error_text(self, error):
        """One line a person can read: a user error's message, else the
        exception's type and text, cut to ``ERROR_CHARS``."""
        message = error.args[0] if getattr(error, "args", None) else ""
        text = message if isinstance(message, str) and message else str(error)
        text = f"{type(error).__name__}: {text}" if text else type(error).__name__
        text = " ".join(text.split())
        return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 1] + "…"
