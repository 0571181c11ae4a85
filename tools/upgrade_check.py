"""The upgrade check of ``make test-upgrade`` (tools/harness.sh test-upgrade).

  upgrade_check.py snapshot DSN OUT.json
      every after-sales record of the database (each base table asq_*): id,
      state, every who/when stamp, date, figure, decision, flag and link (all
      columns but free text), the documents' files (drawn signatures, packs),
      the return transfers' states and, per delivered move, the delivered and
      returned quantities;
  upgrade_check.py compare DSN OLD.json AUDIT.sql
      the same snapshot of the upgraded database must hold every record of
      OLD.json with the same values (columns and tables may be added), and
      every query of AUDIT.sql (tools/audit.sql) must return 0 rows.

DSN: "host=... port=... user=... dbname=...". Exit 1 when anything differs.
"""

import datetime
import decimal
import glob
import importlib.util
import json
import os
import re
import sys
from pathlib import Path

import psycopg2

# The audit queries' reader the tests use (tests/audit.py, free of Odoo).
_spec = importlib.util.spec_from_file_location(
    "asq_audit", Path(__file__).resolve().parent.parent / "tests" / "audit.py"
)
ASQ_AUDIT = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ASQ_AUDIT)

STATE = re.compile(r"^(state|status)$|_(state|status)$")
# who signed (a document's stamps, a step record's, an approval's, a review's)
WHO = re.compile(r"_by(_id)?$|(^|_)user_id$")
NOT_STAMPS = {"create_date", "write_date", "create_uid", "write_uid"}
# figures, dates (when a step was signed, deadlines), decisions (selections),
# flags and links (many2one ids, counts): every column but free text and
# translated terms
KEPT_TYPES = {
    "numeric",
    "double precision",
    "integer",
    "bigint",
    "smallint",
    "boolean",
    "date",
    "timestamp without time zone",
    "character varying",
}

# Figures of the stock side the after-sales documents rest on.
EXTRA = {
    # the return transfers (receipt, put-away, reject, replacement)
    "stock_picking[asq]": """
        SELECT id, state, asq_return_role, asq_return_id, date_done
          FROM stock_picking WHERE asq_return_id IS NOT NULL""",
    # per delivered move: delivered to customers and returned from them
    "stock_move[delivered/returned]": """
        SELECT d.move_id AS id, d.qty AS delivered_qty,
               COALESCE(r.qty, 0) AS returned_qty
          FROM (SELECT sml.move_id, SUM(sml.quantity_product_uom) AS qty
                  FROM stock_move_line sml
                  JOIN stock_location dst ON dst.id = sml.location_dest_id
                  JOIN stock_location src ON src.id = sml.location_id
                 WHERE sml.state = 'done' AND dst.usage = 'customer'
                   AND src.usage <> 'customer'
              GROUP BY sml.move_id) d
     LEFT JOIN (SELECT rm.origin_returned_move_id AS move_id,
                       SUM(rml.quantity_product_uom) AS qty
                  FROM stock_move rm
                  JOIN stock_move_line rml ON rml.move_id = rm.id
                  JOIN stock_location dst ON dst.id = rml.location_dest_id
                 WHERE rml.state = 'done' AND dst.usage <> 'customer'
              GROUP BY rm.origin_returned_move_id) r ON r.move_id = d.move_id""",
    # the files of the documents: drawn signatures, generated packs
    "ir_attachment[asq]": """
        SELECT id, res_model, res_field, res_id, checksum, file_size
          FROM ir_attachment WHERE res_model LIKE 'asq.%'""",
    # the credit notes of the returns
    "account_move[refunds]": """
        SELECT id, state, move_type, amount_total, invoice_origin
          FROM account_move WHERE move_type = 'out_refund'""",
}


def plain(value):
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def rows(cr, query):
    cr.execute(query)
    names = [d.name for d in cr.description]
    return {
        str(row[0]): dict(zip(names[1:], map(plain, row[1:]), strict=True))
        for row in cr.fetchall()
    }


def snapshot(cr):
    cr.execute(
        """SELECT c.table_name, c.column_name, c.data_type
             FROM information_schema.columns c
             JOIN information_schema.tables t
               ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE'
              AND t.table_name LIKE 'asq\\_%'
         ORDER BY c.table_name, c.ordinal_position"""
    )
    tables = {}
    for table, column, dtype in cr.fetchall():
        tables.setdefault(table, []).append((column, dtype))
    snap = {}
    for table, columns in sorted(tables.items()):
        names = {c for c, _t in columns}
        if "id" not in names:
            continue  # relation tables
        kept = [
            c
            for c, t in columns
            if c != "id"
            and c not in NOT_STAMPS
            and (STATE.search(c) or WHO.search(c) or t in KEPT_TYPES)
        ]
        select = ", ".join(f'"{c}"' for c in ["id", *kept])
        snap[table] = rows(cr, f'SELECT {select} FROM "{table}" ORDER BY id')
    for name, query in EXTRA.items():
        snap[name] = rows(cr, query)
    return snap


def same(old, new):
    if isinstance(old, float) and isinstance(new, int | float):
        return abs(old - new) < 1e-6
    return old == new


# Columns a migration plans again on purpose (not kept values), with the
# states of the records it re-plans (None: any). Since 18.0.1.4.0 the return
# note's deadline runs from the booking into stock (the notes not yet sent
# are re-planned), and the complaint clocks count elapsed time by default
# (001 §4.4: the open complaints are re-planned, closed and cancelled ones
# keep the deadlines they were held to): migrations/18.0.1.4.0.
_OPEN_COMPLAINTS = (
    "draft",
    "review",
    "investigating",
    "decided",
    "replied",
    "confirmed",
)
REPLANNED = {
    ("asq_return", "note_deadline"): None,
    **{
        ("asq_complaint", column): _OPEN_COMPLAINTS
        for column in (
            "disposition_deadline",
            "onsite_deadline",
            "answer_deadline",
            "next_deadline",
        )
    },
}


def renamed_columns():
    """{(table, old column): new column} of the migrations' renames (the
    who/when fields of 18.0.1.3.0), so a renamed stamp compares with itself."""
    renames = {}
    for path in sorted(
        glob.glob(
            os.path.join(os.path.dirname(__file__), "..", "migrations", "*", "pre-*.py")
        )
    ):
        spec = importlib.util.spec_from_file_location("asq_pre_migration", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for model, pairs in getattr(module, "RENAMES", {}).items():
            for old, new in pairs:
                renames[model.replace(".", "_"), old] = new
    return renames


def compare(old, new):
    problems, compared = [], 0
    renames = renamed_columns()
    for table, records in old.items():
        if table not in new:
            problems.append(f"{table}: table gone")
            continue
        for rid, values in records.items():
            now = new[table].get(rid)
            if now is None:
                problems.append(f"{table} #{rid}: record gone")
                continue
            for column, value in values.items():
                compared += 1
                column = renames.get((table, column), column)
                if (table, column) in REPLANNED:
                    states = REPLANNED[table, column]
                    if states is None or values.get("state") in states:
                        continue
                if column not in now:
                    problems.append(f"{table}.{column}: column gone")
                elif not same(value, now[column]):
                    problems.append(
                        f"{table} #{rid}.{column}: {value!r} -> {now[column]!r}"
                    )
    return problems, compared


def audit(cr, path):
    failing = []
    result = ASQ_AUDIT.run_audit(cr, path)
    for name, (_why, ids) in result.items():
        if ids:
            failing.append(f"audit {name}: {len(ids)} rows, ids {ids[:10]}")
    return failing, len(result)


def main(argv):
    cmd, dsn = argv[1], argv[2]
    conn = psycopg2.connect(dsn)
    conn.set_session(readonly=True)
    with conn.cursor() as cr:
        if cmd == "snapshot":
            snap = snapshot(cr)
            with open(argv[3], "w", encoding="utf8") as out:
                json.dump(snap, out, indent=0, sort_keys=True)
            docs = sum(len(r) for t, r in snap.items() if t.startswith("asq_"))
            print(f"snapshot: {docs} after-sales records in {len(snap)} tables")
            return 0
        old = json.load(open(argv[3], encoding="utf8"))
        problems, compared = compare(old, snapshot(cr))
        failing, nqueries = audit(cr, argv[4])
    for line in problems[:50] + failing:
        print(line)
    if len(problems) > 50:
        print(f"... and {len(problems) - 50} more differences")
    records = sum(len(r) for r in old.values())
    print(
        f"upgrade check: {records} records in {len(old)} tables, {compared} values "
        f"compared, {len(problems)} differences; audit: "
        f"{nqueries - len(failing)}/{nqueries} queries return 0 rows"
    )
    return 1 if problems or failing or not nqueries else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
