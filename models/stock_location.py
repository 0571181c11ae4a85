from odoo import fields, models


class StockLocation(models.Model):
    _inherit = "stock.location"

    asq_return_usage = fields.Selection(
        selection=[("qc", "Return QC"), ("rework", "Rework")],
        string="After-Sales Use",
        index="btree_not_null",
        help="Return QC: returned goods wait here for the quality inspection. "
        "Rework: returned goods QC sends to rework.",
    )
