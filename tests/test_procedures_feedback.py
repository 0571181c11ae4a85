import json

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.after_sales_quality.models.asq_workflow_mixin import AsqStateError
from odoo.addons.after_sales_quality.tests.complaint_common import AsqComplaintCommon

FORM = "asq.customer.feedback"
ALERT = "asq.complaint.alert"
REPORT = "after_sales_quality.asq_customer_feedback_report"
ALERT_REPORT = "after_sales_quality.asq_complaint_alert_report"
ASQ = "after_sales_quality."


class FeedbackCommon(AsqComplaintCommon):
    """002 §6.2.3 / §6.3.2: the customer information feedback form
    (《顾客信息反馈表》) and the early-warning form (《顾客信息与产品质量早期报警
    表》), approved by the management representative or the general manager
    before they go to the responsible department."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sales = cls.users["asq_sales"]
        cls.rep = cls.users["asq_mgmt_rep"]
        cls.gm = cls.users["asq_gm"]
        cls.qm = cls.users["asq_qm"]
        cls.head = new_test_user(
            cls.env,
            login="fb_production_head",
            name="Production Head Li",
            groups=f"base.group_user,{ASQ}group_asq_user_all",
        )
        employee = cls.env["hr.employee"].create(
            {"name": "Production Head Li", "user_id": cls.head.id}
        )
        cls.department.manager_id = employee

    def _by(self, record, user):
        return record.with_user(user).with_context(lang="en_US")

    def _form(self, user=None):
        """A complaint and its feedback form, opened from the complaint's
        button and saved by the salesperson."""
        user = user or self.sales
        complaint = self._create_complaint(login="asq_sales")
        action = complaint.action_customer_feedback()
        self.assertEqual(action["res_model"], FORM)
        self.assertEqual(action["context"], {"default_complaint_id": complaint.id})
        form = (
            self.env[FORM]
            .with_user(user)
            .with_context(**action["context"])
            .create({"current_requirement": "Replace the faulty displays"})
        )
        return complaint, form.with_user(user)


@tagged("post_install", "-at_install", "asq_procedures")
class TestCustomerFeedbackForm(FeedbackCommon):
    def test_walk_by_each_role(self):
        complaint, form = self._form()
        self.assertRegex(form.name, r"^CIF/\d{4}/\d{4}$")
        # Prefilled from the complaint.
        self.assertEqual(form.partner_id, self.customer)
        self.assertEqual(form.product_id, self.product)
        self.assertEqual(form.lot_id.name, "CC-LOT-1")
        self.assertEqual(form.quantity, 2.0)
        self.assertEqual(form.description, "Display shows wrong readings")
        self.assertEqual(complaint.customer_feedback_ids, form)
        # The complaint's button now opens this form.
        self.assertEqual(complaint.action_customer_feedback()["res_id"], form.id)
        # One per complaint.
        with self.assertRaisesRegex(UserError, "already has one"):
            self.env[FORM].with_user(self.sales).create({"complaint_id": complaint.id})
        self.assertEqual(form.state, "draft")
        self.assertTrue(form.can_submit)
        form.action_submit()
        self.assertEqual(
            (form.state, form.submitted_user_id), ("submitted", self.sales)
        )
        self.assertTrue(form.deadline, "approval due the next working day")
        # The management representative's to-do (and the GM's).
        todo = form.sudo().activity_ids.filtered(lambda a: a.asq_step == "approve")
        self.assertIn(self.rep, todo.user_id)
        self.assertIn(self.gm, todo.user_id)
        self.assertNotIn(self.sales, todo.user_id)
        # Approve without a department: refused with the reason.
        rep = self._by(form, self.rep)
        self.assertFalse(rep.can_approve, "shown once the department is chosen")
        with self.assertRaisesRegex(UserError, "Choose the department"):
            rep.action_approve()
        # The approver chooses the department: its head receives the form.
        rep.write(
            {
                "department_id": self.department.id,
                "approval_opinion": "Production to replace; review required",
                "review_required": True,
            }
        )
        self.assertEqual(form.responsible_user_id, self.head)
        self.assertTrue(rep.can_approve)
        rep.action_approve()
        self.assertEqual(form.state, "approved")
        self.assertEqual(form.approved_user_id, self.rep)
        self.assertTrue(form.approved_date)
        # Routing: the department's to-do, the approvers' closed.
        todos = form.sudo().activity_ids
        self.assertEqual(todos.user_id, self.head)
        self.assertEqual(todos.asq_step, "acknowledge")
        self.assertEqual(todos.summary, "Confirm Receipt")
        # Only the department's responsible confirms receipt.
        with self.assertRaisesRegex(AccessError, "not allowed to do this step"):
            self._by(form, self.qm).action_acknowledge()
        head = self._by(form, self.head)
        self.assertTrue(head.can_acknowledge)
        head.action_acknowledge()
        self.assertEqual(
            (form.state, form.acknowledged_user_id), ("acknowledged", self.head)
        )
        self.assertFalse(form.sudo().activity_ids)
        with self.assertRaisesRegex(AsqStateError, "current status"):
            head.action_acknowledge()
        with self.assertRaisesRegex(UserError, "is closed"):
            self._by(form, self.rep).write({"approval_opinion": "changed"})

    def test_general_manager_approves_and_reject_goes_back_to_draft(self):
        _complaint, form = self._form()
        form.action_submit()
        gm = self._by(form, self.gm)
        with self.assertRaisesRegex(UserError, "Give the reason for sending"):
            gm.action_reject()
        gm.write({"reject_reason": "Say what the customer requires next year"})
        gm.action_reject()
        self.assertEqual((form.state, form.rejected_user_id), ("draft", self.gm))
        form.write({"potential_requirement": "A new connector next year"})
        form.action_submit()
        gm.write({"department_id": self.department.id})
        gm.action_approve()
        self.assertEqual((form.state, form.approved_user_id), ("approved", self.gm))

    def test_forged_calls_are_refused(self):
        _complaint, form = self._form()
        # A stamp written directly, at creation or later.
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            form.write({"approved_user_id": self.sales.id})
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            self.env[FORM].with_user(self.sales).create(
                {
                    "complaint_id": self._create_complaint().id,
                    "approved_user_id": self.rep.id,
                }
            )
        with self.assertRaisesRegex(UserError, "workflow buttons to change the status"):
            form.write({"state": "approved"})
        form.action_submit()
        # The salesperson approves over RPC: refused for the role.
        with self.assertRaisesRegex(AccessError, "Management Representative"):
            self._by(form, self.sales).action_approve()
        with self.assertRaisesRegex(AccessError, "may only be written by"):
            self._by(form, self.sales).write({"approval_opinion": "Approved"})
        # A management representative who filled the form in does not
        # approve it himself.
        _complaint2, own = self._form(user=self.rep)
        own.action_submit()
        own.write({"department_id": self.department.id})
        self.assertFalse(own.can_approve)
        with self.assertRaisesRegex(AccessError, "another management representative"):
            self._by(own, self.rep).action_approve()
        self.assertEqual(own.state, "submitted")
        # A context key unlocks nothing.
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            form.with_context(asq_customer_feedback_workflow=True).write(
                {"approved_user_id": self.sales.id}
            )
        # Approved twice (a second tab): refused for the state.
        rep = self._by(form, self.rep)
        rep.write({"department_id": self.department.id})
        rep.action_approve()
        with self.assertRaisesRegex(AsqStateError, "current status"):
            rep.action_approve()

    def test_printout_with_the_approvers_name(self):
        _complaint, form = self._form()
        form.write({"analysis": "Batch CC-LOT-1 display supplier changed"})
        form.action_submit()
        rep = self._by(form, self.rep)
        rep.write({"department_id": self.department.id})
        rep.action_approve()
        html = self._html(REPORT, form)
        for text in (
            "Customer Information Feedback Form",
            form.name,
            "Batch CC-LOT-1 display supplier changed",
            self.rep.name,
            self.sales.name,
            "Production",
        ):
            self.assertIn(text, html)
        self._assert_pdf(REPORT, form)
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["after_sales_quality"], ["zh_CN"], overwrite=True
        )
        html = (
            self.env["ir.actions.report"]
            .with_context(lang="zh_CN")
            ._render_qweb_html(REPORT, form.ids)[0]
            .decode()
        )
        for text in ("顾客信息反馈表", "管理者代表", self.rep.name):
            self.assertIn(text, html)

    def test_other_company_does_not_see_the_form(self):
        _complaint, form = self._form()
        other = self.env["res.company"].create({"name": "FB Other Company"})
        outsider = new_test_user(
            self.env,
            login="fb_outsider",
            groups=f"{ASQ}group_asq_mgmt_rep",
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        self.assertFalse(
            self.env[FORM].with_user(outsider).search([("id", "=", form.id)])
        )
        with self.assertRaises(AccessError):
            form.with_user(outsider).read(["name"])
        form.action_submit()
        with self.assertRaises(AccessError):
            form.with_user(outsider).action_approve()
        # Nor is the other company's management representative given the
        # to-do.
        todo = form.sudo().activity_ids
        self.assertNotIn(outsider, todo.user_id)


@tagged("post_install", "-at_install", "asq_procedures")
class TestEarlyWarningForm(FeedbackCommon):
    def _alert(self):
        complaints = self._create_complaint() | self._create_complaint()
        alert = (
            self.env[ALERT]
            .sudo()
            .create(
                {
                    "name": "EW-TEST-1",
                    "company_id": self.company.id,
                    "date": fields.Datetime.now(),
                    "product_id": self.product.id,
                    "complaint_ids": [fields.Command.set(complaints.ids)],
                }
            )
        )
        alert._asq_notify()
        return alert.sudo(False)

    def test_approval_before_routing(self):
        alert = self._alert()
        # 「立即」: the to-dos are due today; the management representatives
        # approve, the quality managers analyse.
        todos = alert.sudo().activity_ids
        approve = todos.filtered(lambda a: a.asq_step == "approve")
        self.assertIn(self.rep, approve.user_id)
        self.assertNotIn(self.gm, approve.user_id)
        mine = approve.filtered(lambda a: a.user_id == self.rep)
        self.assertIn("EW-TEST-1", mine.summary)
        self.assertEqual(
            mine.date_deadline,
            fields.Date.context_today(alert.with_user(self.rep)),
        )
        self.assertIn(self.qm, todos.filtered(lambda a: a.asq_step == "close").user_id)
        # A salesperson or a quality manager does not approve it.
        with self.assertRaisesRegex(AccessError, "Only the general manager"):
            self._by(alert, self.users["asq_aftersales"]).action_approve()
        with self.assertRaisesRegex(AccessError, "Only the general manager"):
            self._by(alert, self.qm).action_approve()
        # The approvers write the routing and nothing else.
        rep = self._by(alert, self.rep)
        with self.assertRaisesRegex(AccessError, "Only a quality manager"):
            rep.write({"note": "my analysis"})
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            rep.write({"approved_user_id": self.rep.id})
        with self.assertRaisesRegex(UserError, "Choose the department"):
            rep.action_approve()
        rep.write({"department_id": self.department.id})
        self.assertEqual(alert.department_user_id, self.head)
        rep.action_approve()
        self.assertEqual(alert.approved_user_id, self.rep)
        self.assertEqual(alert.state, "open", "the analysis goes on")
        with self.assertRaisesRegex(AsqStateError, "already approved by"):
            self._by(alert, self.gm).action_approve()
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            rep.write({"department_id": False})
        # Routed: the department's to-do.
        ack = alert.sudo().activity_ids.filtered(lambda a: a.asq_step == "acknowledge")
        self.assertEqual(ack.user_id, self.head)
        self.assertFalse(
            alert.sudo().activity_ids.filtered(lambda a: a.asq_step == "approve")
        )
        with self.assertRaisesRegex(AccessError, "not allowed to do this step"):
            self._by(alert, self.users["asq_aftersales"]).action_acknowledge()
        self._by(alert, self.head).action_acknowledge()
        self.assertEqual(alert.acknowledged_user_id, self.head)
        # The existing steps still work: the quality manager closes it.
        qm = self._by(alert, self.qm)
        qm.write({"note": "Display supplier lot changed"})
        qm.action_close()
        self.assertEqual(alert.state, "closed")
        html = self._html(ALERT_REPORT, alert)
        for text in (
            "Customer Information and Product Quality Early Warning Form",
            "EW-TEST-1",
            self.rep.name,
            self.head.name,
            "Display supplier lot changed",
        ):
            self.assertIn(text, html)
        self._assert_pdf(ALERT_REPORT, alert)

    def test_other_company_manager_cannot_approve(self):
        alert = self._alert()
        other = self.env["res.company"].create({"name": "EW Other Company"})
        outsider = new_test_user(
            self.env,
            login="ew_outsider",
            groups=f"{ASQ}group_asq_general_manager",
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        with self.assertRaises(AccessError):
            alert.with_user(outsider).action_approve()
        self.assertFalse(alert.approved_user_id)


@tagged("post_install", "-at_install", "asq_procedures")
class TestFeedbackOverRpc(HttpCase, FeedbackCommon):
    """The same refusals from outside, over JSON-RPC (the caller chooses its
    own context)."""

    def _rpc(self, user, method, args, kwargs=None):
        self.authenticate(user.login, user.login)
        response = self.url_open(
            f"/web/dataset/call_kw/{FORM}/{method}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "model": FORM,
                        "method": method,
                        "args": args,
                        "kwargs": {
                            **(kwargs or {}),
                            "context": {
                                "lang": "en_US",
                                "asq_customer_feedback_workflow": True,
                            },
                        },
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        error = response.json().get("error")
        return error and error["data"]["message"]

    def test_forged_rpc_calls(self):
        _complaint, form = self._form()
        form.action_submit()
        self.env.flush_all()
        # The filler approves over RPC: refused for the role.
        self.assertIn(
            "Management Representative",
            self._rpc(self.sales, "action_approve", [form.ids]),
        )
        # The stamp written directly.
        self.assertIn(
            "signed by the workflow buttons",
            self._rpc(
                self.sales, "write", [form.ids, {"approved_user_id": self.sales.id}]
            ),
        )
        # A management representative approving the form he submitted.
        _complaint2, own = self._form(user=self.rep)
        own.write({"department_id": self.department.id})
        own.action_submit()
        self.env.flush_all()
        self.assertIn(
            "another management representative",
            self._rpc(self.rep, "action_approve", [own.ids]),
        )
        self.env.invalidate_all()
        self.assertEqual((form.state, own.state), ("submitted", "submitted"))
        self.assertFalse(form.approved_user_id | own.approved_user_id)
