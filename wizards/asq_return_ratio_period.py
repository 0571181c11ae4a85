from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import date_utils


class AsqReturnRatioPeriod(models.TransientModel):
    """Choose the period of the return ratio report."""

    _name = "asq.return.ratio.period"
    _description = "Return Ratio Period"

    period = fields.Selection(
        selection=[
            ("month", "Last Month"),
            ("quarter", "Last Quarter"),
            ("year", "Last Year"),
            ("contract", "Contract Period (to Today)"),
            ("custom", "Custom"),
        ],
        default="contract",
        required=True,
    )
    date_from = fields.Date(
        compute="_compute_dates", store=True, readonly=False, required=True
    )
    date_to = fields.Date(
        compute="_compute_dates", store=True, readonly=False, required=True
    )

    @api.depends("period")
    def _compute_dates(self):
        today = fields.Date.context_today(self)
        for wizard in self:
            if wizard.period == "custom" and wizard.date_from and wizard.date_to:
                continue
            wizard.date_from, wizard.date_to = wizard._asq_bounds(wizard.period, today)

    def _asq_bounds(self, period, today):
        if period == "month":
            start = date_utils.start_of(today, "month") - relativedelta(months=1)
            return start, date_utils.end_of(start, "month")
        if period == "quarter":
            start = date_utils.start_of(today, "quarter") - relativedelta(months=3)
            return start, date_utils.end_of(start, "quarter")
        if period == "year":
            start = date_utils.start_of(today, "year") - relativedelta(years=1)
            return start, date_utils.end_of(start, "year")
        months = self.env.company.asq_return_period_months
        return today - relativedelta(months=months), today

    def action_open(self):
        """Button "Show": the report over the chosen period."""
        self.ensure_one()
        if self.date_from > self.date_to:
            raise UserError(self.env._("The period ends before it starts."))
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_quality.asq_return_ratio_report_action"
        )
        action["name"] = self.env._(
            "Return Ratios %(date_from)s to %(date_to)s",
            date_from=fields.Date.to_string(self.date_from),
            date_to=fields.Date.to_string(self.date_to),
        )
        action["context"] = {
            "asq_date_from": fields.Date.to_string(self.date_from),
            "asq_date_to": fields.Date.to_string(self.date_to),
        }
        return action
