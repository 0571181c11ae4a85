from datetime import datetime
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from odoo.addons.after_sales_quality.models.asq_workflow_mixin import asq_step
from odoo.addons.after_sales_quality.tests.audit import audit
from odoo.addons.after_sales_quality.tests.common import AsqCommon


class ReturnCommon(AsqCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.email = "buyer@kangtai.example.com"
        cls.company.email = "aftersales@example.com"
        cls.sales = cls.users["asq_sales"]
        cls.aftersales = cls.users["asq_aftersales"]
        cls.finance = cls.users["asq_finance"]
        cls.business = cls.users["asq_business"]
        cls.gm = cls.users["asq_gm"]
        cls.inspector = cls.users["asq_inspector"]
        cls.warehouse_user = cls.users["asq_warehouse"]
        cls.qm = cls.users["asq_qm"]
        # 100 glucometers at 100 and 100 strips at 10: 11000 delivered.
        cls.delivery = cls._deliver(
            cls.customer,
            [
                (cls.product, 100, 100.0, "L-RET-1"),
                (cls.product_b, 100, 10.0, "L-RET-2"),
            ],
            date=cls._months_ago(1),
        )
        cls.move = cls.delivery.move_ids.filtered(lambda m: m.product_id == cls.product)

    def _delivered(self, product=None):
        return self.env["asq.delivered.line"].search(
            [
                ("picking_id", "=", self.delivery.id),
                ("product_id", "=", (product or self.product).id),
            ]
        )

    def _create_return(self, qty=2.0, kind="unsaleable", resolution="exchange", **kw):
        """Created by the sales user; returned in the test's environment."""
        ret = self._return_request(
            self.customer,
            [(self._delivered(kw.get("product")), qty)],
            user=self.sales,
            kind=kind,
            resolution=resolution,
            reason="Does not sell in this region",
        )
        self.assertEqual(ret.user_id, self.sales)
        return ret

    def _sign(self, ret, user, comment="OK"):
        ret.with_user(user).action_sign(comment)

    def _approve(self, ret):
        ret.with_user(self.sales).action_submit()
        self._sign(ret, self.aftersales)
        self._sign(ret, self.finance)
        self._sign(ret, self.business)
        if ret.state == "gm":
            self._sign(ret, self.gm, "Key customer, special case")
        self.assertEqual(ret.state, "approved")

    def _receive(self, ret):
        ret.with_user(self.warehouse_user).action_create_receipt()
        receipt = ret.picking_ids.filtered(lambda p: p.asq_return_role == "receipt")
        receipt.with_user(self.warehouse_user).button_validate()
        return receipt

    def _qc(self, ret, result="accept", disposition="stock", **vals):
        ret.line_ids.with_user(self.inspector).write(
            {"qc_result": result, "qc_disposition": disposition, **vals}
        )
        ret.with_user(self.inspector).action_qc_sign()


@tagged("post_install", "-at_install", "asq_return")
class TestReturnChain(ReturnCommon):
    def test_unsaleable_within_contract(self):
        ret = self._create_return(qty=2.0)
        self.assertEqual(ret.line_ids.price_unit, 100.0)
        self.assertEqual(ret.amount_total, 200.0)
        self.assertEqual(ret.line_ids.delivered_qty, 100.0)
        ret.with_user(self.sales).action_submit()
        self.assertEqual(ret.state, "submitted")
        self._sign(ret, self.aftersales)
        self.assertEqual(ret.state, "finance")
        # 200 / 11000 = 1.82 % of a 5 % cap, one month old of 90 days.
        self.assertAlmostEqual(ret.live_ratio, 200 / 11000 * 100, places=2)
        self.assertFalse(ret.live_beyond)
        self._sign(ret, self.finance)
        self.assertEqual(ret.state, "business")
        self.assertFalse(ret.finance_beyond)
        self._sign(ret, self.business)
        self.assertEqual(ret.state, "approved")
        self.assertEqual(
            ret.approval_ids.mapped("step"), ["submit", "review", "finance", "business"]
        )
        self.assertEqual(ret.approval_ids[2].user_id, self.finance)
        self.assertIn("within the contract", ret.approval_ids[2].comment)
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            ret.approval_ids[0].comment = "forged"
        with self.assertRaises(AccessError):
            ret.approval_ids[0].with_user(self.qm).unlink()
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            ret.approval_ids[0].unlink()
        with self.assertRaisesRegex(UserError, "read-only"):
            ret.with_user(self.aftersales).date_request = "2020-01-01"

    def test_beyond_contract_needs_general_manager(self):
        # 600 of 11000 = 5.45 % > 5 %.
        ret = self._create_return(qty=6.0)
        ret.with_user(self.sales).action_submit()
        self._sign(ret, self.aftersales)
        self.assertTrue(ret.live_beyond)
        self._sign(ret, self.finance)
        self.assertTrue(ret.finance_beyond)
        self._sign(ret, self.business)
        self.assertEqual(ret.state, "gm")
        with self.assertRaisesRegex(UserError, "Give the reason of the special case"):
            self._sign(ret, self.gm, "")
        with self.assertRaisesRegex(AccessError, "General Manager"):
            self._sign(ret, self.business, "I approve")
        self._sign(ret, self.gm, "Key customer: exceptional exchange")
        self.assertEqual(ret.state, "approved")
        self.assertEqual(ret.gm_user_id, self.gm)

    def test_time_limit_beyond_contract(self):
        old = self._deliver(
            self.customer,
            [(self.product, 10, 100.0, "L-OLD")],
            date=self._months_ago(6),
        )
        ret = self._return_request(
            self.customer,
            [(self._delivered_lines(old), 1)],
            user=self.sales,
            reason="Old stock",
        )
        self.assertGreater(ret.max_days, 90)
        self.assertTrue(ret.live_beyond)

    def test_quality_return_rejected_by_qc(self):
        ret = self._create_return(qty=3.0, kind="quality", resolution="refund")
        self._approve(ret)
        receipt = self._receive(ret)
        self.assertEqual(receipt.state, "done")
        self.assertEqual(ret.state, "received")
        self.assertEqual(receipt.move_ids.origin_returned_move_id, self.move)
        self.assertEqual(receipt.location_dest_id.asq_return_usage, "qc")
        self.assertEqual(receipt.move_line_ids.lot_id.name, "L-RET-1")
        self.assertEqual(self._delivered().returned_qty, 3.0)
        with self.assertRaisesRegex(UserError, "the written explanation"):
            self._qc(ret, "reject", False)
        self._qc(ret, "reject", False, qc_note="Casing crushed by the customer")
        self.assertEqual(ret.state, "inspected")
        self.assertFalse(ret.refund_ids)
        back = ret.picking_ids.filtered(lambda p: p.asq_return_role == "reject")
        self.assertEqual(back.location_dest_id.usage, "customer")
        self.assertIn("Casing crushed", ret.approval_ids[-1].comment)

    def test_quality_return_company_fault_refund_and_capa(self):
        ret = self._create_return(qty=3.0, kind="quality", resolution="refund")
        self._approve(ret)
        self._receive(ret)
        department = self.env["hr.department"].create({"name": "Assembly"})
        with self.assertRaisesRegex(UserError, "the responsible department"):
            self._qc(ret, qc_company_fault=True)
        self._qc(
            ret,
            disposition="rework",
            qc_company_fault=True,
            qc_department_id=department.id,
            qc_note="Solder joint cracked",
        )
        line = ret.line_ids
        self.assertEqual(line.capa_id.source, "return_qc")
        self.assertEqual(line.capa_id.department_id, department)
        self.assertEqual(ret.refund_count, 1)
        refund = ret.refund_ids
        self.assertEqual(refund.move_type, "out_refund")
        self.assertEqual(refund.state, "draft")
        self.assertEqual(refund.amount_untaxed, 300.0)
        putaway = ret.picking_ids.filtered(lambda p: p.asq_return_role == "putaway")
        self.assertEqual(putaway.location_dest_id.asq_return_usage, "rework")
        putaway.with_user(self.warehouse_user).button_validate()
        self.assertEqual(putaway.state, "done")
        # 003 《返工通知单》: the request waits for the reworked goods back in
        # stock (the notice's steps: test_procedures_rework).
        self.assertEqual(ret.state, "inspected")
        self.assertEqual(ret.rework_notice_ids.state, "draft")
        self.assertEqual(ret.rework_notice_ids.quantity, 3.0)

    def test_refund_reverses_the_customer_invoice(self):
        order = self.delivery.sale_id
        invoice = order._create_invoices()
        invoice.action_post()
        ret = self._create_return(qty=4.0, kind="quality", resolution="refund")
        self._approve(ret)
        self._receive(ret)
        self._qc(ret)
        refund = ret.refund_ids
        self.assertEqual(refund.reversed_entry_id, invoice)
        self.assertEqual(refund.state, "draft")
        self.assertEqual(refund.invoice_line_ids.quantity, 4.0)
        self.assertEqual(refund.amount_untaxed, 400.0)

    def test_exchange_creates_replacement_delivery(self):
        ret = self._create_return(qty=2.0)
        self._approve(ret)
        self._receive(ret)
        self._qc(ret)
        replacement = ret.picking_ids.filtered(
            lambda p: p.asq_return_role == "replacement"
        )
        self.assertEqual(replacement.picking_type_id.code, "outgoing")
        self.assertEqual(replacement.move_ids.product_id, self.product)
        self.assertEqual(replacement.move_ids.product_uom_qty, 2.0)
        self.assertEqual(ret.line_ids.replacement_picking_id, replacement)
        self.assertFalse(ret.refund_ids)
        self.assertEqual(ret.picking_count, 3)

    def test_refused_request_mails_the_customer(self):
        ret = self._create_return()
        ret.with_user(self.sales).action_submit()
        with self.assertRaisesRegex(UserError, "Give the reason for refusing"):
            ret.with_user(self.aftersales).action_sign("", approve=False)
        ret.with_user(self.aftersales).action_sign(
            "Goods were sold as final clearance", approve=False
        )
        self.assertEqual(ret.state, "refused")
        with self.assertRaisesRegex(UserError, "Reload the page"):
            ret.with_user(self.aftersales).action_sign("again", approve=False)
        # One mail to the customer (the signers' to-do notices are internal).
        mail = self.env["mail.mail"].search(
            [
                ("model", "=", "asq.return"),
                ("res_id", "=", ret.id),
                ("recipient_ids", "in", self.customer.ids),
            ]
        )
        self.assertEqual(len(mail), 1)
        self.assertIn("final clearance", mail.body_html)

    def test_reopen_by_quality_manager_only(self):
        ret = self._create_return()
        ret.with_user(self.sales).action_submit()
        self._sign(ret, self.aftersales)
        with self.assertRaisesRegex(AccessError, "Quality Manager"):
            ret.with_user(self.business)._reopen("Wrong quantity")
        with self.assertRaisesRegex(UserError, "reason for reopening"):
            ret.with_user(self.qm)._reopen(" ")
        ret.with_user(self.qm)._reopen("Wrong quantity")
        self.assertEqual(ret.state, "draft")
        self.assertFalse(ret.review_user_id)
        self.assertEqual(ret.approval_ids[-1].step, "reopen")
        self.assertEqual(ret.approval_ids[-1].comment, "Wrong quantity")
        ret.with_user(self.sales).line_ids.quantity = 1.0
        self.assertEqual(ret.amount_total, 100.0)


@tagged("post_install", "-at_install", "asq_return")
class TestReturnGate(ReturnCommon):
    def test_receipt_cannot_be_validated_before_approval(self):
        ret = self._create_return()
        ret.with_user(self.sales).action_submit()
        self._sign(ret, self.aftersales)
        # [15] The button waits for every signature ...
        with self.assertRaisesRegex(UserError, "Create Receipt is not possible"):
            ret.with_user(self.warehouse_user).action_create_receipt()
        self.assertFalse(ret.with_user(self.warehouse_user).can_create_receipt)
        # ... and a receipt made anyway (in code) cannot be booked before.
        ret.sudo()._create_receipts()
        receipt = ret.picking_ids
        self.assertEqual(receipt.return_id, self.delivery)
        self.assertEqual(receipt.move_ids.origin_returned_move_id, self.move)
        with self.assertRaisesRegex(
            UserError,
            "cannot be validated: return request .* still needs finance check, "
            "business head approval",
        ):
            receipt.with_user(self.warehouse_user).button_validate()
        with self.assertRaisesRegex(UserError, "still needs"):
            receipt.with_user(self.warehouse_user)._action_done()
        self._sign(ret, self.finance)
        self._sign(ret, self.business)
        receipt.with_user(self.warehouse_user).button_validate()
        self.assertEqual(receipt.state, "done")
        self.assertEqual(ret.state, "received")

    def test_gm_signature_is_named_when_missing(self):
        ret = self._create_return(qty=6.0)
        ret.with_user(self.sales).action_submit()
        self._sign(ret, self.aftersales)
        self._sign(ret, self.finance)
        self._sign(ret, self.business)
        with self.assertRaisesRegex(UserError, "Create Receipt is not possible"):
            ret.with_user(self.aftersales).action_create_receipt()
        ret.sudo()._create_receipts()
        with self.assertRaisesRegex(UserError, "still needs general manager approval"):
            ret.picking_ids.with_user(self.warehouse_user).button_validate()

    def test_putaway_needs_qc_signature(self):
        ret = self._create_return()
        self._approve(ret)
        self._receive(ret)
        self._qc(ret)
        putaway = ret.picking_ids.filtered(lambda p: p.asq_return_role == "putaway")
        # A forged put-away without the QC signature is refused.
        forged = putaway.copy({"asq_return_id": ret.id, "asq_return_role": "putaway"})
        ret.sudo().with_context(**asq_step("asq_return_workflow")).write(
            {"qc_user_id": False}
        )
        with self.assertRaisesRegex(UserError, "still needs QC inspection"):
            forged.button_validate()

    def test_double_click_makes_one_receipt(self):
        ret = self._create_return()
        self._approve(ret)
        ret.with_user(self.warehouse_user).action_create_receipt()
        with self.assertRaisesRegex(UserError, "Reload the page"):
            ret.with_user(self.warehouse_user).action_create_receipt()
        self.assertEqual(len(ret.picking_ids), 1)
        with self.assertRaisesRegex(UserError, "Reload the page"):
            self._sign(ret, self.business)
        self.assertEqual(
            len(ret.approval_ids.filtered(lambda a: a.step == "business")), 1
        )

    def test_replayed_qc_makes_one_credit_note(self):
        ret = self._create_return(qty=1.0, kind="quality", resolution="refund")
        self._approve(ret)
        self._receive(ret)
        self._qc(ret)
        with self.assertRaisesRegex(UserError, "Reload the page"):
            ret.with_user(self.inspector).action_qc_sign()
        self.assertEqual(ret.refund_count, 1)

    def test_over_return_two_requests_same_move(self):
        first = self._create_return(qty=60.0)
        first.with_user(self.sales).action_submit()
        second = self._create_return(qty=50.0)
        with self.assertRaisesRegex(
            UserError, "100.0 delivered, 0.0 already returned and 110.0 requested"
        ):
            second.with_user(self.sales).action_submit()
        self.assertEqual(second.state, "draft")
        second.with_user(self.sales).line_ids.quantity = 40.0
        second.with_user(self.sales).action_submit()
        self.assertEqual(second.state, "submitted")

    def test_over_return_counts_done_returns(self):
        self._return(self.delivery, {self.product: 95.0})
        # a draft never asks for more than is still at the customer
        with self.assertRaisesRegex(ValidationError, "only 5.0 still at the customer"):
            self._create_return(qty=6.0)
        # two drafts within it each, beyond it together: the second to be
        # submitted is refused
        first, second = self._create_return(qty=3.0), self._create_return(qty=3.0)
        first.with_user(self.sales).action_submit()
        with self.assertRaisesRegex(UserError, "95.0 already returned"):
            second.with_user(self.sales).action_submit()

    def test_transport_order_only_after_approval(self):
        ret = self._create_return()
        ret.with_user(self.sales).action_submit()
        report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        with self.assertRaisesRegex(UserError, "only once the request is approved"):
            report._render_qweb_pdf(
                "after_sales_quality.asq_return_report_transport", ret.ids
            )
        self._sign(ret, self.aftersales)
        self._sign(ret, self.finance)
        self._sign(ret, self.business)
        pdf, _ = report._render_qweb_pdf(
            "after_sales_quality.asq_return_report_transport", ret.ids
        )
        self.assertTrue(pdf.startswith(b"%PDF"))
        pdf, _ = report._render_qweb_pdf(
            "after_sales_quality.asq_return_report_note", ret.ids
        )
        self.assertTrue(pdf.startswith(b"%PDF"))


@tagged("post_install", "-at_install", "asq_return")
class TestReturnRoles(ReturnCommon):
    def test_each_step_refuses_other_roles(self):
        ret = self._create_return()
        with self.assertRaisesRegex(AccessError, "Submit"):
            ret.with_user(self.finance).action_submit()
        ret.with_user(self.sales).action_submit()
        for user in (self.sales, self.finance, self.warehouse_user):
            with self.assertRaisesRegex(
                AccessError,
                r"You are not allowed to do this step \(After-Sales Review\): it "
                r"needs the role After-Sales User: All Documents",
            ):
                self._sign(ret, user)
        self._sign(ret, self.aftersales)
        for user in (self.aftersales, self.business, self.inspector):
            with self.assertRaisesRegex(AccessError, "Finance Reviewer"):
                self._sign(ret, user)
        self._sign(ret, self.finance)
        for user in (self.aftersales, self.finance, self.inspector):
            with self.assertRaisesRegex(AccessError, "Business Head"):
                self._sign(ret, user)
        with self.assertRaisesRegex(AccessError, "Create Receipt"):
            ret.with_user(self.finance).action_create_receipt()
        self._sign(ret, self.business)
        self._receive(ret)
        with self.assertRaisesRegex(AccessError, "Quality Inspector"):
            ret.with_user(self.aftersales).action_qc_sign()
        with self.assertRaisesRegex(UserError, "no longer be changed"):
            ret.line_ids.with_user(self.aftersales).qc_result = "accept"
        self._qc(ret)
        self.assertEqual(ret.state, "inspected")

    def test_waiting_for_me_follows_the_role(self):
        ret = self._create_return()
        ret.with_user(self.sales).action_submit()
        self._sign(ret, self.aftersales)
        Return = self.env["asq.return"]
        mine = [("waiting_for_me", "=", True), ("id", "=", ret.id)]
        self.assertEqual(Return.with_user(self.finance).search(mine), ret)
        self.assertFalse(Return.with_user(self.business).search(mine))
        self._sign(ret, self.finance)
        self.assertEqual(Return.with_user(self.business).search(mine), ret)
        self.assertTrue(ret.with_user(self.business).waiting_for_me)

    def test_signature_fields_cannot_be_forged(self):
        ret = self._create_return()
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            ret.with_user(self.sales).write({"business_user_id": self.sales.id})
        with self.assertRaisesRegex(UserError, "workflow buttons"):
            ret.with_user(self.sales).write({"state": "approved"})

    def test_submitted_lines_only_take_qc_findings(self):
        ret = self._create_return()
        ret.with_user(self.users["asq_sales"]).action_submit()
        line = ret.line_ids
        editor = ret.with_user(self.users["asq_aftersales"])
        # The request refuses any line command while its lines are locked
        # (the table: draft and received only, as the form shows them)...
        new_line = {
            "delivered_line_id": line.delivered_line_id.id,
            "quantity": 1,
            "kind": "unsaleable",
            "reason": "forged",
        }
        for command in (
            Command.update(line.id, {"quantity": 99}),
            Command.delete(line.id),
            Command.create(new_line),
        ):
            with self.assertRaisesRegex(UserError, "can no longer be changed here"):
                editor.write({"line_ids": [command]})
        # ... and the lines guard themselves, reached directly.
        lines = line.with_user(self.users["asq_aftersales"])
        with self.assertRaisesRegex(UserError, "can no longer be changed here"):
            lines.quantity = 99
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            lines.unlink()
        with self.assertRaisesRegex(UserError, "lines can no longer be added"):
            lines.create({**new_line, "return_id": ret.id})
        self.assertEqual((line.quantity, len(ret.line_ids)), (2.0, 1))

    def test_own_documents_and_read_access(self):
        ret = self._create_return()
        other = self.env["res.users"].create(
            {
                "name": "Other Sales",
                "login": "asq_sales_2",
                "groups_id": [
                    Command.set(self.env.ref("after_sales_quality.group_asq_user").ids)
                ],
            }
        )
        self.assertFalse(
            self.env["asq.return"].with_user(other).search([("id", "=", ret.id)])
        )
        self.assertEqual(
            self.env["asq.return"]
            .with_user(self.finance)
            .search([("id", "=", ret.id)]),
            ret,
        )
        with self.assertRaises(AccessError):
            ret.with_user(self.finance).write({"date_request": "2020-01-01"})
        with self.assertRaises(AccessError):
            self.env["asq.return"].with_user(self.users["asq_employee"]).search([])

    def test_multi_company_rule(self):
        other = self.env["res.company"].create({"name": "Other Factory"})
        foreign = self.env["asq.return"].create(
            {"partner_id": self.customer.id, "company_id": other.id}
        )
        Return = self.env["asq.return"].with_user(self.aftersales)
        self.assertFalse(Return.search([("id", "=", foreign.id)]))
        self.aftersales.company_ids = [Command.link(other.id)]
        self.assertEqual(
            Return.with_context(allowed_company_ids=[other.id]).search(
                [("id", "=", foreign.id)]
            ),
            foreign,
        )

    def test_partner_smart_button(self):
        ret = self._create_return()
        self.assertEqual(ret.partner_id, self.customer)
        self._create_return()
        partners = self.customer | self.customer_contact
        partners.invalidate_recordset(["asq_return_count"])
        with self.assertQueryCount(__system__=2):
            self.assertEqual(partners.mapped("asq_return_count"), [2, 2])


@tagged("post_install", "-at_install", "asq_return")
class TestReturnNote(ReturnCommon):
    def test_next_working_day_noon(self):
        self.company.partner_id.tz = "Asia/Shanghai"
        calendar = self.company.resource_calendar_id

        def noon(when):
            return calendar._asq_next_working_noon(when, self.company.partner_id.tz)

        # Friday 16:00 Shanghai (08:00 UTC) -> Monday 12:00 Shanghai (04:00 UTC).
        self.assertEqual(
            noon(datetime(2026, 11, 20, 8, 0)),
            datetime(2026, 11, 23, 4, 0),
        )
        # Tuesday -> Wednesday.
        self.assertEqual(
            noon(datetime(2026, 11, 17, 2, 0)),
            datetime(2026, 11, 18, 4, 0),
        )
        # A public holiday on Wednesday 18 November -> Thursday.
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": self.company.resource_calendar_id.id,
                "company_id": self.company.id,
                "date_from": datetime(2026, 11, 17, 16, 0),
                "date_to": datetime(2026, 11, 18, 23, 59),
            }
        )
        self.assertEqual(
            noon(datetime(2026, 11, 17, 2, 0)),
            datetime(2026, 11, 19, 4, 0),
        )

    def test_cron_mails_return_note_once(self):
        # The note is due from the booking into stock and goes out once a
        # sales clerk checked it (test_fidelity_returnnote): the job sends a
        # checked note that is left unsent.
        ret = self._create_return()
        self._approve(ret)
        self._receive(ret)
        self._qc(ret)
        booked = datetime(2026, 11, 20, 8, 0)
        putaway = ret.picking_ids.filtered(lambda p: p.asq_return_role == "putaway")
        with patch.object(fields.Datetime, "now", return_value=booked):
            putaway.with_user(self.warehouse_user).button_validate()
        self.assertEqual(ret.booked_date, booked)
        self.assertEqual(ret.note_deadline.weekday(), 0)
        ret._workflow_write({"note_check_date": fields.Datetime.now()})
        Mail = self.env["mail.mail"]
        domain = [
            ("model", "=", "asq.return"),
            ("res_id", "=", ret.id),
            ("recipient_ids", "in", self.customer.ids),
        ]
        self.assertFalse(Mail.search(domain))
        Return = self.env["asq.return"].with_context(force_report_rendering=True)
        self.assertEqual(Return._cron_send_return_notes(), 1)
        mail = Mail.search(domain)
        self.assertEqual(len(mail), 1)
        self.assertIn(self.customer, mail.recipient_ids)
        self.assertEqual(mail.attachment_ids.mimetype, "application/pdf")
        self.assertTrue(mail.attachment_ids.raw.startswith(b"%PDF"))
        self.assertTrue(ret.note_sent_date)
        self.assertEqual(Return._cron_send_return_notes(), 0)
        self.assertEqual(len(Mail.search(domain)), 1)


@tagged("post_install", "-at_install", "asq_return")
class TestReturnForms(ReturnCommon):
    def test_request_form_and_sign_dialog(self):
        form = Form(self.env["asq.return"].with_user(self.sales))
        form.partner_id = self.customer
        with form.line_ids.new() as line:
            line.delivered_line_id = self._delivered(self.product_b)
            self.assertEqual(line.quantity, 100.0)
            line.quantity = 5
            line.kind = "quality"
            line.resolution = "refund"
            line.reason = "Strips read low"
        ret = form.save()
        self.assertEqual(ret.amount_total, 50.0)
        ret.action_submit()

        def sign_in_dialog(user, comment, **context):
            """The sign dialog confirmed as ``user`` (to refuse: asq_refuse)."""
            action = ret.with_user(user).with_context(**context).action_open_sign()
            dialog = Form(
                self.env[action["res_model"]]
                .with_user(user)
                .with_context(**action["context"])
            )
            dialog.comment = comment
            dialog.save().action_confirm()

        sign_in_dialog(self.aftersales, "Checked against the delivery")
        self.assertEqual(ret.state, "finance")
        self.assertEqual(ret.review_user_id, self.aftersales)
        sign_in_dialog(self.finance, "Beyond the return terms", asq_refuse=True)
        self.assertEqual(ret.state, "refused")
        self.assertEqual(ret.refusal_reason, "Beyond the return terms")


@tagged("post_install", "-at_install", "asq_return")
class TestReturnPartialReceipt(ReturnCommon):
    """The warehouse books less than approved: the received quantity rules
    QC, put-away, replacement and credit note; the approval stays as is."""

    def _create_return_lines(self, lines, kind="quality", resolution="refund"):
        """A request of ``lines`` [(delivered line, quantity)]."""
        return self._return_request(
            self.customer,
            lines,
            user=self.sales,
            kind=kind,
            resolution=resolution,
            reason="Display fails",
        )

    def _validate_short(self, ret, quantities, backorder=False):
        """Create the receipt, count ``quantities`` [per receipt move line, in
        order] and validate it through Odoo's backorder dialog ("Create
        Backorder" or "No Backorder") as the warehouse does."""
        ret.with_user(self.warehouse_user).action_create_receipt()
        receipt = ret.picking_ids.filtered(lambda p: p.asq_return_role == "receipt")
        receipt = receipt.with_user(self.warehouse_user)
        for move_line, qty in zip(receipt.move_line_ids, quantities, strict=True):
            move_line.quantity = qty
        action = receipt.button_validate()
        self.assertEqual(action["res_model"], "stock.backorder.confirmation")
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(self.warehouse_user)
            .with_context(**action["context"])
        ).save()
        if backorder:
            wizard.process()
        else:
            wizard.process_cancel_backorder()
        return receipt.with_env(self.env)

    def _shortfall_messages(self, ret):
        return ret.message_ids.filtered(
            lambda m: "Less came back than approved" in (m.body or "")
        )

    def test_full_receipt_received_as_approved(self):
        ret = self._create_return(qty=3.0, kind="quality", resolution="refund")
        self._approve(ret)
        self._receive(ret)
        self.assertEqual(ret.state, "received")
        self.assertEqual(ret.line_ids.received_qty, 3.0)
        self.assertFalse(self._shortfall_messages(ret))

    def test_no_backorder_refund_credits_what_came_back(self):
        invoice = self.delivery.sale_id._create_invoices()
        invoice.action_post()
        ret = self._create_return(qty=3.0, kind="quality", resolution="refund")
        self._approve(ret)
        receipt = self._validate_short(ret, [2.0])
        self.assertEqual(receipt.state, "done")
        self.assertFalse(receipt.backorder_ids)
        self.assertEqual(ret.state, "received")
        line = ret.line_ids
        self.assertEqual((line.quantity, line.received_qty), (3.0, 2.0))
        self.assertEqual(ret.amount_total, 300.0, "the approval is kept")
        message = self._shortfall_messages(ret)
        self.assertEqual(len(message), 1)
        self.assertIn(
            "Test Glucometer, lot L-RET-1: 3.0 Units approved, 2.0 Units " "received",
            message.body,
        )
        with self.assertRaisesRegex(UserError, "set by the return receipts"):
            line.with_user(self.inspector).write({"received_qty": 3.0})
        self._qc(ret)
        putaway = ret.picking_ids.filtered(lambda p: p.asq_return_role == "putaway")
        self.assertEqual(putaway.move_ids.product_uom_qty, 2.0)
        self.assertEqual(putaway.move_line_ids.quantity, 2.0)
        self.assertEqual(putaway.move_line_ids.lot_id.name, "L-RET-1")
        refund = ret.refund_ids
        self.assertEqual(refund.reversed_entry_id, invoice)
        self.assertEqual(refund.invoice_line_ids.quantity, 2.0)
        self.assertEqual(refund.amount_untaxed, 200.0)
        putaway.with_user(self.warehouse_user).button_validate()
        self.assertEqual(ret.state, "done")
        # The return note the customer gets shows what was booked (once
        # booked: test_fidelity_returnnote).
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "after_sales_quality.asq_return_report_note", ret.ids
        )
        self.assertIn(b"Quantity Booked", html)
        self.assertIn(b"200.00", html)

    def test_no_backorder_exchange_replaces_what_came_back(self):
        ret = self._create_return(qty=5.0)
        self._approve(ret)
        self._validate_short(ret, [3.0])
        self.assertEqual(ret.state, "received")
        self.assertEqual(ret.line_ids.received_qty, 3.0)
        self._qc(ret)
        replacement = ret.picking_ids.filtered(
            lambda p: p.asq_return_role == "replacement"
        )
        self.assertEqual(replacement.move_ids.product_uom_qty, 3.0)
        putaway = ret.picking_ids.filtered(lambda p: p.asq_return_role == "putaway")
        self.assertEqual(putaway.move_ids.product_uom_qty, 3.0)
        self.assertFalse(ret.refund_ids)

    def test_line_not_received_needs_no_qc(self):
        ret = self._create_return_lines(
            [(self._delivered(), 2.0), (self._delivered(self.product_b), 4.0)],
            kind="quality",
            resolution="refund",
        )
        self._approve(ret)
        receipt = self._validate_short(ret, [2.0, 0.0])
        glucometer, strips = ret.line_ids
        self.assertEqual(receipt.state, "done")
        self.assertEqual(
            receipt.move_ids.filtered(lambda m: m.product_id == self.product_b).state,
            "cancel",
        )
        self.assertEqual(ret.state, "received")
        self.assertEqual((glucometer.received_qty, strips.received_qty), (2.0, 0.0))
        self.assertIn(
            "Test Strips, lot L-RET-2: 4.0 Units approved, 0.0 Units " "received",
            self._shortfall_messages(ret).body,
        )
        # Only the line that came back is inspected.
        glucometer.with_user(self.inspector).write(
            {"qc_result": "accept", "qc_disposition": "stock"}
        )
        ret.with_user(self.inspector).action_qc_sign()
        self.assertEqual(ret.state, "inspected")
        self.assertEqual(glucometer.qc_user_id, self.inspector)
        self.assertFalse(strips.qc_user_id)
        self.assertIn("Test Strips L-RET-2: not received", ret.approval_ids[-1].comment)
        followups = ret.picking_ids.filtered(lambda p: p.asq_return_role != "receipt")
        self.assertEqual(followups.move_ids.product_id, self.product)
        self.assertEqual(ret.refund_ids.invoice_line_ids.product_id, self.product)
        self.assertEqual(ret.refund_ids.invoice_line_ids.quantity, 2.0)

    def test_lines_sharing_a_lot_are_served_in_order(self):
        self.delivery.sale_id._create_invoices().action_post()
        delivered = self._delivered()
        ret = self._create_return_lines([(delivered, 2.0), (delivered, 3.0)])
        self._approve(ret)
        self._validate_short(ret, [2.0, 2.0])
        self.assertEqual(ret.state, "received")
        self.assertEqual(ret.line_ids.mapped("received_qty"), [2.0, 2.0])
        self._qc(ret)
        putaway = ret.picking_ids.filtered(lambda p: p.asq_return_role == "putaway")
        self.assertEqual(putaway.move_ids.product_uom_qty, 4.0)
        self.assertEqual(putaway.move_line_ids.mapped("quantity"), [2.0, 2.0])
        # One invoice line, two request lines: the reversal credits both.
        self.assertTrue(ret.refund_ids.reversed_entry_id)
        self.assertEqual(ret.refund_ids.invoice_line_ids.quantity, 4.0)
        self.assertEqual(ret.refund_ids.amount_untaxed, 400.0)

    def test_backorder_then_cancelled(self):
        ret = self._create_return(qty=3.0)
        self._approve(ret)
        receipt = self._validate_short(ret, [1.0], backorder=True)
        backorder = receipt.backorder_ids
        self.assertEqual(backorder.asq_return_role, "receipt")
        self.assertEqual(ret.state, "approved", "waits for the backorder")
        self.assertEqual(ret.line_ids.received_qty, 1.0)
        self.assertFalse(self._shortfall_messages(ret))
        backorder.with_user(self.warehouse_user).action_cancel()
        self.assertEqual(ret.state, "received")
        self.assertEqual(ret.line_ids.received_qty, 1.0)
        self.assertEqual(len(self._shortfall_messages(ret)), 1)

    def test_cancelled_receipt_changes_nothing(self):
        ret = self._create_return(qty=3.0)
        self._approve(ret)
        ret.with_user(self.warehouse_user).action_create_receipt()
        ret.picking_ids.with_user(self.warehouse_user).action_cancel()
        self.assertEqual(ret.state, "approved")
        self.assertTrue(ret.with_user(self.warehouse_user).can_create_receipt)
        self.assertEqual(ret.line_ids.received_qty, 0.0)
        self.assertFalse(self._shortfall_messages(ret))

    def test_done_receipts_with_nothing_back_stay_approved(self):
        """Odoo books no receipt without a quantity; should one be done
        with nothing matching the request, the request does not pretend
        to be received."""
        ret = self._create_return(qty=3.0)
        self._approve(ret)
        Return = type(self.env["asq.return"])
        with patch.object(
            Return,
            "_asq_received_quantities",
            lambda rets: dict.fromkeys(rets.line_ids, 0.0),
        ):
            self._receive(ret)
        self.assertEqual(ret.state, "approved")
        self.assertTrue(
            ret.message_ids.filtered(lambda m: "brought nothing back" in m.body)
        )

    def test_refund_in_the_sale_unit(self):
        dozen = self.env.ref("uom.product_uom_dozen")
        delivery = self._deliver(
            self.customer, [(self.product, 2, 1200.0, "L-DZ")], uom=dozen
        )
        delivered = self.env["asq.delivered.line"].search(
            [("picking_id", "=", delivery.id)]
        )
        self.assertEqual(delivered.quantity, 24.0)
        ret = self._create_return_lines([(delivered, 8.0)])
        self._approve(ret)
        self._validate_short(ret, [6.0])
        self.assertEqual(ret.line_ids.received_qty, 6.0)
        self._qc(ret)
        credit = ret.refund_ids.invoice_line_ids
        self.assertEqual((credit.product_uom_id, credit.quantity), (dozen, 0.5))
        self.assertEqual(ret.refund_ids.amount_untaxed, 600.0)

    def test_audit_catches_followups_beyond_received(self):
        ret = self._create_return(qty=3.0, kind="quality", resolution="refund")
        self._approve(ret)
        self._validate_short(ret, [2.0])
        self._qc(ret)
        result = audit(self.env)
        self.assertNotIn(ret.line_ids.id, result["return_line_received_mismatch"][1])
        self.assertNotIn(ret.id, result["return_followup_beyond_received"][1])
        putaway = ret.picking_ids.filtered(lambda p: p.asq_return_role == "putaway")
        self._sql(
            "UPDATE stock_move SET product_uom_qty = 3, product_qty = 3 "
            "WHERE id IN %s",
            [tuple(putaway.move_ids.ids)],
        )
        self._sql(
            "UPDATE asq_return_line SET received_qty = 1 WHERE id = %s",
            [ret.line_ids.id],
        )
        result = audit(self.env)
        self.assertIn(ret.line_ids.id, result["return_line_received_mismatch"][1])
        self.assertIn(ret.id, result["return_followup_beyond_received"][1])


@tagged("post_install", "-at_install", "asq_return")
class TestReturnTodos(ReturnCommon):
    """Whoever signs next gets a to-do, dated in their time zone; it is done
    when they sign, and the others' go."""

    def _todos(self, ret):
        kind = self.env.ref("after_sales_quality.mail_activity_type_asq_sign")
        return ret.activity_ids.filtered(lambda a: a.activity_type_id == kind)

    def test_each_signer_gets_a_todo_in_turn(self):
        self.aftersales.tz = "Pacific/Kiritimati"  # UTC+14: often "tomorrow"
        self.finance.tz = "Pacific/Pago_Pago"  # UTC-11: often "yesterday"
        ret = self._create_return()
        self.assertFalse(self._todos(ret), "a draft waits for its author only")
        ret.with_user(self.sales).action_submit()
        todos = self._todos(ret)
        review = todos.filtered(lambda a: a.user_id == self.aftersales)
        self.assertEqual(review.asq_step, "review")
        self.assertEqual(review.summary, "After-Sales Review")
        self.assertEqual(
            review.date_deadline,
            fields.Date.context_today(
                self.aftersales.with_context(tz="Pacific/Kiritimati")
            ),
        )
        self.assertEqual(set(todos.mapped("asq_step")), {"review"})
        self.assertNotIn(self.finance, todos.user_id)
        kind = review.activity_type_id
        self._sign(ret, self.aftersales)
        self.assertFalse(review.exists(), "done to-dos leave the record")
        todos = self._todos(ret)
        self.assertEqual(set(todos.mapped("asq_step")), {"finance"})
        self.assertIn(self.finance, todos.user_id)
        self.assertEqual(
            todos.filtered(lambda a: a.user_id == self.finance).date_deadline,
            fields.Date.context_today(
                self.finance.with_context(tz="Pacific/Pago_Pago")
            ),
        )
        # The signer's own to-do is done (kept in the chatter), not deleted.
        done = self.env["mail.message"].search(
            [
                ("model", "=", "asq.return"),
                ("res_id", "=", ret.id),
                ("mail_activity_type_id", "=", kind.id),
                ("author_id", "=", self.aftersales.partner_id.id),
            ]
        )
        self.assertTrue(done)
        self._sign(ret, self.finance)
        self._sign(ret, self.business)
        self.assertEqual(ret.state, "approved")
        self.assertEqual(set(self._todos(ret).mapped("asq_step")), {"receive"})
        self.assertIn(self.warehouse_user, self._todos(ret).user_id)
        self._receive(ret)
        self.assertEqual(ret.state, "received")
        self.assertEqual(ret.received_user_id, self.warehouse_user)
        self.assertEqual(set(self._todos(ret).mapped("asq_step")), {"qc_sign"})
        self.assertIn(self.inspector, self._todos(ret).user_id)
        self._qc(ret)
        self.assertFalse(self._todos(ret))

    def test_refusal_clears_the_todos(self):
        ret = self._create_return()
        ret.with_user(self.sales).action_submit()
        self.assertTrue(self._todos(ret))
        ret.with_user(self.aftersales).action_sign("Not ours", approve=False)
        self.assertEqual(ret.state, "refused")
        self.assertFalse(self._todos(ret))
