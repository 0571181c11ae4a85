import io
from datetime import timedelta

import openpyxl
from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from odoo.addons.after_sales_quality.tests.test_dashboard import (
    CAPA_STEP,
    COMPLAINT_STEP,
    RETURN_STEP,
    DashboardCommon,
)

DEMO_LOGINS = (
    "asq_sales",
    "asq_aftersales",
    "asq_inspector",
    "asq_qm",
    "asq_warehouse",
    "asq_finance",
    "asq_business",
    "asq_gm",
    "asq_mgmt_rep",
)


@tagged("post_install", "-at_install", "asq_ux", "asq_kpi")
class TestUxDashboardTiles(DashboardCommon):
    """Each tile opens its list with its filter as a facet the user sees and
    removes; the warehouse's tile opens the return receipts to validate."""

    def test_every_role_tiles_open_their_count(self):
        self._complaint(days_ago=40)
        self._complaint(state="review")
        self._complaint(state="investigating")
        for login in DEMO_LOGINS:
            with self.subTest(login=login):
                tiles = self._assert_tiles_open_their_count(login)
                self.assertTrue(tiles, login)

    def test_removing_the_filter_shows_more(self):
        overdue = self._complaint(days_ago=40)
        self._complaint()
        action = self._dashboard("asq_qm").action_open_tile("overdue_complaints")
        filtered = self._list_count(action, "asq_qm")
        self.assertGreaterEqual(filtered, 1)
        # The user removes the facet "Overdue": the open complaints show.
        unfiltered = self._list_count(action, "asq_qm", ["complaints", "open"])
        self.assertGreater(unfiltered, filtered)
        self.assertIn(
            overdue,
            self.env["asq.complaint"].search(self._list_domain(action, "asq_qm")),
        )

    def test_warehouse_to_receive_opens_the_receipts(self):
        picking = self._deliver(self.customer, [(self.product, 10, 100.0, "UX-R1")])
        [delivered] = self._delivered_lines(picking)
        before = self._figures("asq_warehouse")
        approved = self._return_request(self.customer, [(delivered, 2)])
        waiting = self._return_request(self.customer, [(delivered, 1)])
        approved.with_context(**RETURN_STEP).write({"state": "approved"})
        waiting.with_context(**RETURN_STEP).write({"state": "finance"})
        for ret in approved | waiting:
            ret.sudo()._create_receipts()
        receipt = approved.picking_ids.filtered(
            lambda p: p.asq_return_role == "receipt"
        )
        self.assertTrue(receipt)
        data = self._dashboard("asq_warehouse").retrieve_dashboard()
        tile = next(t for t in data["tiles"] if t["key"] == "to_receive")
        self.assertEqual(tile["label"], "To Receive")
        # The receipt of the request still waiting for finance is not yet
        # the warehouse's to-do.
        self.assertEqual(tile["count"] - before.get("to_receive", 0), 1)
        action = self._dashboard("asq_warehouse").action_open_tile("to_receive")
        self.assertEqual(action["res_model"], "stock.picking")
        self.assertEqual(action["context"], {"search_default_asq_to_receive": 1})
        found = (
            self.env["stock.picking"]
            .with_user(self.users["asq_warehouse"])
            .search(self._list_domain(action, "asq_warehouse"))
        )
        self.assertIn(receipt, found)
        self.assertEqual(len(found), tile["count"])
        self.assertEqual(set(found.mapped("asq_return_role")), {"receipt"})

    def test_charts_only_for_report_readers(self):
        charts = self._dashboard("asq_qm").retrieve_dashboard()["charts"]
        self.assertEqual(
            [chart["key"] for chart in charts],
            [
                "complaints_month",
                "pareto_category",
                "pareto_product",
                "reply_timeliness",
                "capa_age",
            ],
        )
        for login in ("asq_warehouse", "asq_finance"):
            self.assertEqual(
                self._dashboard(login).retrieve_dashboard()["charts"], [], login
            )


@tagged("post_install", "-at_install", "asq_ux", "asq_kpi")
class TestUxDashboardCharts(DashboardCommon):
    """The charts' figures, read as the graph views read them, against a
    dataset counted by hand."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product_c = cls._create_product("UX Chart Meter", 50.0)
        picking = cls._deliver(
            cls.customer,
            [(cls.product, 20, 100.0, "UX-C1"), (cls.product_c, 20, 50.0, "UX-C2")],
            date=fields.Datetime.now() - relativedelta(months=15),
        )
        cls.delivered = {
            line.product_id: line for line in cls._delivered_lines(picking)
        }

    def _received(self, months_back):
        """A receipt date ``months_back`` months ago, in the past."""
        if not months_back:
            return fields.Datetime.now() - timedelta(minutes=1)
        dashboard = self._dashboard("asq_qm")
        return dashboard._month_start(months_back) + timedelta(days=2)

    def _chart_complaint(self, months_back, category, product, **vals):
        return self._complaint(
            state=vals.pop("state", "review"),
            category=category,
            received_date=self._received(months_back),
            line_ids=[
                Command.create(
                    {"delivered_line_id": self.delivered[product].id, "quantity": 1}
                )
            ],
            **vals,
        )

    def _chart_figures(self, key, aggregate):
        """{group: figure} of the chart ``key`` as the qm's graph reads it."""
        dashboard = self._dashboard("asq_qm")
        spec = dashboard._chart_specs()[key]
        groupby = spec["context"]["graph_groupbys"]
        Report = self.env[spec["model"]].with_user(self.users["asq_qm"])
        return {
            tuple(group[:-1]) if len(groupby) > 1 else group[0]: group[-1]
            for group in Report._read_group(spec["domain"], groupby, [aggregate])
        }

    def _month(self, months_back):
        today = fields.Date.context_today(self._dashboard("asq_qm"))
        return today.replace(day=1) - relativedelta(months=months_back)

    def test_complaint_charts(self):
        count = "complaint_ref:count_distinct"
        before = {
            key: self._chart_figures(key, count)
            for key in ("complaints_month", "pareto_category", "pareto_product")
        }
        p, c = self.product, self.product_c
        self._chart_complaint(0, "quality", p)
        self._chart_complaint(0, "quality", c)
        self._chart_complaint(0, "packaging", c)
        self._chart_complaint(1, "quality", c)
        self._chart_complaint(1, "service", c)
        self._chart_complaint(2, "quality", c)
        # Out of the charts: cancelled, a draft, an inquiry, 13 months ago.
        self._chart_complaint(0, "quality", c, state="cancel")
        self._chart_complaint(0, "quality", c, state="draft")
        self._chart_complaint(1, "quality", c, feedback_type="inquiry")
        self._chart_complaint(13, "quality", c)

        def delta(key):
            after = self._chart_figures(key, count)
            return {
                group: figure - before[key].get(group, 0)
                for group, figure in after.items()
                if figure - before[key].get(group, 0)
            }

        months = delta("complaints_month")
        self.assertEqual(
            {month.date(): n for month, n in months.items()},
            {self._month(0): 3, self._month(1): 2, self._month(2): 1},
        )
        self.assertEqual(
            delta("pareto_category"), {"quality": 4, "packaging": 1, "service": 1}
        )
        self.assertEqual(delta("pareto_product"), {p: 1, c: 5})
        # The Pareto bars: the most complained about first.
        self.assertEqual(
            self._dashboard("asq_qm")._chart_specs()["pareto_product"]["context"][
                "graph_order"
            ],
            "DESC",
        )

    def test_reply_timeliness(self):
        before = self._chart_figures("reply_timeliness", "__count")
        on_time = self._chart_complaint(1, "quality", self.product_c)
        late = self._chart_complaint(2, "quality", self.product_c)
        unanswered = self._chart_complaint(2, "quality", self.product_c)
        for complaint, days in ((on_time, 0), (late, 30), (unanswered, None)):
            judged = complaint.received_date + timedelta(hours=1)
            complaint.with_context(**COMPLAINT_STEP).write(
                {"validity": "valid", "judged_date": judged}
            )
            if days is not None:
                complaint.with_context(**COMPLAINT_STEP).write(
                    {"decided_date": judged + timedelta(days=days, hours=1)}
                )
        self.assertTrue(on_time.answer_on_time)
        self.assertFalse(late.answer_on_time)
        after = self._chart_figures("reply_timeliness", "__count")
        delta = {
            (month.date(), status): n - before.get((month, status), 0)
            for (month, status), n in after.items()
            if n - before.get((month, status), 0)
        }
        self.assertEqual(
            delta, {(self._month(1), "on_time"): 1, (self._month(2), "late"): 2}
        )

    def test_open_capa_by_age(self):
        company = self.env["res.company"].create({"name": "ASQ UX CAPA Age"})
        self.users["asq_qm"].company_ids = [Command.link(company.id)]
        Capa = self.env["asq.capa"].with_context(**CAPA_STEP)
        today = fields.Date.from_string("2026-06-30")
        for days, state in (
            (0, "draft"),
            (30, "analysis"),
            (31, "action"),
            (60, "action"),
            (75, "verification"),
            (90, "action"),
            (91, "action"),
            (200, "closed"),
            (10, "cancel"),
        ):
            Capa.create(
                {
                    "problem": f"Aged {days} days",
                    "company_id": company.id,
                    "state": state,
                    "date_open": today - timedelta(days=days),
                }
            )
        self.env.flush_all()

        def buckets():
            spec = self._dashboard("asq_qm", company)._chart_specs()["capa_age"]
            Report = self.env[spec["model"]].with_user(self.users["asq_qm"])
            Report = Report.with_context(allowed_company_ids=company.ids)
            return dict(Report._read_group(spec["domain"], ["age_bucket"], ["__count"]))

        with freeze_time("2026-06-30 12:00:00"):
            self.assertEqual(
                buckets(), {"0_30": 2, "31_60": 2, "61_90": 2, "over_90": 1}
            )
        # The next day, without any write: the 90-day-old CAPA is over 90.
        with freeze_time("2026-07-01 12:00:00"):
            self.assertEqual(
                buckets(), {"0_30": 1, "31_60": 2, "61_90": 2, "over_90": 2}
            )


@tagged("post_install", "-at_install", "asq_ux", "asq_kpi")
class TestUxComplaintRate(DashboardCommon):
    """A period with complaints and no delivery has no complaint rate."""

    def test_no_deliveries_is_not_zero(self):
        company = self.env["res.company"].create({"name": "ASQ UX No Delivery"})
        self._complaint(company=company, state="review")
        self._complaint(company=company, state="review", category="service")
        Report = self.env["asq.complaint.report"].with_context(
            allowed_company_ids=company.ids
        )
        domain = [("company_id", "=", company.id)]
        [total] = Report.read_group(domain, ["complaint_rate"], [], lazy=False)
        self.assertEqual(total["complaint_ref"], 2)
        self.assertIs(total["complaint_rate"], False)
        by_category = Report.read_group(domain, ["complaint_rate"], ["category"])
        self.assertEqual({g["complaint_rate"] for g in by_category}, {False})
        # With deliveries the rate is a figure again, and 0 % is 0 %.
        [total] = self.env["asq.complaint.report"].read_group(
            [("company_id", "=", self.company.id)], ["complaint_rate"], [], lazy=False
        )
        self.assertIsInstance(total["complaint_rate"], float)

    def test_kpi_pack_says_no_deliveries(self):
        company = self.env["res.company"].create({"name": "ASQ UX Pack"})
        self.users["asq_qm"].company_ids = [Command.link(company.id)]
        self._complaint(company=company, state="review")
        pack = (
            self.env["asq.kpi.pack"]
            .with_user(self.users["asq_qm"])
            .with_context(allowed_company_ids=company.ids)
            .create(
                {
                    "company_id": company.id,
                    "period_type": "month",
                    "date_from": fields.Date.context_today(self.env.user).replace(
                        day=1
                    ),
                }
            )
        )
        figures = pack.env[
            "report.after_sales_quality.asq_kpi_pack_report_template"
        ]._asq_figures(pack)
        self.assertEqual(figures["summary"]["received"], 1)
        self.assertEqual(figures["summary"]["deliveries"], 0)
        html = (
            self.env["ir.actions.report"]
            .with_context(allowed_company_ids=company.ids)
            ._render_qweb_html("after_sales_quality.asq_kpi_pack_report", pack.ids)[0]
            .decode()
        )
        # The summary, the month, the category, the product (none on the
        # complaint) and the customer: no rate, not 0.00.
        self.assertEqual(html.count("no deliveries"), 5)
        book = openpyxl.load_workbook(
            io.BytesIO(pack.env["asq.kpi.pack.xlsx"]._asq_build(figures))
        )
        cells = [
            cell.value
            for sheet in book.worksheets
            for row in sheet.iter_rows()
            for cell in row
        ]
        self.assertEqual(cells.count("no deliveries"), 5)
        # The generated pack's list and form say so too, not 0.00 %.
        pack.action_generate()
        self.assertEqual(pack.state, "generated")
        self.assertEqual((pack.delivery_count, pack.complaint_count), (0, 1))
        self.assertEqual(pack.complaint_rate_text, "no deliveries")

    def test_report_opens_on_last_12_months(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_quality.asq_complaint_report_action"
        )
        self.assertIn("'search_default_last_12_months': 1", action["context"])
        arch = self.env["asq.complaint.report"].get_views(
            [(action["search_view_id"][0], "search")]
        )["views"]["search"]["arch"]
        self.assertIn('name="last_12_months"', arch)


@tagged("post_install", "-at_install", "asq_ux", "asq_kpi")
class TestUxDashboardTour(HttpCase, DashboardCommon):
    def test_ux_dashboard_tour(self):
        self._complaint(
            days_ago=40,
            partner_id=self.env["res.partner"]
            .create({"name": "UX Tour Late Customer", "is_company": True})
            .id,
        )
        self._complaint(
            partner_id=self.env["res.partner"]
            .create({"name": "UX Tour On Time Customer", "is_company": True})
            .id,
        )
        self.start_tour("/odoo/asq-dashboard", "asq_ux_dashboard_tour", login="admin")

    def test_ux_complaint_rate_tour(self):
        company = self.env["res.company"].create({"name": "ASQ UX Tour Rate"})
        admin = self.env.ref("base.user_admin")
        admin.company_ids = [Command.link(company.id)]
        self._complaint(company=company, state="review")
        self.start_tour(
            f"/odoo/asq-complaint-statistics?cids={company.id}",
            "asq_ux_complaint_rate_tour",
            login="admin",
        )
