from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.after_sales_quality.tests.common import AsqCommon

READERS = {
    "asq_sales",
    "asq_aftersales",
    "asq_inspector",
    "asq_qm",
    "asq_warehouse",
    "asq_finance",
    "asq_business",
    "asq_gm",
    "asq_mgmt_rep",
}
TERMS_EDITORS = {"asq_finance", "asq_business", "asq_gm"}
ARCHIVE_EDITORS = READERS - {"asq_sales", "asq_warehouse"}
MENU_USERS = READERS
REPORTING_USERS = READERS - {"asq_sales"}


@tagged("post_install", "-at_install", "asq_foundation", "security")
class TestFoundationRoles(AsqCommon):
    """Role x model x operation for what [1] ships."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._deliver(cls.customer, [(cls.product, 3, 100.0, "SEC-L1")])
        cls.line = cls.env["asq.delivered.line"].search(
            [("partner_id", "=", cls.customer.id)]
        )

    def test_delivered_goods_read_only_for_every_role(self):
        for login, user in self.users.items():
            with self.subTest(role=login):
                Line = self.env["asq.delivered.line"].with_user(user)
                if login in READERS:
                    lines = Line.search([("partner_id", "=", self.customer.id)])
                    self.assertEqual(lines.lot_id.name, "SEC-L1")
                else:
                    with self.assertRaises(AccessError):
                        Line.search([])
                for operation in ("create", "write", "unlink"):
                    self.assertFalse(
                        Line.has_access(operation), f"{login} may not {operation}"
                    )
                with self.assertRaises(AccessError):
                    self.line.with_user(user).unlink()
                with self.assertRaises(AccessError):
                    self.line.with_user(user).write({"quantity": 1})

    def _each_role(self, refused_vals, keeper):
        """For each role (a subtest), the customer as that role: a role not
        keeping the customer archive is refused writing ``refused_vals``;
        ``keeper(login, customer)`` checks the others."""
        for login, user in self.users.items():
            with self.subTest(role=login):
                customer = self.customer.with_user(user)
                if login not in ARCHIVE_EDITORS:
                    with self.assertRaises(AccessError):
                        customer.write(refused_vals)
                else:
                    keeper(login, customer)

    def test_contract_terms_only_by_finance_and_business_head(self):
        expected_error = "Only finance, the business head or an administrator"

        def keeper(login, customer):
            if login in TERMS_EDITORS:
                customer.write({"asq_credit_level": "2", "asq_custom_terms": True})
                self.assertEqual(self.customer.asq_credit_level, "2")
                customer.write({"asq_credit_level": "3", "asq_custom_terms": False})
                return
            for vals in (
                {"asq_credit_level": "1"},
                {"asq_custom_terms": True},
                {"asq_credit_level": False},
            ):
                with self.assertRaisesRegex(AccessError, expected_error):
                    customer.write(vals)
            with self.assertRaisesRegex(AccessError, expected_error):
                customer.create({"name": f"New {login}", "asq_exchange_ratio_cap": 9})
            self.assertEqual(self.customer.asq_credit_level, "3")

        self._each_role({"asq_credit_level": "1"}, keeper)

    def test_class_and_locality_by_the_archive_keepers(self):
        def keeper(_login, customer):
            customer.write({"asq_customer_class": "b", "asq_locality": "remote"})
            self.assertEqual(self.customer.asq_customer_class, "b")
            # Writing unchanged terms along with the class is not a change.
            customer.write({"asq_customer_class": "a", "asq_credit_level": "3"})

        self._each_role({"asq_customer_class": "c"}, keeper)

    def test_contact_creation_copies_terms_without_rights(self):
        contact = (
            self.env["res.partner"]
            .with_user(self.users["asq_aftersales"])
            .create({"name": "New Buyer Contact", "parent_id": self.customer.id})
        )
        self.assertEqual(contact.asq_credit_level, "3")

    def test_can_edit_flag_drives_the_form(self):
        for login, user in self.users.items():
            with self.subTest(role=login):
                self.assertEqual(
                    self.customer.with_user(user).asq_can_edit_contract_terms,
                    login in TERMS_EDITORS,
                )

    def test_settings_only_for_administrators(self):
        for login, user in self.users.items():
            with self.subTest(role=login), self.assertRaises(AccessError):
                self.env["res.config.settings"].with_user(user).create(
                    {"asq_return_days": 10}
                )
        self.assertEqual(self.company.asq_return_days, 90)

    def test_menus_by_role(self):
        root = self.env.ref("after_sales_quality.after_sales_quality_menu_root")
        reporting = self.env.ref("after_sales_quality.asq_menu_reporting")
        customers = self.env.ref("after_sales_quality.asq_menu_customers")
        for login, user in self.users.items():
            with self.subTest(role=login):
                visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
                self.assertEqual(root.id in visible, login in MENU_USERS)
                self.assertEqual(customers.id in visible, login in MENU_USERS)
                self.assertEqual(reporting.id in visible, login in REPORTING_USERS)

    def test_partner_form_hides_the_tab_from_other_employees(self):
        for login, visible in (("asq_sales", True), ("asq_employee", False)):
            arch = (
                self.env["res.partner"]
                .with_user(self.users[login])
                .get_views([(False, "form")])["views"]["form"]["arch"]
            )
            self.assertEqual('name="after_sales"' in arch, visible, login)
            self.assertEqual("action_asq_view_delivered_lines" in arch, visible, login)
