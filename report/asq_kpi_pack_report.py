import math
import re

from dateutil.relativedelta import relativedelta
from markupsafe import Markup, escape

from odoo import api, fields, models

from ..models.asq_kpi_pack import asq_period_bounds
from ..models.asq_workflow_mixin import AsqMark
from .asq_xlsx import asq_company_tz, asq_day_start, asq_local

TOP_CUSTOMERS = 20
# The PDF is read by people: its long lists stop here (the workbook has all).
PDF_ROWS = 50
# The workbook's chart colours (Excel's default palette), for the PDF's SVG.
CHART_COLOURS = ("#4472c4", "#ed7d31", "#a5a5a5", "#ffc000", "#5b9bd5", "#70ad47")


# The PDF's page plan. wkhtmltopdf without the patched Qt neither repeats a
# table's header on the next page nor keeps a row whole (it ignores thead
# repetition and page-break-inside), so the pack lays out its pages itself:
# every line of the PDF is one row of PDF_ROW_PX (one line per cell, cut with
# an ellipsis), every title, chart and signature block a whole number of rows,
# and a landscape A4 page (paperformat_asq_landscape: 145 mm between the
# margins: 411 pt, 651 CSS px as Odoo's wkhtmltopdf call lays it out at 90
# dpi with smart shrinking, 0.631 pt a px) holds PDF_PAGE_ROWS of them, 11 px
# to spare. Each page is a block of its own after an explicit
# page break, and each table starts its page with its column headers.
PDF_ROW_PX = 20
PDF_PAGE_ROWS = 32
# the form heading and the reference line, on the first page
PDF_HEAD_ROWS = 6
# a section title (h4), a chart's title (h5)
PDF_TITLE_ROWS = 2
PDF_CHART_TITLE_ROWS = 1
# the signature boxes: their header and three rows of 1.1 cm each
PDF_SIGNATURE_ROWS = 10


def asq_pdf_pages(blocks, page_rows=PDF_PAGE_ROWS, first_rows=PDF_HEAD_ROWS):
    """Lay ``blocks`` out on pages of ``page_rows`` rows, the first page
    starting below ``first_rows`` rows of heading.

    A block is a dict with ``section`` and either ``rows`` (a table: its
    lines, ``title_rows`` above its ``header_rows`` of column headers) or
    ``height`` (rows, a block never cut). A table is cut between its lines
    where a page is full and goes on at the top of the next page under its
    column headers (without its title); it starts on a page with room for
    its title, headers and one line. One empty row follows each block but
    the last of a page. Return the pages: lists of segments, dicts of the
    block's keys plus ``rows`` (the lines on that page), ``title`` (whether
    the title is printed), ``gap`` (the empty row after it) and ``px`` (a
    block's height)."""
    pages = [[]]
    used = first_rows

    def room(height):
        nonlocal used
        if used and used + height > page_rows:
            pages.append([])
            used = 0
        used += height

    def gap():
        nonlocal used
        if used + 1 <= page_rows and pages[-1]:
            pages[-1][-1]["gap"] = True
            used += 1

    for block in blocks:
        if "rows" not in block:
            room(block["height"])
            pages[-1].append(
                {
                    **block,
                    "title": True,
                    "gap": False,
                    "px": block["height"] * PDF_ROW_PX,
                }
            )
            gap()
            continue
        lines = list(block["rows"])
        title = block.get("title_rows", PDF_TITLE_ROWS)
        header = block.get("header_rows", 1)
        first = True
        while first or lines:
            room((title if first else 0) + header + 1)
            take = max(page_rows - used + 1, 1)
            chunk, lines = lines[:take], lines[take:]
            used += max(len(chunk), 1) - 1
            pages[-1].append(
                {**block, "rows": chunk, "title": first, "gap": False, "px": 0}
            )
            first = False
        gap()
    return pages


class AsqKpiPackReport(models.AbstractModel):
    """The statistics pack's figures, for its PDF report and its workbook:
    plain dicts of numbers and strings read from the statistics models only
    (grouped reads, no loop over moves or complaints)."""

    _name = "report.after_sales_quality.asq_kpi_pack_report_template"
    _description = "After-Sales Statistics Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        """The figures of each pack (``pack_figures``) and the PDF's share of
        its long lists (``pack_pdf_rows``), by pack id, in the pack's language
        and company. Figures the pack's Generate step has just computed come
        in ``data["figures"]`` (an :class:`AsqMark`, so that the options of a
        report URL are never printed as figures); any other pack's are
        computed here."""
        packs = self.env["asq.kpi.pack"].browse(docids)
        given = (data or {}).get("figures")
        given = given.value if isinstance(given, AsqMark) else {}
        figures = {}
        pdf_rows = {}
        for pack in packs:
            report = self.with_company(pack.company_id).with_context(
                lang=pack._asq_lang()
            )
            figures[pack.id] = given.get(pack.id) or report._asq_figures(pack)
            pdf_rows[pack.id] = report._asq_pdf_rows(figures[pack.id])
            pdf_rows[pack.id]["charts"] = report._asq_pdf_charts(
                figures[pack.id], pdf_rows[pack.id]["return_ratios"]
            )
            pdf_rows[pack.id]["pages"] = asq_pdf_pages(
                report._asq_pdf_blocks(figures[pack.id], pdf_rows[pack.id])
            )
        return {
            "doc_ids": docids,
            "doc_model": "asq.kpi.pack",
            "docs": packs,
            "pack_figures": figures,
            "pack_pdf_rows": pdf_rows,
        }

    @api.model
    def _asq_figures(self, pack):
        """The pack's figures as a plain dict of numbers and strings, from
        the statistics models only (grouped reads, no loop over moves or
        complaints): the headline summary against the previous period of
        the same type and the tables of the workbook and the report."""
        pack.ensure_one()
        company = pack.company_id
        # The pack's days are the company's, whoever generates it (the
        # monthly job has no time zone): its period is cut at midnight in
        # the company's time zone (a delivery at 31 March 20:00 UTC, 1 April
        # 04:00 in Shanghai, is April's), its weeks and months are grouped
        # and its dates shown there (the context's tz, which asq_day_start,
        # asq_local and the grouped reads follow).
        tz = asq_company_tz(company)
        if self.env.context.get("tz") != tz:
            return self.with_context(tz=tz)._asq_figures(pack)
        date_from, date_to = pack.date_from, pack.date_to
        months = {"month": 1, "quarter": 3, "year": 12}[pack.period_type]
        previous_from = date_from - relativedelta(months=months)
        previous_to = asq_period_bounds(pack.period_type, previous_from)[1]
        summary = self._asq_summary(company, date_from, date_to)
        previous = self._asq_summary(company, previous_from, previous_to)
        interval = "week" if pack.period_type == "month" else "month"
        domain = self._asq_complaint_domain(company, date_from, date_to)
        complaint_only = [*domain, ("kind", "=", "complaint")]
        types = dict(pack._fields["period_type"]._description_selection(self.env))
        return {
            "period": {
                "company": company.name,
                "type": pack.period_type,
                "type_label": types[pack.period_type],
                "date_from": fields.Date.to_string(date_from),
                "date_to": fields.Date.to_string(date_to),
                "previous_from": fields.Date.to_string(previous_from),
                "previous_to": fields.Date.to_string(previous_to),
                "currency": pack.currency_id.symbol or pack.currency_id.name,
                "interval": interval,
            },
            "summary": summary,
            "previous": previous,
            "summary_rows": self._asq_summary_rows(summary, previous),
            "rate_by_period": self._asq_rate_by_period(domain, interval),
            "by_category": self._asq_rate_by_category(domain),
            "by_product": self._asq_rate_by(domain, "product_id"),
            "by_customer": self._asq_rate_by(domain, "partner_id")[:TOP_CUSTOMERS],
            "loss_by_responsibility": self._asq_loss_by(
                complaint_only, "responsibility"
            ),
            "loss_by_bearer": self._asq_loss_by(complaint_only, "loss_bearer"),
            "timeliness": self._asq_timeliness(complaint_only, interval),
            "capa_by_source": self._asq_capa_by_source(company, date_from, date_to),
            "return_ratios": self._asq_return_ratios(company, date_from, date_to),
            "satisfaction": self._asq_satisfaction(company, date_to),
            "complaints": self._asq_complaint_items(company, date_from, date_to),
            "review": self._asq_monthly_review(company, date_from)
            if pack.period_type == "month"
            else None,
        }

    @api.model
    def _asq_monthly_review(self, company, date_from):
        """The monthly re-analysis of the month's complaints (003 §3.2.3
        「每月对前一个月投诉的再次进行分析并制定出相应行动计划;并与客户确认前一个月
        客诉的最终关闭情况」): its reference, status and counts (stored on the
        review, one read), or None when the month has no review yet."""
        review = (
            self.env["asq.complaint.review"]
            .sudo()
            .search(
                [("company_id", "=", company.id), ("date_from", "=", date_from)],
                limit=1,
            )
        )
        if not review:
            return None
        states = dict(review._fields["state"]._description_selection(self.env))
        return {
            "name": review.name,
            "state": states[review.state],
            "deadline": fields.Date.to_string(review.deadline),
            "rows": [
                {"label": label, "count": count}
                for label, count in (
                    (self.env._("Complaints of the Month"), review.line_count),
                    (self.env._("Complaints Re-Analysed"), review.reanalysed_count),
                    (self.env._("Still Open"), review.open_count),
                    (self.env._("Open with an Action Plan"), review.planned_count),
                    (
                        self.env._("Closures Confirmed by the Customer"),
                        review.confirmed_count,
                    ),
                )
            ],
        }

    @api.model
    def _asq_pdf_rows(self, figures):
        """The PDF's share of the long lists: customers over the cap first,
        then the highest ratios; major and critical complaints first, then the
        costliest."""
        ratios = sorted(
            figures["return_ratios"],
            key=lambda row: (not row["over_cap"], -row["amount_ratio"]),
        )
        complaints = sorted(
            figures["complaints"],
            key=lambda row: (row["severity_key"] == "minor", -row["loss"]),
        )
        ratio_note = complaint_note = ""
        if len(ratios) > PDF_ROWS:
            ratio_note = self.env._(
                "The customers over their cap and the highest ratios: %(shown)s of "
                "%(total)s customers. The workbook lists them all.",
                shown=PDF_ROWS,
                total=len(ratios),
            )
        if len(complaints) > PDF_ROWS:
            complaint_note = self.env._(
                "Major and critical complaints first, then the costliest: "
                "%(shown)s of %(total)s complaints. The workbook lists them all.",
                shown=PDF_ROWS,
                total=len(complaints),
            )
        return {
            "return_ratios": ratios[:PDF_ROWS],
            "complaints": sorted(complaints[:PDF_ROWS], key=lambda row: row["name"]),
            "ratio_note": ratio_note,
            "complaint_note": complaint_note,
        }

    @api.model
    def _asq_pdf_blocks(self, figures, pdf_rows):
        """The PDF's blocks in their order, for :func:`asq_pdf_pages`: each
        table of the pack (``section`` names its template,
        ``asq_kpi_pack_<section>``), the charts and notes between them, the
        signature boxes last."""
        charts = pdf_rows["charts"]

        def chart(section, titled):
            svg = charts[section]
            height = int(re.search(r'height="(\d+)"', svg).group(1))
            return {
                "section": f"chart_{section}",
                "height": math.ceil(height / PDF_ROW_PX)
                + (PDF_CHART_TITLE_ROWS if titled else 0),
            }

        satisfaction = figures["satisfaction"]
        blocks = [
            {"section": "summary", "rows": figures["summary_rows"]},
            {"section": "rate_by_period", "rows": figures["rate_by_period"]},
            charts["rate"] and chart("rate", False),
            {"section": "by_category", "rows": figures["by_category"]},
            {
                "section": "loss_by_responsibility",
                "rows": figures["loss_by_responsibility"],
            },
            {"section": "loss_by_bearer", "rows": figures["loss_by_bearer"]},
            charts["loss"] and chart("loss", True),
            {"section": "by_product", "rows": figures["by_product"]},
            {"section": "by_customer", "rows": figures["by_customer"]},
            {"section": "timeliness", "rows": figures["timeliness"]},
            {"section": "capa_by_source", "rows": figures["capa_by_source"]},
            # the monthly re-analysis (monthly packs): its title and its line
            figures.get("review")
            and {
                "section": "review",
                "rows": figures["review"]["rows"],
                "title_rows": PDF_TITLE_ROWS + 1,
            },
            {"section": "return_ratios", "rows": pdf_rows["return_ratios"]},
            charts["ratio"] and chart("ratio", True),
            pdf_rows["ratio_note"] and {"section": "ratio_note", "height": 1},
            # its title and the campaign's line above the dimensions
            {
                "section": "satisfaction",
                "rows": satisfaction["dimensions"],
                "title_rows": PDF_TITLE_ROWS + 1,
            }
            if satisfaction["campaign"]
            else {"section": "no_satisfaction", "height": PDF_TITLE_ROWS + 1},
            # the items' column headers take two lines
            {"section": "complaints", "rows": pdf_rows["complaints"], "header_rows": 2},
            pdf_rows["complaint_note"] and {"section": "complaint_note", "height": 1},
            {"section": "signatures", "height": PDF_SIGNATURE_ROWS},
        ]
        return [block for block in blocks if block]

    # ------------------------------------------------------------------
    # Charts: the workbook's three charts drawn as inline SVG (wkhtmltopdf
    # prints SVG; no JavaScript, no image files)
    # ------------------------------------------------------------------
    @api.model
    def _asq_pdf_charts(self, figures, ratios):
        """The PDF's charts, as the workbook draws them: the complaint rate
        by period (line), the loss by responsible party (pie), the customers
        over their return-ratio cap (bars against the cap). A chart without
        data is left out (its table says "No data")."""
        over = [line for line in ratios if line["over_cap"]]
        losses = [
            line for line in figures["loss_by_responsibility"] if line["loss"] > 0
        ]
        periods = figures["rate_by_period"]
        return {
            "rate": self._asq_svg_line(
                [(line["label"], line["complaint_rate"]) for line in periods]
            )
            if periods
            else "",
            "loss": self._asq_svg_pie(
                [(line["label"], line["loss"]) for line in losses]
            )
            if losses
            else "",
            "ratio": self._asq_svg_bars(
                [
                    (line["customer"], line["exchange_ratio"], line["ratio_cap"])
                    for line in over[:15]
                ],
                (
                    self.env._("Unsaleable Exchange Ratio (%)"),
                    self.env._("Ratio Cap (%)"),
                ),
            )
            if over
            else "",
        }

    @staticmethod
    def _asq_svg(width, height, body):
        return Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" width="%(w)s" height="%(h)s" '
            'viewBox="0 0 %(w)s %(h)s" style="font-family: sans-serif; '
            'font-size: 10px;">%(body)s</svg>'
        ) % {"w": width, "h": height, "body": Markup("").join(body)}

    @api.model
    def _asq_svg_line(self, points):
        """A line chart of (label, value) with the value axis in %."""
        width, height, left, bottom, top = 640, 200, 40, 40, 10
        top_value = max(value for _label, value in points) or 1.0
        top_value = math.ceil(top_value * 1.1 * 10) / 10
        step = (width - left - 10) / max(len(points) - 1, 1)
        plot = height - bottom - top

        def y(value):
            return top + plot - value / top_value * plot

        body = [
            Markup(
                '<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333"/>'
                '<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333"/>'
            )
            % (left, top, left, top + plot, left, top + plot, width - 5, top + plot)
        ]
        for tick in range(5):
            value = top_value * tick / 4
            body.append(
                Markup(
                    '<line x1="%s" y1="%.1f" x2="%s" y2="%.1f" stroke="#ddd"/>'
                    '<text x="%s" y="%.1f" text-anchor="end">%.2f</text>'
                )
                % (left, y(value), width - 5, y(value), left - 4, y(value) + 3, value)
            )
        coords = [
            (left + index * step, y(value))
            for index, (_label, value) in enumerate(points)
        ]
        body.append(
            Markup('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>')
            % (CHART_COLOURS[0], " ".join(f"{x:.1f},{y_:.1f}" for x, y_ in coords))
        )
        for (label, value), (cx, cy) in zip(points, coords, strict=True):
            body.append(
                Markup(
                    '<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>'
                    '<text x="%.1f" y="%.1f" text-anchor="middle">%.2f</text>'
                    '<text x="%.1f" y="%s" text-anchor="middle">%s</text>'
                )
                % (
                    cx,
                    cy,
                    CHART_COLOURS[0],
                    cx,
                    cy - 6,
                    value,
                    cx,
                    top + plot + 14,
                    escape(str(label)[:14]),
                )
            )
        body.append(Markup('<text x="4" y="%s">%%</text>') % (top + 8,))
        return self._asq_svg(width, height, body)

    @api.model
    def _asq_svg_pie(self, slices):
        """A pie chart of (label, amount) with the share of each slice."""
        width, height, radius = 420, 180, 80
        cx, cy = 90, 90
        total = sum(amount for _label, amount in slices)
        body = []
        angle = -math.pi / 2
        for index, (label, amount) in enumerate(slices):
            colour = CHART_COLOURS[index % len(CHART_COLOURS)]
            share = amount / total
            if share >= 0.9999:
                body.append(
                    Markup('<circle cx="%s" cy="%s" r="%s" fill="%s"/>')
                    % (cx, cy, radius, colour)
                )
            else:
                end = angle + share * 2 * math.pi
                body.append(
                    Markup(
                        '<path d="M %s %s L %.2f %.2f A %s %s 0 %s 1 %.2f %.2f Z" '
                        'fill="%s" stroke="#fff"/>'
                    )
                    % (
                        cx,
                        cy,
                        cx + radius * math.cos(angle),
                        cy + radius * math.sin(angle),
                        radius,
                        radius,
                        1 if share > 0.5 else 0,
                        cx + radius * math.cos(end),
                        cy + radius * math.sin(end),
                        colour,
                    )
                )
                angle = end
            body.append(
                Markup(
                    '<rect x="190" y="%s" width="10" height="10" fill="%s"/>'
                    '<text x="205" y="%s">%s (%.1f%%)</text>'
                )
                % (
                    20 + index * 16,
                    colour,
                    29 + index * 16,
                    escape(str(label)[:30]),
                    share * 100,
                )
            )
        return self._asq_svg(width, height, body)

    @api.model
    def _asq_svg_bars(self, rows, series):
        """Horizontal bars: per (label, value, cap), the value and the cap."""
        bar, gap, left = 8, 8, 170
        width = 640
        height = len(rows) * (2 * bar + gap) + 30
        top_value = max(max(value, cap) for _label, value, cap in rows) or 1.0
        scale = (width - left - 50) / top_value
        body = []
        for index, name in enumerate(series):
            body.append(
                Markup(
                    '<rect x="%s" y="2" width="10" height="10" fill="%s"/>'
                    '<text x="%s" y="11">%s</text>'
                )
                % (
                    left + index * 200,
                    CHART_COLOURS[index],
                    left + index * 200 + 14,
                    escape(name),
                )
            )
        for index, (label, value, cap) in enumerate(rows):
            y0 = 20 + index * (2 * bar + gap)
            body.append(
                Markup('<text x="%s" y="%s" text-anchor="end">%s</text>')
                % (left - 4, y0 + bar + 3, escape(str(label)[:28]))
            )
            for offset, figure in enumerate((value, cap)):
                body.append(
                    Markup(
                        '<rect x="%s" y="%s" width="%.1f" height="%s" fill="%s"/>'
                        '<text x="%.1f" y="%s">%.2f</text>'
                    )
                    % (
                        left,
                        y0 + offset * bar,
                        figure * scale,
                        bar,
                        CHART_COLOURS[offset],
                        left + figure * scale + 3,
                        y0 + offset * bar + bar - 1,
                        figure,
                    )
                )
        return self._asq_svg(width, height, body)

    def _asq_complaint_domain(self, company, date_from, date_to):
        """Rows of ``asq.complaint.report`` of the company in the period
        (dates included, days of the context's time zone: the company's)."""
        return [
            ("company_id", "=", company.id),
            ("date", ">=", asq_day_start(self.env, date_from)),
            ("date", "<", asq_day_start(self.env, date_to + relativedelta(days=1))),
        ]

    def _asq_capa_domain(self, company, fname, date_from, date_to):
        return [
            ("company_id", "=", company.id),
            (fname, ">=", date_from),
            (fname, "<=", date_to),
        ]

    def _asq_return_report(self, date_from, date_to):
        return self.env["asq.return.ratio.report"].with_context(
            asq_date_from=fields.Date.to_string(date_from),
            asq_date_to=fields.Date.to_string(date_to),
        )

    @staticmethod
    def _asq_rate(value):
        return round(value or 0.0, 3)

    def _asq_summary(self, company, date_from, date_to):
        """Headline figures of a period (see ``_asq_summary_labels``)."""
        Complaint = self.env["asq.complaint.report"]
        domain = self._asq_complaint_domain(company, date_from, date_to)
        totals = Complaint._asq_rates(
            domain,
            [],
            (
                "complaint_rate",
                "incident_rate",
                "disposition_rate",
                "onsite_rate",
                "answer_rate",
            ),
            ("loss_amount:sum", "handling_days:avg", "not_ours_ref:count_distinct"),
        )
        totals = totals[0] if totals else {}
        valid = closed = 0
        for validity, state, count in Complaint._read_group(
            [*domain, ("kind", "=", "complaint")],
            ["validity", "state"],
            ["complaint_ref:count_distinct"],
        ):
            valid += count if validity == "valid" else 0
            closed += count if state == "closed" else 0
        Capa = self.env["asq.capa.report"]
        [(capa_opened,)] = Capa._read_group(
            self._asq_capa_domain(company, "date_open", date_from, date_to),
            [],
            ["__count"],
        )
        closed_capa = Capa._asq_rates(
            self._asq_capa_domain(company, "date_closed", date_from, date_to),
            [],
            ("on_time_rate", "effective_rate"),
        )
        closed_capa = closed_capa[0] if closed_capa else {}
        [(over_cap,)] = self._asq_return_report(date_from, date_to)._read_group(
            [("company_id", "=", company.id), ("over_cap", "=", True)],
            [],
            ["__count"],
        )
        satisfaction = self._asq_latest_campaign(company, date_to)
        return {
            "deliveries": totals.get("delivery_ref") or 0,
            "received": totals.get("complaint_ref") or 0,
            "not_ours": totals.get("not_ours_ref") or 0,
            "valid": valid,
            "closed": closed,
            "complaint_rate": self._asq_rate(totals.get("complaint_rate")),
            "incident_rate": self._asq_rate(totals.get("incident_rate")),
            "disposition_rate": self._asq_rate(totals.get("disposition_rate")),
            "onsite_rate": self._asq_rate(totals.get("onsite_rate")),
            "answer_rate": self._asq_rate(totals.get("answer_rate")),
            "loss": totals.get("loss_amount") or 0.0,
            "handling_days": round(totals.get("handling_days") or 0.0, 2),
            "capa_opened": capa_opened,
            "capa_closed": closed_capa.get("__count") or 0,
            "capa_on_time_rate": self._asq_rate(closed_capa.get("on_time_rate")),
            "capa_effective_rate": self._asq_rate(closed_capa.get("effective_rate")),
            "satisfaction_index": satisfaction and round(satisfaction["index"], 2),
            "over_cap": over_cap,
        }

    def _asq_summary_labels(self):
        """(key, label, kind) of the summary; kind: count, rate, amount, days."""
        return [
            ("deliveries", self.env._("Delivered Orders"), "count"),
            ("received", self.env._("Complaints Received"), "count"),
            # 003 §5.2.3 「认为不是本公司责任时,即不为客户投诉」
            (
                "not_ours",
                self.env._("Not Our Responsibility (Out of the Rate)"),
                "count",
            ),
            ("valid", self.env._("Valid Complaints"), "count"),
            ("closed", self.env._("Complaints Closed"), "count"),
            ("complaint_rate", self.env._("Complaint Rate (%)"), "rate"),
            ("incident_rate", self.env._("Product Incident Rate (%)"), "rate"),
            ("disposition_rate", self.env._("Disposition on Time (%)"), "rate"),
            ("onsite_rate", self.env._("On-Site on Time (%)"), "rate"),
            ("answer_rate", self.env._("Quality Answer on Time (%)"), "rate"),
            ("loss", self.env._("Loss Amount"), "amount"),
            ("handling_days", self.env._("Average Handling Time (Days)"), "days"),
            ("capa_opened", self.env._("CAPA Opened"), "count"),
            ("capa_closed", self.env._("CAPA Closed"), "count"),
            (
                "capa_on_time_rate",
                self.env._("CAPA Closed: Actions on Time (%)"),
                "rate",
            ),
            ("capa_effective_rate", self.env._("CAPA Closed: Effective (%)"), "rate"),
            ("satisfaction_index", self.env._("Latest Satisfaction Index"), "rate"),
            ("over_cap", self.env._("Customers over the Return-Ratio Cap"), "count"),
        ]

    def _asq_summary_rows(self, summary, previous):
        rows = []
        for key, label, kind in self._asq_summary_labels():
            current, before = summary[key], previous[key]
            rows.append(
                {
                    "key": key,
                    "label": label,
                    "kind": kind,
                    "current": current,
                    "previous": before,
                    "difference": (
                        round(current - before, 3)
                        if current is not None and before is not None
                        else None
                    ),
                }
            )
        return rows

    def _asq_rate_by_period(self, domain, interval):
        spec = f"date:{interval}"
        return [
            {
                "label": group[spec] or "",
                "deliveries": group["delivery_ref"] or 0,
                "complaints": group["complaint_ref"] or 0,
                "complaint_rate": self._asq_rate(group["complaint_rate"]),
                "incident_rate": self._asq_rate(group["incident_rate"]),
            }
            for group in self.env["asq.complaint.report"]._asq_rates(
                domain, [spec], ("complaint_rate", "incident_rate")
            )
        ]

    def _asq_rate_by_category(self, domain):
        Complaint = self.env["asq.complaint.report"]
        labels = dict(Complaint._fields["category"]._description_selection(self.env))
        rows = [
            {
                "key": group["category"],
                "label": labels.get(group["category"], group["category"]),
                "complaints": group["complaint_ref"] or 0,
                "complaint_rate": self._asq_rate(group["complaint_rate"]),
            }
            for group in Complaint._asq_rates(domain, ["category"], ("complaint_rate",))
            if group["category"]
        ]
        return sorted(rows, key=lambda row: -row["complaints"])

    def _asq_rate_by(self, domain, fname):
        """Complaint and incident rates by product or customer, the ones
        complained about first."""
        rows = [
            {
                "label": group[fname][1] if group[fname] else self.env._("Undefined"),
                "deliveries": group["delivery_ref"] or 0,
                "complaints": group["complaint_ref"] or 0,
                "delivered_qty": group["delivered_qty"] or 0.0,
                "complained_qty": group["complained_qty"] or 0.0,
                "complaint_rate": self._asq_rate(group["complaint_rate"]),
                "incident_rate": self._asq_rate(group["incident_rate"]),
            }
            for group in self.env["asq.complaint.report"]._asq_rates(
                domain, [fname], ("complaint_rate", "incident_rate")
            )
        ]
        rows = [row for row in rows if row["complaints"]]
        return sorted(rows, key=lambda row: (-row["complaints"], row["label"]))

    def _asq_loss_by(self, domain, fname):
        Complaint = self.env["asq.complaint.report"]
        labels = dict(Complaint._fields[fname]._description_selection(self.env))
        rows = [
            {
                "key": key or "",
                "label": labels.get(key) or self.env._("Not Determined"),
                "complaints": count,
                "loss": loss or 0.0,
            }
            for key, count, loss in Complaint._read_group(
                domain, [fname], ["complaint_id:count_distinct", "loss_amount:sum"]
            )
        ]
        return sorted(rows, key=lambda row: -row["loss"])

    def _asq_timeliness(self, domain, interval):
        spec = f"date:{interval}"
        rows = []
        for group in self.env["asq.complaint.report"]._asq_rates(
            domain,
            [spec],
            ("disposition_rate", "onsite_rate", "answer_rate"),
            ("complaint_ref", "handling_days:avg"),
        ):
            row = {"label": group[spec] or "", "complaints": group["complaint_ref"]}
            for step in ("disposition", "onsite", "answer"):
                row[f"{step}_due"] = group[f"{step}_due"] or 0
                row[f"{step}_met"] = group[f"{step}_met"] or 0
                row[f"{step}_rate"] = self._asq_rate(group[f"{step}_rate"])
            row["handling_days"] = round(group["handling_days"] or 0.0, 2)
            rows.append(row)
        return rows

    def _asq_capa_by_source(self, company, date_from, date_to):
        Capa = self.env["asq.capa.report"]
        labels = dict(Capa._fields["source"]._description_selection(self.env))
        return [
            {
                "key": group["source"],
                "label": labels.get(group["source"], group["source"] or ""),
                "opened": group["__count"],
                "closed": group["closed_count"] or 0,
                "on_time_rate": self._asq_rate(group["on_time_rate"]),
                "effective_rate": self._asq_rate(group["effective_rate"]),
                "days_to_close": round(group["days_to_close"] or 0.0, 1),
            }
            for group in Capa._asq_rates(
                self._asq_capa_domain(company, "date_open", date_from, date_to),
                ["source"],
                ("on_time_rate", "effective_rate"),
                ("closed_count:sum", "days_to_close:avg"),
            )
        ]

    def _asq_return_ratios(self, company, date_from, date_to):
        """Every customer delivered in the period, the highest unsaleable
        exchange ratio (the one the contract caps, 「不適銷產品的調換比例」)
        first, the total return ratio beside it."""
        groups = self._asq_return_report(date_from, date_to)._asq_rates(
            [("company_id", "=", company.id)],
            ["partner_id", "over_cap"],
            ("exchange_ratio", "amount_ratio", "qty_ratio"),
            ("delivery_count:sum", "ratio_cap:max", "returned_amount:sum"),
        )
        rows = [
            {
                "customer": group["partner_id"][1] if group["partner_id"] else "",
                "deliveries": int(group["delivery_count"] or 0),
                "delivered_amount": group["delivered_amount"] or 0.0,
                "returned_amount": group["returned_amount"] or 0.0,
                "exchange_amount": group["exchange_amount"] or 0.0,
                "exchange_ratio": self._asq_rate(group["exchange_ratio"]),
                "amount_ratio": self._asq_rate(group["amount_ratio"]),
                "qty_ratio": self._asq_rate(group["qty_ratio"]),
                "ratio_cap": group["ratio_cap"] or 0.0,
                "over_cap": bool(group["over_cap"]),
            }
            for group in groups
        ]
        return sorted(
            rows,
            key=lambda row: (
                -row["exchange_ratio"],
                -row["amount_ratio"],
                row["customer"],
            ),
        )

    def _asq_latest_campaign(self, company, date_to):
        """The company's last survey campaign started by ``date_to``: its
        name, date and satisfaction index, or None."""
        groups = self.env["asq.survey.result"]._asq_rates(
            [("company_id", "=", company.id), ("date", "<=", date_to)],
            ["campaign_id"],
            ("satisfaction_index",),
            ("date:max",),
        )
        if not groups:
            return None
        latest = max(groups, key=lambda g: (g["date"], g["campaign_id"][0]))
        return {
            "campaign_id": latest["campaign_id"][0],
            "campaign": latest["campaign_id"][1],
            "date": asq_local(self.env, latest["date"]),
            "index": latest["satisfaction_index"],
        }

    def _asq_satisfaction(self, company, date_to):
        latest = self._asq_latest_campaign(company, date_to)
        if not latest:
            return {"campaign": "", "date": "", "index": None, "dimensions": []}
        Result = self.env["asq.survey.result"]
        labels = dict(Result._fields["dimension"]._description_selection(self.env))
        dimensions = [
            {
                "key": group["dimension"],
                "label": labels.get(group["dimension"], ""),
                "index": round(group["satisfaction_index"], 2),
                "answers": group["answer_count"],
            }
            for group in Result._asq_rates(
                [("campaign_id", "=", latest["campaign_id"])],
                ["dimension"],
                ("satisfaction_index",),
            )
        ]
        return {
            "campaign": latest["campaign"],
            "date": latest["date"],
            "index": round(latest["index"], 2),
            "dimensions": dimensions,
        }

    def _asq_complaint_items(self, company, date_from, date_to):
        """The complaints received in the period (004: complaint items),
        read in one search_read; their products in one grouped read."""
        Complaint = self.env["asq.complaint"]
        records = Complaint.search_read(
            [
                ("company_id", "=", company.id),
                ("feedback_type", "=", "complaint"),
                ("state", "not in", ("draft", "cancel")),
                ("received_date", ">=", asq_day_start(self.env, date_from)),
                (
                    "received_date",
                    "<",
                    asq_day_start(self.env, date_to + relativedelta(days=1)),
                ),
            ],
            [
                "name",
                "received_date",
                "partner_id",
                "category",
                "severity",
                "validity",
                "description",
                "root_cause",
                "disposition",
                "state",
                "loss_amount",
                "counts_as_complaint",
            ],
            order="received_date, id",
        )
        products = {}
        for complaint, product in self.env["asq.complaint.report"]._read_group(
            [
                ("kind", "=", "complaint"),
                ("complaint_id", "in", [record["id"] for record in records]),
                ("product_id", "!=", False),
            ],
            ["complaint_id", "product_id"],
        ):
            products.setdefault(complaint.id, []).append(product.display_name)
        selections = {
            fname: dict(Complaint._fields[fname]._description_selection(self.env))
            for fname in ("category", "severity", "validity", "disposition", "state")
        }
        items = []
        for record in records:
            item = {
                "name": record["name"],
                # in the user's (or company's) time zone: a date cell in the
                # workbook, the same date and time on the PDF
                "date": asq_local(self.env, record["received_date"]),
                "customer": record["partner_id"][1] if record["partner_id"] else "",
                "products": ", ".join(products.get(record["id"], [])),
                "description": record["description"] or "",
                "root_cause": record["root_cause"] or "",
                "loss": record["loss_amount"] or 0.0,
                "severity_key": record["severity"],
                "counted": self.env._("Yes")
                if record["counts_as_complaint"]
                else self.env._("No (Not Our Responsibility)"),
            }
            for fname, labels in selections.items():
                item[fname] = labels.get(record[fname], "") if record[fname] else ""
            items.append(item)
        return items
