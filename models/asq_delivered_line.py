from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import format_date, formatLang

from .asq_workflow_mixin import asq_carried

# ----------------------------------------------------------------------
# The definitions
# ----------------------------------------------------------------------
# "Delivered to a customer", "returned" and "received by a return receipt"
# are defined here, once: the goods delivered (below), the complaint and
# return ratio reports, the over-return check (stock.move._asq_return_balance),
# the received quantities of return requests and the migrations build their
# queries from these functions. tools/audit.sql (plain SQL for psql) and
# tools/bench.py (the hand-written baseline) mirror them;
# tests/test_definitions.py keeps the audit equal to them.
#
# 001, second procedure: 「對客戶的退貨,質管部應對所有退回貨物進行檢驗」 and
# 「如因客戶原因造成的損壞,可拒收並書面說明」: goods QC rejects go back to
# the customer. They were never returned: the send-back transfer is no
# delivery, and what a rejected line brought back is not "returned".

# Return requests whose goods are requested but not yet back.
ASQ_OPEN_RETURN_STATES = ("submitted", "finance", "business", "gm", "approved")


def asq_delivered_move_lines(condition=None):
    """Goods delivered to a customer: the done move lines from a location
    that is not a customer's to a customer location, one row per move
    line: id, move_id, lot_id, date, quantity (in the product's unit),
    company_id, product_id, picking_id and partner_id (the commercial
    partner of the picking's partner, else of the move's). The transfer
    that sends goods QC rejected back to the customer (return step
    "reject") is no delivery. ``condition`` ("AND ...") may name the move
    line ``sml``, its move ``sm`` and its transfer ``sp``."""
    return SQL(
        """
        SELECT sml.id, sml.move_id, sml.lot_id, sml.date,
               sml.quantity_product_uom AS quantity,
               sm.company_id, sm.product_id, sm.picking_id,
               COALESCE(rp.commercial_partner_id, rp.id) AS partner_id
          FROM stock_move_line sml
          JOIN stock_location src ON src.id = sml.location_id
          JOIN stock_location dst ON dst.id = sml.location_dest_id
          JOIN stock_move sm ON sm.id = sml.move_id
          LEFT JOIN stock_picking sp ON sp.id = sm.picking_id
          LEFT JOIN res_partner rp ON rp.id = COALESCE(sp.partner_id, sm.partner_id)
         WHERE sml.state = 'done'
           AND dst.usage = 'customer'
           AND src.usage <> 'customer'
           AND sp.asq_return_role IS DISTINCT FROM 'reject'
           %s
        """,
        condition or SQL(),
    )


def asq_returned_move_lines(condition=None):
    """Goods returned: the done move lines of return moves (moves with
    ``origin_returned_move_id``) to a location that is not a customer's,
    less what the request lines QC rejected (signed) brought back: those
    go back to the customer. One row per move line or rejected line:
    move_id (the move they return), lot_id, quantity (in the product's
    unit, negative for a rejection). ``condition`` may name the returned
    move as ``rm.origin_returned_move_id`` and the lot as ``rm.lot_id``
    (both parts of the query take it)."""
    return SQL(
        """
        SELECT rm.origin_returned_move_id AS move_id, rml.lot_id,
               rml.quantity_product_uom AS quantity
          FROM stock_move rm
          JOIN stock_move_line rml ON rml.move_id = rm.id
          JOIN stock_location rdst ON rdst.id = rml.location_dest_id
         WHERE rm.origin_returned_move_id IS NOT NULL
           AND rml.state = 'done'
           AND rdst.usage <> 'customer'
           %(condition)s
     UNION ALL
        SELECT rm.origin_returned_move_id, rm.lot_id, -rm.quantity
          FROM (SELECT rj.move_id AS origin_returned_move_id, rj.lot_id,
                       rj.received_qty AS quantity
                  FROM asq_return_line rj
                 WHERE rj.qc_result = 'reject'
                   AND rj.qc_date IS NOT NULL
                   AND rj.received_qty > 0) rm
         WHERE TRUE %(condition)s
        """,
        condition=condition or SQL(),
    )


def asq_received_by_receipt(condition=None):
    """Goods received by a return receipt: what the done receipts of each
    return request brought back, per request, returned move and lot:
    return_id, move_id (the delivered move), lot_id, qty (in the product's
    unit). ``condition`` may name the receipt ``sp``, its move ``rm`` and
    move line ``rml``."""
    return SQL(
        """
        SELECT sp.asq_return_id AS return_id,
               rm.origin_returned_move_id AS move_id, rml.lot_id,
               SUM(rml.quantity_product_uom) AS qty
          FROM stock_move_line rml
          JOIN stock_move rm ON rm.id = rml.move_id
          JOIN stock_picking sp ON sp.id = rm.picking_id
         WHERE sp.asq_return_role = 'receipt'
           AND rml.state = 'done'
           %s
      GROUP BY sp.asq_return_id, rm.origin_returned_move_id, rml.lot_id
        """,
        condition or SQL(),
    )


def asq_by_company(company_column, values):
    """SQL taking ``values[company id]`` by the company in ``company_column``,
    ``values[None]`` for the other companies."""
    return SQL(
        "CASE %s %s ELSE %s END",
        company_column,
        SQL(" ").join(
            SQL("WHEN %s THEN %s", company_id, value)
            for company_id, value in values.items()
            if company_id
        ),
        values[None],
    )


def asq_received_by_line(condition=None):
    """Per return request line, what its request's receipts brought back of
    its delivered move and lot (``asq_received_by_receipt``), lines sharing
    a move and lot served in line order, as
    ``asq.return._asq_received_quantities`` does: id, received_qty.
    ``condition`` may restrict the request lines ``rl`` to whole requests
    (lines of one request are served together)."""
    return SQL(
        """
        SELECT s.id, GREATEST(LEAST(s.quantity, s.left_qty), 0) AS received_qty
          FROM (
            SELECT rl.id, rl.quantity,
                   COALESCE(rc.qty, 0) + rl.quantity - SUM(rl.quantity)
                       OVER (PARTITION BY rl.return_id, rl.move_id, rl.lot_id
                                 ORDER BY rl.id) AS left_qty
              FROM asq_return_line rl
         LEFT JOIN (%s) rc
                ON rc.return_id = rl.return_id
               AND rc.move_id = rl.move_id
               AND rc.lot_id IS NOT DISTINCT FROM rl.lot_id
             WHERE TRUE %s
          ) s
        """,
        asq_received_by_receipt(),
        condition or SQL(),
    )


def asq_request_line_figures(condition=None, extra_return_ids=()):
    """Per return request line, what it weighs against its delivered goods:
    id, return_id, company_id, partner_id (the request's commercial
    partner), move_id, lot_id, kind, delivery_date, price_unit,
    returned_qty (what its receipts brought back, ``asq_received_by_line``,
    nothing once QC rejected it) and outstanding_qty (what an open request,
    or one of ``extra_return_ids``, still asks for beyond that). The
    over-return check, the finance check and the customer's ratios read
    them. ``condition`` restricts the lines ``rl`` to whole requests (as
    ``asq_received_by_line``)."""
    return SQL(
        """
        SELECT rl.id, rl.return_id, r.company_id,
               COALESCE(rp.commercial_partner_id, rp.id) AS partner_id,
               rl.move_id, rl.lot_id, rl.kind, rl.delivery_date, rl.price_unit,
               CASE WHEN rl.qc_result = 'reject' AND rl.qc_date IS NOT NULL
                    THEN 0 ELSE rc.received_qty END AS returned_qty,
               CASE WHEN r.state IN %(open)s OR r.id IN %(extra)s
                    THEN GREATEST(rl.quantity - rc.received_qty, 0)
                    ELSE 0 END AS outstanding_qty
          FROM asq_return_line rl
          JOIN asq_return r ON r.id = rl.return_id
          JOIN res_partner rp ON rp.id = r.partner_id
          JOIN (%(received)s) rc ON rc.id = rl.id
         WHERE TRUE %(condition)s
        """,
        open=ASQ_OPEN_RETURN_STATES,
        extra=tuple(extra_return_ids) or (0,),
        received=asq_received_by_line(condition),
        condition=condition or SQL(),
    )


class AsqDeliveredLine(models.Model):
    """What a customer received: one row per delivered move and lot."""

    _name = "asq.delivered.line"
    _description = "Goods Delivered to a Customer"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "product_id"
    # The picker (return request and complaint lines, the portal) finds the
    # goods by product (name or internal reference), lot or delivery.
    _rec_names_search = ["product_id", "lot_id.name", "picking_id.name"]
    # Flushed before every read so that a delivery validated in the same
    # transaction shows at once.
    _depends = {
        "stock.move.line": [
            "move_id",
            "lot_id",
            "quantity_product_uom",
            "date",
            "state",
            "location_id",
            "location_dest_id",
        ],
        "stock.move": [
            "picking_id",
            "partner_id",
            "company_id",
            "product_id",
            "sale_line_id",
            "origin_returned_move_id",
            "state",
        ],
        "stock.picking": ["partner_id", "asq_return_role"],
        "stock.location": ["usage"],
        "asq.return.line": [
            "move_id",
            "lot_id",
            "received_qty",
            "qc_result",
            "qc_date",
        ],
        "res.partner": ["commercial_partner_id"],
        "sale.order.line": ["order_id", "price_reduce_taxexcl", "product_uom"],
        "sale.order": ["currency_rate"],
        "product.product": ["product_tmpl_id"],
        "product.template": ["categ_id", "uom_id"],
        "uom.uom": ["factor"],
        "res.company": ["currency_id"],
    }

    # ------------------------------------------------------------------
    # Where it went
    # ------------------------------------------------------------------
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        readonly=True,
        help="The commercial entity the goods were delivered to.",
    )
    delivery_partner_id = fields.Many2one(
        "res.partner", string="Delivery Address", readonly=True
    )
    picking_id = fields.Many2one("stock.picking", string="Delivery", readonly=True)
    move_id = fields.Many2one("stock.move", string="Stock Move", readonly=True)
    sale_line_id = fields.Many2one(
        "sale.order.line", string="Sale Order Line", readonly=True
    )
    sale_order_id = fields.Many2one("sale.order", readonly=True)
    date = fields.Datetime(string="Delivery Date", readonly=True)

    # ------------------------------------------------------------------
    # What
    # ------------------------------------------------------------------
    product_id = fields.Many2one("product.product", readonly=True)
    product_tmpl_id = fields.Many2one(
        "product.template", string="Product Template", readonly=True
    )
    categ_id = fields.Many2one(
        "product.category", string="Product Category", readonly=True
    )
    lot_id = fields.Many2one("stock.lot", string="Lot/Serial Number", readonly=True)
    product_uom_id = fields.Many2one("uom.uom", string="Unit", readonly=True)
    quantity = fields.Float(
        string="Delivered Quantity", digits="Product Unit of Measure", readonly=True
    )
    returned_qty = fields.Float(
        string="Returned Quantity", digits="Product Unit of Measure", readonly=True
    )
    remaining_qty = fields.Float(
        string="Quantity Still at Customer",
        digits="Product Unit of Measure",
        readonly=True,
    )

    # ------------------------------------------------------------------
    # Value, in company currency, at the sale price net of discount and tax
    # ------------------------------------------------------------------
    currency_id = fields.Many2one("res.currency", readonly=True)
    price_unit = fields.Monetary(string="Unit Price", readonly=True, aggregator=None)
    amount = fields.Monetary(string="Delivered Amount", readonly=True)
    returned_amount = fields.Monetary(readonly=True)

    @api.depends_context("lang", "tz")
    @api.depends("product_id", "lot_id", "picking_id", "date", "remaining_qty")
    def _compute_display_name(self):
        """The picker's line: product · lot · delivery · date · quantity
        still at the customer (the date and figure in the user's language)."""
        for line in self:
            line.display_name = " · ".join(line._asq_picker_parts())

    def _asq_picker_parts(self):
        """The words of :meth:`_compute_display_name` (the portal's goods
        table shows them in columns)."""
        self.ensure_one()
        line = self.sudo()
        date = (
            format_date(
                self.env, fields.Datetime.context_timestamp(self, line.date).date()
            )
            if line.date
            else ""
        )
        quantity = self.env._(
            "%(qty)s %(unit)s at customer",
            qty=formatLang(self.env, line.remaining_qty, dp="Product Unit of Measure"),
            unit=line.product_uom_id.name or "",
        )
        return [
            part
            for part in (
                line.product_id.display_name,
                line.lot_id.name,
                line.picking_id.name,
                date,
                quantity,
            )
            if part
        ]

    @property
    def _table_query(self):
        return self._asq_delivered_query(
            ids=asq_carried(self.env, "asq_delivered_ids"),
            partner_ids=asq_carried(self.env, "asq_delivered_partner_ids"),
        )

    def _asq_delivered_query(
        self, date_from=None, date_to=None, ids=None, partner_ids=None
    ):
        """The goods delivered, optionally only those delivered in
        [date_from, date_to): the period is applied before grouping so that
        a report on one month reads one month of move lines. ``ids`` keeps
        the moves of those rows only (their ids are move line ids),
        ``partner_ids`` the moves to those commercial partners. ``date_from``
        may be a start per company ({company id: datetime}, the key None for
        the other companies)."""
        period = SQL()
        if isinstance(date_from, dict):
            starts = date_from
            date_from = min(starts.values())
            if len(set(starts.values())) > 1:
                # the earliest start (below) for the index on the date
                period = SQL(
                    "AND sml.date >= %s", asq_by_company(SQL("sm.company_id"), starts)
                )
        if date_from:
            period = SQL("%s AND sml.date >= %s", period, date_from)
        if date_to:
            period = SQL("%s AND sml.date < %s", period, date_to)
        returned_moves = SQL()
        if ids:
            moves = SQL(
                "SELECT move_id FROM stock_move_line WHERE id IN %s", tuple(ids)
            )
            period = SQL("%s AND sml.move_id IN (%s)", period, moves)
            returned_moves = SQL("AND rm.origin_returned_move_id IN (%s)", moves)
        if partner_ids:
            contacts = SQL(
                "SELECT id FROM res_partner WHERE commercial_partner_id IN %s",
                tuple(partner_ids),
            )
            moves = SQL(
                """SELECT id FROM stock_move WHERE picking_id IN (
                       SELECT id FROM stock_picking WHERE partner_id IN (%(c)s))
                   UNION ALL
                   SELECT id FROM stock_move
                    WHERE picking_id IS NULL AND partner_id IN (%(c)s)""",
                c=contacts,
            )
            period = SQL("%s AND sml.move_id IN (%s)", period, moves)
            returned_moves = SQL(
                "%s AND rm.origin_returned_move_id IN (%s)", returned_moves, moves
            )
        return SQL(
            """
            WITH delivered AS (
                SELECT MIN(dl.id) AS id,
                       dl.move_id,
                       dl.lot_id,
                       dl.partner_id,
                       SUM(dl.quantity) AS quantity,
                       MAX(dl.date) AS date
                  FROM (%(delivered_lines)s) dl
              GROUP BY dl.move_id, dl.lot_id, dl.partner_id
            ), returned AS (
                SELECT rl.move_id, rl.lot_id, SUM(rl.quantity) AS quantity
                  FROM (%(returned_lines)s) rl
              GROUP BY rl.move_id, rl.lot_id
            )
            SELECT d.id,
                   sm.company_id,
                   d.partner_id,
                   COALESCE(sp.partner_id, sm.partner_id) AS delivery_partner_id,
                   sm.picking_id,
                   d.move_id,
                   sm.sale_line_id,
                   sol.order_id AS sale_order_id,
                   d.date,
                   sm.product_id,
                   pp.product_tmpl_id,
                   pt.categ_id,
                   d.lot_id,
                   pt.uom_id AS product_uom_id,
                   d.quantity,
                   COALESCE(r.quantity, 0) AS returned_qty,
                   d.quantity - COALESCE(r.quantity, 0) AS remaining_qty,
                   company.currency_id,
                   price.unit AS price_unit,
                   d.quantity * price.unit AS amount,
                   COALESCE(r.quantity, 0) * price.unit AS returned_amount
              FROM delivered d
              JOIN stock_move sm ON sm.id = d.move_id
              JOIN res_company company ON company.id = sm.company_id
              JOIN product_product pp ON pp.id = sm.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              JOIN uom_uom pu ON pu.id = pt.uom_id
              LEFT JOIN stock_picking sp ON sp.id = sm.picking_id
              LEFT JOIN sale_order_line sol ON sol.id = sm.sale_line_id
              LEFT JOIN sale_order so ON so.id = sol.order_id
              LEFT JOIN uom_uom su ON su.id = sol.product_uom
              LEFT JOIN returned r
                     ON r.move_id = d.move_id
                    AND r.lot_id IS NOT DISTINCT FROM d.lot_id
              CROSS JOIN LATERAL (
                  SELECT COALESCE(
                      sol.price_reduce_taxexcl * su.factor / NULLIF(pu.factor, 0)
                      / COALESCE(NULLIF(so.currency_rate, 0), 1),
                      0
                  ) AS unit
              ) price
            """,
            delivered_lines=asq_delivered_move_lines(period),
            returned_lines=asq_returned_move_lines(returned_moves),
        )
