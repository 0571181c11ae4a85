from odoo import fields, models


class AsqReturnSign(models.TransientModel):
    """Signs, refuses or reopens a return request with a comment."""

    _name = "asq.return.sign"
    _description = "Sign a Return Request"

    return_id = fields.Many2one("asq.return", required=True, readonly=True)
    state = fields.Selection(related="return_id.state")
    live_ratio = fields.Float(related="return_id.live_ratio")
    live_beyond = fields.Boolean(related="return_id.live_beyond")
    opened_state = fields.Char(
        string="Status When Opened",
        readonly=True,
        help="The status of the request when the dialog was opened: the "
        "signature is refused if someone signed that step meanwhile.",
    )
    refuse = fields.Boolean()
    reopen = fields.Boolean()
    comment = fields.Text()

    def action_confirm(self):
        """Button "Sign" / "Refuse" / "Reopen" of the dialog."""
        self.ensure_one()
        if self.reopen:
            self.return_id._reopen(self.comment)
        else:
            self.return_id.action_sign(
                self.comment or "",
                approve=not self.refuse,
                expected_state=self.opened_state,
            )
        return {"type": "ir.actions.act_window_close"}
