"""New customers and credit (003 §4.2.2-4.2.3): the new-customer application
《新客户申请表》 walked by its roles, the credit levels I/II/III writing
Odoo's own credit limit and payment terms, and the first sale held until the
application is approved."""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.after_sales_quality.models.asq_customer_application import (
    WORKFLOW_KEY,
)
from odoo.addons.after_sales_quality.models.asq_workflow_mixin import AsqStateError
from odoo.addons.after_sales_quality.tests.common import AsqCommon

ASQ = "after_sales_quality."


@tagged("post_install", "-at_install", "asq_procedures")
class TestCustomerApplication(AsqCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Application = cls.env["asq.customer.application"]
        cls.Level = cls.env["asq.credit.level"]
        cls.term_30 = cls.env.ref("account.account_payment_term_30days")
        cls.term_45 = cls.env.ref("account.account_payment_term_45days")
        cls.term_90 = cls.env.ref("account.account_payment_term_90days_on_the_10th")
        # The company's credit scheme, with figures of this test.
        cls.rows = {}
        for level, limit, term in (
            ("1", 30000.0, cls.term_30),
            ("2", 150000.0, cls.term_45),
            ("3", 800000.0, cls.term_90),
        ):
            row = cls.Level.search(
                [("company_id", "=", cls.company.id), ("level", "=", level)]
            ) or cls.Level.create({"company_id": cls.company.id, "level": level})
            row.write({"credit_limit": limit, "payment_term_id": term.id})
            cls.rows[level] = row
        cls.newcomer = cls.env["res.partner"].create(
            {"name": "Xinkang Medical Supplies Co.", "is_company": True}
        )
        cls.sales = cls.users["asq_sales"]
        cls.finance = cls.users["asq_finance"]
        cls.gm = cls.users["asq_gm"]

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _application(self, partner=None, level="2", **vals):
        values = {
            "partner_id": (partner or self.newcomer).id,
            "registration_number": "91310000MA1FL0XX1",
            "contact_name": "Zhang Min",
            "contact_phone": "+86 21 5555 0101",
            "expected_annual_amount": 400000.0,
            "credit_level": level,
            "investigation": "Hospital supplier for 8 years, pays on time.",
            **vals,
        }
        return self.Application.with_user(self.sales).create(values)

    def _submitted(self, partner=None, level="2"):
        application = self._application(partner, level)
        application.action_submit()
        return application

    def _order(self, partner=None):
        return self.env["sale.order"].create(
            {
                "partner_id": (partner or self.newcomer).id,
                "order_line": [
                    Command.create(
                        {"product_id": self.product.id, "product_uom_qty": 2}
                    )
                ],
            }
        )

    def _terms(self, partner):
        partner = partner.with_company(self.company)
        partner.invalidate_recordset()
        return (
            partner.asq_credit_level,
            partner.credit_limit,
            partner.use_partner_credit_limit,
            partner.property_payment_term_id,
        )

    def _todo_users(self, application):
        activity_type = self.env.ref(f"{ASQ}mail_activity_type_asq_sign")
        return application.activity_ids.filtered(
            lambda a: a.activity_type_id == activity_type
        ).user_id

    # ------------------------------------------------------------------
    # The application walked by its roles
    # ------------------------------------------------------------------
    def test_level_ii_walked_by_sales_and_general_manager(self):
        application = self._application()
        self.assertTrue(application.name.startswith("NC/"))
        self.assertEqual(application.state, "draft")
        # the terms the level gives, read from the scheme before approval
        self.assertEqual(application.credit_limit, 150000.0)
        self.assertEqual(application.payment_term_id, self.term_45)

        application.action_submit()
        self.assertEqual(application.state, "submitted")
        self.assertEqual(application.submitted_user_id, self.sales)
        # 「I、II级信用客户由执行副总审批」: the general manager's to-do, not
        # finance's
        self.assertIn(self.gm, self._todo_users(application))
        self.assertNotIn(self.finance, self._todo_users(application))
        self.assertFalse(application.with_user(self.finance).can_approve)
        self.assertTrue(application.with_user(self.gm).can_approve)

        application.with_user(self.gm).action_approve()
        self.assertEqual(application.state, "approved")
        self.assertEqual(application.approved_user_id, self.gm)
        self.assertTrue(application.approved_date)
        self.assertNotIn(self.gm, self._todo_users(application))
        # the partner: its level, and Odoo's own credit limit and payment terms
        self.assertEqual(
            self._terms(self.newcomer), ("2", 150000.0, True, self.term_45)
        )
        # and the new quotation of the customer takes the payment terms
        self.assertEqual(self._order().payment_term_id, self.term_45)

    def test_level_iii_approved_by_finance(self):
        """「III 级信用客户由执行副总助理审批」: finance approves level III."""
        application = self._submitted(level="3")
        self.assertIn(self.finance, self._todo_users(application))
        application.with_user(self.finance).action_approve()
        self.assertEqual(application.state, "approved")
        self.assertEqual(application.approved_user_id, self.finance)
        self.assertEqual(
            self._terms(self.newcomer), ("3", 800000.0, True, self.term_90)
        )

    def test_wrong_roles_refused_with_reason(self):
        application = self._submitted(level="1")
        with self.assertRaisesRegex(AccessError, "general manager"):
            application.with_user(self.finance).action_approve()
        with self.assertRaisesRegex(AccessError, "general manager"):
            application.with_user(self.finance).action_refuse("Too risky")
        with self.assertRaisesRegex(AccessError, "needs the role"):
            application.with_user(self.sales).action_approve()
        with self.assertRaises(AccessError):
            self.Application.with_user(self.users["asq_employee"]).create(
                {"partner_id": self.newcomer.id}
            )
        self.assertEqual(application.state, "submitted")
        self.assertFalse(self._terms(self.newcomer)[0])

    def test_odoo_salesperson_applies(self):
        """A salesperson of Sales without any after-sales role fills in and
        submits the form (业务经办人); the customer's sale waits for it."""
        seller = new_test_user(
            self.env, login="credit_seller", groups="sales_team.group_sale_salesman"
        )
        application = self.Application.with_user(seller).create(
            {
                "partner_id": self.newcomer.id,
                "registration_number": "91440300MA5XX",
                "contact_name": "Chen Li",
                "credit_level": "1",
                "investigation": "Private clinic, two years in business.",
            }
        )
        application.with_user(seller).action_submit()
        self.assertEqual(application.submitted_user_id, seller)
        order = self._order()
        order.user_id = seller
        order = order.with_user(seller)
        with self.assertRaisesRegex(UserError, "not approved"):
            order.action_confirm()
        with self.assertRaisesRegex(AccessError, "needs the role"):
            application.with_user(seller).action_approve()

    def test_submit_needs_the_investigation(self):
        application = self._application(investigation=False, contact_name=False)
        with self.assertRaisesRegex(UserError, "Missing: .*Contact Person"):
            application.action_submit()
        self.assertEqual(application.state, "draft")

    def test_refused_with_reason_then_revised(self):
        application = self._submitted(level="1")
        wizard = Form(
            self.env["asq.customer.application.refuse"]
            .with_user(self.gm)
            .with_context(default_application_ids=application.ids)
        )
        wizard.reason = "No business licence on file."
        wizard.save().action_confirm()
        self.assertEqual(application.state, "refused")
        self.assertEqual(application.refuse_reason, "No business licence on file.")
        self.assertEqual(application.refused_user_id, self.gm)
        with self.assertRaises(AsqStateError):
            application.with_user(self.gm).action_approve()
        application.action_draft()
        self.assertEqual(application.state, "draft")
        application.write({"credit_level": "3"})
        application.action_submit()
        application.with_user(self.finance).action_approve()
        self.assertEqual(self._terms(self.newcomer)[0], "3")

    def test_refuse_needs_a_reason(self):
        application = self._submitted()
        with self.assertRaisesRegex(UserError, "reason"):
            application.with_user(self.gm).action_refuse("  ")
        self.assertEqual(application.state, "submitted")

    def test_approval_needs_a_row_of_the_scheme(self):
        application = self._submitted(level="2")
        self.rows["2"].unlink()
        with self.assertRaisesRegex(UserError, "no row for credit level"):
            application.with_user(self.gm).action_approve()
        self.assertEqual(application.state, "submitted")

    def test_forged_context_and_values_refused(self):
        application = self._submitted(level="1")
        forged = application.with_user(self.sales).with_context(**{WORKFLOW_KEY: True})
        with self.assertRaises(AccessError):
            forged.action_approve()
        with self.assertRaisesRegex(UserError, "set by the workflow buttons"):
            forged.write({"state": "approved"})
        with self.assertRaisesRegex(UserError, "set by the workflow buttons"):
            forged.write({"approved_user_id": self.sales.id})
        with self.assertRaisesRegex(UserError, "set by the workflow buttons"):
            self.Application.with_user(self.sales).with_context(
                **{WORKFLOW_KEY: True}
            ).create({"partner_id": self.customer.id, "state": "approved"})
        # content is frozen once submitted
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            application.with_user(self.sales).write({"credit_level": "3"})
        self.assertEqual(application.state, "submitted")
        self.assertFalse(application.approved_user_id)

    # ------------------------------------------------------------------
    # The credit scheme: the level is not a label
    # ------------------------------------------------------------------
    def test_level_revision_drafted_by_finance_approved_by_gm(self):
        """003 §4.2.2 「信用管理方案由执行副总助理初步拟定后经执行副总批准后施行」:
        finance drafts a revision, the general manager approves it, and only
        then it is in force on the level's customers."""
        self._submitted(level="2").with_user(self.gm).action_approve()
        other = self.env["res.partner"].create({"name": "Level I Clinic"})
        other.with_user(self.finance).write({"asq_credit_level": "1"})
        self.assertEqual(self._terms(other), ("1", 30000.0, True, self.term_30))
        row = self.rows["2"]
        row.with_user(self.finance).write(
            {
                "proposed_credit_limit": 180000.0,
                "proposed_payment_term_id": self.term_30.id,
            }
        )
        # Drafted only: the customers keep the figures in force.
        self.assertEqual(
            self._terms(self.newcomer), ("2", 150000.0, True, self.term_45)
        )
        # The figures in force are the approval's, whatever the caller sends.
        for user in (self.finance, self.gm):
            with self.assertRaisesRegex(UserError, "set by the workflow buttons"):
                row.with_user(user).with_context(
                    asq_credit_scheme_workflow=True, asq_workflow=True
                ).write({"credit_limit": 1.0})
        with self.assertRaises(AccessError):
            row.with_user(self.sales).write({"proposed_credit_limit": 1.0})
        # Finance submits; the general manager neither drafts nor submits.
        self.assertFalse(row.with_user(self.gm).can_submit)
        with self.assertRaisesRegex(AccessError, "Finance Reviewer"):
            row.with_user(self.gm).action_submit()
        row.with_user(self.finance).action_submit()
        self.assertEqual(row.state, "proposed")
        self.assertEqual(row.submitted_user_id, self.finance)
        self.assertIn(self.gm, self._todo_users(row))
        # Frozen while it waits; only the general manager approves.
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            row.with_user(self.finance).write({"proposed_credit_limit": 1.0})
        self.assertFalse(row.with_user(self.finance).can_approve)
        with self.assertRaisesRegex(AccessError, "General Manager"):
            row.with_user(self.finance).action_approve()
        row.with_user(self.gm).action_approve()
        self.assertEqual(row.state, "approved")
        self.assertEqual(row.approved_user_id, self.gm)
        self.assertTrue(row.approved_date)
        self.assertEqual(row.credit_limit, 180000.0)
        self.assertEqual(row.payment_term_id, self.term_30)
        self.assertEqual(
            self._terms(self.newcomer), ("2", 180000.0, True, self.term_30)
        )
        self.assertFalse(self._todo_users(row))
        # the customers of the other levels keep theirs
        self.assertEqual(self._terms(other), ("1", 30000.0, True, self.term_30))
        # A second click on Approve is refused by the state.
        with self.assertRaisesRegex(UserError, "Approve the Credit Level"):
            row.with_user(self.gm).action_approve()
        # Nothing new to submit: refused with the reason.
        with self.assertRaisesRegex(UserError, "they are the ones in force"):
            row.with_user(self.finance).action_submit()
        # Sent back: the figures in force stay; redrafted and approved.
        row_1 = self.rows["1"]
        row_1.with_user(self.finance).write({"proposed_credit_limit": 0.0})
        row_1.with_user(self.finance).action_submit()
        row_1.with_user(self.gm).action_refuse()
        self.assertEqual(row_1.state, "draft")
        self.assertEqual(self._terms(other), ("1", 30000.0, True, self.term_30))
        row_1.with_user(self.finance).action_submit()
        row_1.with_user(self.gm).action_approve()
        self.assertEqual(self._terms(other)[1:3], (0.0, False))

    def test_gm_does_not_approve_their_own_draft(self):
        both = new_test_user(
            self.env,
            login="asq_finance_gm",
            groups=f"base.group_user,{ASQ}group_asq_finance,{ASQ}group_asq_general_manager",
        )
        row = self.rows["3"]
        row.with_user(both).write({"proposed_credit_limit": 900000.0})
        row.with_user(both).action_submit()
        self.assertFalse(row.with_user(both).can_approve)
        with self.assertRaisesRegex(UserError, "drafted by you"):
            row.with_user(both).action_approve()
        row.with_user(self.gm).action_approve()
        self.assertEqual(row.credit_limit, 900000.0)

    def test_new_company_gets_its_levels_being_drafted(self):
        company = self.env["res.company"].create({"name": "Credit Levels Branch"})
        rows = self.Level.search([("company_id", "=", company.id)])
        self.assertEqual(sorted(rows.mapped("level")), ["1", "2", "3"])
        self.assertEqual(set(rows.mapped("state")), {"draft"})
        self.assertEqual(set(rows.mapped("credit_limit")), {0.0})

    def test_level_set_by_finance_on_the_customer(self):
        self.newcomer.with_user(self.finance).write({"asq_credit_level": "3"})
        self.assertEqual(
            self._terms(self.newcomer), ("3", 800000.0, True, self.term_90)
        )
        contact = self.env["res.partner"].create(
            {"name": "Buyer", "parent_id": self.newcomer.id}
        )
        self.assertEqual(
            contact.with_company(self.company).property_payment_term_id,
            self.term_90,
        )

    # ------------------------------------------------------------------
    # 「approved before the first sale」
    # ------------------------------------------------------------------
    def test_first_sale_waits_for_the_approval(self):
        application = self._submitted(level="1")
        order = self._order()
        with self.assertRaisesRegex(
            UserError, r"Xinkang Medical Supplies Co\..*not approved|not approved"
        ) as caught:
            order.action_confirm()
        self.assertIn("Xinkang Medical Supplies Co.", str(caught.exception))
        self.assertIn(application.name, str(caught.exception))
        self.assertEqual(order.state, "draft")
        application.with_user(self.gm).action_approve()
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_refused_or_draft_applicant_cannot_buy(self):
        application = self._application(level="1")
        with self.assertRaisesRegex(UserError, "not approved"):
            self._order().action_confirm()
        application.action_submit()
        application.with_user(self.gm).action_refuse("Bad references")
        contact = self.env["res.partner"].create(
            {"name": "Purchasing", "parent_id": self.newcomer.id}
        )
        with self.assertRaisesRegex(UserError, "Xinkang Medical Supplies Co."):
            self._order(contact).action_confirm()

    def test_customer_without_application(self):
        """Off (the default): a customer without an application buys as in
        Odoo; on: its first sale waits for an approved application, a
        customer that already bought is not held."""
        self.assertFalse(self.company.asq_require_customer_application)
        order = self._order()
        order.action_confirm()
        self.assertEqual(order.state, "sale")

        self.company.asq_require_customer_application = True
        # (the newcomer has bought now: not a new customer any more)
        second = self._order()
        second.action_confirm()
        self.assertEqual(second.state, "sale")
        fresh = self.env["res.partner"].create({"name": "Brand New Pharmacy"})
        first = self._order(fresh)
        with self.assertRaisesRegex(
            UserError, "Brand New Pharmacy is a new customer without an approved"
        ):
            first.action_confirm()
        self.assertEqual(first.state, "draft")
        application = self._submitted(fresh, level="3")
        application.with_user(self.finance).action_approve()
        first.action_confirm()
        self.assertEqual(first.state, "sale")

    def test_other_company_apart(self):
        """An application belongs to its company: the other company's staff
        do not see it, and it holds only that company's sales."""
        other = self.env["res.company"].create({"name": "Credit Test Branch"})
        foreign = self.Application.with_company(other).create(
            {"partner_id": self.newcomer.id, "company_id": other.id}
        )
        self.assertTrue(foreign.name.startswith("NC/"))
        self.assertFalse(
            self.Application.with_user(self.sales).search([("id", "=", foreign.id)])
        )
        with self.assertRaises(AccessError):
            foreign.with_user(self.sales).read(["name"])
        order = self._order()
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        with self.assertRaisesRegex(UserError, "cannot move to another company"):
            foreign.write({"company_id": self.company.id})

    def test_only_drafts_are_deleted(self):
        application = self._submitted()
        with self.assertRaisesRegex(UserError, "Only draft applications"):
            application.with_user(self.sales).unlink()
        draft = self._application(self.customer)
        draft.with_user(self.sales).unlink()
        self.assertFalse(draft.exists())

    def test_message_in_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["after_sales_quality"], ["zh_CN"], overwrite=True
        )
        self._submitted(level="1")
        order = self._order().with_context(lang="zh_CN")
        with self.assertRaisesRegex(UserError, "新客户申请"):
            order.action_confirm()

    # ------------------------------------------------------------------
    # The printed form
    # ------------------------------------------------------------------
    def test_printed_form(self):
        application = self._submitted(level="3")
        application.with_user(self.finance).action_approve()
        report = f"{ASQ}asq_customer_application_report"
        html = self._html(report, application)
        self.assertIn("Xinkang Medical Supplies Co.", html)
        self.assertIn("91310000MA1FL0XX1", html)
        self.assertIn("III - Annual customer", html)
        self.assertIn(self.finance.name, html)
        self.assertIn(self.sales.name, html)
        self.assertIn("Approved (Finance, Level III)", html)
        self._assert_pdf(report, application)
