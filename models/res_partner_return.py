from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    asq_return_count = fields.Integer(
        string="Returns", compute="_compute_asq_return_count"
    )

    def _compute_asq_return_count(self):
        """Smart button "Returns": one grouped read for the whole batch."""
        Return = self.env["asq.return"]
        commercial = self.commercial_partner_id
        counts = {}
        if Return.has_access("read") and commercial:
            counts = {
                partner.id: count
                for partner, count in Return._read_group(
                    [("partner_id", "in", commercial.ids)], ["partner_id"], ["__count"]
                )
            }
        for partner in self:
            partner.asq_return_count = counts.get(partner.commercial_partner_id.id, 0)

    def action_asq_view_returns(self):
        """Smart button "Returns": the return requests of this customer."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_quality.asq_return_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action
