"""001, second procedure: 「如沒有以上各部門的簽字確認,倉庫一律不予辦理入庫手續」.

No customer return is booked without a return request every approver signed,
whatever screen books it: Odoo's Return button on a delivery, a transfer made
by hand or imported, a move validated by a script, a call over JSON-RPC. The
warehouse user is refused with what is missing; the administrator's exception
group books and is logged; no context unlocks the gate. Vendor returns,
vendor receipts and internal steps are Odoo's business."""

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.after_sales_quality.models.stock_move import GATE_RULE
from odoo.addons.after_sales_quality.tests import test_trust_boundary
from odoo.addons.after_sales_quality.tests.audit import audit
from odoo.addons.after_sales_quality.tests.common import ASQ, GATE_EXCEPTION
from odoo.addons.after_sales_quality.tests.test_return import ReturnCommon

NO_REQUEST = "no signed return request: create one from the delivery"


@tagged("post_install", "-at_install", "asq_fidelity")
class TestFidelityGate(ReturnCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers_location = cls.env.ref("stock.stock_location_customers")
        cls.vendors_location = cls.env.ref("stock.stock_location_suppliers")
        # The exception's holder: a warehouse user the administrator added.
        cls.gate_user = new_test_user(
            cls.env,
            login="asq_gate_holder",
            name="Wang Exception",
            groups=f"{ASQ}group_asq_warehouse,{GATE_EXCEPTION}",
        )
        # Files return requests and may open the Return dialog of a delivery.
        cls.clerk = new_test_user(
            cls.env,
            login="asq_gate_clerk",
            groups=f"{ASQ}group_asq_user_all,stock.group_stock_user",
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _wizard(self, user, picking=None):
        return (
            self.env["stock.return.picking"]
            .with_user(user)
            .with_context(
                active_id=(picking or self.delivery).id, active_model="stock.picking"
            )
            .create({})
        )

    def _odoo_return(self, user, quantity=2.0):
        """Odoo's Return button on the delivery, as ``user``: the draft
        return picking of ``quantity`` glucometers."""
        wizard = self._wizard(user)
        for line in wizard.product_return_moves:
            line.quantity = quantity if line.product_id == self.product else 0.0
        action = wizard.action_create_returns()
        return self.env["stock.picking"].browse(action["res_id"]).with_user(user)

    def _hand_made(self, user, source, product=None, qty=3.0, picking_type=None):
        """An incoming transfer typed by hand (or imported): ``source`` to
        stock, confirmed and reserved, its quantity picked."""
        product = product or self._create_product("Gate Bolt", 1.0, tracking="none")
        picking_type = picking_type or self.warehouse.in_type_id
        picking = (
            self.env["stock.picking"]
            .with_user(user)
            .create(
                {
                    "partner_id": self.customer.id,
                    "picking_type_id": picking_type.id,
                    "location_id": source.id,
                    "location_dest_id": self.warehouse.lot_stock_id.id,
                    "move_ids": [
                        Command.create(
                            {
                                "name": product.name,
                                "product_id": product.id,
                                "product_uom_qty": qty,
                                "product_uom": product.uom_id.id,
                                "location_id": source.id,
                                "location_dest_id": self.warehouse.lot_stock_id.id,
                            }
                        )
                    ],
                }
            )
        )
        picking.action_confirm()
        picking.action_assign()
        picking.move_ids.picked = True
        return picking

    def _stock(self, product, location=None):
        return sum(
            self.env["stock.quant"]
            ._gather(product, location or self.warehouse.lot_stock_id)
            .mapped("quantity")
        )

    # ------------------------------------------------------------------
    # Refused
    # ------------------------------------------------------------------
    def test_return_button_then_validate_refused(self):
        back = self._odoo_return(self.warehouse_user)
        self.assertEqual(back.location_id.usage, "customer")
        with self.assertRaisesRegex(UserError, NO_REQUEST) as caught:
            back.button_validate()
        self.assertIn(back.name, str(caught.exception))
        self.assertIn("Test Glucometer", str(caught.exception))
        self.assertIn(GATE_RULE, str(caught.exception))
        self.assertNotEqual(back.state, "done")
        self.assertEqual(self._delivered().returned_qty, 0.0)

    def test_return_all_refused_too(self):
        wizard = self._wizard(self.warehouse_user)
        action = wizard.action_create_returns_all()
        back = self.env["stock.picking"].browse(action["res_id"])
        with self.assertRaisesRegex(UserError, NO_REQUEST):
            back.with_user(self.warehouse_user).button_validate()

    def test_hand_made_incoming_from_customer_refused(self):
        picking = self._hand_made(self.warehouse_user, self.customers_location)
        product = picking.move_ids.product_id
        with self.assertRaisesRegex(UserError, NO_REQUEST):
            picking.button_validate()
        self.assertEqual(self._stock(product), 0.0)

    def test_import_like_create_and_done_refused(self):
        """A script or an import: moves created and booked without any
        button, with or without a transfer."""
        picking = self._hand_made(self.warehouse_user, self.customers_location)
        with self.assertRaisesRegex(UserError, NO_REQUEST):
            picking._action_done()
        product = self._create_product("Gate Nut", 1.0, tracking="none")
        move = (
            self.env["stock.move"]
            .with_user(self.warehouse_user)
            .create(
                {
                    "name": "imported return",
                    "product_id": product.id,
                    "product_uom_qty": 5.0,
                    "product_uom": product.uom_id.id,
                    "location_id": self.customers_location.id,
                    "location_dest_id": self.warehouse.lot_stock_id.id,
                }
            )
        )
        move._action_confirm()
        move.quantity = 5.0
        move.picked = True
        with self.assertRaisesRegex(UserError, "takes Gate Nut back"):
            move._action_done()
        self.assertEqual(self._stock(product), 0.0)

    def test_request_receipt_missing_a_signature_refused(self):
        ret = self._create_return(qty=2.0)
        ret.with_user(self.sales).action_submit()
        self._sign(ret, self.aftersales)
        # [15] The receipt is made once approved; one made anyway (in code) ...
        ret.sudo()._create_receipts()
        receipt = ret.picking_ids.with_user(self.warehouse_user)
        # ... but not booked before every approver signed.
        with self.assertRaisesRegex(UserError, f"{ret.name} still needs finance check"):
            receipt.button_validate()
        with self.assertRaisesRegex(UserError, "business head approval"):
            receipt.move_ids._action_done()
        # The exception is for goods without a request, not for a request
        # still being signed.
        with self.assertRaisesRegex(UserError, "still needs finance check"):
            receipt.with_user(self.gate_user).button_validate()
        self.assertEqual(ret.state, "finance")

    def test_signed_request_receipt_books(self):
        ret = self._create_return(qty=2.0)
        self._approve(ret)
        receipt = self._receive(ret)
        self.assertEqual(receipt.state, "done")
        self.assertEqual(ret.state, "received")
        self.assertEqual(self._delivered().returned_qty, 2.0)
        self.assertFalse(receipt.move_ids.asq_gate_exception_user_id)
        self.assertNotIn(
            receipt.move_ids.id, audit(self.env)["customer_return_gate_exception"][1]
        )

    def test_signed_request_does_not_cover_other_goods(self):
        """A caller cannot tie a transfer to a signed request, and a signed
        receipt takes back only the deliveries its lines name."""
        ret = self._create_return(qty=2.0)
        self._approve(ret)
        picking = self._hand_made(self.warehouse_user, self.customers_location)
        with self.assertRaisesRegex(UserError, "never by hand"):
            picking.write({"asq_return_id": ret.id, "asq_return_role": "receipt"})
        # Tied behind the ORM's back (as an import in sudo would): still
        # refused, the goods are not on the request.
        picking.sudo().write({"asq_return_id": ret.id, "asq_return_role": "receipt"})
        with self.assertRaisesRegex(UserError, "is not among the goods"):
            picking.button_validate()

    # ------------------------------------------------------------------
    # Untouched: vendors, internal steps
    # ------------------------------------------------------------------
    def test_vendor_receipt_and_vendor_return_untouched(self):
        receipt = self._hand_made(self.warehouse_user, self.vendors_location)
        product = receipt.move_ids.product_id
        receipt.button_validate()
        self.assertEqual(receipt.state, "done")
        self.assertEqual(self._stock(product), 3.0)
        back = self._wizard(self.warehouse_user, receipt)
        self.assertFalse(back.asq_customer_delivery)
        back.product_return_moves.quantity = 1.0
        vendor_return = self.env["stock.picking"].browse(
            back.action_create_returns()["res_id"]
        )
        vendor_return.with_user(self.warehouse_user).button_validate()
        self.assertEqual(vendor_return.state, "done")
        self.assertEqual(vendor_return.location_dest_id.usage, "supplier")
        self.assertEqual(self._stock(product), 2.0)
        self.assertFalse(
            (receipt | vendor_return).move_ids.filtered("asq_gate_exception_user_id")
        )

    def test_two_step_return_only_first_step_gated(self):
        """Goods already inside (Input, QC) move on as Odoo moves them."""
        self.warehouse.reception_steps = "two_steps"
        input_location = self.warehouse.wh_input_stock_loc_id
        product = self._create_product("Gate Washer", 1.0, tracking="none")
        self.env["stock.quant"]._update_available_quantity(product, input_location, 4.0)
        step = self._hand_made(
            self.warehouse_user,
            input_location,
            product=product,
            qty=4.0,
            picking_type=self.warehouse.int_type_id,
        )
        step.button_validate()
        self.assertEqual(step.state, "done")
        first = self._hand_made(
            self.warehouse_user, self.customers_location, product=product
        )
        first.move_ids.location_dest_id = input_location
        with self.assertRaisesRegex(UserError, NO_REQUEST):
            first.button_validate()

    # ------------------------------------------------------------------
    # The Return button offers a return request
    # ------------------------------------------------------------------
    def test_wizard_creates_the_prefilled_request(self):
        wizard = self._wizard(self.clerk)
        self.assertTrue(wizard.asq_customer_delivery)
        self.assertFalse(wizard.asq_gate_exception, "Odoo's Return is hidden")
        for line in wizard.product_return_moves:
            line.quantity = 3.0 if line.product_id == self.product else 5.0
        with self.assertRaisesRegex(UserError, "Give the reason"):
            wizard.action_asq_create_return_request()
        wizard.asq_return_reason = "Customer overstocked"
        action = wizard.action_asq_create_return_request()
        self.assertEqual(action["res_model"], "asq.return")
        self.assertEqual(action["view_mode"], "form")
        ret = self.env["asq.return"].browse(action["res_id"])
        self.assertEqual(ret.state, "draft")
        self.assertEqual(ret.partner_id, self.customer)
        self.assertEqual(ret.user_id, self.clerk)
        self.assertEqual(ret.company_id, self.delivery.company_id)
        self.assertEqual(
            sorted(
                (
                    line.picking_id,
                    line.move_id,
                    line.product_id.name,
                    line.lot_id.name,
                    line.quantity,
                    line.reason,
                )
                for line in ret.line_ids
            ),
            sorted(
                [
                    (
                        self.delivery,
                        self.move,
                        "Test Glucometer",
                        "L-RET-1",
                        3.0,
                        "Customer overstocked",
                    ),
                    (
                        self.delivery,
                        self.delivery.move_ids - self.move,
                        "Test Strips",
                        "L-RET-2",
                        5.0,
                        "Customer overstocked",
                    ),
                ]
            ),
        )
        self.assertEqual(ret.line_ids.delivered_line_id.picking_id, self.delivery)
        # From there the chain of 001: signed, then received.
        ret.with_user(self.clerk).action_submit()
        for signer in (self.aftersales, self.finance, self.business):
            self._sign(ret, signer)
        self.assertEqual(ret.state, "approved")
        receipt = self._receive(ret)
        self.assertEqual(receipt.state, "done")
        self.assertEqual(self._delivered().returned_qty, 3.0)

    def test_wizard_request_refusals(self):
        wizard = self._wizard(self.clerk)
        wizard.asq_return_reason = "Too many"
        for line in wizard.product_return_moves:
            line.quantity = 101.0 if line.product_id == self.product else 0.0
        with self.assertRaisesRegex(UserError, "101.0 asked back, only 100.0"):
            wizard.action_asq_create_return_request()
        # The warehouse books returns; it does not file requests.
        wizard = self._wizard(self.warehouse_user)
        wizard.asq_return_reason = "Too many"
        wizard.product_return_moves[:1].quantity = 1.0
        with self.assertRaisesRegex(UserError, "filed by the sales and after-sales"):
            wizard.action_asq_create_return_request()
        self.assertTrue(self._wizard(self.gate_user).asq_gate_exception)

    # ------------------------------------------------------------------
    # The exception: an administrator's group, logged
    # ------------------------------------------------------------------
    def test_exception_group_books_and_is_logged(self):
        group = self.env.ref(GATE_EXCEPTION)
        self.assertFalse(group.implied_ids)
        self.assertFalse(
            self.env["res.groups"].search([("implied_ids", "in", group.ids)]),
            "implied by no role",
        )
        self.assertNotIn(group, self.env.ref("base.group_user").implied_ids)
        back = self._odoo_return(self.gate_user)
        back.button_validate()
        self.assertEqual(back.state, "done")
        self.assertEqual(self._delivered().returned_qty, 2.0)
        self.assertEqual(back.move_ids.asq_gate_exception_user_id, self.gate_user)
        log = back.message_ids.filtered(
            lambda m: "Warehouse gate bypassed" in str(m.body)
        )
        self.assertEqual(len(log), 1)
        self.assertIn("Wang Exception", str(log.body))
        self.assertEqual(log.author_id, self.gate_user.partner_id)
        self.assertIn(
            back.move_ids.id, audit(self.env)["customer_return_gate_exception"][1]
        )
        # The log is written by Odoo only: not erased, not forged.
        with self.assertRaisesRegex(UserError, "written by Odoo"):
            back.move_ids.with_user(self.gate_user).write(
                {"asq_gate_exception_user_id": False}
            )

    def test_no_context_unlocks_the_gate(self):
        keys = test_trust_boundary.addon_context_keys()
        contexts = [
            {"asq_gate_bypass": True},
            {"asq_gate_exception": True, "skip_backorder": True},
            dict.fromkeys(keys, True),
            {key: [1, 2, 3] for key in keys},
        ]
        back = self._odoo_return(self.warehouse_user)
        for context in contexts:
            with self.assertRaisesRegex(UserError, NO_REQUEST):
                back.with_context(**context).button_validate()
            with self.assertRaisesRegex(UserError, NO_REQUEST):
                back.move_ids.with_context(**context)._action_done()
        with self.assertRaisesRegex(UserError, "written by Odoo"):
            back.move_ids.write({"asq_gate_exception_user_id": self.gate_user.id})
        self.assertNotEqual(back.state, "done")


@tagged("post_install", "-at_install", "asq_fidelity")
class TestFidelityGateRpc(test_trust_boundary.TestTrustBoundaryRpc):
    """The warehouse user over JSON-RPC, every context key of the addon set
    (TestTrustBoundaryRpc._rpc): the Odoo return and the hand-made transfer
    from a customer are refused with the reason."""

    # (the trust boundary's own forgeries run in their own class)
    test_sales_cannot_approve_its_own_return = None
    test_inspector_cannot_close_capa_or_release_hold = None
    test_closed_complaint_not_rewritten = None
    test_own_documents_stay_in_their_company = None

    def test_warehouse_cannot_book_a_customer_return_over_rpc(self):
        product = self.env["product.product"].create(
            {"name": "RPC Gate Bolt", "is_storable": True}
        )
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        )
        customers = self.env.ref("stock.stock_location_customers")
        stock = warehouse.lot_stock_id
        # A delivery to a customer, and Odoo's Return on it.
        self.env["stock.quant"]._update_available_quantity(product, stock, 5.0)
        partner = self.env["res.partner"].create({"name": "RPC Gate Customer"})
        delivery = self.env["stock.picking"].create(
            {
                "partner_id": partner.id,
                "picking_type_id": warehouse.out_type_id.id,
                "location_id": stock.id,
                "location_dest_id": customers.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": product.name,
                            "product_id": product.id,
                            "product_uom_qty": 5.0,
                            "location_id": stock.id,
                            "location_dest_id": customers.id,
                        }
                    )
                ],
            }
        )
        delivery.action_confirm()
        delivery.action_assign()
        delivery.button_validate()
        self.assertEqual(delivery.state, "done")
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=delivery.id, active_model="stock.picking")
            .create({})
        )
        wizard.product_return_moves.quantity = 2.0
        back = self.env["stock.picking"].browse(
            wizard.action_create_returns()["res_id"]
        )
        login = "asq_warehouse"
        error = self._rpc(login, "stock.picking", "button_validate", [back.ids])
        self.assertTrue(error, "booked without a request")
        self.assertIn(NO_REQUEST, error["data"]["message"])
        # a plain UserError: the web client shows a warning, not a crash
        self.assertEqual(error["data"]["name"], "odoo.exceptions.UserError")
        # A transfer from the customer typed in over RPC.
        vals = {
            "partner_id": partner.id,
            "picking_type_id": warehouse.in_type_id.id,
            "location_id": customers.id,
            "location_dest_id": stock.id,
            "move_ids": [
                [
                    0,
                    0,
                    {
                        "name": product.name,
                        "product_id": product.id,
                        "product_uom_qty": 3.0,
                        "location_id": customers.id,
                        "location_dest_id": stock.id,
                    },
                ]
            ],
        }
        error = self._rpc(login, "stock.picking", "create", [vals])
        self.assertFalse(error, error)
        picking = self.env["stock.picking"].search(
            [("location_id", "=", customers.id), ("partner_id", "=", partner.id)],
            order="id desc",
            limit=1,
        )
        self.assertFalse(
            self._rpc(login, "stock.picking", "action_confirm", [picking.ids])
        )
        error = self._rpc(login, "stock.picking", "button_validate", [picking.ids])
        self.assertIn(NO_REQUEST, error["data"]["message"])
        # Forging the log or a tie to a request is refused as well.
        error = self._rpc(
            login,
            "stock.move",
            "write",
            [picking.move_ids.ids, {"asq_gate_exception_user_id": self.env.uid}],
        )
        self.assertIn("written by Odoo", error["data"]["message"])
        self.env.invalidate_all()
        self.assertEqual((back | picking).mapped("state"), ["assigned", "assigned"])
        self.assertFalse((back | picking).move_ids.asq_gate_exception_user_id)
