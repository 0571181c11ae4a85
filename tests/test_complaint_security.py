from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.after_sales_quality.tests.complaint_common import (
    AsqComplaintCommon,
    asq_send_reply,
)

REFUSED = "You are not allowed to do this step \\(%s\\): it needs the role %s."


@tagged("post_install", "-at_install", "asq_complaint", "security")
class TestComplaintSecurity(AsqComplaintCommon):
    def _refused_step(self, record, action, step, role="Quality Manager"):
        """The button ``action`` of ``record`` refused: its step ``step``
        needs the role ``role``."""
        with self.assertRaisesRegex(AccessError, REFUSED % (step, role)):
            getattr(record, action)()

    def test_sales_registers_and_replies_but_never_judges(self):
        complaint = self._walk(self._create_complaint(), "review")
        sales = self._as(complaint, "asq_sales")
        self._refused_step(sales, "action_judge_valid", "Judge")
        self._walk(complaint, "investigating")
        self._refused_step(
            sales, "action_record_findings", "Record findings", "Quality Inspector"
        )
        with self.assertRaisesRegex(
            AccessError,
            "Root Cause may only be changed by the role Quality Inspector.",
        ):
            sales.root_cause = "guess"
        self._walk(complaint, "decided")
        asq_send_reply(sales)
        sales.action_customer_satisfied()
        self._refused_step(sales, "action_close", "Close")
        self._refused_step(sales, "action_open_cancel_wizard", "Cancel")
        with self.assertRaises(AccessError):
            sales.unlink()

    def test_inspector_investigates_but_does_not_approve(self):
        complaint = self._walk(self._create_complaint(), "review")
        inspector = self._as(complaint, "asq_inspector")
        self._refused_step(inspector, "action_judge_invalid", "Judge")
        self._walk(complaint, "findings")
        self.assertEqual(complaint.investigated_user_id, self.users["asq_inspector"])
        self._refused_step(inspector, "action_decide", "Approve disposition")
        self._walk(complaint, "confirmed")
        self._refused_step(inspector, "action_close", "Close")

    def test_management_representative_reads_everything_judges_nothing(self):
        complaint = self._walk(self._create_complaint(), "review")
        mgmt_rep = self._as(complaint, "asq_mgmt_rep")
        self.assertEqual(mgmt_rep.name, complaint.name)
        self._refused_step(mgmt_rep, "action_judge_valid", "Judge")

    def test_own_documents_rule(self):
        other_sales = new_test_user(
            self.env,
            login="asq_sales_2",
            groups="after_sales_quality.group_asq_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        complaint = self._create_complaint()
        Complaint = self.env["asq.complaint"]
        self.assertFalse(Complaint.with_user(other_sales).search([]))
        with self.assertRaises(AccessError):
            complaint.with_user(other_sales).read(["name"])
        with self.assertRaises(AccessError):
            complaint.with_user(other_sales).description = "hijack"
        complaint.message_subscribe(partner_ids=other_sales.partner_id.ids)
        self.assertEqual(Complaint.with_user(other_sales).search([]), complaint)
        for login in ("asq_aftersales", "asq_inspector", "asq_qm", "asq_business"):
            self.assertIn(
                complaint, Complaint.with_user(self.users[login]).search([]), login
            )

    def test_roles_without_complaint_access(self):
        complaint = self._create_complaint()
        for login in ("asq_employee", "asq_warehouse", "asq_finance"):
            with self.assertRaises(AccessError, msg=login):
                complaint.with_user(self.users[login]).read(["name"])
            with self.assertRaises(AccessError, msg=login):
                self.env["asq.complaint"].with_user(self.users[login]).create(
                    {"partner_id": self.customer.id}
                )

    def test_early_warnings_for_all_documents_roles(self):
        Alert = self.env["asq.complaint.alert"]
        self.assertTrue(
            Alert.with_user(self.users["asq_aftersales"]).has_access("read")
        )
        self.assertFalse(Alert.with_user(self.users["asq_sales"]).has_access("read"))
        # 002 §6.3.2: the management representative (or the general
        # manager) approves the warning and chooses the responsible
        # department: his write access is for that routing only (refused
        # for the rest in test_procedures_feedback).
        self.assertTrue(Alert.with_user(self.users["asq_mgmt_rep"]).has_access("write"))
        self.assertTrue(Alert.with_user(self.users["asq_qm"]).has_access("write"))

    def test_multi_company_rule(self):
        other_company = self.env["res.company"].create({"name": "ASQ Other Co"})
        complaint = self.env["asq.complaint"].create(
            {
                "partner_id": self.customer.id,
                "company_id": other_company.id,
                "category": "service",
                "description": "Other company complaint",
            }
        )
        qm = self.users["asq_qm"]
        self.assertNotIn(complaint, self.env["asq.complaint"].with_user(qm).search([]))
        qm.company_ids = [Command.link(other_company.id)]
        self.assertIn(
            complaint,
            self.env["asq.complaint"]
            .with_user(qm)
            .with_context(allowed_company_ids=[self.company.id, other_company.id])
            .search([]),
        )
