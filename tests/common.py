from contextlib import contextmanager
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import UserError
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

# Two customers' answers to the satisfaction survey (index 600 / 8 = 75).
SURVEY_ANSWERS = [
    {
        "quality": "very_satisfied",
        "delivery": "satisfied",
        "service": "neutral",
        "price": "not_very_satisfied",
    },
    {
        "quality": "satisfied",
        "delivery": "satisfied",
        "service": "very_satisfied",
        "price": "neutral",
    },
]


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


def validate_picking(picking):
    """Book all ``picking`` moves as done, without a backorder."""
    picking.move_ids.picked = True
    picking.with_context(skip_backorder=True).button_validate()


def db_state(record):
    """``record``'s state as the database holds it (what the ORM still
    had to write written first, its cache dropped)."""
    record.env.invalidate_all()
    record.env.cr.execute(
        f'SELECT state FROM "{record._table}" WHERE id = %s', [record.id]
    )
    return record.env.cr.fetchone()[0]


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
        validate_picking(picking)
        if date:
            picking.date_done = date
            picking.move_ids.date = date
            picking.move_line_ids.date = date
        return picking

    @classmethod
    def _create_as(cls, user, model, values):
        """A ``model`` record created by ``user``, returned as that user's."""
        return cls.env[model].with_user(user).create(values).with_user(user)

    @classmethod
    def _delivered_lines(cls, picking):
        """The delivered lines ``picking`` made."""
        return cls.env["asq.delivered.line"].search([("picking_id", "=", picking.id)])

    @classmethod
    def _return_request(cls, partner, lines, user=None, **line_vals):
        """A return request of ``partner`` for ``lines`` [(delivered line,
        quantity)], made by ``user`` (else the test's user) and returned in
        the test's environment. ``line_vals`` complete every line: unsaleable
        goods that do not sell unless said otherwise."""
        line_vals = {"kind": "unsaleable", "reason": "Slow seller", **line_vals}
        Return = cls.env["asq.return"]
        if user:
            Return = Return.with_user(user)
        ret = Return.create(
            {
                "partner_id": partner.id,
                "line_ids": [
                    Command.create(
                        {"delivered_line_id": delivered.id, "quantity": qty} | line_vals
                    )
                    for delivered, qty in lines
                ],
            }
        )
        return ret.with_env(cls.env)

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

    def _sql(self, query, params=None):
        """Write ``query`` in the database under the ORM's feet, as someone
        with SQL access would (what the ORM still had to write written
        first, its cache dropped after)."""
        self.env.flush_all()
        self.env.cr.execute(query, params)
        self.env.invalidate_all()

    def _fill_and_press(self, record, user, vals, action):
        """As ``user``: enter ``vals`` on ``record``, then press its button
        ``action``; the record returned as that user's."""
        record = record.with_user(user)
        record.write(vals)
        getattr(record, action)()
        return record

    def _refused_until(self, record, action, message, **vals):
        """The button ``action`` of ``record`` is refused with ``message`` (a
        regular expression) until ``vals`` are entered; then it runs."""
        with self.assertRaisesRegex(UserError, message):
            getattr(record, action)()
        record.write(vals)
        getattr(record, action)()

    def _assert_cancelled(self, record, reason, login):
        """``record`` is cancelled for ``reason``, signed by ``login``."""
        self.assertEqual(
            (record.state, record.cancel_reason, record.cancelled_user_id),
            ("cancel", reason, self.users[login]),
        )

    def _html(self, report, records):
        """``report`` (an xml id) of ``records`` as HTML text."""
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            report, records.ids
        )
        return html.decode()

    def _assert_pdf(self, report, records):
        """``report`` (an xml id) prints ``records`` as a real PDF file."""
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report, records.ids)
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))

    @staticmethod
    def _months_ago(months):
        return fields.Datetime.now() - relativedelta(months=months)
