from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..models.asq_delivered_line import (
    AsqDeliveredLine,
    asq_by_company,
    asq_request_line_figures,
)
from .asq_xlsx import asq_day_start

CUSTOMER_CLASSES = [("a", "A"), ("b", "B"), ("c", "C")]
CREDIT_LEVELS = [("1", "I"), ("2", "II"), ("3", "III")]
LOCALITIES = [("local", "Local"), ("remote", "Remote")]


def _rate(string, help_text):
    """A rate column: grouped, the quotient of the group's totals
    (``asq.report.ratio.mixin``)."""
    return fields.Float(
        string=string,
        digits=(16, 2),
        readonly=True,
        aggregator="avg",
        help=help_text,
    )


class AsqReturnRatioReport(models.Model):
    """Finance's exchange-ratio watch (001: the finance head tracks each
    customer's exchange ratio against company policy and alerts management).

    One row per customer and company for a period: what was delivered in
    the period, how much of it came back or is asked for in open requests,
    and the contractual cap. 001: 「所調換貨占總進貨的比例」 for
    「不適銷產品的調換比例」: the cap governs the unsaleable exchange ratio;
    the total return ratio (quality returns included) stands beside it. The
    period comes from the context (``asq_date_from``, ``asq_date_to``,
    dates, both included); without it, each company's contract period up to
    today, the window the finance check of a return request uses.
    """

    _name = "asq.return.ratio.report"
    _inherit = ["asq.report.ratio.mixin"]
    _description = "Return Ratio by Customer"
    _auto = False
    _order = "amount_ratio desc, partner_id"
    _rec_name = "partner_id"
    _depends = {
        **AsqDeliveredLine._depends,
        "asq.return.line": [
            "move_id",
            "lot_id",
            "kind",
            "quantity",
            "price_unit",
            "delivery_date",
            "received_qty",
            "qc_result",
            "qc_date",
        ],
        "asq.return": ["state", "partner_id", "company_id"],
    }
    _asq_ratios = {
        "qty_ratio": ("returned_qty", "delivered_qty", 100.0, ()),
        "amount_ratio": ("return_total_amount", "delivered_amount", 100.0, ()),
        "exchange_ratio": ("exchange_amount", "delivered_amount", 100.0, ()),
    }

    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    customer_class = fields.Selection(CUSTOMER_CLASSES, readonly=True)
    credit_level = fields.Selection(CREDIT_LEVELS, readonly=True)
    locality = fields.Selection(LOCALITIES, readonly=True)
    date_from = fields.Date(string="Period From", readonly=True, aggregator=None)
    date_to = fields.Date(string="Period To", readonly=True, aggregator=None)
    delivery_count = fields.Integer(string="Deliveries", readonly=True)
    delivered_qty = fields.Float(
        string="Delivered Quantity", digits="Product Unit of Measure", readonly=True
    )
    returned_qty = fields.Float(
        string="Returned Quantity", digits="Product Unit of Measure", readonly=True
    )
    qty_ratio = _rate(
        "Quantity Return Ratio (%)",
        "Returned quantity ÷ delivered quantity, of the goods delivered "
        "in the period. Grouped, the ratio of the group's totals.",
    )
    currency_id = fields.Many2one("res.currency", readonly=True)
    delivered_amount = fields.Monetary(readonly=True)
    returned_amount = fields.Monetary(readonly=True)
    committed_amount = fields.Monetary(
        string="Requested, Not Back Yet",
        readonly=True,
        help="What open return requests still ask for of the goods delivered "
        "in the period.",
    )
    return_total_amount = fields.Monetary(
        string="Returned incl. Open Requests", readonly=True
    )
    exchange_amount = fields.Monetary(
        string="Unsaleable Exchanged incl. Open Requests", readonly=True
    )
    amount_ratio = _rate(
        "Total Return Ratio (%)",
        "Every return (quality returns included) and what open requests "
        "still ask for ÷ delivered amount, of the goods delivered in the "
        "period, in company currency net of discount and tax. Goods QC "
        "rejected and sent back are not returned. Grouped, the ratio of the "
        "group's totals.",
    )
    exchange_ratio = _rate(
        "Unsaleable Exchange Ratio (%)",
        "Returns but the quality returns of requests, and unsaleable "
        "goods asked for in open requests ÷ delivered amount: the ratio the "
        "contract caps and the finance check compares with the cap. Grouped, "
        "the ratio of the group's totals.",
    )
    ratio_cap = fields.Float(
        string="Ratio Cap (%)",
        digits=(16, 2),
        readonly=True,
        aggregator="max",
        help="The contract's exchange-ratio cap, or the company default.",
    )
    over_cap = fields.Boolean(
        string="Over the Cap",
        readonly=True,
        help="The unsaleable exchange ratio is above the cap.",
    )

    @api.model
    def _asq_context_date(self, key):
        """The period's date the wizard put in the context, or None; what a
        caller may put there instead (not a date) is refused in words."""
        value = self.env.context.get(key)
        try:
            return fields.Date.to_date(value) if value else None
        except (TypeError, ValueError) as error:
            raise UserError(
                self.env._("%(value)s is not a date.", value=str(value)[:40])
            ) from error

    @api.model
    def _asq_period(self):
        """(date_from, date_to) of the report, dates, both included; without
        a start in the context, the current company's contract period."""
        starts, date_to = self._asq_period_by_company()
        return starts[self.env.company.id], date_to

    @api.model
    def _asq_period_by_company(self):
        """({company id: date_from}, date_to): the period the wizard put in
        the context, else each company's contract period up to today
        (``res.partner._asq_return_period_start``, as the finance check of
        a return request reads it), for the current companies."""
        date_to = self._asq_context_date("asq_date_to") or (
            fields.Date.context_today(self)
        )
        date_from = self._asq_context_date("asq_date_from")
        Partner = self.env["res.partner"]
        starts = {
            company.id: date_from or Partner._asq_return_period_start(company, date_to)
            for company in self.env.companies | self.env.company
        }
        if date_from and date_from > date_to:
            raise UserError(
                self.env._(
                    "The period of the return ratio report ends before it starts."
                )
            )
        return starts, date_to

    @property
    def _table_query(self):
        starts, date_to = self._asq_period_by_company()
        default = starts[self.env.company.id]
        # the period's days are the context's (the user's, the statistics
        # pack's company's), as the complaint ledger's: not UTC days
        start_of = {
            company_id: asq_day_start(self.env, start)
            for company_id, start in {**starts, None: default}.items()
        }
        end = asq_day_start(self.env, date_to + relativedelta(days=1))
        delivered = self.env["asq.delivered.line"]._asq_delivered_query(start_of, end)
        date_from = SQL("%s::date", default)
        if len(set(starts.values())) > 1:
            date_from = SQL(
                "(%s)::date",
                asq_by_company(SQL("d.company_id"), {**starts, None: default}),
            )
        requested = SQL(
            """
            SELECT f.company_id, f.partner_id,
                   SUM(f.outstanding_qty * f.price_unit) AS committed,
                   SUM(f.outstanding_qty * f.price_unit)
                       FILTER (WHERE f.kind = 'unsaleable') AS committed_exchange,
                   SUM(f.returned_qty * f.price_unit)
                       FILTER (WHERE f.kind = 'quality') AS quality
              FROM (%(lines)s) f
             WHERE f.delivery_date >= %(start)s AND f.delivery_date < %(end)s
          GROUP BY f.company_id, f.partner_id
            """,
            lines=asq_request_line_figures(),
            start=asq_by_company(SQL("f.company_id"), start_of),
            end=end,
        )
        return SQL(
            """
            SELECT t.*,
                   t.returned_amount + t.committed_amount AS return_total_amount,
                   COALESCE(t.returned_qty * 100.0
                            / NULLIF(t.delivered_qty, 0), 0) AS qty_ratio,
                   COALESCE((t.returned_amount + t.committed_amount) * 100.0
                            / NULLIF(t.delivered_amount, 0), 0) AS amount_ratio,
                   COALESCE(t.exchange_amount * 100.0
                            / NULLIF(t.delivered_amount, 0), 0) AS exchange_ratio,
                   COALESCE(t.exchange_amount * 100.0
                            / NULLIF(t.delivered_amount, 0), 0)
                       > t.ratio_cap AS over_cap
              FROM (
                SELECT MIN(d.id) AS id,
                       d.company_id,
                       d.partner_id,
                       p.user_id,
                       p.asq_customer_class AS customer_class,
                       p.asq_credit_level AS credit_level,
                       p.asq_locality AS locality,
                       %(date_from)s AS date_from,
                       %(date_to)s::date AS date_to,
                       COUNT(DISTINCT d.picking_id) AS delivery_count,
                       SUM(d.quantity) AS delivered_qty,
                       SUM(d.returned_qty) AS returned_qty,
                       c.currency_id,
                       SUM(d.amount) AS delivered_amount,
                       SUM(d.returned_amount) AS returned_amount,
                       COALESCE(MAX(q.committed), 0) AS committed_amount,
                       GREATEST(SUM(d.returned_amount)
                                - COALESCE(MAX(q.quality), 0), 0)
                           + COALESCE(MAX(q.committed_exchange), 0)
                           AS exchange_amount,
                       CASE WHEN p.asq_custom_terms
                            THEN p.asq_exchange_ratio_cap
                            ELSE c.asq_exchange_ratio_cap END AS ratio_cap
                  FROM (%(delivered)s) d
                  JOIN res_partner p ON p.id = d.partner_id
                  JOIN res_company c ON c.id = d.company_id
             LEFT JOIN (%(requested)s) q
                    ON q.company_id = d.company_id AND q.partner_id = d.partner_id
                 GROUP BY d.company_id, d.partner_id, p.id, c.id
              ) t
            """,
            date_from=date_from,
            date_to=date_to,
            delivered=delivered,
            requested=requested,
        )

    def action_view_returned_lines(self):
        """Drill-down: the customer's returned goods of the period."""
        self.ensure_one()
        date_from, date_to = self.date_from, self.date_to
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_quality.asq_delivered_line_action"
        )
        action.update(
            name=self.env._(
                "Returned Goods of %(customer)s", customer=self.partner_id.display_name
            ),
            domain=[
                ("partner_id", "=", self.partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("returned_qty", ">", 0),
                ("date", ">=", asq_day_start(self.env, date_from)),
                ("date", "<", asq_day_start(self.env, date_to + relativedelta(days=1))),
            ],
            context={},
        )
        return action
