from odoo import api, fields, models
from odoo.exceptions import UserError


class AsqHoldNotice(models.Model):
    """Log of the notices mailed to the buyers of held goods."""

    _name = "asq.hold.notice"
    _inherit = ["asq.hold.customer"]
    _description = "Quality Hold Notice"
    _order = "sent_date desc, id desc"

    kind = fields.Selection(
        selection=[("stop", "Pause selling and using"), ("resume", "Resume")],
        string="Notice",
        required=True,
    )
    sent_date = fields.Datetime(string="Sent On", required=True)
    sent_user_id = fields.Many2one("res.users", string="Sent By")
    mail_id = fields.Many2one("mail.mail", string="E-mail", ondelete="set null")

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Sent hold notices cannot be deleted."))
