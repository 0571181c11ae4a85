from odoo import api, fields, models


class AsqComplaintCancel(models.TransientModel):
    """Ask the reason before cancelling complaints."""

    _name = "asq.complaint.cancel"
    _description = "Cancel Customer Complaint"

    complaint_ids = fields.Many2many("asq.complaint", string="Complaints")
    reason = fields.Text(required=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "asq.complaint":
            values["complaint_ids"] = [
                fields.Command.set(self.env.context.get("active_ids") or [])
            ]
        return values

    def action_cancel(self):
        """Button "Cancel Complaint" of the wizard."""
        self.ensure_one()
        self.complaint_ids._action_cancel(self.reason)
        return {"type": "ir.actions.act_window_close"}
