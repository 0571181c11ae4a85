from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare

from .asq_complaint import STEP_CONTEXT
from .asq_orm_speed import fill_batch_defaults
from .asq_workflow_mixin import asq_in_step


class AsqComplaintLine(models.Model):
    """Goods a complaint is about, picked from the customer's deliveries."""

    _name = "asq.complaint.line"
    _inherit = ["asq.batch.defaults"]
    _description = "Complaint Affected Goods"
    _order = "complaint_id, id"
    _check_company_auto = True

    complaint_id = fields.Many2one(
        "asq.complaint", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="complaint_id.company_id", store=True)
    partner_id = fields.Many2one(
        related="complaint_id.commercial_partner_id",
        string="Customer",
        store=True,
        index=True,
    )
    delivered_line_id = fields.Many2one(
        "asq.delivered.line",
        string="Delivered Goods",
        required=True,
        check_company=True,
        domain="[('partner_id', '=', partner_id)]",
        help="The delivery (move and lot) the complaint is about.",
    )
    product_id = fields.Many2one(
        "product.product",
        compute="_compute_from_delivery",
        store=True,
        index=True,
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Lot/Serial Number",
        compute="_compute_from_delivery",
        store=True,
    )
    # Indexed for the "Complaints" smart buttons of deliveries and orders.
    picking_id = fields.Many2one(
        "stock.picking",
        string="Delivery",
        compute="_compute_from_delivery",
        store=True,
        index="btree_not_null",
    )
    sale_order_id = fields.Many2one(
        "sale.order",
        compute="_compute_from_delivery",
        store=True,
        index="btree_not_null",
    )
    move_id = fields.Many2one(
        "stock.move", compute="_compute_from_delivery", store=True
    )
    delivery_date = fields.Datetime(compute="_compute_from_delivery", store=True)
    product_uom_id = fields.Many2one(
        "uom.uom",
        string="Unit",
        compute="_compute_from_delivery",
        store=True,
    )
    delivered_qty = fields.Float(
        string="Delivered Quantity",
        digits="Product Unit of Measure",
        compute="_compute_from_delivery",
        store=True,
    )
    quantity = fields.Float(
        string="Quantity Affected",
        digits="Product Unit of Measure",
        required=True,
        default=1.0,
    )

    _sql_constraints = [
        (
            "quantity_positive",
            "CHECK(quantity > 0)",
            "The quantity affected must be positive.",
        ),
    ]

    @api.depends("delivered_line_id")
    def _compute_from_delivery(self):
        for line in self:
            delivered = line.delivered_line_id
            line.product_id = delivered.product_id
            line.lot_id = delivered.lot_id
            line.picking_id = delivered.picking_id
            line.sale_order_id = delivered.sale_order_id
            line.move_id = delivered.move_id
            line.delivery_date = delivered.date
            line.product_uom_id = delivered.product_uom_id
            line.delivered_qty = delivered.quantity

    @api.constrains("complaint_id", "delivered_line_id", "quantity")
    def _check_delivered_to_customer(self):
        for line in self.sudo():
            delivered = line.delivered_line_id
            customer = line.complaint_id.commercial_partner_id
            if delivered.partner_id != customer:
                raise ValidationError(
                    self.env._(
                        "%(product)s (lot %(lot)s) was never delivered to "
                        "%(customer)s.",
                        product=delivered.product_id.display_name,
                        lot=delivered.lot_id.name or "-",
                        customer=customer.display_name,
                    )
                )
        # All the lines of a complaint on the same delivered goods together:
        # 50 + 50 affected of 50 delivered is as wrong as 100 on one line.
        for (complaint, delivered), lines in (
            self.sudo().complaint_id.line_ids.grouped(
                lambda line: (line.complaint_id, line.delivered_line_id)
            )
        ).items():
            quantity = sum(lines.mapped("quantity"))
            rounding = delivered.product_uom_id.rounding or 0.01
            if (
                float_compare(quantity, delivered.quantity, precision_rounding=rounding)
                > 0
            ):
                raise ValidationError(
                    self.env._(
                        "The quantity affected of %(product)s (%(quantity)s) exceeds "
                        "the %(delivered)s delivered in %(delivery)s.",
                        product=delivered.product_id.display_name,
                        quantity=quantity,
                        delivered=delivered.quantity,
                        delivery=delivered.picking_id.name or "-",
                    )
                )
            complaint._asq_check_received_after_delivery()

    @api.model_create_multi
    def create(self, vals_list):
        complaints = self.env["asq.complaint"].browse(
            [vals["complaint_id"] for vals in vals_list if vals.get("complaint_id")]
        )
        self._asq_ensure_draft(complaints)
        lines, vals_list = fill_batch_defaults(self, vals_list)
        return super(AsqComplaintLine, lines).create(vals_list).with_env(self.env)

    def write(self, vals):
        self._asq_ensure_draft(self.complaint_id)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_registered(self):
        self._asq_ensure_draft(self.complaint_id)

    def _asq_ensure_draft(self, complaints):
        if asq_in_step(self.env, STEP_CONTEXT):
            return
        locked = complaints.filtered(lambda c: c.state != "draft")
        if locked:
            raise UserError(
                self.env._(
                    "The affected goods of %(names)s can no longer be changed: the "
                    "complaint is registered.",
                    names=locked._asq_names(),
                )
            )
