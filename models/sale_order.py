from odoo import api, fields, models
from odoo.exceptions import UserError

from .stock_picking import asq_new_return_action, asq_register_complaint_action


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "asq.complaint.source"]
    # (asq_complaint_count and its smart button: asq.complaint.source)
    _asq_complaint_line_field = "sale_order_id"

    asq_hold_warning = fields.Text(
        string="Quality Hold Warning", compute="_compute_asq_hold_warning"
    )
    asq_customer_delivered = fields.Boolean(
        string="Goods Delivered",
        compute="_compute_asq_customer_delivered",
        help="Drives the button Return Request: a confirmed order some of whose "
        "goods reached the customer.",
    )

    @api.depends("order_line.product_id", "company_id")
    def _compute_asq_hold_warning(self):
        """Alert banner: products of the order under an active quality hold
        (one search for the batch; holds read as superuser so that every
        salesperson sees the warning)."""
        holds = self.env["asq.hold"]._blocking_holds(self.order_line.product_id)
        for order in self:
            lines = []
            for hold in holds.filtered(
                lambda h, o=order: h.company_id == o.company_id
                and h.product_id in o.order_line.product_id
            ):
                lines.append(
                    self.env._(
                        "Quality hold %(hold)s on %(goods)s: do not sell or ship "
                        "these goods until the hold is released.",
                        hold=hold.name,
                        goods=hold._goods_label(),
                    )
                )
            order.asq_hold_warning = "\n".join(lines) or False

    @api.depends("state", "picking_ids.state")
    def _compute_asq_customer_delivered(self):
        for order in self:
            order.asq_customer_delivered = order.state == "sale" and any(
                picking._asq_is_customer_delivery() for picking in order.picking_ids
            )

    def _asq_delivered_goods(self):
        """The goods of this confirmed order delivered to the customer
        (asq.delivered.line), oldest delivery first."""
        self.ensure_one()
        if self.state != "sale":
            raise UserError(
                self.env._(
                    "%(order)s is not a confirmed sale: complaints and return "
                    "requests are about confirmed orders.",
                    order=self.name,
                )
            )
        return self.env["asq.delivered.line"].search(
            [("sale_order_id", "=", self.id)], order="date, id"
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_asq_register_complaint(self):
        """Button "Register Complaint": a new complaint of the customer about
        this order's delivered goods."""
        return asq_register_complaint_action(self)

    def action_asq_new_return(self):
        """Button "Return Request": a new return request of the customer for
        what of this order's deliveries is still at the customer."""
        return asq_new_return_action(self)

    def _asq_nothing_to_return(self):
        """Why the button "Return Request" has nothing to ask back."""
        return self.env._(
            "Nothing %(order)s delivered is still at the customer: no "
            "goods to ask back.",
            order=self.name,
        )

    # ------------------------------------------------------------------
    # New customers (003 §4.2.3 《新客户申请表》): approved before the first sale
    # ------------------------------------------------------------------
    def action_confirm(self):
        """A customer whose new-customer application is not approved (draft,
        submitted or refused) cannot buy; nor, when the company requires an
        approved application, a customer without one that never bought."""
        self._asq_check_customer_application()
        return super().action_confirm()

    def _asq_check_customer_application(self):
        Application = self.env["asq.customer.application"]
        for order in self:
            customer = order.partner_id.commercial_partner_id
            pending = Application._asq_blocking_applications(customer, order.company_id)
            if pending:
                raise UserError(
                    self.env._(
                        "%(order)s cannot be confirmed: the new-customer "
                        "application %(applications)s of %(customer)s is not "
                        "approved. A new customer buys once its application "
                        "is approved.",
                        order=order.name,
                        applications=", ".join(pending.mapped("name")),
                        customer=customer.display_name,
                    )
                )
            if not order.company_id.asq_require_customer_application:
                continue
            approved = Application.sudo().search_count(
                [
                    ("commercial_partner_id", "=", customer.id),
                    ("company_id", "=", order.company_id.id),
                    ("state", "=", "approved"),
                ],
                limit=1,
            )
            bought = (
                self.sudo().search_count(
                    [
                        ("partner_id", "child_of", customer.id),
                        ("company_id", "=", order.company_id.id),
                        ("state", "=", "sale"),
                        ("id", "not in", self.ids),
                    ],
                    limit=1,
                )
                if not approved
                else 1
            )
            if not bought:
                raise UserError(
                    self.env._(
                        "%(order)s cannot be confirmed: %(customer)s is a new "
                        "customer without an approved new-customer application. "
                        "Fill in its application and have it approved before "
                        "the first sale.",
                        order=order.name,
                        customer=customer.display_name,
                    )
                )
