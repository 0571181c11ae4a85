from odoo import api, models


class AsqQualityReportReport(models.AbstractModel):
    """The annual product quality report's PDF: the year's figures as the
    yearly statistics pack computes them (asq.quality.report._asq_figures,
    not a second computation) beside the quality department's text."""

    _name = "report.after_sales_quality.asq_quality_report_report_template"
    _description = "Product Quality Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        reports = self.env["asq.quality.report"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "asq.quality.report",
            "docs": reports,
            "report_figures": {report.id: report._asq_figures() for report in reports},
        }
