from odoo import fields, models
from odoo.exceptions import UserError


class StockPicking(models.Model):
    _inherit = "stock.picking"

    asq_return_id = fields.Many2one(
        "asq.return",
        string="Return Request",
        index="btree_not_null",
        readonly=True,
        copy=False,
    )
    asq_return_role = fields.Selection(
        selection=[
            ("receipt", "Return receipt into QC"),
            ("putaway", "Put-away after QC"),
            ("reject", "Rejected goods back to the customer"),
            ("replacement", "Replacement delivery"),
        ],
        string="Return Step",
        readonly=True,
        copy=False,
    )

    def button_validate(self):
        self._asq_ensure_return_signed()
        return super().button_validate()

    def _action_done(self):
        self._asq_ensure_return_signed()
        res = super()._action_done()
        done = self.filtered(lambda p: p.asq_return_id and p.state == "done")
        if done:
            returns = done.asq_return_id.sudo()
            returns._on_receipt_done()
            returns._check_done()
        return res

    def _asq_ensure_return_signed(self):
        """The warehouse gate: a return transfer is booked only once every
        signature it needs is on the request."""
        for picking in self.filtered("asq_return_id"):
            request = picking.asq_return_id.sudo()
            missing = request._missing_signatures(picking.asq_return_role)
            if missing:
                raise UserError(
                    self.env._(
                        "%(picking)s cannot be validated: return request "
                        "%(request)s still needs %(missing)s.",
                        picking=picking.name,
                        request=request.name,
                        missing=", ".join(missing),
                    )
                )
