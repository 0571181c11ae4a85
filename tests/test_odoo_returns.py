from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import AsqCommon


@tagged("post_install", "-at_install", "asq_security")
class TestOdooReturns(AsqCommon):
    """The over-return check watches returns of customer deliveries only:
    Odoo's own returns (to a vendor, of a pick step) validate as in Odoo. A
    customer return outside a request is the gate's exception (its holder
    still cannot take back more than was delivered)."""

    def _return_wizard(self, picking, quantity):
        """Create (not validate) a return of ``quantity`` of each move of
        ``picking`` through Odoo's return wizard."""
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=picking.id, active_model="stock.picking")
            .create({})
        )
        for line in wizard.product_return_moves:
            line.quantity = quantity
        action = wizard.action_create_returns()
        return self.env["stock.picking"].browse(action["res_id"])

    def _validate(self, picking):
        picking.action_assign()
        picking.move_ids.picked = True
        picking.with_context(skip_backorder=True).button_validate()
        self.assertEqual(picking.state, "done")

    def test_vendor_receipt_returned_to_vendor(self):
        product = self._create_product("Test Bolt", 1.0, tracking="none")
        vendor = self.env["res.partner"].create({"name": "Test Vendor"})
        receipt_type = self.warehouse.in_type_id
        receipt = self.env["stock.picking"].create(
            {
                "partner_id": vendor.id,
                "picking_type_id": receipt_type.id,
                "location_id": self.env.ref("stock.stock_location_suppliers").id,
                "location_dest_id": receipt_type.default_location_dest_id.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": product.name,
                            "product_id": product.id,
                            "product_uom_qty": 10.0,
                            "product_uom": product.uom_id.id,
                        }
                    )
                ],
            }
        )
        receipt.action_confirm()
        self._validate(receipt)
        back = self._return_wizard(receipt, 4.0)
        self._validate(back)
        self.assertEqual(back.move_ids.location_dest_id.usage, "supplier")
        self.assertEqual(back.move_ids.quantity, 4.0)

    def test_two_step_delivery_pick_step_returned(self):
        self.warehouse.delivery_steps = "pick_ship"
        lot = self.env["stock.lot"].create(
            {"name": "PICK-1", "product_id": self.product.id}
        )
        self.env["stock.quant"]._update_available_quantity(
            self.product, self.warehouse.lot_stock_id, 10.0, lot_id=lot
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "warehouse_id": self.warehouse.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.product.id, "product_uom_qty": 10}
                    )
                ],
            }
        )
        order.action_confirm()
        pick = order.picking_ids.filtered(
            lambda p: p.picking_type_id == self.warehouse.pick_type_id
        )
        self.assertEqual(len(pick), 1)
        self._validate(pick)
        back = self._return_wizard(pick, 10.0)
        self._validate(back)
        self.assertEqual(back.move_ids.location_dest_id.usage, "internal")
        self.assertEqual(back.move_ids.quantity, 10.0)

    def test_customer_over_return_still_refused(self):
        delivery = self._deliver(self.customer, [(self.product, 10.0, 100.0, "OVR-1")])
        self._return(delivery, {self.product: 8.0})
        back = self._return_wizard(delivery, 5.0)
        back.action_assign()
        # Only 2 of lot OVR-1 are still at the customer: name the lot on the
        # lines the reservation left without one.
        back.move_line_ids.filtered(
            lambda ml: not ml.lot_id
        ).lot_id = delivery.move_line_ids.lot_id
        self.assertEqual(sum(back.move_line_ids.mapped("quantity")), 5.0)
        back.move_ids.picked = True
        with (
            self._gate_exception(self.env.user),
            self.assertRaisesRegex(UserError, "10.0 delivered, 13.0 already returned"),
        ):
            back.button_validate()
