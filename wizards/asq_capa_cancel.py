from odoo import fields, models


class AsqCapaCancel(models.TransientModel):
    """Asks why CAPA are cancelled."""

    _name = "asq.capa.cancel"
    _description = "Cancel CAPA"

    capa_ids = fields.Many2many("asq.capa", string="CAPA", required=True)
    reason = fields.Text(required=True)

    def action_confirm(self):
        """Button "Cancel CAPA" of the wizard."""
        self.ensure_one()
        self.capa_ids.with_context(asq_cancel_reason=self.reason).action_cancel()
        return {"type": "ir.actions.act_window_close"}
