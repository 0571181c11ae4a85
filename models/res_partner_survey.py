from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    asq_survey_target_count = fields.Integer(
        string="Satisfaction Surveys",
        compute="_compute_asq_survey_target_count",
    )

    def _compute_asq_survey_target_count(self):
        """Smart button "Surveys": one grouped read for the whole batch."""
        Target = self.env["asq.survey.target"]
        commercial = self.commercial_partner_id
        counts = {}
        if Target.has_access("read") and commercial:
            counts = {
                partner.id: count
                for partner, count in Target._read_group(
                    [("partner_id", "in", commercial.ids)],
                    ["partner_id"],
                    ["__count"],
                )
            }
        for partner in self:
            partner.asq_survey_target_count = counts.get(
                partner.commercial_partner_id.id, 0
            )

    def _asq_survey_contact(self):
        """The contact who receives the survey: the customer itself when it
        has an e-mail address, else its first contact with one."""
        self.ensure_one()
        if self.email:
            return self
        contacts = self.child_ids.filtered(
            lambda c: c.email and c.type in ("contact", "other")
        )
        return contacts[:1] or self

    def action_asq_view_survey_targets(self):
        """Smart button "Surveys": the campaigns this customer was surveyed in."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_quality.asq_survey_target_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        return action
