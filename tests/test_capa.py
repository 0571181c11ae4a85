from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from odoo.addons.after_sales_quality.tests.common import AsqCommon


class CapaCommon(AsqCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.head = cls.users["asq_aftersales"]
        cls.department = cls.env["hr.department"].create(
            {
                "name": "Production",
                "manager_id": cls.env["hr.employee"]
                .create({"name": "Head of Production", "user_id": cls.head.id})
                .id,
            }
        )
        cls.inspector = cls.users["asq_inspector"]
        cls.owner = cls.users["asq_sales"]
        cls.rep = cls.users["asq_mgmt_rep"]
        cls.qm = cls.users["asq_qm"]
        # "Today" as the role users see it (their time zone, not the
        # superuser's): the verification date is checked in the signer's.
        cls.today = fields.Date.context_today(cls.env["asq.capa"].with_user(cls.rep))

    def _create_capa(self, **vals):
        values = {
            "problem": "Glucometers show E-3 after two weeks of use",
            "source": "complaint",
            "origin": "CMP/TEST",
            "department_id": self.department.id,
            "partner_ids": [Command.set(self.customer.ids)],
            "product_ids": [Command.set(self.product.ids)],
            "containment": "Stock of lot L1 blocked",
            "why_1": "Battery contact oxidised",
            "why_2": "Contact plating too thin",
            "cause_category": "material",
            "root_cause": "Supplier changed the plating process",
        }
        values.update(vals)
        return self.env["asq.capa"].with_user(self.inspector).create(values)

    def _add_action(self, capa, name, days=5, user=None, action_type="corrective"):
        return (
            self.env["asq.capa.action"]
            .with_user(self.inspector)
            .create(
                {
                    "capa_id": capa.id,
                    "name": name,
                    "action_type": action_type,
                    "user_id": (user or self.owner).id,
                    "date_due": self.today + timedelta(days=days),
                }
            )
        )

    def _done(self, action, user=None, evidence="Done, see report"):
        action = action.with_user(user or action.user_id)
        action.evidence = evidence
        action.action_done()


@tagged("post_install", "-at_install", "asq_capa")
class TestCapaLifeCycle(CapaCommon):
    def test_full_life_cycle_with_a_not_effective_round(self):
        capa = self._create_capa()
        self.assertEqual(capa.state, "draft")
        self.assertTrue(capa.name.startswith("CAPA/"))
        capa.action_start_analysis()
        self.assertEqual(capa.state, "analysis")
        with self.assertRaisesRegex(UserError, "Plan at least one action for round 1"):
            capa.action_plan()
        first = self._add_action(capa, "Change plating spec", days=5)
        second = self._add_action(
            capa,
            "Audit supplier",
            days=10,
            user=self.inspector,
            action_type="preventive",
        )
        capa.action_plan()
        self.assertEqual(capa.state, "action")
        self.assertEqual(capa.analysis_user_id, self.inspector)
        self.assertTrue(capa.analysis_date)
        owner_activities = capa.activity_ids.filtered(lambda a: a.user_id == self.owner)
        self.assertTrue(owner_activities, "the action owner gets an activity")

        with self.assertRaisesRegex(UserError, "still has open actions"):
            capa.action_request_verification()
        with self.assertRaisesRegex(UserError, "Record the evidence of Change plating"):
            first.with_user(self.owner).action_done()
        self._done(first)
        self.assertEqual(first.state, "done")
        self.assertTrue(first.on_time)
        self.assertEqual(first.done_user_id, self.owner)
        self._done(second)
        with self.assertRaisesRegex(UserError, "has not signed off"):
            capa.action_request_verification()
        with self.assertRaisesRegex(AccessError, "Only the head of Production"):
            capa.with_user(self.owner).action_department_signoff()
        capa.with_user(self.head).action_department_signoff()
        self.assertEqual(capa.signoff_user_id, self.head)
        with self.assertRaisesRegex(UserError, "already signed off"):
            capa.with_user(self.head).action_department_signoff()
        capa.action_request_verification()
        self.assertEqual(capa.state, "verification")

        capa.with_user(self.inspector).verification_date = self.today + timedelta(
            days=30
        )
        with self.assertRaisesRegex(UserError, "can be verified on or after"):
            capa.with_user(self.rep).action_verify_effective()
        capa.with_user(self.inspector).verification_date = self.today
        with self.assertRaisesRegex(UserError, "Record why the actions"):
            capa.with_user(self.rep).action_verify_not_effective()
        capa.with_user(self.rep).verification_note = "E-3 reported again in May"
        capa.with_user(self.rep).action_verify_not_effective()
        self.assertEqual(capa.state, "action")
        self.assertEqual(capa.round, 2)
        self.assertFalse(capa.signoff_user_id, "round 2 needs a new sign-off")
        self.assertEqual(capa.review_ids.mapped("result"), ["not_effective"])
        self.assertEqual(capa.review_ids.user_id, self.rep)

        with self.assertRaisesRegex(UserError, "Plan the actions of round 2"):
            capa.action_request_verification()
        third = self._add_action(capa, "Incoming inspection of plating", days=3)
        self.assertEqual(third.round, 2)
        self._done(third)
        capa.with_user(self.head).action_department_signoff()
        capa.action_request_verification()
        capa.with_user(self.rep).verification_note = "No E-3 for 3 months"
        capa.with_user(self.rep).action_verify_effective()
        self.assertEqual(capa.state, "closed")
        self.assertEqual(capa.effectiveness, "effective")
        self.assertEqual(capa.verified_user_id, self.rep)
        self.assertEqual(capa.date_closed, self.today)
        self.assertEqual(capa.days_to_close, 0)
        self.assertTrue(capa.on_time)
        self.assertEqual(
            capa.review_ids.mapped("result"), ["not_effective", "effective"]
        )
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            capa.with_user(self.qm).problem = "rewritten"
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            capa.review_ids[0].sudo().note = "rewritten"
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            capa.review_ids[0].sudo().unlink()
        with self.assertRaisesRegex(UserError, "Only draft CAPA can be deleted"):
            capa.with_user(self.qm).unlink()

    def test_no_action_needs_a_reason(self):
        capa = self._create_capa(no_action=True, department_id=False)
        capa.action_start_analysis()
        with self.assertRaisesRegex(UserError, "Record the reason why no action"):
            capa.action_plan()
        capa.no_action_reason = "One-off transport damage, carrier already liable"
        capa.action_plan()
        self.assertEqual(capa.state, "verification", "nothing to carry out")
        capa.with_user(self.inspector).verification_date = self.today
        capa.with_user(self.rep).action_verify_effective()
        self.assertEqual(capa.state, "closed")

    def test_analysis_needs_the_root_cause(self):
        capa = self._create_capa(root_cause=False, why_1=False)
        capa.action_start_analysis()
        self._add_action(capa, "Something")
        with self.assertRaisesRegex(
            UserError, "incomplete: root cause, at least the first why"
        ):
            capa.action_plan()
        empty = self.env["asq.capa"].with_user(self.inspector).create({})
        with self.assertRaisesRegex(UserError, "Describe the problem"):
            empty.action_start_analysis()

    def test_double_click_and_forged_writes(self):
        capa = self._create_capa()
        capa.action_start_analysis()
        with self.assertRaisesRegex(
            UserError,
            r"Start Analysis is not possible on CAPA/.* \(Root Cause Analysis\)",
        ):
            capa.action_start_analysis()
        with self.assertRaisesRegex(UserError, "Use the workflow buttons"):
            capa.write({"state": "closed"})
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            capa.write({"verified_user_id": self.rep.id})
        forged = (
            self.env["asq.capa"]
            .with_user(self.inspector)
            .create({"problem": "x", "state": "closed", "round": 7})
        )
        self.assertEqual((forged.state, forged.round), ("draft", 1))
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            self._create_capa(analysis_user_id=self.rep.id)

    def test_cancel_with_reason(self):
        capa = self._create_capa()
        capa.action_start_analysis()
        action = self._add_action(capa, "Something")
        capa.action_plan()
        wizard = Form(
            self.env["asq.capa.cancel"]
            .with_user(self.qm)
            .with_context(default_capa_ids=capa.ids)
        )
        wizard.reason = "Duplicate of another CAPA"
        wizard.save().action_confirm()
        self.assertEqual(capa.state, "cancel")
        self.assertEqual(capa.cancel_reason, "Duplicate of another CAPA")
        self.assertEqual(action.state, "cancel")
        with self.assertRaisesRegex(UserError, "Give the reason"):
            self._create_capa().with_user(self.qm).action_cancel()

    def test_reminders_and_escalation(self):
        capa = self._create_capa()
        capa.action_start_analysis()
        soon = self._add_action(capa, "Due tomorrow", days=1)
        late = self._add_action(capa, "Already late", days=1)
        capa.action_plan()
        late.sudo().date_due = self.today - timedelta(days=2)
        later = self._add_action(capa, "Far away", days=20)
        messages_before = len(capa.message_ids)
        reminded, escalated = self.env["asq.capa"]._cron_action_reminders()
        self.assertGreaterEqual(reminded, 1)
        self.assertGreaterEqual(escalated, 1)
        self.assertTrue(soon.reminded)
        self.assertFalse(later.reminded)
        self.assertTrue(late.escalated)
        new = capa.message_ids[: len(capa.message_ids) - messages_before]
        reminder = new.filtered(lambda m: self.owner.partner_id in m.partner_ids)
        self.assertEqual(len(reminder), 1)
        # The escalation: one message per language the managers read.
        escalation = new - reminder
        managers = self.env.ref("after_sales_quality.group_asq_manager").users
        self.assertEqual(
            len(escalation), len(managers.grouped(lambda u: u.lang or "en_US"))
        )
        self.assertIn(self.qm.partner_id, escalation.partner_ids)
        english = escalation.filtered(lambda m: self.qm.partner_id in m.partner_ids)
        self.assertIn("Overdue", english.body)
        self.assertTrue(
            capa.activity_ids.filtered(
                lambda a: a.user_id.has_group("after_sales_quality.group_asq_manager")
                and "Already late" in (a.summary or "")
            )
        )
        self.assertEqual(
            self.env["asq.capa"]._cron_action_reminders(), (0, 0), "only once each"
        )
        self._done(late)
        self.assertFalse(late.on_time, "done after its due date")

    def test_proposal_entry_point(self):
        capa = self.env["asq.capa"]._asq_propose(
            "repeat",
            "CMP/0042",
            "Second E-3 complaint from Kangtai",
            partner_ids=self.customer,
            product_ids=self.product,
        )
        self.assertEqual((capa.state, capa.source), ("draft", "repeat"))
        self.assertEqual(capa.partner_ids, self.customer)
        again = self.env["asq.capa"]._asq_propose("repeat", "CMP/0042", "again")
        self.assertEqual(again, capa, "one open proposal per origin")
        self.assertTrue(
            capa.activity_ids.filtered(lambda a: "Review proposed CAPA" in a.summary)
        )

    def test_partner_smart_button(self):
        self._create_capa()
        self._create_capa(problem="other")
        contact = self.customer_contact.with_user(self.users["asq_aftersales"])
        self.assertEqual(contact.asq_capa_count, 2)
        action = contact.action_asq_view_capa()
        self.assertEqual(len(self.env["asq.capa"].search(action["domain"])), 2)
        self.assertEqual(
            self.customer.with_user(self.users["asq_employee"]).asq_capa_count, 0
        )

    def test_reports_render(self):
        capa = self._create_capa(customer_report=True)
        capa.action_start_analysis()
        action = self._add_action(capa, "Change plating spec")
        capa.action_plan()
        self._done(action)
        Report = self.env["ir.actions.report"]
        for xmlid in ("asq_capa_report_form", "asq_capa_report_8d"):
            report = f"after_sales_quality.{xmlid}"
            html, _type = Report._render_qweb_html(report, capa.ids)
            html = html.decode()
            self.assertIn("Supplier changed the plating process", html)
            self.assertIn("Change plating spec", html)
            self._assert_pdf(report, capa)
        html = Report._render_qweb_html(
            "after_sales_quality.asq_capa_report_8d", capa.ids
        )[0].decode()
        for heading in ("D1 Team", "D4 Root Cause", "D8 Closure"):
            self.assertIn(heading, html)
        self.assertIn(self.inspector.name, html)


@tagged("post_install", "-at_install", "asq_capa", "security")
class TestCapaRoles(CapaCommon):
    def test_who_may_do_what(self):
        with self.assertRaises(AccessError):
            self.env["asq.capa"].with_user(self.owner).create({"problem": "x"})
        # An employee reads only the CAPA of the departments they head.
        self.assertFalse(
            self.env["asq.capa"].with_user(self.users["asq_employee"]).search([])
        )
        capa = self._create_capa()
        with self.assertRaisesRegex(AccessError, "needs the role Quality Inspector"):
            capa.with_user(self.rep).action_start_analysis()
        capa.action_start_analysis()
        mine = self._add_action(capa, "Mine")
        other = self._add_action(capa, "Not mine", user=self.inspector)
        capa.action_plan()
        mine.with_user(self.owner).evidence = "ok"
        with self.assertRaises(AccessError):
            other.with_user(self.owner).evidence = "forged"
        with self.assertRaises(AccessError):
            other.with_user(self.owner).action_done()
        self._done(mine)
        self._done(other)
        capa.with_user(self.head).action_department_signoff()
        capa.action_request_verification()
        capa.with_user(self.inspector).verification_date = self.today
        with self.assertRaisesRegex(AccessError, "Management Representative"):
            capa.with_user(self.inspector).action_verify_effective()
        with self.assertRaisesRegex(AccessError, "Quality Manager"):
            capa.with_user(self.inspector).with_context(
                asq_cancel_reason="x"
            ).action_cancel()
        self.assertEqual(
            capa.with_user(self.users["asq_finance"]).read(["state"])[0]["state"],
            "verification",
        )
        with self.assertRaises(AccessError):
            capa.with_user(self.users["asq_finance"]).write({"problem": "x"})
        capa.with_user(self.rep).action_verify_effective()
        self.assertEqual(capa.state, "closed")

    def test_own_documents_only_for_plain_users(self):
        capa = self._create_capa()
        other = self._create_capa(problem="unrelated")
        capa.action_start_analysis()
        self._add_action(capa, "Mine")
        visible = self.env["asq.capa"].with_user(self.owner).search([])
        self.assertIn(capa, visible)
        self.assertNotIn(other, visible)
        everyone = (
            self.env["asq.capa"].with_user(self.users["asq_aftersales"]).search([])
        )
        self.assertIn(other, everyone)

    def test_other_company_capa_invisible(self):
        company_b = self.env["res.company"].create({"name": "CAPA Company B"})
        capa_b = self.env["asq.capa"].create(
            {"problem": "in B", "company_id": company_b.id}
        )
        for login in ("asq_qm", "asq_mgmt_rep", "asq_finance"):
            visible = self.env["asq.capa"].with_user(self.users[login]).search([])
            self.assertNotIn(capa_b, visible, login)
