from odoo import api, fields, models
from odoo.exceptions import UserError


class AsqReturnApproval(models.Model):
    """One signature of a return request: who, when, what, why."""

    _name = "asq.return.approval"
    _description = "Return Request Approval"
    _order = "return_id, date, id"

    return_id = fields.Many2one(
        "asq.return", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="return_id.company_id", store=True)
    step = fields.Selection(
        selection=[
            ("submit", "Submitted"),
            ("review", "After-sales review"),
            ("finance", "Finance check"),
            ("business", "Business head approval"),
            ("gm", "General manager approval"),
            ("qc", "QC inspection"),
            ("reopen", "Reopened"),
        ],
        required=True,
        readonly=True,
    )
    result = fields.Selection(
        selection=[
            ("submitted", "Submitted"),
            ("approved", "Approved"),
            ("refused", "Refused"),
            ("reopened", "Reopened"),
        ],
        required=True,
        readonly=True,
    )
    user_id = fields.Many2one(
        "res.users", string="Signed By", default=lambda s: s.env.user, readonly=True
    )
    date = fields.Datetime(default=fields.Datetime.now, readonly=True)
    comment = fields.Text(readonly=True)

    def write(self, vals):
        if vals:
            raise UserError(self.env._("Approval records cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Approval records cannot be deleted."))
