from odoo import fields, models


class AsqCapaCancel(models.TransientModel):
    """Asks why CAPA are cancelled."""

    _name = "asq.capa.cancel"
    _inherit = ["asq.cancel.reason"]
    _description = "Cancel CAPA"
    _asq_documents_field = "capa_ids"

    capa_ids = fields.Many2many("asq.capa", string="CAPA", required=True)
