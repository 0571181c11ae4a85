from odoo import api, fields, models
from odoo.exceptions import UserError


class AsqCapaReview(models.Model):
    """One effectiveness verification of a CAPA (kept for the auditor)."""

    _name = "asq.capa.review"
    _description = "CAPA Effectiveness Verification"
    _order = "capa_id, round, id"

    capa_id = fields.Many2one(
        "asq.capa",
        string="CAPA",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    company_id = fields.Many2one(related="capa_id.company_id", store=True)
    round = fields.Integer(readonly=True)
    result = fields.Selection(
        selection=[("effective", "Effective"), ("not_effective", "Not effective")],
        readonly=True,
    )
    note = fields.Text(readonly=True)
    user_id = fields.Many2one(
        "res.users", string="Verified By", default=lambda s: s.env.user, readonly=True
    )
    date = fields.Datetime(default=fields.Datetime.now, readonly=True)

    def write(self, vals):
        if self:
            raise UserError(self.env._("Verification records cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Verification records cannot be deleted."))
