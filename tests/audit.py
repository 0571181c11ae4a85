"""The auditor's queries (tools/audit.sql): records that break a rule.

Read by the tests (tests/test_zz_audit.py, tests/test_engine.py, ...), by the
upgrade check (tools/upgrade_check.py, plain psycopg2: this module imports
nothing of Odoo at load time) and by tools/render_engine_docs.py, which
rewrites the generated query ``step_stamp_without_record``. Not part of the
addon at run time: ``psql -f tools/audit.sql`` (``make audit``) runs the same
file on any database.
"""

import re
from pathlib import Path

AUDIT_FILE = Path(__file__).resolve().parent.parent / "tools" / "audit.sql"
QUERY_RE = re.compile(
    r"^-- name: (?P<name>\w+)\n-- why: (?P<why>.+?)\n(?P<sql>.+?);\s*$",
    re.MULTILINE | re.DOTALL,
)


def audit_queries(path=AUDIT_FILE):
    """[(name, explanation, sql)] in the order of the file."""
    text = Path(path).read_text(encoding="utf-8")
    return [
        (match["name"], match["why"].strip(), match["sql"].strip())
        for match in QUERY_RE.finditer(text)
    ]


def run_audit(cr, path=AUDIT_FILE):
    """{name: (explanation, offending ids)} for every audit query, on ``cr``
    (a psycopg2 or an Odoo cursor: flush the ORM first, see :func:`audit`)."""
    result = {}
    for name, why, query in audit_queries(path):
        cr.execute(query)
        result[name] = (why, [row[0] for row in cr.fetchall()])
    return result


def audit(env):
    """:func:`run_audit` on what ``env`` has written so far."""
    env.flush_all()
    return run_audit(env.cr)


def stamp_audit_sql(env):
    """The query ``step_stamp_without_record`` of tools/audit.sql, rendered
    from every document's declared stamps: a signature (who) on a document
    with no step record of that step by that user was written behind the
    engine's back. tests/test_engine.py keeps the file equal."""
    from odoo.addons.after_sales_quality.models.asq_workflow_mixin import (
        asq_engine_models,
    )

    stamps, tables = [], []
    for name in asq_engine_models(env):
        Model = env[name]
        steps_by_who = {}
        for transition in Model._asq_transitions:
            if transition.stamp:
                steps_by_who.setdefault(transition.stamp_fields[0], []).append(
                    transition.step
                )
        if steps_by_who:
            tables.append(
                f"SELECT '{name}', t.id, to_jsonb(t) FROM \"{Model._table}\" t"
            )
        for who, steps in steps_by_who.items():
            # (the steps as an array literal: {step,step})
            stamps.append(f"    ('{name}', '{who}', '{{{','.join(steps)}}}')")
    # (stamp: each document's who-fields and the steps stamping them; doc:
    # every document's row, its fields by name)
    return (
        "WITH stamp(res_model, who, steps) AS (VALUES\n"
        + ",\n".join(stamps)
        + "\n), doc(res_model, res_id, vals) AS (\n    "
        + "\n    UNION ALL ".join(tables)
        + "\n)\n"
        "SELECT d.res_id FROM doc d JOIN stamp st ON st.res_model = d.res_model\n"
        " WHERE d.vals ->> st.who IS NOT NULL AND NOT EXISTS (\n"
        "    SELECT 1 FROM asq_step_record s\n"
        "     WHERE s.res_model = d.res_model AND s.res_id = d.res_id\n"
        "       AND s.step = ANY(st.steps::varchar[])\n"
        "       AND s.user_id = (d.vals ->> st.who)::int)\n"
        " ORDER BY 1"
    )
