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
