from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from odoo.addons.after_sales_quality.tests.complaint_common import (
    AsqComplaintCommon,
)


@tagged("post_install", "-at_install", "asq_kpi")
class TestKpiReports(AsqComplaintCommon):
    """Every figure of the statistics against values computed by hand on a
    small dataset of the test customers (the database also holds the demo
    data: every read is restricted to the test records)."""

    # The figures are those of the last 12 months: the goods were delivered
    # 11 days ago, the complaints of these tests received 10 days ago.
    delivery_date = fields.Datetime.now() - timedelta(days=11)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Customer A (cls.customer, company cap 5 %): picking of setUp
        # (10 x product @100 + 50 x product_b @10 = 1,500) and one more
        # delivery of product_b (20 x @10 = 200).
        cls.picking_a2 = cls._deliver(
            cls.customer, [(cls.product_b, 20, 10.0, "KPI-A2")]
        )
        # Customer B: contract cap 2 %, 20 x product @100 = 2,000, one back.
        cls.customer_b = cls.env["res.partner"].create(
            {
                "name": "KPI Customer B",
                "is_company": True,
                "asq_customer_class": "b",
                "asq_custom_terms": True,
                "asq_exchange_ratio_cap": 2.0,
                "asq_return_days": 90,
            }
        )
        cls.picking_b = cls._deliver(
            cls.customer_b, [(cls.product, 20, 100.0, "KPI-B1")]
        )
        cls._return(cls.picking_b, {cls.product: 1})
        cls.customers = cls.customer | cls.customer_b
        cls.env.flush_all()

    def _ratio_rows(self, **context):
        report = self.env["asq.return.ratio.report"].with_context(**context)
        return report.search([("partner_id", "in", self.customers.ids)])

    # ------------------------------------------------------------------
    # Return ratios (finance)
    # ------------------------------------------------------------------
    def test_return_ratio_per_customer_against_the_cap(self):
        rows = self._ratio_rows()
        by_partner = {row.partner_id: row for row in rows}
        row_a, row_b = by_partner[self.customer], by_partner[self.customer_b]
        self.assertAlmostEqual(row_a.delivered_amount, 1700.0)
        self.assertAlmostEqual(row_a.returned_amount, 0.0)
        self.assertEqual(row_a.delivery_count, 2)
        self.assertEqual(row_a.ratio_cap, 5.0)
        self.assertFalse(row_a.over_cap)
        self.assertAlmostEqual(row_b.delivered_amount, 2000.0)
        self.assertAlmostEqual(row_b.returned_amount, 100.0)
        self.assertAlmostEqual(row_b.delivered_qty, 20.0)
        self.assertAlmostEqual(row_b.returned_qty, 1.0)
        self.assertAlmostEqual(row_b.qty_ratio, 5.0)
        self.assertAlmostEqual(row_b.amount_ratio, 5.0)
        self.assertEqual(row_b.ratio_cap, 2.0)
        self.assertTrue(row_b.over_cap)
        over = self.env["asq.return.ratio.report"].search(
            [("partner_id", "in", self.customers.ids), ("over_cap", "=", True)]
        )
        self.assertEqual(over.partner_id, self.customer_b)

    def test_grouped_ratio_is_the_ratio_of_the_totals(self):
        Report = self.env["asq.return.ratio.report"]
        domain = [("partner_id", "in", self.customers.ids)]
        [total] = Report.read_group(domain, ["amount_ratio", "qty_ratio"], [])
        # 100 back of 3,700 delivered, not the mean of 0 % and 5 %
        self.assertAlmostEqual(total["amount_ratio"], 100.0 / 3700.0 * 100.0)
        self.assertAlmostEqual(total["qty_ratio"], 1.0 / 100.0 * 100.0)
        groups = {
            g["customer_class"]: g
            for g in Report.read_group(
                domain, ["delivered_amount", "amount_ratio"], ["customer_class"]
            )
        }
        self.assertAlmostEqual(groups["b"]["amount_ratio"], 5.0)
        self.assertAlmostEqual(groups["a"]["amount_ratio"], 0.0)
        # the graph view asks the same through web_read_group
        web = Report.web_read_group(domain, ["amount_ratio:avg"], ["partner_id"])
        ratios = {g["partner_id"][0]: g["amount_ratio"] for g in web["groups"]}
        self.assertAlmostEqual(ratios[self.customer_b.id], 5.0)

    def test_query_count_does_not_grow_with_customers(self):
        Report = self.env["asq.return.ratio.report"].with_user(
            self.users["asq_finance"]
        )

        def grouped_read():
            # warm the caches (rules, groups) first: count the second read
            Report.read_group([], ["delivered_amount"], ["partner_id"])
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            groups = Report.read_group(
                [], ["delivered_amount", "amount_ratio"], ["partner_id"]
            )
            return len(groups), self.env.cr.sql_log_count - before

        grouped_read()
        groups_before, queries_before = grouped_read()
        for index in range(5):
            customer = self.env["res.partner"].create(
                {"name": f"KPI Extra {index}", "is_company": True}
            )
            self._deliver(customer, [(self.product_b, 1, 10.0, f"KPI-X{index}")])
        self.env.flush_all()
        grouped_read()
        groups_after, queries_after = grouped_read()
        self.assertEqual(groups_after, groups_before + 5)
        self.assertEqual(queries_after, queries_before)

    def test_delivered_rows_read_by_id_match_the_full_report(self):
        """Reading rows by id groups only their moves: same figures as the
        report over every delivery."""
        Line = self.env["asq.delivered.line"]
        fnames = ["partner_id", "quantity", "returned_qty", "amount", "returned_amount"]
        full = {
            row["id"]: row
            for row in Line.search_read(
                [("partner_id", "in", self.customers.ids)], fnames
            )
        }
        self.assertEqual(len(full), 4)
        self.env.invalidate_all()
        by_id = {row["id"]: row for row in Line.browse(list(full)).read(fnames)}
        self.assertEqual(by_id, full)
        returned = [r for r in by_id.values() if r["returned_qty"]]
        self.assertEqual(len(returned), 1)
        self.assertAlmostEqual(returned[0]["returned_amount"], 100.0)

    def test_period_from_the_context_and_drill_down(self):
        last_year = fields.Date.today() - timedelta(days=400)
        self.assertFalse(
            self._ratio_rows(
                asq_date_from=last_year - timedelta(days=30), asq_date_to=last_year
            )
        )
        today = fields.Date.today()
        self.assertEqual(
            len(self._ratio_rows(asq_date_from=today, asq_date_to=today)), 2
        )
        with self.assertRaises(UserError):
            self._ratio_rows(asq_date_from=today, asq_date_to=last_year)
        row_b = self._ratio_rows().filtered(lambda r: r.partner_id == self.customer_b)
        action = row_b.action_view_returned_lines()
        lines = self.env["asq.delivered.line"].search(action["domain"])
        self.assertEqual(lines.picking_id, self.picking_b)
        self.assertAlmostEqual(sum(lines.mapped("returned_qty")), 1.0)

    def test_period_wizard_opens_the_report_on_its_period(self):
        wizard = Form(
            self.env["asq.return.ratio.period"].with_user(self.users["asq_finance"])
        )
        wizard.period = "year"
        record = wizard.save()
        today = fields.Date.context_today(record)
        self.assertEqual(
            record.date_from, today.replace(year=today.year - 1, month=1, day=1)
        )
        self.assertEqual(
            record.date_to, today.replace(year=today.year - 1, month=12, day=31)
        )
        wizard.period = "custom"
        wizard.date_from = today
        wizard.date_to = today - timedelta(days=1)
        with self.assertRaisesRegex(UserError, "ends before it starts"):
            wizard.save().action_open()
        record.write({"period": "custom", "date_from": today, "date_to": today})
        action = record.action_open()
        self.assertEqual(action["res_model"], "asq.return.ratio.report")
        self.assertEqual(action["context"]["asq_date_from"], str(today))

    def test_who_sees_return_ratios(self):
        Report = self.env["asq.return.ratio.report"]
        self.assertTrue(
            Report.with_user(self.users["asq_finance"]).search_count(
                [("partner_id", "in", self.customers.ids)]
            )
        )
        for login in ("asq_sales", "asq_warehouse", "asq_employee"):
            with self.assertRaises(AccessError, msg=login):
                Report.with_user(self.users[login]).search([])

    def test_second_company_never_mixes_in(self):
        company_b = self.env["res.company"].create({"name": "KPI Company B"})
        warehouse_b = self.env["stock.warehouse"].search(
            [("company_id", "=", company_b.id)], limit=1
        )
        self.env.user.company_ids |= company_b
        self._deliver(
            self.customer_b.with_company(company_b),
            [(self.product, 5, 100.0, "KPI-CB")],
            warehouse=warehouse_b,
        )
        self.env.flush_all()
        domain = [("partner_id", "in", self.customers.ids)]
        finance = self.users["asq_finance"]
        only_main = self.env["asq.return.ratio.report"].with_user(finance)
        [total] = only_main.read_group(domain, ["delivered_amount"], [])
        self.assertAlmostEqual(total["delivered_amount"], 3700.0)
        quality = self.users["asq_qm"]
        complaints = self.env["asq.complaint.report"].with_user(quality)
        [deliveries] = complaints.read_group(domain, ["delivery_ref"], [])
        self.assertEqual(deliveries["delivery_ref"], 3)
        # a user of both companies, both selected, sees both rows
        finance.company_ids |= company_b
        both = only_main.with_context(
            allowed_company_ids=(self.company | company_b).ids
        )
        rows = both.search([*domain, ("partner_id", "=", self.customer_b.id)])
        self.assertEqual(set(rows.company_id.ids), {self.company.id, company_b.id})

    # ------------------------------------------------------------------
    # Complaint statistics (quality)
    # ------------------------------------------------------------------
    def _complaints(self):
        """c1 on the product, closed with a loss of 300; c2 on product_b,
        registered 10 days ago and left without a disposition (late); a
        draft and a cancelled one that never count."""
        delivered_b = self.delivered.filtered(lambda d: d.product_id == self.product_b)
        closed = self._create_complaint(loss_compensation=300.0)
        self._walk(closed, "closed")
        late = self._create_complaint(
            lines=[(delivered_b, 5.0)],
            category="packaging",
            received_date=fields.Datetime.now() - timedelta(days=10),
        )
        self._as(late, "asq_sales").action_submit()
        self._create_complaint()  # draft
        cancelled = self._create_complaint()
        cancelled.action_submit()
        self._as(cancelled, "asq_qm")._action_cancel("Duplicate")
        self.env.flush_all()
        return closed, late

    def test_complaint_rate_incident_rate_and_loss(self):
        closed, late = self._complaints()
        self.assertEqual(closed.state, "closed")
        Report = self.env["asq.complaint.report"]
        domain = [("partner_id", "in", self.customers.ids)]
        rates = ["complaint_rate", "incident_rate"]
        [total] = Report._asq_rates(domain, [], rates)
        self.assertEqual(total["delivery_ref"], 3)  # 3 delivered orders
        self.assertEqual(total["complaint_ref"], 2)  # draft, cancelled left out
        self.assertAlmostEqual(total["complaint_rate"], 2 / 3 * 100)
        # only the valid complaint's 2 units, of 10 + 50 + 20 + 20 delivered
        self.assertAlmostEqual(total["complained_qty"], 2.0)
        self.assertAlmostEqual(total["incident_rate"], 2 / 100 * 100)

        by_product = {
            g["product_id"][0]: g
            for g in Report._asq_rates(domain, ["product_id"], rates)
        }
        # product: c1 of the 2 orders holding it; 2 units of 30
        self.assertAlmostEqual(by_product[self.product.id]["complaint_rate"], 50.0)
        self.assertAlmostEqual(
            by_product[self.product.id]["incident_rate"], 2 / 30 * 100
        )
        self.assertAlmostEqual(by_product[self.product_b.id]["complaint_rate"], 50.0)
        self.assertAlmostEqual(by_product[self.product_b.id]["incident_rate"], 0.0)

        # a complaint category divides by every delivered order
        by_category = {
            g["category"]: g for g in Report._asq_rates(domain, ["category"], rates)
        }
        self.assertAlmostEqual(by_category["quality"]["complaint_rate"], 1 / 3 * 100)
        self.assertAlmostEqual(by_category["packaging"]["complaint_rate"], 1 / 3 * 100)
        by_customer = {
            g["partner_id"][0]: g
            for g in Report._asq_rates(domain, ["partner_id"], ["complaint_rate"])
        }
        self.assertAlmostEqual(by_customer[self.customer.id]["complaint_rate"], 100.0)
        self.assertAlmostEqual(by_customer[self.customer_b.id]["complaint_rate"], 0.0)

        loss = {
            g["responsibility"]: g["loss_amount"]
            for g in Report.read_group(
                [*domain, ("kind", "=", "complaint")],
                ["loss_amount"],
                ["responsibility"],
            )
        }
        self.assertEqual(loss, {"internal": 300.0, False: 0.0})

    def test_reply_timeliness_and_handling_time(self):
        closed, late = self._complaints()
        Report = self.env["asq.complaint.report"]
        domain = [("partner_id", "in", self.customers.ids)]
        [total] = Report._asq_rates(domain, [], ["disposition_rate", "answer_rate"])
        # c1 disposed in time; c2's 3 working days are long gone
        self.assertEqual(total["disposition_due"], 2)
        self.assertEqual(total["disposition_met"], 1)
        self.assertAlmostEqual(total["disposition_rate"], 50.0)
        self.assertEqual(total["answer_due"], 1)
        self.assertAlmostEqual(total["answer_rate"], 100.0)
        [handling] = Report.read_group(domain, ["handling_days"], [])
        expected = (closed.closed_date - closed.received_date).total_seconds() / 86400
        self.assertAlmostEqual(handling["handling_days"], expected, places=3)
        by_month = Report._asq_rates(domain, ["date:month"], ["complaint_rate"])
        self.assertEqual(sum(g["complaint_ref"] for g in by_month), 2)

    # ------------------------------------------------------------------
    # CAPA and satisfaction
    # ------------------------------------------------------------------
    def test_capa_on_time_and_effectiveness_rates(self):
        inspector = self.users["asq_inspector"]
        values = {
            "source": "complaint",
            "containment": "Stock blocked",
            "why_1": "Contact oxidised",
            "cause_category": "material",
            "root_cause": "Plating too thin",
        }
        capas = (
            self.env["asq.capa"]
            .with_user(inspector)
            .create(
                [{"problem": "KPI one", **values}, {"problem": "KPI two", **values}]
            )
        )
        today = fields.Date.today()
        on_time, late, not_due = (
            self.env["asq.capa.action"]
            .with_user(inspector)
            .create(
                [
                    {"capa_id": capas[0].id, "name": "On time", "date_due": today},
                    {"capa_id": capas[1].id, "name": "Late", "date_due": today},
                    {"capa_id": capas[1].id, "name": "Later", "date_due": today},
                ]
            )
        )
        (on_time | late | not_due).write({"user_id": inspector.id})
        capas.with_user(inspector).action_start_analysis()
        capas.with_user(inspector).action_plan()
        self.assertEqual(set(capas.mapped("state")), {"action"})
        on_time.with_user(inspector).write({"evidence": "done"})
        on_time.with_user(inspector).action_done()
        # one action is past its due date and open, the other is not due yet
        late.date_due = today - timedelta(days=3)
        not_due.date_due = today + timedelta(days=3)
        self.env["asq.capa.review"].create(
            [
                {"capa_id": capas[0].id, "round": 1, "result": "effective"},
                {"capa_id": capas[1].id, "round": 1, "result": "not_effective"},
                {"capa_id": capas[1].id, "round": 2, "result": "effective"},
            ]
        )
        self.env.flush_all()
        Report = self.env["asq.capa.report"]
        domain = [("capa_id", "in", capas.ids)]
        [total] = Report._asq_rates(domain, [], ["on_time_rate", "effective_rate"])
        self.assertEqual(total["actions_due"], 2)
        self.assertEqual(total["actions_on_time"], 1)
        self.assertAlmostEqual(total["on_time_rate"], 50.0)
        # effective at the first check: one of two
        self.assertAlmostEqual(total["effective_rate"], 50.0)
        overdue = Report.search([*domain, ("actions_overdue", ">", 0)])
        self.assertEqual(overdue.capa_id, capas[1])

    def test_report_views_load(self):
        for model, view_types in (
            ("asq.return.ratio.report", ("list", "pivot", "graph", "search")),
            ("asq.complaint.report", ("pivot", "graph", "search")),
            ("asq.capa.report", ("pivot", "graph", "search")),
        ):
            views = self.env[model].get_views([(False, vt) for vt in view_types])
            self.assertEqual(set(views["views"]), set(view_types))

    def test_pack_pdf_lists_the_over_cap_customers_and_major_complaints_first(self):
        ratios = [
            {"customer": f"C{i}", "over_cap": i in (7, 42), "amount_ratio": i / 10}
            for i in range(60)
        ]
        complaints = [
            {
                "name": f"CC/{i:03d}",
                "severity_key": "major" if i == 59 else "minor",
                "loss": float(i),
            }
            for i in range(60)
        ]
        rows = self.env[
            "report.after_sales_quality.asq_kpi_pack_report_template"
        ]._asq_pdf_rows({"return_ratios": ratios, "complaints": complaints})
        self.assertEqual(len(rows["return_ratios"]), 50)
        self.assertEqual(
            [r["customer"] for r in rows["return_ratios"][:3]], ["C42", "C7", "C59"]
        )
        self.assertIn("50 of 60 customers", rows["ratio_note"])
        names = [r["name"] for r in rows["complaints"]]
        self.assertEqual(len(names), 50)
        self.assertIn("CC/059", names)  # major, listed whatever its loss
        self.assertNotIn("CC/000", names)  # the smallest minor losses drop out
        self.assertIn("50 of 60 complaints", rows["complaint_note"])
        few = self.env[
            "report.after_sales_quality.asq_kpi_pack_report_template"
        ]._asq_pdf_rows({"return_ratios": ratios[:5], "complaints": complaints[:5]})
        self.assertEqual((len(few["return_ratios"]), few["ratio_note"]), (5, ""))
