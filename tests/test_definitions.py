"""One definition each of "delivered to a customer", "returned", "received by
a return receipt" and "customer return ratio": the audit queries (plain SQL)
give the rows the Python definitions give, and the ratio follows the
record's company, not the user's current one."""

from odoo import fields
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.after_sales_quality.models.asq_delivered_line import (
    asq_delivered_move_lines,
    asq_received_by_line,
    asq_returned_move_lines,
)
from odoo.addons.after_sales_quality.tests.audit import audit_queries
from odoo.addons.after_sales_quality.tests.test_return import ReturnCommon


def _audit_sql(env, name, replacements):
    """The audit query ``name`` of tools/audit.sql, with its verdict turned
    into the figures it compares (each replaced text must be there)."""
    [query] = [q for n, _why, q in audit_queries() if n == name]
    for old, new in replacements:
        assert old in query, (name, old)
        query = query.replace(old, new)
    return SQL(query)  # pylint: disable=sql-injection


@tagged("post_install", "-at_install", "asq_return")
class TestDefinitions(ReturnCommon):
    def _rows(self, query):
        self.env.flush_all()
        self.env.cr.execute(query)
        return sorted(
            tuple(round(float(v), 4) if v is not None else None for v in row)
            for row in self.env.cr.fetchall()
        )

    def test_audit_mirrors_the_python_definitions(self):
        # a stock return through Odoo's wizard, and a return request whose
        # receipt brings back part of the delivered lot
        self._return(self.delivery, {self.product_b: 3.0})
        ret = self._create_return(qty=2.0)
        self._approve(ret)
        self._receive(ret)
        self.assertEqual(ret.line_ids.received_qty, 2.0)
        audit_balance = self._rows(
            _audit_sql(
                self.env,
                "returned_beyond_delivered",
                [
                    (
                        "SELECT d.move_id AS id FROM",
                        "SELECT d.move_id, d.qty, r.qty FROM",
                    ),
                    ("WHERE r.qty > d.qty + 0.0001", "WHERE TRUE"),
                ],
            )
        )
        python_balance = self._rows(
            SQL(
                """
                SELECT d.move_id, d.qty, r.qty
                  FROM (SELECT move_id, SUM(quantity) AS qty FROM (%s) x
                         GROUP BY move_id) d
                  JOIN (SELECT move_id, SUM(quantity) AS qty FROM (%s) y
                         GROUP BY move_id) r ON r.move_id = d.move_id
                """,
                asq_delivered_move_lines(),
                asq_returned_move_lines(),
            )
        )
        self.assertTrue(python_balance)
        self.assertEqual(audit_balance, python_balance)
        self.assertIn((self.move.id, 100.0, 2.0), python_balance)

        audit_received = self._rows(
            _audit_sql(
                self.env,
                "return_line_received_mismatch",
                [
                    (
                        "SELECT s.id FROM served s\n WHERE ABS(s.received_qty - "
                        "GREATEST(LEAST(s.quantity, s.left_qty), 0)) > 0.0001",
                        "SELECT s.id, GREATEST(LEAST(s.quantity, s.left_qty), 0) "
                        "FROM served s",
                    ),
                ],
            )
        )
        python_received = self._rows(asq_received_by_line())
        self.assertEqual(audit_received, python_received)
        self.assertIn((ret.line_ids.id, 2.0), python_received)
        # and what the receipts wrote on the line
        stored = {
            line.id: line.received_qty
            for line in self.env["asq.return.line"].search([])
        }
        self.assertEqual(
            {line_id: qty for line_id, qty in python_received},
            {line_id: round(qty, 4) for line_id, qty in stored.items()},
        )

    def test_delivered_line_report_uses_the_definition(self):
        lines = self.env["asq.delivered.line"].search(
            [("picking_id", "=", self.delivery.id)]
        )
        self.assertEqual(sorted(lines.mapped("quantity")), [100.0, 100.0])
        self.assertEqual(
            self._rows(
                SQL(
                    "SELECT move_id, SUM(quantity) FROM (%s) d "
                    "WHERE d.picking_id = %s GROUP BY move_id",
                    asq_delivered_move_lines(),
                    self.delivery.id,
                )
            ),
            sorted((line.move_id.id, line.quantity) for line in lines),
        )


@tagged("post_install", "-at_install", "asq_return")
class TestReturnRatioMultiCompany(ReturnCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create(
            {
                "name": "ASQ Ratio Company B",
                "asq_exchange_ratio_cap": 1.0,
                "asq_return_days": 400,
                "asq_return_period_months": 3,
            }
        )
        cls.warehouse_b = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company_b.id)], limit=1
        )
        cls.env.user.company_ids |= cls.company_b
        # company B delivered 10 at 100 two months ago (inside its 3-month
        # period) and 10 at 100 six months ago (outside it, inside A's 12)
        cls.delivery_b = cls._deliver(
            cls.customer,
            [(cls.product, 10, 100.0, "RATIO-B-1")],
            date=cls._months_ago(2),
            warehouse=cls.warehouse_b,
        )
        cls._deliver(
            cls.customer,
            [(cls.product, 10, 100.0, "RATIO-B-2")],
            date=cls._months_ago(6),
            warehouse=cls.warehouse_b,
        )

    def test_request_of_company_b_reads_company_b(self):
        delivered_b = self.env["asq.delivered.line"].search(
            [("picking_id", "=", self.delivery_b.id)]
        )
        ret = self.env["asq.return"].create(
            {
                "partner_id": self.customer.id,
                "company_id": self.company_b.id,
                "line_ids": [
                    fields.Command.create(
                        {
                            "delivered_line_id": delivered_b.id,
                            "quantity": 1.0,
                            "kind": "unsaleable",
                            "resolution": "exchange",
                            "reason": "Does not sell",
                        }
                    )
                ],
            }
        )
        # computed while the current company is A
        ret = ret.with_company(self.company)
        self.assertEqual(ret.env.company, self.company)
        self.assertEqual(ret.live_delivered_amount, 1000.0)
        self.assertEqual(ret.live_returned_amount, 100.0)
        self.assertAlmostEqual(ret.live_ratio, 10.0)
        self.assertEqual(ret.ratio_cap, 1.0)
        self.assertEqual(ret.return_days_limit, 400)
        self.assertTrue(ret.live_beyond, "10 % of B's goods against B's 1 % cap")
        # the request of company A reads A's period, cap and goods
        ret_a = self._create_return(qty=2.0)
        self.assertEqual(
            ret_a.with_company(self.company_b).live_delivered_amount, 11000.0
        )
        self.assertEqual(ret_a.with_company(self.company_b).ratio_cap, 5.0)
        # the same figures as the ratio report's row of company B
        figures = self.customer._asq_return_ratio(self.company_b)
        self.assertEqual(figures[self.customer.id][:2], (1000.0, 0.0))

    def test_ratio_report_reads_each_company_period(self):
        Report = self.env["asq.return.ratio.report"].with_context(
            allowed_company_ids=(self.company | self.company_b).ids
        )
        rows = Report.search([("partner_id", "=", self.customer.id)])
        by_company = {row.company_id: row for row in rows}
        self.assertEqual(by_company[self.company_b].delivered_amount, 1000.0)
        self.assertEqual(by_company[self.company].delivered_amount, 11000.0)
        today = fields.Date.context_today(Report)
        self.assertEqual((today - by_company[self.company_b].date_from).days // 28, 3)
