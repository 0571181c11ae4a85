from ast import literal_eval

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, new_test_user, tagged

from odoo.addons.after_sales_quality.models.asq_workflow_mixin import AsqStateError
from odoo.addons.after_sales_quality.tests.audit import audit
from odoo.addons.after_sales_quality.tests.complaint_common import (
    AsqComplaintCommon,
    asq_send_composer,
)

CLAIM = "asq.warranty.claim"
REPORT = "after_sales_quality.asq_warranty_claim_report"


class WarrantyCommon(AsqComplaintCommon):
    """Warranty claim parts (「三包索赔件」, 002 §6.2.8): the sales department
    takes the claim in, the quality department analyses the parts, the
    quality manager closes it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sales = cls.users["asq_sales"]
        cls.inspector = cls.users["asq_inspector"]
        cls.qm = cls.users["asq_qm"]
        cls.finance = cls.users["asq_finance"]
        cls.lot = cls.env["stock.lot"].create(
            {"name": "WC-LOT-1", "product_id": cls.product.id}
        )

    def _claim(self, **vals):
        values = {
            "partner_id": self.customer.id,
            "product_id": self.product.id,
            "lot_id": self.lot.id,
            "quantity": 4,
            "customer_reference": "OEM-CLAIM-77",
            "claimed_amount": 400.0,
            "description": "Display dead after 3 months",
            **vals,
        }
        return self._create_as(self.sales, CLAIM, values)

    def _by(self, claim, user):
        return claim.with_user(user).with_context(lang="en_US")

    def _analysed(self, verdict, analysis="Connector corroded", **vals):
        """A claim received by sales and analysed by the inspector."""
        claim = self._claim(**vals)
        claim.action_receive()
        self._fill_and_press(
            claim,
            self.inspector,
            {"analysis": analysis, "verdict": verdict},
            "action_analyse",
        )
        return claim.with_user(self.sales)

    def _settled_ours(self, amount, **vals):
        claim = self._analysed("ours", **vals)
        self._fill_and_press(
            claim, self.qm, {"accepted_amount": amount}, "action_close"
        )
        return claim


@tagged("post_install", "-at_install", "asq_procedures")
class TestWarrantyClaim(WarrantyCommon):
    def test_not_our_fault_explained_to_the_customer_then_closed(self):
        claim = self._claim()
        self.assertRegex(claim.name, r"^WC/\d{4}/\d{4}$")
        self.assertEqual(claim.state, "draft")
        claim.action_receive()
        self.assertEqual(
            (claim.state, claim.received_user_id), ("received", self.sales)
        )
        # The analysis is the quality department's.
        with self.assertRaisesRegex(AccessError, "Quality Inspector"):
            self._by(claim, self.sales).write({"verdict": "not_ours"})
        with self.assertRaisesRegex(AccessError, "Quality Inspector"):
            self._by(claim, self.sales).action_analyse()
        inspector = self._by(claim, self.inspector)
        with self.assertRaisesRegex(
            UserError, f"^Record the cause analysis and the verdict of {claim.name}"
        ):
            inspector.action_analyse()
        inspector.write(
            {
                "analysis": "Housing cracked by a fall: impact marks on two corners",
                "verdict": "not_ours",
            }
        )
        inspector.action_analyse()
        self.assertEqual(
            (claim.state, claim.analysed_user_id), ("analysed", self.inspector)
        )
        self.assertFalse(claim.capa_id)
        # The explanation starts from the analysis, still editable.
        self.assertEqual(
            claim.explanation, "Housing cracked by a fall: impact marks on two corners"
        )
        claim.explanation = "The parts show impact marks: damage outside warranty."
        # Closing waits for the explanation.
        with self.assertRaisesRegex(
            UserError,
            f"^Send the explanation of {claim.name} to the customer before closing",
        ):
            self._by(claim, self.qm).action_close()
        # Sent through Odoo's composer with the template: a mail to the customer.
        action = claim.action_explain()
        self.assertEqual(action["res_model"], "mail.compose.message")
        asq_send_composer(claim.env, action)
        self.assertEqual(claim.explained_user_id, self.sales)
        message = claim.message_ids.filtered(
            lambda m: self.customer.commercial_partner_id in m.partner_ids
        )[:1]
        self.assertIn("damage outside warranty", message.body)
        mail = (
            self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        )
        self.assertTrue(mail)
        self.assertIn(self.customer, mail.recipient_ids)
        self.assertIn("OEM-CLAIM-77", mail.subject)
        # Sent once: a second composer is refused.
        with self.assertRaisesRegex(UserError, "already sent"):
            claim.action_explain()
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            claim.explanation = "Something else"
        self._by(claim, self.qm).action_close()
        self.assertEqual((claim.state, claim.closed_user_id), ("closed", self.qm))
        with self.assertRaisesRegex(UserError, "is closed"):
            self._by(claim, self.qm).write({"customer_reference": "X"})

    def test_no_trouble_found_is_explained_too(self):
        claim = self._analysed("no_trouble", analysis="Bench test 48 h: no fault")
        self.assertTrue(claim.can_explain)
        asq_send_composer(claim.env, claim.action_explain())
        self.assertTrue(claim.explained_date)
        with self.assertRaisesRegex(UserError, "is not our fault: no credit"):
            self._by(claim, self.qm).accepted_amount = 10.0
        self._by(claim, self.qm).action_close()
        self.assertEqual(claim.state, "closed")

    def test_our_fault_opens_a_capa_and_accepts_the_credit(self):
        claim = self._analysed("ours", analysis="Solder joint cracked (process)")
        # (read as the quality department: the claim's user may not read it)
        capa = claim.sudo().capa_id
        self.assertTrue(capa)
        self.assertEqual(
            (capa.source, capa.origin, capa.state), ("warranty", claim.name, "draft")
        )
        self.assertEqual(capa.warranty_claim_ids, claim)
        self.assertIn("Solder joint cracked", capa.problem)
        self.assertEqual(capa.product_ids, self.product)
        self.assertEqual(capa.lot_ids, self.lot)
        # Nothing to explain: the CAPA and the credit settle it.
        self.assertFalse(claim.can_explain)
        with self.assertRaisesRegex(UserError, "is our fault: there is no explanation"):
            claim.action_explain()
        qm = self._by(claim, self.qm)
        with self.assertRaisesRegex(UserError, "Enter the credit accepted"):
            qm.action_close()
        # The credit is the quality manager's to accept, not above the claim.
        with self.assertRaisesRegex(AccessError, "Quality Manager"):
            self._by(claim, self.sales).write({"accepted_amount": 300.0})
        qm.accepted_amount = 450.0
        with self.assertRaisesRegex(UserError, "more than the amount claimed"):
            qm.action_close()
        qm.accepted_amount = 300.0
        qm.action_close()
        self.assertEqual((claim.state, claim.accepted_amount), ("closed", 300.0))
        # Cancelling the CAPA would leave the claim unfollowed: shown on it.
        self.assertEqual(claim.capa_state, "draft")

    def test_credit_note_draft_for_the_customer(self):
        if not self.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", self.company.id)], limit=1
        ):
            self.skipTest("no sales journal (no chart of accounts)")
        claim = self._settled_ours(300.0)
        with self.assertRaisesRegex(AccessError, "Finance Reviewer"):
            self._by(claim, self.sales).action_credit_note()
        self._by(claim, self.finance).action_credit_note()
        move = claim.credit_note_id.sudo()
        self.assertEqual(
            (move.move_type, move.state, move.partner_id, move.amount_total),
            ("out_refund", "draft", self.customer, 300.0),
        )
        self.assertEqual(move.invoice_origin, claim.name)
        with self.assertRaisesRegex(UserError, "already has its credit note"):
            self._by(claim, self.finance).action_credit_note()
        # Every signature on the claim has its step record, by a signer
        # holding the step's role (the auditor's queries).
        records = self.env["asq.step.record"].search(
            [("res_model", "=", CLAIM), ("res_id", "=", claim.id)], order="id"
        )
        self.assertEqual(
            [(r.step, r.user_id) for r in records],
            [
                ("receive", self.sales),
                ("analyse", self.inspector),
                ("close", self.qm),
                ("credit_note", self.finance),
            ],
        )
        findings = audit(self.env)
        self.assertNotIn(claim.id, findings["step_stamp_without_record"][1])
        self.assertFalse(
            set(records.ids) & set(findings["step_signed_without_role"][1])
        )

    def test_refusals_wrong_state_role_and_forged_context(self):
        claim = self._claim()
        # Wrong state: analysing parts not received yet; receiving twice.
        inspector = self._by(claim, self.inspector)
        with self.assertRaises(AsqStateError):
            inspector.action_analyse()
        claim.action_receive()
        with self.assertRaisesRegex(AsqStateError, "Parts Received"):
            claim.action_receive()
        # Wrong role: sales cannot close, an employee cannot even record one.
        with self.assertRaisesRegex(AccessError, "Quality Manager"):
            claim.action_close()
        with self.assertRaises(AccessError):
            self.env[CLAIM].with_user(self.users["asq_employee"]).create(
                {"partner_id": self.customer.id, "product_id": self.product.id}
            )
        # Forged context keys unlock nothing: the workflow key as a plain
        # value, and the composer's key on a claim not analysed yet.
        forged = claim.with_context(asq_warranty_claim_workflow=True)
        with self.assertRaisesRegex(UserError, "Use the workflow buttons"):
            forged.write({"state": "closed"})
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            forged.write({"analysed_user_id": self.sales.id})
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            forged.write(
                {"capa_id": self.env["asq.capa"].sudo().search([], limit=1).id}
            )
        with self.assertRaisesRegex(AsqStateError, "Send the Explanation"):
            claim.with_context(asq_mail_step="explain").message_post(
                body="Not our fault", partner_ids=self.customer.ids
            )
        self.assertFalse(claim.explained_user_id)
        # A signature cannot be given at creation either.
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            self._claim(closed_user_id=self.sales.id)
        self.assertEqual(claim.state, "received")
        # The explanation must go to the customer.
        self._fill_and_press(
            claim,
            self.inspector,
            {"analysis": "No fault", "verdict": "no_trouble"},
            "action_analyse",
        )
        with self.assertRaisesRegex(UserError, "must go to the customer"):
            claim.with_context(asq_mail_step="explain").message_post(
                body="Not our fault", partner_ids=self.sales.partner_id.ids
            )
        self.assertFalse(claim.explained_user_id)

    def test_customer_deadline_overdue_and_todo(self):
        """The customer's deadline: the inspectors' to-do is due then, and
        the claim is overdue until the analysis is signed."""
        today = fields.Date.context_today(self.env.user)
        claim = self._claim(customer_due_date=today - relativedelta(days=2))
        self.assertTrue(claim.is_overdue)
        claim.action_receive()
        todo = claim.activity_ids.filtered(lambda a: a.asq_step == "analyse")
        self.assertIn(self.inspector, todo.user_id)
        self.assertEqual(set(todo.mapped("date_deadline")), {claim.customer_due_date})
        Claim = self.env[CLAIM].with_user(self.inspector)
        self.assertIn(claim, Claim.search([("is_overdue", "=", True)]))
        self._fill_and_press(
            claim,
            self.inspector,
            {"analysis": "No fault", "verdict": "no_trouble"},
            "action_analyse",
        )
        claim.invalidate_recordset()
        self.assertFalse(claim.is_overdue)
        self.assertNotIn(claim, Claim.search([("is_overdue", "=", True)]))
        # The analysis signed, the explanation waits for the responsible.
        todo = claim.activity_ids.filtered(lambda a: a.asq_step == "explain")
        self.assertEqual(todo.user_id, self.sales)
        self.assertFalse(claim.activity_ids.filtered(lambda a: a.asq_step == "analyse"))

    def test_claim_from_the_delivery_it_came_from(self):
        """The delivered move, when known, tells the sales order and the lot."""
        move = self.picking.move_ids.filtered(lambda m: m.product_id == self.product)
        aftersales = self.users["asq_aftersales"]
        form = Form(self.env[CLAIM].with_user(aftersales))
        form.partner_id = self.customer
        form.product_id = self.product
        form.move_id = move
        self.assertEqual(form.sale_order_id, self.picking.sale_id)
        self.assertEqual(form.lot_id.name, "CC-LOT-1")
        claim = form.save()
        self.assertEqual(claim.sale_order_id, self.picking.sale_id)
        self.assertEqual(claim.user_id, aftersales)
        # A salesperson who may not read that order: the lot only.
        form = Form(self.env[CLAIM].with_user(self.sales))
        form.partner_id = self.customer
        form.product_id = self.product
        form.move_id = move
        self.assertFalse(form.sale_order_id)
        self.assertEqual(form.lot_id.name, "CC-LOT-1")

    def test_cancel_needs_a_reason(self):
        claim = self._claim()
        with self.assertRaisesRegex(UserError, "Give the reason for cancelling"):
            claim.action_cancel()
        claim.cancel_reason = "Customer withdrew the claim"
        claim.action_cancel()
        self._assert_cancelled(claim, "Customer withdrew the claim", "asq_sales")
        with self.assertRaisesRegex(UserError, "Only draft warranty claims"):
            claim.sudo().unlink()

    def test_warranty_cost_per_product_customer_and_month(self):
        """The cost report's figures, by hand: accepted credit of the claims
        at our fault per product and month, and their count."""
        other = self.remote_customer
        jan = fields.Date.to_date("2026-01-15")
        feb = fields.Date.to_date("2026-02-10")
        self._settled_ours(300.0, claim_date=jan)
        self._settled_ours(120.0, claim_date=jan, partner_id=other.id)
        self._settled_ours(
            50.0, claim_date=feb, product_id=self.product_b.id, lot_id=False
        )
        self._settled_ours(80.0, claim_date=feb)
        # Not ours: counted, no cost.
        self._analysed("not_ours", claim_date=feb)
        action = self.env.ref("after_sales_quality.asq_warranty_claim_action_cost")
        Claim = self.env[CLAIM].with_user(self.users["asq_aftersales"])
        # (this test's products: the demo has claims of its own)
        domain = [
            *literal_eval(action.domain),
            ("claim_date", ">=", "2026-01-01"),
            ("product_id", "in", [self.product.id, self.product_b.id]),
        ]
        rows = Claim._read_group(
            domain,
            ["product_id", "claim_date:month"],
            ["accepted_amount:sum", "__count"],
        )
        figures = {
            (product.name, month.strftime("%Y-%m")): (amount, count)
            for product, month, amount, count in rows
        }
        self.assertEqual(
            figures,
            {
                ("Test Glucometer", "2026-01"): (420.0, 2),
                ("Test Glucometer", "2026-02"): (80.0, 2),
                ("Test Strips", "2026-02"): (50.0, 1),
            },
        )
        per_customer = dict(
            Claim._read_group(
                [*domain, ("verdict", "=", "ours")],
                ["commercial_partner_id"],
                ["accepted_amount:sum"],
            )
        )
        self.assertEqual(per_customer, {self.customer: 430.0, other: 120.0})
        # The views open on these figures.
        for view_type in ("pivot", "graph"):
            Claim.get_views([(False, view_type)])

    def test_printed_analysis_report(self):
        claim = self._settled_ours(300.0)
        html = self._html(REPORT, claim)
        self.assertIn("Warranty Claim Parts Analysis Report", html)
        self.assertIn(claim.name, html)
        self.assertIn("OEM-CLAIM-77", html)
        self.assertIn("Connector corroded", html)
        self.assertIn(claim.capa_id.name, html)
        self.assertIn(self.inspector.name, html)
        self._assert_pdf(REPORT, claim)

    def test_printed_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["after_sales_quality"], ["zh_CN"], overwrite=True
        )
        self.customer.lang = "zh_CN"
        claim = self._analysed("not_ours", analysis="外壳有跌落撞击痕迹")
        html = self._html(REPORT, claim)
        for term in ("三包索赔件分析报告", "原因分析", "非公司原因", "质量部"):
            self.assertIn(term, html)

    def test_other_company_does_not_see_the_claim(self):
        claim = self._claim()
        other = self.env["res.company"].create({"name": "WC Other Company"})
        outsider = new_test_user(
            self.env,
            login="wc_outsider",
            groups="after_sales_quality.group_asq_manager",
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        Claim = self.env[CLAIM].with_user(outsider)
        self.assertFalse(Claim.search([("id", "=", claim.id)]))
        with self.assertRaises(AccessError):
            claim.with_user(outsider).read(["name"])

    def test_chinese_labels(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["after_sales_quality"], ["zh_CN"], overwrite=True
        )
        Claim = self.env[CLAIM].with_context(lang="zh_CN")
        info = Claim.fields_get(["verdict", "accepted_amount"], ["string", "selection"])
        self.assertEqual(info["accepted_amount"]["string"], "认可索赔金额")
        self.assertIn(
            ["not_ours", "非公司原因"], [list(s) for s in info["verdict"]["selection"]]
        )
        self.assertEqual(
            self.env["ir.model"].with_context(lang="zh_CN")._get(CLAIM).name,
            "三包索赔件",
        )


@tagged("post_install", "-at_install", "asq_procedures")
class TestWarrantyClaimTour(HttpCase, WarrantyCommon):
    def test_warranty_claim_from_receipt_to_verdict(self):
        self.env.ref("base.user_admin").email = "admin@example.com"
        customer = self.env["res.partner"].create(
            {
                "name": "Tour Warranty OEM",
                "is_company": True,
                "customer_rank": 1,
                "email": "tour.oem@example.com",
            }
        )
        self.product.name = "Tour Warranty Sensor"
        self.start_tour(
            "/odoo/asq-warranty-claims", "asq_procedures_warranty", login="admin"
        )
        claim = self.env[CLAIM].search([("partner_id", "=", customer.id)])
        admin = self.env.ref("base.user_admin")
        self.assertEqual(
            (claim.state, claim.verdict, claim.analysed_user_id),
            ("analysed", "not_ours", admin),
        )
        self.assertEqual(claim.received_user_id, admin)
        self.assertEqual(claim.explained_user_id, admin)
        self.assertTrue(
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", CLAIM), ("res_id", "=", claim.id)])
            .filtered(lambda m: customer in m.recipient_ids)
        )
        self.assertEqual(claim.quantity, 2.0)
        self.assertEqual(claim.customer_reference, "TOUR-WC-1")
        self.assertFalse(self.env["asq.capa"].search([("origin", "=", claim.name)]))
