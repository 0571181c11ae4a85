from odoo import fields, models


class AsqServiceVisitCancel(models.TransientModel):
    """Asks why service visits are cancelled."""

    _name = "asq.service.visit.cancel"
    _inherit = ["asq.cancel.reason"]
    _description = "Cancel Service Visit"
    _asq_documents_field = "visit_ids"

    visit_ids = fields.Many2many("asq.service.visit", string="Visits", required=True)
