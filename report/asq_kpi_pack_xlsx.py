import io

import xlsxwriter

from odoo import models

from .asq_xlsx import asq_formats, asq_write, asq_write_headers, asq_write_row


class AsqKpiPackXlsx(models.AbstractModel):
    """Statistics pack workbook for finance and management, as XLSX."""

    _name = "asq.kpi.pack.xlsx"
    _description = "After-Sales Statistics Pack (XLSX)"

    def _asq_build(self, figures):
        """Return the XLSX bytes of ``figures``, the dict the PDF report
        prints (``report.after_sales_quality.asq_kpi_pack_report_template``).
        Names and texts typed by people are written with write_string: a
        description such as "=1+1" stays text, never a formula."""
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        formats = asq_formats(workbook)
        self._asq_summary_sheet(workbook, formats, figures)
        self._asq_rate_sheet(workbook, formats, figures)
        self._asq_timeliness_sheet(workbook, formats, figures)
        self._asq_loss_sheet(workbook, formats, figures)
        self._asq_capa_sheet(workbook, formats, figures)
        self._asq_return_sheet(workbook, formats, figures)
        self._asq_satisfaction_sheet(workbook, formats, figures)
        self._asq_items_sheet(workbook, formats, figures)
        workbook.close()
        return output.getvalue()

    # ------------------------------------------------------------------
    # Sheets
    # ------------------------------------------------------------------
    def _asq_summary_sheet(self, workbook, formats, figures):
        period = figures["period"]
        sheet = workbook.add_worksheet(self.env._("Summary"))
        sheet.write_string(
            0,
            0,
            self.env._(
                "After-Sales Statistics: %(company)s, %(type)s %(start)s - %(end)s",
                company=period["company"],
                type=period["type_label"],
                start=period["date_from"],
                end=period["date_to"],
            ),
            formats["title"],
        )
        asq_write_headers(
            sheet,
            2,
            [
                self.env._("Figure"),
                self.env._("This Period"),
                self.env._(
                    "Previous Period (%(start)s - %(end)s)",
                    start=period["previous_from"],
                    end=period["previous_to"],
                ),
                self.env._("Difference"),
            ],
            formats["header"],
            [44, 16, 30, 14],
        )
        counts = {line["key"]: line for line in figures["summary_rows"]}
        for row, line in enumerate(figures["summary_rows"], start=3):
            fmt = formats["amount"] if line["kind"] == "amount" else formats["number"]
            values = [line["current"], line["previous"], line["difference"]]
            if line["key"] == "complaint_rate":
                # Complaints and no delivery: no complaint rate, not 0 %.
                none = [
                    bool(counts["received"][when] and not counts["deliveries"][when])
                    for when in ("current", "previous")
                ]
                values = [
                    self.env._("no deliveries") if none[0] else values[0],
                    self.env._("no deliveries") if none[1] else values[1],
                    None if any(none) else values[2],
                ]
            asq_write_row(
                sheet,
                row,
                [line["label"], *values],
                fmt,
            )
        sheet.freeze_panes(3, 1)

    def _asq_rate_lines(self, lines, no_deliveries=None):
        """``lines`` with the complaint rate of those with complaints and no
        delivery (``no_deliveries``: whether the period had none, for lines
        that don't count them) written "no deliveries", not 0 %."""
        result = []
        for line in lines:
            none = line["complaints"] and (
                not line["deliveries"] if no_deliveries is None else no_deliveries
            )
            if none:
                line = {**line, "complaint_rate": self.env._("no deliveries")}
            result.append(line)
        return result

    def _asq_rate_sheet(self, workbook, formats, figures):
        sheet = workbook.add_worksheet(self.env._("Complaint Rate"))
        rate_columns = [
            (self.env._("Delivered Orders"), "deliveries"),
            (self.env._("Complaints"), "complaints"),
            (self.env._("Complaint Rate (%)"), "complaint_rate"),
            (self.env._("Product Incident Rate (%)"), "incident_rate"),
        ]
        row = self._asq_table(
            sheet,
            formats,
            0,
            self.env._("Complaint Rate by Period"),
            [(self._asq_period_label(figures), "label"), *rate_columns],
            self._asq_rate_lines(figures["rate_by_period"]),
            [28, 16, 14, 18, 22],
        )
        if figures["rate_by_period"]:
            first, last = 2, 1 + len(figures["rate_by_period"])
            chart = workbook.add_chart({"type": "line"})
            chart.add_series(
                {
                    "name": self.env._("Complaint Rate (%)"),
                    "categories": [sheet.name, first, 0, last, 0],
                    "values": [sheet.name, first, 3, last, 3],
                    "marker": {"type": "circle"},
                }
            )
            chart.set_title({"name": self.env._("Complaint Rate by Period")})
            chart.set_y_axis({"name": "%"})
            chart.set_legend({"none": True})
            sheet.insert_chart(0, 6, chart)
        row = self._asq_table(
            sheet,
            formats,
            max(row, 18),
            self.env._("By Complaint Category"),
            [
                (self.env._("Complaint Category"), "label"),
                rate_columns[1],
                rate_columns[2],
            ],
            self._asq_rate_lines(
                figures["by_category"],
                no_deliveries=not figures["summary"]["deliveries"],
            ),
        )
        row = self._asq_table(
            sheet,
            formats,
            row,
            self.env._("By Product"),
            [
                (self.env._("Product"), "label"),
                *rate_columns,
                (self.env._("Delivered Quantity"), "delivered_qty"),
                (self.env._("Defective Quantity"), "complained_qty"),
            ],
            self._asq_rate_lines(figures["by_product"]),
        )
        self._asq_table(
            sheet,
            formats,
            row,
            self.env._("By Customer (Top 20)"),
            [(self.env._("Customer"), "label"), *rate_columns],
            self._asq_rate_lines(figures["by_customer"]),
        )

    def _asq_timeliness_sheet(self, workbook, formats, figures):
        sheet = workbook.add_worksheet(self.env._("Timeliness"))
        summary = figures["summary"]
        timeliness = figures["timeliness"]
        # The total line: the period's rates, and the sums of the counts.
        total = {
            "label": self.env._("Total"),
            "complaints": summary["received"],
            "handling_days": summary["handling_days"],
        }
        for step in ("disposition", "onsite", "answer"):
            total[f"{step}_rate"] = summary[f"{step}_rate"]
            for count in ("due", "met"):
                key = f"{step}_{count}"
                total[key] = sum(line[key] for line in timeliness)
        self._asq_table(
            sheet,
            formats,
            0,
            self.env._("Reply Timeliness"),
            [
                (self._asq_period_label(figures), "label"),
                (self.env._("Complaints"), "complaints"),
                (self.env._("Dispositions Due"), "disposition_due"),
                (self.env._("Dispositions on Time"), "disposition_met"),
                (self.env._("Disposition on Time (%)"), "disposition_rate"),
                (self.env._("On-Site Checks Due"), "onsite_due"),
                (self.env._("On-Site Checks on Time"), "onsite_met"),
                (self.env._("On-Site on Time (%)"), "onsite_rate"),
                (self.env._("Quality Answers Due"), "answer_due"),
                (self.env._("Quality Answers on Time"), "answer_met"),
                (self.env._("Quality Answer on Time (%)"), "answer_rate"),
                (self.env._("Handling Time (Days)"), "handling_days"),
            ],
            [*timeliness, total],
            [22] + [14] * 11,
        )

    def _asq_loss_sheet(self, workbook, formats, figures):
        sheet = workbook.add_worksheet(self.env._("Loss"))
        by_responsibility = figures["loss_by_responsibility"]
        loss_columns = [
            (self.env._("Complaints"), "complaints"),
            (self.env._("Loss Amount"), "loss"),
        ]
        row = self._asq_table(
            sheet,
            formats,
            0,
            self.env._("Loss by Responsible Party"),
            [(self.env._("Responsibility"), "label"), *loss_columns],
            by_responsibility,
            [28, 14, 16],
            number_format=formats["amount"],
        )
        self._asq_table(
            sheet,
            formats,
            row,
            self.env._("Loss by Loss Bearer"),
            [(self.env._("Loss Borne By"), "label"), *loss_columns],
            figures["loss_by_bearer"],
            number_format=formats["amount"],
        )
        if any(line["loss"] for line in by_responsibility):
            last = 1 + len(by_responsibility)
            chart = workbook.add_chart({"type": "pie"})
            chart.add_series(
                {
                    "name": self.env._("Loss by Responsible Party"),
                    "categories": [sheet.name, 2, 0, last, 0],
                    "values": [sheet.name, 2, 2, last, 2],
                    "data_labels": {"percentage": True},
                }
            )
            chart.set_title({"name": self.env._("Loss by Responsible Party")})
            sheet.insert_chart(0, 4, chart)

    def _asq_capa_sheet(self, workbook, formats, figures):
        sheet = workbook.add_worksheet(self.env._("CAPA"))
        self._asq_table(
            sheet,
            formats,
            0,
            self.env._("CAPA Opened in the Period by Source"),
            [
                (self.env._("Source"), "label"),
                (self.env._("Opened"), "opened"),
                (self.env._("Closed"), "closed"),
                (self.env._("Actions on Time (%)"), "on_time_rate"),
                (self.env._("Effectiveness Rate (%)"), "effective_rate"),
                (self.env._("Days to Close"), "days_to_close"),
            ],
            figures["capa_by_source"],
            [30, 12, 12, 20, 20, 14],
        )

    def _asq_return_sheet(self, workbook, formats, figures):
        sheet = workbook.add_worksheet(self.env._("Return Ratios"))
        ratios = sorted(figures["return_ratios"], key=lambda line: not line["over_cap"])
        self._asq_table(
            sheet,
            formats,
            0,
            self.env._("Return Ratio by Customer"),
            [
                (self.env._("Customer"), "customer"),
                (self.env._("Deliveries"), "deliveries"),
                (self.env._("Delivered Amount"), "delivered_amount"),
                (self.env._("Returned Amount"), "returned_amount"),
                (
                    self.env._("Unsaleable Exchanged incl. Open Requests"),
                    "exchange_amount",
                ),
                (self.env._("Unsaleable Exchange Ratio (%)"), "exchange_ratio"),
                (self.env._("Total Return Ratio (%)"), "amount_ratio"),
                (self.env._("Quantity Return Ratio (%)"), "qty_ratio"),
                (self.env._("Ratio Cap (%)"), "ratio_cap"),
                (self.env._("Over the Cap"), "over_cap_label"),
            ],
            [
                {
                    **line,
                    "over_cap_label": self.env._("Yes")
                    if line["over_cap"]
                    else self.env._("No"),
                }
                for line in ratios
            ],
            [34, 12, 16, 16, 20, 18, 16, 20, 14, 12],
            number_format=formats["amount"],
        )
        over = sum(1 for line in ratios if line["over_cap"])
        if over:
            chart = workbook.add_chart({"type": "bar"})
            for col, name in (
                (5, self.env._("Unsaleable Exchange Ratio (%)")),
                (8, self.env._("Ratio Cap (%)")),
            ):
                chart.add_series(
                    {
                        "name": name,
                        "categories": [sheet.name, 2, 0, 1 + over, 0],
                        "values": [sheet.name, 2, col, 1 + over, col],
                    }
                )
            chart.set_title({"name": self.env._("Customers over the Return-Ratio Cap")})
            sheet.insert_chart(3 + len(ratios), 0, chart)

    def _asq_satisfaction_sheet(self, workbook, formats, figures):
        satisfaction = figures["satisfaction"]
        sheet = workbook.add_worksheet(self.env._("Satisfaction"))
        sheet.set_column(0, 0, 30)
        sheet.set_column(1, 2, 16)
        asq_write_row(
            sheet, 0, [self.env._("Latest Survey Campaign"), satisfaction["campaign"]]
        )
        asq_write_row(
            sheet,
            1,
            [self.env._("Survey Date"), satisfaction["date"]],
            date_formats=formats,
        )
        asq_write_row(
            sheet,
            2,
            [self.env._("Satisfaction Index"), satisfaction["index"]],
            formats["number"],
        )
        self._asq_table(
            sheet,
            formats,
            4,
            self.env._("Satisfaction by Dimension"),
            [
                (self.env._("Dimension"), "label"),
                (self.env._("Satisfaction Index"), "index"),
                (self.env._("Answers"), "answers"),
            ],
            satisfaction["dimensions"],
        )

    def _asq_items_sheet(self, workbook, formats, figures):
        sheet = workbook.add_worksheet(self.env._("Complaint Items"))
        columns = [
            (self.env._("Reference"), 16, "name"),
            (self.env._("Received At"), 17, "date"),
            (self.env._("Customer"), 28, "customer"),
            (self.env._("Products"), 28, "products"),
            (self.env._("Category"), 20, "category"),
            (self.env._("Severity"), 10, "severity"),
            (self.env._("Validity"), 10, "validity"),
            (self.env._("Counts as Complaint"), 14, "counted"),
            (self.env._("Description"), 40, "description"),
            (self.env._("Root Cause"), 40, "root_cause"),
            (self.env._("Disposition"), 18, "disposition"),
            (self.env._("Status"), 16, "state"),
            (self.env._("Loss Amount"), 14, "loss"),
        ]
        asq_write_headers(
            sheet,
            0,
            [header for header, _width, _key in columns],
            formats["header"],
            [width for _header, width, _key in columns],
        )
        for row, item in enumerate(figures["complaints"], start=1):
            for col, (_header, _width, key) in enumerate(columns):
                asq_write(
                    sheet,
                    row,
                    col,
                    item[key],
                    formats["amount"],
                    formats["wrap"],
                    date_formats=formats,
                )
        sheet.freeze_panes(1, 1)

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _asq_period_label(self, figures):
        """The header of the column of the weeks or months of the period."""
        if figures["period"]["interval"] == "week":
            return self.env._("Week")
        return self.env._("Month")

    def _asq_table(
        self,
        sheet,
        formats,
        row,
        title,
        columns,
        lines,
        widths=None,
        number_format=None,
    ):
        """A titled table from ``row``: a column per (header, key) of
        ``columns``, a row per line (a dict) of ``lines``; return the first
        free row after it."""
        sheet.write_string(row, 0, title, formats["title"])
        asq_write_headers(
            sheet,
            row + 1,
            [header for header, _key in columns],
            formats["header"],
            widths,
        )
        for offset, line in enumerate(lines, start=row + 2):
            asq_write_row(
                sheet,
                offset,
                [line[key] for _header, key in columns],
                number_format or formats["number"],
            )
        return row + 2 + len(lines) + 1
