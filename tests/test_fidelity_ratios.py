"""Issue [14], the return ratios of 001's second procedure, as finance, the
after-sales section and QA meet them: 「財務部主管隨時檢查和監督經營部市場
銷售科退貨情況並認真統計所調換貨占總進貨的比例是否按公司規定執行」 and
「不適銷產品的調換比例」. The customer delivered 11000 (ReturnCommon), the
company's cap is 5 % and its time limit 90 days."""

from odoo.tests import tagged

from odoo.addons.after_sales_quality.tests.test_return import ReturnCommon


@tagged("post_install", "-at_install", "asq_fidelity")
class TestFidelityRatios(ReturnCommon):
    def _at_finance(self, ret):
        ret.with_user(self.sales).action_submit()
        self._sign(ret, self.aftersales)
        self.assertEqual(ret.state, "finance")
        return ret.with_user(self.finance)

    def test_committed_requests_count_in_the_ratio(self):
        # 400 approved, not collected yet: 3.64 %, within 5 %
        first = self._create_return(qty=4.0)
        self._approve(first)
        self.assertFalse(first.finance_beyond)
        # a second request of 200: 600 of 11000 = 5.45 % > 5 %
        second = self._at_finance(self._create_return(qty=2.0))
        self.assertAlmostEqual(second.live_exchange_ratio, 600 / 11000 * 100, 2)
        self.assertAlmostEqual(second.live_ratio, 600 / 11000 * 100, 2)
        self.assertTrue(second.live_beyond)
        self._sign(second, self.finance)
        self._sign(second, self.business)
        self.assertEqual(second.state, "gm", "split requests pass no cap")
        # the customer's archive counts them too
        customer = self.customer.with_user(self.finance)
        self.assertEqual(customer.asq_period_committed_amount, 600.0)
        self.assertAlmostEqual(customer.asq_period_exchange_ratio, 600 / 11000 * 100)

    def test_goods_rejected_by_qc_are_not_returned(self):
        ret = self._create_return(qty=3.0, kind="quality", resolution="refund")
        self._approve(ret)
        self._receive(ret)
        self.assertEqual(self._delivered().returned_qty, 3.0)
        self._qc(ret, "reject", False, qc_note="Casing crushed by the customer")
        back = ret.picking_ids.filtered(lambda p: p.asq_return_role == "reject")
        back.with_user(self.warehouse_user).button_validate()
        self.assertEqual(back.state, "done")
        self.assertEqual(ret.state, "done")
        delivered = self.env["asq.delivered.line"].with_user(self.finance)
        line = delivered.search(
            [
                ("picking_id", "=", self.delivery.id),
                ("product_id", "=", self.product.id),
            ]
        )
        self.assertEqual(line.returned_qty, 0.0)
        self.assertEqual(ret.line_ids.returned_amount, 0.0, "the return note")
        self.assertEqual(line.remaining_qty, 100.0)
        # the send-back is no new delivery, nor a delivered order of the
        # complaint statistics
        self.assertFalse(delivered.search([("picking_id", "=", back.id)]))
        complaint_rows = self.env["asq.complaint.report"].with_user(self.qm)
        self.assertFalse(
            complaint_rows.search(
                [("kind", "=", "delivery"), ("delivery_ref", "=", back.id)]
            )
        )
        self.assertTrue(
            complaint_rows.search(
                [("kind", "=", "delivery"), ("delivery_ref", "=", self.delivery.id)]
            )
        )
        customer = self.customer.with_user(self.finance)
        self.assertEqual(customer.asq_period_delivered_amount, 11000.0)
        self.assertEqual(customer.asq_period_returned_amount, 0.0)
        self.assertEqual(customer.asq_period_return_ratio, 0.0)
        # the goods are at the customer again: they may be asked for again
        again = self._create_return(qty=100.0, kind="quality", resolution="refund")
        again.with_user(self.sales).action_submit()
        self.assertEqual(again.state, "submitted")

    def test_the_cap_governs_unsaleable_exchanges(self):
        # quality returns of 800 (7.27 %), accepted: the company's defects
        quality = self._create_return(qty=8.0, kind="quality", resolution="refund")
        self._approve(quality)
        self._receive(quality)
        self._qc(
            quality,
            "accept",
            "scrap",
            qc_company_fault=True,
            qc_responsibility="Line 2",
        )
        customer = self.customer.with_user(self.finance)
        self.assertAlmostEqual(customer.asq_period_return_ratio, 800 / 11000 * 100)
        self.assertEqual(customer.asq_period_exchange_ratio, 0.0)
        # an unsaleable exchange of 100: 0.91 % exchanged, 8.18 % returned
        ret = self._at_finance(self._create_return(qty=1.0))
        self.assertAlmostEqual(ret.live_exchange_ratio, 100 / 11000 * 100, 2)
        self.assertAlmostEqual(ret.live_ratio, 900 / 11000 * 100, 2)
        self.assertFalse(ret.live_beyond)
        # the verdict says why the red total ratio does not bind
        self.assertIn("quality returns", ret.live_verdict_note)
        self.assertIn("8.18", ret.live_verdict_note)
        # the Return Ratios report names both, the cap reads the first
        row = (
            self.env["asq.return.ratio.report"]
            .with_user(self.finance)
            .search([("partner_id", "=", self.customer.id)])
        )
        self.assertAlmostEqual(row.exchange_ratio, 100 / 11000 * 100, 2)
        self.assertAlmostEqual(row.amount_ratio, 900 / 11000 * 100, 2)
        self.assertFalse(row.over_cap)
        self._sign(ret, self.finance)
        self.assertFalse(ret.finance_beyond)
        self.assertAlmostEqual(ret.finance_exchange_ratio, 100 / 11000 * 100, 2)
        self.assertIn("within the contract", ret.approval_ids[-1].comment)
        self.assertIn("quality returns", ret.approval_ids[-1].comment)
        self._sign(ret, self.business)
        self.assertEqual(ret.state, "approved")

    def test_quality_request_above_the_cap_explains_itself(self):
        # within every figure: nothing to explain
        small = self._create_return(qty=1.0).with_user(self.finance)
        self.assertFalse(small.live_verdict_note)
        # a quality return of 700 of 11000 = 6.36 % > 5 %: never beyond
        ret = self._at_finance(
            self._create_return(qty=7.0, kind="quality", resolution="refund")
        )
        self.assertGreater(ret.live_ratio, ret.ratio_cap)
        self.assertFalse(ret.live_beyond)
        self.assertIn("no unsaleable goods", ret.live_verdict_note)
        self._sign(ret, self.finance)
        self.assertIn("no unsaleable goods", ret.approval_ids[-1].comment)
        self.assertEqual(ret.state, "business")
