"""Benchmarks against hand-written SQL, measured in the same run.

Usage (through the harness: ``make bench``, ``make bench SCALES="0.1 1 5"``):
    PYTHONPATH=$ODOO_PATH python tools/bench.py ODOO_CONF TEMPLATE_DB SCALE...

For each scale, copies TEMPLATE_DB (the addon installed without demo data)
into a scratch database, fills it with tools/populate.py (SCALE 1: 1,000,000
done stock moves, 10,000 customers, 100,000 complaints, 20,000 return
requests, 5,000 CAPA), then times every operation 5 times (median) next to
the same result computed by hand-written SQL in the same run, and counts the
ORM's queries. Prints one table per scale, then the time per row of the
reports across scales. Seconds are never asserted: the machine is shared,
compare the ratios.
"""

import os
import re
import shutil
import statistics
import sys
import time
from datetime import date, datetime

import psycopg2
from dateutil.relativedelta import relativedelta
from lxml import etree

import odoo
from odoo import Command, api, fields, sql_db
from odoo.tools.safe_eval import safe_eval

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from populate import TAG, Populate

RUNS = 5

# The baseline: "delivered to a customer" and "returned" hand-written here on
# purpose, not built from their one definition (asq_delivered_move_lines and
# asq_returned_move_lines in models/asq_delivered_line.py), so that the ORM's
# figures are checked against an independent query and timed against the
# plainest SQL for the same answer.
RATIO_SQL = """
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
           SUM(d.qty * sol.price_reduce_taxexcl),
           SUM(COALESCE(r.qty, 0) * sol.price_reduce_taxexcl)
      FROM delivered d
      JOIN stock_move sm ON sm.id = d.move_id
      LEFT JOIN sale_order_line sol ON sol.id = sm.sale_line_id
      LEFT JOIN returned r ON r.move_id = d.move_id
                          AND r.lot_id IS NOT DISTINCT FROM d.lot_id
  GROUP BY d.partner_id
"""

COMPLAINT_RATE_SQL = """
    SELECT month, COUNT(DISTINCT picking_id), COUNT(DISTINCT complaint_id)
      FROM (
        SELECT date_trunc('month', sml.date) AS month,
               sm.picking_id, NULL::int AS complaint_id
          FROM stock_move_line sml
          JOIN stock_location src ON src.id = sml.location_id
          JOIN stock_location dst ON dst.id = sml.location_dest_id
          JOIN stock_move sm ON sm.id = sml.move_id
         WHERE sml.state = 'done' AND dst.usage = 'customer'
           AND src.usage <> 'customer'
        UNION ALL
        SELECT date_trunc('month', received_date), NULL, id
          FROM asq_complaint
         WHERE feedback_type = 'complaint' AND state NOT IN ('draft', 'cancel')
      ) facts
  GROUP BY month
"""

PARTNER_SQL = """
    SELECT (SELECT COUNT(*) FROM asq_complaint WHERE commercial_partner_id = %(p)s),
           (SELECT COUNT(*) FROM asq_return WHERE partner_id = %(p)s),
           (SELECT COUNT(*) FROM stock_move_line sml
              JOIN stock_picking sp ON sp.id = sml.picking_id
              JOIN stock_location dst ON dst.id = sml.location_dest_id
             WHERE sp.partner_id = %(p)s AND sml.state = 'done'
               AND dst.usage = 'customer')
"""


def median(func):
    """(median seconds over RUNS runs, last result)."""
    timings, result = [], None
    for _run in range(RUNS):
        start = time.perf_counter()
        result = func()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), result


def counted(env, func):
    """Run ``func`` on cold ORM caches; (result, queries)."""
    env.invalidate_all()
    before = sql_db.sql_counter
    result = func()
    return result, sql_db.sql_counter - before


class Bench:
    def __init__(self, env, counts):
        self.env = env
        self.cr = env.cr
        self.counts = counts
        self.rows = []

    def record(self, operation, rows, orm, sql, queries):
        self.rows.append((operation, rows, orm, sql, queries))

    def rolled_back(self, func):
        """Run ``func`` in a savepoint that is rolled back (operations that
        write: each run starts from the same data)."""

        def run():
            self.cr.execute("SAVEPOINT bench")
            try:
                return func()
            finally:
                self.cr.execute("ROLLBACK TO SAVEPOINT bench")
                self.env.invalidate_all()

        return run

    # ------------------------------------------------------------------
    def return_ratio(self):
        env = self.env
        Report = env["asq.return.ratio.report"]
        date_from, date_to = Report._asq_period()

        def orm():
            return counted(
                env,
                lambda: Report.read_group(
                    [],
                    ["delivered_amount", "returned_amount", "amount_ratio"],
                    ["partner_id"],
                    lazy=False,
                ),
            )

        def sql():
            self.cr.execute(
                RATIO_SQL,
                {
                    "date_from": datetime.combine(date_from, datetime.min.time()),
                    "date_to": datetime.combine(
                        date_to + relativedelta(days=1), datetime.min.time()
                    ),
                },
            )
            return self.cr.fetchall()

        orm_time, (groups, queries) = median(orm)
        sql_time, rows = median(sql)
        orm_total = sum(g["delivered_amount"] for g in groups)
        sql_total = sum(float(r[1] or 0) for r in rows)
        assert abs(orm_total - sql_total) <= 0.01 + 1e-9 * sql_total, (
            orm_total,
            sql_total,
        )
        self.record(
            f"return-ratio report by customer ({len(groups)} customers)",
            self.counts["moves"],
            orm_time,
            sql_time,
            queries,
        )

    def complaint_rate(self):
        env = self.env
        Report = env["asq.complaint.report"]

        def orm():
            return counted(
                env,
                lambda: Report._asq_rates([], ["date:month"], ["complaint_rate"]),
            )

        def sql():
            self.cr.execute(COMPLAINT_RATE_SQL)
            return self.cr.fetchall()

        orm_time, (groups, queries) = median(orm)
        sql_time, rows = median(sql)
        assert sum(g["complaint_ref"] for g in groups) == sum(r[2] for r in rows)
        self.record(
            f"complaint-rate report by month ({len(groups)} months)",
            self.counts["moves"] + self.counts["complaints"],
            orm_time,
            sql_time,
            queries,
        )

    def complaint_list(self):
        """The list's first page (80 rows, with its count up to 10,000) for
        each filter of the search view; SQL: the same SELECT of ids and
        count, then the list's stored columns of those rows."""
        env = self.env
        Complaint = env["asq.complaint"]
        views = Complaint.get_views([(False, "list"), (False, "search")])
        list_arch = etree.fromstring(views["views"]["list"]["arch"])
        fnames = [
            f.get("name")
            for f in list_arch.iter("field")
            if f.get("name") in Complaint._fields
        ]
        spec = {
            fname: {"fields": {"display_name": {}}}
            if Complaint._fields[fname].type == "many2one"
            else {}
            for fname in fnames
        }
        stored = [
            fname
            for fname in fnames
            if Complaint._fields[fname].store and Complaint._fields[fname].column_type
        ]
        search_arch = etree.fromstring(views["views"]["search"]["arch"])
        context = {"uid": env.uid, "context_today": date.today}
        filters = [("(no filter)", [])]
        for node in search_arch.iter("filter"):
            if node.get("domain") and not node.get("date"):
                try:
                    domain = safe_eval(node.get("domain"), context)
                except Exception:
                    continue
                filters.append((node.get("string") or node.get("name"), domain))
        for label, domain in filters:

            def orm(domain=domain):
                return counted(
                    env,
                    lambda: Complaint.web_search_read(
                        domain, spec, limit=80, count_limit=10001
                    ),
                )

            def sql(domain=domain):
                query = Complaint._search(domain, limit=80)
                self.cr.execute(query.select())
                ids = tuple(row[0] for row in self.cr.fetchall()) or (0,)
                count = Complaint._search(domain, limit=10001)
                self.cr.execute(
                    f"SELECT COUNT(*) FROM ({count.select().code}) c",
                    count.select().params,
                )
                columns = ", ".join(f'"{f}"' for f in stored)
                self.cr.execute(
                    f"SELECT {columns} FROM asq_complaint WHERE id IN %s", [ids]
                )
                return self.cr.fetchall()

            orm_time, (_result, queries) = median(orm)
            sql_time, _rows = median(sql)
            self.record(
                f"complaint list, first page: {label}",
                self.counts["complaints"],
                orm_time,
                sql_time,
                queries,
            )

    def partner_form(self):
        env = self.env
        self.cr.execute(
            "SELECT commercial_partner_id, COUNT(*) FROM asq_complaint "
            "GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
        )
        partner = env["res.partner"].browse(self.cr.fetchone()[0])
        fnames = [
            "asq_complaint_count",
            "asq_return_count",
            "asq_capa_count",
            "asq_delivered_line_count",
            "asq_delivered_product_count",
            "asq_period_delivered_amount",
            "asq_period_returned_amount",
            "asq_period_return_ratio",
            "asq_survey_target_count",
            "asq_service_visit_count",
        ]
        fnames = [f for f in fnames if f in partner._fields]

        def orm():
            return counted(env, lambda: partner.web_read({f: {} for f in fnames}))

        def sql():
            self.cr.execute(PARTNER_SQL, {"p": partner.id})
            return self.cr.fetchone()

        orm_time, (values, queries) = median(orm)
        sql_time, row = median(sql)
        assert values[0]["asq_complaint_count"] == row[0], (values, row)
        self.record(
            "partner form counters (one customer)", 1, orm_time, sql_time, queries
        )

    def escalation(self):
        """One run of the escalation job (10 batches of 200 overdue
        complaints: activities, digest mail, flag) against the same by SQL
        (flag, one activity per manager and complaint)."""
        env = self.env
        Complaint = env["asq.complaint"]
        overdue = Complaint.search_count(
            [("next_deadline", "<", fields.Datetime.now())]
        )
        model_id = env["ir.model"]._get_id("asq.complaint")
        todo = env.ref("mail.mail_activity_data_todo").id
        managers = env.ref("after_sales_quality.group_asq_manager").users

        def orm():
            return counted(env, Complaint._cron_escalate_overdue)

        def sql():
            self.cr.execute(
                """
                WITH batch AS (
                    UPDATE asq_complaint SET overdue_escalated = TRUE
                     WHERE id IN (
                        SELECT id FROM asq_complaint
                         WHERE next_deadline < now() AT TIME ZONE 'UTC'
                           AND NOT overdue_escalated
                           AND state IN ('review', 'investigating', 'decided')
                           AND feedback_type = 'complaint'
                      ORDER BY next_deadline, id LIMIT 2000)
                 RETURNING id, name
                )
                INSERT INTO mail_activity (res_model_id, res_model, res_id,
                       activity_type_id, user_id, summary, date_deadline,
                       automated, create_date, write_date)
                SELECT %(model)s, 'asq.complaint', b.id, %(todo)s, u.id,
                       'Overdue complaint ' || b.name, CURRENT_DATE, TRUE,
                       now(), now()
                  FROM batch b, unnest(%(users)s) u(id)
                """,
                {"model": model_id, "todo": todo, "users": managers.ids},
            )
            return self.cr.rowcount

        orm_time, (done, queries) = median(self.rolled_back(orm))
        sql_time, _rows = median(self.rolled_back(sql))
        self.record(
            f"escalation job, one run ({done} of {overdue} overdue complaints)",
            done,
            orm_time,
            sql_time,
            queries,
        )

    def survey_sampling(self):
        env = self.env
        survey = env.ref("after_sales_quality.asq_survey_satisfaction")

        def orm():
            def draw():
                campaign = env["asq.survey.campaign"].create(
                    {"name": "Bench", "survey_id": survey.id, "seed": 7}
                )
                campaign.action_draw_sample()
                return len(campaign.target_ids)

            return counted(env, draw)

        def sql():
            self.cr.execute(
                """
                WITH pop AS (
                    SELECT id, asq_customer_class AS cls FROM res_partner
                     WHERE asq_customer_class IS NOT NULL AND customer_rank > 0
                       AND active AND id = commercial_partner_id
                ), ab AS (SELECT id FROM pop WHERE cls IN ('a', 'b')),
                c AS (
                    SELECT id FROM pop WHERE cls = 'c'
                     ORDER BY md5(id::text) LIMIT (SELECT COUNT(*) / 4 FROM ab)
                )
                SELECT COUNT(*) FROM (SELECT id FROM ab UNION ALL SELECT id FROM c) s
                """
            )
            return self.cr.fetchone()[0]

        orm_time, (targets, queries) = median(self.rolled_back(orm))
        sql_time, _count = median(self.rolled_back(sql))
        self.record(
            f"survey sampling ({targets} of {self.counts['customers']} customers)",
            self.counts["customers"],
            orm_time,
            sql_time,
            queries,
        )

    def complaint_creation(self):
        """1,000 complaints with one line each by one ORM create() against
        the same rows cloned by SQL."""
        env = self.env
        template = env["asq.complaint"].search([("name", "=like", f"{TAG}/%")], limit=1)
        line = template.line_ids[:1]
        vals = [
            {
                "partner_id": template.partner_id.id,
                "channel": "phone",
                "category": "quality",
                "description": f"Bench complaint {index}",
                "line_ids": [
                    Command.create(
                        {"delivered_line_id": line.delivered_line_id.id, "quantity": 1}
                    )
                ],
            }
            for index in range(1000)
        ]

        def orm(context):
            def create():
                env["asq.complaint"].with_context(**context).create(vals)
                env.flush_all()
                return 1000

            return lambda: counted(env, create)

        def sql():
            self.cr.execute(
                """
                WITH c AS (
                    INSERT INTO asq_complaint (name, company_id, partner_id,
                           commercial_partner_id, state, feedback_type, channel,
                           received_date, category, severity, description,
                           create_date, write_date)
                    SELECT 'B' || g, t.company_id, t.partner_id,
                           t.commercial_partner_id, 'draft', 'complaint', 'phone',
                           now(), 'quality', 'minor', 'Bench complaint ' || g,
                           now(), now()
                      FROM asq_complaint t, generate_series(1, 1000) g
                     WHERE t.id = %(t)s
                 RETURNING id
                )
                INSERT INTO asq_complaint_line (complaint_id, delivered_line_id,
                       quantity, create_date, write_date)
                SELECT c.id, %(line)s, 1, now(), now() FROM c
                """,
                {"t": template.id, "line": line.delivered_line_id.id},
            )
            return self.cr.rowcount

        sql_time, _rows = median(self.rolled_back(sql))
        # The API (chatter follows each complaint), then as Odoo's import
        # dialog creates by default ("Track history during import" off).
        for label, context in (
            ("create", {}),
            ("import", {"tracking_disable": True}),
        ):
            orm_time, (_created, queries) = median(self.rolled_back(orm(context)))
            self.record(
                f"{label} 1,000 complaints ({1000 / orm_time:,.0f} per second)",
                1000,
                orm_time,
                sql_time,
                queries,
            )

    def packs(self):
        """The yearly pack (figures, XLSX, PDF) for the customers of SCALE 1
        (10,000) at most: it is a scheduled job, not a screen."""
        env = self.env
        if "asq.kpi.pack" not in env or self.counts["customers"] > 10_000:
            return
        today = fields.Date.today()
        start = today.replace(month=1, day=1) - relativedelta(years=1)

        def orm():
            def generate():
                pack = env["asq.kpi.pack"].create(
                    {
                        "period_type": "year",
                        "date_from": start,
                        "date_to": start + relativedelta(years=1, days=-1),
                    }
                )
                pack._asq_generate()
                return pack

            return counted(env, generate)

        orm_time, (_pack, queries) = median(self.rolled_back(orm))
        self.record(
            f"yearly pack, XLSX + PDF ({self.counts['customers']} customers)",
            self.counts["customers"],
            orm_time,
            None,
            queries,
        )

    def run(self):
        for operation in (
            self.return_ratio,
            self.complaint_rate,
            self.complaint_list,
            self.partner_form,
            self.escalation,
            self.survey_sampling,
            self.complaint_creation,
            self.packs,
        ):
            start = time.perf_counter()
            operation()
            print(
                f"  {operation.__name__} measured in "
                f"{time.perf_counter() - start:.0f} s",
                flush=True,
            )
        return self.rows


def print_table(scale, counts, rows):
    print(
        f"\n### SCALE {scale}: "
        + ", ".join(f"{key} {value:,}" for key, value in counts.items())
    )
    header = ("operation", "rows", "median s", "SQL median s", "ratio", "queries")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for operation, rows_, orm, sql, queries in rows:
        sql_cell = f"{sql:.4f}" if sql else "-"
        ratio = f"{orm / sql:.2f}" if sql else "-"
        print(
            f"| {operation} | {rows_:,} | {orm:.4f} | {sql_cell} | {ratio} "
            f"| {queries} |"
        )


def create_db(conf, template, name):
    params = {
        "host": odoo.tools.config["db_host"] or None,
        "port": odoo.tools.config["db_port"] or None,
        "user": odoo.tools.config["db_user"] or None,
        "dbname": "postgres",
    }
    conn = psycopg2.connect(**{k: v for k, v in params.items() if v})
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cr.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    conn.close()
    # the attachments (compiled assets the PDF reports use) come along
    filestore = odoo.tools.config.filestore
    shutil.rmtree(filestore(name), ignore_errors=True)
    if os.path.isdir(filestore(template)):
        shutil.copytree(filestore(template), filestore(name))


def main(conf, template, *scales):
    odoo.tools.config.parse_config(["-c", conf, "-d", template])
    scales = scales or ("1",)
    per_row = {}
    for scale in scales:
        name = f"{template}_{re.sub(r'[^0-9]', '_', scale)}"
        create_db(conf, template, name)
        registry = odoo.modules.registry.Registry(name)
        with registry.cursor() as cr:
            env = api.Environment(cr, odoo.SUPERUSER_ID, {})
            start = time.perf_counter()
            counts = Populate(env, float(scale)).run()
            print(f"populated SCALE {scale} in {time.perf_counter() - start:.0f} s")
            cr.commit()
            rows = Bench(env, counts).run()
            cr.rollback()
        print_table(scale, counts, rows)
        for operation, rows_, orm, _sql, _queries in rows[:2]:
            per_row.setdefault(operation.split(" (")[0], []).append(
                (scale, rows_, orm / rows_)
            )
        odoo.sql_db.close_db(name)
    if len(scales) > 1:
        print("\n### Time per row across scales")
        print("| report | " + " | ".join(f"SCALE {s}" for s in scales) + " | spread |")
        print("|---|" + "---|" * (len(scales) + 1))
        for operation, points in per_row.items():
            values = [p[2] for p in points]
            cells = " | ".join(f"{v * 1e6:.2f} µs" for v in values)
            print(f"| {operation} | {cells} | {max(values) / min(values):.2f} |")


if __name__ == "__main__":
    main(*sys.argv[1:])
