import datetime
import io
import os
import re
import subprocess
import tempfile
from html import unescape

import openpyxl

from odoo import fields
from odoo.tests import tagged
from odoo.tools.pdf import PdfFileReader

from ..models.asq_workflow_mixin import AsqMark
from .complaint_common import AsqComplaintCommon
from .test_return import ReturnCommon
from .test_service import SIGNATURE, ServiceCommon
from .test_vendor import VendorCommon

HARNESS = os.path.join(os.path.dirname(__file__), "..", "tools", "harness.sh")
PACK = "after_sales_quality.asq_kpi_pack_report"
SHEET = "after_sales_quality.asq_complaint_report"


@tagged("post_install", "-at_install", "asq_ux")
class TestUxForms(AsqComplaintCommon):
    """The printed forms: what a paper form must show whatever wkhtmltopdf
    prints around it, the statistics pack on paper, local dates."""

    def _pdf(self, report, records, data=None):
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report, records.ids, data=data)
        )
        self.assertEqual(report_type, "pdf")
        return pdf

    @staticmethod
    def _printed(env, report, records):
        """What the printed form says: the text of its HTML (wkhtmltopdf
        draws the web fonts as outlines when the report assets load, so the
        PDF's own text is not always extractable) and of the real PDF (its
        "x / y" page stamps)."""
        pdf, report_type = (
            env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report, records.ids)
        )
        assert report_type == "pdf", report_type
        html, _type = env["ir.actions.report"]._render_qweb_html(report, records.ids)
        text = unescape(re.sub(r"<[^>]+>", " ", html.decode()))
        return " ".join([*text.split(), *TestUxForms._pages(pdf)])

    @staticmethod
    def _pages(pdf):
        """The text of each page of ``pdf``, spaces folded."""
        reader = PdfFileReader(io.BytesIO(pdf))
        return [" ".join(page.extract_text().split()) for page in reader.pages]

    # ------------------------------------------------------------------
    # Heading and signature boxes, in the body of the form
    # ------------------------------------------------------------------
    def test_complaint_sheet_prints_heading_and_signatures(self):
        self.company.name = "Kangtai Forms Test Co"
        complaint = self._walk(self._create_complaint(), "closed")
        text = self._printed(self.env, SHEET, complaint)
        # what the letterhead would show is in the body: company, form,
        # number and date
        for expected in (
            "Kangtai Forms Test Co",
            "Complaint Handling Sheet",
            complaint.name,
            "No.:",
            "Signature",
        ):
            self.assertIn(expected, text)
        # each step's signer is printed by name with the date signed
        html = self._html(SHEET, complaint)
        for user in (
            self.users["asq_sales"],
            self.users["asq_qm"],
            self.users["asq_inspector"],
        ):
            self.assertIn(user.name, text)
        judged_on = fields.Date.to_string(
            fields.Datetime.context_timestamp(complaint, complaint.judged_date)
        )
        self.assertIn(datetime.date.fromisoformat(judged_on).strftime("%m/%d/%Y"), html)
        self.assertIn("Final Report Approved (Factory Manager)", html)
        # a step not signed yet leaves its row blank to sign on paper
        draft = self._create_complaint()
        html = self._html(SHEET, draft)
        self.assertIn("o_asq_signatures", html)
        self.assertNotIn(self.users["asq_qm"].name, html)

    def test_dates_in_user_time_zone(self):
        """2026-01-01 20:00 UTC is 2 January in Shanghai: on the printed
        sheet and in the ledger (a date cell, not UTC text)."""
        complaint = self._walk(self._create_complaint(), "review")
        self._sql(
            "UPDATE asq_complaint SET received_date = %s WHERE id = %s",
            (datetime.datetime(2026, 1, 1, 20, 0), complaint.id),
        )
        complaint.invalidate_recordset(["received_date"])
        aftersales = self.users["asq_aftersales"]
        aftersales.tz = "Asia/Shanghai"
        html, _type = (
            self.env["ir.actions.report"]
            .with_user(aftersales)
            ._render_qweb_html(SHEET, complaint.ids)
        )
        self.assertRegex(html.decode(), 'o_asq_form_date"[^>]*>01/02/2026<')
        workbook = openpyxl.load_workbook(io.BytesIO(self._export_ledger(complaint)))
        sheet = workbook.active
        headers = [cell.value for cell in sheet[1]]
        cell = sheet.cell(row=2, column=headers.index("Received At") + 1)
        self.assertEqual(cell.value, datetime.datetime(2026, 1, 2, 4, 0))
        self.assertTrue(cell.is_date)
        # The ledger's period is the user's days: received on 2 January in
        # Shanghai, in a ledger of 2 January, not of 1 January.
        Ledger = self.env["asq.complaint.ledger"].with_user(aftersales)
        for day, listed in (("2026-01-02", True), ("2026-01-01", False)):
            ledger = Ledger.create({"date_from": day, "date_to": day})
            self.assertEqual(complaint in ledger._asq_complaints(), listed, day)
        # a user without a time zone gets the company's
        aftersales.tz = False
        self.company.partner_id.tz = "Asia/Shanghai"
        html, _type = (
            self.env["ir.actions.report"]
            .with_user(aftersales)
            .with_context(tz=False)
            ._render_qweb_html(SHEET, complaint.ids)
        )
        self.assertRegex(html.decode(), 'o_asq_form_date"[^>]*>01/02/2026<')

    # ------------------------------------------------------------------
    # The statistics pack on paper
    # ------------------------------------------------------------------
    def _pack_and_figures(self):
        pack = (
            self.env["asq.kpi.pack"]
            .with_user(self.users["asq_qm"])
            .create(
                {
                    "company_id": self.company.id,
                    "period_type": "month",
                    "date_from": "2020-01-01",
                }
            )
        )
        figures = pack.env[
            "report.after_sales_quality.asq_kpi_pack_report_template"
        ]._asq_figures(pack)
        return pack, figures

    def test_pack_empty_tables_say_no_data(self):
        pack, figures = self._pack_and_figures()
        self.assertFalse(figures["complaints"])
        self.assertEqual(
            pack.env["ir.actions.report"]
            .sudo()
            ._get_report(PACK)
            .paperformat_id.orientation,
            "Landscape",
        )
        html = self._html(PACK, pack)
        # every table of the period says so (in the pack's language)
        self.assertGreaterEqual(len(re.findall("No data|无数据", html)), 10)
        self.assertRegex(html, "After-Sales Statistics Report|售后统计报告")
        self.assertNotIn("<svg", html, "no chart without data")

    def test_long_pack_repeats_headers_and_keeps_rows_whole(self):
        pack, figures = self._pack_and_figures()
        figures["rate_by_period"] = [
            {
                "label": f"W{week}",
                "deliveries": 10,
                "complaints": week,
                "complaint_rate": week * 1.5,
                "incident_rate": 0.1,
            }
            for week in range(1, 6)
        ]
        figures["complaints"] = [
            {
                "name": f"CC/TEST/{index:05d}",
                "date": datetime.datetime(2020, 1, 2, 9, 30),
                "customer": "Kangtai Test Customer",
                "products": "Test Glucometer",
                "category": "Quality",
                "severity": "Major",
                "severity_key": "major",
                "validity": "Valid",
                "counted": "Yes",
                "description": "Readings drift after calibration. " * 12,
                "root_cause": "Sensor batch out of tolerance. " * 6,
                "disposition": "Exchange",
                "state": "Closed",
                "loss": 100.0 + index,
            }
            for index in range(50)
        ]
        pdf = self._pdf(PACK, pack, data={"figures": AsqMark({pack.id: figures})})
        pages = self._pages(pdf)
        self.assertGreater(len(pages), 3, "50 long complaint items span pages")
        item_pages = [page for page in pages if "CC/TEST/" in page]
        self.assertGreater(len(item_pages), 1)
        # the column headers repeat on every page of the table (the pack
        # prints in its company's language)
        root_cause = pack.with_context(lang=pack._asq_lang()).env._("Root Cause")
        for page in item_pages:
            self.assertIn(root_cause, page)
        # wkhtmltopdf without the patched Qt prints no footer: the pages
        # are numbered "x / y" all the same
        for number, page in enumerate(pages, start=1):
            self.assertIn(f"{number} / {len(pages)}", page)
        # every item is printed whole on one page: never cut across two
        for index in range(50):
            name = f"CC/TEST/{index:05d}"
            self.assertEqual(sum(name in page for page in pages), 1, name)
        html = self._html(PACK, pack)
        # the charts the workbook has (here: the complaint rate by period)
        self.assertNotIn("<svg", html, "the stored figures have no data")
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            PACK, pack.ids, data={"figures": AsqMark({pack.id: figures})}
        )
        self.assertIn("<polyline", html.decode())

    # ------------------------------------------------------------------
    # The harness says, in one line, which wkhtmltopdf prints letterheads
    # ------------------------------------------------------------------
    def _harness_note(self, version):
        with tempfile.TemporaryDirectory() as bindir:
            fake = os.path.join(bindir, "wkhtmltopdf")
            with open(fake, "w") as script:
                script.write(f"#!/bin/sh\necho '{version}'\n")
            os.chmod(fake, 0o755)
            result = subprocess.run(
                [
                    "bash",
                    "-c",
                    'source <(sed -n "/^say()/p;/^wkhtmltopdf_note()/,/^}/p" "$1");'
                    " wkhtmltopdf_note",
                    "harness",
                    HARNESS,
                ],
                env={**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}"},
                capture_output=True,
                text=True,
                check=True,
            )
        return result.stderr

    def test_harness_names_the_patched_build(self):
        note = self._harness_note("wkhtmltopdf 0.12.6")
        self.assertEqual(len(note.splitlines()), 1, note)
        self.assertIn("wkhtmltox 0.12.6.1-3 (with patched qt)", note)
        self.assertIn("https://github.com/wkhtmltopdf/packaging/releases", note)
        self.assertEqual(
            self._harness_note("wkhtmltopdf 0.12.6.1 (with patched qt)"), ""
        )


@tagged("post_install", "-at_install", "asq_ux")
class TestUxVendorForms(VendorCommon):
    """The vendor forms carry their heading and signature boxes."""

    def test_scorecard_and_notice_carry_heading_and_signatures(self):
        self.company.name = "Kangtai Property Test Co"
        card = self._score(self.vendor_a, "2025-03-01", [90, 80, 70])
        notice = self._notice(self.vendor_a, self.today)
        Report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        for xmlid, record, texts in (
            (
                "after_sales_quality.asq_vendor_score_report",
                card,
                (
                    "Qualified Maintenance Vendor Scorecard",
                    "Scored and Confirmed (Equipment Manager)",
                    "Vendor Representative",
                    self.inspector.name,
                ),
            ),
            (
                "after_sales_quality.asq_vendor_rectification_report",
                notice,
                (
                    "Nonconformity Rectification Notice",
                    notice.name,
                    "Notice Issued (Equipment Manager)",
                    "Received (Vendor)",
                    self.inspector.name,
                ),
            ),
        ):
            text = TestUxForms._printed(Report.env, xmlid, record)
            for expected in ("Kangtai Property Test Co", "Date Signed", *texts):
                self.assertIn(expected, text, xmlid)


@tagged("post_install", "-at_install", "asq_ux")
class TestUxServiceRecord(ServiceCommon):
    def test_service_record_signed_by_technician_and_customer(self):
        visit = self._finish(self._create_visit())
        visit.write(
            {
                "signer_name": "Wang Wei",
                "signature": SIGNATURE,
                "satisfaction": "satisfied",
            }
        )
        visit.action_sign()
        text = TestUxForms._printed(
            self.env, "after_sales_quality.asq_service_visit_report", visit
        )
        for expected in (
            self.company.name,
            "Service Record",
            visit.name,
            "Service Done (Technician)",
            self.users["asq_inspector"].name,
            "Customer Representative",
            "Wang Wei",
            "Reviewed (Management Representative)",
        ):
            self.assertIn(expected, text)


@tagged("post_install", "-at_install", "asq_ux")
class TestUxReturnForms(ReturnCommon):
    def test_transport_order_names_who_authorised_and_leaves_boxes(self):
        """001 §4.2.5: the driver collects only against the order; it names
        who authorised the collection, with a box for the driver and one for
        the customer handing the goods over."""
        ret = self._create_return()
        ret.with_user(self.sales).action_submit()
        self._sign(ret, self.aftersales)
        self._sign(ret, self.finance)
        self._sign(ret, self.business)
        text = TestUxForms._printed(
            self.env, "after_sales_quality.asq_return_report_transport", ret
        )
        for expected in (
            self.company.name,
            "Return Transport Order",
            ret.name,
            "Authorised by (After-Sales)",
            self.aftersales.name,
            "Approved by (Business Head)",
            self.business.name,
            "Driver (Goods Collected)",
            "Customer (Goods Handed Over)",
            "1 / 1",
        ):
            self.assertIn(expected, text)


@tagged("post_install", "-at_install", "asq_ux")
class TestUxFormFields(ServiceCommon):
    """Fields the paper originals ask for (docs/printed_forms.md): each is
    printed, label and value, on the form that carries it."""

    def _date(self, value):
        return value.strftime("%m/%d/%Y")

    def test_complaint_sheet_names_evidence_capa_and_returns(self):
        """004 §5.3.1: the sheet carries the photos attached; §5.3.4: the
        CAPA it led to; its disposition's return requests."""
        complaint = self._create_complaint()
        photo = self.env["ir.attachment"].create(
            {"name": "cracked-display.jpg", "raw": b"\xff\xd8\xff"}
        )
        complaint.evidence_ids = [fields.Command.set(photo.ids)]
        complaint = self._walk(complaint, "closed")
        capa = self.env["asq.capa"].create(
            {
                "problem": "Display cracks",
                "source": "complaint",
                "complaint_ids": [fields.Command.set(complaint.ids)],
            }
        )
        ret = self.env["asq.return"].create(
            {"partner_id": complaint.partner_id.id, "complaint_id": complaint.id}
        )
        html = self._html(SHEET, complaint)
        for expected in (
            "Evidence Attached:",
            "cracked-display.jpg",
            "Corrective and Preventive Actions:",
            capa.name,
            "Return Requests:",
            ret.name,
        ):
            self.assertIn(expected, html)
        # a complaint without them prints none of the three lines
        html = self._html(SHEET, self._create_complaint())
        self.assertNotIn("Evidence Attached:", html)
        self.assertNotIn("Return Requests:", html)

    def test_capa_form_names_complaints_and_8d_its_due_date(self):
        """004 §5.3.4: the CAPA form names the complaints it answers; 002
        §6.2: the 8D report shows the deadline the customer set."""
        complaint = self._create_complaint()
        due = fields.Date.today() + datetime.timedelta(days=10)
        capa = self.env["asq.capa"].create(
            {
                "problem": "Display cracks",
                "source": "complaint",
                "complaint_ids": [fields.Command.set(complaint.ids)],
                "customer_report": True,
                "customer_report_deadline": due,
            }
        )
        html = self._html("after_sales_quality.asq_capa_report_form", capa)
        self.assertIn("Complaints:", html)
        self.assertIn(complaint.name, html)
        html = self._html("after_sales_quality.asq_capa_report_8d", capa)
        self.assertIn("Report Due to Customer:", html)
        self.assertIn(self._date(due), html)

    def test_service_record_names_who_arranged_the_task(self):
        """002 §6.4.3: the report is filled in 「按销售部签好的"服务报告"」."""
        visit = self._create_visit()
        html = self._html("after_sales_quality.asq_service_visit_report", visit)
        self.assertIn("Task Arranged (Sales)", html)
        self.assertIn(self.users["asq_aftersales"].name, html)
        created = fields.Datetime.context_timestamp(visit, visit.create_date)
        self.assertIn(self._date(created), html)

    def test_survey_report_has_quality_department_box(self):
        """003 §4.3.4.3: the report goes to the management representative
        and the quality department."""
        campaign = self.env["asq.survey.campaign"].create({"name": "SAT forms"})
        html = self._html("after_sales_quality.asq_survey_campaign_report", campaign)
        self.assertIn("Reviewed (Management Representative)", html)
        self.assertIn("Received (Quality Department)", html)


@tagged("post_install", "-at_install", "asq_ux")
class TestUxReturnFormFields(ReturnCommon):
    TRANSPORT = "after_sales_quality.asq_return_report_transport"
    NOTE = "after_sales_quality.asq_return_report_note"

    def test_transport_order_carries_request_reason_and_finance(self):
        """001 §4.2.1-4.2.3: the detail form's reason and resolution per
        line, the registered request, finance's signature."""
        ret = self._create_return()
        self._approve(ret)
        html = self._html(self.TRANSPORT, ret)
        for expected in (
            "Request Date:",
            ret.date_request.strftime("%m/%d/%Y"),
            "Reason",
            "Does not sell in this region",
            "Resolution",
            "Exchange like for like",
            "Checked by (Finance)",
            self.finance.name,
        ):
            self.assertIn(expected, html)

    def test_return_note_lists_resolution_not_the_goods_refused(self):
        """001 §4.2.7: exchanged or refunded. The note lists what was booked
        into stock (§4.2.8); goods QC refused are not on it: QC's written
        explanation of them (§4.2.6) goes to the customer at the QC
        sign-off (test_fidelity_returnnote)."""
        rejected = self._create_return(qty=1.0, kind="quality", resolution="refund")
        self._approve(rejected)
        self._receive(rejected)
        self._qc(rejected, "reject", False, qc_note="Casing crushed by the customer")
        ret = self._create_return()
        self._approve(ret)
        self._receive(ret)
        self._qc(ret)
        html = self._html(self.NOTE, ret)
        self.assertIn("Resolution", html)
        self.assertIn("Exchange like for like", html)
        html = self._html(self.NOTE, rejected)
        self.assertNotIn("Casing crushed by the customer", html)


@tagged("post_install", "-at_install", "asq_ux")
class TestUxVendorFormFields(VendorCommon):
    def test_escalation_evaluation_has_equipment_manager_box(self):
        """001: 《分承包方服務質量檢查評價表》「經設備經理審核后,報管理處審批」."""
        notice = self._notice(self.vendor_a, self.today - datetime.timedelta(days=1))
        xmlid = "after_sales_quality.asq_vendor_rectification_report"
        html = self._html(xmlid, notice)
        self.assertNotIn("Escalation Reviewed (Equipment Manager)", html)
        self.env["asq.vendor.rectification"]._cron_escalate_overdue()
        self.assertEqual(notice.state, "overdue")
        notice.write(
            {
                "escalation_evaluation": "Lift stops between floors again",
                "escalation_conclusion": "suspend",
            }
        )
        html = self._html(xmlid, notice)
        for expected in (
            "Escalation Evaluation",
            "Lift stops between floors again",
            "Escalation Submitted",
            "Escalation Reviewed (Equipment Manager)",
            "Escalation Approved",
        ):
            self.assertIn(expected, html)
