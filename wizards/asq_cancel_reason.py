from odoo import fields, models


class AsqCancelReason(models.AbstractModel):
    """Asks why documents are cancelled; their Cancel button gets the reason."""

    _name = "asq.cancel.reason"
    _description = "Cancellation Reason"
    # The wizard's field holding the documents to cancel.
    _asq_documents_field = None

    reason = fields.Text(required=True)

    def action_confirm(self):
        """Button "Cancel" of the wizard."""
        self.ensure_one()
        self[self._asq_documents_field].with_context(
            asq_cancel_reason=self.reason
        ).action_cancel()
        return {"type": "ir.actions.act_window_close"}
