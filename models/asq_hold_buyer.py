from odoo import api, fields, models
from odoo.exceptions import UserError

from .asq_groups import GROUP_INSPECTOR


class AsqHoldBuyer(models.Model):
    """A customer who received held goods, per delivery."""

    _name = "asq.hold.buyer"
    _inherit = ["asq.hold.customer"]
    _description = "Quality Hold Buyer"
    _order = "hold_id, partner_id, date desc, id"

    picking_id = fields.Many2one("stock.picking", string="Delivery")
    date = fields.Datetime(string="Delivery Date")
    lot_ids = fields.Many2many("stock.lot", string="Lots/Serial Numbers")
    quantity = fields.Float(
        string="Delivered Quantity", digits="Product Unit of Measure"
    )
    remaining_qty = fields.Float(
        string="Quantity Still at Customer", digits="Product Unit of Measure"
    )
    last_notice_date = fields.Datetime(
        string="Last Notice", compute="_compute_last_notice_date"
    )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_started(self):
        if self.hold_id.filtered(lambda h: h.state != "draft"):
            raise UserError(
                self.env._(
                    "The buyers of a started quality hold are a record: they "
                    "cannot be deleted."
                )
            )

    def _compute_last_notice_date(self):
        """One grouped read of the notice log for the batch."""
        sent = {}
        if self.ids:
            sent = {
                (hold.id, partner.id): date
                for hold, partner, date in self.env["asq.hold.notice"]
                .sudo()
                ._read_group(
                    [("hold_id", "in", self.hold_id.ids)],
                    ["hold_id", "partner_id"],
                    ["sent_date:max"],
                )
            }
        for buyer in self:
            buyer.last_notice_date = sent.get((buyer.hold_id.id, buyer.partner_id.id))

    def action_resend_notice(self):
        """Button "Re-send" on a buyer line: the notice of the current state
        again to this customer."""
        self.ensure_one()
        hold = self.hold_id._asq_workflow_step(
            ("active", "nonconforming", "released"),
            GROUP_INSPECTOR,
            self.env._("Re-send Notice"),
        )
        kind = "resume" if hold.state == "released" else "stop"
        hold._send_notices(kind, self.partner_id)
        return True
