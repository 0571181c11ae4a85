from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    asq_complaint_count = fields.Integer(
        string="Complaints", compute="_compute_asq_complaint_count"
    )

    @api.depends_context("company", "allowed_company_ids", "uid")
    def _compute_asq_complaint_count(self):
        """Smart button "Complaints": one grouped read for the whole batch."""
        Complaint = self.env["asq.complaint"]
        counts = {}
        if Complaint.has_access("read"):
            counts = {
                partner.id: count
                for partner, count in Complaint._read_group(
                    [("commercial_partner_id", "in", self.commercial_partner_id.ids)],
                    ["commercial_partner_id"],
                    ["__count"],
                )
            }
        for partner in self:
            partner.asq_complaint_count = counts.get(
                partner.commercial_partner_id.id, 0
            )

    def action_asq_view_complaints(self):
        """Smart button "Complaints": the customer's complaints and feedback."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_quality.asq_complaint_action"
        )
        action["domain"] = [
            ("commercial_partner_id", "=", self.commercial_partner_id.id)
        ]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action
