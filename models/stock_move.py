from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_compare

from .asq_delivered_line import (
    asq_delivered_move_lines,
    asq_request_line_figures,
    asq_returned_move_lines,
)
from .asq_workflow_mixin import AsqMark, asq_lock_rows

HOLD_LOTS_KEY = "asq_hold_excluded_lot_ids"
# The administrator's exception to the warehouse gate (held by nobody unless
# an administrator adds someone; implied by no group).
GROUP_GATE_EXCEPTION = "after_sales_quality.group_asq_return_gate_exception"
# 001, 4.2.7, quoted in every refusal of the gate as a parameter (the same in
# every language): the marker tools/harness.sh (test-core) recognises.
GATE_RULE = "「如沒有以上各部門的簽字確認,倉庫一律不予辦理入庫手續」"


class StockMove(models.Model):
    _inherit = "stock.move"

    asq_gate_exception_user_id = fields.Many2one(
        "res.users",
        string="Return Gate Bypassed By",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Who booked these goods back from a customer without a signed "
        "return request, as holder of the exception group.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(
            vals.get("asq_gate_exception_user_id") for vals in vals_list
        ):
            raise UserError(self.env._("The return gate's log is written by Odoo."))
        return super().create(vals_list)

    def write(self, vals):
        if "asq_gate_exception_user_id" in vals and not self.env.su:
            raise UserError(self.env._("The return gate's log is written by Odoo."))
        return super().write(vals)

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
                lot_held.with_context(**{HOLD_LOTS_KEY: AsqMark(holds.lot_ids.ids)}),
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

    def _asq_is_customer_delivery(self):
        """A move that delivered goods to a customer: the only moves whose
        returns the over-return check watches (vendor returns and returns of
        pick, QC or internal steps are Odoo's business)."""
        self.ensure_one()
        return (
            self.location_dest_id.usage == "customer"
            and self.location_id.usage != "customer"
        )

    def _action_done(self, cancel_backorder=False):
        self._asq_ensure_not_held()
        self._asq_ensure_return_gate()._asq_log_gate_exception()
        returning = self.filtered(
            lambda m: m.origin_returned_move_id and m.state not in ("done", "cancel")
        )
        origins = returning.origin_returned_move_id.filtered(
            lambda m: m._asq_is_customer_delivery()
        )
        if origins:
            # Serialise concurrent returns of the same delivered moves (as
            # asq.return._lock_and_check_quantities does).
            asq_lock_rows(origins, wait=True)
            self.env.cr.execute(
                "UPDATE stock_move SET write_date = write_date WHERE id IN %s",
                [tuple(origins.ids)],
            )
        res = super()._action_done(cancel_backorder=cancel_backorder)
        if origins:
            origins._asq_ensure_returnable()
            returning.picking_id.asq_return_id._asq_ensure_received_as_requested()
        return res

    # ------------------------------------------------------------------
    # The warehouse gate: no customer return without a signed request
    # ------------------------------------------------------------------
    def _asq_is_customer_return(self):
        """A move that takes goods back from a customer location (the first
        step of a return: later steps leave Input or QC, not the customer)."""
        self.ensure_one()
        return (
            self.location_id.usage == "customer"
            and self.location_dest_id.usage != "customer"
        )

    def _asq_ensure_return_gate(self):
        """001: 「如沒有以上各部門的簽字確認,倉庫一律不予辦理入庫手續」. A
        move bringing goods back from a customer is booked only as the
        receipt of a return request that every approver signed, taking back
        goods of the deliveries its lines name; otherwise only a holder of
        the exception group books it, and the booking is logged. Whatever
        the screen (Odoo's Return button, a hand-made or imported transfer,
        a call over RPC) and whatever the context. Returns the moves booked
        by the exception (the caller logs them once they are booked)."""
        returns = self.filtered(
            lambda m: m.state not in ("done", "cancel") and m._asq_is_customer_return()
        )
        tied = returns.filtered(
            lambda m: m.picking_id.asq_return_role == "receipt"
            and m.origin_returned_move_id
            in m.picking_id.asq_return_id.sudo().line_ids.move_id
        )
        # the receipt of a request: every signature it needs, or refused
        tied.picking_id._asq_ensure_return_signed()
        untied = returns - tied
        if not untied or self.env.user.has_group(GROUP_GATE_EXCEPTION):
            return untied
        move = untied[0]
        request = move.picking_id.asq_return_id.sudo()
        if request:
            reason = self.env._(
                "%(product)s is not among the goods return request "
                "%(request)s takes back as its receipt",
                product=move.product_id.display_name,
                request=request.name,
            )
        else:
            reason = self.env._(
                "no signed return request: create one from the delivery "
                "(Return, then Create Return Request) and book its receipt "
                "once every approver has signed"
            )
        raise UserError(
            self.env._(
                "%(reference)s takes %(product)s back from the customer: "
                "%(reason)s. Warehouse gate, 001 4.2.7: %(rule)s (no customer "
                "return is booked without the signatures).",
                reference=move.picking_id.name or move.reference or move.name,
                product=move.product_id.display_name,
                reason=reason,
                rule=GATE_RULE,
            )
        )

    def _asq_log_gate_exception(self):
        """Record who booked ``self`` past the gate: on the moves (the audit
        lists them) and in the chatter of their transfers."""
        user = self.env.user
        self.sudo().write({"asq_gate_exception_user_id": user.id})
        for picking, moves in self.grouped("picking_id").items():
            if not picking:
                continue
            picking.sudo().message_post(
                body=Markup("<p>%s</p>")
                % self.env._(
                    "Warehouse gate bypassed: %(user)s booked %(products)s back "
                    "from the customer without a signed return request, as a "
                    'member of the exception group "Book customer returns '
                    'without a return request (exception)".',
                    user=user.name,
                    products=", ".join(moves.product_id.mapped("display_name")),
                ),
                author_id=user.partner_id.id,
            )

    # ------------------------------------------------------------------
    # Returned quantities: never more than delivered
    # ------------------------------------------------------------------
    def _asq_return_balance(self, extra_return_ids=()):
        """Per delivered move of ``self`` and lot: (move id, lot id,
        delivered, returned, outstanding). ``returned`` is what came back
        (done return moves, less what QC rejected and sends back),
        ``outstanding`` what open return requests (and the requests
        ``extra_return_ids``) still ask for beyond what their own receipts
        brought back (``asq_request_line_figures``). One query for the
        batch."""
        if not self.ids:
            return []
        self.env.flush_all()
        moves = tuple(self.ids)
        self.env.cr.execute(
            SQL(
                """
            WITH delivered AS (
                SELECT move_id, lot_id, SUM(quantity) AS qty
                  FROM (%(delivered_lines)s) dl
              GROUP BY move_id, lot_id
            ), returned AS (
                SELECT move_id, lot_id, SUM(quantity) AS qty
                  FROM (%(returned_lines)s) rl
              GROUP BY move_id, lot_id
            ), outstanding AS (
                SELECT move_id, lot_id, SUM(outstanding_qty) AS qty
                  FROM (%(requested)s) q
              GROUP BY move_id, lot_id
            ), keys AS (
                SELECT move_id, lot_id FROM delivered
                 UNION SELECT move_id, lot_id FROM returned
                 UNION SELECT move_id, lot_id FROM outstanding
            )
            SELECT k.move_id, k.lot_id, COALESCE(d.qty, 0), COALESCE(r.qty, 0),
                   COALESCE(o.qty, 0)
              FROM keys k
         LEFT JOIN delivered d
                ON d.move_id = k.move_id AND d.lot_id IS NOT DISTINCT FROM k.lot_id
         LEFT JOIN returned r
                ON r.move_id = k.move_id AND r.lot_id IS NOT DISTINCT FROM k.lot_id
         LEFT JOIN outstanding o
                ON o.move_id = k.move_id AND o.lot_id IS NOT DISTINCT FROM k.lot_id
          ORDER BY k.move_id, k.lot_id
                """,
                delivered_lines=asq_delivered_move_lines(
                    SQL("AND sml.move_id IN %s", moves)
                ),
                returned_lines=asq_returned_move_lines(
                    SQL("AND rm.origin_returned_move_id IN %s", moves)
                ),
                requested=asq_request_line_figures(
                    SQL("AND rl.move_id IN %s", moves), extra_return_ids
                ),
            )
        )
        return [
            (move_id, lot_id, float(delivered), float(returned), float(outstanding))
            for move_id, lot_id, delivered, returned, outstanding in (
                self.env.cr.fetchall()
            )
        ]

    def _asq_ensure_returnable(self, extra_return_ids=()):
        """Refuse when, for a delivered move of ``self`` and lot, what came
        back plus what open return requests still ask for exceeds what was
        delivered."""
        moves = {move.id: move for move in self}
        lots = self.env["stock.lot"]
        for (
            move_id,
            lot_id,
            delivered,
            returned,
            outstanding,
        ) in self._asq_return_balance(extra_return_ids):
            move = moves[move_id]
            if (
                float_compare(
                    returned + outstanding,
                    delivered,
                    precision_rounding=move.product_uom.rounding,
                )
                > 0
            ):
                raise UserError(
                    self.env._(
                        "%(product)s lot %(lot)s of %(delivery)s: %(delivered)s "
                        "delivered, %(returned)s already returned and "
                        "%(asked)s requested in open return requests. Reduce the "
                        "quantity.",
                        product=move.product_id.display_name,
                        lot=lots.browse(lot_id).name or "-",
                        delivery=move.picking_id.name or move.reference,
                        delivered=delivered,
                        returned=returned,
                        asked=outstanding,
                    )
                )

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
