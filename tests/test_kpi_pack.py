import base64
import io
import zipfile

import openpyxl
from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from odoo.addons.after_sales_quality.models.asq_workflow_mixin import asq_step
from odoo.addons.after_sales_quality.tests.common import SURVEY_ANSWERS
from odoo.addons.after_sales_quality.tests.complaint_common import (
    FRIDAY,
    AsqComplaintCommon,
    asq_send_reply,
)

ASQ = "after_sales_quality."


def dt(value):
    return fields.Datetime.to_datetime(value)


@tagged("post_install", "-at_install", "asq_kpi")
class TestKpiPack(AsqComplaintCommon):
    """A fresh company with a known month (March 2025): 8 delivered orders,
    2 complaints (one answered on time, one late), 300 of internal loss and
    50 borne by the carrier, one customer over the return-ratio cap, one CAPA
    and a satisfaction survey; February 2025 for the comparison. The main
    company gets a complaint and a CAPA in the same month that must stay
    out of the fresh company's pack."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.main_company = cls.company
        cls.main_complaint = cls._create_complaint(
            received_date=FRIDAY, description="Main company only"
        )
        cls.main_complaint.action_submit()
        cls.main_capa = cls.env["asq.capa"].create(
            {"problem": "Main company CAPA", "date_open": "2025-03-20"}
        )

        # The fresh company and its people
        company = cls.env["res.company"].create(
            {
                "name": "ASQ KPI Test Co",
                "email": "kpi@example.com",
                "currency_id": cls.main_company.currency_id.id,
            }
        )
        calendar = cls.calendar.copy({"company_id": company.id})
        company.write(
            {
                "resource_calendar_id": calendar.id,
                "asq_exchange_ratio_cap": 5.0,
                "asq_return_period_months": 12,
                "asq_complaint_disposition_days": 3,
                "asq_complaint_onsite_local_hours": 24,
                "asq_complaint_onsite_remote_days": 7,
                "asq_complaint_answer_days": 3,
                # The figures below count the carrier's complaint too (003
                # §5.2.3 is tested in test_fidelity_stats.py).
                "asq_complaint_rate_own_only": False,
            }
        )
        for user in cls.users.values():
            user.write(
                {"company_ids": [Command.link(company.id)], "company_id": company.id}
            )
        cls.company = company
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        )
        cls.department = cls.env["hr.department"].create(
            {"name": "KPI Production", "company_id": company.id}
        )
        cls.carrier = cls.env["res.partner"].create({"name": "KPI Express"})
        cls.remote = cls.env["res.partner"].create(
            {
                "name": "成都测试客户",
                "is_company": True,
                "email": "remote.kpi@example.com",
                "asq_locality": "remote",
            }
        )

        # February 2025: 2 orders, 1 complaint
        feb = [
            cls._deliver(
                cls.customer,
                [(cls.product_b, 10, 10.0, f"KPI-FEB-{i}")],
                date=dt(f"2025-02-0{i + 3} 09:00:00"),
            )
            for i in range(2)
        ]
        # March 2025: 8 orders, 6 to the customer and 2 to the remote one
        march = [
            cls._deliver(
                cls.customer,
                [(cls.product, 10, 100.0, "KPI-MAR-0")],
                date=dt("2025-03-03 09:00:00"),
            )
        ]
        march += [
            cls._deliver(
                cls.customer,
                [(cls.product_b, 50, 10.0, f"KPI-MAR-{i}")],
                date=dt(f"2025-03-{i + 10} 09:00:00"),
            )
            for i in range(1, 6)
        ]
        cls.remote_first = cls._deliver(
            cls.remote,
            [(cls.product, 5, 100.0, "KPI-MAR-R1")],
            date=dt("2025-03-04 09:00:00"),
        )
        cls.remote_second = cls._deliver(
            cls.remote,
            [(cls.product_b, 20, 10.0, "KPI-MAR-R2")],
            date=dt("2025-03-05 09:00:00"),
        )
        # 10 of 20 strips (100 of 700 delivered) come back: 14.29 % > 5 %
        cls._return(cls.remote_second, {cls.product_b: 10})

        def line(picking):
            return cls.env["asq.delivered.line"].search(
                [("picking_id", "=", picking.id)], limit=1
            )

        # C0, February: registered, not judged
        cls.c0 = cls._create_complaint(
            lines=[(line(feb[0]), 1.0)],
            received_date=dt("2025-02-12 10:00:00"),
            category="late",
        )
        cls.c0.action_submit()
        # C1, March: answered on time, closed after 7 days, 300 internal loss
        cls.c1 = cls._create_complaint(
            lines=[(line(march[0]), 2.0)], received_date=FRIDAY
        )
        cls._decide(
            cls.c1,
            "2025-03-07 11:00:00",
            {
                "responsibility": "internal",
                "responsible_department_id": cls.department.id,
                "root_cause": "Sensor calibration drift",
                "disposition": "exchange",
            },
            "2025-03-10 10:00:00",
        )
        with freeze_time("2025-03-10 10:00:00"):
            asq_send_reply(cls.c1.with_user(cls.users["asq_sales"]))
            cls.c1.with_user(cls.users["asq_sales"]).action_customer_satisfied()
        with freeze_time("2025-03-14 10:00:00"):
            # 003 §3.8: the final report signed before the close
            cls.c1.with_user(cls.users["asq_gm"]).action_final_signoff()
            cls.c1.with_user(cls.users["asq_qm"]).action_close()
        cls._write_loss(cls.c1, 300.0, "company")
        # C2, March: customer text "=1+1", judged at once, decided late
        cls.c2 = cls._create_complaint(
            partner=cls.remote,
            lines=[(line(cls.remote_second), 4.0)],
            received_date=dt("2025-03-10 09:00:00"),
            category="packaging",
            description="=1+1",
        )
        cls._decide(
            cls.c2,
            "2025-03-10 10:00:00",
            {
                "responsibility": "carrier",
                "responsible_partner_id": cls.carrier.id,
                "root_cause": "Crushed in transit",
                "disposition": "return",
            },
            "2025-03-14 10:00:00",
        )
        cls._write_loss(cls.c2, 50.0, "carrier")
        # A draft complaint of March does not count
        cls._create_complaint(
            lines=[(line(march[1]), 1.0)], received_date=dt("2025-03-20 09:00:00")
        )
        # A CAPA opened in March
        cls.capa = (
            cls.env["asq.capa"]
            .with_user(cls.users["asq_inspector"])
            .create(
                {
                    "problem": "Strips packaging too weak",
                    "source": "complaint",
                    "date_open": "2025-03-20",
                }
            )
        )
        cls._survey(company)

    @classmethod
    def _decide(cls, complaint, judged_at, findings, decided_at):
        """Register ``complaint``, judge it valid at ``judged_at``, record its
        ``findings`` and decide it at ``decided_at``, each by its role."""
        complaint.action_submit()
        with freeze_time(judged_at):
            complaint.with_user(cls.users["asq_qm"]).action_judge_valid()
        inspector = complaint.with_user(cls.users["asq_inspector"])
        inspector.write(findings)
        inspector.action_record_findings()
        with freeze_time(decided_at):
            complaint.with_user(cls.users["asq_qm"]).action_decide()

    @classmethod
    def _write_loss(cls, complaint, freight, bearer):
        """The loss the closed or decided ``complaint`` booked."""
        complaint.sudo().with_context(**asq_step("asq_complaint_step")).write(
            {"loss_freight": freight, "loss_bearer": bearer}
        )

    @classmethod
    def _survey(cls, company):
        """Two customers answer a March campaign: index 600 / 8 = 75."""
        tag = cls.env["res.partner.category"].create({"name": "KPI survey"})
        customers = cls.env["res.partner"].create(
            [
                {
                    "name": f"KPI survey {i}",
                    "is_company": True,
                    "customer_rank": 1,
                    "email": f"kpi.survey.{i}@example.com",
                    "asq_customer_class": "a",
                    "category_id": [Command.set(tag.ids)],
                }
                for i in range(2)
            ]
        )
        survey = cls.env.ref(f"{ASQ}asq_survey_satisfaction")
        campaign = (
            cls.env["asq.survey.campaign"]
            .with_user(cls.users["asq_qm"])
            .create(
                {
                    "name": "KPI March survey",
                    "survey_id": survey.id,
                    "seed": 42,
                    "partner_category_ids": [Command.set(tag.ids)],
                    "date_start": "2025-03-01",
                    "date_end": "2025-03-31",
                }
            )
        )
        campaign.action_draw_sample()
        campaign.action_send_invitations()
        for customer, levels in zip(customers, SURVEY_ANSWERS, strict=True):
            target = campaign.target_ids.filtered(
                lambda t, c=customer: t.partner_id == c
            )
            user_input = target.user_input_id.sudo()
            for dim, level in levels.items():
                question = cls.env.ref(f"{ASQ}asq_survey_question_{dim}")
                answer = cls.env.ref(f"{ASQ}asq_survey_question_{dim}_{level}")
                user_input._save_lines(question, answer.id)
            user_input._mark_done()
        cls.campaign = campaign

    def _pack(self, period_type="month", date_from="2025-03-01", company=None):
        return (
            self.env["asq.kpi.pack"]
            .with_user(self.users["asq_qm"])
            .create(
                {
                    "company_id": (company or self.company).id,
                    "period_type": period_type,
                    "date_from": date_from,
                }
            )
        )

    def _figures(self, pack):
        return pack.env[
            "report.after_sales_quality.asq_kpi_pack_report_template"
        ]._asq_figures(pack)

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------
    def test_figures_of_the_month(self):
        pack = self._pack()
        self.assertEqual(pack.date_to, fields.Date.to_date("2025-03-31"))
        self.assertTrue(pack.name.startswith("KPI/"))
        figures = self._figures(pack)
        summary = figures["summary"]
        self.assertEqual(summary["deliveries"], 8)
        self.assertEqual(summary["received"], 2, "the draft complaint is left out")
        self.assertEqual(summary["valid"], 2)
        self.assertEqual(summary["closed"], 1)
        self.assertAlmostEqual(summary["complaint_rate"], 25.0)  # 2 / 8
        # (2 + 4) defective / (10 + 5 + 250 + 20) delivered
        self.assertAlmostEqual(summary["incident_rate"], 2.105)
        self.assertAlmostEqual(summary["disposition_rate"], 50.0, msg="C2 late")
        self.assertAlmostEqual(summary["answer_rate"], 50.0, msg="one late of two")
        self.assertAlmostEqual(summary["onsite_rate"], 0.0)
        self.assertAlmostEqual(summary["loss"], 350.0)
        self.assertAlmostEqual(summary["handling_days"], 7.0)
        self.assertEqual(summary["capa_opened"], 1, "not the main company's CAPA")
        self.assertEqual(summary["capa_closed"], 0)
        self.assertAlmostEqual(summary["satisfaction_index"], 75.0)
        self.assertEqual(summary["over_cap"], 1)

        previous = figures["previous"]
        self.assertEqual(previous["deliveries"], 2)
        self.assertEqual(previous["received"], 1)
        self.assertAlmostEqual(previous["complaint_rate"], 50.0)
        rate_row = next(
            r for r in figures["summary_rows"] if r["key"] == "complaint_rate"
        )
        self.assertAlmostEqual(rate_row["difference"], -25.0)

        self.assertEqual(figures["period"]["interval"], "week")
        self.assertEqual(sum(r["deliveries"] for r in figures["rate_by_period"]), 8)
        self.assertEqual(sum(r["complaints"] for r in figures["rate_by_period"]), 2)
        self.assertEqual(len(figures["rate_by_period"]), 2, "weeks 10 and 11")

        by_category = {r["key"]: r for r in figures["by_category"]}
        self.assertEqual(set(by_category), {"quality", "packaging"})
        self.assertAlmostEqual(by_category["quality"]["complaint_rate"], 12.5)
        self.assertAlmostEqual(by_category["packaging"]["complaint_rate"], 12.5)

        by_product = {r["label"]: r for r in figures["by_product"]}
        meter, strips = by_product["Test Glucometer"], by_product["Test Strips"]
        self.assertEqual((meter["deliveries"], meter["complaints"]), (2, 1))
        self.assertAlmostEqual(meter["complaint_rate"], 50.0)
        self.assertAlmostEqual(meter["incident_rate"], 13.333)  # 2 / 15
        self.assertEqual((strips["deliveries"], strips["complaints"]), (6, 1))
        self.assertAlmostEqual(strips["incident_rate"], 1.481)  # 4 / 270

        by_customer = {r["label"]: r for r in figures["by_customer"]}
        self.assertAlmostEqual(
            by_customer[self.customer.name]["complaint_rate"], 16.667
        )
        self.assertAlmostEqual(by_customer["成都测试客户"]["complaint_rate"], 50.0)

        loss = {r["key"]: r["loss"] for r in figures["loss_by_responsibility"]}
        self.assertEqual(loss, {"internal": 300.0, "carrier": 50.0})
        bearer = {r["key"]: r["loss"] for r in figures["loss_by_bearer"]}
        self.assertEqual(bearer, {"company": 300.0, "carrier": 50.0})

        timeliness = figures["timeliness"]
        self.assertEqual(sum(r["answer_due"] for r in timeliness), 2)
        self.assertEqual(sum(r["answer_met"] for r in timeliness), 1)

        self.assertEqual(
            [(r["key"], r["opened"], r["closed"]) for r in figures["capa_by_source"]],
            [("complaint", 1, 0)],
        )

        ratios = {r["customer"]: r for r in figures["return_ratios"]}
        self.assertEqual(set(ratios), {self.customer.name, "成都测试客户"})
        remote = ratios["成都测试客户"]
        self.assertAlmostEqual(remote["delivered_amount"], 700.0)
        self.assertAlmostEqual(remote["returned_amount"], 100.0)
        self.assertAlmostEqual(remote["amount_ratio"], 14.286)
        self.assertTrue(remote["over_cap"])
        self.assertFalse(ratios[self.customer.name]["over_cap"])
        self.assertEqual(figures["return_ratios"][0]["customer"], "成都测试客户")

        satisfaction = figures["satisfaction"]
        self.assertEqual(satisfaction["campaign"], "KPI March survey")
        dims = {r["key"]: r["index"] for r in satisfaction["dimensions"]}
        self.assertEqual(
            dims, {"quality": 90.0, "delivery": 80.0, "service": 80.0, "price": 50.0}
        )

        items = figures["complaints"]
        self.assertEqual([i["name"] for i in items], [self.c1.name, self.c2.name])
        self.assertEqual(items[0]["products"], "Test Glucometer")
        self.assertEqual(items[0]["category"], "Product Quality")
        self.assertEqual(items[0]["root_cause"], "Sensor calibration drift")
        self.assertEqual(items[0]["state"], "Closed")
        self.assertEqual(items[0]["loss"], 300.0)
        self.assertEqual(items[1]["description"], "=1+1")
        self.assertEqual(items[1]["customer"], "成都测试客户")
        self.assertEqual(items[1]["disposition"], "Return")

    def test_other_company_stays_out(self):
        figures = self._figures(self._pack())
        names = [item["name"] for item in figures["complaints"]]
        self.assertNotIn(self.main_complaint.name, names)
        main = self.env["asq.kpi.pack"].create(
            {
                "company_id": self.main_company.id,
                "period_type": "month",
                "date_from": "2025-03-01",
            }
        )
        main_figures = self._figures(main)
        main_names = [item["name"] for item in main_figures["complaints"]]
        self.assertIn(self.main_complaint.name, main_names)
        self.assertFalse(set(main_names) & {self.c1.name, self.c2.name})
        self.assertNotIn(
            "KPI March survey", main_figures["satisfaction"]["campaign"] or ""
        )
        self.assertGreaterEqual(main_figures["summary"]["capa_opened"], 1)

    def test_quarter_and_year_group_by_month(self):
        quarter = self._figures(self._pack("quarter", "2025-01-01"))
        self.assertEqual(quarter["period"]["interval"], "month")
        self.assertEqual(quarter["summary"]["deliveries"], 10)
        self.assertEqual(quarter["summary"]["received"], 3)
        self.assertAlmostEqual(quarter["summary"]["complaint_rate"], 30.0)
        self.assertEqual(
            [(r["deliveries"], r["complaints"]) for r in quarter["rate_by_period"]],
            [(2, 1), (8, 2)],
        )
        year = self._pack("year", "2025-01-01")
        self.assertEqual(year.date_to, fields.Date.to_date("2025-12-31"))
        self.assertEqual(self._figures(year)["summary"]["received"], 3)
        with self.assertRaisesRegex(UserError, "first day of its month"):
            self._pack("quarter", "2025-02-01")

    # ------------------------------------------------------------------
    # Files
    # ------------------------------------------------------------------
    def test_generate_builds_xlsx_and_pdf(self):
        pack = self._pack()
        pack.action_generate()
        self.assertEqual(pack.state, "generated")
        self.assertEqual(pack.generated_user_id, self.users["asq_qm"])
        self.assertEqual(len(pack.attachment_ids), 2)
        self.assertAlmostEqual(pack.complaint_rate, 25.0)
        self.assertAlmostEqual(pack.loss_amount, 350.0)
        self.assertEqual(pack.over_cap_count, 1)

        data = base64.b64decode(pack.xlsx_attachment_id.datas)
        book = openpyxl.load_workbook(io.BytesIO(data))
        self.assertEqual(
            book.sheetnames,
            [
                "Summary",
                "Complaint Rate",
                "Timeliness",
                "Loss",
                "CAPA",
                "Return Ratios",
                "Satisfaction",
                "Complaint Items",
            ],
        )
        summary = {
            row[0]: row[1]
            for row in book["Summary"].iter_rows(min_row=4, values_only=True)
        }
        self.assertEqual(summary["Complaint Rate (%)"], 25.0)
        self.assertEqual(summary["Loss Amount"], 350.0)
        items = book["Complaint Items"]
        cell = next(
            row[8] for row in items.iter_rows(min_row=2) if row[0].value == self.c2.name
        )
        self.assertEqual(cell.value, "=1+1")
        self.assertEqual(cell.data_type, "s", "customer text stays text")
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            self.assertIn("xl/charts/chart1.xml", names)
            self.assertIn("xl/charts/chart3.xml", names, "line, pie and bar")
            sheet_xml = archive.read("xl/worksheets/sheet8.xml").decode()
            self.assertNotIn("<f>", sheet_xml, "no formula anywhere")
            self.assertIn("1+1", archive.read("xl/sharedStrings.xml").decode())

        self._assert_pdf("after_sales_quality.asq_kpi_pack_report", pack)

        # Regenerating replaces the files
        old = pack.attachment_ids
        pack.action_generate()
        self.assertFalse(old.exists())
        self.assertEqual(len(pack.attachment_ids), 2)

    def test_report_in_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.users["asq_mgmt_rep"].lang = "zh_CN"
        pack = self._pack()
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("after_sales_quality.asq_kpi_pack_report", pack.ids)[0]
            .decode()
        )
        self.assertIn('data-oe-lang="zh_CN"', html)
        self.assertIn("成都测试客户", html)
        self.assertIn("25.00", html)

    # ------------------------------------------------------------------
    # Sending, wizard
    # ------------------------------------------------------------------
    def test_wizard_generate_and_send(self):
        rep = self.users["asq_mgmt_rep"]
        with freeze_time("2025-04-10 09:00:00"):
            wizard_form = Form(self.env["asq.kpi.pack.wizard"].with_user(rep))
            self.assertEqual(
                wizard_form.reference_date, fields.Date.to_date("2025-03-31")
            )
            wizard_form.period_type = "quarter"
            self.assertEqual(wizard_form.date_from, fields.Date.to_date("2025-01-01"))
            wizard_form.period_type = "month"
            wizard = wizard_form.save()
            action = wizard.action_generate_send()
        pack = self.env["asq.kpi.pack"].browse(action["res_id"])
        self.assertEqual(pack.state, "sent")
        self.assertEqual(pack.sent_user_id, rep)
        # with the business head (001 §4.4)
        audience = rep.partner_id | self.users["asq_business"].partner_id
        self.assertEqual(pack.sent_to_ids, audience)
        mail = self.env["mail.mail"].search(
            [("model", "=", "asq.kpi.pack"), ("res_id", "=", pack.id)]
        )
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, audience)
        self.assertEqual(len(mail.attachment_ids), 2)
        self.assertIn("25.00", mail.body_html)
        # The same period again opens the sent pack as it is
        again = wizard.action_generate()
        self.assertEqual(again["res_id"], pack.id)
        self.assertEqual(
            self.env["mail.mail"].search_count(
                [("model", "=", "asq.kpi.pack"), ("res_id", "=", pack.id)]
            ),
            1,
        )

    def test_quality_managers_when_no_representative(self):
        self.users["asq_mgmt_rep"].write(
            {
                "company_id": self.main_company.id,
                "company_ids": [Command.unlink(self.company.id)],
            }
        )
        pack = self._pack()
        self.assertEqual(
            pack.recipient_ids,
            self.users["asq_qm"].partner_id | self.users["asq_business"].partner_id,
        )

    # ------------------------------------------------------------------
    # Scheduled job
    # ------------------------------------------------------------------
    def _packs(self, **domain):
        return self.env["asq.kpi.pack"].search(
            [(key, "=", value) for key, value in domain.items()]
        )

    def test_cron_monthly_then_quarterly(self):
        Pack = self.env["asq.kpi.pack"]
        companies = self.env["res.company"].search([])
        with freeze_time("2025-03-02 06:00:00"):
            Pack._cron_send_packs()
        february = self._packs(period_type="month", date_from="2025-02-01")
        self.assertEqual(february.company_id, companies)
        self.assertEqual(len(february), len(companies), "one per company")
        self.assertEqual(set(february.mapped("state")), {"sent"})
        self.assertFalse(self._packs(period_type="quarter"))
        pack = february.filtered(lambda p: p.company_id == self.company)
        mail = self.env["mail.mail"].search(
            [("model", "=", "asq.kpi.pack"), ("res_id", "=", pack.id)]
        )
        self.assertEqual(len(mail), 1)
        self.assertEqual(
            mail.recipient_ids,
            self.users["asq_mgmt_rep"].partner_id
            | self.users["asq_business"].partner_id,
        )
        self.assertEqual(len(mail.attachment_ids), 2)
        self.assertEqual(pack.complaint_count, 1)

        mails = self.env["mail.mail"].search_count([("model", "=", "asq.kpi.pack")])
        with freeze_time("2025-03-02 18:00:00"):
            Pack._cron_send_packs()
        self.assertEqual(len(self._packs()), len(companies), "nothing new")
        self.assertEqual(
            self.env["mail.mail"].search_count([("model", "=", "asq.kpi.pack")]),
            mails,
            "nothing resent",
        )

        with freeze_time("2025-04-02 06:00:00"):
            Pack._cron_send_packs()
        march = self._packs(period_type="month", date_from="2025-03-01")
        quarter = self._packs(period_type="quarter", date_from="2025-01-01")
        self.assertEqual(len(march), len(companies))
        self.assertEqual(len(quarter), len(companies))
        self.assertEqual(set((march | quarter).mapped("state")), {"sent"})
        self.assertFalse(self._packs(period_type="year"))

    def test_cron_alerts_management_of_customers_over_cap(self):
        Pack = self.env["asq.kpi.pack"]
        with freeze_time("2025-04-02 06:00:00"):
            Pack._cron_send_packs()
        pack = self._packs(
            period_type="month", date_from="2025-03-01", company_id=self.company.id
        )
        self.assertTrue(pack.over_cap_alerted)
        gm, head = self.users["asq_gm"], self.users["asq_business"]
        activities = pack.activity_ids
        self.assertEqual(activities.user_id, gm | head)
        gm_activity = activities.filtered(lambda a: a.user_id == gm)
        self.assertEqual(len(gm_activity), 1)
        self.assertEqual(
            gm_activity.activity_type_id, self.env.ref("mail.mail_activity_data_todo")
        )
        self.assertIn("成都测试客户", gm_activity.note)
        self.assertIn("14.29", gm_activity.note)
        quarter = self._packs(
            period_type="quarter", date_from="2025-01-01", company_id=self.company.id
        )
        self.assertFalse(quarter.activity_ids, "the alert is monthly")
        with freeze_time("2025-04-03 06:00:00"):
            Pack._cron_send_packs()
        self.assertEqual(pack.activity_ids, activities, "no duplicate alert")

    def test_cron_reports_the_packs_left(self):
        """A run builds ``batch_size`` packs and tells the scheduler how many
        are left (the scheduler commits and runs the job again)."""
        cron = self.env.ref("after_sales_quality.asq_kpi_pack_cron_send")
        _cron, progress = cron._add_progress()
        Pack = self.env["asq.kpi.pack"].with_context(ir_cron_progress_id=progress.id)
        due = 2 * len(self.env["res.company"].search([]))  # March and Q1
        with freeze_time("2025-04-02 06:00:00"):
            self.assertEqual(Pack._cron_send_packs(batch_size=1), 1)
            self.assertEqual((progress.done, progress.remaining), (1, due - 1))
            self.assertEqual(Pack._cron_send_packs(), due - 1)
            self.assertEqual((progress.done, progress.remaining), (due - 1, 0))
            self.assertEqual(Pack._cron_send_packs(), 0, "nothing left")
        self.assertEqual(set(self._packs().mapped("state")), {"sent"})

    def test_cron_failure_of_one_company_spares_the_others(self):
        lonely = self.env["res.company"].create({"name": "ASQ KPI No Managers"})
        self.assertFalse(
            self.env["asq.kpi.pack"].new({"company_id": lonely.id}).recipient_ids
        )
        with (
            freeze_time("2025-03-02 06:00:00"),
            self.assertLogs(
                "odoo.addons.after_sales_quality.models.asq_kpi_pack", "ERROR"
            ),
        ):
            self.env["asq.kpi.pack"]._cron_send_packs()
        self.assertFalse(self._packs(company_id=lonely.id), "rolled back")
        self.assertEqual(
            self._packs(company_id=self.company.id).state, "sent", "others sent"
        )

    # ------------------------------------------------------------------
    # Access and the auditor's record
    # ------------------------------------------------------------------
    def test_who_may_generate(self):
        with self.assertRaises(AccessError):
            self.env["asq.kpi.pack"].with_user(self.users["asq_sales"]).create(
                {"period_type": "month", "date_from": "2025-03-01"}
            )
        with self.assertRaises(AccessError):
            self.env["asq.kpi.pack.wizard"].with_user(self.users["asq_sales"]).create(
                {"period_type": "month"}
            )
        pack = self._pack()
        with self.assertRaises(AccessError):
            pack.with_user(self.users["asq_finance"]).action_generate()
        with self.assertRaises(AccessError):
            pack.with_user(self.users["asq_aftersales"]).action_generate()
        self.assertEqual(
            pack.with_user(self.users["asq_finance"]).read(["name"])[0]["name"],
            pack.name,
            "finance reads the packs",
        )
        pack.with_user(self.users["asq_business"]).action_generate()
        self.assertEqual(pack.state, "generated")
        with self.assertRaisesRegex(AccessError, "Regenerate"):
            pack.with_user(self.users["asq_business"]).action_generate()
        pack.with_user(self.users["asq_mgmt_rep"]).action_generate()
        self.assertEqual(pack.generated_user_id, self.users["asq_mgmt_rep"])

    def test_sent_pack_is_a_record(self):
        pack = self._pack()
        with self.assertRaisesRegex(UserError, "signed by the workflow"):
            pack.write({"sent_date": fields.Datetime.now()})
        pack.action_generate()
        with self.assertRaisesRegex(UserError, "cannot be edited"):
            pack.with_user(self.users["asq_qm"]).write({"name": "KPI/forged"})
        pack.action_send()
        self.assertEqual(pack.state, "sent")
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            pack.with_user(self.users["asq_qm"]).unlink()
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            pack.sudo().unlink()
        for login in ("asq_qm", "asq_mgmt_rep"):
            with self.assertRaisesRegex(UserError, "set by its Generate button"):
                pack.with_user(self.users[login]).write({"date_from": "2025-04-01"})
            with self.assertRaisesRegex(UserError, "current status"):
                pack.with_user(self.users[login]).action_generate()
        with self.assertRaisesRegex(UserError, "current status"):
            pack.action_send()
        with self.assertRaisesRegex(UserError, "were sent to management"):
            pack.xlsx_attachment_id.with_user(self.users["asq_qm"]).unlink()
        self.assertTrue(pack.xlsx_attachment_id.exists())

    def test_one_pack_per_company_and_period(self):
        self._pack()
        with self.assertRaises(IntegrityError), self.cr.savepoint():
            self._pack()
        self.assertEqual(self._pack(company=self.main_company).state, "draft")
