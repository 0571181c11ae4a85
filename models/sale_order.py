from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    asq_complaint_count = fields.Integer(
        string="Complaints", compute="_compute_asq_complaint_count"
    )

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

    def _compute_asq_complaint_count(self):
        """Smart button "Complaints": one grouped read for the batch."""
        Line = self.env["asq.complaint.line"]
        counts = {}
        if Line.has_access("read") and self.ids:
            counts = {
                order.id: count
                for order, count in Line._read_group(
                    [("sale_order_id", "in", self.ids)],
                    ["sale_order_id"],
                    ["complaint_id:count_distinct"],
                )
            }
        for order in self:
            order.asq_complaint_count = counts.get(order.id, 0)

    def action_asq_view_complaints(self):
        """Smart button "Complaints": the complaints about this order's goods."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_quality.asq_complaint_action"
        )
        action["domain"] = [("line_ids.sale_order_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.partner_id.id}
        return action
