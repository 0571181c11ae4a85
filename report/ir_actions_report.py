from odoo import models

from .asq_xlsx import asq_tz


class IrActionsReport(models.Model):
    """The addon's printed forms show every date and time in the user's time
    zone, else the company's (never UTC)."""

    _inherit = "ir.actions.report"

    def _render_template(self, template, values=None):
        # The date/datetime widgets (t-field of a Datetime, "widget":
        # "datetime") convert with the context's tz, else the user's: a user
        # without one (a scheduled job, a new login) gets the company's.
        if str(template).startswith("after_sales_quality.") and not (
            self.env.context.get("tz") or self.env.user.tz
        ):
            self = self.with_context(tz=asq_tz(self.env))
        return super()._render_template(template, values=values)
