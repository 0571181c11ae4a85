from odoo import fields, models


class SurveyQuestion(models.Model):
    _inherit = "survey.question"

    asq_dimension = fields.Selection(
        selection=[
            ("quality", "Product Quality"),
            ("delivery", "Delivery Dates"),
            ("service", "Service"),
            ("price", "Price"),
        ],
        string="Satisfaction Dimension",
        index=True,
        help="Customer satisfaction dimension this scored question measures: "
        "its answers count towards the dimension's average and the "
        "satisfaction index of the after-sales survey campaigns.",
    )
