from odoo import models

from .asq_workflow_mixin import asq_carried
from .stock_move import HOLD_LOTS_KEY


class StockQuant(models.Model):
    _inherit = "stock.quant"

    def _gather(
        self,
        product_id,
        location_id,
        lot_id=None,
        package_id=None,
        owner_id=None,
        strict=False,
        qty=0,
    ):
        """Leave held lots out when an outgoing move reserves (context set by
        ``stock.move._action_assign``)."""
        quants = super()._gather(
            product_id,
            location_id,
            lot_id=lot_id,
            package_id=package_id,
            owner_id=owner_id,
            strict=strict,
            qty=qty,
        )
        excluded = asq_carried(self.env, HOLD_LOTS_KEY)
        if excluded:
            quants = quants.filtered(lambda q: q.lot_id.id not in excluded)
        return quants
