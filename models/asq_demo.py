import random

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

DEMO_CUSTOMERS = (
    "kangtai",
    "huaxin",
    "ruibang",
    "jinlong",
    "beifang",
    "xinda",
    "anjie",
    "mingde",
    "yongsheng",
    "hengtong",
    "lianhe",
    "dongfang",
    "pacific",
    "nordic",
    "zhongshan",
)
DEMO_PRODUCTS = (
    "glucometer",
    "strips",
    "infusion_pump",
    "oximeter",
    "brake_pad",
    "sensor",
)
# Orders per customer class over the 18 months of history.
ORDERS_PER_CLASS = {"a": 6, "b": 4, "c": 2}


class AsqDemo(models.AbstractModel):
    """Builds the demo company's sales history (demo data only)."""

    _name = "asq.demo"
    _description = "After-Sales Quality Demo Loader"

    @api.model
    def _load_demo_sales(self):
        """Confirmed sale orders with done, lot-tracked deliveries spread over
        the last 18 months, and a few customer returns, so that every feature
        has history to work on."""
        rng = random.Random(18)
        env = self.env
        env.ref("base.group_user").implied_ids |= env.ref("stock.group_production_lot")
        customers = [
            env.ref(f"after_sales_quality.asq_demo_customer_{xid}")
            for xid in DEMO_CUSTOMERS
        ]
        products = [
            env.ref(f"after_sales_quality.asq_demo_product_{xid}")
            for xid in DEMO_PRODUCTS
        ]
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", env.company.id)], limit=1
        )
        now = fields.Datetime.now()
        pickings = env["stock.picking"]
        for customer in customers:
            count = ORDERS_PER_CLASS[customer.asq_customer_class]
            for _index in range(count):
                date = now - relativedelta(
                    days=rng.randint(3, 540), hours=rng.randint(0, 8)
                )
                lines = rng.sample(products, rng.randint(1, 3))
                pickings |= self._demo_sell(customer, lines, date, warehouse, rng)
        self._demo_returns(pickings.sorted("date_done")[:40:8])
        return True

    @api.model
    def _demo_sell(self, customer, products, date, warehouse, rng):
        env = self.env
        order_lines = []
        for product in products:
            qty = 1 if product.tracking == "serial" else rng.choice((10, 20, 50, 100))
            self._demo_stock(product, qty, date, warehouse, rng)
            order_lines.append(
                fields.Command.create(
                    {
                        "product_id": product.id,
                        "product_uom_qty": qty,
                        "price_unit": round(
                            product.list_price * rng.uniform(0.85, 1.0), 2
                        ),
                    }
                )
            )
        order = env["sale.order"].create(
            {
                "partner_id": customer.id,
                "warehouse_id": warehouse.id,
                "order_line": order_lines,
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        picking.action_assign()
        picking.move_ids.picked = True
        picking.with_context(skip_backorder=True).button_validate()
        order.date_order = date
        picking.date_done = date
        picking.move_ids.write({"date": date})
        picking.move_line_ids.write({"date": date})
        return picking

    @api.model
    def _demo_stock(self, product, qty, date, warehouse, rng):
        prefix = product.default_code or "LOT"
        lot = self.env["stock.lot"].create(
            {
                "name": f"{prefix}-{date:%y%m%d}-{rng.randint(100, 999)}",
                "product_id": product.id,
            }
        )
        self.env["stock.quant"]._update_available_quantity(
            product, warehouse.lot_stock_id, qty, lot_id=lot
        )

    @api.model
    def _demo_returns(self, pickings):
        """Return part of a few deliveries through Odoo's return wizard."""
        for picking in pickings:
            wizard = (
                self.env["stock.return.picking"]
                .with_context(active_id=picking.id, active_model="stock.picking")
                .create({})
            )
            for line in wizard.product_return_moves:
                line.quantity = max(1, line.move_id.quantity // 10)
            action = wizard.action_create_returns()
            receipt = self.env["stock.picking"].browse(action["res_id"])
            receipt.move_ids.picked = True
            receipt.button_validate()
            receipt.date_done = picking.date_done + relativedelta(days=10)
