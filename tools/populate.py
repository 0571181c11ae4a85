"""A large after-sales dataset, fast: a few real records made through the ORM,
then cloned by bulk SQL (INSERT ... SELECT over generate_series).

Usage (through the harness: ``make populate SCALE=1``):
    PYTHONPATH=$ODOO_PATH python tools/populate.py ODOO_CONF DATABASE [SCALE]

SCALE 1 is the top scale: 1,000,000 done stock moves (delivered to customers),
10,000 customers, 100,000 complaints (one product line each, open ones
overdue), 20,000 return requests, 5,000 CAPA with an action each, 2 % of the
moves partly returned. Other scales multiply every count (SCALE=0.1: 100,000
moves). Move n goes to customer n mod C, so that every complaint and return
line points at a delivery of its own customer.
"""

import sys
import time

import odoo
from odoo import Command, api, fields

BASE = {
    "customers": 10_000,
    "moves": 1_000_000,
    "complaints": 100_000,
    "returns": 20_000,
    "capa": 5_000,
}
MOVES_PER_PICKING = 10
TAG = "POP"


def columns(cr, table, overrides):
    """The table's columns but id, and the SELECT expression of each: the
    template row's value (``t.col``) unless overridden."""
    cr.execute(
        """SELECT column_name FROM information_schema.columns
            WHERE table_name = %s AND column_name <> 'id'
         ORDER BY ordinal_position""",
        [table],
    )
    cols = [row[0] for row in cr.fetchall()]
    return cols, [overrides.get(col, f"t.{col}") for col in cols]


def clone(cr, table, template_id, overrides, source, params=None, **options):
    """INSERT one row per row of ``source`` (SQL FROM items besides the
    template ``t``), the template's values but ``overrides``. Options:
    ``where`` (SQL) filters the rows, ``order`` (SQL) orders them, and
    ``into`` names a temporary table (dropped at commit) keeping the new
    rows' ``returning`` columns."""
    cols, select = columns(cr, table, overrides)
    order = options.get("order")
    query = f"""
        INSERT INTO {table} ({", ".join(cols)})
        SELECT {", ".join(select)}
          FROM {table} t, {source}
         WHERE t.id = %(template)s AND {options.get("where", "TRUE")}
         {f"ORDER BY {order}" if order else ""}
        """
    if options.get("into"):
        query = f"""
        CREATE TEMP TABLE {options["into"]} ON COMMIT DROP AS
        WITH ins AS ({query} RETURNING {options["returning"]})
        SELECT * FROM ins
        """
    cr.execute(query, {**(params or {}), "template": template_id})
    return cr.rowcount


def say(message, start):
    print(f"{message} ({time.perf_counter() - start:.1f} s)", flush=True)


class Populate:
    def __init__(self, env, scale):
        self.env = env
        self.cr = env.cr
        self.counts = {key: max(1, round(n * scale)) for key, n in BASE.items()}

    # ------------------------------------------------------------------
    # Templates: real records through the ORM
    # ------------------------------------------------------------------
    def templates(self):
        env = self.env
        company = env.company
        company.write({"asq_exchange_ratio_cap": 5.0, "asq_return_period_months": 12})
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        )
        self.customer = env["res.partner"].create(
            {
                "name": f"{TAG} Customer 0",
                "is_company": True,
                "customer_rank": 1,
                "asq_customer_class": "a",
                "asq_locality": "local",
                "email": "pop0@example.com",
            }
        )
        self.product = env["product.product"].create(
            {
                "name": f"{TAG} Meter",
                "type": "consu",
                "is_storable": True,
                "list_price": 50.0,
            }
        )
        env["stock.quant"]._update_available_quantity(
            self.product, warehouse.lot_stock_id, self.counts["moves"] * 10 + 10
        )
        order = env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "warehouse_id": warehouse.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "product_uom_qty": 10,
                            "price_unit": 50.0,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        self.picking = order.picking_ids
        self.picking.move_ids.quantity = 10
        self.picking.move_ids.picked = True
        self.picking.button_validate()
        self.move = self.picking.move_ids
        self.move_line = self.move.move_line_ids
        env.flush_all()
        delivered = env["asq.delivered.line"].search([("move_id", "=", self.move.id)])
        self.complaint = env["asq.complaint"].create(
            {
                "partner_id": self.customer.id,
                "channel": "phone",
                "category": "quality",
                "description": "Readings drift after a week",
                "customer_request": "exchange",
                "line_ids": [
                    Command.create({"delivered_line_id": delivered.id, "quantity": 1})
                ],
            }
        )
        self.complaint.action_submit()
        self.return_request = env["asq.return"].create(
            {
                "partner_id": self.customer.id,
                "line_ids": [
                    Command.create(
                        {
                            "delivered_line_id": delivered.id,
                            "quantity": 1,
                            "kind": "unsaleable",
                            "reason": "Slow seller",
                        }
                    )
                ],
            }
        )
        self.return_request.action_submit()
        self.capa = env["asq.capa"].create(
            {"problem": "Drift", "source": "complaint", "root_cause": "Sensor"}
        )
        self.capa_action = env["asq.capa.action"].create(
            {
                "capa_id": self.capa.id,
                "name": "Recalibrate",
                "date_due": fields.Date.today(),
            }
        )
        env.flush_all()

    # ------------------------------------------------------------------
    # Bulk copies
    # ------------------------------------------------------------------
    def customers(self):
        cr, n = self.cr, self.counts["customers"]
        clone(
            cr,
            "res_partner",
            self.customer.id,
            {
                "name": f"'{TAG} Customer ' || g",
                "complete_name": f"'{TAG} Customer ' || g",
                "email": "'pop' || g || '@example.com'",
                # 10 % A, 30 % B, 60 % C
                "asq_customer_class": "CASE WHEN g %% 10 = 0 THEN 'a' "
                "WHEN g %% 10 < 4 THEN 'b' ELSE 'c' END",
                "asq_locality": "CASE WHEN g %% 3 = 0 THEN 'remote' ELSE 'local' END",
            },
            "generate_series(1, %(n)s) g",
            {"n": n - 1},
        )
        cr.execute(
            "UPDATE res_partner SET commercial_partner_id = id "
            "WHERE name LIKE %s AND id <> %s",
            [f"{TAG} Customer %", self.customer.id],
        )
        cr.execute(
            "SELECT id FROM res_partner WHERE name LIKE %s ORDER BY id",
            [f"{TAG} Customer %"],
        )
        self.customer_ids = [row[0] for row in cr.fetchall()]
        cr.execute("DROP TABLE IF EXISTS pop_customer")
        cr.execute(
            "CREATE TEMP TABLE pop_customer AS "
            "SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k "
            "FROM res_partner WHERE name LIKE %s",
            [f"{TAG} Customer %"],
        )
        cr.execute("CREATE INDEX ON pop_customer (k)")

    def deliveries(self):
        """Pickings (10 moves each), moves and move lines: move n goes to
        customer n mod C, on a date spread over the last 540 days."""
        cr = self.cr
        customers, moves = self.counts["customers"], self.counts["moves"]
        pickings = max(customers, moves // MOVES_PER_PICKING)
        clone(
            cr,
            "stock_picking",
            self.picking.id,
            {
                "name": f"'{TAG}/OUT/' || g",
                "partner_id": "c.id",
                # spread over 540 days, not in step with the customers
                "date_done": "now() - ((g::bigint * 7919) %% 540) * interval '1 day' "
                "- (g %% 24) * interval '1 hour'",
            },
            "generate_series(0, %(n)s - 1) g "
            "JOIN pop_customer c ON c.k = g %% %(customers)s",
            {"n": pickings, "customers": customers},
        )
        cr.execute("DROP TABLE IF EXISTS pop_picking")
        cr.execute(
            "CREATE TEMP TABLE pop_picking AS "
            "SELECT sp.id, sp.partner_id, sp.date_done, c.k, ROW_NUMBER() OVER ("
            "    PARTITION BY sp.partner_id ORDER BY sp.id) - 1 AS j "
            "FROM stock_picking sp JOIN pop_customer c ON c.id = sp.partner_id "
            "WHERE sp.name LIKE %s",
            [f"{TAG}/OUT/%"],
        )
        cr.execute("CREATE INDEX ON pop_picking (k, j)")
        # move n goes to customer k = n mod C, in its picking j = (n div C)
        # mod (the customer's pickings)
        per_customer = max(1, pickings // customers)
        cr.execute("DROP TABLE IF EXISTS pop_move")
        cr.execute(
            """
            CREATE TEMP TABLE pop_move AS
            SELECT g AS n,
                   g %% %(c)s AS k,
                   (g / %(c)s) %% %(per)s AS j
              FROM generate_series(0, %(m)s - 1) g
            """,
            {"c": customers, "per": per_customer, "m": moves},
        )
        clone(
            cr,
            "stock_move",
            self.move.id,
            {
                "picking_id": "pk.id",
                "partner_id": "NULL",
                # a delivery's moves are done together, on its date
                "date": "pk.date_done",
                "reference": "pk.id::text",
            },
            "pop_move pm JOIN pop_picking pk ON pk.k = pm.k AND pk.j = pm.j",
            into="pop_new_move",
            order="pm.n",
            returning="id, picking_id, date",
        )
        clone(
            cr,
            "stock_move_line",
            self.move_line.id,
            {"move_id": "nm.id", "picking_id": "nm.picking_id", "date": "nm.date"},
            "pop_new_move nm",
        )
        # move number n (0-based, in creation order) went to customer n mod C
        cr.execute(
            """
            CREATE TEMP TABLE pop_move_n ON COMMIT DROP AS
            SELECT nm.id, nm.picking_id, nm.date, ml.id AS line_id,
                   pk.partner_id,
                   ROW_NUMBER() OVER (ORDER BY nm.id) - 1 AS n
              FROM pop_new_move nm
              JOIN pop_picking pk ON pk.id = nm.picking_id
              JOIN stock_move_line ml ON ml.move_id = nm.id
            """
        )
        cr.execute("CREATE INDEX ON pop_move_n (n)")

    def stock_returns(self):
        """2 % of the moves partly returned: one unit back, as Odoo's return
        wizard would book it (origin_returned_move_id)."""
        cr = self.cr
        move = self.move
        clone(
            cr,
            "stock_move",
            move.id,
            {
                "origin_returned_move_id": "m.id",
                "picking_id": "NULL",
                "partner_id": "NULL",
                "location_id": "t.location_dest_id",
                "location_dest_id": "t.location_id",
                "location_final_id": "NULL",
                "product_uom_qty": "1",
                "quantity": "1",
                "product_qty": "1",
                "date": "m.date + interval '10 days'",
                "sale_line_id": "NULL",
            },
            "pop_new_move m",
            where="m.id %% 50 = 0",
            into="pop_return_move",
            returning="id, date",
        )
        clone(
            cr,
            "stock_move_line",
            self.move_line.id,
            {
                "move_id": "rm.id",
                "picking_id": "NULL",
                "location_id": "t.location_dest_id",
                "location_dest_id": "t.location_id",
                "quantity": "1",
                "quantity_product_uom": "1",
                "date": "rm.date",
            },
            "pop_return_move rm",
        )

    def sources(self, table, count, move_of, extra):
        """Temporary table ``table``: rows g = 1 .. ``count``, each with move
        number ``move_of`` (SQL of g) mod M, its customer, delivered line and
        delivery, and the ``extra`` SQL columns."""
        self.cr.execute(f"DROP TABLE IF EXISTS {table}")
        self.cr.execute(
            f"""
            CREATE TEMP TABLE {table} AS
            SELECT g, nm.partner_id, nm.id AS move_id, nm.line_id,
                   nm.picking_id, {extra}
              FROM generate_series(1, %(n)s) g
              JOIN pop_move_n nm ON nm.n = ({move_of}) %% %(m)s
            """,
            {"n": count, "m": self.counts["moves"]},
        )

    def complaints(self):
        """Complaint g: customer g mod C, about its move g mod M (the
        customer's own delivery); received after it; 70 % open and
        overdue, the rest closed."""
        cr = self.cr
        self.sources(
            "pop_complaint_src",
            self.counts["complaints"],
            "g",
            "nm.date + ((g %% 20) + 1) * interval '1 day' AS received",
        )
        clone(
            cr,
            "asq_complaint",
            self.complaint.id,
            {
                "name": f"'{TAG}/' || s.g",
                "partner_id": "s.partner_id",
                "commercial_partner_id": "s.partner_id",
                "received_date": "s.received",
                "submitted_date": "s.received",
                "state": "CASE WHEN s.g %% 10 < 7 THEN t.state ELSE 'closed' END",
                "category": "(ARRAY['quality','quality','late','packaging',"
                "'transport','not_as_ordered','tolerance','service',"
                "'documentation'])[1 + s.g %% 9]",
                "disposition_deadline": "s.received + interval '3 days'",
                "next_deadline": "CASE WHEN s.g %% 10 < 7 "
                "THEN s.received + interval '3 days' END",
                "overdue_escalated": "FALSE",
                "closed_date": "CASE WHEN s.g %% 10 >= 7 "
                "THEN s.received + interval '5 days' END",
                "loss_freight": "(s.g %% 7) * 50",
                "loss_amount": "(s.g %% 7) * 50",
            },
            "pop_complaint_src s",
            {},
        )
        clone(
            cr,
            "asq_complaint_line",
            self.complaint.line_ids.id,
            {
                "complaint_id": "c.id",
                "partner_id": "s.partner_id",
                "delivered_line_id": "s.line_id",
                "move_id": "s.move_id",
                "picking_id": "s.picking_id",
            },
            "pop_complaint_src s JOIN asq_complaint c " f"ON c.name = '{TAG}/' || s.g",
            {},
        )

    def return_requests(self):
        cr = self.cr
        self.sources("pop_return_src", self.counts["returns"], "g * 37", "nm.date")
        clone(
            cr,
            "asq_return",
            self.return_request.id,
            {
                "name": f"'{TAG}/RET/' || s.g",
                "partner_id": "s.partner_id",
                "date_request": "(s.date + interval '20 days')::date",
            },
            "pop_return_src s",
            {},
        )
        clone(
            cr,
            "asq_return_line",
            self.return_request.line_ids.id,
            {
                "return_id": "r.id",
                "delivered_line_id": "s.line_id",
                "move_id": "s.move_id",
                "picking_id": "s.picking_id",
                "delivery_date": "s.date",
            },
            "pop_return_src s JOIN asq_return r ON r.name = " f"'{TAG}/RET/' || s.g",
            {},
        )

    def capa_records(self):
        cr = self.cr
        clone(
            cr,
            "asq_capa",
            self.capa.id,
            {
                "name": f"'{TAG}/CAPA/' || g",
                "date_open": "(now() - (g %% 540) * interval '1 day')::date",
            },
            "generate_series(1, %(n)s) g",
            {"n": self.counts["capa"] - 1},
        )
        clone(
            cr,
            "asq_capa_action",
            self.capa_action.id,
            {"capa_id": "c.id", "date_due": "c.date_open + 14"},
            "asq_capa c",
            {"pattern": f"{TAG}/CAPA/%"},
            where="c.name LIKE %(pattern)s",
        )

    def survey_campaign(self):
        """A satisfaction survey campaign over every customer: all A and B,
        a 20 % share of C drawn at random (the ORM's own sampling)."""
        env = self.env
        self.cr.execute("SET LOCAL session_replication_role = DEFAULT")
        env.invalidate_all()
        campaign = env["asq.survey.campaign"].create(
            {
                "name": f"{TAG} Satisfaction Survey",
                "survey_id": env.ref("after_sales_quality.asq_survey_satisfaction").id,
                "seed": 2026,
            }
        )
        campaign.action_draw_sample()
        self.counts["surveyed"] = len(campaign.target_ids)

    def run(self):
        start = time.perf_counter()
        self.templates()
        say("templates made through the ORM", start)
        # The copies point at rows that exist: skip the foreign-key triggers
        # (bulk loading as pg_restore does), when the role may.
        self.cr.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if self.cr.fetchone()[0]:
            self.cr.execute("SET LOCAL session_replication_role = replica")
        for step in (
            self.customers,
            self.deliveries,
            self.stock_returns,
            self.complaints,
            self.return_requests,
            self.capa_records,
            self.survey_campaign,
        ):
            step()
            say(f"{step.__name__}", start)
        self.env.invalidate_all()
        self.cr.execute("SET LOCAL session_replication_role = DEFAULT")
        self.cr.execute("ANALYZE")
        say("analysed", start)
        return self.counts


def main(conf, database, scale="1"):
    odoo.tools.config.parse_config(["-c", conf, "-d", database])
    registry = odoo.modules.registry.Registry(database)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        counts = Populate(env, float(scale)).run()
        cr.commit()
    print(", ".join(f"{key}: {value:,}" for key, value in counts.items()))


if __name__ == "__main__":
    main(*sys.argv[1:])
