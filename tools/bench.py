"""Benchmarks against hand-written SQL, measured in the same run.

Usage (through the harness: ``make bench``):
    PYTHONPATH=$ODOO_PATH python tools/bench.py ODOO_CONF DATABASE [ROWS]

Builds ROWS done deliveries (default 100,000) for one customer by bulk SQL
copies of one real delivery made through the ORM, then times, 5 runs each,
the finance check of a return request (the customer's return ratio over the
contract period: one grouped read on the goods delivered) against the same
figure computed by a hand-written SQL query. Prints one table: operation,
rows, median seconds, SQL median, ratio, ORM queries. Seconds are never
asserted: the machine is shared, compare the ratio.
"""

import statistics
import sys
import time

from dateutil.relativedelta import relativedelta

import odoo
from odoo import Command, api, fields, sql_db
from odoo.tools import SQL

RUNS = 5

HAND_WRITTEN = """
    WITH delivered AS (
        SELECT sml.move_id, sml.lot_id,
               SUM(sml.quantity_product_uom) AS qty, MAX(sml.date) AS date
          FROM stock_move_line sml
          JOIN stock_move sm ON sm.id = sml.move_id
          JOIN stock_picking sp ON sp.id = sm.picking_id
          JOIN res_partner rp ON rp.id = sp.partner_id
          JOIN stock_location dst ON dst.id = sml.location_dest_id
         WHERE sml.state = 'done' AND dst.usage = 'customer'
           AND rp.commercial_partner_id = %(partner)s
      GROUP BY sml.move_id, sml.lot_id
    ), returned AS (
        SELECT rm.origin_returned_move_id AS move_id, rml.lot_id,
               SUM(rml.quantity_product_uom) AS qty
          FROM stock_move rm
          JOIN stock_move_line rml ON rml.move_id = rm.id
         WHERE rm.origin_returned_move_id IN (SELECT move_id FROM delivered)
           AND rml.state = 'done'
      GROUP BY 1, 2
    )
    SELECT SUM(d.qty * sol.price_reduce_taxexcl),
           SUM(COALESCE(r.qty, 0) * sol.price_reduce_taxexcl)
      FROM delivered d
      JOIN stock_move sm ON sm.id = d.move_id
      JOIN sale_order_line sol ON sol.id = sm.sale_line_id
      LEFT JOIN returned r ON r.move_id = d.move_id
                          AND r.lot_id IS NOT DISTINCT FROM d.lot_id
     WHERE d.date >= %(date_from)s
"""


def _median(func):
    timings = []
    for _run in range(RUNS):
        start = time.perf_counter()
        result = func()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), result


def _copy_rows(cr, table, overrides):
    cr.execute(
        """SELECT column_name FROM information_schema.columns
            WHERE table_name = %s AND column_name <> 'id'""",
        [table],
    )
    columns = [row[0] for row in cr.fetchall()]
    select = [overrides.get(col, f"t.{col}") for col in columns]
    return columns, select


def build(env, rows):
    """One real delivery, then ``rows`` copies of its move and move line."""
    cr = env.cr
    company = env.company
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", company.id)], limit=1
    )
    customer = env["res.partner"].create(
        {"name": "Bench Customer", "is_company": True, "customer_rank": 1}
    )
    product = env["product.product"].create(
        {"name": "Bench Meter", "type": "consu", "is_storable": True}
    )
    env["stock.quant"]._update_available_quantity(
        product, warehouse.lot_stock_id, rows * 10 + 10
    )
    order = env["sale.order"].create(
        {
            "partner_id": customer.id,
            "warehouse_id": warehouse.id,
            "order_line": [
                Command.create(
                    {"product_id": product.id, "product_uom_qty": 10, "price_unit": 5}
                )
            ],
        }
    )
    order.action_confirm()
    picking = order.picking_ids
    picking.move_ids.quantity = 10
    picking.move_ids.picked = True
    picking.button_validate()
    env.flush_all()
    move = picking.move_ids
    line = move.move_line_ids
    cols, select = _copy_rows(
        cr, "stock_move", {"date": "now() - (g %% 700) * interval '1 day'"}
    )
    lcols, lselect = _copy_rows(
        cr, "stock_move_line", {"move_id": "nm.id", "date": "nm.date"}
    )
    cr.execute(
        f"""
        WITH new_moves AS (
            INSERT INTO stock_move ({", ".join(cols)})
            SELECT {", ".join(select)}
              FROM stock_move t, generate_series(1, %(rows)s) g
             WHERE t.id = %(move)s
         RETURNING id, date
        )
        INSERT INTO stock_move_line ({", ".join(lcols)})
        SELECT {", ".join(lselect)}
          FROM stock_move_line t, new_moves nm
         WHERE t.id = %(line)s
        """,
        {"rows": rows - 1, "move": move.id, "line": line.id},
    )
    cr.execute("ANALYZE stock_move; ANALYZE stock_move_line")
    request = env["asq.return"].create(
        {
            "partner_id": customer.id,
            "line_ids": [
                Command.create(
                    {
                        "delivered_line_id": env["asq.delivered.line"]
                        .search([("move_id", "=", move.id)])
                        .id,
                        "quantity": 1,
                        "kind": "unsaleable",
                        "reason": "bench",
                    }
                )
            ],
        }
    )
    env.flush_all()
    return customer, request


def finance_check(env, customer, request):
    months = env.company.asq_return_period_months
    date_from = fields.Datetime.now() - relativedelta(months=months)

    def orm():
        env.invalidate_all()
        before = sql_db.sql_counter
        ratio = request.live_ratio
        return ratio, request.live_delivered_amount, sql_db.sql_counter - before

    def hand_written():
        env.cr.execute(HAND_WRITTEN, {"partner": customer.id, "date_from": date_from})
        return env.cr.fetchone()

    orm_time, (ratio, delivered, queries) = _median(orm)
    sql_time, (sql_delivered, _sql_returned) = _median(hand_written)
    assert abs(delivered - float(sql_delivered or 0)) < 0.01, (delivered, sql_delivered)
    return orm_time, sql_time, queries, delivered


RATIO_HAND_WRITTEN = """
    WITH delivered AS (
        SELECT sml.move_id, sml.lot_id,
               COALESCE(rp.commercial_partner_id, rp.id) AS partner_id,
               SUM(sml.quantity_product_uom) AS qty
          FROM stock_move_line sml
          JOIN stock_location src ON src.id = sml.location_id
          JOIN stock_location dst ON dst.id = sml.location_dest_id
          JOIN stock_move sm ON sm.id = sml.move_id
          JOIN stock_picking sp ON sp.id = sm.picking_id
          JOIN res_partner rp ON rp.id = sp.partner_id
         WHERE sml.state = 'done' AND dst.usage = 'customer'
           AND src.usage <> 'customer'
           AND sml.date >= %(date_from)s AND sml.date < %(date_to)s
      GROUP BY 1, 2, 3
    ), returned AS (
        SELECT rm.origin_returned_move_id AS move_id, rml.lot_id,
               SUM(rml.quantity_product_uom) AS qty
          FROM stock_move rm
          JOIN stock_move_line rml ON rml.move_id = rm.id
         WHERE rm.origin_returned_move_id IS NOT NULL AND rml.state = 'done'
      GROUP BY 1, 2
    )
    SELECT d.partner_id,
           SUM(d.qty), SUM(COALESCE(r.qty, 0)),
           SUM(d.qty * sol.price_reduce_taxexcl),
           SUM(COALESCE(r.qty, 0) * sol.price_reduce_taxexcl)
      FROM delivered d
      JOIN stock_move sm ON sm.id = d.move_id
      LEFT JOIN sale_order_line sol ON sol.id = sm.sale_line_id
      LEFT JOIN returned r ON r.move_id = d.move_id
                          AND r.lot_id IS NOT DISTINCT FROM d.lot_id
  GROUP BY d.partner_id
"""


def spread_over_customers(env, customer, customers):
    """``customers`` - 1 copies of ``customer`` and of its delivery, then the
    copied moves (and their lines) dealt out over those deliveries."""
    cr = env.cr
    picking = env["stock.picking"].search([("partner_id", "=", customer.id)], limit=1)
    pcols, pselect = _copy_rows(
        cr,
        "res_partner",
        {"name": "t.name || ' ' || g", "complete_name": "t.name || ' ' || g"},
    )
    cr.execute(
        f"""
        INSERT INTO res_partner ({", ".join(pcols)})
        SELECT {", ".join(pselect)}
          FROM res_partner t, generate_series(1, %(n)s) g
         WHERE t.id = %(partner)s
        """,
        {"n": customers - 1, "partner": customer.id},
    )
    # (a separate statement: rows a WITH inserts are invisible to its UPDATE)
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id "
        "WHERE name LIKE 'Bench Customer %%'"
    )
    kcols, kselect = _copy_rows(
        cr,
        "stock_picking",
        {"partner_id": "p.id", "name": "t.name || '-' || p.id"},
    )
    cr.execute(
        f"""
        INSERT INTO stock_picking ({", ".join(kcols)})
        SELECT {", ".join(kselect)}
          FROM stock_picking t, res_partner p
         WHERE t.id = %(picking)s AND p.name LIKE 'Bench Customer %%'
        """,
        {"picking": picking.id},
    )
    # deal the moves out over the deliveries, round robin
    cr.execute(
        """
        WITH pickings AS (
            SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS n
              FROM stock_picking
             WHERE partner_id IN (
                   SELECT id FROM res_partner WHERE name LIKE 'Bench Customer%%')
        ), moves AS (
            SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS n
              FROM stock_move WHERE picking_id = %(picking)s
        ), dealt AS (
            SELECT m.id AS move_id, p.id AS picking_id
              FROM moves m
              JOIN pickings p ON p.n = m.n %% %(customers)s
        ), upd AS (
            UPDATE stock_move sm SET picking_id = d.picking_id
              FROM dealt d WHERE d.move_id = sm.id
        )
        UPDATE stock_move_line sml SET picking_id = d.picking_id
          FROM dealt d WHERE d.move_id = sml.move_id
        """,
        {"picking": picking.id, "customers": customers},
    )
    cr.execute("ANALYZE")


def ratio_report(env, customers):
    """The finance report's grouped read by customer (what its list, pivot
    and graph ask) against the same GROUP BY by hand."""
    Report = env["asq.return.ratio.report"]
    date_from, date_to = Report._asq_period()
    bench_partners = env["res.partner"].search([("name", "=like", "Bench Customer%")])

    def orm():
        env.invalidate_all()
        env.registry.clear_cache()
        before = sql_db.sql_counter
        groups = Report.read_group(
            [],
            ["delivered_amount", "returned_amount", "amount_ratio"],
            ["partner_id"],
            lazy=False,
        )
        return groups, sql_db.sql_counter - before

    def hand_written():
        env.cr.execute(
            RATIO_HAND_WRITTEN,
            {
                "date_from": fields.Datetime.to_datetime(date_from),
                "date_to": fields.Datetime.to_datetime(date_to) + relativedelta(days=1),
            },
        )
        return env.cr.fetchall()

    orm_time, (groups, queries) = _median(orm)
    sql_time, rows = _median(hand_written)
    orm_total = sum(
        g["delivered_amount"]
        for g in groups
        if g["partner_id"] and g["partner_id"][0] in set(bench_partners.ids)
    )
    sql_total = sum(float(r[3] or 0) for r in rows if r[0] in set(bench_partners.ids))
    assert abs(orm_total - sql_total) < 0.01 * max(1.0, sql_total), (
        orm_total,
        sql_total,
    )
    return orm_time, sql_time, queries, len(groups)


def main(conf, database, rows=100000, customers=1):
    rows, customers = int(rows), int(customers)
    odoo.tools.config.parse_config(["-c", conf, "-d", database])
    registry = odoo.modules.registry.Registry(database)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        start = time.perf_counter()
        customer, request = build(env, rows)
        built = time.perf_counter() - start
        env.cr.execute(
            SQL(
                "SELECT count(*) FROM stock_move m JOIN stock_picking p "
                "ON p.id = m.picking_id WHERE p.partner_id = %s",
                customer.id,
            )
        )
        moves = env.cr.fetchone()[0]
        orm_time, sql_time, queries, delivered = finance_check(env, customer, request)
        report = None
        if customers > 1:
            start = time.perf_counter()
            spread_over_customers(env, customer, customers)
            spread = time.perf_counter() - start
            report = ratio_report(env, customers)
        cr.rollback()
    print(f"built {moves} delivered moves in {built:.1f} s")
    header = ("operation", "rows", "median s", "SQL median s", "ratio", "queries")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    print(
        f"| return finance check (ratio over 12 months) | {moves} | {orm_time:.4f} "
        f"| {sql_time:.4f} | {orm_time / sql_time:.2f} | {queries} |"
    )
    if report:
        r_orm, r_sql, r_queries, groups = report
        print(
            f"| return ratio report, grouped by customer ({groups} customers) "
            f"| {moves} | {r_orm:.4f} | {r_sql:.4f} | {r_orm / r_sql:.2f} "
            f"| {r_queries} |"
        )
        print(f"(moves dealt out over {customers} customers in {spread:.1f} s)")
    print(f"delivered value in the period: {delivered:.2f}")


if __name__ == "__main__":
    main(*sys.argv[1:])
