from odoo import api, fields, models

from ..models.asq_kpi_pack import asq_last_complete_period, asq_period_bounds


class AsqKpiPackWizard(models.TransientModel):
    """Statistics Pack: choose the period and build (and send) its pack."""

    _name = "asq.kpi.pack.wizard"
    _description = "Generate a Statistics Pack"

    period_type = fields.Selection(
        selection=lambda s: s.env["asq.kpi.pack"]
        ._fields["period_type"]
        ._description_selection(s.env),
        required=True,
        default="month",
    )
    reference_date = fields.Date(
        compute="_compute_reference_date",
        store=True,
        readonly=False,
        required=True,
        help="Any day of the period; by default the last day of the last "
        "complete month, quarter or year.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda s: s.env.company,
        domain=lambda s: [("id", "in", s.env.user.company_ids.ids)],
    )
    date_from = fields.Date(string="Period From", compute="_compute_period")
    date_to = fields.Date(string="Period To", compute="_compute_period")

    @api.depends("period_type")
    def _compute_reference_date(self):
        today = fields.Date.context_today(self)
        for wizard in self:
            wizard.reference_date = asq_last_complete_period(
                wizard.period_type or "month", today
            )[1]

    @api.depends("period_type", "reference_date")
    def _compute_period(self):
        for wizard in self:
            if wizard.period_type and wizard.reference_date:
                wizard.date_from, wizard.date_to = asq_period_bounds(
                    wizard.period_type, wizard.reference_date
                )
            else:
                wizard.date_from = wizard.date_to = False

    def action_generate(self):
        """Button "Generate": create or regenerate the pack and open it."""
        return self._asq_generate(send=False)

    def action_generate_send(self):
        """Button "Generate and Send": the same, then mail it."""
        return self._asq_generate(send=True)

    def _asq_generate(self, send):
        self.ensure_one()
        Pack = self.env["asq.kpi.pack"].with_company(self.company_id)
        Pack._asq_ensure_role(
            Pack._asq_generators(), self.env._("Generate a Statistics Pack")
        )
        date_from = asq_period_bounds(self.period_type, self.reference_date)[0]
        pack = Pack._asq_get_or_create(self.company_id, self.period_type, date_from)
        if pack.state != "sent":
            pack.action_generate()
            if send:
                pack.action_send()
        return {
            "type": "ir.actions.act_window",
            "res_model": "asq.kpi.pack",
            "res_id": pack.id,
            "view_mode": "form",
            "target": "current",
        }
