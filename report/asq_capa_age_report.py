from odoo import fields, models
from odoo.tools import SQL

from .asq_capa_report import _capa_selection

AGE_BUCKETS = (
    ("0_30", "0-30 days"),
    ("31_60", "31-60 days"),
    ("61_90", "61-90 days"),
    ("over_90", "Over 90 days"),
)


class AsqCapaAgeReport(models.Model):
    """Open CAPA by age: one row per CAPA neither closed nor cancelled, its
    age counted in days from its opening to the user's today, at each read
    (a stored age would be wrong the next morning)."""

    _name = "asq.capa.age.report"
    _description = "Open CAPA by Age"
    _auto = False
    _order = "age_days desc, id desc"
    _rec_name = "capa_id"
    _depends = {
        "asq.capa": ["state", "date_open", "company_id", "department_id", "user_id"],
    }

    capa_id = fields.Many2one("asq.capa", string="CAPA", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    date_open = fields.Date(string="Opened On", readonly=True)
    state = fields.Selection(_capa_selection("state"), string="Status", readonly=True)
    department_id = fields.Many2one(
        "hr.department", string="Responsible Department", readonly=True
    )
    user_id = fields.Many2one("res.users", string="Coordinator", readonly=True)
    age_days = fields.Integer(string="Age (Days)", readonly=True, aggregator="max")
    age_bucket = fields.Selection(list(AGE_BUCKETS), string="Age", readonly=True)

    @property
    def _table_query(self):
        today = fields.Date.context_today(self)
        return SQL(
            """
            SELECT c.id,
                   c.id AS capa_id,
                   c.company_id,
                   c.date_open,
                   c.state,
                   c.department_id,
                   c.user_id,
                   age.days AS age_days,
                   CASE WHEN age.days <= 30 THEN '0_30'
                        WHEN age.days <= 60 THEN '31_60'
                        WHEN age.days <= 90 THEN '61_90'
                        ELSE 'over_90' END AS age_bucket
              FROM asq_capa c
             CROSS JOIN LATERAL (SELECT %s::date - c.date_open AS days) age
             WHERE c.state NOT IN ('closed', 'cancel')
            """,
            today,
        )
