# The demo is Chinese, with its full-width punctuation.
# ruff: noqa: RUF001, RUF003
import re
from datetime import datetime

from odoo.tests import TransactionCase, tagged

from odoo.addons.after_sales_quality.models.asq_demo import DEMO_CUSTOMER_PRODUCTS

MODULE = "after_sales_quality"
STAFF = (
    "sales",
    "aftersales",
    "inspector",
    "quality_manager",
    "warehouse",
    "finance",
    "business_head",
    "general_manager",
    "management_rep",
)


@tagged("post_install", "-at_install", "asq_ux")
class TestChineseDemo(TransactionCase):
    """The demo looks like its users: a Chinese company and its customers."""

    def _ref(self, xid):
        return self.env.ref(f"{MODULE}.{xid}")

    def test_company_is_chinese(self):
        company = self.env.ref("base.main_company")
        self.assertEqual(company.name, "苏州华瑞医疗器械有限公司")
        self.assertEqual(company.country_id, self.env.ref("base.cn"))
        self.assertEqual(company.state_id.name, "江苏省")
        # 统一社会信用代码: 18 characters
        self.assertRegex(company.company_registry, r"^[0-9A-Z]{18}$")
        calendar = company.resource_calendar_id
        self.assertEqual(calendar, self._ref("asq_demo_calendar"))
        self.assertEqual(calendar.tz, "Asia/Shanghai")
        self.assertEqual(calendar.hours_per_day, 8.0)
        # The week (the dated 调休 working weekend days apart).
        self.assertEqual(
            sorted(
                set(
                    calendar.attendance_ids.filtered(lambda a: not a.date_from).mapped(
                        "dayofweek"
                    )
                )
            ),
            ["0", "1", "2", "3", "4"],
        )

    def test_public_holidays_are_not_working_days(self):
        calendar = self.env.ref("base.main_company").resource_calendar_id
        # Saturday 14 February 2026 (worked: 调休), 16:00 in Shanghai, plus
        # one working day: 春节 runs from the 15th to the 23rd, so Tuesday
        # 24th, 16:00.
        self.assertEqual(
            calendar._asq_plan_working_days(datetime(2026, 2, 14, 8, 0), 1),
            datetime(2026, 2, 24, 8, 0),
        )
        # Wednesday 30 September 2026: 国庆节 1-7 October, Thursday 8th.
        self.assertEqual(
            calendar._asq_plan_working_days(datetime(2026, 9, 30, 8, 0), 1),
            datetime(2026, 10, 8, 8, 0),
        )
        # Thursday 31 December 2026, 16:00: New Year's Day 2027 off, the
        # next working day is Monday 4 January.
        self.assertEqual(
            calendar._asq_plan_working_days(datetime(2026, 12, 31, 8, 0), 1),
            datetime(2027, 1, 4, 8, 0),
        )
        # An ordinary week: Thursday 16:00 plus one day is Friday 16:00.
        self.assertEqual(
            calendar._asq_plan_working_days(datetime(2026, 11, 19, 8, 0), 1),
            datetime(2026, 11, 20, 8, 0),
        )
        names = set(calendar.global_leave_ids.mapped("name"))
        for holiday in (
            "元旦",
            "春节",
            "清明节",
            "劳动节",
            "端午节",
            "中秋节",
            "国庆节",
        ):
            self.assertIn(f"{holiday} 2026", names)

    def test_quality_department_and_its_people(self):
        department = self._ref("asq_demo_department_quality")
        self.assertEqual(department.with_context(lang="zh_CN").name, "质量部")
        self.assertEqual(
            department.with_context(lang="en_US").name, "Quality Department"
        )
        self.assertEqual(
            department.manager_id.user_id, self._ref("asq_demo_user_quality_manager")
        )
        self.assertEqual(
            set(department.member_ids.mapped("user_id.login")),
            {"quality_manager", "inspector", "management_rep"},
        )

    def test_every_signer_of_a_return_finds_one_waiting(self):
        """Walked through as each role, the demo has a return request
        waiting for each signer, and receipts for the warehouse to book."""
        Return = self.env["asq.return"]
        for login in ("aftersales", "finance", "business_head", "inspector"):
            user = self.env["res.users"].search([("login", "=", login)])
            mine = Return.with_user(user)
            self.assertTrue(mine.search_count(mine._asq_waiting_domain()), login)
        receipts = self.env["stock.picking"].search(
            [
                ("asq_return_role", "=", "receipt"),
                ("state", "not in", ("done", "cancel")),
            ]
        )
        self.assertTrue(receipts, "a receipt to receive")

    def test_warehouse_supervisor_reaches_returned_goods(self):
        """The demo's 仓库主管 administers Inventory: Reporting > Returned
        Goods is in their menu."""
        user = self.env.ref("after_sales_quality.asq_demo_user_warehouse")
        visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
        menu = self.env.ref("after_sales_quality.asq_stock_menu_returned_goods")
        while menu:
            self.assertIn(menu.id, visible, menu.complete_name)
            menu = menu.parent_id

    def test_languages(self):
        """Staff work in Chinese, the administrator in English; both
        languages are installed so anyone can switch."""
        self.assertEqual(
            set(self.env["res.lang"].search([]).mapped("code")) & {"en_US", "zh_CN"},
            {"en_US", "zh_CN"},
        )
        self.assertEqual(self.env.ref("base.user_admin").lang, "en_US")
        staff = self.env["res.users"].search([("login", "in", STAFF)])
        self.assertEqual(len(staff), len(STAFF))
        self.assertEqual(set(staff.mapped("lang")), {"zh_CN"})
        self.assertEqual(set(staff.mapped("tz")), {"Asia/Shanghai"})
        self.assertTrue(
            all(re.search(r"[\u4e00-\u9fff]", n) for n in staff.mapped("name"))
        )

    def test_customers_buy_the_products_of_their_trade(self):
        for xid, trade in DEMO_CUSTOMER_PRODUCTS.items():
            customer = self._ref(f"asq_demo_customer_{xid}")
            bought = (
                self.env["asq.delivered.line"]
                .search([("partner_id", "child_of", customer.id)])
                .product_id
            )
            products = self.env["product.product"].browse(
                [self._ref(f"asq_demo_product_{p}").id for p in trade]
            )
            self.assertTrue(bought, customer.name)
            self.assertLessEqual(bought, products, customer.name)
            if customer.country_id.code == "CN":
                self.assertRegex(customer.name, r"有限公司$")

    def test_products_and_complaints_in_chinese(self):
        meter = self._ref("asq_demo_product_glucometer")
        self.assertEqual(meter.with_context(lang="zh_CN").name, "血糖仪 GM-300")
        self.assertEqual(
            meter.with_context(lang="en_US").name, "Blood Glucose Meter GM-300"
        )
        complaints = self.env["asq.complaint"].search(
            [("partner_id", "=", self._ref("asq_demo_customer_kangtai").id)]
        )
        self.assertTrue(complaints)
        aftersales = self._ref("asq_demo_user_aftersales")
        for complaint in complaints:
            self.assertRegex(complaint.description, r"[\u4e00-\u9fff]")
            # registered by the after-sales section, its to-dos in the
            # language of whom they are for: Chinese for the staff (the
            # administrator, in English, reads English)
            self.assertEqual(complaint.user_id, aftersales)
            for activity in complaint.activity_ids:
                self.assertRegex(
                    activity.summary or "",
                    r"^$|[\u4e00-\u9fff]"
                    if activity.user_id.lang == "zh_CN"
                    else r"^[ -~]*$",
                    activity.user_id.login,
                )
