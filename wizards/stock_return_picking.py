from odoo import models

from ..models.asq_workflow_mixin import asq_carried


class StockReturnPicking(models.TransientModel):
    _inherit = "stock.return.picking"

    def _prepare_picking_default_values(self):
        """Return requests send the goods to the warehouse's QC location."""
        vals = super()._prepare_picking_default_values()
        location = asq_carried(self.env, "asq_return_location_dest_id")
        if location:
            vals["location_dest_id"] = location
        return vals
