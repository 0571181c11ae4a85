import base64
import datetime
import io
import os
import shutil
import subprocess
import tempfile
import unittest
from datetime import date

import openpyxl
from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from ..models.asq_workflow_mixin import AsqMark
from . import test_ux_forms
from .complaint_common import AsqComplaintCommon
from .test_return import ReturnCommon

REPORT = "report.after_sales_quality.asq_kpi_pack_report_template"
PACK = "after_sales_quality.asq_kpi_pack_report"


def dt(value):
    return fields.Datetime.to_datetime(value)


@tagged("post_install", "-at_install", "asq_ux")
class TestUxPackTimeZone(AsqComplaintCommon):
    """A Shanghai company (UTC+8) whose packs cut their months at midnight in
    Shanghai, not at UTC midnight, whoever generates them: goods delivered
    and complaints received on both sides of local midnight, 31 March / 1
    April 2026 (16:00 UTC) and 30 April / 1 May (16:00 UTC)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env["res.company"].create(
            {
                "name": "ASQ Shanghai TZ Co",
                "email": "tz@example.com",
                "currency_id": cls.company.currency_id.id,
            }
        )
        company.partner_id.tz = "Asia/Shanghai"
        # the fixture's company keeps UTC days
        cls.utc_company = cls.company
        cls.utc_company.partner_id.tz = False
        # the calendar copied for it says UTC: the address's zone comes first
        calendar = cls.calendar.copy({"company_id": company.id, "tz": "UTC"})
        company.write(
            {
                "resource_calendar_id": calendar.id,
                "asq_complaint_rate_own_only": False,
            }
        )
        for user in cls.users.values():
            user.write(
                {"company_ids": [Command.link(company.id)], "company_id": company.id}
            )
        # The one who generates lives elsewhere: the pack keeps the
        # company's days, not hers.
        cls.users["asq_qm"].tz = "America/New_York"
        cls.company = company
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        )

        def deliver(ref, when):
            return cls._deliver(
                cls.customer, [(cls.product, 10, 100.0, ref)], date=dt(when)
            )

        # 23:00 on 31 March in Shanghai: March
        cls.march_late = deliver("TZ-MAR-LATE", "2026-03-31 15:00:00")
        # 04:00 on 1 April in Shanghai (still 31 March in UTC): April
        cls.april_early = deliver("TZ-APR-EARLY", "2026-03-31 20:00:00")
        # 23:30 on 30 April in Shanghai: April
        cls.april_late = deliver("TZ-APR-LATE", "2026-04-30 15:30:00")
        # 00:30 on 1 May in Shanghai (30 April in UTC): May
        cls.may_early = deliver("TZ-MAY-EARLY", "2026-04-30 16:30:00")

        def complain(picking, when, description):
            line = cls.env["asq.delivered.line"].search(
                [("picking_id", "=", picking.id)], limit=1
            )
            complaint = cls._create_complaint(
                lines=[(line, 1.0)], received_date=dt(when), description=description
            )
            complaint.action_submit()
            return complaint

        # 23:30 on 31 March in Shanghai: March
        cls.c_march = complain(cls.march_late, "2026-03-31 15:30:00", "Late March")
        # 05:00 on 1 April in Shanghai: April
        cls.c_april = complain(cls.april_early, "2026-03-31 21:00:00", "Early April")
        # 00:45 on 1 May in Shanghai: May
        cls.c_may = complain(cls.may_early, "2026-04-30 16:45:00", "Early May")

    def _pack(self, date_from):
        return (
            self.env["asq.kpi.pack"]
            .with_user(self.users["asq_qm"])
            .create(
                {
                    "company_id": self.company.id,
                    "period_type": "month",
                    "date_from": date_from,
                }
            )
        )

    def _figures(self, pack):
        return pack.env[REPORT]._asq_figures(pack)

    def test_month_cut_at_local_midnight(self):
        figures = self._figures(self._pack("2026-04-01"))
        summary = figures["summary"]
        # April in Shanghai: the deliveries at 04:00 on the 1st and 23:30 on
        # the 30th; the complaint of 05:00 on the 1st
        self.assertEqual(summary["deliveries"], 2)
        self.assertEqual(summary["received"], 1)
        self.assertAlmostEqual(summary["complaint_rate"], 50.0)
        self.assertEqual(
            [item["description"] for item in figures["complaints"]], ["Early April"]
        )
        # listed at its local time, the one that puts it in April
        self.assertEqual(
            figures["complaints"][0]["date"], datetime.datetime(2026, 4, 1, 5, 0)
        )
        # the previous period, March in Shanghai: the delivery and the
        # complaint of 31 March evening
        self.assertEqual(figures["previous"]["deliveries"], 1)
        self.assertEqual(figures["previous"]["received"], 1)
        # the weeks and the customers' return ratios count the same goods
        self.assertEqual(sum(r["deliveries"] for r in figures["rate_by_period"]), 2)
        self.assertEqual(sum(r["complaints"] for r in figures["rate_by_period"]), 1)
        self.assertEqual(
            [(r["customer"], r["deliveries"]) for r in figures["return_ratios"]],
            [(self.customer.name, 2)],
        )

        for date_from, deliveries, complaints in (
            ("2026-03-01", 1, ["Late March"]),
            ("2026-05-01", 1, ["Early May"]),
        ):
            figures = self._figures(self._pack(date_from))
            self.assertEqual(figures["summary"]["deliveries"], deliveries, date_from)
            self.assertEqual(
                [item["description"] for item in figures["complaints"]],
                complaints,
                date_from,
            )
            self.assertEqual(
                [r["deliveries"] for r in figures["return_ratios"]],
                [deliveries],
                date_from,
            )

    def test_month_closes_at_local_midnight_for_the_monthly_job(self):
        """At 01:00 on 1 April in Shanghai (31 March 17:00 UTC) March is
        over for the Shanghai company, not for a UTC one: the monthly job
        builds and sends its March pack, cut at local midnight."""
        Pack = self.env["asq.kpi.pack"]
        with freeze_time("2026-03-31 17:00:00"):
            self.assertEqual(Pack._asq_company_today(self.company), date(2026, 4, 1))
            self.assertEqual(
                Pack._asq_company_today(self.utc_company), date(2026, 3, 31)
            )
            Pack._cron_send_packs()
        packs = Pack.search([("company_id", "=", self.company.id)])
        self.assertEqual(
            sorted((p.period_type, str(p.date_from)) for p in packs),
            [("month", "2026-03-01"), ("quarter", "2026-01-01")],
        )
        march = packs.filtered(lambda p: p.period_type == "month")
        self.assertEqual(march.state, "sent")
        self.assertEqual((march.delivery_count, march.complaint_count), (1, 1))
        self.assertFalse(
            Pack.search([("company_id", "=", self.utc_company.id)]).filtered(
                lambda p: p.date_from == date(2026, 3, 1)
            ),
            "March is not over in UTC",
        )

    def test_calendar_zone_when_the_address_has_none(self):
        """Without a zone on its address, the company's working calendar
        gives it."""
        self.company.partner_id.tz = False
        self.company.resource_calendar_id.tz = "Asia/Shanghai"
        figures = self._figures(self._pack("2026-04-01"))
        self.assertEqual(figures["summary"]["deliveries"], 2)
        self.assertEqual(figures["summary"]["received"], 1)
        # and a UTC company keeps UTC days: 31 March 20:00 UTC is March
        self.company.resource_calendar_id.tz = "UTC"
        figures = self._figures(self._pack("2026-03-01"))
        self.assertEqual(figures["summary"]["deliveries"], 2)
        self.assertEqual(
            sorted(item["description"] for item in figures["complaints"]),
            ["Early April", "Late March"],
        )

    def test_generated_workbook_has_the_local_month(self):
        pack = self._pack("2026-04-01")
        pack.action_generate()
        self.assertEqual(pack.state, "generated")
        self.assertEqual(pack.delivery_count, 2)
        self.assertEqual(pack.complaint_count, 1)
        book = openpyxl.load_workbook(
            io.BytesIO(base64.b64decode(pack.xlsx_attachment_id.datas))
        )
        summary = book.worksheets[0]
        rows = {
            row[0]: row[1:]
            for row in summary.iter_rows(min_row=4, values_only=True)
            if row[0]
        }
        self.assertEqual(rows["Delivered Orders"][:2], (2, 1))
        self.assertEqual(rows["Complaints Received"][:2], (1, 1))
        items = book.worksheets[-1]
        headers = [cell.value for cell in items[1]]
        self.assertEqual(items.max_row, 2, "one complaint item in April")
        row = {
            header: cell.value for header, cell in zip(headers, items[2], strict=True)
        }
        self.assertEqual(row["Description"], "Early April")
        self.assertEqual(row["Received At"], datetime.datetime(2026, 4, 1, 5, 0))


@tagged("post_install", "-at_install", "asq_ux")
class TestUxTransportFreightStation(ReturnCommon):
    """001 §4.2.5: 「售后服務科負責人接到貨運站的客戶退貨的到貨通知后,及時下達
    《退貨運輸單》通知駕駛員到貨運站提貨」: the after-sales section notes the
    freight station, the waybill, the arrival notice and the driver on the
    approved request; the transport order prints them."""

    TRANSPORT = "after_sales_quality.asq_return_report_transport"
    VALUES = {
        "freight_station": "成都荷花池货运站",
        "waybill_ref": "HY-20260401-88",
        "arrival_notice_date": "2026-04-01",
        "driver_name": "张师傅",
    }

    def test_freight_station_noted_once_approved_and_printed(self):
        ret = self._create_return()
        ret.with_user(self.sales).action_submit()
        # not before the request is approved
        with self.assertRaisesRegex(UserError, "noted once the request is approved"):
            ret.with_user(self.aftersales).write(
                {"freight_station": self.VALUES["freight_station"]}
            )
        self._sign(ret, self.aftersales)
        self._sign(ret, self.finance)
        self._sign(ret, self.business)
        self.assertEqual(ret.state, "approved")
        # the transport order has blanks to fill in by hand before
        html = self._html(self.TRANSPORT, ret)
        self.assertIn("Freight Station", html)
        self.assertNotIn(self.VALUES["freight_station"], html)
        # the after-sales section arranges the transport, not the sales
        # person of the request
        with self.assertRaisesRegex(
            AccessError, "Freight Station may only be changed by the role"
        ):
            ret.with_user(self.sales).write(
                {"freight_station": self.VALUES["freight_station"]}
            )
        form = Form(ret.with_user(self.aftersales))
        for fname, value in self.VALUES.items():
            setattr(form, fname, value)
        form.save()
        self.assertEqual(ret.freight_station, self.VALUES["freight_station"])
        self.assertEqual(ret.arrival_notice_date, date(2026, 4, 1))
        text = test_ux_forms.TestUxForms._printed(self.env, self.TRANSPORT, ret)
        for expected in (
            "Freight Station",
            self.VALUES["freight_station"],
            "Waybill No.",
            self.VALUES["waybill_ref"],
            "Arrival Notice On",
            "04/01/2026",
            "Driver",
            self.VALUES["driver_name"],
        ):
            self.assertIn(expected, text)
        # in Chinese for a Chinese user
        self.env["res.lang"]._activate_lang("zh_CN")
        html, _type = (
            self.env["ir.actions.report"]
            .with_context(lang="zh_CN")
            ._render_qweb_html(self.TRANSPORT, ret.ids)
        )
        html = html.decode()
        for expected in ("退货运输单", "货运站", "运单号", "到货通知日期", "驾驶员"):
            self.assertIn(expected, html)
        if os.environ.get("ASQ_KEEP_PDF"):
            for lang in ("en_US", "zh_CN"):
                pdf, _type = (
                    self.env["ir.actions.report"]
                    .with_context(lang=lang, force_report_rendering=True)
                    ._render_qweb_pdf(self.TRANSPORT, ret.ids)
                )
                with open(f"{os.environ['ASQ_KEEP_PDF']}.{lang}.pdf", "wb") as file:
                    file.write(pdf)
        # once the goods are received the order is history
        self._receive(ret)
        self.assertEqual(ret.state, "received")
        with self.assertRaisesRegex(UserError, "until its goods are received"):
            ret.with_user(self.aftersales).write({"driver_name": "李师傅"})


@tagged("post_install", "-at_install", "asq_ux")
class TestUxPackPages(AsqComplaintCommon):
    """The statistics pack on paper with Debian's wkhtmltopdf (no patched
    Qt: no thead repetition, rows cut at the page's foot): each physical
    page opens with the title or the column headers of the table it goes on
    with, no row is cut, and the page count is the one laid out."""

    # the words each section opens a page with: its title, else its headers
    OPENINGS = {
        "summary": ("Summary", ("Figure", "This Period", "Difference")),
        "rate_by_period": (
            "Complaint Rate by Period",
            ("Week", "Delivered Orders", "Complaints"),
        ),
        "by_product": (
            "By Product",
            ("Product", "Delivered Quantity", "Defective Quantity"),
        ),
        "complaints": ("Complaint Items", ("Reference", "Received At", "Customer")),
    }

    def _long_figures(self, pack):
        figures = pack.env[REPORT]._asq_figures(pack)
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
        figures["by_product"] = [
            {
                "label": f"PRD-{index:03d} Glucometer " + "with a long name " * 6,
                "deliveries": 10,
                "complaints": 1,
                "delivered_qty": 100.0,
                "complained_qty": 2.0,
                "complaint_rate": 10.0,
                "incident_rate": 2.0,
            }
            for index in range(100)
        ]
        figures["complaints"] = [
            {
                "name": f"CC/TEST/{index:05d}",
                "date": datetime.datetime(2020, 1, 2, 9, 30),
                "customer": "康泰医疗器械有限公司 Kangtai Test Customer",
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
        return figures

    @staticmethod
    def _pdf_pages(pdf):
        """pdftotext's text of each page of ``pdf``: its lines, blank ones
        left out."""
        if not shutil.which("pdftotext"):
            raise unittest.SkipTest("pdftotext (poppler-utils) is not installed")
        with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
            file.write(pdf)
            file.flush()
            text = subprocess.run(
                ["pdftotext", "-layout", file.name, "-"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        return [
            [line.strip() for line in page.splitlines() if line.strip()]
            for page in text.split("\f")
            if page.strip()
        ]

    def test_long_pack_pages_open_with_headers(self):
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
        figures = self._long_figures(pack)
        data = {"figures": AsqMark({pack.id: figures})}
        report = pack.env[REPORT].with_context(lang=pack._asq_lang())
        plan = report._get_report_values(pack.ids, data=data)["pack_pdf_rows"][pack.id][
            "pages"
        ]
        pdf, _type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(PACK, pack.ids, data=data)
        )
        if os.environ.get("ASQ_KEEP_PDF"):
            with open(os.environ["ASQ_KEEP_PDF"], "wb") as file:
                file.write(pdf)
        pages = self._pdf_pages(pdf)
        # 100 products (a table over four pages) and 50 complaint items
        self.assertGreaterEqual(len(plan), 7)
        self.assertEqual(len(pages), len(plan), "one physical page per planned page")
        translate = pack.with_context(lang=pack._asq_lang()).env._
        for number, (page, segments) in enumerate(
            zip(pages, plan, strict=True), start=1
        ):
            # every page numbered "x / y"
            self.assertRegex(" ".join(page), rf"\b{number} ?/ ?{len(plan)}\b")
            first = segments[0]
            if number == 1 or first["section"] not in self.OPENINGS:
                continue
            title, headers = self.OPENINGS[first["section"]]
            lines = page
            if first["title"]:
                self.assertIn(translate(title), lines[0], f"page {number}")
                lines = lines[1:]
            # the column headers (of one line, or two for the items)
            top = " ".join(lines[: first.get("header_rows", 1)])
            for header in headers:
                self.assertIn(translate(header), top, f"page {number}: {page[:2]}")
        # the long table goes on over pages, each opening with its headers
        product_pages = [
            number
            for number, segments in enumerate(plan, start=1)
            if segments[0]["section"] == "by_product" and not segments[0]["title"]
        ]
        self.assertGreaterEqual(len(product_pages), 2)
        # no row is cut: each product and each item is printed on one page,
        # once, on the page the plan put it
        text_pages = ["\n".join(page) for page in pages]
        for prefix, count, section in (
            ("PRD-", 100, "by_product"),
            ("CC/TEST/", 50, "complaints"),
        ):
            for index in range(count):
                name = (
                    f"{prefix}{index:03d}"
                    if prefix == "PRD-"
                    else f"{prefix}{index:05d}"
                )
                found = [n for n, text in enumerate(text_pages) if name in text]
                planned = [
                    n
                    for n, segments in enumerate(plan)
                    for segment in segments
                    if segment["section"] == section
                    and any(
                        (row.get("label") or row.get("name", "")).startswith(name)
                        for row in segment["rows"]
                    )
                ]
                self.assertEqual(found, planned, name)
        if os.environ.get("ASQ_KEEP_PDF"):
            # the same pack for Chinese readers, to look at
            self.env["res.lang"]._activate_lang("zh_CN")
            pack.recipient_ids.sudo().lang = "zh_CN"
            pdf_zh, _type = (
                self.env["ir.actions.report"]
                .with_context(force_report_rendering=True)
                ._render_qweb_pdf(PACK, pack.ids, data=data)
            )
            with open(os.environ["ASQ_KEEP_PDF"] + ".zh.pdf", "wb") as file:
                file.write(pdf_zh)
