from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero

from ..models.asq_workflow_mixin import asq_carried
from ..models.stock_move import GROUP_GATE_EXCEPTION


class StockReturnPicking(models.TransientModel):
    _inherit = "stock.return.picking"

    asq_customer_delivery = fields.Boolean(
        string="Customer Delivery",
        compute="_compute_asq_customer_delivery",
        help="Drives the buttons: a delivery to a customer comes back through "
        "a return request (001), Odoo's plain return only for the exception "
        "group.",
    )
    asq_gate_exception = fields.Boolean(
        string="Return Gate Exception",
        compute="_compute_asq_customer_delivery",
        help="Shows Odoo's own return buttons on a customer delivery: the user "
        "holds the exception group (each booking is logged).",
    )
    asq_can_request = fields.Boolean(
        string="May File a Return Request",
        compute="_compute_asq_customer_delivery",
        help="Drives the button Create Return Request: only those who may "
        "create a return request (sales and after-sales users) see it; the "
        "others are told whom to ask.",
    )
    asq_return_reason = fields.Text(
        string="Reason for the Return",
        help="Written on every line of the return request (the after-sales "
        "user completes it in the draft).",
    )

    @api.depends("picking_id")
    def _compute_asq_customer_delivery(self):
        exception = self.env.user.has_group(GROUP_GATE_EXCEPTION)
        can_request = self.env["asq.return"].has_access("create")
        for wizard in self:
            wizard.asq_can_request = can_request
            wizard.asq_customer_delivery = any(
                move._asq_is_customer_delivery() for move in wizard.picking_id.move_ids
            )
            wizard.asq_gate_exception = exception

    def _prepare_picking_default_values(self):
        """Return requests send the goods to the warehouse's QC location,
        as the warehouse's "Customer Returns" operation."""
        vals = super()._prepare_picking_default_values()
        location = asq_carried(self.env, "asq_return_location_dest_id")
        if location:
            vals["location_dest_id"] = location
        picking_type = asq_carried(self.env, "asq_return_picking_type_id")
        if picking_type:
            vals["picking_type_id"] = picking_type
        return vals

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_asq_create_return_request(self):
        """Button "Create Return Request": a draft return request for the
        quantities chosen (customer, delivery, product, lot), opened in its
        form; the warehouse books the goods once it is signed."""
        self.ensure_one()
        picking = self.picking_id
        if not self.asq_customer_delivery:
            raise UserError(
                self.env._(
                    "%(picking)s did not deliver goods to a customer: use Return.",
                    picking=picking.name,
                )
            )
        if not self.env["asq.return"].has_access("create"):
            raise UserError(
                self.env._(
                    "Return requests are filed by the sales and after-sales "
                    "users: ask them to create one for %(picking)s.",
                    picking=picking.name,
                )
            )
        reason = (self.asq_return_reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give the reason for the return."))
        lines = self.product_return_moves.filtered(
            lambda x: x.move_id
            and not float_is_zero(x.quantity, precision_rounding=x.uom_id.rounding)
        )
        if not lines:
            raise UserError(
                self.env._("Please specify at least one non-zero quantity.")
            )
        customer = picking.partner_id.commercial_partner_id
        delivered = self.env["asq.delivered.line"].search(
            [("partner_id", "=", customer.id), ("move_id", "in", lines.move_id.ids)],
            order="id",
        )
        commands = []
        for line in lines:
            wanted = line.quantity
            rounding = line.uom_id.rounding
            # A move that delivered several lots: the lots in turn, each for
            # what is still at the customer.
            for goods in delivered.filtered(lambda d, m=line.move_id: d.move_id == m):
                if float_compare(wanted, 0.0, precision_rounding=rounding) <= 0:
                    break
                quantity = min(wanted, goods.remaining_qty)
                if float_compare(quantity, 0.0, precision_rounding=rounding) <= 0:
                    continue
                commands.append(
                    Command.create(
                        {
                            "delivered_line_id": goods.id,
                            "quantity": quantity,
                            "reason": reason,
                        }
                    )
                )
                wanted -= quantity
            if float_compare(wanted, 0.0, precision_rounding=rounding) > 0:
                raise UserError(
                    self.env._(
                        "%(product)s of %(picking)s: %(quantity)s asked back, only "
                        "%(remaining)s still at the customer.",
                        product=line.product_id.display_name,
                        picking=picking.name,
                        quantity=line.quantity,
                        remaining=line.quantity - wanted,
                    )
                )
        request = self.env["asq.return"].create(
            {
                "partner_id": customer.id,
                "company_id": picking.company_id.id,
                "line_ids": commands,
            }
        )
        request.message_post(
            body=self.env._(
                "Created from the Return button of %(picking)s.", picking=picking.name
            )
        )
        return {
            "type": "ir.actions.act_window",
            "name": request.display_name,
            "res_model": "asq.return",
            "res_id": request.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }
