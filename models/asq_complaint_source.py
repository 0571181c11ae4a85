from odoo import fields, models


class AsqComplaintSource(models.AbstractModel):
    """A document complaints are about through their lines (a sale order, a
    delivery): its smart button "Complaints" and the counter on it."""

    _name = "asq.complaint.source"
    _description = "Document Complained About"
    # The field of asq.complaint.line that points to this document.
    _asq_complaint_line_field = None

    asq_complaint_count = fields.Integer(
        string="Complaints", compute="_compute_asq_complaint_count"
    )

    def _compute_asq_complaint_count(self):
        """Smart button "Complaints": one grouped read for the batch."""
        Line = self.env["asq.complaint.line"]
        field = self._asq_complaint_line_field
        counts = {}
        if Line.has_access("read") and self.ids:
            counts = {
                document.id: count
                for document, count in Line._read_group(
                    [(field, "in", self.ids)],
                    [field],
                    ["complaint_id:count_distinct"],
                )
            }
        for document in self:
            document.asq_complaint_count = counts.get(document.id, 0)

    def action_asq_view_complaints(self):
        """Smart button "Complaints": the complaints about this document's
        goods."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_quality.asq_complaint_action"
        )
        action["domain"] = [
            (f"line_ids.{self._asq_complaint_line_field}", "=", self.id)
        ]
        action["context"] = {"default_partner_id": self.partner_id.id}
        return action
