from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import LazyTranslate
from odoo.tools.safe_eval import safe_eval, time

from .asq_document import asq_refuse, asq_state_field
from .asq_groups import GROUP_INSPECTOR, GROUP_MANAGER, GROUP_MGMT_REP, GROUP_USER
from .asq_workflow_mixin import (
    AsqEditable,
    AsqTransition,
    asq_in_step,
    asq_signature,
    asq_step,
)

_lt = LazyTranslate(__name__)

# Any internal user: the head of a department may hold no after-sales role.
GROUP_EMPLOYEE = "base.group_user"

# Who/when fields that only the workflow buttons write (context key below).
SIGNATURE_FIELDS = (
    "analysis_user_id",
    "analysis_date",
    "signoff_user_id",
    "signoff_date",
    "verified_user_id",
    "verified_date",
    "date_closed",
    "customer_report_user_id",
    "customer_report_date",
    "customer_report_attachment_id",
    "customer_report_escalated",
)
WORKFLOW_KEY = "asq_capa_workflow"
# What the customer asked for: the report's to-do follows it.
REPORT_REQUEST = frozenset(
    {"customer_report", "customer_report_deadline", "customer_report_partner_id"}
)

# Content a person fills in on the CAPA form: the states in which it may
# still change (whoever may write the CAPA: the quality department and the
# management representative) and the step that freezes it. write() and the
# form's readonly= both read this table (asq.editable.mixin).
_DRAFT = ("draft",)
# The problem and its root cause: described and analysed, then confirmed.
_ANALYSIS = ("draft", "analysis")
# The action plan: planned, then carried out (a not effective verification
# brings the CAPA back here for a new round).
_PLAN = ("draft", "analysis", "action")
_OPEN = ("draft", "analysis", "action", "verification")
EDITABLE = {
    "source": AsqEditable(_DRAFT),
    "origin": AsqEditable(_DRAFT),
    "date_open": AsqEditable(_DRAFT),
    "company_id": AsqEditable(_DRAFT),
    "user_id": AsqEditable(_OPEN),
    # The head of the department signs off for that department: it no longer
    # changes once signed (a new round clears the sign-off).
    "department_id": AsqEditable(_PLAN, frozen_by="signoff_user_id"),
    # What the customer asked for and by when: no longer changes once the
    # report is sent (a deadline moved afterwards would hide a late report).
    "customer_report": AsqEditable(_OPEN, frozen_by="customer_report_user_id"),
    "customer_report_deadline": AsqEditable(_OPEN, frozen_by="customer_report_user_id"),
    "customer_report_partner_id": AsqEditable(
        _OPEN, frozen_by="customer_report_user_id"
    ),
    "problem": AsqEditable(_ANALYSIS),
    "complaint_ids": AsqEditable(_OPEN),
    "partner_ids": AsqEditable(_ANALYSIS),
    "product_ids": AsqEditable(_ANALYSIS),
    "lot_ids": AsqEditable(_ANALYSIS),
    "containment": AsqEditable(_OPEN),
    "why_1": AsqEditable(_ANALYSIS),
    "why_2": AsqEditable(_ANALYSIS),
    "why_3": AsqEditable(_ANALYSIS),
    "why_4": AsqEditable(_ANALYSIS),
    "why_5": AsqEditable(_ANALYSIS),
    "cause_category": AsqEditable(_ANALYSIS),
    "root_cause": AsqEditable(_ANALYSIS),
    "no_action": AsqEditable(_ANALYSIS),
    "no_action_reason": AsqEditable(_ANALYSIS),
    "action_ids": AsqEditable(_PLAN),
    "verification_date": AsqEditable(_OPEN),
    "verification_note": AsqEditable(_OPEN),
}
# What still changes on a closed or cancelled CAPA.
CLOSED_WRITABLE = frozenset({"message_main_attachment_id"})


# Who verifies the effect, by the company's setting asq_capa_verifier.
# 000 §4.6.11: "由管理者代表对实施结果进行跟踪验证" (the management
# representative follows up and verifies the result: the default); 003
# §3.2.3: 品质管理部 "负责对纠正预防措施的制定和效果验证" (the quality
# department verifies the effect).
VERIFIER_GROUPS = {"mgmt_rep": GROUP_MGMT_REP, "quality": GROUP_INSPECTOR}
VERIFIERS = tuple(VERIFIER_GROUPS.values())

# (lazy terms, translated where shown: self.env._(transition.label))
# pylint: disable=prefer-env-translation
TRANSITIONS = (
    AsqTransition(
        "start_analysis",
        _lt("Start Analysis"),
        ("draft",),
        (GROUP_INSPECTOR,),
        "analysis",
        check="_asq_check_start_analysis",
        todo=False,
    ),
    # No action needed: nothing to carry out, straight to verification.
    AsqTransition(
        "plan",
        _lt("Confirm Analysis"),
        ("analysis",),
        (GROUP_INSPECTOR,),
        branches=("action", "verification"),
        stamp="analysis",
        check="_asq_check_plan",
        todo=False,
    ),
    # The head of the responsible department or a quality manager (see
    # the signer); the head may only read the CAPA, and needs no more than
    # an employee's role (000 4.6.10: the CAPA form goes "给责任部门", to the
    # responsible department; record rule asq_capa_rule_department_head).
    AsqTransition(
        "department_signoff",
        _lt("Department Sign-off"),
        ("action", "verification"),
        (GROUP_EMPLOYEE,),
        stamp="signoff",
        signer="_asq_signer_department_signoff",
        access="read",
        assignee="_asq_assignee_department_signoff",
    ),
    AsqTransition(
        "request_verification",
        _lt("Actions Done"),
        ("action",),
        (GROUP_INSPECTOR,),
        "verification",
        check="_asq_check_request_verification",
        todo=False,
    ),
    # The management representative (000 §4.6.11) or the quality department
    # (003 §3.2.3), as the company's setting says (see the signer).
    AsqTransition(
        "verify_effective",
        _lt("Verify Effectiveness"),
        ("verification",),
        VERIFIERS,
        "closed",
        stamp="verified",
        check="_asq_check_verify",
        signer="_asq_signer_verify",
        deadline="verification_date",
    ),
    # The other outcome of the same verification (its to-do is the one
    # of verify_effective): a new action round, nothing stamped.
    AsqTransition(
        "verify_not_effective",
        _lt("Verify Effectiveness"),
        ("verification",),
        VERIFIERS,
        "action",
        check="_asq_check_verify",
        signer="_asq_signer_verify",
        todo=False,
    ),
    AsqTransition(
        "cancel",
        _lt("Cancel"),
        ("draft", "analysis", "action", "verification"),
        (GROUP_MANAGER,),
        "cancel",
        todo=False,
    ),
    # The CAPA report (8D) goes back to the customer, by mail with the PDF
    # and on the customer's portal: 000 §4.6.10 「营销中心根据情况将实施结果
    # 反馈给顾客」 (the marketing centre, i.e. the after-sales staff who own
    # the complaint, feed the result back to the customer) and 002 §6.2.8
    # 「如若客户有要求提供纠正和预防措施的,则按客户要求在规定的期限内,提交纠正和
    # 预防措施」 (when the customer asks for it: within the period the
    # customer set, customer_report_deadline, the to-do's due date). Once
    # the cause is known (the plan confirmed), again after closing for the
    # final report; the last sending is stamped. Signed by an after-sales
    # user who may read the CAPA (the engine checks it; they only read it).
    AsqTransition(
        "send_customer_report",
        _lt("Send CAPA Report to Customer"),
        ("action", "verification", "closed"),
        (GROUP_USER,),
        stamp="customer_report",
        check="_asq_check_send_customer_report",
        action="action_send_customer_report",
        access="read",
        deadline="customer_report_deadline",
        assignee="_asq_assignee_customer_report",
        mail="_asq_customer_report_mail",
    ),
)
# pylint: enable=prefer-env-translation


class AsqCapa(models.Model):
    """Corrective and preventive action (《纠正与预防措施处理单》)."""

    _name = "asq.capa"
    _description = "Corrective and Preventive Action"
    _inherit = [
        "asq.mail.step",
        "mail.thread",
        "mail.activity.mixin",
        "asq.document",
        "asq.workflow.mixin",
        "asq.editable.mixin",
        "asq.deadline.mixin",
    ]
    _order = "date_open desc, id desc"
    _asq_editable = EDITABLE
    _asq_closed_states = ("closed", "cancel")
    _asq_closed_writable = CLOSED_WRITABLE
    _asq_workflow_key = WORKFLOW_KEY
    _asq_signature_fields = SIGNATURE_FIELDS
    _asq_workflow_fields = ("state", "round", "effectiveness")
    _asq_sequence_code = "asq.capa"
    _asq_transitions = TRANSITIONS
    # (asq.deadline.mixin) The CAPA report the customer asked for: overdue
    # while not sent after its due date, escalated once to the quality
    # managers (the scheduled job of the action reminders).
    _asq_deadline_field = "customer_report_deadline"
    _asq_escalated_field = "customer_report_escalated"
    _asq_escalation_job = "after_sales_quality.asq_capa_cron_reminders"
    _check_company_auto = True
    # Action owners and department heads comment without editing the CAPA.
    _mail_post_access = "read"

    # (name, company_id: asq.document)
    state = asq_state_field(
        selection=[
            ("draft", "Draft"),
            ("analysis", "Root Cause Analysis"),
            ("action", "Actions in Progress"),
            ("verification", "Effectiveness Verification"),
            ("closed", "Closed"),
            ("cancel", "Cancelled"),
        ],
        default="draft",
        help="Draft: proposed or being described.\n"
        "Root Cause Analysis: the quality department analyses the cause.\n"
        "Actions in Progress: the action plan of the current round is carried out.\n"
        "Effectiveness Verification: every action is done; the management "
        "representative (or the quality department, as the company's setting "
        "says) verifies the effect on or after the verification date.\n"
        "Closed: verified effective.\nCancelled: withdrawn with a reason.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Coordinator",
        default=lambda s: s.env.user,
        tracking=True,
        index=True,
        domain=lambda s: [("groups_id", "in", s.env.ref(GROUP_INSPECTOR).id)],
    )
    department_id = fields.Many2one(
        "hr.department",
        string="Responsible Department",
        tracking=True,
        check_company=True,
    )
    source = fields.Selection(
        selection=[
            ("complaint", "Customer complaint"),
            ("repeat", "Repeat complaint"),
            ("return_qc", "QC finding on returned goods"),
            ("hold", "Quality hold"),
            ("survey", "Satisfaction survey"),
            ("quarterly", "Quarterly analysis"),
            ("internal", "Internal"),
        ],
        required=True,
        default="internal",
        tracking=True,
        index=True,
    )
    origin = fields.Char(
        string="Source Document", help="Reference of what triggered this CAPA."
    )
    complaint_ids = fields.Many2many(
        "asq.complaint",
        "asq_capa_complaint_rel",
        "capa_id",
        "complaint_id",
        string="Complaints",
        check_company=True,
    )
    date_open = fields.Date(
        string="Opened On", default=fields.Date.context_today, required=True, copy=False
    )
    round = fields.Integer(
        string="Action Round",
        default=1,
        copy=False,
        readonly=True,
        help="Goes up by one each time the effectiveness is verified as not "
        "effective and a new action plan is needed.",
    )
    customer_report = fields.Boolean(
        string="Customer Asks for a CAPA Report",
        tracking=True,
        help="The customer asked for an 8D report (IATF 16949).",
    )
    customer_report_deadline = fields.Date(
        string="Report Due to Customer",
        index=True,
        help="The date by which the customer asked for the CAPA report.",
    )
    customer_report_partner_id = fields.Many2one(
        "res.partner",
        string="Report To",
        check_company=True,
        help="The customer (contact) the CAPA report is sent to; it shows on "
        "their complaints in the customer portal.",
    )
    customer_report_user_id, customer_report_date = asq_signature(
        "Report Sent By", "Report Sent On"
    )
    customer_report_attachment_id = fields.Many2one(
        "ir.attachment",
        string="Report Sent",
        readonly=True,
        copy=False,
        help="The CAPA report (PDF) as the customer received it last.",
    )
    customer_report_escalated = fields.Boolean(readonly=True, copy=False)
    customer_report_late = fields.Boolean(
        string="Report Sent Late",
        compute="_compute_customer_report_late",
        store=True,
        help="The CAPA report reached the customer after the date they asked for.",
    )
    is_overdue = fields.Boolean(string="Report Overdue")

    # ------------------------------------------------------------------
    # 1. Description
    # ------------------------------------------------------------------
    problem = fields.Text(string="Problem Statement")
    partner_ids = fields.Many2many(
        "res.partner", string="Customers Concerned", check_company=True
    )
    product_ids = fields.Many2many(
        "product.product", string="Products Concerned", check_company=True
    )
    lot_ids = fields.Many2many("stock.lot", string="Lots Concerned", check_company=True)
    containment = fields.Text(
        string="Containment / Immediate Action",
        help="What was done at once to protect the customer.",
    )

    # ------------------------------------------------------------------
    # 2. Root cause
    # ------------------------------------------------------------------
    why_1 = fields.Char()
    why_2 = fields.Char()
    why_3 = fields.Char()
    why_4 = fields.Char()
    why_5 = fields.Char()
    cause_category = fields.Selection(
        selection=[
            ("man", "Man"),
            ("machine", "Machine"),
            ("material", "Material"),
            ("method", "Method"),
            ("measurement", "Measurement"),
            ("environment", "Environment"),
        ],
        tracking=True,
        index=True,
        help="The 5M1E category of the root cause.",
    )
    root_cause = fields.Text()
    analysis_user_id = fields.Many2one("res.users", string="Analysed By", readonly=True)
    analysis_date = fields.Datetime(string="Analysed On", readonly=True)

    # ------------------------------------------------------------------
    # 3. Action plan
    # ------------------------------------------------------------------
    action_ids = fields.One2many("asq.capa.action", "capa_id", string="Actions")
    no_action = fields.Boolean(
        string="No Action Taken",
        tracking=True,
        help="Allowed only with the reason recorded.",
    )
    no_action_reason = fields.Text(string="Reason for Taking No Action")
    signoff_user_id = fields.Many2one(
        "res.users", string="Department Sign-off By", readonly=True
    )
    signoff_date = fields.Datetime(string="Department Sign-off On", readonly=True)
    open_action_count = fields.Integer(compute="_compute_action_figures")
    action_count = fields.Integer(compute="_compute_action_figures")

    # ------------------------------------------------------------------
    # 4. Effectiveness
    # ------------------------------------------------------------------
    verification_date = fields.Date(
        string="Verify On or After",
        help="The effect is verified from this date (by the management "
        "representative or the quality department, as the company's setting says).",
    )
    effectiveness = fields.Selection(
        selection=[("effective", "Effective"), ("not_effective", "Not effective")],
        readonly=True,
        copy=False,
        tracking=True,
    )
    verification_note = fields.Text(string="Verification Evidence")
    verified_user_id = fields.Many2one("res.users", string="Verified By", readonly=True)
    verified_date = fields.Datetime(string="Verified On", readonly=True)
    review_ids = fields.One2many(
        "asq.capa.review", "capa_id", string="Verification History", readonly=True
    )
    date_closed = fields.Date(string="Closed On", readonly=True, copy=False)
    days_to_close = fields.Integer(
        compute="_compute_days_to_close",
        store=True,
        aggregator="avg",
        help="Days from opening to closing, for the statistics.",
    )
    on_time = fields.Boolean(
        string="All Actions on Time",
        compute="_compute_on_time",
        store=True,
        help="Every action of the CAPA was done by its due date.",
    )
    cancel_reason = fields.Text(readonly=True, copy=False)
    can_start_analysis = fields.Boolean(compute="_compute_asq_can")
    can_plan = fields.Boolean(compute="_compute_asq_can")
    can_department_signoff = fields.Boolean(compute="_compute_asq_can")
    can_request_verification = fields.Boolean(compute="_compute_asq_can")
    can_verify_effective = fields.Boolean(compute="_compute_asq_can")
    can_verify_not_effective = fields.Boolean(compute="_compute_asq_can")
    can_cancel = fields.Boolean(compute="_compute_asq_can")
    can_send_customer_report = fields.Boolean(compute="_compute_asq_can")

    _sql_constraints = [
        (
            "name_company_uniq",
            "UNIQUE(name, company_id)",
            "CAPA references are unique.",
        ),
    ]

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("action_ids.state", "round")
    def _compute_action_figures(self):
        for capa in self:
            current = capa.action_ids.filtered(lambda a, c=capa: a.round == c.round)
            capa.action_count = len(capa.action_ids)
            capa.open_action_count = len(current.filtered(lambda a: a.state == "open"))

    @api.depends("customer_report_date", "customer_report_deadline")
    def _compute_customer_report_late(self):
        for capa in self:
            # (the day it was sent where the company is)
            sent = capa.customer_report_date and fields.Date.context_today(
                capa.with_context(tz=capa.company_id.partner_id.tz or "UTC"),
                capa.customer_report_date,
            )
            capa.customer_report_late = bool(
                sent
                and capa.customer_report_deadline
                and sent > capa.customer_report_deadline
            )

    @api.depends("date_open", "date_closed")
    def _compute_days_to_close(self):
        for capa in self:
            capa.days_to_close = (
                (capa.date_closed - capa.date_open).days if capa.date_closed else 0
            )

    @api.depends("action_ids.on_time", "action_ids.state")
    def _compute_on_time(self):
        for capa in self:
            done = capa.action_ids.filtered(lambda a: a.state == "done")
            capa.on_time = bool(done) and all(done.mapped("on_time"))

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        """The action plan's lines in the CAPA form read the table of the
        action line (asq.capa.action's own form reads it too)."""
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type == "form":
            self.env["asq.capa.action"]._asq_apply_readonly(
                arch.xpath("//field[@name='action_ids']/list/field[@name]")
            )
        return arch, view

    @api.model_create_multi
    def create(self, vals_list):
        capas = super().create(vals_list)
        # Who receives the CAPA report, unless given: the customer of the
        # CAPA's complaints (their contact with an e-mail address), or its
        # only customer concerned.
        for capa in capas.filtered(lambda c: not c.customer_report_partner_id):
            partner = capa._asq_default_report_partner()
            if partner:
                capa.with_context(**asq_step(WORKFLOW_KEY)).write(
                    {"customer_report_partner_id": partner.id}
                )
        return capas

    def _asq_default_report_partner(self):
        self.ensure_one()
        complaints = self.sudo().complaint_ids
        if len(complaints.partner_id.commercial_partner_id) == 1:
            contact = complaints.contact_id.filtered("email")[:1]
            return contact or complaints.partner_id[:1]
        if len(self.partner_ids) == 1:
            return self.partner_ids
        return self.env["res.partner"]

    def write(self, vals):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            self._ensure_no_signature([vals])
            if "state" in vals or "round" in vals or "effectiveness" in vals:
                raise UserError(
                    self.env._("Use the workflow buttons to change the CAPA status.")
                )
            # Who may not write the CAPA at all is refused as such first.
            if not self.env.su:
                self.check_access("write")
            self._asq_ensure_editable(vals)
        result = super().write(vals)
        if not asq_in_step(self.env, WORKFLOW_KEY) and REPORT_REQUEST.intersection(
            vals
        ):
            self._asq_customer_report_changed("customer_report_deadline" in vals)
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_started(self):
        asq_refuse(
            self.filtered(lambda c: c.state != "draft"),
            self.env._("Only draft CAPA can be deleted; cancel %(names)s instead."),
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_start_analysis(self):
        """Button "Start Analysis": the problem is described."""
        self._asq_begin("start_analysis")._asq_finish("start_analysis")
        return True

    def action_plan(self):
        """Button "Confirm Analysis": root cause found, action plan set."""
        capas = self._asq_begin("plan")
        with_actions = capas.filtered(lambda c: not c.no_action)
        with_actions._asq_finish("plan", {"state": "action"})
        (capas - with_actions)._asq_finish("plan", {"state": "verification"})
        return True

    def action_department_signoff(self):
        """Button "Department Sign-off": the responsible department accepts
        the cause and the action plan."""
        self._asq_explain_department_signoff()
        capas = self._asq_begin("department_signoff")
        # The department head may only read the CAPA: the engine's check
        # above (role, read access, state, signer) is the access control of
        # this step.
        capas.sudo()._asq_finish("department_signoff")
        capas.message_post(body=self.env._("Signed off by the responsible department."))
        return True

    def action_request_verification(self):
        """Button "Actions Done": every action of the round is done."""
        capas = self._asq_begin("request_verification")
        # (the management representatives' to-do comes with the step's
        # outcome: Verify Effectiveness, due on the verification date)
        capas._asq_finish("request_verification")
        return True

    def action_verify_effective(self):
        """Button "Effective": verified effective, the CAPA closes."""
        self._asq_explain_verify()
        capas = self._asq_begin("verify_effective")
        capas._log_review("effective")
        capas._asq_finish(
            "verify_effective",
            {
                "effectiveness": "effective",
                "date_closed": fields.Date.context_today(self),
            },
        )
        capas.activity_unlink(["mail.mail_activity_data_todo"])
        return True

    def action_verify_not_effective(self):
        """Button "Not Effective": a new action round starts, history kept."""
        self._asq_explain_verify()
        capas = self._asq_begin("verify_not_effective")
        # The evidence is written just before this button (the other outcome
        # does not need it): refused at click time, the button stays shown.
        asq_refuse(
            capas.filtered(lambda c: not c.verification_note),
            self.env._("Record why the actions of %(names)s were not effective."),
        )
        capas._log_review("not_effective")
        for capa in capas:
            capa._asq_finish(
                "verify_not_effective",
                {
                    "round": capa.round + 1,
                    "effectiveness": "not_effective",
                    "no_action": False,
                    "verification_note": False,
                    "signoff_user_id": False,
                    "signoff_date": False,
                },
            )
            capa.message_post(
                body=self.env._(
                    "Not effective: action round %(round)s starts. Plan new actions.",
                    round=capa.round,
                )
            )
        return True

    def action_cancel(self):
        """Button "Cancel" (from the cancel wizard, which gives the reason)."""
        # The role and the state first: who may not cancel is told so, not
        # asked for a reason.
        capas = self._asq_begin("cancel")
        reason = str(self.env.context.get("asq_cancel_reason") or "").strip()
        if not reason:
            raise UserError(self.env._("Give the reason for cancelling."))
        capas.action_ids.filtered(lambda a: a.state == "open")._workflow_write(
            {"state": "cancel"}
        )
        capas._asq_finish("cancel", {"cancel_reason": reason})
        return True

    def action_open_cancel_wizard(self):
        """Button "Cancel": asks for the reason."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Cancel CAPA"),
            "res_model": "asq.capa.cancel",
            "view_mode": "form",
            "target": "new",
            "context": {"default_capa_ids": self.ids},
        }

    # ------------------------------------------------------------------
    # Proposals: the one entry point other features use
    # ------------------------------------------------------------------
    @api.model
    def _asq_propose(self, source, origin, problem, **scope):
        """Propose a draft CAPA for ``source`` (see the selection) unless an
        open CAPA of the same origin exists; return it. ``scope`` takes
        partner_ids, product_ids, lot_ids and any extra field values."""
        existing = self.search(
            [
                ("origin", "=", origin),
                ("source", "=", source),
                ("state", "not in", ("closed", "cancel")),
                ("company_id", "=", scope.get("company_id", self.env.company.id)),
            ],
            limit=1,
        )
        if existing:
            return existing
        vals = {"source": source, "origin": origin, "problem": problem}
        for key in ("partner_ids", "product_ids", "lot_ids"):
            if key in scope:
                vals[key] = [fields.Command.set(scope.pop(key).ids)]
        vals.update(scope)
        capa = self.sudo().create(vals).sudo(False)
        managers = self.env.ref(GROUP_MANAGER).users.filtered(
            lambda u: capa.company_id in u.company_ids
        )
        if managers:
            capa.sudo().activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Review proposed CAPA %(name)s", name=capa.name),
                user_id=managers[0].id,
            )
        return capa

    # ------------------------------------------------------------------
    # The CAPA report to the customer (step send_customer_report)
    # ------------------------------------------------------------------
    def action_send_customer_report(self):
        """Button "Send CAPA Report to Customer": Odoo's composer on the mail
        to the customer, prefilled from its template in the customer's
        language with the 8D report attached, editable; the step is signed
        when the mail is sent from it (asq.mail.step)."""
        capa = self._asq_begin("send_customer_report")
        return capa._asq_mail_step_action(
            "send_customer_report",
            self.env.ref("after_sales_quality.asq_capa_mail_template_customer_report"),
        )

    def _asq_customer_report_mail(self, kwargs):
        """The mail of "Send CAPA Report to Customer" goes to the customer and
        carries the report (PDF), which is kept as the report sent (the
        customer's portal shows it)."""
        partner = self.customer_report_partner_id
        self._asq_mail_step_to(
            partner,
            kwargs,
            self.env._(
                "The CAPA report of %(name)s must go to the customer "
                "(%(partner)s): keep them among the recipients.",
                name=self.name,
                partner=partner.display_name,
            ),
        )
        report = self._asq_attached_report(kwargs.get("attachment_ids") or [])
        if not report:
            raise UserError(
                self.env._(
                    "Attach the CAPA report of %(name)s (%(file)s) to the mail.",
                    name=self.name,
                    file=self._asq_report_file_name(),
                )
            )
        return {"customer_report_attachment_id": report.id}

    def _asq_mail_step_finish(self, step, vals):
        # The engine's check (role, read access, state, customer) is the
        # access control of this step: the after-sales staff only read the
        # CAPA (as the department sign-off).
        return super(AsqCapa, self.sudo())._asq_mail_step_finish(step, vals)

    def _asq_report_file_name(self):
        """The name (without extension) of the 8D report's file, as the mail
        template attaches it (its ``print_report_name``)."""
        self.ensure_one()
        report = self.env.ref("after_sales_quality.asq_capa_report_8d").sudo()
        return safe_eval(report.print_report_name, {"object": self, "time": time})

    def _asq_attached_report(self, attachment_ids):
        """Of the mail's attachments, the 8D report of this CAPA (one)."""
        stem = self._asq_report_file_name()
        return (
            self.env["ir.attachment"]
            .sudo()
            .browse(attachment_ids)
            .filtered(lambda a: (a.name or "").rsplit(".", 1)[0] == stem)[:1]
        )

    def _asq_check_send_customer_report(self):
        partner = self.customer_report_partner_id
        if not partner:
            return self.env._(
                'Choose who receives the CAPA report of %(name)s ("Report To").',
                name=self.name,
            )
        if not partner.email:
            return self.env._(
                "Give %(partner)s an e-mail address to send the CAPA report of "
                "%(name)s to.",
                partner=partner.display_name,
                name=self.name,
            )
        return ""

    def _asq_assignee_customer_report(self):
        """Whose to-do the report is, while the customer's request waits: the
        owners of the CAPA's complaints (the after-sales staff, 「营销中心」),
        else its coordinator."""
        self.ensure_one()
        if not self.customer_report or self.customer_report_date:
            return self.env["res.users"]
        owners = self.sudo().complaint_ids.user_id or self.user_id
        return owners.filtered(lambda user: user.has_group(GROUP_USER))

    @api.model
    def _asq_assignee_customer_report_domain(self):
        """The CAPA whose report is the user's to send (as
        :meth:`_asq_assignee_customer_report`)."""
        uid = self.env.uid
        return [
            ("customer_report", "=", True),
            ("customer_report_date", "=", False),
            "|",
            ("complaint_ids.user_id", "=", uid),
            "&",
            ("complaint_ids", "=", False),
            ("user_id", "=", uid),
        ]

    def _asq_customer_report_changed(self, new_deadline):
        """The customer's request changed: the report's to-do follows it,
        given again as the request now stands (due on the new date, or gone
        when no report is asked for any more); a new due date is not
        escalated yet."""
        if new_deadline:
            self.sudo().with_context(**asq_step(WORKFLOW_KEY)).write(
                {"customer_report_escalated": False}
            )
        # (not marked done: nobody sent anything)
        self.sudo().activity_ids.filtered(
            lambda a: a.asq_step == "send_customer_report"
        ).unlink()
        self._asq_update_todos()

    @api.model
    def _asq_overdue_domain(self):
        """(asq.deadline.mixin) A report the customer asked for, not sent."""
        return [
            ("customer_report", "=", True),
            ("customer_report_date", "=", False),
            ("state", "!=", "cancel"),
        ]

    @api.model
    def _asq_escalation_domain(self):
        return self._asq_overdue_domain()

    def _asq_escalate_overdue_batch(self):
        """(asq.deadline.mixin) A CAPA report overdue to the customer: the
        quality managers are told on the CAPA, in their language."""
        for capa in self:
            capa._asq_tell_managers(
                lambda env, capa=capa: env._(
                    "Overdue: the CAPA report the customer %(partner)s asked "
                    "for was due on %(date)s and is not sent.",
                    partner=capa.customer_report_partner_id.display_name or "-",
                    date=capa.customer_report_deadline,
                ),
                lambda env, capa=capa: env._(
                    "Overdue CAPA report to the customer: %(name)s", name=capa.name
                ),
            )
        self.with_context(**asq_step(WORKFLOW_KEY)).write(
            {"customer_report_escalated": True}
        )

    def _asq_tell_managers(self, body, summary):
        """Tell the quality managers of the CAPA's company (one) about it: a
        message ``body(env)`` in each of their languages and a to-do
        ``summary(env)`` for the first (both called with an environment in
        the recipient's language)."""
        self.ensure_one()
        managers = self.env.ref(GROUP_MANAGER).users.filtered(
            lambda user: self.company_id in user.company_ids
        )
        # (a job writes it: in each recipient's language, one message per
        # language read by the managers)
        by_lang = managers.grouped(lambda user: user.lang or "en_US") or {
            self.env.lang: managers
        }
        for lang, users in by_lang.items():
            self.message_post(
                body=body(self.with_context(lang=lang).env),
                partner_ids=users.partner_id.ids,
                subtype_xmlid="mail.mt_comment",
            )
        if managers:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=summary(
                    self.with_context(lang=managers[0].lang or "en_US").env
                ),
                user_id=managers[0].id,
            )

    # ------------------------------------------------------------------
    # Scheduled job
    # ------------------------------------------------------------------
    @api.model
    def _cron_action_reminders(self, reminder_days=3, batch_size=500):
        """Due soon: remind the owner. Overdue: escalate to the quality
        managers, once per action and once per CAPA report the customer
        asked for and did not receive by its date (asq.deadline.mixin).
        Each batch runs in a savepoint; if it fails, record by record: one
        that fails is skipped (tried again next run) and the quality
        managers are told on its CAPA."""
        job = "after_sales_quality.asq_capa_cron_reminders"
        Action = self.env["asq.capa.action"]
        Guard = self.env["asq.cron.guard"]
        today = fields.Date.context_today(self)
        soon = Action.search(
            [
                ("state", "=", "open"),
                ("reminded", "=", False),
                ("date_due", "<=", today + timedelta(days=reminder_days)),
                ("date_due", ">=", today),
                ("capa_id.state", "=", "action"),
            ],
            limit=batch_size,
        )
        reminded, failures = Guard._asq_run_batch(
            job,
            soon,
            lambda actions: actions._remind_owner(),
            anchor=lambda action: action.capa_id,
        )
        escalated, escalation_failures, remaining = (
            Action._asq_escalate_overdue_batches(batch_size, max_batches=1)
        )
        # The CAPA reports the customers asked for, past their due date.
        late_reports, report_failures, reports_remaining = (
            self._asq_escalate_overdue_batches(batch_size, max_batches=1)
        )
        Guard._asq_report_failures(
            job, failures + escalation_failures + report_failures
        )
        # A full batch may hide more; a batch that only failed would loop.
        if (len(soon) == batch_size and reminded) or remaining or reports_remaining:
            self.env.ref(job)._trigger()
        return len(reminded), len(escalated) + len(late_reports)

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    # ------------------------------------------------------------------
    # Steps: preconditions (check) and who signs (signer)
    # ------------------------------------------------------------------
    def _asq_check_start_analysis(self):
        if not self.problem:
            return self.env._(
                "Describe the problem of %(names)s before analysing it.",
                names=self.name,
            )
        return ""

    def _asq_check_plan(self):
        return self._asq_why_no_root_cause() or self._asq_why_no_action_plan()

    def _asq_why_no_root_cause(self):
        missing = []
        if not self.root_cause:
            missing.append(self.env._("root cause"))
        if not self.cause_category:
            missing.append(self.env._("cause category"))
        if not self.why_1:
            missing.append(self.env._("at least the first why"))
        if missing:
            return self.env._(
                "The root cause analysis of %(name)s is incomplete: %(missing)s.",
                name=self.name,
                missing=", ".join(missing),
            )
        return ""

    def _asq_why_no_action_plan(self):
        current = self.action_ids.filtered(lambda a: a.round == self.round)
        if self.no_action:
            if not (self.no_action_reason or "").strip():
                return self.env._(
                    "Record the reason why no action is taken on %(name)s.",
                    name=self.name,
                )
            if current.filtered(lambda a: a.state != "cancel"):
                return self.env._(
                    '%(name)s has actions planned: untick "No Action Taken" '
                    "or cancel them.",
                    name=self.name,
                )
            return ""
        if not current:
            return self.env._(
                "Plan at least one action for round %(round)s of %(name)s, or "
                "record why no action is taken.",
                round=self.round,
                name=self.name,
            )
        if current.filtered(lambda a: not (a.user_id and a.date_due)):
            return self.env._(
                "Every action of %(name)s needs an owner and a due date.",
                name=self.name,
            )
        return ""

    def _asq_check_request_verification(self):
        current = self.action_ids.filtered(lambda a: a.round == self.round)
        if not current:
            return self.env._(
                "Plan the actions of round %(round)s of %(name)s first.",
                round=self.round,
                name=self.name,
            )
        still_open = current.filtered(lambda a: a.state == "open")
        if still_open:
            return self.env._(
                "%(name)s still has open actions: %(actions)s.",
                name=self.name,
                actions=", ".join(still_open.mapped("name")),
            )
        if not current.filtered(lambda a: a.state == "done"):
            return self.env._("No action of %(name)s is done.", name=self.name)
        if self.department_id and not self.signoff_user_id:
            return self.env._(
                "The responsible department has not signed off %(name)s.",
                name=self.name,
            )
        # 004 §3.3 「责任单位:负责不良原因调查、对策提出与处置」: an action
        # another department carried out is confirmed by that department's
        # head before the CAPA goes to verification (the responsible
        # department's own actions are covered by its sign-off above; a
        # department without a head user has no one to confirm).
        unconfirmed = current.filtered(
            lambda a: a.state == "done"
            and not a.department_confirm_user_id
            and a.department_id
            and a.department_id != self.department_id
            and a.department_id.sudo().manager_id.user_id
        )
        if unconfirmed:
            return self.env._(
                "The department heads have not confirmed these actions of "
                "%(name)s: %(actions)s.",
                name=self.name,
                actions=", ".join(unconfirmed.mapped("name")),
            )
        return ""

    def _asq_check_verify(self):
        if not self.verification_date:
            return self.env._("Set the verification date of %(name)s.", name=self.name)
        if self.verification_date > fields.Date.context_today(self):
            return self.env._(
                "%(name)s can be verified on or after %(date)s.",
                name=self.name,
                date=self.verification_date,
            )
        open_actions = self.action_ids.filtered(lambda a: a.state == "open")
        if open_actions:
            return self.env._(
                "%(name)s still has open actions: %(actions)s.",
                name=self.name,
                actions=", ".join(open_actions.mapped("name")),
            )
        return ""

    @api.model
    def _asq_signer_department_signoff(self):
        """The CAPA waiting for the user's sign-off: a responsible department
        is set and has not signed yet; a quality manager signs them all, the
        head of a department those of the departments they head."""
        waiting = [("signoff_user_id", "=", False), ("department_id", "!=", False)]
        user = self.env.user
        if user.has_group(GROUP_MANAGER):
            return waiting
        # Department heads need no HR right: the departments are looked up
        # as such, not through the user's rights on HR.
        headed = (
            self.env["hr.department"]
            .sudo()
            .search([("manager_id.user_id", "=", user.id)])
        )
        if not headed:
            return None
        return expression.AND([waiting, [("department_id", "in", headed.ids)]])

    def _asq_update_todos(self):
        """(asq.workflow.mixin) With the CAPA's own to-dos, those of its
        open actions: their owners act once the plan is carried out
        (state "action") and no longer after it."""
        result = super()._asq_update_todos()
        # (and the done actions their department has yet to confirm)
        self.sudo().action_ids.filtered(
            lambda a: a.state == "open"
            or (a.state == "done" and not a.department_confirm_user_id)
        )._asq_update_todos()
        return result

    def _asq_assignee_department_signoff(self):
        """Whose to-do the sign-off is: the head of the responsible
        department (000 4.6.10: the CAPA form goes 「给责任部门」, to the
        responsible department); the quality managers, who may sign for
        it, only when that department has no head with a user."""
        head = self.department_id.sudo().manager_id.user_id
        if head:
            return head
        return self._asq_company_users(GROUP_MANAGER, self.company_id)

    @api.model
    def _asq_signer_verify(self):
        """The CAPA the user verifies: those of the companies whose setting
        names a role the user holds (management representative or quality
        department)."""
        # (None when no active company names the user's role: the user
        # verifies nothing, no dashboard tile, no to-do)
        in_use = set(self.env.companies.sudo().mapped("asq_capa_verifier"))
        settings = [
            setting
            for setting, group in VERIFIER_GROUPS.items()
            if setting in in_use and self.env.user.has_group(group)
        ]
        if not settings:
            return None
        return [("company_id.asq_capa_verifier", "in", settings)]

    def _asq_explain_verify(self):
        """Who verifies, in the words of the company's setting (the engine
        refuses the same, after the row lock, with a general message)."""
        if self.env.su or not self or not self.has_access("read"):
            return
        for capa in self:
            group = VERIFIER_GROUPS[capa.company_id.sudo().asq_capa_verifier]
            if not self.env.user.has_group(group):
                raise AccessError(
                    self.env._(
                        "%(name)s is verified by the role %(role)s (the "
                        "company's setting of who verifies CAPA effectiveness).",
                        name=capa.name,
                        role=self.env.ref(group).sudo().name,
                    )
                )

    def _asq_explain_department_signoff(self):
        """Why the user may not sign off these CAPA, in the words of the
        department (the engine refuses the same, after the row lock, with a
        general message): signed already, no department, not its head."""
        transition = self._asq_transition("department_signoff")
        if self.env.su or not self or not self.has_access("read"):
            return
        signs = self._asq_signer_department_signoff() or expression.FALSE_DOMAIN
        for capa in self.filtered(lambda c: c.state in transition.from_states):
            if capa.signoff_user_id:
                raise UserError(
                    self.env._(
                        "%(name)s is already signed off by %(user)s.",
                        name=capa.name,
                        user=capa.signoff_user_id.name,
                    )
                )
            if not capa.department_id:
                raise UserError(
                    self.env._(
                        "Set the responsible department of %(name)s first.",
                        name=capa.name,
                    )
                )
            if not capa.filtered_domain(signs):
                raise AccessError(
                    self.env._(
                        "Only the head of %(department)s or a quality manager may "
                        "sign off %(name)s.",
                        department=capa.department_id.sudo().name,
                        name=capa.name,
                    )
                )

    def _log_review(self, result):
        # sudo: the verification record is written by the verify step only
        # (its role was checked); nobody creates one directly.
        self.env["asq.capa.review"].sudo().create(
            [
                {
                    "capa_id": capa.id,
                    "round": capa.round,
                    "result": result,
                    "note": capa.verification_note,
                    "user_id": self.env.uid,
                }
                for capa in self
            ]
        )


class AsqComplaint(models.Model):
    _inherit = "asq.complaint"

    def _asq_portal_capa_reports(self):
        """The CAPA reports sent to this complaint's customer (one) on the
        CAPA taken on it: what the complaint's portal page offers."""
        self.ensure_one()
        customer = self.sudo().partner_id.commercial_partner_id
        return self.sudo().capa_ids.filtered(
            lambda capa: capa.customer_report_attachment_id
            and capa.customer_report_partner_id.commercial_partner_id == customer
        )
