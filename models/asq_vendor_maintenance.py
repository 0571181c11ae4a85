from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .asq_workflow_mixin import AsqStateError, asq_in_step, asq_step

GROUP_INSPECTOR = "after_sales_quality.group_asq_inspector"
WORKFLOW_KEY = "asq_vendor_workflow"


class AsqVendorMaintenance(models.Model):
    """Maintenance done by an equipment vendor, verified by quality."""

    _name = "asq.vendor.maintenance"
    _description = "Vendor Maintenance Record"
    _inherit = ["mail.thread", "asq.company.fixed"]
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

    @api.model_create_multi
    def create(self, vals_list):
        if not asq_in_step(self.env, WORKFLOW_KEY) and any(
            "verified_by" in v or "verified_at" in v for v in vals_list
        ):
            raise UserError(self._verified_message())
        return super().create(vals_list)

    def write(self, vals):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            if "verified_by" in vals or "verified_at" in vals:
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
        if not self.env.su and not self.env.user.has_group(GROUP_INSPECTOR):
            raise AccessError(
                self.env._(
                    "You are not allowed to do this step (%(step)s): it needs the "
                    "role %(group)s.",
                    step=self.env._("Verify maintenance"),
                    group=self.env.ref(GROUP_INSPECTOR).sudo().name,
                )
            )
        self.check_access("write")
        if self.filtered("verified_at"):
            raise AsqStateError(
                self.env._("This maintenance is already verified. Reload the page.")
            )
        self.with_context(**asq_step(WORKFLOW_KEY)).write(
            {"verified_by": self.env.user.id, "verified_at": fields.Datetime.now()}
        )
        return True

    def _verified_message(self):
        return self.env._("Use the button Verify to verify a maintenance record.")
