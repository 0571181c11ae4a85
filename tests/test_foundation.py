from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import float_compare

from odoo.addons.after_sales_quality.tests.common import AsqCommon

FIGURES = [
    "asq_capa_count",
    "asq_delivered_line_count",
    "asq_delivered_product_count",
    "asq_last_delivery_date",
    "asq_period_delivered_amount",
    "asq_period_returned_amount",
    "asq_period_return_ratio",
]


@tagged("post_install", "-at_install", "asq_foundation")
class TestCustomerArchive(AsqCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Inside the contract period: 10 x 100 + 50 x 10 = 1,500.
        cls.recent = cls._deliver(
            cls.customer,
            [
                (cls.product, 10, 100.0, "ARC-L1"),
                (cls.product_b, 50, 10.0, "ARC-L2"),
            ],
        )
        # Before the contract period (14 months ago): 5 x 120 = 600.
        cls.old = cls._deliver(
            cls.customer_contact,
            [(cls.product, 5, 120.0, "ARC-L0")],
            date=cls._months_ago(14),
        )
        # 2 of the 10 glucometers come back: 200 returned.
        cls._return(cls.recent, {cls.product: 2})

    def test_module_installed_with_roles_and_menus(self):
        module = self.env["ir.module.module"].search(
            [("name", "=", "after_sales_quality")]
        )
        self.assertEqual(module.state, "installed")
        category = self.env.ref(
            "after_sales_quality.module_category_after_sales_quality"
        )
        groups = self.env["res.groups"].search([("category_id", "=", category.id)])
        self.assertEqual(len(groups), 9, "one group per procedure role")
        self.assertTrue(all(groups.mapped("comment")), "every role says who it is")
        root = self.env.ref("after_sales_quality.after_sales_quality_menu_root")
        self.assertTrue(root.web_icon)

    def test_demo_data_loaded(self):
        """The harness installs with demo data; a demo loader that fails
        would only log a warning, so the test proves it loaded."""
        module = self.env["ir.module.module"].search(
            [("name", "=", "after_sales_quality")]
        )
        self.assertTrue(module.demo, "installed with its demo data")
        customers = self.env["res.partner"].search(
            [
                (
                    "id",
                    "in",
                    [
                        self.env.ref(f"after_sales_quality.asq_demo_customer_{xid}").id
                        for xid in ("kangtai", "jinlong", "hengtong", "pacific")
                    ],
                )
            ]
        )
        self.assertEqual(
            sorted(customers.mapped("asq_customer_class")), ["a", "a", "c", "c"]
        )
        self.assertEqual(set(customers.mapped("asq_locality")), {"local", "remote"})
        self.assertTrue(all(customers.mapped("asq_credit_level")))
        self.assertTrue(all(customers.mapped("asq_delivered_line_count")))
        for login in ("sales", "quality_manager", "finance", "management_rep"):
            self.assertTrue(
                self.env["res.users"].search([("login", "=", login)]), login
            )
        demo_complaints = self.env["asq.complaint"].search(
            [("partner_id", "in", customers.ids)]
        )
        self.assertIn("closed", demo_complaints.mapped("state"))
        self.assertTrue(demo_complaints.filtered("is_repeat").capa_ids)
        self.assertTrue(demo_complaints.return_ids, "exchange disposition → request")
        capa_states = self.env["asq.capa"].search([]).mapped("state")
        self.assertIn("closed", capa_states)
        self.assertIn("action", capa_states)

    def test_archive_figures_from_deliveries(self):
        customer = self.customer
        self.assertEqual(customer.asq_delivered_line_count, 3)
        self.assertEqual(customer.asq_delivered_product_count, 2)
        self.assertEqual(customer.asq_period_delivered_amount, 1500.0)
        self.assertEqual(customer.asq_period_returned_amount, 200.0)
        self.assertAlmostEqual(customer.asq_period_return_ratio, 200 / 1500 * 100)
        # the date the goods left (its move lines; the picking's done date
        # may be a second later)
        self.assertEqual(
            customer.asq_last_delivery_date,
            max(self.recent.move_line_ids.mapped("date")),
        )

    def test_contact_shows_its_company_figures(self):
        contact = self.customer_contact
        self.assertEqual(contact.asq_delivered_line_count, 3)
        self.assertEqual(contact.asq_period_delivered_amount, 1500.0)
        self.assertEqual(
            contact.asq_customer_class, "a", "archive fields are commercial"
        )

    def test_contract_period_is_configurable(self):
        self.company.asq_return_period_months = 24
        self.env.invalidate_all()
        self.assertEqual(self.customer.asq_period_delivered_amount, 2100.0)
        self.assertAlmostEqual(self.customer.asq_period_return_ratio, 200 / 2100 * 100)

    def test_delivered_lines_per_lot_with_returns(self):
        lines = self.env["asq.delivered.line"].search(
            [("partner_id", "=", self.customer.id)]
        )
        by_lot = {line.lot_id.name: line for line in lines}
        self.assertEqual(set(by_lot), {"ARC-L0", "ARC-L1", "ARC-L2"})
        l1 = by_lot["ARC-L1"]
        self.assertEqual(
            (l1.quantity, l1.returned_qty, l1.remaining_qty), (10.0, 2.0, 8.0)
        )
        self.assertEqual((l1.amount, l1.returned_amount), (1000.0, 200.0))
        self.assertEqual(l1.sale_order_id, self.recent.sale_id)
        self.assertEqual(l1.picking_id, self.recent)
        self.assertEqual(by_lot["ARC-L0"].delivery_partner_id, self.customer_contact)
        self.assertEqual(by_lot["ARC-L0"].partner_id, self.customer)

    def test_price_converted_from_sale_unit(self):
        dozen = self.env.ref("uom.product_uom_dozen")
        customer = self.env["res.partner"].create({"name": "Dozen Buyer"})
        self._deliver(customer, [(self.product, 2, 1200.0, "DZ-1")], uom=dozen)
        lines = self.env["asq.delivered.line"].search(
            [("partner_id", "=", customer.id)]
        )
        self.assertEqual(
            sum(lines.mapped("quantity")), 24.0, "quantities in the product's unit"
        )
        self.assertEqual(set(lines.mapped("price_unit")), {100.0})
        self.assertEqual(customer.asq_period_delivered_amount, 2400.0)

    def test_effective_return_terms(self):
        customer = self.customer
        self.assertEqual(customer.asq_effective_exchange_ratio_cap, 5.0)
        self.assertEqual(customer.asq_effective_return_days, 90)
        customer.write(
            {
                "asq_custom_terms": True,
                "asq_exchange_ratio_cap": 8.0,
                "asq_return_days": 120,
            }
        )
        self.assertEqual(customer.asq_effective_exchange_ratio_cap, 8.0)
        self.assertEqual(self.customer_contact.asq_effective_return_days, 120)
        self.assertEqual(
            self.customer_contact.asq_exchange_ratio_cap, 8.0, "synced to contacts"
        )

    def test_bad_terms_refused(self):
        with self.assertRaisesRegex(
            ValidationError,
            "The exchange ratio cap of Kangtai Test Customer must lie between 0 and "
            "100 %.",
        ):
            self.customer.write(
                {"asq_custom_terms": True, "asq_exchange_ratio_cap": 120}
            )
        with self.assertRaisesRegex(ValidationError, "at least one month"):
            self.company.asq_return_period_months = 0
        other = self.env["res.partner"].create({"name": "Other", "is_company": True})
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            other.asq_return_days = -1

    def test_settings_write_company_defaults(self):
        settings = self.env["res.config.settings"].create(
            {"asq_exchange_ratio_cap": 7.5, "asq_return_days": 30}
        )
        settings.execute()
        self.assertEqual(self.company.asq_exchange_ratio_cap, 7.5)
        self.assertEqual(self.customer.asq_effective_return_days, 30)

    def test_smart_button_opens_delivered_goods(self):
        action = self.customer_contact.action_asq_view_delivered_lines()
        self.assertEqual(action["res_model"], "asq.delivered.line")
        lines = self.env["asq.delivered.line"].search(action["domain"])
        self.assertEqual(len(lines), 3)

    def test_counters_cost_the_same_for_1_and_50_partners(self):
        partners = self.customer | self.env["res.partner"].create(
            [{"name": f"Batch customer {i}"} for i in range(49)]
        )
        self._deliver(partners[7], [(self.product, 1, 100.0, "BATCH-7")])

        user_env = self.env(user=self.users["asq_sales"])
        # Odoo keeps environments weakly and each reads its user's company
        # once: keep the ones the read uses (the monetary fields round in
        # the currency through a sudo one) so that a count is the records'
        # queries, not a new environment's first look at its company.
        envs = [
            user_env,
            user_env(su=True),
            user_env(su=True, context={**user_env.context, "prefetch_fields": False}),
        ]

        def queries_for(records):
            # Run pending writes and precommit hooks (bus notifications of
            # earlier group changes) before counting.
            self.env.cr.flush()
            self.env.invalidate_all()
            for env in envs:
                env.company.ensure_one()
            records = records.with_env(user_env)
            # This cursor's queries only: the process-wide counter also
            # counts the test HTTP server's and the bus's threads.
            before = self.env.cr.sql_log_count
            records.read(FIGURES)
            return self.env.cr.sql_log_count - before

        queries_for(partners[:1])  # warm the registry caches
        one = queries_for(partners[:1])
        fifty = queries_for(partners)
        self.assertEqual(one, fifty, "counters are one grouped read per batch")
        self.assertLessEqual(fifty, 8)
        self.env.cr.flush()
        with self.assertQueryCount(one):
            self.env.invalidate_all()
            partners.with_user(self.users["asq_sales"]).read(FIGURES)


@tagged("post_install", "-at_install", "asq_foundation")
class TestCustomerArchiveMultiCompany(AsqCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "ASQ Company B"})
        cls.warehouse_b = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company_b.id)], limit=1
        )
        cls.user_b = cls.users["asq_sales"].copy(
            {
                "login": "asq_sales_b",
                "company_id": cls.company_b.id,
                "company_ids": [fields.Command.set(cls.company_b.ids)],
            }
        )
        cls.env.user.company_ids |= cls.company_b
        cls._deliver(cls.customer, [(cls.product, 4, 100.0, "MC-A")])
        cls._deliver(
            cls.customer, [(cls.product, 3, 50.0, "MC-B")], warehouse=cls.warehouse_b
        )

    def test_each_company_sees_its_own_figures(self):
        customer_a = self.customer.with_user(self.users["asq_sales"])
        customer_b = self.customer.with_user(self.user_b)
        self.assertEqual(customer_a.asq_delivered_line_count, 1)
        self.assertEqual(customer_a.asq_period_delivered_amount, 400.0)
        self.assertEqual(customer_b.asq_delivered_line_count, 1)
        self.assertEqual(customer_b.asq_period_delivered_amount, 150.0)
        lots_b = (
            self.env["asq.delivered.line"]
            .with_user(self.user_b)
            .search([])
            .mapped("lot_id.name")
        )
        self.assertEqual(lots_b, ["MC-B"])

    def test_user_of_both_companies_chooses_with_the_switcher(self):
        both = self.env["res.partner"].with_context(
            allowed_company_ids=[self.company.id, self.company_b.id]
        )
        customer = both.browse(self.customer.id)
        self.assertEqual(customer.asq_delivered_line_count, 2)
        self.assertEqual(
            float_compare(customer.asq_period_delivered_amount, 550.0, 2), 0
        )

    def test_company_defaults_per_company(self):
        self.company_b.asq_exchange_ratio_cap = 2.0
        customer = self.customer.with_company(self.company_b)
        self.assertEqual(customer.asq_effective_exchange_ratio_cap, 2.0)
        self.assertEqual(
            self.customer.with_company(self.company).asq_effective_exchange_ratio_cap,
            5.0,
        )
        with self.assertRaises(AccessError):
            self.company_b.with_user(self.user_b).asq_exchange_ratio_cap = 50.0
