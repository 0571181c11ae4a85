from odoo import api, models


class ReportAsqReturnTransport(models.AbstractModel):
    """The transport order exists only for approved requests."""

    _name = "report.after_sales_quality.report_asq_return_transport"
    _description = "Return Transport Order"

    @api.model
    def _get_report_values(self, docids, data=None):
        docs = self.env["asq.return"].browse(docids)
        docs._ensure_approved_for_transport()
        return {"doc_ids": docids, "doc_model": "asq.return", "docs": docs}
