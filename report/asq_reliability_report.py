from odoo import api, fields, models
from odoo.tools import SQL

from ..models.asq_delivered_line import asq_delivered_move_lines

# Complaint categories that are failures of the product in use (a late
# delivery or a missing document is no field failure).
FAILURE_CATEGORIES = ("quality", "tolerance")
# Warranty verdicts that are no failure of ours.
NOT_A_FAILURE = ("not_ours", "no_trouble")
# The curve stops after 20 years in service.
MAX_MONTHS = 240
# Failures and units are counted per 1,000 delivered (R/1000, the warranty
# curve's usual scale).
PER = 1000.0


def asq_months_between(later, earlier):
    """Whole months from ``earlier`` to ``later`` (SQL), never negative."""
    return SQL(
        "GREATEST((EXTRACT(YEAR FROM age(%(l)s, %(e)s)) * 12"
        " + EXTRACT(MONTH FROM age(%(l)s, %(e)s)))::int, 0)",
        l=later,
        e=earlier,
    )


class AsqReliabilityReport(models.Model):
    """Field reliability (002 §6.5.2 「建立产品使用时期(包括保修期及整个使用
    寿命期内)产品监视和早期报警系统」): the failures customers report
    (complaints about product quality, warranty claims) per delivered
    quantity, by months in service: the warranty curve.

    One row per delivery cohort (company, product, lot, customer, month of
    delivery) and month in service, from month 0 up to the cohort's age
    today. A failure is placed in the cohort of the goods it came from (the
    complaint line's delivery; the warranty claim's delivery, else its lot's
    delivery, else the customer's latest delivery of the product before the
    claim, else anyone's) and in the month of service between that delivery
    and the complaint's receipt or the claim's date.

    ``delivered_qty`` sits on the month-0 row only (so a total counts each
    delivery once); ``in_service_qty`` is the cohort's quantity on every
    month it has reached (the units at risk that month).
    """

    _name = "asq.reliability.report"
    # groups named in one query (models/asq_orm_speed.py)
    _inherit = ["asq.read.group.names"]
    _description = "Field Reliability"
    _auto = False
    _order = "delivery_month desc, product_id, months_in_service"
    _rec_name = "product_id"
    _depends = {
        "asq.complaint": [
            "state",
            "feedback_type",
            "received_date",
            "category",
            "validity",
            "counts_as_complaint",
        ],
        "asq.complaint.line": ["complaint_id", "move_id", "lot_id", "quantity"],
        "asq.return.line": [
            "move_id",
            "lot_id",
            "qc_result",
            "qc_date",
            "received_qty",
        ],
        "asq.warranty.claim": [
            "state",
            "verdict",
            "claim_date",
            "product_id",
            "lot_id",
            "move_id",
            "quantity",
            "company_id",
            "complaint_id",
            "commercial_partner_id",
        ],
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
            "product_id",
            "company_id",
            "partner_id",
            "origin_returned_move_id",
        ],
        "stock.picking": ["partner_id", "asq_return_role"],
        "product.product": ["product_tmpl_id"],
        "product.template": ["categ_id"],
    }

    company_id = fields.Many2one("res.company", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    product_tmpl_id = fields.Many2one(
        "product.template", string="Product Template", readonly=True
    )
    categ_id = fields.Many2one(
        "product.category", string="Product Category", readonly=True
    )
    lot_id = fields.Many2one("stock.lot", string="Lot/Serial Number", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    delivery_month = fields.Date(
        readonly=True, help="The month the goods of the cohort were delivered."
    )
    months_in_service = fields.Integer(
        string="Months in Service",
        readonly=True,
        aggregator=None,
        help="Whole months between the delivery and the failure (0: the "
        "month after delivery).",
    )
    delivered_qty = fields.Float(
        string="Delivered Quantity",
        digits="Product Unit of Measure",
        readonly=True,
        help="Delivered quantity of the cohort (counted once, on its month 0).",
    )
    in_service_qty = fields.Float(
        string="Units in Service",
        digits="Product Unit of Measure",
        readonly=True,
        help="Delivered quantity of the cohorts that have reached this month "
        "in service, less what came back from the customer (a received "
        "return of the delivery) before this month in service.",
    )
    failures = fields.Float(
        digits="Product Unit of Measure",
        readonly=True,
        help="Quantity that failed in this month in service: the affected "
        "quantity of quality complaints and the quantity of warranty claims "
        "(neither cancelled, judged not valid nor found not our fault); a "
        "claim linked to a complaint counted here is counted once, as the "
        "complaint's line.",
    )
    cumulative_failures = fields.Float(
        digits="Product Unit of Measure",
        readonly=True,
        help="Failures of the cohort up to and including this month in service.",
    )
    failure_rate = fields.Float(
        string="Failure Rate (per 1,000)",
        digits=(16, 2),
        readonly=True,
        aggregator="avg",
        help="Failures per 1,000 units in service in the month. Without a "
        "grouping by months in service: per 1,000 unit-months in service.",
    )
    cumulative_rate = fields.Float(
        string="Cumulative Failure Rate (per 1,000)",
        digits=(16, 2),
        readonly=True,
        aggregator="avg",
        help="The warranty curve: failures up to this month in service per "
        "1,000 units that have reached it. Without a grouping by months in "
        "service: all failures per 1,000 delivered.",
    )

    @api.model
    def read_group(
        self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True
    ):
        """The rates are quotients of the group's totals (summed by
        PostgreSQL), never averages of the rows' rates."""
        rates = {"failure_rate", "cumulative_rate"}
        wanted = [spec.split(":")[0] for spec in fields if spec.split(":")[0] in rates]
        if not wanted:
            return super().read_group(
                domain, fields, groupby, offset, limit, orderby, lazy
            )
        fields = [spec for spec in fields if spec.split(":")[0] not in rates]
        fields = list(
            dict.fromkeys(
                [
                    *fields,
                    "failures",
                    "cumulative_failures",
                    "in_service_qty",
                    "delivered_qty",
                ]
            )
        )
        if orderby and orderby.split()[0] in rates:
            orderby = False
        groups = super().read_group(
            domain, fields, groupby, offset, limit, orderby, lazy
        )
        groupby = [groupby] if isinstance(groupby, str) else list(groupby or [])
        used = groupby[:1] if lazy else groupby
        by_month = any(spec.split(":")[0] == "months_in_service" for spec in used)
        for group in groups:
            group.update(self._asq_rates(group, by_month))
        return groups

    @api.model
    def _asq_rates(self, totals, by_month):
        """The rates of a group from its totals (dict of summed measures)."""

        def rate(numerator, denominator):
            total = totals.get(denominator) or 0
            return (totals.get(numerator) or 0) * PER / total if total else 0.0

        if by_month:
            cumulative = rate("cumulative_failures", "in_service_qty")
        else:
            cumulative = rate("failures", "delivered_qty")
        return {
            "failure_rate": rate("failures", "in_service_qty"),
            "cumulative_rate": cumulative,
        }

    @property
    def _table_query(self):
        return self._asq_reliability_query()

    @api.model
    def _asq_reliability_query(self, product_ids=None):
        """The report's rows, of ``product_ids`` only when given (the daily
        check reads a batch of products in one query)."""
        products = tuple(product_ids or ())
        delivered_cond = SQL("AND sm.product_id IN %s", products) if products else SQL()
        line_cond = SQL("AND l.product_id IN %s", products) if products else SQL()
        claim_cond = SQL("AND w.product_id IN %s", products) if products else SQL()
        return SQL(
            """
            WITH delivered AS (
                SELECT MIN(dl.id) AS id, dl.company_id, dl.product_id,
                       dl.move_id, dl.lot_id, dl.partner_id,
                       SUM(dl.quantity) AS quantity, MAX(dl.date) AS date
                  FROM (%(delivered_lines)s) dl
              GROUP BY dl.company_id, dl.product_id, dl.move_id, dl.lot_id,
                       dl.partner_id
            ), cohort AS (
                SELECT MIN(d.id) AS id, d.company_id, d.product_id, d.lot_id,
                       d.partner_id,
                       date_trunc('month', d.date) AS month,
                       MIN(d.date) AS first_date,
                       SUM(d.quantity) AS quantity
                  FROM delivered d
              GROUP BY d.company_id, d.product_id, d.lot_id, d.partner_id,
                       date_trunc('month', d.date)
            ), failure AS (
                SELECT d.company_id, d.product_id, d.lot_id, d.partner_id,
                       date_trunc('month', d.date) AS month,
                       %(complaint_months)s AS months,
                       l.quantity
                  FROM asq_complaint_line l
                  JOIN asq_complaint c ON c.id = l.complaint_id
                  JOIN delivered d
                    ON d.move_id = l.move_id
                   AND d.lot_id IS NOT DISTINCT FROM l.lot_id
                 WHERE c.feedback_type = 'complaint'
                   AND c.state NOT IN ('draft', 'cancel')
                   AND c.counts_as_complaint
                   AND c.validity IS DISTINCT FROM 'invalid'
                   AND (c.category IS NULL OR c.category IN %(categories)s)
                   %(line_cond)s
             UNION ALL
                SELECT d.company_id, d.product_id, d.lot_id, d.partner_id,
                       date_trunc('month', d.date) AS month,
                       %(claim_months)s AS months,
                       w.quantity
                  FROM asq_warranty_claim w
                  CROSS JOIN LATERAL (
                      SELECT wd.move_id, wd.lot_id
                        FROM (%(claim_lines)s) wd
                       WHERE (w.move_id IS NULL OR wd.move_id = w.move_id)
                         AND (w.lot_id IS NULL OR wd.lot_id = w.lot_id)
                         AND (w.move_id IS NOT NULL
                              OR wd.date < w.claim_date + 1)
                    ORDER BY wd.partner_id = w.commercial_partner_id DESC,
                             wd.date DESC, wd.id DESC
                       LIMIT 1
                  ) src
                  JOIN delivered d
                    ON d.move_id = src.move_id
                   AND d.lot_id IS NOT DISTINCT FROM src.lot_id
                 WHERE w.state <> 'cancel'
                   -- the same parts reported as a complaint counted there
                   AND NOT EXISTS (
                       SELECT 1
                         FROM asq_complaint wc
                         JOIN asq_complaint_line wl ON wl.complaint_id = wc.id
                        WHERE wc.id = w.complaint_id
                          AND wl.product_id = w.product_id
                          AND wc.feedback_type = 'complaint'
                          AND wc.state NOT IN ('draft', 'cancel')
                          AND wc.counts_as_complaint
                          AND wc.validity IS DISTINCT FROM 'invalid'
                          AND (wc.category IS NULL
                               OR wc.category IN %(categories)s)
                   )
                   AND w.verdict IS DISTINCT FROM %(not_ours)s
                   AND w.verdict IS DISTINCT FROM %(no_trouble)s
                   %(claim_cond)s
            ), failed AS (
                SELECT f.company_id, f.product_id, f.lot_id, f.partner_id,
                       f.month, f.months, SUM(f.quantity) AS quantity
                  FROM failure f
              GROUP BY f.company_id, f.product_id, f.lot_id, f.partner_id,
                       f.month, f.months
            ), returned AS (
                -- goods back from the customer (a received return of the
                -- delivery) are out of service from the next month in
                -- service; what QC rejected went back to the customer (001:
                -- 「如因客戶原因造成的損壞,可拒收並書面說明」) and is in
                -- service again from its QC date
                SELECT d.company_id, d.product_id, d.lot_id, d.partner_id,
                       date_trunc('month', d.date) AS month,
                       %(return_months)s AS months,
                       SUM(rt.quantity) AS quantity
                  FROM (
                      SELECT rm.origin_returned_move_id AS move_id,
                             rml.lot_id, rml.date,
                             rml.quantity_product_uom AS quantity
                        FROM stock_move rm
                        JOIN stock_move_line rml ON rml.move_id = rm.id
                        JOIN stock_location rsrc ON rsrc.id = rml.location_id
                        JOIN stock_location rdst
                          ON rdst.id = rml.location_dest_id
                       WHERE rm.origin_returned_move_id IS NOT NULL
                         AND rml.state = 'done'
                         AND rsrc.usage = 'customer'
                         AND rdst.usage <> 'customer'
                   UNION ALL
                      SELECT rj.move_id, rj.lot_id, rj.qc_date::timestamp,
                             -rj.received_qty
                        FROM asq_return_line rj
                       WHERE rj.qc_result = 'reject'
                         AND rj.qc_date IS NOT NULL
                         AND rj.received_qty > 0
                  ) rt
                  JOIN delivered d
                    ON d.move_id = rt.move_id
                   AND d.lot_id IS NOT DISTINCT FROM rt.lot_id
              GROUP BY d.company_id, d.product_id, d.lot_id, d.partner_id,
                       date_trunc('month', d.date), %(return_months)s
            ), bucket AS (
                SELECT co.*, m.m
                  FROM cohort co
                  LEFT JOIN (
                      SELECT company_id, product_id, lot_id, partner_id, month,
                             MAX(months) AS last
                        FROM failed
                    GROUP BY company_id, product_id, lot_id, partner_id, month
                  ) fl
                    ON fl.company_id = co.company_id
                   AND fl.product_id = co.product_id
                   AND fl.lot_id IS NOT DISTINCT FROM co.lot_id
                   AND fl.partner_id IS NOT DISTINCT FROM co.partner_id
                   AND fl.month = co.month
                 CROSS JOIN LATERAL generate_series(
                     0,
                     LEAST(%(max_months)s,
                           GREATEST(%(age)s, COALESCE(fl.last, 0)))
                 ) m(m)
            )
            SELECT b.id::bigint * %(width)s + b.m AS id,
                   b.company_id,
                   b.product_id,
                   pp.product_tmpl_id,
                   pt.categ_id,
                   b.lot_id,
                   b.partner_id,
                   b.month::date AS delivery_month,
                   b.m AS months_in_service,
                   CASE WHEN b.m = 0 THEN b.quantity ELSE 0 END AS delivered_qty,
                   GREATEST(b.quantity - COALESCE(SUM(r.quantity) OVER (
                       PARTITION BY b.id ORDER BY b.m
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                   ), 0), 0) AS in_service_qty,
                   COALESCE(f.quantity, 0) AS failures,
                   SUM(COALESCE(f.quantity, 0))
                       OVER (PARTITION BY b.id ORDER BY b.m) AS cumulative_failures,
                   0.0 AS failure_rate,
                   0.0 AS cumulative_rate
              FROM bucket b
              JOIN product_product pp ON pp.id = b.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              LEFT JOIN failed f
                ON f.company_id = b.company_id
               AND f.product_id = b.product_id
               AND f.lot_id IS NOT DISTINCT FROM b.lot_id
               AND f.partner_id IS NOT DISTINCT FROM b.partner_id
               AND f.month = b.month
               AND f.months = b.m
              LEFT JOIN returned r
                ON r.company_id = b.company_id
               AND r.product_id = b.product_id
               AND r.lot_id IS NOT DISTINCT FROM b.lot_id
               AND r.partner_id IS NOT DISTINCT FROM b.partner_id
               AND r.month = b.month
               AND r.months = b.m
            """,
            delivered_lines=asq_delivered_move_lines(delivered_cond),
            claim_lines=asq_delivered_move_lines(
                SQL(
                    "AND sml.product_id = w.product_id"
                    " AND sm.company_id = w.company_id"
                )
            ),
            complaint_months=asq_months_between(SQL("c.received_date"), SQL("d.date")),
            claim_months=asq_months_between(
                SQL("w.claim_date::timestamp"), SQL("d.date")
            ),
            return_months=asq_months_between(SQL("rt.date"), SQL("d.date")),
            age=asq_months_between(
                SQL("(NOW() AT TIME ZONE 'UTC')"), SQL("co.first_date")
            ),
            categories=FAILURE_CATEGORIES,
            not_ours=NOT_A_FAILURE[0],
            no_trouble=NOT_A_FAILURE[1],
            max_months=MAX_MONTHS,
            width=MAX_MONTHS + 16,
            line_cond=line_cond,
            claim_cond=claim_cond,
        )
