from odoo import api, fields, models


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "asq.complaint.source"]
    # (asq_complaint_count and its smart button: asq.complaint.source)
    _asq_complaint_line_field = "sale_order_id"

    asq_hold_warning = fields.Text(
        string="Quality Hold Warning", compute="_compute_asq_hold_warning"
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
