import base64
import io
from datetime import timedelta

import xlsxwriter

from odoo import api, fields, models

from ..report.asq_xlsx import (
    asq_day_start,
    asq_formats,
    asq_local,
    asq_write,
    asq_write_headers,
)


class AsqComplaintLedger(models.TransientModel):
    """Complaint ledger (《顾客质量投诉台帐》) as an XLSX file."""

    _name = "asq.complaint.ledger"
    _description = "Customer Complaint Ledger Export"

    date_from = fields.Date(string="Received From")
    date_to = fields.Date(string="Received To")
    complaint_ids = fields.Many2many(
        "asq.complaint",
        string="Complaints",
        help="Leave empty to export every complaint received in the period.",
    )
    file_data = fields.Binary(string="File", readonly=True, attachment=False)
    file_name = fields.Char(readonly=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "asq.complaint" and context.get("active_ids"):
            values["complaint_ids"] = [fields.Command.set(context["active_ids"])]
        return values

    def action_export(self):
        """Button "Export": build the XLSX ledger."""
        self.ensure_one()
        complaints = self._asq_complaints()
        self.write(
            {
                "file_data": base64.b64encode(self._asq_xlsx(complaints)),
                "file_name": self.env._("complaint_ledger.xlsx"),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def _asq_complaints(self):
        domain = [("feedback_type", "=", "complaint")]
        if self.complaint_ids:
            domain.append(("id", "in", self.complaint_ids.ids))
        # The user's days (the ledger prints its dates in the user's time
        # zone too), not UTC days.
        if self.date_from:
            domain.append(
                ("received_date", ">=", asq_day_start(self.env, self.date_from))
            )
        if self.date_to:
            domain.append(
                (
                    "received_date",
                    "<",
                    asq_day_start(self.env, self.date_to + timedelta(days=1)),
                )
            )
        return self.env["asq.complaint"].search(domain, order="received_date, id")

    def _asq_columns(self):
        """(header, width, value getter): the ledger's columns."""

        def label(record, fname):
            selection = dict(record._fields[fname]._description_selection(record.env))
            return selection.get(record[fname], "")

        def when(value):
            # a date cell in the user's (or company's) time zone, not UTC text
            return asq_local(self.env, value) or ""

        return [
            (self.env._("Reference"), 16, lambda c: c.name),
            (self.env._("Received At"), 18, lambda c: when(c.received_date)),
            (self.env._("Customer"), 28, lambda c: c.partner_id.display_name),
            (self.env._("Channel"), 10, lambda c: label(c, "channel")),
            (self.env._("Category"), 22, lambda c: label(c, "category")),
            (self.env._("Severity"), 10, lambda c: label(c, "severity")),
            (
                self.env._("Products"),
                28,
                lambda c: ", ".join(c.line_ids.product_id.mapped("display_name")),
            ),
            (
                self.env._("Lots"),
                18,
                lambda c: ", ".join(c.line_ids.lot_id.mapped("name")),
            ),
            (
                self.env._("Quantity Affected"),
                10,
                lambda c: sum(c.line_ids.mapped("quantity")),
            ),
            (self.env._("Description"), 40, lambda c: c.description or ""),
            (self.env._("Validity"), 10, lambda c: label(c, "validity")),
            (self.env._("Responsibility"), 18, lambda c: label(c, "responsibility")),
            # 003 §5.2.3 「认为不是本公司责任时,即不为客户投诉」: in the register,
            # out of the complaint rate.
            (
                self.env._("Counts as Complaint"),
                12,
                lambda c: self.env._("Yes")
                if c.counts_as_complaint
                else self.env._("No (Not Our Responsibility)"),
            ),
            (self.env._("Root Cause"), 40, lambda c: c.root_cause or ""),
            (self.env._("Disposition"), 18, lambda c: label(c, "disposition")),
            (self.env._("Replied At"), 18, lambda c: when(c.replied_date)),
            (
                self.env._("Disposition on Time"),
                10,
                lambda c: self.env._("Yes")
                if c.disposition_on_time
                else self.env._("No"),
            ),
            (self.env._("Satisfaction"), 12, lambda c: label(c, "satisfaction")),
            (self.env._("Loss Amount"), 12, lambda c: c.loss_amount),
            (self.env._("Loss Borne By"), 14, lambda c: label(c, "loss_bearer")),
            (
                self.env._("Repeat"),
                8,
                lambda c: self.env._("Yes") if c.is_repeat else self.env._("No"),
            ),
            (self.env._("Status"), 16, lambda c: label(c, "state")),
        ]

    def _asq_xlsx(self, complaints):
        """Customer text is written with write_string: a description such
        as "=1+1" stays text, never a formula."""
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = workbook.add_worksheet(self.env._("Complaint Ledger"))
        formats = asq_formats(workbook)
        columns = self._asq_columns()
        asq_write_headers(
            sheet,
            0,
            [header for header, _width, _getter in columns],
            formats["header"],
            [width for _header, width, _getter in columns],
        )
        for row, complaint in enumerate(complaints, start=1):
            for col, (_header, _width, getter) in enumerate(columns):
                asq_write(
                    sheet,
                    row,
                    col,
                    getter(complaint),
                    formats["amount"],
                    formats["wrap"],
                    date_formats=formats,
                )
        sheet.freeze_panes(1, 1)
        workbook.close()
        return output.getvalue()
