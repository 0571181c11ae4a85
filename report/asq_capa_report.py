from odoo import fields, models
from odoo.tools import SQL


def _capa_selection(fname):
    """The CAPA field's selection, translated."""

    def selection(model):
        return model.env["asq.capa"]._fields[fname]._description_selection(model.env)

    return selection


class AsqCapaReport(models.Model):
    """CAPA statistics: on-time and effectiveness rates, time to close.

    One row per CAPA (cancelled ones left out). On time: of the actions done
    or past their due date, the share done by it. Effective: of the CAPA
    verified (first verification round), the share found effective at once;
    a CAPA found not effective counts once, whatever its later rounds.
    """

    _name = "asq.capa.report"
    _inherit = ["asq.report.ratio.mixin"]
    _description = "CAPA Statistics"
    _auto = False
    _order = "date_open desc, id desc"
    _rec_name = "capa_id"
    _depends = {
        "asq.capa": [
            "state",
            "date_open",
            "date_closed",
            "company_id",
            "source",
            "department_id",
            "user_id",
            "days_to_close",
        ],
        "asq.capa.action": ["capa_id", "state", "date_due", "done_date"],
        "asq.capa.review": ["capa_id", "round", "result"],
    }
    _asq_ratios = {
        "on_time_rate": ("actions_on_time", "actions_due", 100.0, ()),
        "effective_rate": ("effective_count", "verified_count", 100.0, ()),
    }

    capa_id = fields.Many2one("asq.capa", string="CAPA", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    date_open = fields.Date(string="Opened On", readonly=True)
    date_closed = fields.Date(string="Closed On", readonly=True)
    state = fields.Selection(_capa_selection("state"), string="Status", readonly=True)
    source = fields.Selection(_capa_selection("source"), readonly=True)
    department_id = fields.Many2one(
        "hr.department", string="Responsible Department", readonly=True
    )
    user_id = fields.Many2one("res.users", string="Coordinator", readonly=True)
    closed_count = fields.Integer(string="Closed", readonly=True)
    actions_due = fields.Integer(readonly=True)
    actions_on_time = fields.Integer(string="Actions on Time", readonly=True)
    actions_overdue = fields.Integer(readonly=True)
    on_time_rate = fields.Float(
        string="Actions on Time (%)", digits=(16, 1), readonly=True, aggregator="avg"
    )
    verified_count = fields.Integer(string="Verified", readonly=True)
    effective_count = fields.Integer(string="Effective at First Check", readonly=True)
    effective_rate = fields.Float(
        string="Effectiveness Rate (%)", digits=(16, 1), readonly=True, aggregator="avg"
    )
    days_to_close = fields.Float(
        string="Days to Close", digits=(16, 1), readonly=True, aggregator="avg"
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT c.id,
                   c.id AS capa_id,
                   c.company_id,
                   c.date_open,
                   c.date_closed,
                   c.state,
                   c.source,
                   c.department_id,
                   c.user_id,
                   (c.state = 'closed')::int AS closed_count,
                   COALESCE(a.due, 0) AS actions_due,
                   COALESCE(a.on_time, 0) AS actions_on_time,
                   COALESCE(a.overdue, 0) AS actions_overdue,
                   COALESCE(a.on_time * 100.0 / NULLIF(a.due, 0), 0) AS on_time_rate,
                   (r.result IS NOT NULL)::int AS verified_count,
                   COALESCE(r.result = 'effective', FALSE)::int AS effective_count,
                   CASE WHEN r.result = 'effective' THEN 100 ELSE 0 END
                       AS effective_rate,
                   CASE WHEN c.state = 'closed' THEN c.days_to_close END
                       AS days_to_close
              FROM asq_capa c
              LEFT JOIN LATERAL (
                  SELECT COUNT(*) FILTER (
                             WHERE act.state = 'done' OR act.date_due < CURRENT_DATE
                         ) AS due,
                         COUNT(*) FILTER (
                             WHERE act.state = 'done'
                               AND (act.date_due IS NULL
                                    OR act.done_date <= act.date_due)
                         ) AS on_time,
                         COUNT(*) FILTER (
                             WHERE act.state = 'open' AND act.date_due < CURRENT_DATE
                         ) AS overdue
                    FROM asq_capa_action act
                   WHERE act.capa_id = c.id AND act.state <> 'cancel'
              ) a ON TRUE
              LEFT JOIN LATERAL (
                  SELECT rev.result
                    FROM asq_capa_review rev
                   WHERE rev.capa_id = c.id
                   ORDER BY rev.round, rev.id
                   LIMIT 1
              ) r ON TRUE
             WHERE c.state <> 'cancel'
            """
        )
