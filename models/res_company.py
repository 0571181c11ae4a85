from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    # ------------------------------------------------------------------
    # Return / exchange defaults (contract terms when a customer has none)
    # ------------------------------------------------------------------
    asq_exchange_ratio_cap = fields.Float(
        string="Default Exchange Ratio Cap (%)",
        default=5.0,
        help="Share of the value delivered to a customer over the contract "
        "period that the customer may return or exchange, when its contract "
        "does not set its own cap.",
    )
    asq_return_days = fields.Integer(
        string="Default Return Time Limit (days)",
        default=90,
        help="Days after delivery within which goods may be returned or "
        "exchanged, when the customer's contract does not set its own limit.",
    )
    asq_return_period_months = fields.Integer(
        string="Contract Period for Return Ratios (months)",
        default=12,
        help="The customer's return ratio compares what was returned with what "
        "was delivered over this many months.",
    )

    _sql_constraints = [
        (
            "asq_exchange_ratio_cap_range",
            "CHECK(asq_exchange_ratio_cap >= 0 AND asq_exchange_ratio_cap <= 100)",
            "The default exchange ratio cap must lie between 0 and 100 %.",
        ),
        (
            "asq_return_days_positive",
            "CHECK(asq_return_days >= 0)",
            "The default return time limit cannot be negative.",
        ),
        (
            "asq_return_period_months_positive",
            "CHECK(asq_return_period_months > 0)",
            "The contract period for return ratios must be at least one month.",
        ),
    ]

    @api.constrains(
        "asq_exchange_ratio_cap", "asq_return_days", "asq_return_period_months"
    )
    def _check_asq_return_defaults(self):
        for company in self:
            if not 0.0 <= company.asq_exchange_ratio_cap <= 100.0:
                raise ValidationError(
                    self.env._(
                        "The default exchange ratio cap must lie between 0 and 100 %."
                    )
                )
            if company.asq_return_days < 0:
                raise ValidationError(
                    self.env._("The default return time limit cannot be negative.")
                )
            if company.asq_return_period_months < 1:
                raise ValidationError(
                    self.env._(
                        "The contract period for return ratios must be at least "
                        "one month."
                    )
                )
