"""18.0.1.2.0: the workflow engine's step records (asq.step.record).

Documents signed before this version carry their stamps (who/when) but no
step record; the audit's ``step_stamp_without_record`` would list every one
of them. Each existing stamp gets the record the engine would have written,
marked as backfilled: the signer and time come from the document, the roles
from the signer's groups at the upgrade (Odoo keeps no history of them).
"""

import logging

from odoo import SUPERUSER_ID, api

from odoo.addons.after_sales_quality.models.asq_workflow_mixin import asq_engine_models

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    total = 0
    for name in asq_engine_models(env):
        Model = env[name]
        # Steps stamping the same who-field (judged valid / not valid) share
        # one record, as the audit query reads them.
        steps_by_who = {}
        for transition in Model._asq_transitions:
            if transition.stamp:
                steps_by_who.setdefault(transition.stamp_fields, []).append(transition)
        for (who, when), transitions in steps_by_who.items():
            first = transitions[0]
            group_ids = sorted(
                {env.ref(group).id for t in transitions for group in t.groups}
            )
            company = "t.company_id" if "company_id" in Model._fields else "NULL"
            # pylint: disable=sql-injection (table and column names come from
            # the declarations, not from input)
            cr.execute(
                f"""
                INSERT INTO asq_step_record (res_model, res_id, step, label,
                       user_id, date, roles_held, role_ok, company_id,
                       create_uid, create_date, write_uid, write_date)
                SELECT %(model)s, t.id, %(step)s, %(label)s, t."{who}",
                       COALESCE(t."{when}", t.write_date), '(backfilled)',
                       (cardinality(%(groups)s::int[]) = 0 OR EXISTS (
                           SELECT 1 FROM res_groups_users_rel r
                            WHERE r.uid = t."{who}" AND r.gid = ANY(%(groups)s)))
                       OR t."{who}" = %(su)s,
                       {company}, %(su)s, now() at time zone 'UTC',
                       %(su)s, now() at time zone 'UTC'
                  FROM "{Model._table}" t
                 WHERE t."{who}" IS NOT NULL
                   AND NOT EXISTS (
                       SELECT 1 FROM asq_step_record s
                        WHERE s.res_model = %(model)s AND s.res_id = t.id
                          AND s.user_id = t."{who}" AND s.step = ANY(%(steps)s))
                """,
                {
                    "model": name,
                    "step": first.step,
                    "steps": [t.step for t in transitions],
                    "label": first.label._source,
                    "groups": group_ids,
                    "su": SUPERUSER_ID,
                },
            )
            total += cr.rowcount
    _logger.info("after_sales_quality: %s step records backfilled", total)
