from odoo import models
from odoo.exceptions import UserError

HOLD_LOTS_KEY = "asq_hold_excluded_lot_ids"


class StockMove(models.Model):
    _inherit = "stock.move"

    def _asq_is_outgoing(self):
        """A move that takes goods to a customer."""
        self.ensure_one()
        return (
            self.location_dest_id.usage == "customer"
            or self.picking_type_id.code == "outgoing"
        ) and self.location_id.usage != "customer"

    def _action_assign(self, force_qty=False):
        """Outgoing moves never reserve held goods: a held product is not
        reserved at all, held lots are left out of the quants reserved."""
        outgoing = self.filtered(lambda m: m._asq_is_outgoing())
        holds = self.env["asq.hold"]._blocking_holds(
            outgoing.product_id, outgoing.company_id
        )
        if not holds:
            return super()._action_assign(force_qty=force_qty)
        blocked = outgoing.filtered(
            lambda m: holds.filtered(
                lambda h, m=m: h.product_id == m.product_id
                and h.company_id == m.company_id
                and not h.lot_ids
            )
        )
        lot_held = outgoing - blocked
        res = super(StockMove, self - outgoing)._action_assign(force_qty=force_qty)
        if lot_held:
            super(
                StockMove,
                lot_held.with_context(**{HOLD_LOTS_KEY: holds.lot_ids.ids}),
            )._action_assign(force_qty=force_qty)
            # Chained moves reserve what the previous step brought: drop
            # any held lot that came that way.
            lot_held._asq_unreserve_held(holds)
        return res

    def _asq_unreserve_held(self, holds):
        """Remove the unpicked reservations of goods held by ``holds``."""
        lines = self.move_line_ids.filtered(
            lambda ml: not ml.picked
            and holds._blocks(ml.product_id, ml.lot_id, ml.move_id.company_id)
        )
        if lines:
            moves = lines.move_id
            lines.unlink()
            moves._recompute_state()

    def _action_done(self, cancel_backorder=False):
        self._asq_ensure_not_held()
        return super()._action_done(cancel_backorder=cancel_backorder)

    def _asq_ensure_not_held(self):
        """Refuse to ship held goods to a customer, whatever the screen."""
        moves = self.filtered(
            lambda m: m.state not in ("done", "cancel")
            and m._asq_is_outgoing()
            and m.picking_id.asq_return_role != "reject"
        )
        holds = self.env["asq.hold"]._blocking_holds(moves.product_id, moves.company_id)
        if not holds:
            return
        for move in moves:
            lines = move.move_line_ids.filtered("quantity") or move.move_line_ids
            lots = lines.lot_id or self.env["stock.lot"]
            for lot in lots or [lots]:
                hold = holds._blocks(move.product_id, lot, move.company_id)
                if not hold:
                    continue
                reference = move.picking_id.name or move.reference or move.display_name
                if hold.lot_ids:
                    raise UserError(
                        self.env._(
                            "%(reference)s cannot be validated: lot %(lot)s of "
                            "%(product)s is under quality hold %(hold)s.",
                            reference=reference,
                            lot=lot.name,
                            product=move.product_id.display_name,
                            hold=hold.name,
                        )
                    )
                raise UserError(
                    self.env._(
                        "%(reference)s cannot be validated: %(product)s is under "
                        "quality hold %(hold)s.",
                        reference=reference,
                        product=move.product_id.display_name,
                        hold=hold.name,
                    )
                )
