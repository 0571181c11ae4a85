from odoo.tests import HttpCase, tagged

from odoo.addons.after_sales_quality.tests.common import AsqCommon


@tagged("post_install", "-at_install", "asq_return")
class TestReturnTour(HttpCase, AsqCommon):
    def test_chain_through_the_browser(self):
        customer = self.env["res.partner"].create(
            {"name": "Tour Return Customer", "is_company": True}
        )
        picking = self._deliver(customer, [(self.product, 100, 100.0, "TOUR-RET-1")])
        ret = self._return_request(
            customer,
            [(self._delivered_lines(picking), 1)],
            user=self.users["asq_sales"],
        )
        self.start_tour(
            "/odoo/asq-returns", "asq_return_submit_tour", login="asq_sales"
        )
        self.assertEqual(ret.state, "submitted")
        for login, state in (
            ("asq_aftersales", "finance"),
            ("asq_finance", "business"),
            ("asq_business", "approved"),
        ):
            self.start_tour("/odoo/asq-returns", "asq_return_sign_tour", login=login)
            ret.invalidate_recordset()
            self.assertEqual(ret.state, state, login)
        self.assertEqual(
            ret.approval_ids.mapped("user_id.login"),
            ["asq_sales", "asq_aftersales", "asq_finance", "asq_business"],
        )
        self.start_tour(
            "/odoo/asq-returns", "asq_return_warehouse_tour", login="asq_warehouse"
        )
        ret.invalidate_recordset()
        self.assertEqual(ret.state, "received")
        receipt = ret.picking_ids.filtered(lambda p: p.asq_return_role == "receipt")
        self.assertEqual(receipt.state, "done")
        self.assertEqual(receipt.move_ids.origin_returned_move_id, picking.move_ids)
        self.start_tour(
            "/odoo/asq-returns", "asq_return_qc_tour", login="asq_inspector"
        )
        ret.invalidate_recordset()
        self.assertIn(ret.state, ("inspected", "done"))
        self.assertEqual(ret.line_ids.qc_result, "accept")
        self.assertEqual(ret.qc_user_id.login, "asq_inspector")
