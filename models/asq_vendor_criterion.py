from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, float_is_zero


class AsqVendorCriterion(models.Model):
    """A criterion of the monthly vendor scorecard (《合格维保单位考核评分表》)."""

    _name = "asq.vendor.criterion"
    _description = "Vendor Scorecard Criterion"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    weight = fields.Float(
        required=True,
        digits=(5, 2),
        help="Share of the total in percent; the active criteria sum to 100.",
    )
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "weight_range",
            "CHECK(weight >= 0 AND weight <= 100)",
            "A criterion weight lies between 0 and 100.",
        ),
    ]

    @api.constrains("weight", "active")
    def _check_weights_sum(self):
        """The weights of the active criteria sum to 100 (or none is active)."""
        active = self.search([("active", "=", True)])
        total = sum(active.mapped("weight"))
        if not float_is_zero(total, 2) and float_compare(total, 100.0, 2):
            raise ValidationError(
                self.env._(
                    "The weights of the active criteria must sum to 100; they "
                    "sum to %(total)s.",
                    total=round(total, 2),
                )
            )
