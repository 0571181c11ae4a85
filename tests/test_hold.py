from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.after_sales_quality.tests.common import AsqCommon


class HoldCommon(AsqCommon):
    """Lot HL-1 delivered to two customers, HL-2 to one, HL-3 to the second;
    six units of HL-1 left in stock."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.email = "quality@example.com"
        cls.customer.write({"email": "kangtai@example.com", "lang": "en_US"})
        cls.customer2 = cls.env["res.partner"].create(
            {"name": "Second Test Buyer", "is_company": True, "email": "b@example.com"}
        )
        cls.inspector = cls.users["asq_inspector"]
        cls.qm = cls.users["asq_qm"]
        cls.sales = cls.users["asq_sales"]
        cls.stock = cls.warehouse.lot_stock_id
        cls.pick1 = cls._deliver(
            cls.customer,
            [(cls.product, 5, 100.0, "HL-1"), (cls.product, 3, 100.0, "HL-2")],
        )
        cls.pick2 = cls._deliver(cls.customer2, [(cls.product, 2, 100.0, "HL-3")])
        Lot = cls.env["stock.lot"]
        cls.lot1 = Lot.search(
            [("name", "=", "HL-1"), ("product_id", "=", cls.product.id)]
        )
        cls.lot2 = Lot.search(
            [("name", "=", "HL-2"), ("product_id", "=", cls.product.id)]
        )
        cls.lot3 = Lot.search(
            [("name", "=", "HL-3"), ("product_id", "=", cls.product.id)]
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.product, cls.stock, 10, lot_id=cls.lot1
        )
        order = cls._sell(cls.customer2, 4)
        cls.pick3 = order.picking_ids
        cls.pick3.move_ids.picked = True
        cls.pick3.button_validate()

    @classmethod
    def _sell(cls, partner, qty, product=None):
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "warehouse_id": cls.warehouse.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": (product or cls.product).id,
                            "product_uom_qty": qty,
                            "price_unit": 100.0,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        order.picking_ids.action_assign()
        return order

    def _create_hold(self, lots=None, user=None, **vals):
        values = {
            "product_id": self.product.id,
            "lot_ids": [Command.set((self.lot1 if lots is None else lots).ids)],
            "reason": "Readings drift after two weeks",
            **vals,
        }
        return self._create_as(user or self.inspector, "asq.hold", values)

    def _verify(self, hold, result, user=None):
        return self._fill_and_press(
            hold,
            user or self.inspector,
            {"proposed_result": result, "verification_note": "Lab retest"},
            "action_verify",
        )


@tagged("post_install", "-at_install", "asq_hold")
class TestHoldShipments(HoldCommon):
    def test_reservation_blocked_then_unblocked(self):
        hold = self._create_hold()
        hold.action_activate()
        self.assertEqual(hold.state, "active")
        self.assertTrue(hold.name.startswith("HOLD/"))
        self.assertEqual(hold.opened_user_id, self.inspector)
        order = self._sell(self.customer, 3)
        move = order.picking_ids.move_ids
        self.assertFalse(move.move_line_ids)
        self.assertEqual(move.state, "confirmed")
        self.assertIn(hold.name, order.asq_hold_warning)
        # Another lot of the product is still reserved.
        lot4 = self.env["stock.lot"].create(
            {"name": "HL-4", "product_id": self.product.id}
        )
        self.env["stock.quant"]._update_available_quantity(
            self.product, self.stock, 2, lot_id=lot4
        )
        order.picking_ids.action_assign()
        self.assertEqual(move.move_line_ids.lot_id, lot4)
        self.assertEqual(move.quantity, 2)
        self._verify(hold, "conforming")
        hold.with_user(self.qm).action_release()
        self.assertEqual(hold.state, "released")
        self.assertFalse(order.asq_hold_warning)
        order.picking_ids.action_assign()
        self.assertEqual(move.move_line_ids.lot_id, lot4 | self.lot1)
        self.assertEqual(move.quantity, 3)
        self.assertEqual(move.state, "assigned")

    def test_whole_product_hold_blocks_every_lot(self):
        hold = self._create_hold(lots=self.env["stock.lot"])
        hold.action_activate()
        order = self._sell(self.customer, 2)
        self.assertFalse(order.picking_ids.move_ids.move_line_ids)
        self.assertEqual(
            order.asq_hold_warning,
            f"Quality hold {hold.name} on Test Glucometer: do not sell or ship "
            "these goods until the hold is released.",
        )
        # Another product ships.
        other = self._sell(self.customer, 0.0 + 1, product=self.product_b)
        self.assertFalse(other.asq_hold_warning)

    def test_existing_reservation_released_at_activation(self):
        order = self._sell(self.customer, 3)
        move = order.picking_ids.move_ids
        self.assertEqual(move.move_line_ids.lot_id, self.lot1)
        hold = self._create_hold()
        hold.action_activate()
        self.assertFalse(move.move_line_ids)
        self.assertEqual(move.state, "confirmed")
        self.assertEqual(hold.affected_move_ids, move)
        self.assertIn("1 reservation(s) released", hold.message_ids[0].body)

    def test_validation_of_held_lot_refused(self):
        order = self._sell(self.customer, 3)
        picking = order.picking_ids
        picking.move_ids.picked = True
        hold = self._create_hold()
        hold.action_activate()
        # Picked goods keep their lines but cannot leave.
        self.assertFalse(hold.affected_move_ids)
        message = (
            f"{picking.name} cannot be validated: lot HL-1 of Test Glucometer is "
            f"under quality hold {hold.name}."
        )
        with self.assertRaises(UserError) as error:
            picking.button_validate()
        self.assertEqual(error.exception.args[0], message)
        with self.assertRaises(UserError) as error:
            picking.move_ids._action_done()
        self.assertEqual(error.exception.args[0], message)
        self.assertEqual(picking.state, "assigned")

    def test_nonconforming_keeps_the_block(self):
        hold = self._create_hold()
        hold.action_activate()
        self._verify(hold, "nonconforming")
        self.assertEqual(hold.state, "nonconforming")
        order = self._sell(self.customer, 3)
        self.assertFalse(order.picking_ids.move_ids.move_line_ids)
        with self.assertRaises(UserError):
            hold.with_user(self.qm).action_release()


@tagged("post_install", "-at_install", "asq_hold")
class TestHoldBuyers(HoldCommon):
    def _rows(self, hold):
        return {
            (b.partner_id, b.picking_id): (b.quantity, b.lot_ids)
            for b in hold.buyer_ids
        }

    def test_buyers_per_customer_and_delivery(self):
        hold = self._create_hold()
        hold.action_activate()
        self.assertEqual(
            self._rows(hold),
            {
                (self.customer, self.pick1): (5.0, self.lot1),
                (self.customer2, self.pick3): (4.0, self.lot1),
            },
        )
        self.assertEqual(hold.buyer_count, 2)
        whole = self._create_hold(lots=self.env["stock.lot"])
        whole.action_activate()
        self.assertEqual(
            self._rows(whole),
            {
                (self.customer, self.pick1): (8.0, self.lot1 | self.lot2),
                (self.customer2, self.pick2): (2.0, self.lot3),
                (self.customer2, self.pick3): (4.0, self.lot1),
            },
        )
        self.assertEqual(whole.buyer_count, 2)

    def test_notices_queued_and_resent(self):
        hold = self._create_hold()
        hold.action_activate()
        # Outgoing mails are the administrator's to read (the inspector only
        # reaches them while they are still in the transaction's cache).
        mails = hold.notice_ids.sudo().mail_id
        self.assertEqual(len(mails), 2)
        self.assertEqual(mails.recipient_ids, self.customer | self.customer2)
        self.assertTrue(all(m.state == "outgoing" for m in mails))
        self.assertIn("please stop selling", mails[0].subject)
        self.assertEqual(set(hold.notice_ids.mapped("kind")), {"stop"})
        line = hold.buyer_ids.filtered(lambda b: b.partner_id == self.customer)
        self.assertTrue(line.last_notice_date)
        line.with_user(self.inspector).action_resend_notice()
        self.assertEqual(len(hold.notice_ids), 3)
        self.assertEqual(
            len(hold.notice_ids.filtered(lambda n: n.partner_id == self.customer)), 2
        )
        with self.assertRaises(AccessError):
            line.with_user(self.sales).action_resend_notice()
        self._verify(hold, "conforming")
        hold.with_user(self.qm).action_release()
        resume = hold.notice_ids.filtered(lambda n: n.kind == "resume")
        self.assertEqual(resume.partner_id, self.customer | self.customer2)
        self.assertIn("resume selling", resume.sudo().mail_id[0].subject)


@tagged("post_install", "-at_install", "asq_hold")
class TestHoldVerification(HoldCommon):
    def test_release_deadline_met(self):
        self.qm.tz = "Asia/Shanghai"
        hold = self._create_hold()
        hold.action_activate()
        hold = self._verify(hold, "conforming")
        self.assertEqual(hold.state, "active")
        self.assertEqual(
            hold.release_deadline, hold.verified_date + timedelta(hours=24)
        )
        # The quality manager's to-do of the release, due at the release
        # deadline where the manager is.
        todo = hold.activity_ids.filtered(
            lambda a: a.asq_step == "release" and a.user_id == self.qm
        )
        self.assertEqual(len(todo), 1)
        self.assertEqual(
            todo.date_deadline,
            fields.Datetime.context_timestamp(
                self.qm.with_context(tz="Asia/Shanghai"), hold.release_deadline
            ).date(),
        )
        hold.with_user(self.qm).action_release()
        self.assertEqual(hold.release_on_time, "met")
        self.assertEqual(hold.released_user_id, self.qm)
        self.assertFalse(hold.activity_ids)
        self.assertIn("Quality hold released", hold.message_ids[0].body)

    def test_release_deadline_missed(self):
        hold = self._create_hold()
        hold.action_activate()
        self._verify(hold, "conforming")
        hold._workflow_write(
            {"verified_date": fields.Datetime.now() - timedelta(hours=25)}
        )
        hold.with_user(self.qm).action_release()
        self.assertEqual(hold.release_on_time, "missed")

    def test_verification_is_signed_once(self):
        hold = self._create_hold()
        hold.action_activate()
        with self.assertRaisesRegex(
            UserError, "Record the verification result and findings of"
        ):
            hold.action_verify()
        self._verify(hold, "conforming")
        with self.assertRaisesRegex(UserError, "is already verified"):
            hold.action_verify()
        with self.assertRaisesRegex(UserError, "The verification of .* is signed"):
            hold.verification_note = "Changed"
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            hold.write({"verified_user_id": self.sales.id})

    def test_nonconforming_proposes_returns_and_capa(self):
        # The second buyer sent back all its HL-1: no return request for it.
        self._return(self.pick3, {self.product: 4})
        hold = self._create_hold()
        hold.action_activate()
        self._verify(hold, "nonconforming")
        request = hold.return_ids
        self.assertEqual(request.partner_id, self.customer)
        self.assertEqual(request.state, "draft")
        self.assertEqual(request.line_ids.delivered_line_id.lot_id, self.lot1)
        self.assertEqual(request.line_ids.quantity, 5.0)
        self.assertEqual(request.line_ids.kind, "quality")
        self.assertEqual(request.line_ids.resolution, "refund")
        capa = hold.capa_id
        self.assertEqual(capa.source, "hold")
        self.assertEqual(capa.origin, hold.name)
        self.assertEqual(capa.lot_ids, self.lot1)
        self.assertEqual(capa.state, "draft")


@tagged("post_install", "-at_install", "asq_hold")
class TestHoldRoles(HoldCommon):
    def test_sales_user_cannot_open_or_release(self):
        with self.assertRaises(AccessError) as error:
            self._create_hold(user=self.sales)
        self.assertEqual(
            error.exception.args[0],
            "Only the quality department may open a quality hold.",
        )
        hold = self._create_hold()
        hold.action_activate()
        self._verify(hold, "conforming")
        with self.assertRaises(AccessError) as error:
            hold.with_user(self.sales).action_release()
        self.assertEqual(
            error.exception.args[0],
            "You are not allowed to do this step (Release): it needs the role "
            "Quality Manager.",
        )
        with self.assertRaises(AccessError):
            hold.with_user(self.inspector).action_release()
        # Sales, warehouse and finance read the hold.
        for login in ("asq_sales", "asq_warehouse", "asq_finance"):
            self.assertEqual(hold.with_user(self.users[login]).state, "active")
        with self.assertRaises(AccessError):
            hold.with_user(self.users["asq_employee"]).read(["state"])

    def test_double_click_refused(self):
        hold = self._create_hold()
        hold.action_activate()
        with self.assertRaisesRegex(UserError, "Activate is not possible on"):
            hold.action_activate()
        with self.assertRaisesRegex(UserError, "Use the workflow buttons"):
            hold.write({"state": "draft"})
        with self.assertRaisesRegex(UserError, "no longer a draft"):
            hold.write({"lot_ids": [Command.set(self.lot2.ids)]})

    def test_complaint_button(self):
        delivered = self.env["asq.delivered.line"].search(
            [("picking_id", "=", self.pick1.id), ("lot_id", "=", self.lot1.id)]
        )
        complaint = (
            self.env["asq.complaint"]
            .with_user(self.sales)
            .create(
                {
                    "partner_id": self.customer.id,
                    "channel": "email",
                    "category": "quality",
                    "description": "Readings drift",
                    "line_ids": [
                        Command.create(
                            {"delivered_line_id": delivered.id, "quantity": 1}
                        )
                    ],
                }
            )
        )
        with self.assertRaises(AccessError):
            complaint.with_user(self.sales).action_asq_quality_hold()
        action = complaint.with_user(self.inspector).action_asq_quality_hold()
        hold = complaint.hold_ids
        self.assertEqual(action["res_id"], hold.id)
        self.assertEqual(hold.state, "draft")
        self.assertEqual(hold.product_id, self.product)
        self.assertEqual(hold.lot_ids, self.lot1)
        self.assertEqual(hold.reason, "Readings drift")
        self.assertEqual(complaint.hold_count, 1)
        # Pressed again: the same draft hold opens.
        complaint.with_user(self.inspector).action_asq_quality_hold()
        self.assertEqual(complaint.hold_ids, hold)


@tagged("post_install", "-at_install", "asq_hold", "security")
class TestHoldCompanies(HoldCommon):
    def test_other_company_holds_are_invisible_and_do_not_block(self):
        company_b = self.env["res.company"].create({"name": "Hold Company B"})
        warehouse_b = self.env["stock.warehouse"].search(
            [("company_id", "=", company_b.id)], limit=1
        )
        hold_b = (
            self.env["asq.hold"]
            .with_company(company_b)
            .create(
                {
                    "product_id": self.product.id,
                    "company_id": company_b.id,
                    "reason": "Held in company B",
                }
            )
        )
        hold_b.action_activate()
        for login in ("asq_qm", "asq_sales", "asq_warehouse"):
            holds = self.env["asq.hold"].with_user(self.users[login]).search([])
            self.assertNotIn(hold_b, holds, login)
        # A hold of company B does not block company A's own deliveries of
        # the same (shared) product.
        self.assertTrue(warehouse_b)
        hold_a_product = self._sell(self.customer2, 1)
        picking = hold_a_product.picking_ids
        picking.action_assign()
        self.assertEqual(picking.state, "assigned")
