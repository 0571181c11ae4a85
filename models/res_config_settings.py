from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    asq_exchange_ratio_cap = fields.Float(
        related="company_id.asq_exchange_ratio_cap", readonly=False
    )
    asq_return_days = fields.Integer(
        related="company_id.asq_return_days", readonly=False
    )
    asq_return_period_months = fields.Integer(
        related="company_id.asq_return_period_months", readonly=False
    )
