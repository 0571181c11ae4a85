from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import LazyTranslate

from .asq_workflow_mixin import AsqTransition, asq_in_step

_lt = LazyTranslate(__name__)

GROUP_INSPECTOR = "after_sales_quality.group_asq_inspector"
WORKFLOW_KEY = "asq_vendor_workflow"
# Only the button Verify writes them.
WORKFLOW_FIELDS = frozenset({"state", "verified_by", "verified_at"})


class AsqVendorMaintenance(models.Model):
    """Maintenance done by an equipment vendor, verified by quality."""

    _name = "asq.vendor.maintenance"
    _description = "Vendor Maintenance Record"
    _inherit = ["mail.thread", "asq.workflow.mixin"]
    # The context key write() accepts from the step (the engine's writes).
    _asq_workflow_key = WORKFLOW_KEY
    _asq_transitions = (
        AsqTransition(
            "verify",
            _lt("Verify maintenance"),
            ("draft",),
            (GROUP_INSPECTOR,),
            "verified",
            stamp=("verified_by", "verified_at"),
        ),
    )
    _order = "date desc, id desc"
    _check_company_auto = True

    vendor_id = fields.Many2one(
        "res.partner",
        string="Vendor",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda s: s.env.company
    )
    equipment = fields.Char(required=True, tracking=True)
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    work = fields.Text(string="Work Done", required=True)
    verified_by = fields.Many2one("res.users", readonly=True, copy=False)
    verified_at = fields.Datetime(readonly=True, copy=False)
    # Derived from the verification (stored: computed for the records
    # verified before the field existed); the step writes it too.
    state = fields.Selection(
        string="Status",
        selection=[("draft", "To Verify"), ("verified", "Verified")],
        compute="_compute_state",
        store=True,
        index=True,
        help="To Verify: the vendor's work waits for quality's check.\n"
        "Verified: quality checked the work on the equipment; the record no "
        "longer changes.",
    )
    # The button (the engine: role and state).
    can_verify = fields.Boolean(compute="_compute_asq_can")

    @api.depends("verified_at")
    def _compute_state(self):
        for record in self:
            record.state = "verified" if record.verified_at else "draft"

    @api.model_create_multi
    def create(self, vals_list):
        if not asq_in_step(self.env, WORKFLOW_KEY) and any(
            set(v) & WORKFLOW_FIELDS for v in vals_list
        ):
            raise UserError(self._verified_message())
        return super().create(vals_list)

    def write(self, vals):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            if set(vals) & WORKFLOW_FIELDS:
                raise UserError(self._verified_message())
            verified = self.filtered("verified_at")
            if verified and set(vals) & {"vendor_id", "equipment", "date", "work"}:
                raise UserError(
                    self.env._("Verified maintenance records can no longer be changed.")
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_verified(self):
        if self.filtered("verified_at"):
            raise UserError(
                self.env._("Verified maintenance records cannot be deleted.")
            )

    def action_verify(self):
        """Button "Verify": quality checked the work on the equipment."""
        self._asq_begin("verify")._asq_finish("verify")
        return True

    def _verified_message(self):
        return self.env._("Use the button Verify to verify a maintenance record.")
