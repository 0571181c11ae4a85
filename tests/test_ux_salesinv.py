from ast import literal_eval

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, new_test_user, tagged

from odoo.addons.after_sales_quality.tests.test_return import ReturnCommon

ASQ = "after_sales_quality."


class SalesInvCommon(ReturnCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls.delivery.sale_id
        cls.order.user_id = cls.sales

    def _delivered_goods(self, picking=None):
        return self.env["asq.delivered.line"].search(
            [("picking_id", "=", (picking or self.delivery).id)]
        )

    @staticmethod
    def _line_values(action):
        """The line values a button's action prefills."""
        return sorted(
            (vals["delivered_line_id"], vals["quantity"])
            for _command, _id, vals in action["context"]["default_line_ids"]
        )


@tagged("post_install", "-at_install", "asq_ux")
class TestSalesButtons(SalesInvCommon):
    def test_register_complaint_from_delivery(self):
        action = self.delivery.with_user(self.sales).action_asq_register_complaint()
        self.assertEqual(action["res_model"], "asq.complaint")
        self.assertEqual(action["context"]["default_partner_id"], self.customer.id)
        goods = self._delivered_goods()
        self.assertEqual(len(goods), 2)
        self.assertEqual(
            self._line_values(action), sorted((g.id, g.quantity) for g in goods)
        )
        # What the user gets when saving the prefilled form.
        Complaint = self.env["asq.complaint"].with_user(self.sales)
        form = Form(Complaint.with_context(**action["context"]))
        form.category = "quality"
        form.description = "Screens cracked"
        complaint = form.save()
        self.assertEqual(complaint.partner_id, self.customer)
        self.assertEqual(complaint.line_ids.picking_id, self.delivery)
        self.assertEqual(complaint.line_ids.sale_order_id, self.order)
        self.assertEqual(
            complaint.line_ids.lot_id.mapped("name"), ["L-RET-1", "L-RET-2"]
        )
        self.assertEqual(self.delivery.with_user(self.sales).asq_complaint_count, 1)
        self.assertEqual(self.order.with_user(self.sales).asq_complaint_count, 1)

    def test_register_complaint_from_order(self):
        action = self.order.with_user(self.sales).action_asq_register_complaint()
        self.assertEqual(action["context"]["default_partner_id"], self.customer.id)
        self.assertEqual(
            self._line_values(action),
            sorted((g.id, g.quantity) for g in self._delivered_goods()),
        )

    def test_return_request_prefilled_with_what_is_at_the_customer(self):
        # 30 glucometers asked back by a submitted request: 70 left to ask
        # for (a draft reserves nothing).
        self._create_return(qty=30.0).with_user(self.sales).action_submit()
        self._create_return(qty=5.0)
        action = self.order.with_user(self.sales).action_asq_new_return()
        self.assertEqual(action["res_model"], "asq.return")
        glucometers = self._delivered(self.product)
        strips = self._delivered(self.product_b)
        self.assertEqual(
            self._line_values(action),
            sorted([(glucometers.id, 70.0), (strips.id, 100.0)]),
        )
        form = Form(
            self.env["asq.return"]
            .with_user(self.sales)
            .with_context(**action["context"])
        )
        for index in range(2):
            with form.line_ids.edit(index) as line:
                line.reason = "Customer closes the shop"
        request = form.save()
        self.assertEqual(request.partner_id, self.customer)
        self.assertEqual(request.state, "draft")
        self.assertEqual(sum(request.line_ids.mapped("quantity")), 170.0)
        self.assertEqual(request.line_ids.picking_id, self.delivery)
        # The same from the delivery.
        action = self.delivery.with_user(self.sales).action_asq_new_return()
        self.assertEqual(action["context"]["default_partner_id"], self.customer.id)

    def test_nothing_left_to_ask_back(self):
        self._create_return(qty=100.0).with_user(self.sales).action_submit()
        ret = self._create_return(qty=100.0, product=self.product_b)
        self._approve(ret)
        self._receive(ret)
        with self.assertRaisesRegex(UserError, "no goods to ask back"):
            self.order.with_user(self.sales).action_asq_new_return()
        with self.assertRaisesRegex(UserError, "asked back already"):
            self.delivery.with_user(self.sales).action_asq_new_return()

    def test_only_confirmed_orders_and_done_customer_deliveries(self):
        draft = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [Command.create({"product_id": self.product.id})],
            }
        )
        self.assertFalse(draft.asq_customer_delivered)
        with self.assertRaisesRegex(UserError, "not a confirmed sale"):
            draft.with_user(self.sales).action_asq_register_complaint()
        self.assertTrue(self.order.asq_customer_delivered)
        self.assertTrue(self.delivery.asq_customer_delivered)
        ret = self._create_return(qty=2.0)
        self._approve(ret)
        receipt = self._receive(ret)
        # A customer return is no delivery: no button, a direct call refused.
        self.assertFalse(receipt.asq_customer_delivered)
        with self.assertRaisesRegex(UserError, "did not deliver goods to a customer"):
            receipt.with_user(self.sales).action_asq_register_complaint()

    def test_wrong_groups_neither_see_nor_call_the_buttons(self):
        for model, record in (
            ("sale.order", self.order),
            ("stock.picking", self.delivery),
        ):
            arch = (
                self.env[model]
                .with_user(self.sales)
                .get_views([(False, "form")])["views"]["form"]["arch"]
            )
            self.assertIn("action_asq_register_complaint", arch, model)
            self.assertIn("action_asq_new_return", arch, model)
            for login in ("asq_warehouse", "asq_finance"):
                user = self.users[login]
                if record.with_user(user).has_access("read"):
                    arch = (
                        self.env[model]
                        .with_user(user)
                        .get_views([(False, "form")])["views"]["form"]["arch"]
                    )
                    self.assertNotIn("action_asq_register_complaint", arch, login)
                    self.assertNotIn("action_asq_new_return", arch, login)
        warehouse = self.users["asq_warehouse"]
        with self.assertRaisesRegex(AccessError, "only the sales and after-sales"):
            self.delivery.with_user(warehouse).action_asq_register_complaint()
        with self.assertRaisesRegex(AccessError, "only the sales and after-sales"):
            self.delivery.with_user(warehouse).action_asq_new_return()


@tagged("post_install", "-at_install", "asq_ux")
class TestStockReturnWizard(SalesInvCommon):
    def _wizard(self, user):
        return (
            self.env["stock.return.picking"]
            .with_user(user)
            .with_context(active_id=self.delivery.id, active_model="stock.picking")
            .create({})
        )

    def test_create_return_request_only_for_who_may(self):
        wizard = self._wizard(self.warehouse_user)
        self.assertTrue(wizard.asq_customer_delivery)
        self.assertFalse(wizard.asq_can_request)
        self.assertFalse(wizard.asq_gate_exception)
        arch = wizard.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="action_asq_create_return_request"', arch.replace("'", '"'))
        self.assertIn("not asq_customer_delivery or not asq_can_request", arch)
        with self.assertRaisesRegex(UserError, "filed by the sales and after-sales"):
            wizard.action_asq_create_return_request()
        self.sales.groups_id = [Command.link(self.env.ref("stock.group_stock_user").id)]
        wizard = self._wizard(self.sales)
        self.assertTrue(wizard.asq_can_request)
        wizard.asq_return_reason = "Wrong model"
        for line in wizard.product_return_moves:
            line.quantity = 1.0
        action = wizard.action_asq_create_return_request()
        request = self.env["asq.return"].browse(action["res_id"])
        self.assertEqual(request.partner_id, self.customer)
        self.assertEqual(sum(request.line_ids.mapped("quantity")), 2.0)


@tagged("post_install", "-at_install", "asq_ux")
class TestCustomerReturnsType(SalesInvCommon):
    def test_every_warehouse_has_its_customer_returns_type(self):
        for warehouse in self.env["stock.warehouse"].search([]):
            ptype = warehouse.asq_return_type_id
            self.assertTrue(ptype, warehouse.name)
            self.assertNotEqual(ptype, warehouse.in_type_id)
            self.assertEqual(ptype.code, "incoming")
            self.assertEqual(ptype.warehouse_id, warehouse)
            self.assertEqual(ptype.sequence_code, "RET")
            self.assertEqual(ptype.default_location_dest_id.asq_return_usage, "qc")
            self.assertEqual(ptype.default_location_dest_id.warehouse_id, warehouse)
            self.assertTrue(ptype.asq_customer_return)
            self.assertFalse(warehouse.in_type_id.asq_customer_return)

    def test_new_warehouse_gets_one(self):
        warehouse = self.env["stock.warehouse"].create(
            {"name": "UX North", "code": "UXN"}
        )
        ptype = warehouse.asq_return_type_id
        self.assertEqual(ptype.name, "Customer Returns")
        # A Chinese user's Overview card reads the type in Chinese, whoever
        # made the warehouse.
        self.env["res.lang"]._activate_lang("zh_CN")
        south = self.env["stock.warehouse"].create({"name": "UX South", "code": "UXS"})
        self.assertEqual(
            south.asq_return_type_id.with_context(lang="zh_CN").name, "客户退货"
        )
        self.assertEqual(ptype.default_location_dest_id.asq_return_usage, "qc")
        self.assertEqual(ptype.default_location_dest_id.warehouse_id, warehouse)
        self.assertTrue(ptype.sequence_id.prefix.startswith("UXN/RET/"))
        # Archived with its warehouse; running the install job again adds none.
        warehouse.active = False
        self.assertFalse(ptype.active)
        count = (
            self.env["stock.picking.type"]
            .with_context(active_test=False)
            .search_count([("name", "=", "Customer Returns")])
        )
        self.env["stock.warehouse"]._asq_create_return_types()
        self.assertEqual(
            self.env["stock.picking.type"]
            .with_context(active_test=False)
            .search_count([("name", "=", "Customer Returns")]),
            count,
        )

    def test_receipt_and_overview_card(self):
        ptype = self.warehouse.asq_return_type_id
        card = ptype.with_user(self.warehouse_user)
        # what the database holds already (demo data): the figures move by one
        ready, waiting, putaway = (
            card.count_picking_ready,
            card.asq_count_waiting_qc,
            card.asq_count_to_putaway,
        )
        purchase_ready = self.warehouse.in_type_id.count_picking_ready
        ret = self._create_return(qty=2.0)
        self._approve(ret)
        ret.with_user(self.warehouse_user).action_create_receipt()
        receipt = ret.picking_ids.filtered(lambda p: p.asq_return_role == "receipt")
        self.assertEqual(receipt.picking_type_id, ptype)
        self.assertIn("/RET/", receipt.name)
        self.assertEqual(receipt.location_dest_id, ptype.default_location_dest_id)
        card.invalidate_recordset()
        self.assertEqual(card.count_picking_ready, ready + 1)
        self.assertEqual(card.asq_count_waiting_qc, waiting)
        self.warehouse.in_type_id.invalidate_recordset()
        self.assertEqual(self.warehouse.in_type_id.count_picking_ready, purchase_ready)
        receipt.with_user(self.warehouse_user).button_validate()
        self.assertEqual(ret.state, "received")
        card.invalidate_recordset()
        self.assertEqual(card.count_picking_ready, ready)
        self.assertEqual(card.asq_count_waiting_qc, waiting + 1)
        action = card.action_asq_waiting_qc()
        self.assertIn(
            ret,
            self.env["asq.return"]
            .with_user(self.warehouse_user)
            .search(action["domain"]),
        )
        self._qc(ret)
        card.invalidate_recordset()
        self.assertEqual(card.asq_count_waiting_qc, waiting)
        self.assertEqual(card.asq_count_to_putaway, putaway + 1)
        putaways = self.env["stock.picking"].search(
            card.action_asq_to_putaway()["domain"] + [("asq_return_id", "=", ret.id)]
        )
        self.assertEqual(putaways.asq_return_role, "putaway")
        self.assertEqual(putaways.location_id, ptype.default_location_dest_id)


@tagged("post_install", "-at_install", "asq_ux")
class TestSalesInvMenus(SalesInvCommon):
    def _visible(self, user, xmlid):
        """The user reaches the menu: it and every menu above it show."""
        menu = self.env.ref(ASQ + xmlid)
        visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
        while menu:
            if menu.id not in visible:
                return False
            menu = menu.parent_id
        return True

    def test_menus_per_role(self):
        expected = {
            # login: menus seen, menus not seen
            "asq_sales": (
                ["asq_sale_menu_complaints", "asq_sale_menu_returns"],
                ["asq_sale_menu_return_ratio", "asq_stock_menu_operations"],
            ),
            # no Sales app (no sales rights): no After-Sales menu in it
            "asq_aftersales": ([], ["asq_sale_menu"]),
            "asq_finance": (
                [],
                ["asq_sale_menu", "asq_stock_menu_returns_to_receive"],
            ),
            "asq_warehouse": (
                ["asq_stock_menu_returns_to_receive", "asq_stock_menu_holds"],
                ["asq_sale_menu", "asq_stock_menu_returned_goods"],
            ),
            "asq_employee": (
                [],
                ["asq_sale_menu", "asq_stock_menu_holds", "asq_stock_menu_operations"],
            ),
        }
        for login, (seen, unseen) in expected.items():
            user = self.users[login]
            for xmlid in seen:
                self.assertTrue(self._visible(user, xmlid), f"{login} {xmlid}")
            for xmlid in unseen:
                self.assertFalse(self._visible(user, xmlid), f"{login} {xmlid}")
        # With the Sales app: the after-sales section reads the customers'
        # return ratios there; a salesperson without after-sales rights sees
        # no After-Sales menu at all.
        salesman = self.env.ref("sales_team.group_sale_salesman")
        aftersales = self.users["asq_aftersales"]
        aftersales.groups_id = [Command.link(salesman.id)]
        self.assertTrue(self._visible(aftersales, "asq_sale_menu_return_ratio"))
        self.assertTrue(self._visible(aftersales, "asq_sale_menu_complaints"))
        seller = new_test_user(
            self.env, login="ux_plain_seller", groups="sales_team.group_sale_salesman"
        )
        self.assertFalse(self._visible(seller, "asq_sale_menu"))
        # Inventory's Reporting is the stock managers' (core): a warehouse
        # supervisor who manages the stock finds the returned goods there.
        manager = self.users["asq_warehouse"]
        manager.groups_id = [Command.link(self.env.ref("stock.group_stock_manager").id)]
        self.assertTrue(self._visible(manager, "asq_stock_menu_returned_goods"))

    def test_returns_awaiting_receipt(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            ASQ + "asq_return_action_awaiting_receipt"
        )
        Return = self.env["asq.return"].with_user(self.warehouse_user)
        before = Return.search(literal_eval(action["domain"]))  # the demo's
        ret = self._create_return(qty=2.0)
        self._approve(ret)
        self.assertEqual(Return.search(literal_eval(action["domain"])), before | ret)
        self._receive(ret)
        self.assertEqual(Return.search(literal_eval(action["domain"])), before)


@tagged("post_install", "-at_install", "asq_ux")
class TestSalesInvTours(HttpCase, SalesInvCommon):
    def test_sales_user_registers_complaint_from_delivery(self):
        sales = new_test_user(
            self.env,
            login="ux_sales",
            groups=f"{ASQ}group_asq_user,sales_team.group_sale_salesman,"
            "stock.group_stock_user",
        )
        customer = self.env["res.partner"].create(
            {"name": "UX Sales Customer", "is_company": True}
        )
        picking = self._deliver(customer, [(self.product, 5, 100.0, "UX-LOT-1")])
        picking.sale_id.user_id = sales
        self.start_tour("/odoo", "asq_ux_sales_complaint_tour", login="ux_sales")
        complaint = self.env["asq.complaint"].search([("partner_id", "=", customer.id)])
        self.assertEqual(len(complaint), 1)
        self.assertEqual(complaint.user_id, sales)
        self.assertEqual(complaint.line_ids.picking_id, picking)
        self.assertEqual(complaint.line_ids.lot_id.name, "UX-LOT-1")
        self.assertEqual(complaint.description, "Screen cracked on arrival")

    def test_warehouse_receives_from_the_overview(self):
        customer = self.env["res.partner"].create(
            {"name": "UX Return Customer", "is_company": True}
        )
        picking = self._deliver(customer, [(self.product, 5, 100.0, "UX-LOT-2")])
        ret = self._return_request(
            customer, [(self._delivered_lines(picking), 2)], user=self.sales
        )
        self._approve(ret)
        ret.with_user(self.warehouse_user).action_create_receipt()
        self.start_tour(
            "/odoo/inventory", "asq_ux_warehouse_receipt_tour", login="asq_warehouse"
        )
        receipt = ret.picking_ids.filtered(lambda p: p.asq_return_role == "receipt")
        self.assertEqual(receipt.state, "done")
        self.assertEqual(receipt.picking_type_id, self.warehouse.asq_return_type_id)
        self.assertEqual(ret.state, "received")
        self.assertEqual(ret.line_ids.received_qty, 2.0)
