from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    asq_service_visit_count = fields.Integer(
        string="Service Visits", compute="_compute_asq_service_visit_count"
    )

    @api.depends_context("company", "allowed_company_ids", "uid")
    def _compute_asq_service_visit_count(self):
        """Smart button "Service Visits": one grouped read for the batch."""
        Visit = self.env["asq.service.visit"]
        counts = {}
        if Visit.has_access("read"):
            counts = {
                partner.id: count
                for partner, count in Visit._read_group(
                    [("commercial_partner_id", "in", self.commercial_partner_id.ids)],
                    ["commercial_partner_id"],
                    ["__count"],
                )
            }
        for partner in self:
            partner.asq_service_visit_count = counts.get(
                partner.commercial_partner_id.id, 0
            )

    def action_asq_view_service_visits(self):
        """Smart button "Service Visits": the customer's service visits."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_quality.asq_service_visit_action"
        )
        action["domain"] = [
            ("commercial_partner_id", "=", self.commercial_partner_id.id)
        ]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action
