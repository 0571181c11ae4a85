import re

from odoo import api, models
from odoo.tools import SQL, file_open

AUDIT_FILE = "after_sales_quality/tools/audit.sql"
QUERY_RE = re.compile(
    r"^-- name: (?P<name>\w+)\n-- why: (?P<why>.+?)\n(?P<sql>.+?);\s*$",
    re.MULTILINE | re.DOTALL,
)


class AsqAudit(models.AbstractModel):
    """The auditor's queries (tools/audit.sql): records that break a rule."""

    _name = "asq.audit"
    _description = "After-Sales Audit Queries"

    @api.model
    def _asq_audit_queries(self):
        """[(name, explanation, sql)] in the order of tools/audit.sql."""
        with file_open(AUDIT_FILE) as handle:
            text = handle.read()
        return [
            (match["name"], match["why"].strip(), match["sql"].strip())
            for match in QUERY_RE.finditer(text)
        ]

    @api.model
    def _asq_audit(self):
        """{name: (explanation, offending ids)} for every audit query."""
        self.env.flush_all()
        result = {}
        for name, why, query in self._asq_audit_queries():
            self.env.cr.execute(SQL(query))  # pylint: disable=sql-injection
            result[name] = (why, [row[0] for row in self.env.cr.fetchall()])
        return result

    # ------------------------------------------------------------------
    # The engine's queries, generated from the declarations
    # ------------------------------------------------------------------
    @api.model
    def _asq_engine_models(self):
        """The documents declaring their steps (the engine's)."""
        return sorted(
            name
            for name, model in self.env.registry.items()
            if not model._abstract and getattr(model, "_asq_transitions", ())
        )

    @api.model
    def _asq_stamp_audit_sql(self):
        """The query ``step_stamp_without_record`` of tools/audit.sql,
        rendered from every document's declared stamps: a signature (who)
        on a document with no step record of that step by that user was
        written behind the engine's back. A test keeps the file equal."""
        parts = []
        for name in self._asq_engine_models():
            Model = self.env[name]
            steps_by_who = {}
            for transition in Model._asq_transitions:
                if transition.stamp:
                    steps_by_who.setdefault(transition.stamp[0], []).append(
                        transition.step
                    )
            for who, steps in steps_by_who.items():
                step_list = ", ".join(f"'{step}'" for step in steps)
                parts.append(
                    f'SELECT t.id FROM "{Model._table}" t\n'
                    f'  WHERE t."{who}" IS NOT NULL AND NOT EXISTS (\n'
                    "    SELECT 1 FROM asq_step_record s\n"
                    f"     WHERE s.res_model = '{name}' AND s.res_id = t.id\n"
                    f'       AND s.step IN ({step_list}) AND s.user_id = t."{who}")'
                )
        return "\nUNION ALL\n".join(parts) + "\n ORDER BY 1"
