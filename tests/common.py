from contextlib import contextmanager
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import new_test_user

from odoo.addons.base.tests.common import BaseCommon

ASQ = "after_sales_quality."
# The administrator's exception to the warehouse gate (stock_move.py).
GATE_EXCEPTION = f"{ASQ}group_asq_return_gate_exception"

# Demo-free role users the tests log in as: login -> groups.
ROLE_GROUPS = {
    "asq_sales": f"{ASQ}group_asq_user,sales_team.group_sale_salesman",
    "asq_aftersales": f"{ASQ}group_asq_user_all",
    "asq_inspector": f"{ASQ}group_asq_inspector",
    "asq_qm": f"{ASQ}group_asq_manager",
    "asq_warehouse": f"{ASQ}group_asq_warehouse",
    "asq_finance": f"{ASQ}group_asq_finance",
    "asq_business": f"{ASQ}group_asq_business_head",
    "asq_gm": f"{ASQ}group_asq_general_manager",
    "asq_mgmt_rep": f"{ASQ}group_asq_mgmt_rep",
    "asq_employee": "base.group_user",
}


def registry_reachable():
    """A patcher letting threads other than the test's reach the registry
    (``Registry(db)``) under Odoo's own test runner too.

    ``odoo-bin --test-enable`` runs every test inside ``with Registry._lock``
    (``ThreadedServer.run``), so another thread asking for the registry waits
    for ever: the HTTP requests wkhtmltopdf makes for a PDF's assets, a
    second transaction's ``api.Environment``. Odoo's HttpCase swaps that lock
    for a dummy one when it enters test mode; this does the same swap without
    test mode (new cursors keep connections of their own). Under pytest-odoo
    nobody holds the lock and the swap changes nothing.
    """
    return patch.object(Registry, "_lock", DummyRLock())


class AsqCommon(BaseCommon):
    """Role users, a lot-tracked product, customers and helpers that deliver
    goods to them through real sale orders and pickings."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The PDFs rendered by wkhtmltopdf fetch their assets over HTTP.
        cls.startClassPatcher(registry_reachable())
        cls.company = cls.env.company
        cls.company.write(
            {
                "asq_exchange_ratio_cap": 5.0,
                "asq_return_days": 90,
                "asq_return_period_months": 12,
            }
        )
        cls.users = {
            login: new_test_user(
                cls.env,
                login=login,
                groups=groups,
                company_id=cls.company.id,
                company_ids=[Command.set(cls.company.ids)],
            )
            for login, groups in ROLE_GROUPS.items()
        }
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.product = cls._create_product("Test Glucometer", 100.0)
        cls.product_b = cls._create_product("Test Strips", 10.0)
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Kangtai Test Customer",
                "is_company": True,
                "asq_customer_class": "a",
                "asq_locality": "local",
                "asq_credit_level": "3",
            }
        )
        cls.customer_contact = cls.env["res.partner"].create(
            {"name": "Li Test", "parent_id": cls.customer.id}
        )

    @classmethod
    def _create_product(cls, name, price, tracking="lot"):
        return cls.env["product.product"].create(
            {
                "name": name,
                "type": "consu",
                "is_storable": True,
                "tracking": tracking,
                "list_price": price,
            }
        )

    @classmethod
    def _deliver(
        cls,
        partner,
        lines,
        date=None,
        warehouse=None,
        uom=None,
    ):
        """Sell and deliver ``lines`` [(product, qty, price, lot_name)] to
        ``partner``; return the done picking. ``date`` backdates it."""
        env = cls.env
        warehouse = warehouse or cls.warehouse
        order_lines = []
        for product, qty, price, lot_name in lines:
            lot = env["stock.lot"].create(
                {
                    "name": lot_name,
                    "product_id": product.id,
                    "company_id": warehouse.company_id.id,
                }
            )
            stock_qty = qty * (uom.factor_inv if uom else 1.0)
            env["stock.quant"]._update_available_quantity(
                product, warehouse.lot_stock_id, stock_qty, lot_id=lot
            )
            line_vals = {"product_id": product.id, "product_uom_qty": qty}
            if uom:
                line_vals["product_uom"] = uom.id
            line_vals["price_unit"] = price
            order_lines.append(Command.create(line_vals))
        order = (
            env["sale.order"]
            .with_company(warehouse.company_id)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": warehouse.company_id.id,
                    "warehouse_id": warehouse.id,
                    "order_line": order_lines,
                }
            )
        )
        order.action_confirm()
        picking = order.picking_ids
        picking.action_assign()
        picking.move_ids.picked = True
        picking.with_context(skip_backorder=True).button_validate()
        if date:
            picking.date_done = date
            picking.move_ids.date = date
            picking.move_line_ids.date = date
        return picking

    @classmethod
    @contextmanager
    def _gate_exception(cls, user):
        """``user`` holds the gate's exception group inside the block."""
        group = cls.env.ref(GATE_EXCEPTION)
        held = group in user.groups_id
        user.sudo().groups_id = [Command.link(group.id)]
        try:
            yield
        finally:
            if not held:
                user.sudo().groups_id = [Command.unlink(group.id)]

    @classmethod
    def _return(cls, picking, quantities):
        """Return ``quantities`` {product: qty} of ``picking`` through Odoo's
        return wizard and validate the return; return the return picking.
        Goods back from a customer without a return request: booked as the
        administrator's exception to the warehouse gate (logged), the way
        history outside the after-sales procedure is booked."""
        wizard = (
            cls.env["stock.return.picking"]
            .with_context(active_id=picking.id, active_model="stock.picking")
            .create({})
        )
        for line in wizard.product_return_moves:
            line.quantity = quantities.get(line.product_id, 0.0)
        action = wizard.action_create_returns()
        receipt = cls.env["stock.picking"].browse(action["res_id"])
        receipt.move_ids.picked = True
        with cls._gate_exception(cls.env.user):
            receipt.button_validate()
        return receipt

    @staticmethod
    def _months_ago(months):
        return fields.Datetime.now() - relativedelta(months=months)
