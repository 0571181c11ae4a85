import functools
import io
import logging
import subprocess

from reportlab.pdfgen import canvas

from odoo import models
from odoo.tools.pdf import PdfFileReader, PdfFileWriter

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

from .asq_xlsx import asq_tz

_logger = logging.getLogger(__name__)


@functools.cache
def asq_wkhtmltopdf_patched():
    """Whether the wkhtmltopdf Odoo runs is built with the patched Qt, the
    only build that prints the header and footer of web.external_layout
    (letterhead, "Page x / y")."""
    try:
        version = subprocess.run(
            [_get_wkhtmltopdf_bin(), "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "with patched qt" in version


class IrActionsReport(models.Model):
    """The addon's printed forms show every date and time in the user's time
    zone, else the company's (never UTC), and number their pages whatever
    wkhtmltopdf prints."""

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

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        """Without the patched Qt, wkhtmltopdf drops the footer that numbers
        the pages: each document of the addon then gets "x / y" stamped at
        the foot of its pages (one count per document, as the footer's)."""
        collected = super()._render_qweb_pdf_prepare_streams(
            report_ref, data, res_ids=res_ids
        )
        report = self._get_report(report_ref)
        if not report.report_name.startswith("after_sales_quality.") or (
            asq_wkhtmltopdf_patched()
        ):
            return collected
        for stream_data in collected.values():
            # (a stream reloaded from a saved attachment is stamped already)
            if stream_data.get("stream") and not stream_data.get("attachment"):
                stream_data["stream"] = self._asq_number_pages(stream_data["stream"])
        return collected

    def _asq_number_pages(self, stream):
        """``stream`` (a PDF) with "x / y" at the bottom right of each page."""
        try:
            # (the page API of odoo.tools.pdf.add_banner, which stamps PDFs
            # the same way)
            reader = PdfFileReader(stream, strict=False, overwriteWarnings=False)
            total = reader.getNumPages()
            overlay_stream = io.BytesIO()
            overlay = canvas.Canvas(overlay_stream)
            for number in range(1, total + 1):
                box = reader.getPage(number - 1).mediaBox
                width = float(abs(box.getWidth()))
                overlay.setPageSize((width, float(abs(box.getHeight()))))
                overlay.setFont("Helvetica", 8)
                overlay.setFillGray(0.4)
                overlay.drawRightString(width - 28, 16, f"{number} / {total}")
                overlay.showPage()
            overlay.save()
            stamps = PdfFileReader(overlay_stream, overwriteWarnings=False)
            writer = PdfFileWriter()
            for index in range(total):
                page = reader.getPage(index)
                page.mergePage(stamps.getPage(index))
                writer.addPage(page)
            result = io.BytesIO()
            writer.write(result)
        except Exception:  # an unnumbered PDF beats no PDF
            _logger.exception("Could not number the pages of a printed form")
            stream.seek(0)
            return stream
        stream.close()
        return result
