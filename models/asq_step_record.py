from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError


class AsqStepRecord(models.Model):
    """One line per step done on an after-sales document, written by the
    engine (``asq.workflow.mixin._asq_finish``) as superuser with the signer
    as ``user_id``: who did which step, when, from which state to which, and
    which of the step's roles they held at that moment. Nobody creates,
    changes or deletes one through the ORM (no access right grants it, and
    write/unlink refuse even as superuser): the auditor's record of each
    signature, kept apart from the document a forger would edit
    (``tools/audit.sql``: ``step_signed_without_role``,
    ``step_stamp_without_record``)."""

    _name = "asq.step.record"
    _description = "After-Sales Step Record"
    _order = "date desc, id desc"
    _rec_name = "step"

    res_model = fields.Char(string="Document Model", required=True, readonly=True)
    res_id = fields.Many2oneReference(
        string="Document", model_field="res_model", required=True, readonly=True
    )
    step = fields.Char(required=True, readonly=True)
    label = fields.Char(string="Step Name", readonly=True)
    from_state = fields.Char(readonly=True)
    to_state = fields.Char(readonly=True)
    user_id = fields.Many2one(
        "res.users", string="Signed By", required=True, readonly=True, index=True
    )
    date = fields.Datetime(
        string="Signed On", required=True, readonly=True, default=fields.Datetime.now
    )
    roles_held = fields.Char(
        readonly=True,
        help="The step's roles the signer held when signing (XML ids); empty "
        "for a step anybody who may edit the document does.",
    )
    role_ok = fields.Boolean(
        string="Role Held",
        readonly=True,
        help="The signer held one of the step's roles when signing.",
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)

    def init(self):
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS asq_step_record_document_idx "
            "ON asq_step_record (res_model, res_id, step)"
        )

    def write(self, vals):
        self.check_access("write")
        if self:
            raise UserError(self.env._("Step records cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Step records cannot be deleted."))


def backfill_step_records(env):
    """The step record the engine would have written for every stamp that has
    none (signed before the engine, or by a step that stamped another
    step's fields), marked as backfilled: the signer and time come from the
    document, the roles from the signer's groups now (Odoo keeps no history
    of them). Returns how many were written."""
    from .asq_workflow_mixin import asq_engine_models

    cr = env.cr
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
            # Table and column names come from the declarations, not from input.
            # pylint: disable=sql-injection
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
    return total
