from odoo import api, fields, models
from odoo.tools import SQL


def half_year_start(date):
    """SQL: the first day of the half-year of the ``date`` expression."""
    return SQL(
        "make_date(EXTRACT(YEAR FROM %(date)s)::int, "
        "CASE WHEN EXTRACT(MONTH FROM %(date)s) <= 6 THEN 1 ELSE 7 END, 1)",
        date=date,
    )


class AsqVendorEvaluationReport(models.Model):
    """Semi-annual comprehensive evaluation of the equipment vendors: the
    confirmed monthly scorecards per vendor and half-year, ranked."""

    _name = "asq.vendor.evaluation.report"
    _description = "Vendor Semi-Annual Evaluation"
    _auto = False
    _order = "period_start desc, rank, vendor_id"

    vendor_id = fields.Many2one("res.partner", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    period_start = fields.Date(string="Half-Year Start", readonly=True)
    period = fields.Char(string="Half-Year", readonly=True)
    average_total = fields.Float(
        string="Average Score", readonly=True, digits=(5, 2), aggregator="avg"
    )
    months_scored = fields.Integer(readonly=True)
    rectification_count = fields.Integer(string="Rectifications", readonly=True)
    rank = fields.Integer(
        readonly=True,
        aggregator="min",
        help="1 = best average score of the half-year in the company.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            WITH scores AS (
                SELECT s.vendor_id,
                       s.company_id,
                       %(score_half_year)s AS period_start,
                       s.total
                  FROM asq_vendor_score s
                 WHERE s.state = 'confirmed'
            ),
            per_vendor AS (
                SELECT vendor_id,
                       company_id,
                       period_start,
                       AVG(total) AS average_total,
                       COUNT(*) AS months_scored
                  FROM scores
                 GROUP BY vendor_id, company_id, period_start
            ),
            notices AS (
                SELECT r.vendor_id,
                       r.company_id,
                       %(notice_half_year)s AS period_start,
                       COUNT(*) AS rectification_count
                  FROM asq_vendor_rectification r
                 GROUP BY 1, 2, 3
            )
            SELECT ROW_NUMBER() OVER (
                       ORDER BY p.company_id, p.period_start, p.vendor_id
                   ) AS id,
                   p.vendor_id,
                   p.company_id,
                   p.period_start,
                   EXTRACT(YEAR FROM p.period_start)::int || '-H' ||
                       CASE WHEN EXTRACT(MONTH FROM p.period_start) = 1
                            THEN '1' ELSE '2' END AS period,
                   p.average_total,
                   p.months_scored,
                   COALESCE(n.rectification_count, 0) AS rectification_count,
                   RANK() OVER (
                       PARTITION BY p.company_id, p.period_start
                       ORDER BY p.average_total DESC
                   ) AS rank
              FROM per_vendor p
              LEFT JOIN notices n
                ON n.vendor_id = p.vendor_id
               AND n.company_id = p.company_id
               AND n.period_start = p.period_start
            """,
            score_half_year=half_year_start(SQL("s.month")),
            notice_half_year=half_year_start(SQL("r.notice_date")),
        )

    @api.model
    def _search(self, domain, *args, **kwargs):
        # The query reads the scorecards and notices: flush their pending
        # writes first (a confirmation in the same transaction counts).
        self.env["asq.vendor.score"].flush_model(
            ["vendor_id", "company_id", "month", "state", "total"]
        )
        self.env["asq.vendor.rectification"].flush_model(
            ["vendor_id", "company_id", "notice_date"]
        )
        return super()._search(domain, *args, **kwargs)
