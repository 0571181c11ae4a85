from odoo import api, fields, models
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
