from odoo import models
from odoo.tools.sql import create_index


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    def _auto_init(self):
        """The after-sales reports read the goods delivered in a period (a
        month's pack, the return ratio over the contract period): done move
        lines by date."""
        res = super()._auto_init()
        create_index(
            self.env.cr,
            "stock_move_line_asq_done_date_index",
            self._table,
            ["date"],
            where="state = 'done'",
        )
        return res
