import logging
from datetime import datetime, time, timedelta

import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import LazyTranslate, date_utils

from .asq_document import asq_state_field
from .asq_groups import GROUP_INSPECTOR, GROUP_MANAGER
from .asq_workflow_mixin import (
    AsqEditable,
    AsqTransition,
    asq_in_step,
    asq_signature,
    asq_step,
)

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

WORKFLOW_KEY = "asq_complaint_review_workflow"
# The complaint states that are no longer open (a line of one needs the
# customer's confirmation of the closure instead of an action plan).
ENDED_STATES = ("closed", "cancel")
CHANNELS = [("phone", "Phone"), ("email", "E-mail"), ("portal", "Portal")]
# What the quality department fills in on a line, while the review is a draft.
LINE_FIELDS = (
    "reanalysis",
    "action_plan",
    "action_owner_id",
    "action_due_date",
    "confirmed_date",
    "confirmed_by",
    "confirmed_channel",
)
SIGNATURE_FIELDS = frozenset(
    {
        "state",
        "prepared_user_id",
        "prepared_date",
        "approved_user_id",
        "approved_date",
        "reminded",
    }
)

# 003 §3.2.3 「负责每月对前一个月投诉的再次进行分析并制定出相应行动计划;并与客户确认前一
# 个月客诉的最终关闭情况」: each month the quality department re-analyses the
# previous month's complaints, plans an action for each one still open and
# confirms the final closure of the others with the customer. The quality
# department (an inspector) prepares the review, the quality manager approves it.
# (lazy terms, translated where shown: self.env._(transition.label))
# pylint: disable=prefer-env-translation
TRANSITIONS = (
    AsqTransition(
        "prepare",
        _lt("Submit the monthly review"),
        ("draft",),
        (GROUP_INSPECTOR,),
        "prepared",
        stamp="prepared",
        check="_asq_check_prepare",
        deadline="deadline",
    ),
    AsqTransition(
        "approve",
        _lt("Approve the monthly review"),
        ("prepared",),
        (GROUP_MANAGER,),
        "approved",
        stamp="approved",
        deadline="deadline",
    ),
    AsqTransition(
        "reset_draft",
        _lt("Send the monthly review back"),
        ("prepared",),
        (GROUP_MANAGER,),
        "draft",
        action="action_draft",
        todo=False,
    ),
)
# pylint: enable=prefer-env-translation


def asq_month_bounds_utc(day, tz_name):
    """(start, end) in naive UTC of the month holding ``day``, its days cut
    at midnight in the time zone ``tz_name``."""
    try:
        tz = pytz.timezone(tz_name or "UTC")
    except pytz.UnknownTimeZoneError:
        tz = pytz.utc
    first = date_utils.start_of(day, "month")
    after = first + relativedelta(months=1)

    def utc(date):
        local = tz.localize(datetime.combine(date, time.min))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    return utc(first), utc(after)


class AsqComplaintReview(models.Model):
    """Monthly re-analysis of the previous month's complaints (003 §3.2.3):
    one per company and month, created by the monthly job with a line per
    complaint registered that month."""

    _name = "asq.complaint.review"
    _description = "Monthly Complaint Review"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "asq.document",
        "asq.workflow.mixin",
        "asq.editable.mixin",
        "asq.waiting.for.me.mixin",
    ]
    _order = "date_from desc, id desc"
    _asq_workflow_key = WORKFLOW_KEY
    _asq_transitions = TRANSITIONS
    _asq_sequence_code = "asq.complaint.review"
    _asq_signature_fields = tuple(SIGNATURE_FIELDS - {"state"})
    _asq_editable = {"summary": AsqEditable(("draft",), GROUP_INSPECTOR)}
    _asq_closed_states = ("approved",)
    _asq_closed_writable = frozenset({"message_main_attachment_id"})
    _check_company_auto = True

    name = fields.Char(index="trigram")
    company_id = fields.Many2one(readonly=True)
    state = asq_state_field(
        selection=[
            ("draft", "Draft"),
            ("prepared", "Submitted"),
            ("approved", "Approved"),
        ],
        default="draft",
        help="Draft: the quality department re-analyses each complaint of the "
        "month, plans an action for each one still open and records the "
        "customer's confirmation of each closure.\n"
        "Submitted: waiting for the quality manager's approval.\n"
        "Approved: the review is a record and no longer changes.",
    )
    date_from = fields.Date(string="Month", required=True, readonly=True, index=True)
    date_to = fields.Date(string="Month End", compute="_compute_date_to", store=True)
    deadline = fields.Date(
        compute="_compute_deadline",
        store=True,
        help="The review is approved by this working day of the next month "
        "(Settings: Monthly Review Deadline).",
    )
    summary = fields.Text(
        string="Overall Analysis",
        help="The quality department's conclusions on the month's complaints: "
        "trends, repeated causes, what the actions aim at.",
    )
    line_ids = fields.One2many(
        "asq.complaint.review.line", "review_id", string="Complaints", readonly=True
    )
    reminded = fields.Boolean(readonly=True, copy=False)

    prepared_user_id, prepared_date = asq_signature("Prepared By", "Prepared On")
    approved_user_id, approved_date = asq_signature("Approved By", "Approved On")

    line_count = fields.Integer(
        string="Complaints of the Month", compute="_compute_counts", store=True
    )
    reanalysed_count = fields.Integer(
        string="Re-Analysed", compute="_compute_counts", store=True
    )
    open_count = fields.Integer(
        string="Still Open", compute="_compute_counts", store=True
    )
    planned_count = fields.Integer(
        string="Open with an Action Plan", compute="_compute_counts", store=True
    )
    confirmed_count = fields.Integer(
        string="Closures Confirmed by the Customer",
        compute="_compute_counts",
        store=True,
    )
    is_overdue = fields.Boolean(
        string="Overdue", compute="_compute_is_overdue", search="_search_is_overdue"
    )

    can_prepare = fields.Boolean(compute="_compute_asq_can")
    can_approve = fields.Boolean(compute="_compute_asq_can")
    can_reset_draft = fields.Boolean(compute="_compute_asq_can")

    _sql_constraints = [
        (
            "month_company_uniq",
            "UNIQUE(company_id, date_from)",
            "There is already a monthly complaint review for this company and "
            "month.",
        ),
    ]

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("date_from")
    def _compute_date_to(self):
        for review in self:
            review.date_to = review.date_from and date_utils.end_of(
                review.date_from, "month"
            )

    @api.depends("date_from", "company_id")
    def _compute_deadline(self):
        for review in self:
            review.deadline = (
                review._asq_deadline_of(review.company_id, review.date_from)
                if review.date_from
                else False
            )

    @api.depends(
        "line_ids.is_reanalysed",
        "line_ids.is_open",
        "line_ids.has_plan",
        "line_ids.closure_confirmed",
    )
    def _compute_counts(self):
        for review in self:
            lines = review.line_ids
            review.line_count = len(lines)
            review.reanalysed_count = len(lines.filtered("is_reanalysed"))
            review.open_count = len(lines.filtered("is_open"))
            review.planned_count = len(lines.filtered("has_plan"))
            review.confirmed_count = len(lines.filtered("closure_confirmed"))

    @api.depends("deadline", "state")
    def _compute_is_overdue(self):
        today = fields.Date.context_today(self)
        for review in self:
            review.is_overdue = bool(
                review.deadline
                and review.deadline < today
                and review.state != "approved"
            )

    def _search_is_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on overdue records."))
        today = fields.Date.context_today(self)
        overdue = [("deadline", "<", today), ("state", "!=", "approved")]
        if (operator == "=") == value:
            return overdue
        return ["|", ("deadline", ">=", today), ("state", "=", "approved")]

    @api.depends("name", "date_from")
    def _compute_display_name(self):
        for review in self:
            month = (review.date_from and review.date_from.strftime("%Y-%m")) or ""
            review.display_name = f"{review.name or ''} {month}".strip()

    @api.model
    def _asq_deadline_of(self, company, date_from):
        """The Nth working day (Settings) of the month after the reviewed
        one, on the company calendar, as a date of the company."""
        from ..report.asq_xlsx import asq_company_tz  # (report imports models)

        days = max(company.asq_review_working_days or 1, 1)
        tz_name = asq_company_tz(company)
        start, _end = asq_month_bounds_utc(date_from + relativedelta(months=1), tz_name)
        # the end of the Nth working day (a plan from midnight ends on it)
        end = company.resource_calendar_id._asq_plan_working_days(start, days)
        local = pytz.utc.localize(end - timedelta(seconds=1)).astimezone(
            pytz.timezone(tz_name)
        )
        return local.date()

    # ------------------------------------------------------------------
    # Constraints and CRUD
    # ------------------------------------------------------------------
    @api.constrains("date_from")
    def _check_month_start(self):
        for review in self:
            if review.date_from != date_utils.start_of(review.date_from, "month"):
                raise UserError(
                    self.env._("A monthly review starts on the first day of a month.")
                )

    @api.model_create_multi
    def create(self, vals_list):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            self._asq_ensure_role(
                (GROUP_INSPECTOR,), self.env._("Monthly complaint review")
            )
            for vals in vals_list:
                self._asq_ensure_fields_unsigned(vals, SIGNATURE_FIELDS, "draft")
                if "line_ids" in vals:
                    raise UserError(
                        self.env._(
                            "The complaints of a monthly review are the ones "
                            "registered in its month: they are listed when it is "
                            "created."
                        )
                    )
        reviews = super().create(vals_list)
        reviews._asq_fill_lines()
        return reviews

    def write(self, vals):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            self._asq_ensure_fields_unsigned(vals, SIGNATURE_FIELDS, "draft")
            if {"date_from", "line_ids"} & set(vals):
                raise UserError(
                    self.env._(
                        "The month and the complaints of a monthly review are "
                        "set when it is created."
                    )
                )
            self._asq_ensure_editable(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_signed(self):
        signed = self.filtered(lambda r: r.state != "draft")
        if signed:
            raise UserError(
                self.env._(
                    "%(names)s is signed: a submitted or approved monthly review "
                    "is a record and cannot be deleted.",
                    names=signed._asq_names(),
                )
            )

    def _asq_month_complaints(self):
        """The complaints registered in the review's month (one read): the
        complaints (not other feedback) received in that month, days of the
        company's time zone, submitted and not cancelled."""
        from ..report.asq_xlsx import asq_company_tz  # (report imports models)

        self.ensure_one()
        start, end = asq_month_bounds_utc(
            self.date_from, asq_company_tz(self.company_id)
        )
        return (
            self.env["asq.complaint"]
            .sudo()
            .search(
                [
                    ("company_id", "=", self.company_id.id),
                    ("feedback_type", "=", "complaint"),
                    # registered (submitted), as the statistics count them
                    ("state", "not in", ("draft", "cancel")),
                    ("received_date", ">=", start),
                    ("received_date", "<", end),
                ],
                order="received_date, id",
            )
        )

    def _asq_fill_lines(self):
        """A line per complaint of the month, its status as it is now."""
        Line = self.env["asq.complaint.review.line"].sudo()
        vals_list = []
        for review in self:
            vals_list += [
                {
                    "review_id": review.id,
                    "complaint_id": complaint.id,
                    "complaint_state": complaint.state,
                }
                for complaint in review._asq_month_complaints()
            ]
        Line.with_context(**asq_step(WORKFLOW_KEY)).create(vals_list)

    # ------------------------------------------------------------------
    # Steps
    # ------------------------------------------------------------------
    @api.depends(
        "state",
        "line_ids.reanalysis",
        "line_ids.action_plan",
        "line_ids.closure_confirmed",
    )
    @api.depends_context("uid")
    def _compute_asq_can(self):
        """(the engine's, also when the lines its precondition reads change)"""
        return super()._compute_asq_can()

    def action_prepare(self):
        """Button "Submit": the statuses of the complaints as they are now,
        then to the quality manager."""
        self._asq_ensure_role((GROUP_INSPECTOR,), self._asq_label("prepare"))
        self.filtered(lambda r: r.state == "draft")._asq_snapshot_states()
        self._asq_begin("prepare")._asq_finish("prepare")
        return True

    def action_approve(self):
        """Button "Approve" (quality manager): the review becomes a record."""
        self._asq_begin("approve")._asq_finish("approve")
        return True

    def action_draft(self):
        """Button "Send Back": to the quality department, to complete."""
        self._asq_begin("reset_draft")._asq_finish("reset_draft")
        return True

    def action_print(self):
        """Button "Print": the monthly review."""
        return self.env.ref(
            "after_sales_quality.asq_complaint_review_report"
        ).report_action(self)

    def _asq_snapshot_states(self):
        """The complaints' statuses on the lines, as they are when submitted."""
        for line in self.line_ids.sudo():
            if line.complaint_state != line.complaint_id.state:
                line.with_context(**asq_step(WORKFLOW_KEY)).write(
                    {"complaint_state": line.complaint_id.state}
                )

    def _asq_check_prepare(self):
        """Every line re-analysed; an open complaint has its action plan,
        owner and due date; a closed one the customer's confirmation."""
        problems = []
        for line in self.line_ids:
            missing = []
            if not line.reanalysis:
                missing.append(line._asq_field_labels(["reanalysis"])[0])
            if line.is_open:
                missing += line._asq_empty_fields(
                    ("action_plan", "action_owner_id", "action_due_date")
                )
            elif line.complaint_state == "closed":
                missing += line._asq_empty_fields(
                    ("confirmed_date", "confirmed_by", "confirmed_channel")
                )
            if missing:
                problems.append(
                    self.env._(
                        "%(complaint)s: %(fields)s",
                        complaint=line.complaint_id.sudo().name,
                        fields=", ".join(missing),
                    )
                )
        if problems:
            return self.env._(
                "%(name)s cannot be submitted yet. Missing: %(problems)s.",
                name=self.name,
                problems="; ".join(problems),
            )
        return ""

    # ------------------------------------------------------------------
    # Scheduled jobs
    # ------------------------------------------------------------------
    @api.model
    def _cron_create_monthly(self):
        """Monthly: the review of the previous month for every company, with
        its complaints; a company that has it already is left alone (a second
        run creates nothing)."""
        created = self.browse()
        companies = self.env["res.company"].sudo().search([("active", "=", True)])
        today = fields.Date.context_today(self)
        month = date_utils.start_of(today, "month") - relativedelta(months=1)
        existing = set(
            self.sudo()
            .search([("company_id", "in", companies.ids), ("date_from", "=", month)])
            .mapped("company_id")
            .ids
        )
        for company in companies:
            if company.id in existing:
                continue
            created |= (
                self.sudo()
                .with_company(company)
                .with_context(**asq_step(WORKFLOW_KEY))
                .create({"company_id": company.id, "date_from": month})
            )
        for review in created:
            review._asq_update_todos()
        return created

    @api.model
    def _cron_remind(self):
        """Daily: once a review is past its deadline and not approved, the
        quality managers of its company are reminded (a to-do, once)."""
        reviews = self.sudo().search(
            [("is_overdue", "=", True), ("reminded", "=", False)]
        )
        for review in reviews:
            managers = review._asq_company_users(GROUP_MANAGER, review.company_id)
            for user in managers:
                review.activity_schedule(
                    "mail.mail_activity_data_todo",
                    date_deadline=fields.Date.context_today(review),
                    summary=review.with_context(lang=user.lang or "en_US").env._(
                        "Monthly complaint review %(name)s is overdue (due "
                        "%(date)s)",
                        name=review.display_name,
                        date=review.deadline,
                    ),
                    user_id=user.id,
                )
            review._workflow_write({"reminded": True})
        return reviews


class AsqComplaintReviewLine(models.Model):
    """One complaint of the month in its monthly review: its re-analysis,
    the action plan while it is open, the customer's confirmation once it
    is closed."""

    _name = "asq.complaint.review.line"
    _description = "Monthly Complaint Review Line"
    _inherit = ["asq.company.fixed"]
    _order = "review_id, id"
    _check_company_auto = True

    review_id = fields.Many2one(
        "asq.complaint.review",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    company_id = fields.Many2one(related="review_id.company_id", store=True, index=True)
    review_state = fields.Selection(related="review_id.state")
    complaint_id = fields.Many2one(
        "asq.complaint", required=True, readonly=True, index=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(
        related="complaint_id.commercial_partner_id", string="Customer"
    )
    received_date = fields.Datetime(related="complaint_id.received_date")
    category = fields.Selection(related="complaint_id.category")
    complaint_state = fields.Selection(
        selection=lambda self: self.env["asq.complaint"]
        ._fields["state"]
        ._description_selection(self.env),
        string="Complaint Status",
        readonly=True,
        help="The complaint's status when the review was created, updated "
        "when it is submitted.",
    )
    # 1. The re-analysis
    reanalysis = fields.Text(string="Re-Analysis")
    # 2. The action plan (open complaints)
    action_plan = fields.Text()
    action_owner_id = fields.Many2one("res.users", domain="[('share', '=', False)]")
    action_due_date = fields.Date(string="Action Due")
    # 3. The customer's confirmation of the final closure (closed complaints)
    confirmed_date = fields.Date(string="Closure Confirmed On")
    confirmed_by = fields.Char(
        string="Confirmed By (Customer)",
        help="Who confirmed the closure at the customer.",
    )
    confirmed_channel = fields.Selection(selection=CHANNELS, string="Confirmed Through")
    # Flags the counts of the review and of the monthly pack read.
    is_reanalysed = fields.Boolean(compute="_compute_flags", store=True)
    is_open = fields.Boolean(compute="_compute_flags", store=True)
    has_plan = fields.Boolean(
        string="Action Planned", compute="_compute_flags", store=True
    )
    closure_confirmed = fields.Boolean(compute="_compute_flags", store=True)

    _sql_constraints = [
        (
            "review_complaint_uniq",
            "UNIQUE(review_id, complaint_id)",
            "A complaint appears once in a monthly review.",
        ),
    ]

    @api.depends(
        "complaint_state",
        "reanalysis",
        "action_plan",
        "action_owner_id",
        "action_due_date",
        "confirmed_date",
        "confirmed_by",
        "confirmed_channel",
    )
    def _compute_flags(self):
        for line in self:
            line.is_reanalysed = bool(line.reanalysis and line.reanalysis.strip())
            line.is_open = line.complaint_state not in ENDED_STATES
            line.has_plan = bool(
                line.is_open
                and line.action_plan
                and line.action_owner_id
                and line.action_due_date
            )
            line.closure_confirmed = bool(
                line.complaint_state == "closed"
                and line.confirmed_date
                and line.confirmed_by
                and line.confirmed_channel
            )

    @api.model_create_multi
    def create(self, vals_list):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            raise UserError(
                self.env._(
                    "The complaints of a monthly review are the ones registered "
                    "in its month: they are listed when it is created."
                )
            )
        return super().create(vals_list)

    def write(self, vals):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            other = set(vals) - set(LINE_FIELDS)
            if other:
                raise UserError(
                    self.env._(
                        "These fields of a monthly review line are set by the "
                        "review itself: %(fields)s.",
                        fields=", ".join(self._asq_field_labels(sorted(other))),
                    )
                )
            if not self.env.su and not self.env.user.has_group(GROUP_INSPECTOR):
                raise AccessError(
                    self.env._(
                        "The re-analysis of the month's complaints is the quality "
                        "department's: it needs the role %(group)s.",
                        group=self.env.ref(GROUP_INSPECTOR).sudo().name,
                    )
                )
            locked = self.review_id.filtered(lambda r: r.state != "draft")
            if locked:
                raise UserError(
                    self.env._(
                        "%(names)s is submitted or approved: its lines can no "
                        "longer be changed.",
                        names=locked._asq_names(),
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_review(self):
        if not self.env.su:
            raise UserError(
                self.env._(
                    "The complaints of a monthly review are the ones registered "
                    "in its month: a line cannot be removed."
                )
            )


class ResCompany(models.Model):
    _inherit = "res.company"

    asq_review_working_days = fields.Integer(
        string="Monthly Review Deadline (Working Day)",
        default=5,
        help="The monthly re-analysis of the previous month's complaints is "
        "approved by this working day of the month (003 §3.2.3).",
    )


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    asq_review_working_days = fields.Integer(
        related="company_id.asq_review_working_days", readonly=False
    )
