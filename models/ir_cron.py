from odoo import models

from .asq_cron import MODULE


class IrCron(models.Model):
    """The addon's scheduled jobs tell the quality managers when they fail."""

    _inherit = "ir.cron"

    def _callback(self, cron_name, server_action_id):
        """The scheduler's call of a job: when one of this addon's jobs fails
        as a whole, tell the quality managers (the scheduler then counts the
        failure and may deactivate the job) and let the error go on."""
        try:
            return super()._callback(cron_name, server_action_id)
        except Exception as error:
            if self._asq_is_own_job():
                self.env["asq.cron.guard"]._asq_report_job_failure(self, error)
            raise

    def _asq_is_own_job(self):
        self.ensure_one()
        try:
            xmlids = self.sudo()._get_external_ids().get(self.id, [])
        except Exception:  # never hide the job's own error
            return False
        return any(xmlid.startswith(f"{MODULE}.") for xmlid in xmlids)
