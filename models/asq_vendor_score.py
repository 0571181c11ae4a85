from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, LazyTranslate, float_compare

from .asq_document import asq_refuse, asq_state_field
from .asq_groups import GROUP_INSPECTOR
from .asq_workflow_mixin import AsqEditable, AsqTransition, asq_in_step

_lt = LazyTranslate(__name__)

WORKFLOW_KEY = "asq_vendor_score_workflow"
# What the inspector fills in on a scorecard (the inspectors and the quality
# manager write scorecards): all of it while it is a draft, nothing once
# confirmed. write() and the form's readonly= both read this table
# (asq.editable.mixin); the lines keep their own guard (_ensure_draft).
EDITABLE = dict.fromkeys(
    ("vendor_id", "month", "company_id", "line_ids", "note"),
    AsqEditable(("draft",), GROUP_INSPECTOR),
)


# (lazy terms, translated where shown: self.env._(transition.label))
# pylint: disable=prefer-env-translation
TRANSITIONS = (
    AsqTransition(
        "confirm",
        _lt("Confirm the scorecard"),
        ("draft",),
        (GROUP_INSPECTOR,),
        "confirmed",
        stamp="confirmed",
        check="_asq_check_confirm",
        # (the inspector who scores confirms)
        todo=False,
    ),
)
# pylint: enable=prefer-env-translation


class AsqVendorScore(models.Model):
    """Monthly scorecard of an equipment vendor (《合格维保单位考核评分表》)."""

    _name = "asq.vendor.score"
    _description = "Vendor Monthly Scorecard"
    _inherit = [
        "mail.thread",
        "asq.vendor.record",
        "asq.workflow.mixin",
        "asq.editable.mixin",
    ]
    # The context key write() accepts from the step (the engine's writes).
    _asq_workflow_key = WORKFLOW_KEY
    _asq_editable = EDITABLE
    # (a confirmed scorecard no longer changes: _ensure_draft says so first)
    _asq_closed_states = ("confirmed",)
    _asq_transitions = TRANSITIONS
    _order = "month desc, vendor_id"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    # (vendor_id, company_id: asq.vendor.record)
    month = fields.Date(
        required=True,
        index=True,
        default=lambda s: fields.Date.context_today(s).replace(day=1),
        help="Any day of the month scored; stored as its first day.",
    )
    state = asq_state_field(
        selection=[("draft", "Draft"), ("confirmed", "Confirmed")],
        default="draft",
        help="Draft: the scores are being entered.\n"
        "Confirmed: the scorecard is locked and counts in the evaluations.",
    )
    line_ids = fields.One2many(
        "asq.vendor.score.line", "score_id", string="Scores", copy=True
    )
    total = fields.Float(
        compute="_compute_total",
        store=True,
        digits=(5, 2),
        aggregator="avg",
        help="Sum of weight * score / 100.",
    )
    note = fields.Text()
    confirmed_user_id = fields.Many2one(
        "res.users", readonly=True, copy=False, string="Confirmed By"
    )
    confirmed_date = fields.Datetime(readonly=True, copy=False, string="Confirmed At")
    # 001: 「發現問題及時通知分包方維保人員」 and 「每月匯總并對設備供應、安裝商
    # 售后服務質量進行評價」: the month's call-outs of the vendor and how fast
    # its staff came, beside the scores (read from the call-outs, one query).
    callout_count = fields.Integer(
        string="Call-outs",
        compute="_compute_callouts",
        help="Call-outs to the vendor's maintenance staff in the month.",
    )
    callout_waiting_count = fields.Integer(
        string="Not Arrived Yet",
        compute="_compute_callouts",
        help="Call-outs of the month the vendor's staff have not come to yet.",
    )
    response_avg_hours = fields.Float(
        string="Average Response (hours)",
        compute="_compute_callouts",
        digits=(8, 2),
        help="Average clock hours from call-out to arrival, over the "
        "call-outs of the month the vendor came to.",
    )
    response_late_count = fields.Integer(
        string="Late Responses",
        compute="_compute_callouts",
        help="Call-outs of the month the vendor came to after the response " "limit.",
    )
    # The button (the engine: role, state and precondition).
    can_confirm = fields.Boolean(compute="_compute_asq_can")

    _sql_constraints = [
        (
            "vendor_month_uniq",
            "UNIQUE(company_id, vendor_id, month)",
            "A vendor has one scorecard per month.",
        ),
    ]

    @api.depends("vendor_id", "month")
    def _compute_name(self):
        for score in self:
            month = score.month.strftime("%Y-%m") if score.month else ""
            score.name = f"{score.vendor_id.display_name or ''} {month}".strip()

    @api.depends("line_ids.weight", "line_ids.score")
    def _compute_total(self):
        for score in self:
            score.total = sum(line.weight * line.score for line in score.line_ids) / 100

    @api.depends("vendor_id", "month", "company_id")
    def _compute_callouts(self):
        """One query for all the scorecards: the call-outs by vendor, company
        and month (the month of the call in the user's time zone)."""
        figures = {}
        scored = self.filtered(lambda s: s.vendor_id and s.month and s.company_id)
        if scored:
            tz = self.env.context.get("tz") or self.env.user.tz or "UTC"
            self.env["asq.vendor.maintenance"].flush_model(
                [
                    "vendor_id",
                    "company_id",
                    "called_date",
                    "arrived_date",
                    "response_hours",
                    "response_late",
                ]
            )
            self.env.cr.execute(
                SQL(
                    """
                    SELECT m.vendor_id, m.company_id,
                           date_trunc('month', (m.called_date AT TIME ZONE 'UTC')
                                      AT TIME ZONE %(tz)s)::date AS month,
                           COUNT(*),
                           COUNT(*) FILTER (WHERE m.arrived_date IS NULL),
                           AVG(m.response_hours)
                               FILTER (WHERE m.arrived_date IS NOT NULL),
                           COUNT(*) FILTER (WHERE m.response_late)
                      FROM asq_vendor_maintenance m
                     WHERE m.called_date IS NOT NULL
                       AND m.vendor_id IN %(vendors)s
                       AND m.company_id IN %(companies)s
                       AND m.called_date >= %(start)s
                       AND m.called_date < %(end)s
                  GROUP BY 1, 2, 3
                    """,
                    tz=tz,
                    vendors=tuple(scored.vendor_id.ids),
                    companies=tuple(scored.company_id.ids),
                    # (a day's margin each side for the time zones)
                    start=min(scored.mapped("month")) - timedelta(days=1),
                    end=max(scored.mapped("month")) + timedelta(days=33),
                )
            )
            figures = {
                (vendor, company, month): rest
                for vendor, company, month, *rest in self.env.cr.fetchall()
            }
        for score in self:
            count, waiting, average, late = figures.get(
                (score.vendor_id.id, score.company_id.id, score.month),
                (0, 0, 0.0, 0),
            )
            score.callout_count = count
            score.callout_waiting_count = waiting
            score.response_avg_hours = float(average or 0.0)
            score.response_late_count = late

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        criteria = self.env["asq.vendor.criterion"].search([("active", "=", True)])
        for vals in vals_list:
            if not asq_in_step(self.env, WORKFLOW_KEY):
                self._ensure_no_signature(vals)
            if vals.get("month"):
                vals["month"] = fields.Date.to_date(vals["month"]).replace(day=1)
            if not vals.get("line_ids"):
                vals["line_ids"] = [
                    Command.create({"criterion_id": criterion.id})
                    for criterion in criteria
                ]
        return super().create(vals_list)

    def write(self, vals):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            self._ensure_no_signature(vals)
            self._ensure_draft()
            self._asq_ensure_editable(vals)
        if vals.get("month"):
            vals["month"] = fields.Date.to_date(vals["month"]).replace(day=1)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_confirmed(self):
        self._ensure_draft()

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    @api.depends("state", "line_ids.weight")
    @api.depends_context("uid")
    def _compute_asq_can(self):
        """(the engine's, also when the weights its precondition reads change)"""
        return super()._compute_asq_can()

    def action_confirm(self):
        """Button "Confirm": lock the scorecard."""
        self._asq_begin("confirm")._asq_finish("confirm")
        return True

    def _asq_check_confirm(self):
        weights = sum(self.line_ids.mapped("weight"))
        if float_compare(weights, 100.0, 2):
            return self.env._(
                "The weights of %(name)s sum to %(total)s, not 100: "
                "check its criteria.",
                name=self.name,
                total=round(weights, 2),
            )
        return ""

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _ensure_draft(self):
        asq_refuse(
            self.filtered(lambda s: s.state != "draft"),
            self.env._(
                "The scorecard %(names)s is confirmed: it can no longer be changed."
            ),
        )

    def _ensure_no_signature(self, vals):
        if {"state", "confirmed_user_id", "confirmed_date"} & set(vals):
            raise UserError(
                self.env._("Use the button Confirm to confirm a scorecard.")
            )
