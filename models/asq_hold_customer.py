from odoo import fields, models


class AsqHoldCustomer(models.AbstractModel):
    """A line of a quality hold about one of the customers who received the
    held goods (its buyers, the notices sent to them)."""

    _name = "asq.hold.customer"
    _description = "Quality Hold Customer Line"

    hold_id = fields.Many2one("asq.hold", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="hold_id.company_id", store=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
