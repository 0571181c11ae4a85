from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import LazyTranslate, float_compare

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
