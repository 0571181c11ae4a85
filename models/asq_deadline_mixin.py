from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

# How a deadline counts time (see _asq_deadline_plan).
WORKING_DAYS = "working_days"
HOURS = "hours"
# 12:00 (company time zone) of the first working day after the start.
NEXT_WORKING_NOON = "next_working_noon"


class AsqDeadlineMixin(models.AbstractModel):
    """Deadlines, overdue search and escalation of the after-sales documents,
    one vocabulary for all of them.

    A document declares its own deadline fields (each has its own names and
    columns) and names them with the class attributes below (the complaint's
    ``next_deadline``/``overdue_escalated``, a CAPA action's
    ``date_due``/``escalated``, a rectification notice's
    ``deadline``/``overdue_notified``, a hold's ``release_deadline``, a
    return request's ``note_deadline``) and implements the hooks it needs:

    - :meth:`_asq_deadline_plan`: the clocks :meth:`_compute_deadlines` sets;
    - :meth:`_asq_pending_deadlines`: what :meth:`_compute_next_deadline`
      takes the earliest of;
    - :meth:`_asq_escalation_domain` and :meth:`_asq_escalate_overdue_batch`:
      what :meth:`_cron_escalate_overdue` escalates, and how.

    Working days are planned on the company calendar
    (``resource.calendar._asq_plan_working_days_batch``). The mixin's own
    field is ``is_overdue``: past the deadline and still due
    (:meth:`_asq_overdue_domain`), searchable."""

    _name = "asq.deadline.mixin"
    _description = "After-Sales Deadlines"

    # The field holding the current deadline (Date or Datetime).
    _asq_deadline_field = "next_deadline"
    # The Boolean the escalation sets once the current deadline is escalated
    # (None: the document is not escalated).
    _asq_escalated_field = "overdue_escalated"
    # The fields _compute_deadlines sets (False where the plan has none).
    _asq_deadline_fields = ()
    # xmlid of the scheduled job that escalates (failures are reported on it).
    _asq_escalation_job = None
    # What the clocks are computed from (the fields _compute_deadlines and
    # _compute_next_deadline depend on, besides their hooks' own).
    _asq_deadline_depends = ()
    _asq_next_deadline_depends = ()

    is_overdue = fields.Boolean(
        string="Overdue", compute="_compute_is_overdue", search="_search_is_overdue"
    )

    # ------------------------------------------------------------------
    # Hooks
    # ------------------------------------------------------------------
    def _asq_deadline_plan(self):
        """The clocks of the records of ``self``: a list of
        (record, field name, start, amount, unit), ``unit`` being
        ``WORKING_DAYS`` (on the company calendar) or ``HOURS`` (wall-clock)."""
        return []

    def _asq_pending_deadlines(self):
        """The deadlines the record (one) still has to meet."""
        self.ensure_one()
        return []

    @api.model
    def _asq_overdue_domain(self):
        """Besides past the deadline: which records are overdue (default:
        all; a document whose deadline stays once met narrows it)."""
        return []

    @api.model
    def _asq_escalation_domain(self):
        """Besides past the deadline and not escalated yet: which records the
        escalation job escalates."""
        return []

    def _asq_escalate_overdue_batch(self):
        """Escalate these overdue records and set their escalated flag."""
        raise NotImplementedError

    @api.model
    def _asq_escalation_anchor(self, record):
        """The document the To-Do about a failed escalation goes on."""
        return record

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends(lambda self: self._asq_deadline_depends)
    def _compute_deadlines(self):
        """The clocks of the batch (:meth:`_asq_deadline_plan`), the working
        days planned on each calendar in one pass. Each field is assigned
        once (a batch of imports computes thousands)."""
        values = {
            record: dict.fromkeys(self._asq_deadline_fields, False) for record in self
        }
        todo = defaultdict(list)
        for record, fname, start, amount, unit in self._asq_deadline_plan():
            if unit == HOURS:
                values[record][fname] = start + timedelta(hours=amount)
            elif unit == NEXT_WORKING_NOON:
                company = record.company_id
                values[record][fname] = (
                    company.resource_calendar_id._asq_next_working_noon(
                        start, company.partner_id.tz or self.env.user.tz
                    )
                )
            else:
                todo[record.company_id].append((record, fname, start, amount))
        for company, plans in todo.items():
            deadlines = company.resource_calendar_id._asq_plan_working_days_batch(
                [(start, days) for _record, _fname, start, days in plans]
            )
            for (record, fname, _start, _days), deadline in zip(
                plans, deadlines, strict=True
            ):
                values[record][fname] = deadline
        for record, deadlines in values.items():
            record.update(deadlines)

    @api.depends(lambda self: self._asq_next_deadline_depends)
    def _compute_next_deadline(self):
        """The earliest pending deadline; a new deadline is not escalated."""
        for record in self:
            pending = [
                deadline for deadline in record._asq_pending_deadlines() if deadline
            ]
            record[self._asq_deadline_field] = min(pending) if pending else False
            if self._asq_escalated_field:
                record[self._asq_escalated_field] = False

    def _asq_deadline_now(self):
        """Now, or today for a Date deadline (the user's day)."""
        if self._fields[self._asq_deadline_field].type == "date":
            return fields.Date.context_today(self)
        return fields.Datetime.now()

    @api.depends(lambda self: [self._asq_deadline_field])
    def _compute_is_overdue(self):
        now = self._asq_deadline_now()
        due = self._asq_overdue_domain()
        due = self.filtered_domain(due) if due else self
        for record in self:
            deadline = record[self._asq_deadline_field]
            record.is_overdue = bool(deadline and deadline < now and record in due)

    def _search_is_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on overdue records."))
        fname = self._asq_deadline_field
        now = self._asq_deadline_now()
        due = self._asq_overdue_domain()
        if (operator == "=") == value:
            return [(fname, "<", now), *due]
        not_past = ["|", (fname, "=", False), (fname, ">=", now)]
        if not due:
            return not_past
        return expression.OR([not_past, ["!", *expression.normalize_domain(due)]])

    # ------------------------------------------------------------------
    # Escalation
    # ------------------------------------------------------------------
    @api.model
    def _cron_escalate_overdue(self, batch_size=200, max_batches=10):
        """Escalate the records past their deadline, batch by batch (see
        :meth:`_asq_escalate_overdue_batches`), report the failures to the
        quality managers and what remains through the cron progress API:
        the scheduler commits and runs the job again at once until nothing
        remains, so a backlog never sits in one transaction."""
        done, failures, remaining = self._asq_escalate_overdue_batches(
            batch_size, max_batches
        )
        self.env["asq.cron.guard"]._asq_report_failures(
            self._asq_escalation_job, failures
        )
        self.env["ir.cron"]._notify_progress(done=len(done), remaining=remaining)
        return len(done)

    @api.model
    def _asq_escalate_overdue_batches(self, batch_size, max_batches):
        """Escalate at most ``max_batches`` batches of overdue records, oldest
        deadline first: one search and one :meth:`_asq_escalate_overdue_batch`
        per batch. Each batch runs in a savepoint; if it fails, record by
        record: one that fails is skipped for the rest of the run (not
        counted as remaining, so the scheduler does not loop on it; the next
        run tries it again).

        :return: (records escalated, failures for
            ``asq.cron.guard._asq_report_failures``, how many remain)"""
        fname = self._asq_deadline_field
        domain = [
            (fname, "<", self._asq_deadline_now()),
            (self._asq_escalated_field, "=", False),
            *self._asq_escalation_domain(),
        ]
        Guard = self.env["asq.cron.guard"]
        done = self.browse()
        failures = []
        skipped = []
        for _index in range(max_batches):
            batch = self.search(
                [*domain, ("id", "not in", skipped)],
                limit=batch_size,
                order=f"{fname}, id",
            )
            if not batch:
                break
            escalated, failed = Guard._asq_run_batch(
                self._asq_escalation_job,
                batch,
                lambda records: records._asq_escalate_overdue_batch(),
                anchor=self._asq_escalation_anchor,
            )
            failures += failed
            skipped += [failure["record"].id for failure in failed]
            done |= escalated
            if len(batch) < batch_size:
                break
        remaining = (
            self.search_count([*domain, ("id", "not in", skipped)]) if done else 0
        )
        return done, failures, remaining
