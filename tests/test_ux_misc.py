# The demo calendar's holidays are named in Chinese.
# ruff: noqa: RUF001, RUF003
from datetime import datetime
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools.translate import code_translations

from odoo.addons.after_sales_quality.tests.test_capa import CapaCommon
from odoo.addons.after_sales_quality.tests.test_ux_handoffs import HandoffMixin
from odoo.addons.after_sales_quality.tests.test_ux_salesinv import SalesInvCommon

MODULE = "after_sales_quality"


@tagged("post_install", "-at_install", "asq_ux")
class TestReturnTypeNameInNewLanguage(SalesInvCommon):
    """A language installed after the warehouses were made names their
    "Customer Returns" operation types too."""

    def _inactive_lang(self):
        lang = (
            self.env["res.lang"]
            .with_context(active_test=False)
            .search(
                [("code", "in", ("fr_FR", "de_DE", "es_ES")), ("active", "=", False)],
                limit=1,
            )
        )
        self.assertTrue(lang, "a language not installed yet")
        return lang.code

    def test_language_activated_later_names_the_types(self):
        code = self._inactive_lang()
        own = self.warehouse.asq_return_type_id
        renamed = (
            self.env["stock.warehouse"]
            .create({"name": "Renamed Returns WH", "code": "RRW"})
            .asq_return_type_id
        )
        renamed.with_context(lang="en_US").name = "RMA intake"
        self.assertEqual(own.with_context(lang="en_US").name, "Customer Returns")
        self.assertEqual(own.with_context(lang="zh_CN").name, "客户退货")
        # The addon's term in that language (its .po file, as Odoo reads
        # it): the types made before must read it once it is installed.
        term = {"Customer Returns": "Retours clients"}
        with patch.dict(code_translations.python_translations, {(MODULE, code): term}):
            # (without a name in it, the type would read its English one)
            self.env["res.lang"]._activate_lang(code)
            own.invalidate_recordset(["name"])
            self.assertEqual(own.with_context(lang=code).name, "Retours clients")
            # A name the users gave is theirs: not overwritten.
            renamed.invalidate_recordset(["name"])
            self.assertEqual(renamed.with_context(lang=code).name, "RMA intake")
        # The other languages are left as they were.
        self.assertEqual(own.with_context(lang="zh_CN").name, "客户退货")
        self.assertEqual(own.with_context(lang="en_US").name, "Customer Returns")


@tagged("post_install", "-at_install", "asq_ux")
class TestOverviewCardCounts(SalesInvCommon):
    """The Customer Returns cards of the Inventory Overview: one grouped read
    for all the cards, whatever the number of warehouses."""

    def _compute(self, types):
        self.env.invalidate_all()
        types = types.with_user(self.warehouse_user)
        return {t.id: (t.asq_count_waiting_qc, t.asq_count_to_putaway) for t in types}

    def test_counts_right_and_flat_in_the_warehouses(self):
        # A request received into QC and one inspected, its goods to put away.
        received = self._create_return(qty=2.0)
        self._approve(received)
        self._receive(received)
        inspected = self._create_return(qty=1.0)
        self._approve(inspected)
        self._receive(inspected)
        self._qc(inspected)
        others = self.env["stock.warehouse"].create(
            [{"name": f"Returns WH {i}", "code": f"RW{i}"} for i in range(3)]
        )
        one = self.warehouse.asq_return_type_id
        four = one | others.asq_return_type_id
        self.assertEqual(len(four), 4)
        figures = self._compute(four)
        # Each card says what the per-card count says (the user's rights).
        Return = self.env["asq.return"].with_user(self.warehouse_user)
        Picking = self.env["stock.picking"].with_user(self.warehouse_user)
        for picking_type in four:
            self.assertEqual(
                figures[picking_type.id],
                (
                    Return.search_count(picking_type._asq_waiting_qc_domain()),
                    Picking.search_count(picking_type._asq_to_putaway_domain()),
                ),
                picking_type.warehouse_id.name,
            )
        self.assertGreaterEqual(figures[one.id][0], 1)
        self.assertGreaterEqual(figures[one.id][1], 1)
        for picking_type in others.asq_return_type_id:
            self.assertEqual(figures[picking_type.id], (0, 0))
        # The queries: as many for four cards as for one.
        self._compute(one)  # (caches of the access rules warmed up)
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        self._compute(one)
        for_one = self.env.cr.sql_log_count - start
        with self.assertQueryCount(for_one):
            self._compute(four)


@tagged("post_install", "-at_install", "asq_ux")
class TestCapaActionDepartmentHead(HandoffMixin, CapaCommon):
    """The head of a CAPA action's department gets the to-do of confirming
    the action for the department once its owner marked it done."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.packer_head = new_test_user(
            cls.env,
            login="asq_packaging_head",
            groups="base.group_user",
            lang="zh_CN",
            tz="Asia/Shanghai",
        )
        cls.packaging = cls.env["hr.department"].create(
            {
                "name": "Packaging",
                "manager_id": cls.env["hr.employee"]
                .create({"name": "Head of Packaging", "user_id": cls.packer_head.id})
                .id,
            }
        )

    def _planned(self, department=None):
        capa = self._create_capa()
        capa.action_start_analysis()
        action = self._add_action(capa, "Double-seal the strip pouches")
        if department:
            action.with_user(self.inspector).department_id = department
        capa.action_plan()
        self.assertEqual(capa.state, "action")
        return capa, action

    def test_head_gets_the_todo_in_their_language_and_closes_it(self):
        capa, action = self._planned(self.packaging)
        self.assertFalse(self._todos(capa, "department_confirm"), "not while open")
        with self.assertRaises(UserError):
            action.with_user(self.packer_head).action_department_confirm()
        self._done(action)
        todo = self._todos(capa, "department_confirm")
        self.assertEqual(todo.user_id, self.packer_head)
        self.assertEqual(
            todo.summary, "请为本部门确认纠正预防措施项：Double-seal the strip pouches"
        )
        # The head, an employee with no after-sales role, sees the CAPA and
        # the to-do in the activity menu.
        groups = (
            self.env["res.users"].with_user(self.packer_head)._get_activity_groups()
        )
        self.assertIn("asq.capa", [g["model"] for g in groups])
        self.assertTrue(action.with_user(self.packer_head).can_department_confirm)
        # Not the action's department head: refused, whatever their role
        # (the owner; the head of the CAPA's responsible department).
        for user in (self.owner, self.head, self.inspector):
            self.assertFalse(action.with_user(user).can_department_confirm, user.login)
            with (
                self.assertRaisesRegex(AccessError, "not allowed to do this step"),
                self.env.cr.savepoint(),
            ):
                action.with_user(user).with_context(
                    lang="en_US"
                ).action_department_confirm()
        self.assertFalse(action.department_confirm_user_id)
        action.with_user(self.packer_head).action_department_confirm()
        self.assertEqual(action.department_confirm_user_id, self.packer_head)
        self.assertTrue(action.department_confirm_date)
        self.assertEqual(action.state, "done")
        self.assertFalse(self._todos(capa, "department_confirm"), "the to-do closed")
        self.assertTrue(
            capa.message_ids.filtered(
                lambda m: m.mail_activity_type_id.id
                == self.env.ref("after_sales_quality.mail_activity_type_asq_sign").id
                and m.author_id == self.packer_head.partner_id
            ),
            "marked done by the head",
        )
        with self.assertRaisesRegex(UserError, "confirmed for its department already"):
            action.with_user(self.packer_head).with_context(
                lang="en_US"
            ).action_department_confirm()

    def test_verification_waits_for_the_other_department_head(self):
        """004 §3.3 「责任单位:负责不良原因调查、对策提出与处置」: an action
        another department carried out goes to verification once that
        department's head confirmed it; the 8D shows who confirmed."""
        capa, action = self._planned(self.packaging)
        self._done(action)
        capa.with_user(self.head).action_department_signoff()
        with self.assertRaisesRegex(
            UserError,
            "department heads have not confirmed these actions of "
            f"{capa.name}: Double-seal the strip pouches",
        ):
            capa.with_user(self.inspector).with_context(
                lang="en_US"
            ).action_request_verification()
        self.assertEqual(capa.state, "action")
        action.with_user(self.packer_head).action_department_confirm()
        capa.with_user(self.inspector).action_request_verification()
        self.assertEqual(capa.state, "verification")
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "after_sales_quality.asq_capa_report_8d", capa.ids
        )
        self.assertIn("Confirmed for the Department", html.decode())
        self.assertIn(self.packer_head.name, html.decode())

    def test_action_without_department_goes_to_the_capa_department_head(self):
        capa, action = self._planned()
        self._done(action)
        todo = self._todos(capa, "department_confirm")
        self.assertEqual(todo.user_id, self.head)
        self.assertEqual(
            todo.summary,
            action.with_context(lang=self.head.lang or "en_US")._asq_todo_summary(
                "department_confirm"
            ),
        )
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            action.with_user(self.packer_head).action_department_confirm()
        action.with_user(self.head).action_department_confirm()
        self.assertEqual(action.department_confirm_user_id, self.head)
        self.assertFalse(self._todos(capa, "department_confirm"))


@tagged("post_install", "-at_install", "asq_ux")
class TestDemoCalendarMakeupDays(TransactionCase):
    """China's 调休 working weekend days and the 2027 statutory holidays on
    the demo calendar."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls.env.ref(f"{MODULE}.asq_demo_calendar")
        # The same week and holidays without the dated working days.
        cls.plain = cls.calendar.copy()
        cls.plain.attendance_ids.filtered("date_from").unlink()

    def test_hours_per_day_stay_the_working_day(self):
        self.assertEqual(self.calendar.hours_per_day, 8.0)
        dated = self.calendar.attendance_ids.filtered("date_from")
        # 5 days in 2025, 6 in 2026, morning and afternoon each.
        self.assertEqual(len(dated), 22)
        self.assertEqual(
            sorted({str(d) for d in dated.mapped("date_from")})[:2],
            ["2025-01-26", "2025-02-08"],
        )

    def test_makeup_saturday_is_a_working_day(self):
        # Friday 8 May 2026, 16:00 in Shanghai, plus one working day:
        # Saturday 9th is worked (调休 of 劳动节), so Saturday 16:00...
        friday = datetime(2026, 5, 8, 8, 0)
        self.assertEqual(
            self.calendar._asq_plan_working_days(friday, 1), datetime(2026, 5, 9, 8, 0)
        )
        self.assertEqual(
            self.calendar._asq_plan_working_days_batch([(friday, 1), (friday, 2)]),
            [datetime(2026, 5, 9, 8, 0), datetime(2026, 5, 11, 8, 0)],
        )
        # ... a working day earlier than on the calendar without it.
        self.assertEqual(
            len(self.plain.global_leave_ids), len(self.calendar.global_leave_ids)
        )
        self.assertEqual(
            self.plain._asq_plan_working_days(friday, 1), datetime(2026, 5, 11, 8, 0)
        )
        # Sunday 28 September 2025 too (调休 of 国庆节、中秋节).
        self.assertEqual(
            self.calendar._asq_plan_working_days(datetime(2025, 9, 26, 8, 0), 1),
            datetime(2025, 9, 28, 8, 0),
        )
        # The return note's "by 12:00 the next working day": Saturday.
        self.assertEqual(
            self.calendar._asq_next_working_noon(
                datetime(2026, 2, 13, 8, 0), "Asia/Shanghai"
            ),
            datetime(2026, 2, 14, 4, 0),
        )

    def test_spring_festival_2027_is_skipped(self):
        # Thursday 4 February 2027, 16:00: 春节 is Friday 5th (除夕) to
        # Monday 8th (初三), so Tuesday 9th.
        self.assertEqual(
            self.calendar._asq_plan_working_days(datetime(2027, 2, 4, 8, 0), 1),
            datetime(2027, 2, 9, 8, 0),
        )
        self.assertEqual(
            self.calendar._asq_plan_working_days_batch(
                [(datetime(2027, 2, 4, 8, 0), 2)]
            ),
            [datetime(2027, 2, 10, 8, 0)],
        )
        # 清明 (Monday 5 April) and 端午 (Wednesday 9 June) 2027 too.
        self.assertEqual(
            self.calendar._asq_plan_working_days(datetime(2027, 4, 2, 8, 0), 1),
            datetime(2027, 4, 6, 8, 0),
        )
        self.assertEqual(
            self.calendar._asq_plan_working_days(datetime(2027, 6, 8, 8, 0), 1),
            datetime(2027, 6, 10, 8, 0),
        )
