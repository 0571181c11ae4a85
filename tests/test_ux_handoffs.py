from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.after_sales_quality.tests.complaint_common import (
    AsqComplaintCommon,
    asq_send_composer,
    asq_send_reply,
)
from odoo.addons.after_sales_quality.tests.test_capa import CapaCommon
from odoo.addons.after_sales_quality.tests.test_return import ReturnCommon

SIGN = "after_sales_quality.mail_activity_type_asq_sign"
SALESMAN = "sales_team.group_sale_salesman"
# A signer in Shanghai (UTC+8) at 20:00 UTC: the UTC date is the signer's
# yesterday. The to-do must be due on the signer's today.
TZ = "Asia/Shanghai"


def evening_utc():
    """Today 20:00 UTC (Shanghai: tomorrow 04:00)."""
    return datetime.now().replace(hour=20, minute=0, second=0, microsecond=0)


class HandoffMixin:
    """Assertions on the to-dos of the engine (asq.workflow.mixin)."""

    def _todos(self, record, step=None):
        """The open step to-dos on ``record`` (of ``step``)."""
        record.invalidate_recordset()
        return record.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref(SIGN)
            and (step is None or a.asq_step == step)
        )

    def _assert_todo(self, record, user, step, summary, day):
        """``user`` has exactly one to-do on ``record``: ``step``, read as
        ``summary``, due on ``day``; and sees it among their activities."""
        todos = self._todos(record, step).filtered(lambda a: a.user_id == user)
        self.assertEqual(len(todos), 1, f"{user.login}: one to-do for {step}")
        self.assertEqual(todos.summary, summary, user.login)
        self.assertEqual(todos.date_deadline, day, f"{user.login}: due {day}")
        # What the activity menu of the user lists (systray).
        groups = self.env["res.users"].with_user(user)._get_activity_groups()
        self.assertIn(record._name, [g["model"] for g in groups], user.login)
        return todos

    def _assert_closed_by(self, record, user, step, feedback):
        """Once ``user`` signed ``step``: nobody keeps a to-do of it, and
        the signer's to-do was marked done with ``feedback``."""
        self.assertFalse(self._todos(record, step), f"{step}: no stale to-do left")
        done = record.message_ids.filtered(
            lambda m: m.mail_activity_type_id == self.env.ref(SIGN)
            and m.author_id == user.partner_id
        )
        self.assertTrue(done, f"{user.login}'s to-do of {step} is done")
        self.assertIn(feedback, done[0].body)


@tagged("post_install", "-at_install", "asq_ux")
class TestReturnHandoffs(HandoffMixin, ReturnCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for user in cls.users.values():
            user.tz = TZ

    def test_every_approver_in_turn_gets_and_closes_a_todo(self):
        # 600 of 11000 = 5.45 % > the 5 % cap: the general manager signs too.
        ret = self._create_return(qty=6.0)
        with freeze_time(evening_utc()):
            local_today = (evening_utc() + timedelta(hours=8)).date()
            self.assertNotEqual(local_today, fields.Date.today())
            ret.with_user(self.sales).action_submit()
            for user, step, label, reached in (
                (self.aftersales, "review", "After-Sales Review", "finance"),
                (self.finance, "finance", "Finance Check", "business"),
                (self.business, "business", "Business Head Approval", "gm"),
                (self.gm, "gm", "General Manager Approval", "approved"),
            ):
                self._assert_todo(ret, user, step, label, local_today)
                # Only the next approver is asked: nobody else's step waits.
                self.assertEqual(set(self._todos(ret).mapped("asq_step")), {step})
                self._sign(ret, user, "Special case agreed")
                self.assertEqual(ret.state, reached)
                self._assert_closed_by(ret, user, step, f"Signed: {label}.")
            self._assert_todo(
                ret,
                self.warehouse_user,
                "receive",
                "Receive Returned Goods",
                local_today,
            )
            self._receive(ret)
            self.assertEqual(ret.state, "received")
            self._assert_closed_by(
                ret, self.warehouse_user, "receive", "Signed: Receive Returned Goods."
            )
            self._assert_todo(
                ret, self.inspector, "qc_sign", "QC Inspection", local_today
            )
            self._qc(ret)
            self.assertIn(ret.state, ("inspected", "done"))
            self._assert_closed_by(
                ret, self.inspector, "qc_sign", "Signed: QC Inspection."
            )

    def test_signer_reads_the_todo_in_their_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["after_sales_quality"], ["zh_CN"], overwrite=True
        )
        self.finance.lang = "zh_CN"
        ret = self._create_return(qty=2.0)
        ret.with_user(self.sales).action_submit()
        # Signed by an English-speaking user: the next one still reads Chinese.
        self._sign(ret, self.aftersales)
        todo = self._todos(ret, "finance").filtered(lambda a: a.user_id == self.finance)
        self.assertEqual(todo.summary, "财务评审")
        self._sign(ret, self.finance)
        message = ret.message_ids.filtered(
            lambda m: m.mail_activity_type_id == self.env.ref(SIGN)
            and m.author_id == self.finance.partner_id
        )
        self.assertIn("已签核\uff1a财务评审", message[0].body)


@tagged("post_install", "-at_install", "asq_ux")
class TestComplaintHandoffs(HandoffMixin, AsqComplaintCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for user in cls.users.values():
            user.tz = TZ
        cls.inspector_2 = cls.users["asq_inspector"].copy(
            {"login": "asq_inspector_2", "tz": TZ}
        )

    def test_quality_manager_inspector_and_back(self):
        qm = self.users["asq_qm"]
        inspector = self.users["asq_inspector"]
        complaint = self._create_complaint()
        with freeze_time(evening_utc()):
            local_today = (evening_utc() + timedelta(hours=8)).date()
            self._as(complaint, "asq_sales").action_submit()
            # Registered: the quality manager judges it.
            self._assert_todo(complaint, qm, "judge_valid", "Judge", local_today)
            self._as(complaint, "asq_qm").action_judge_valid()
            self._assert_closed_by(complaint, qm, "judge_valid", "Signed: Judge.")
            # Nobody assigned yet: every inspector may record the findings.
            waiting = self._todos(complaint, "record_findings")
            self.assertIn(inspector, waiting.user_id)
            self.assertIn(self.inspector_2, waiting.user_id)
            # Assigned: only that inspector keeps the to-do.
            self._as(complaint, "asq_qm").investigator_id = self.inspector_2
            waiting = self._todos(complaint, "record_findings")
            self.assertEqual(waiting.user_id, self.inspector_2)
            self.assertEqual(waiting.summary, "Record findings")
            self.assertEqual(
                waiting.date_deadline,
                fields.Datetime.context_timestamp(
                    complaint.with_context(tz=TZ), complaint.answer_deadline
                ).date(),
            )
            # The other inspector may not sign it in their place.
            with self.assertRaises(AccessError):
                complaint.with_user(inspector).action_record_findings()
            complaint.with_user(self.inspector_2).write(
                {
                    "responsibility": "internal",
                    "responsible_department_id": self.department.id,
                    "root_cause": "Sensor calibration drift",
                    "disposition": "exchange",
                    "disposition_note": "Exchange the 2 meters",
                }
            )
            complaint.with_user(self.inspector_2).action_record_findings()
            self._assert_closed_by(
                complaint,
                self.inspector_2,
                "record_findings",
                "Signed: Record findings.",
            )
            # Findings ready: back to the quality manager.
            self._assert_todo(
                complaint, qm, "decide", "Approve disposition", local_today
            )
            self._as(complaint, "asq_qm").action_decide()
            self._assert_closed_by(
                complaint, qm, "decide", "Signed: Approve disposition."
            )
            # Disposition approved: the owner replies to the customer, by the
            # answer deadline (the owner's day), ...
            owner = complaint.user_id
            self.assertTrue(owner)
            self._assert_todo(
                complaint,
                owner,
                "reply",
                "Reply to the customer",
                fields.Datetime.context_timestamp(
                    complaint.with_context(tz=TZ), complaint.answer_deadline
                ).date(),
            )
            # The owner's dashboard counts it among their approvals; another
            # after-sales user's does not.
            Complaint = self.env["asq.complaint"]
            self.assertIn(
                complaint,
                Complaint.with_user(owner).search(
                    Complaint.with_user(owner)._asq_waiting_domain()
                ),
            )
            other = self.users["asq_aftersales"]
            self.assertNotEqual(other, owner)
            self.assertNotIn(
                complaint,
                Complaint.with_user(other).search(
                    Complaint.with_user(other)._asq_waiting_domain() or [(0, "=", 1)]
                ),
            )
            asq_send_reply(complaint.with_user(owner))
            self._assert_closed_by(complaint, owner, "reply", "Signed: Reply.")
            # ... then asks whether the customer is satisfied, which closes
            # when the answer is recorded.
            self._assert_todo(
                complaint,
                owner,
                "customer_satisfied",
                "Ask the customer whether satisfied",
                local_today,
            )
            complaint.with_user(owner).action_customer_satisfied()
            self.assertEqual(complaint.state, "confirmed")
            self._assert_closed_by(
                complaint, owner, "customer_satisfied", "Signed: Satisfaction."
            )

    def test_owner_explains_a_complaint_not_valid(self):
        complaint = self._create_complaint()
        self._as(complaint, "asq_sales").action_submit()
        owner = complaint.user_id
        # Registered, not judged: nothing to answer yet.
        self.assertFalse(self._todos(complaint, "reply"))
        complaint.with_user(self.users["asq_qm"]).write(
            {"invalid_reason": "Used outside the specified temperature range"}
        )
        self._as(complaint, "asq_qm").action_judge_invalid()
        todo = self._todos(complaint, "reply")
        self.assertEqual(todo.user_id, owner)
        self.assertEqual(todo.summary, "Explain to the customer")
        asq_send_reply(complaint.with_user(owner))
        # An explanation asks nothing back: the quality manager closes.
        self.assertFalse(self._todos(complaint, "customer_satisfied"))
        self.assertEqual(
            self._todos(complaint).mapped("asq_step"),
            ["close"] * len(self._todos(complaint)),
        )
        self.assertIn(self.users["asq_qm"], self._todos(complaint, "close").user_id)


@tagged("post_install", "-at_install", "asq_ux")
class TestSendReply(AsqComplaintCommon):
    def _decided(self):
        complaint = self._walk(self._create_complaint(), "decided")
        self.assertEqual(complaint.state, "decided")
        return complaint

    def test_composer_opens_with_the_template_and_sends_what_was_edited(self):
        complaint = self._decided()
        sales = self._as(complaint, "asq_sales")
        action = sales.action_reply()
        self.assertEqual(action["res_model"], "mail.compose.message")
        composer = (
            self.env["mail.compose.message"]
            .with_user(self.users["asq_sales"])
            .with_context(**action["context"])
            .create({})
        )
        self.assertIn("What we will do", composer.body)
        self.assertIn("Exchange the 2 meters", composer.body)
        # Internal findings are not for the customer.
        self.assertNotIn("Sensor calibration drift", composer.body)
        self.assertNotIn("Root cause", composer.body)
        self.assertEqual(composer.partner_ids, self.customer)
        # Opening the composer signs nothing.
        self.assertEqual(complaint.state, "decided")
        self.assertFalse(complaint.replied_user_id)
        asq_send_reply(sales, body="<p>We exchange both meters next Monday.</p>")
        self.assertEqual(complaint.state, "replied")
        self.assertEqual(complaint.replied_user_id, self.users["asq_sales"])
        message = complaint.message_ids.filtered(
            lambda m: "next Monday" in (m.body or "")
        )
        self.assertEqual(len(message), 1)
        self.assertEqual(message.partner_ids, self.customer)
        mail = self.env["mail.mail"].search([("mail_message_id", "=", message.id)])
        self.assertEqual(mail.recipient_ids, self.customer, "mail queued to customer")
        self.assertNotIn("What we will do", mail.body_html)
        # Sent once: a second send (another tab's composer) is refused.
        with self.assertRaisesRegex(UserError, "Reply is not possible on"):
            asq_send_composer(sales.env, action)
        self.assertEqual(
            len(complaint.message_ids.filtered(lambda m: m.partner_ids)), 1
        )

    def test_composer_refused_to_who_may_not_reply(self):
        complaint = self._decided()
        finance = complaint.with_user(self.users["asq_finance"])
        with self.assertRaisesRegex(AccessError, r"this step \(Reply\)"):
            finance.action_reply()
        # Too early: refused before any composer opens, with the step's reason.
        early = self._walk(self._create_complaint(), "investigating")
        with self.assertRaisesRegex(
            UserError, "Reply is not possible on .* in its current status"
        ):
            self._as(early, "asq_sales").action_reply()

    def test_forged_context_key_unlocks_nothing(self):
        complaint = self._decided()
        # A user without the role posts with the composer's key: refused.
        finance = complaint.with_user(self.users["asq_finance"])
        with self.assertRaisesRegex(AccessError, r"this step \(Reply\)"):
            finance.with_context(asq_mail_step="reply").message_post(
                body="forged", partner_ids=self.customer.ids, message_type="comment"
            )
        self.assertEqual(complaint.state, "decided")
        # The key does not skip the customer's e-mail address either.
        self.customer.email = False
        sales = self._as(complaint, "asq_sales")
        with self.assertRaisesRegex(UserError, "an e-mail address to reply to"):
            sales.with_context(asq_mail_step="reply").message_post(
                body="no address", partner_ids=self.customer.ids, message_type="comment"
            )
        self.customer.email = "kangtai@example.com"
        # Nor the customer: the reply goes to them or is not the reply.
        with self.assertRaisesRegex(UserError, "must go to the customer"):
            sales.with_context(asq_mail_step="reply").message_post(
                body="to nobody", message_type="comment"
            )
        self.assertEqual(complaint.state, "decided")
        self.assertFalse(complaint.replied_date)


@tagged("post_install", "-at_install", "asq_ux")
class TestCapaHandoffs(HandoffMixin, CapaCommon):
    def test_department_head_and_action_owner(self):
        self.head.tz = TZ
        capa = self._create_capa()
        capa.action_start_analysis()
        action = self._add_action(capa, "Shorten the calibration interval")
        self.assertFalse(self._todos(capa, "done"), "not before the plan is confirmed")
        with freeze_time(evening_utc()):
            local_today = (evening_utc() + timedelta(hours=8)).date()
            capa.action_plan()
            self.assertEqual(capa.state, "action")
            # The head of the responsible department signs off; the quality
            # managers, who could sign for it, are not asked.
            self._assert_todo(
                capa,
                self.head,
                "department_signoff",
                "Department Sign-off",
                local_today,
            )
            self.assertEqual(self._todos(capa, "department_signoff").user_id, self.head)
        # The action's owner: a to-do on the CAPA, due on the action's date.
        todo = self._todos(capa, "done")
        self.assertEqual(todo.user_id, self.owner)
        self.assertEqual(todo.summary, "CAPA action: Shorten the calibration interval")
        self.assertEqual(todo.date_deadline, action.date_due)
        # Given to someone else: the to-do follows.
        action.with_user(self.inspector).user_id = self.inspector
        self.assertEqual(self._todos(capa, "done").user_id, self.inspector)
        self._done(action)
        self.assertFalse(self._todos(capa, "done"), "the owner's to-do closed")
        self._assert_closed_by(capa, self.inspector, "done", "Signed: Done.")
        capa.with_user(self.head).action_department_signoff()
        self.assertFalse(self._todos(capa, "department_signoff"))

    def test_reminder_job_writes_in_the_owner_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["after_sales_quality"], ["zh_CN"], overwrite=True
        )
        self.owner.lang = "zh_CN"
        capa = self._create_capa()
        capa.action_start_analysis()
        self._add_action(capa, "Change glue", days=1)
        capa.action_plan()
        self.assertEqual(
            self._todos(capa, "done").summary, "纠正预防措施项\uff1aChange glue"
        )
        # The scheduled job (run as OdooBot, in English).
        self.env["asq.capa"].with_context(lang="en_US")._cron_action_reminders()
        reminder = "提醒\uff1aChange glue"
        self.assertTrue(
            capa.message_ids.filtered(lambda m: reminder in (m.body or "")),
            capa.message_ids.mapped("body"),
        )


@tagged("post_install", "-at_install", "asq_ux")
class TestReturnHandoffTour(HttpCase, ReturnCommon):
    def test_each_signer_finds_the_todo_in_their_activity_menu(self):
        customer = self.env["res.partner"].create(
            {"name": "Handoff Tour Customer", "is_company": True}
        )
        picking = self._deliver(customer, [(self.product, 100, 100.0, "HANDOFF-1")])
        order = picking.sale_id
        order.user_id = self.sales
        self.sales.groups_id = [Command.link(self.env.ref(SALESMAN).id)]
        # From the sale order, in the browser: 6 of 100 at 100 is 6 % over
        # the 5 % cap, the general manager signs.
        self.start_tour(
            f"/odoo/action-sale.action_orders/{order.id}",
            "asq_ux_handoff_from_order_tour",
            login=self.sales.login,
        )
        ret = self.env["asq.return"].search([("partner_id", "=", customer.id)])
        self.assertEqual(len(ret), 1)
        self.assertEqual(ret.state, "submitted")
        self.assertEqual(ret.user_id, self.sales)
        self.assertEqual(ret.line_ids.picking_id, picking)
        self.assertEqual(ret.line_ids.quantity, 6)
        self.assertEqual(ret.line_ids.reason, "Does not sell in this region")
        for user, step, reached in (
            (self.aftersales, "review", "finance"),
            (self.finance, "finance", "business"),
            (self.business, "business", "gm"),
            (self.gm, "gm", "approved"),
        ):
            self.assertIn(user, self._todos_of(ret, step).user_id)
            self.start_tour("/odoo", "asq_ux_handoff_sign_tour", login=user.login)
            ret.invalidate_recordset()
            self.assertEqual(ret.state, reached, user.login)
            self.assertFalse(self._todos_of(ret, step), f"{step} to-do closed")
        self.assertIn(self.warehouse_user, self._todos_of(ret, "receive").user_id)
        self.start_tour(
            "/odoo", "asq_ux_handoff_receive_tour", login=self.warehouse_user.login
        )
        ret.invalidate_recordset()
        self.assertEqual(ret.state, "received")
        self.assertFalse(self._todos_of(ret, "receive"))
        self.assertIn(self.inspector, self._todos_of(ret, "qc_sign").user_id)
        self.start_tour("/odoo", "asq_ux_handoff_qc_tour", login=self.inspector.login)
        ret.invalidate_recordset()
        self.assertIn(ret.state, ("inspected", "done"))
        self.assertFalse(self._todos_of(ret, "qc_sign"))

    def _todos_of(self, ret, step):
        ret.invalidate_recordset()
        return ret.activity_ids.filtered(lambda a: a.asq_step == step)
