from dateutil.relativedelta import relativedelta
from psycopg2 import IntegrityError

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.after_sales_quality.tests.complaint_common import AsqComplaintCommon

REPORT = "asq.reliability.report"
ALERT = "asq.complaint.alert"


def months_between(later, earlier):
    delta = relativedelta(later, earlier)
    return max(delta.years * 12 + delta.months, 0)


@tagged("post_install", "-at_install", "asq_procedures")
class TestFieldReliability(AsqComplaintCommon):
    """Field reliability (002 §6.5.2 「建立产品使用时期(包括保修期及整个使用
    寿命期内)产品监视和早期报警系统」): the warranty curve and its early
    warning."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pump = cls._create_product("Reliability Pump", 50.0)
        now = fields.Datetime.now()
        # Cohort A: 100 units, eleven months ago; cohort B: 50, two later.
        cls.date_a = (now - relativedelta(months=11)).replace(
            day=1, hour=9, minute=0, second=0, microsecond=0
        )
        cls.date_b = cls.date_a + relativedelta(months=2)
        cls.picking_a = cls._deliver(
            cls.customer, [(cls.pump, 100, 50.0, "REL-A")], date=cls.date_a
        )
        cls.picking_b = cls._deliver(
            cls.customer, [(cls.pump, 50, 50.0, "REL-B")], date=cls.date_b
        )
        cls.lot_a = cls.picking_a.move_line_ids.lot_id
        cls.lot_b = cls.picking_b.move_line_ids.lot_id
        cls.line_a = cls._delivered_lines(cls.picking_a)
        # Failures: 3 units of A in month 1, 2 units of A in month 4
        # (complaints), 5 units of B in month 1 (a warranty claim by lot).
        cls._failure_complaint(
            cls.line_a, 3, cls.date_a + relativedelta(months=1, days=2)
        )
        cls._failure_complaint(
            cls.line_a, 2, cls.date_a + relativedelta(months=4, days=1)
        )
        # Not failures: a late delivery, a cancelled claim, a claim not ours.
        cls._failure_complaint(
            cls.line_a, 7, cls.date_a + relativedelta(days=5), category="late"
        )
        sales = cls.users["asq_sales"]
        Claim = cls.env["asq.warranty.claim"].with_user(sales)
        claims = Claim.create(
            [
                {
                    "partner_id": cls.customer.id,
                    "product_id": cls.pump.id,
                    "lot_id": cls.lot_b.id,
                    "quantity": qty,
                    "description": "Seal leaks",
                }
                for qty in (5, 11, 13)
            ]
        )
        claims.invalidate_recordset()
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE asq_warranty_claim SET claim_date = %s WHERE id IN %s",
            [(cls.date_b + relativedelta(months=1, days=3)).date(), tuple(claims.ids)],
        )
        cls.env.cr.execute(
            "UPDATE asq_warranty_claim SET state = 'cancel' WHERE id = %s",
            [claims[1].id],
        )
        cls.env.cr.execute(
            "UPDATE asq_warranty_claim SET verdict = 'not_ours', state = 'analysed'"
            " WHERE id = %s",
            [claims[2].id],
        )
        cls.env.invalidate_all()
        cls.age_a = months_between(fields.Datetime.now(), cls.date_a)
        cls.age_b = months_between(fields.Datetime.now(), cls.date_b)

    @classmethod
    def _failure_complaint(cls, delivered, qty, received, **vals):
        complaint = cls._create_complaint(lines=[(delivered, qty)], **vals)
        complaint.action_submit()
        complaint.env.flush_all()
        cls.env.cr.execute(
            "UPDATE asq_complaint SET received_date = %s WHERE id = %s",
            [received, complaint.id],
        )
        cls.env.invalidate_all()
        return complaint

    def _threshold(self, product, max_rate, months=12):
        Threshold = self.env["asq.reliability.threshold"]
        threshold = Threshold.search(
            [("product_tmpl_id", "=", product.product_tmpl_id.id)]
        )
        vals = {"max_rate": max_rate, "months": months}
        if threshold:
            threshold.write(vals)
            return threshold
        return Threshold.with_user(self.users["asq_qm"]).create(
            {"product_tmpl_id": product.product_tmpl_id.id, **vals}
        )

    def _curve(self, user=None, domain=(), groupby=("months_in_service",)):
        rows = (
            self.env[REPORT]
            .with_user(user or self.users["asq_aftersales"])
            .read_group(
                [("product_id", "=", self.pump.id), *domain],
                [
                    "delivered_qty:sum",
                    "in_service_qty:sum",
                    "failures:sum",
                    "failure_rate",
                    "cumulative_rate",
                ],
                list(groupby),
                lazy=False,
            )
        )
        return rows

    def test_warranty_curve_by_hand(self):
        self.assertEqual((self.age_a, self.age_b), (self.age_a, self.age_a - 2))
        curve = {row["months_in_service"]: row for row in self._curve()}
        self.assertEqual(sorted(curve), list(range(self.age_a + 1)))

        def figures(month):
            row = curve[month]
            return (
                row["in_service_qty"],
                row["failures"],
                round(row["failure_rate"], 2),
                round(row["cumulative_rate"], 2),
            )

        # Month 0: both cohorts in service, no failure.
        self.assertEqual(figures(0), (150, 0, 0, 0))
        self.assertEqual(curve[0]["delivered_qty"], 150)
        # Month 1: 3 of A + 5 of B = 8 of 150: 53.33 per 1,000.
        self.assertEqual(figures(1), (150, 8, 53.33, 53.33))
        self.assertEqual(figures(3), (150, 0, 0, 53.33))
        # Month 4: 2 more of A: 10 of 150 cumulated.
        self.assertEqual(figures(4), (150, 2, 13.33, 66.67))
        # Past B's age only A is in service: its 5 failures of 100.
        self.assertEqual(figures(self.age_a), (100, 0, 0, 50.0))
        self.assertEqual(figures(self.age_b), (150, 0, 0, 66.67))

        # Not grouped by months: every failure per 1,000 delivered.
        [total] = self._curve(groupby=())
        self.assertEqual(
            (
                total["delivered_qty"],
                total["failures"],
                round(total["cumulative_rate"], 2),
            ),
            (150, 10, 66.67),
        )
        # Per lot: A's month 1 is 3 of 100; B's 5 of 50.
        by_lot = {
            (row["lot_id"][0], row["months_in_service"]): row
            for row in self._curve(groupby=("lot_id", "months_in_service"))
        }
        self.assertEqual(round(by_lot[self.lot_a.id, 1]["cumulative_rate"], 2), 30.0)
        self.assertEqual(round(by_lot[self.lot_b.id, 1]["cumulative_rate"], 2), 100.0)
        self.assertEqual(round(by_lot[self.lot_a.id, 5]["cumulative_rate"], 2), 50.0)
        # The delivery-month and customer filters.
        [row_b] = self._curve(
            domain=[("delivery_month", "=", self.date_b.date().replace(day=1))],
            groupby=(),
        )
        self.assertEqual((row_b["delivered_qty"], row_b["failures"]), (50, 5))
        self.assertFalse(
            self._curve(domain=[("partner_id", "=", self.remote_customer.id)])
        )

    def test_threshold_raises_one_warning(self):
        qm = self.users["asq_qm"]
        # No cohort has been 12 months in service (ages 11 and 9): they are
        # evaluated on their failures so far, 10 of 150 = 66.67 per 1,000.
        self._threshold(self.pump, 60.0, 12)
        Alert = self.env[ALERT]
        raised = Alert._cron_reliability_check()
        self.assertEqual(len(raised), 1)
        alert = raised.with_user(qm)
        self.assertEqual(
            (
                alert.source,
                alert.product_id,
                alert.state,
                alert.reliability_delivered,
                alert.reliability_failures,
                round(alert.reliability_rate, 2),
                alert.reliability_threshold,
                alert.reliability_months,
            ),
            ("reliability", self.pump, "open", 150, 10, 66.67, 60.0, 12),
        )
        # The quality managers are told, with the figures.
        self.assertIn(qm, alert.activity_ids.user_id)
        message = alert.message_ids.filtered(lambda m: qm.partner_id in m.partner_ids)
        self.assertIn("66.67 per 1,000", message.body)
        self.assertIn("threshold 60.00", message.body)
        # A second run raises none while it is open.
        self.assertFalse(Alert._cron_reliability_check())
        self.assertEqual(
            Alert.search_count(
                [("source", "=", "reliability"), ("product_id", "=", self.pump.id)]
            ),
            1,
        )
        # The figures are the check's, not anybody's to change.
        with self.assertRaisesRegex(UserError, "cannot be changed: .*Failure Rate"):
            alert.write({"reliability_rate": 1.0})
        # Closed, a new crossing raises a new warning.
        alert.write({"note": "Seal supplier changed"})
        alert.action_close()
        self.assertEqual(len(Alert._cron_reliability_check()), 1)

    def test_below_threshold_no_warning(self):
        Alert = self.env[ALERT]
        # 10 of 150 so far (no cohort 12 months old): 66.67, not above 70.
        threshold = self._threshold(self.pump, 70.0, 12)
        self.assertFalse(Alert._cron_reliability_check())
        # Both cohorts have been 2 months in service: 8 of 150 within
        # 2 months, 53.33, not above 60.
        self._threshold(self.pump, 60.0, 2)
        self.assertFalse(Alert._cron_reliability_check())
        # Not monitored: no threshold.
        threshold.unlink()
        self.assertFalse(Alert._cron_reliability_check())
        self.assertFalse(Alert.search([("source", "=", "reliability")]))

    def test_one_query_per_batch(self):
        """The check reads the figures of a batch in one query: three
        products cost what one does."""
        others = self.env["product.product"]
        for name in ("Reliability Valve", "Reliability Hose"):
            product = self._create_product(name, 10.0)
            self._deliver(
                self.customer, [(product, 20, 10.0, f"{name}-1")], date=self.date_a
            )
            others |= product
        products = self.pump | others
        for product in products:
            self._threshold(product, 500.0)
        Alert = self.env[ALERT]
        self.env.flush_all()

        def queries(batch):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            Alert._asq_reliability_raise(batch)
            return self.env.cr.sql_log_count - before

        figures = Alert._asq_reliability_figures(products)
        self.assertEqual(len(figures), 3)
        self.assertEqual(queries(self.pump), queries(products))
        self.assertEqual(queries(products), 1)

    def test_company_isolation_and_access(self):
        company_b = self.env["res.company"].create({"name": "Reliability B Co"})
        warehouse_b = self.env["stock.warehouse"].search(
            [("company_id", "=", company_b.id)], limit=1
        )
        self._deliver(
            self.customer,
            [(self.pump, 30, 50.0, "REL-B-CO")],
            date=self.date_b,
            warehouse=warehouse_b,
        )
        user_b = new_test_user(
            self.env,
            login="asq_rel_b",
            groups="after_sales_quality.group_asq_user_all",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        Report = self.env[REPORT]
        rows_b = Report.with_user(user_b).search([("product_id", "=", self.pump.id)])
        self.assertTrue(rows_b)
        self.assertEqual(rows_b.company_id, company_b)
        [total_b] = self._curve(user=user_b, groupby=())
        self.assertEqual((total_b["delivered_qty"], total_b["failures"]), (30, 0))
        # Company A's users see their own only.
        [total_a] = self._curve(groupby=())
        self.assertEqual(total_a["delivered_qty"], 150)
        # Without after-sales access, no report.
        with self.assertRaises(AccessError):
            Report.with_user(self.users["asq_employee"]).search([])

    def test_screens(self):
        """The menu opens the warranty curve (line graph, months in service
        on x); the product form carries the threshold; the daily job runs."""
        user = self.users["asq_aftersales"]
        action = self.env.ref("after_sales_quality.asq_reliability_report_action")
        self.assertEqual(action.view_mode, "graph,pivot,list")
        self.assertIn(
            action,
            self.env.ref("after_sales_quality.asq_menu_report_reliability").action,
        )
        views = (
            self.env[REPORT]
            .with_user(user)
            .get_views([(False, "graph"), (False, "pivot"), (False, "list")])
        )
        graph = views["views"]["graph"]["arch"]
        self.assertIn('type="line"', graph)
        self.assertLess(
            graph.index('name="months_in_service"'), graph.index('name="product_id"')
        )
        form = (
            self.env["product.template"]
            .with_user(self.users["asq_qm"])
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn('name="asq_reliability_threshold_ids"', form)
        # Not shown to who has no after-sales role.
        form = (
            self.env["product.template"]
            .with_user(self.users["asq_employee"])
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertNotIn('name="asq_reliability_threshold_ids"', form)
        cron = self.env.ref("after_sales_quality.asq_reliability_cron_check")
        self.assertTrue(cron.active)
        self.assertEqual(cron.code, "model._cron_reliability_check()")

    def test_claim_without_lot_goes_to_the_latest_delivery_before_it(self):
        """A claim that names neither its delivery nor its lot counts in the
        customer's latest delivery of the product before the claim date."""
        Claim = self.env["asq.warranty.claim"].with_user(self.users["asq_sales"])
        claims = Claim.create(
            [
                {
                    "partner_id": self.customer.id,
                    "product_id": self.pump.id,
                    "quantity": qty,
                    "description": "Motor hums",
                }
                for qty in (4, 6)
            ]
        )
        self.env.flush_all()
        # 4 units one month after A (before B came): cohort A, month 1;
        # 6 units three months after B: cohort B, month 3.
        for claim, date in (
            (claims[0], self.date_a + relativedelta(months=1, days=5)),
            (claims[1], self.date_b + relativedelta(months=3, days=5)),
        ):
            self.env.cr.execute(
                "UPDATE asq_warranty_claim SET claim_date = %s WHERE id = %s",
                [date.date(), claim.id],
            )
        self.env.invalidate_all()
        by_lot = {
            (row["lot_id"][0], row["months_in_service"]): row["failures"]
            for row in self._curve(groupby=("lot_id", "months_in_service"))
        }
        self.assertEqual(by_lot[self.lot_a.id, 1], 3 + 4)
        self.assertEqual(by_lot[self.lot_b.id, 3], 6)
        self.assertEqual(by_lot[self.lot_b.id, 1], 5)

    def test_threshold_read_on_cohorts_with_the_exposure(self):
        """The threshold is compared with the curve at its months in
        service, over the cohorts that have been in service that long: a
        young big cohort does not hide an old one past the threshold."""
        now = fields.Datetime.now().replace(microsecond=0)
        valve = self._create_product("Reliability Valve", 10.0)
        # Old: 100 units eleven months ago, 6 failed in month 2; young: 1,000
        # units last month, none failed. Over all delivered: 6 of 1,100 =
        # 5.45 per 1,000; over the cohorts 6 months in service: 6 of 100 =
        # 60.
        old = self._deliver(
            self.customer, [(valve, 100, 10.0, "VALVE-OLD")], date=self.date_a
        )
        self._deliver(
            self.customer,
            [(valve, 1000, 10.0, "VALVE-NEW")],
            date=now - relativedelta(months=1, days=2),
        )
        self._failure_complaint(
            self._delivered_lines(old), 6, self.date_a + relativedelta(months=2)
        )
        # Only young cohorts: 200 units three months ago, 12 failed in month
        # 1: 60 per 1,000 so far, a rate that can only grow by month 12.
        hose = self._create_product("Reliability Hose", 10.0)
        young_date = now - relativedelta(months=3, days=2)
        young = self._deliver(
            self.customer, [(hose, 200, 10.0, "HOSE-1")], date=young_date
        )
        self._failure_complaint(
            self._delivered_lines(young),
            12,
            young_date + relativedelta(months=1, days=1),
        )
        self._threshold(valve, 50.0, 6)
        self._threshold(hose, 70.0, 12)
        Alert = self.env[ALERT]
        raised = Alert._cron_reliability_check()
        figures = [
            (
                alert.product_id,
                alert.reliability_delivered,
                alert.reliability_failures,
                round(alert.reliability_rate, 2),
            )
            for alert in raised
        ]
        self.assertEqual(figures, [(valve, 100, 6, 60.0)])
        # The hose's 60 so far is not above 70; above 55 it is.
        self._threshold(hose, 55.0, 12)
        raised = Alert._cron_reliability_check()
        self.assertEqual(
            [
                (a.product_id, a.reliability_delivered, a.reliability_failures)
                for a in raised
            ],
            [(hose, 200, 12)],
        )
        self.assertEqual(round(raised.reliability_rate, 2), 60.0)

    def test_claim_linked_to_its_complaint_counts_once(self):
        """The same failed parts reported as a complaint and as a warranty
        claim count once: the claim linked to the counted complaint is left
        out."""
        received = self.date_a + relativedelta(months=2, days=3)
        complaint = self._failure_complaint(self.line_a, 4, received)
        sales = self.users["asq_sales"]
        claim = (
            self.env["asq.warranty.claim"]
            .with_user(sales)
            .create(
                {
                    "partner_id": self.customer.id,
                    "product_id": self.pump.id,
                    "lot_id": self.lot_a.id,
                    "quantity": 4,
                    "description": "Seal leaks",
                }
            )
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE asq_warranty_claim SET claim_date = %s WHERE id = %s",
            [received.date(), claim.id],
        )
        self.env.invalidate_all()

        def month_2():
            by_lot = {
                (row["lot_id"][0], row["months_in_service"]): row["failures"]
                for row in self._curve(groupby=("lot_id", "months_in_service"))
            }
            return by_lot[self.lot_a.id, 2]

        # Unlinked: both count, 4 + 4.
        self.assertEqual(month_2(), 8)
        # Linked while the claim is open: once.
        self.assertEqual(claim.state, "draft")
        claim.write({"complaint_id": complaint.id})
        self.assertEqual(month_2(), 4)
        form = claim.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="complaint_id"', form)

    def test_quality_manager_sets_the_threshold(self):
        """The quality manager sets the threshold without the right to edit
        products; a sales user may not; the after-sales users read it on
        the product."""
        qm = self.users["asq_qm"]
        template = self.pump.product_tmpl_id
        with self.assertRaises(AccessError):
            template.with_user(qm).write({"name": "Renamed Pump"})
        threshold = self._threshold(self.pump, 40.0, 6)
        self.assertEqual(threshold.create_uid, qm)
        threshold.with_user(qm).write({"max_rate": 45.0})
        Threshold = self.env["asq.reliability.threshold"]
        with self.assertRaisesRegex(AccessError, "not allowed to modify"):
            threshold.with_user(self.users["asq_sales"]).write({"max_rate": 90.0})
        with self.assertRaisesRegex(AccessError, "not allowed to create"):
            Threshold.with_user(self.users["asq_aftersales"]).create(
                {"product_tmpl_id": template.id, "max_rate": 1.0}
            )
        self.assertEqual(
            template.with_user(
                self.users["asq_aftersales"]
            ).asq_reliability_threshold_ids.max_rate,
            45.0,
        )
        # One per product and company.
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            self.cr.savepoint(),
        ):
            Threshold.create({"product_tmpl_id": template.id, "max_rate": 5.0})

    def test_returned_goods_leave_the_units_in_service(self):
        """Goods that came back from the customer are out of service from
        the next month in service: on the curve and for the threshold."""
        fan = self._create_product("Reliability Fan", 10.0)
        picking = self._deliver(
            self.customer, [(fan, 100, 10.0, "FAN-1")], date=self.date_a
        )
        # 3 failed in month 1; 40 came back in month 2.
        self._failure_complaint(
            self._delivered_lines(picking), 3, self.date_a + relativedelta(months=1)
        )
        receipt = self._return(picking, {fan: 40})
        receipt.move_line_ids.date = self.date_a + relativedelta(months=2, days=5)
        self.env.flush_all()
        curve = {
            row["months_in_service"]: row
            for row in self.env[REPORT].read_group(
                [("product_id", "=", fan.id)],
                ["in_service_qty:sum", "failures:sum", "cumulative_rate"],
                ["months_in_service"],
                lazy=False,
            )
        }
        units = [curve[m]["in_service_qty"] for m in range(5)]
        self.assertEqual(units, [100, 100, 100, 60, 60])
        self.assertEqual(curve[0]["delivered_qty"], 100)
        # Month 2: 3 of 100 = 30; month 3: 3 of the 60 still in service.
        self.assertEqual(round(curve[2]["cumulative_rate"], 2), 30.0)
        self.assertEqual(round(curve[3]["cumulative_rate"], 2), 50.0)
        # At 6 months: 3 failures of the 60 in service at month 5: 50 per
        # 1,000, above 40 (over the 100 delivered it would be 30).
        self._threshold(fan, 40.0, 6)
        raised = self.env[ALERT]._cron_reliability_check()
        self.assertEqual(
            [
                (a.product_id, a.reliability_delivered, a.reliability_failures)
                for a in raised
            ],
            [(fan, 60, 3)],
        )
        self.assertEqual(round(raised.reliability_rate, 2), 50.0)
