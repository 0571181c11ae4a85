from odoo import fields, models


class AsqServiceVisitCancel(models.TransientModel):
    """Asks why service visits are cancelled."""

    _name = "asq.service.visit.cancel"
    _description = "Cancel Service Visit"

    visit_ids = fields.Many2many("asq.service.visit", string="Visits", required=True)
    reason = fields.Text(required=True)

    def action_confirm(self):
        """Button "Cancel Visit" of the wizard."""
        self.ensure_one()
        self.visit_ids.with_context(asq_cancel_reason=self.reason).action_cancel()
        return {"type": "ir.actions.act_window_close"}
