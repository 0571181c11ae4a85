from datetime import timedelta

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.osv import expression
from odoo.tests import HttpCase, tagged
from odoo.tools.safe_eval import datetime as safe_datetime
from odoo.tools.safe_eval import safe_eval

from odoo.addons.after_sales_quality.models.asq_workflow_mixin import asq_step
from odoo.addons.after_sales_quality.tests.common import AsqCommon

COMPLAINT_STEP = asq_step("asq_complaint_step")
RETURN_STEP = asq_step("asq_return_workflow")
HOLD_STEP = asq_step("asq_hold_workflow")
CAPA_STEP = asq_step("asq_capa_workflow")
SURVEY_LEVELS = ("quality", "delivery", "service", "price")


class DashboardCommon(AsqCommon):
    """Records put straight into the state a tile counts, and the dashboard
    read as a role user."""

    @classmethod
    def _complaint(cls, company=None, days_ago=0, state="draft", **vals):
        return (
            cls.env["asq.complaint"]
            .with_context(**COMPLAINT_STEP)
            .create(
                {
                    "partner_id": cls.customer.id,
                    "company_id": (company or cls.company).id,
                    "received_date": fields.Datetime.now() - timedelta(days=days_ago),
                    "category": "quality",
                    "state": state,
                    **vals,
                }
            )
        )

    def _figures(self, login, companies=None):
        """{tile key: count} of what ``login`` sees, satisfaction apart."""
        data = self._dashboard(login, companies).retrieve_dashboard()
        figures = {tile["key"]: tile["count"] for tile in data["tiles"]}
        if data["approvals"]:
            for tile in data["approvals"]["tiles"]:
                figures[tile["key"]] = tile["count"]
            figures["approvals"] = data["approvals"]["count"]
        return figures

    def _dashboard(self, login, companies=None):
        dashboard = self.env["asq.dashboard"].with_user(self.users[login])
        if companies:
            dashboard = dashboard.with_context(allowed_company_ids=companies.ids)
        return dashboard

    def _delta(self, before, after):
        return {key: after[key] - before.get(key, 0) for key in after}

    def _list_domain(self, action, login, names=None):
        """What the list a tile opens shows: the action's own domain and the
        search view's filters its context turns on (``names``: those
        instead), evaluated as the web client does for ``login``."""
        user = self.users[login]
        Model = self.env[action["res_model"]].with_user(user)
        view_id = action.get("search_view_id") and action["search_view_id"][0]
        arch = Model.get_views([(view_id, "search")])["views"]["search"]["arch"]
        root = etree.fromstring(arch)
        if names is None:
            names = [
                key.removeprefix("search_default_")
                for key, value in action["context"].items()
                if key.startswith("search_default_") and value
            ]
        today = fields.Date.context_today(Model)
        values = {
            "uid": user.id,
            "context_today": lambda: today,
            "relativedelta": relativedelta,
            "datetime": safe_datetime,
        }
        domains = [safe_eval(action["domain"] or "[]", values)]
        for name in names:
            [node] = root.xpath(f"//filter[@name='{name}']")
            if node.get("date"):
                # A date filter turned on by default: the user's month.
                dashboard = self.env["asq.dashboard"].with_user(user)
                domains.append(
                    [
                        (node.get("date"), ">=", dashboard._month_start()),
                        (node.get("date"), "<", dashboard._month_start(-1)),
                    ]
                )
            else:
                domains.append(safe_eval(node.get("domain"), values))
        return expression.AND(domains)

    def _list_count(self, action, login, names=None):
        return (
            self.env[action["res_model"]]
            .with_user(self.users[login])
            .search_count(self._list_domain(action, login, names))
        )

    def _assert_tiles_open_their_count(self, login):
        """Every tile of ``login`` opens its list with visible filters (no
        hidden domain) showing as many records as the tile counts."""
        dashboard = self._dashboard(login)
        data = dashboard.retrieve_dashboard()
        tiles = data["tiles"] + (data["approvals"] or {"tiles": []})["tiles"]
        for tile in tiles:
            action = dashboard.action_open_tile(tile["key"])
            xml_action = self.env["ir.actions.act_window"]._for_xml_id(
                self.env["asq.dashboard"]._tile_specs()[tile["key"]]["action"]
            )
            self.assertEqual(action["domain"], xml_action["domain"], tile["key"])
            self.assertTrue(action["context"], tile["key"])
            self.assertTrue(
                all(key.startswith("search_default_") for key in action["context"]),
                tile["key"],
            )
            self.assertEqual(
                self._list_count(action, login), tile["count"], (login, tile["key"])
            )
        return tiles


@tagged("post_install", "-at_install", "asq_kpi")
class TestDashboard(DashboardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "ASQ Dashboard B"})
        cls.users["asq_qm"].company_ids = [Command.link(cls.company_b.id)]
        cls.department = cls.env["hr.department"].create({"name": "Dash Assembly"})

    # ------------------------------------------------------------------
    # Helpers building one record per tile
    # ------------------------------------------------------------------
    def _return(self, state):
        return (
            self.env["asq.return"]
            .with_context(**RETURN_STEP)
            .create({"partner_id": self.customer.id, "state": state})
        )

    def _hold(self, state="active", **vals):
        return (
            self.env["asq.hold"]
            .with_context(**HOLD_STEP)
            .create(
                {
                    "product_id": self.product.id,
                    "reason": "Suspect sensor batch",
                    "state": state,
                    **vals,
                }
            )
        )

    def _capa(self, state="action", **vals):
        return (
            self.env["asq.capa"]
            .with_context(**CAPA_STEP)
            .create({"problem": "Wrong readings", "state": state, **vals})
        )

    def _action(self, capa, days, done=False):
        action = self.env["asq.capa.action"].create(
            {
                "capa_id": capa.id,
                "name": f"Action due in {days} days",
                "date_due": fields.Date.context_today(capa) + timedelta(days=days),
            }
        )
        if done:
            action.with_context(**CAPA_STEP).write({"state": "done"})
        return action

    # ------------------------------------------------------------------
    # Tiles
    # ------------------------------------------------------------------
    def test_complaint_tiles(self):
        before = self._figures("asq_qm")
        self._complaint()  # open, this month, on time
        self._complaint(days_ago=40)  # open, overdue, last month
        self._complaint(state="closed")  # closed this month
        self._complaint(state="cancel", days_ago=40)
        self._complaint(feedback_type="inquiry")  # not a complaint
        self._complaint(state="review")  # waits for the quality manager
        findings = self._complaint(state="investigating")  # for the inspector
        after = self._figures("asq_qm")
        delta = self._delta(before, after)
        self.assertEqual(delta["open_complaints"], 4)
        self.assertEqual(delta["overdue_complaints"], 1)
        self.assertEqual(delta["month_complaints"], 4)
        # Judge (review) and findings (the manager is an inspector too).
        self.assertEqual(delta["my_complaints"], 2)

        findings.with_context(**COMPLAINT_STEP).write(
            {"investigated_date": fields.Datetime.now()}
        )
        inspector_before = self._figures("asq_inspector")
        self.assertEqual(
            self._delta(after, self._figures("asq_qm"))["my_complaints"], 0
        )
        # The decision is the manager's: the inspector no longer sees it.
        findings.with_context(**COMPLAINT_STEP).write({"investigated_date": False})
        self.assertEqual(
            self._delta(inspector_before, self._figures("asq_inspector"))[
                "my_complaints"
            ],
            1,
        )

    def test_overdue_tile_red_only_when_overdue(self):
        data = self._dashboard("asq_qm").retrieve_dashboard()
        tile = next(t for t in data["tiles"] if t["key"] == "overdue_complaints")
        self.assertEqual(tile["alert"], bool(tile["count"]))
        self._complaint(days_ago=40)
        data = self._dashboard("asq_qm").retrieve_dashboard()
        tile = next(t for t in data["tiles"] if t["key"] == "overdue_complaints")
        self.assertTrue(tile["alert"])
        open_tile = next(t for t in data["tiles"] if t["key"] == "open_complaints")
        self.assertFalse(open_tile["alert"])

    def test_hold_and_capa_tiles(self):
        before = {
            login: self._figures(login)
            for login in ("asq_qm", "asq_inspector", "asq_mgmt_rep")
        }
        self._hold()  # active, to verify
        self._hold(
            verification_result="conforming",
            verified_user_id=self.users["asq_inspector"].id,
            verified_date=fields.Datetime.now(),
        )  # active, to release
        self._hold(state="nonconforming")  # still blocking
        self._hold(state="draft")
        self._hold(state="released")
        capa = self._capa(department_id=self.department.id)  # to sign off
        self._action(capa, 3)
        self._action(capa, -2)
        self._action(capa, 30)
        self._action(capa, 0, done=True)
        self._action(self._capa(state="draft"), 1)
        verification = self._capa()
        self._action(verification, -5)
        verification.with_context(**CAPA_STEP).write({"state": "verification"})
        self._capa(state="closed")
        delta = {
            login: self._delta(figures, self._figures(login))
            for login, figures in before.items()
        }
        self.assertEqual(delta["asq_qm"]["active_holds"], 3)
        self.assertEqual(delta["asq_qm"]["my_holds"], 2)
        self.assertEqual(delta["asq_inspector"]["my_holds"], 1)
        self.assertNotIn("my_holds", delta["asq_mgmt_rep"])
        # Open actions of open CAPA due within 7 days (overdue included).
        self.assertEqual(delta["asq_qm"]["capa_due"], 4)
        self.assertEqual(delta["asq_qm"]["capa_overdue"], 2)
        self.assertEqual(delta["asq_mgmt_rep"]["capa_due"], 4)
        # Sign-off for the manager, verification for the representative.
        self.assertEqual(delta["asq_qm"]["my_capa"], 1)
        self.assertEqual(delta["asq_mgmt_rep"]["my_capa"], 1)
        # The inspector's "My CAPA" counts only the CAPA reports theirs to
        # send to a customer (send_customer_report): none here.
        self.assertEqual(delta["asq_inspector"]["my_capa"], 0)

    def test_department_head_signs_off(self):
        head = self.users["asq_employee"]
        self.department.manager_id = self.env["hr.employee"].create(
            {"name": "Dash Head", "user_id": head.id}
        )
        # The head has no after-sales role: no dashboard figure at all.
        self.assertEqual(self._figures("asq_employee"), {})
        business = self.users["asq_business"]
        self.env["hr.department"].create(
            {
                "name": "Dash Sales",
                "manager_id": self.env["hr.employee"]
                .create({"name": "Dash Business", "user_id": business.id})
                .id,
            }
        )
        before = self._figures("asq_business")
        capa = self._capa(
            department_id=self.env["hr.department"]
            .search([("name", "=", "Dash Sales")])
            .id
        )
        self._capa(department_id=self.department.id)
        self.assertEqual(
            self._delta(before, self._figures("asq_business"))["my_capa"], 1
        )
        capa.with_context(**CAPA_STEP).write(
            {"signoff_user_id": business.id, "signoff_date": fields.Datetime.now()}
        )
        self.assertEqual(
            self._delta(before, self._figures("asq_business"))["my_capa"], 0
        )

    def test_return_waiting_for_finance_then_business_head(self):
        before = {
            login: self._figures(login)
            for login in ("asq_finance", "asq_business", "asq_qm", "asq_warehouse")
        }
        ret = self._return("finance")

        def delta(login):
            return self._delta(before[login], self._figures(login))

        self.assertEqual(delta("asq_finance")["my_returns"], 1)
        self.assertEqual(delta("asq_finance")["approvals"], 1)
        self.assertEqual(delta("asq_business")["my_returns"], 0)
        self.assertEqual(delta("asq_qm")["my_returns"], 0)
        ret.with_context(**RETURN_STEP).write({"state": "business"})
        self.assertEqual(delta("asq_finance")["my_returns"], 0)
        self.assertEqual(delta("asq_business")["my_returns"], 1)
        ret.with_context(**RETURN_STEP).write({"state": "approved"})
        self.assertEqual(delta("asq_business")["my_returns"], 0)
        self.assertEqual(delta("asq_warehouse")["my_returns"], 1)
        ret.with_context(**RETURN_STEP).write({"state": "received"})
        self.assertEqual(delta("asq_qm")["my_returns"], 1)
        self.assertEqual(delta("asq_warehouse")["my_returns"], 0)

    # ------------------------------------------------------------------
    # Roles: tiles the user cannot read are not returned
    # ------------------------------------------------------------------
    def test_tiles_per_role(self):
        complaint_tiles = {"open_complaints", "overdue_complaints", "month_complaints"}
        capa_tiles = {"capa_due", "capa_overdue"}
        qm = self._dashboard("asq_qm").retrieve_dashboard()
        self.assertLessEqual(
            complaint_tiles | capa_tiles | {"active_holds"},
            {t["key"] for t in qm["tiles"]},
        )
        self.assertEqual(
            {t["key"] for t in qm["approvals"]["tiles"]},
            {"my_returns", "my_complaints", "my_capa", "my_holds"},
        )
        self.assertTrue(qm["satisfaction"])

        finance = self._dashboard("asq_finance").retrieve_dashboard()
        self.assertEqual({t["key"] for t in finance["tiles"]}, {"active_holds"})
        self.assertEqual(
            {t["key"] for t in finance["approvals"]["tiles"]}, {"my_returns"}
        )
        self.assertFalse(finance["satisfaction"])

        warehouse = self._dashboard("asq_warehouse").retrieve_dashboard()
        self.assertEqual(
            {t["key"] for t in warehouse["tiles"]}, {"to_receive", "active_holds"}
        )
        self.assertEqual(
            {t["key"] for t in warehouse["approvals"]["tiles"]}, {"my_returns"}
        )

        sales = self._dashboard("asq_sales").retrieve_dashboard()
        self.assertLessEqual(complaint_tiles, {t["key"] for t in sales["tiles"]})
        # The sales clerk checks the return notes (001 §4.2.9), answers
        # the customers of the complaints they own (reply, satisfaction) and
        # sends them the CAPA report taken on them (000 §4.6.10).
        self.assertEqual(
            {t["key"] for t in sales["approvals"]["tiles"]},
            {"my_returns", "my_complaints", "my_capa"},
        )
        self.assertFalse(sales["satisfaction"])

        for login, key in (
            ("asq_finance", "capa_due"),
            ("asq_warehouse", "overdue_complaints"),
            ("asq_finance", "my_capa"),
            ("asq_finance", "satisfaction"),
        ):
            with self.assertRaises(AccessError):
                self._dashboard(login).action_open_tile(key)

    def test_open_tile_actions(self):
        overdue = self._complaint(days_ago=40)
        on_time = self._complaint()
        dashboard = self._dashboard("asq_qm")
        action = dashboard.action_open_tile("overdue_complaints")
        self.assertEqual(action["res_model"], "asq.complaint")
        self.assertEqual(action["type"], "ir.actions.act_window")
        self.assertEqual(action["display_name"], "Overdue Complaints")
        self.assertEqual(
            action["context"],
            {
                "search_default_complaints": 1,
                "search_default_open": 1,
                "search_default_overdue": 1,
            },
        )
        found = (
            self.env["asq.complaint"]
            .with_user(self.users["asq_qm"])
            .search(self._list_domain(action, "asq_qm"))
        )
        self.assertIn(overdue, found)
        self.assertNotIn(on_time, found)
        self._assert_tiles_open_their_count("asq_qm")
        with self.assertRaises(AccessError):
            dashboard.action_open_tile("no_such_tile")

    # ------------------------------------------------------------------
    # Companies
    # ------------------------------------------------------------------
    def test_other_company_complaints_do_not_count(self):
        company_a = self.company
        before = self._figures("asq_qm", company_a)
        self._complaint(company=self.company_b, days_ago=40)
        self._complaint(company=self.company_b)
        self.assertEqual(
            self._delta(before, self._figures("asq_qm", company_a))["open_complaints"],
            0,
        )
        self.assertEqual(
            self._delta(before, self._figures("asq_qm", company_a))[
                "overdue_complaints"
            ],
            0,
        )
        both = self._figures("asq_qm", company_a | self.company_b)
        only_b = self._figures("asq_qm", self.company_b)
        self.assertEqual(only_b["open_complaints"], 2)
        self.assertEqual(only_b["overdue_complaints"], 1)
        self.assertEqual(
            both["open_complaints"],
            before["open_complaints"] + only_b["open_complaints"],
        )

    # ------------------------------------------------------------------
    # Constant number of queries
    # ------------------------------------------------------------------
    def _queries(self, dashboard):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        dashboard.retrieve_dashboard()
        return self.cr.sql_log_count - before

    def test_query_count_constant(self):
        dashboard = self._dashboard("asq_qm")
        dashboard.retrieve_dashboard()  # warm the caches of groups and rules
        small = self._queries(dashboard)
        self.assertLess(small, 25)
        open_before = self._figures("asq_qm")["open_complaints"]
        for i in range(50):
            self._complaint(days_ago=i, state=("draft", "review")[i % 2])
        self.assertEqual(self._figures("asq_qm")["open_complaints"], open_before + 50)
        self.assertEqual(self._queries(dashboard), small)
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(small):
            dashboard.retrieve_dashboard()


@tagged("post_install", "-at_install", "asq_kpi")
class TestDashboardSatisfaction(DashboardCommon):
    """The latest satisfaction index from real Odoo Survey answers."""

    def _campaign(self, name, level, **vals):
        tag = self.env["res.partner.category"].create({"name": name})
        customer = self.env["res.partner"].create(
            {
                "name": f"{name} customer",
                "is_company": True,
                "customer_rank": 1,
                "email": f"{name.replace(' ', '.')}@example.com",
                "asq_customer_class": "a",
                "category_id": [Command.set(tag.ids)],
            }
        )
        campaign = (
            self.env["asq.survey.campaign"]
            .with_user(self.users["asq_qm"])
            .create(
                {
                    "name": name,
                    "seed": 7,
                    "partner_category_ids": [Command.set(tag.ids)],
                    **vals,
                }
            )
        )
        campaign.action_draw_sample()
        campaign.action_send_invitations()
        user_input = campaign.target_ids.filtered(
            lambda t: t.partner_id == customer
        ).user_input_id.sudo()
        for dim in SURVEY_LEVELS:
            question = self.env.ref(f"after_sales_quality.asq_survey_question_{dim}")
            answer = self.env.ref(
                f"after_sales_quality.asq_survey_question_{dim}_{level}"
            )
            user_input._save_lines(question, answer.id)
        user_input._mark_done()
        campaign.action_close()
        return campaign

    def test_latest_index_trend_and_target(self):
        first = self._campaign("Dash SAT 1", "satisfied", target_index=70.0)
        figures = self._dashboard("asq_qm").retrieve_dashboard()["satisfaction"]
        self.assertEqual(figures["campaign_id"], first.id)
        self.assertEqual(figures["index"], 80.0)
        self.assertEqual(figures["target"], 70.0)
        self.assertTrue(figures["met"])

        second = self._campaign(
            "Dash SAT 2", "neutral", target_index=75.0, previous_campaign_id=first.id
        )
        figures = self._dashboard("asq_mgmt_rep").retrieve_dashboard()["satisfaction"]
        self.assertEqual(figures["campaign_id"], second.id)
        self.assertEqual(figures["index"], 60.0)
        self.assertEqual(figures["target"], 75.0)
        self.assertEqual(figures["trend"], -20.0)
        self.assertEqual(figures["previous"], "Dash SAT 1")
        self.assertFalse(figures["met"])

        action = self._dashboard("asq_qm").action_open_tile("satisfaction")
        self.assertEqual(action["res_model"], "asq.survey.campaign")
        self.assertEqual(action["res_id"], second.id)


@tagged("post_install", "-at_install", "asq_kpi")
class TestDashboardTour(HttpCase, DashboardCommon):
    def test_dashboard_tour(self):
        customer = self.env["res.partner"].create(
            {"name": "Dash Tour Late Customer", "is_company": True}
        )
        self._complaint(days_ago=40, partner_id=customer.id)
        self.start_tour("/odoo/asq-dashboard", "asq_dashboard_tour", login="admin")
