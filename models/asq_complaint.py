import base64
import hashlib
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup
from psycopg2 import errors

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import LazyTranslate

from .asq_deadline_mixin import HOURS, WORKING_DAYS
from .asq_document import asq_state_field
from .asq_groups import (
    GROUP_HEAD,
    GROUP_INSPECTOR,
    GROUP_MANAGER,
    GROUP_USER,
)
from .asq_orm_speed import fill_batch_defaults
from .asq_workflow_mixin import (
    AsqEditable,
    AsqStateError,
    AsqTransition,
    asq_in_step,
    asq_lock_rows,
    asq_signature,
    asq_step,
)

_lt = LazyTranslate(__name__)

ASQ = "after_sales_quality."
STEP_CONTEXT = "asq_complaint_step"
OWNER_ACTIVITY = f"{ASQ}mail_activity_type_asq_complaint"
# Minutes a "received at" may lie ahead of the server's clock (the caller's
# clock is not the server's).
RECEIVED_CLOCK_SKEW = 5
OPEN_STATES = ("draft", "review", "investigating", "decided", "replied", "confirmed")
# 003 §5.2.3: found not to be the company's responsibility 「即不为客户投诉」:
# the customer's misuse or the carrier's damage. A supplier's defective part
# stays the company's responsibility towards its customer (ISO 9001 §8.4:
# the organization answers for what it buys in), so it stays a complaint.
NOT_OUR_RESPONSIBILITY = ("carrier", "customer")
# Registered (and not cancelled): a CAPA may be proposed for it.
REGISTERED_STATES = ("review", "investigating", "decided", "replied", "confirmed")
# 004 §5.3.5: 「若接到客户重大报怨(如影响客户生产、功能安全)时,应立即召集相关单位
# 主管进行检讨,并拟定解决方案回复客户」: the severities that convene the heads.
MAJOR_SEVERITIES = ("major", "critical")
# The review meeting's outcome, recorded by the quality manager (stamped).
REVIEW_FIELDS = ("review_decision", "review_solution")
# The steps of a customer complaint; the other feedback has its own three.
FEEDBACK_STEPS = ("feedback_answer", "feedback_pending", "feedback_record")

CATEGORIES = [
    ("quality", "Product Quality"),
    ("late", "Late Delivery"),
    ("not_as_ordered", "Quantity/Spec/Grade Not as Ordered"),
    ("tolerance", "Out of Tolerance"),
    ("packaging", "Packaging Damage"),
    ("transport", "Transport Damage"),
    ("service", "Service"),
    ("documentation", "Documentation"),
]

# Content a person fills in by hand: the states in which it may still change,
# the role that may change it and the step that freezes it. Outside them only
# a step method writes it. write() and the form's readonly= both read this
# table (asq.editable.mixin); the README's table is tested against it.
_DRAFT = ("draft",)
_REGISTERED = ("draft", "review")
_INVESTIGATION = ("investigating",)
EDITABLE = {
    "partner_id": AsqEditable(_DRAFT, GROUP_USER),
    "feedback_type": AsqEditable(_DRAFT, GROUP_USER),
    "received_date": AsqEditable(_DRAFT, GROUP_USER),
    "channel": AsqEditable(_DRAFT, GROUP_USER),
    "company_id": AsqEditable(_DRAFT, GROUP_USER),
    "line_ids": AsqEditable(_DRAFT, GROUP_USER),
    "departments_involved": AsqEditable(_DRAFT, GROUP_USER),
    "answer": AsqEditable(_DRAFT, GROUP_USER),
    "feedback_status": AsqEditable(_DRAFT, GROUP_USER),
    "contact_id": AsqEditable(_REGISTERED, GROUP_USER),
    "description": AsqEditable(_REGISTERED, GROUP_USER),
    "customer_request": AsqEditable(_REGISTERED, GROUP_USER),
    "category": AsqEditable(_REGISTERED, GROUP_USER),
    "severity": AsqEditable(_REGISTERED, GROUP_USER),
    "invalid_reason": AsqEditable(("review",), GROUP_MANAGER, "validity"),
    "onsite_required": AsqEditable(("draft", "review", "investigating"), GROUP_USER),
    "investigator_id": AsqEditable(("review", "investigating"), GROUP_INSPECTOR),
    "responsibility": AsqEditable(_INVESTIGATION, GROUP_INSPECTOR, "investigated_date"),
    "responsible_department_id": AsqEditable(
        _INVESTIGATION, GROUP_INSPECTOR, "investigated_date"
    ),
    "responsible_partner_id": AsqEditable(
        _INVESTIGATION, GROUP_INSPECTOR, "investigated_date"
    ),
    "root_cause": AsqEditable(_INVESTIGATION, GROUP_INSPECTOR, "investigated_date"),
    "onsite_result": AsqEditable(_INVESTIGATION, GROUP_INSPECTOR, "onsite_date"),
    "disposition": AsqEditable(_INVESTIGATION, GROUP_INSPECTOR),
    "disposition_note": AsqEditable(_INVESTIGATION, GROUP_INSPECTOR),
    "no_action_reason": AsqEditable(_INVESTIGATION, GROUP_INSPECTOR),
    "satisfaction_note": AsqEditable(("replied",), GROUP_USER),
    # 004 §5.3.5 「拟定解决方案回复客户」: the decision of the heads' review and
    # the solution answered to the customer, by the quality manager while
    # the complaint is open (each change stamped, see write()).
    "review_decision": AsqEditable(REGISTERED_STATES, GROUP_MANAGER),
    "review_solution": AsqEditable(REGISTERED_STATES, GROUP_MANAGER),
}
# What still changes on a closed or cancelled complaint.
CLOSED_WRITABLE = {
    "user_id",
    "capa_ids",
    "visit_ids",
    "access_token",
    "message_main_attachment_id",
}
# Hidden from customers by an explicit check rather than ``groups``: the back
# office list and form colour and ribbon overdue complaints with it, and a
# field with ``groups`` may not drive what every reader of the view sees.
PORTAL_HIDDEN_FIELDS = ("is_overdue",)
# A complaint filed again with the same content within this time, without
# its form token, is the same complaint (a double click, a resent page).
PORTAL_RESEND_MINUTES = 10


class AsqPortalDuplicate(Exception):
    """The same portal form was filed by a concurrent request that has just
    committed: its complaint is found by ``key`` in the next request."""

    def __init__(self, key):
        super().__init__(key)
        self.key = key


# The workflow: who signs what, in which status (asq.workflow.mixin).
# Besides the status, the complaint's progress narrows who waits
# (``signer``: judged yet, findings recorded, customer answered); a
# step refused for that progress says so (:meth:`_asq_refuse_progress`).
# (lazy terms, translated where shown: self.env._(transition.label))
# pylint: disable=prefer-env-translation
TRANSITIONS = (
    AsqTransition(
        "submit",
        _lt("Register"),
        ("draft",),
        (GROUP_USER,),
        "review",
        stamp="submitted",
        check="_asq_check_complaint",
        todo=False,
    ),
    AsqTransition(
        "judge_valid",
        _lt("Judge"),
        ("review",),
        (GROUP_MANAGER,),
        "investigating",
        stamp="judged",
        check="_asq_check_complaint",
        signer="_asq_signer_judge",
    ),
    # (the same judgment: its to-do is the one of "Valid")
    AsqTransition(
        "judge_invalid",
        _lt("Judge"),
        ("review",),
        (GROUP_MANAGER,),
        stamp="judged",
        check="_asq_check_complaint",
        signer="_asq_signer_judge",
        todo=False,
    ),
    AsqTransition(
        "onsite_verified",
        _lt("On-site verification"),
        ("investigating",),
        (GROUP_INSPECTOR,),
        stamp="onsite",
        check="_asq_check_onsite_verified",
        todo=False,
    ),
    AsqTransition(
        "record_findings",
        _lt("Record findings"),
        ("investigating",),
        (GROUP_INSPECTOR,),
        stamp="investigated",
        check="_asq_check_complaint",
        signer="_asq_signer_record_findings",
        deadline="answer_deadline",
    ),
    AsqTransition(
        "decide",
        _lt("Approve disposition"),
        ("investigating",),
        (GROUP_MANAGER,),
        "decided",
        stamp="decided",
        check="_asq_check_complaint",
        signer="_asq_signer_decide",
    ),
    AsqTransition(
        "reply",
        _lt("Reply"),
        ("review", "decided"),
        (GROUP_USER,),
        "replied",
        stamp="replied",
        check="_asq_check_reply",
        # The complaint's owner answers the customer (and asks whether
        # satisfied): 「在規定期限内回復顧客」 - due on the answer deadline.
        assignee="_asq_assignee_owner",
        deadline="answer_deadline",
        mail="_asq_reply_mail",
    ),
    AsqTransition(
        "customer_satisfied",
        _lt("Satisfaction"),
        ("replied",),
        (GROUP_USER,),
        "confirmed",
        stamp="confirmed",
        check="_asq_check_satisfaction",
        assignee="_asq_assignee_satisfaction",
    ),
    AsqTransition(
        "customer_not_satisfied",
        _lt("Satisfaction"),
        ("replied",),
        (GROUP_USER,),
        "investigating",
        check="_asq_check_satisfaction",
        todo=False,
    ),
    # 003 §3.8 「厂长:需要对客诉的最终报告签字确认」: the factory manager (the
    # role of the company's setting, the general manager by default) signs
    # the final report once the customer is satisfied; Close needs it. A
    # complaint judged not valid is no customer complaint (003 §5.2.3
    # 「即不为客户投诉」): its explanation closes without it.
    AsqTransition(
        "final_signoff",
        _lt("Sign Final Report"),
        ("confirmed",),
        stamp="signoff",
        check="_asq_check_complaint",
        signer="_asq_signer_final_signoff",
        assignee="_asq_assignee_final_signoff",
    ),
    AsqTransition(
        "close",
        _lt("Close"),
        ("replied", "confirmed"),
        (GROUP_MANAGER,),
        "closed",
        stamp="closed",
        check="_asq_check_close",
        signer="_asq_signer_close",
    ),
    AsqTransition(
        "cancel",
        _lt("Cancel"),
        OPEN_STATES,
        (GROUP_MANAGER,),
        "cancel",
        stamp="cancelled",
        check="_asq_check_complaint",
        action="_action_cancel",
        todo=False,
    ),
    AsqTransition(
        "propose_capa",
        _lt("Propose CAPA"),
        (*REGISTERED_STATES, "closed"),
        (GROUP_INSPECTOR,),
        check="_asq_check_complaint",
        access="read",
        todo=False,
    ),
    AsqTransition(
        "quality_hold",
        _lt("Quality Hold"),
        (*OPEN_STATES, "closed"),
        (GROUP_INSPECTOR,),
        check="_asq_check_complaint",
        action="action_asq_quality_hold",
        access="read",
        todo=False,
    ),
    # 004 §5.3.5 「应立即召集相关单位主管进行检讨」: a major or critical
    # complaint convenes the department heads (a calendar meeting); the
    # quality manager's to-do from registration on.
    AsqTransition(
        "convene_review",
        _lt("Convene Review Meeting"),
        REGISTERED_STATES,
        (GROUP_MANAGER,),
        stamp="convened",
        check="_asq_check_convene_review",
        signer="_asq_signer_convene_review",
    ),
    AsqTransition(
        "plan_onsite_visit",
        _lt("Plan On-Site Visit"),
        ("draft", "review", "investigating"),
        (GROUP_USER,),
        check="_asq_check_onsite_needed",
        access="read",
        todo=False,
    ),
    # Other feedback: answered or recorded closes it, pending with the
    # departments keeps it open.
    AsqTransition(
        "feedback_answer",
        _lt("Feedback"),
        ("draft",),
        (GROUP_USER,),
        "closed",
        stamp="closed",
        check="_asq_check_feedback",
        todo=False,
    ),
    AsqTransition(
        "feedback_pending",
        _lt("Feedback"),
        ("draft",),
        (GROUP_USER,),
        stamp="submitted",
        check="_asq_check_feedback_pending",
        todo=False,
    ),
    AsqTransition(
        "feedback_record",
        _lt("Feedback"),
        ("draft",),
        (GROUP_USER,),
        "closed",
        stamp="closed",
        check="_asq_check_feedback",
        todo=False,
    ),
)
# pylint: enable=prefer-env-translation
# Who signed which step, and what only the steps decide: written by the step
# methods only (see write()).
SIGNATURE_FIELDS = frozenset(
    {fname for transition in TRANSITIONS for fname in transition.stamp_fields}
    | {"validity", "state", "is_repeat", "repeat_of_id", "alert_id"}
    | {"counts_as_complaint", "review_meeting_id", "review_user_id", "review_date"}
)
# The economic loss, in company currency (loss_amount is their sum).
LOSS_FIELDS = (
    "loss_compensation",
    "loss_freight",
    "loss_replacement",
    "loss_scrap",
    "loss_discount",
)


class AsqComplaint(models.Model):
    """Customer complaint or other customer feedback (《客户意见登记表》)."""

    _name = "asq.complaint"
    _description = "Customer Complaint"
    _inherit = [
        "mail.activity.mixin",
        "asq.batch.defaults",
        "asq.workflow.mixin",
        "asq.editable.mixin",
        "portal.mixin",
        "asq.portal.chatter",
        "asq.mail.step",
        "mail.thread",
        "asq.deadline.mixin",
    ]
    _order = "received_date desc, id desc"
    _check_company_auto = True
    _asq_workflow_key = STEP_CONTEXT
    _asq_transitions = TRANSITIONS
    _asq_editable = EDITABLE
    # The clocks (asq.deadline.mixin): next_deadline, overdue_escalated.
    _asq_deadline_fields = (
        "disposition_deadline",
        "onsite_deadline",
        "answer_deadline",
    )
    _asq_escalation_job = "after_sales_quality.asq_complaint_cron_escalate"
    _asq_deadline_depends = (
        "feedback_type",
        "received_date",
        "judged_date",
        "validity",
        "onsite_required",
        "onsite_locality",
        "company_id",
    )
    _asq_next_deadline_depends = (
        "state",
        "disposition_deadline",
        "onsite_deadline",
        "answer_deadline",
        "onsite_date",
        "decided_date",
        "judged_date",
    )
    # The buttons read the complaint's progress besides its status: its
    # kind, judgment, findings and on-site visit.
    _asq_can_depends = (
        "state",
        "feedback_type",
        "feedback_status",
        "validity",
        "investigator_id",
        "investigated_date",
        "onsite_required",
        "onsite_date",
        "severity",
        "review_meeting_id",
        "signoff_date",
    )
    _asq_closed_states = ("closed", "cancel")
    _asq_closed_writable = CLOSED_WRITABLE

    # ------------------------------------------------------------------
    # Registration (《客户投诉记录》)
    # ------------------------------------------------------------------
    name = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: self.env._("New"),
        index="trigram",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = asq_state_field(
        selection=[
            ("draft", "New"),
            ("review", "Under Review"),
            ("investigating", "Investigating"),
            ("decided", "Disposition Decided"),
            ("replied", "Replied"),
            ("confirmed", "Satisfaction Confirmed"),
            ("closed", "Closed"),
            ("cancel", "Cancelled"),
        ],
        default="draft",
        help="New: being registered. Under Review: the quality manager judges "
        "whether the complaint is valid. Investigating: the quality department "
        "finds responsibility and root cause. Disposition Decided: the quality "
        "manager approved what is done. Replied: the customer got the answer. "
        "Satisfaction Confirmed: the customer is satisfied. Closed: done. "
        "Cancelled: withdrawn, with a reason.",
    )
    feedback_type = fields.Selection(
        selection=[
            ("complaint", "Complaint"),
            ("inquiry", "Inquiry"),
            ("suggestion", "Suggestion"),
            ("product_feedback", "Product Feedback"),
            ("contract", "Contract/Requirement Information"),
            ("market", "Market Demand"),
            ("regulator", "Regulator Correspondence"),
            ("media", "Media Report"),
        ],
        default="complaint",
        required=True,
        index=True,
        tracking=True,
        help="Only complaints run the complaint workflow and its clocks; other "
        "feedback is recorded, answered, or recorded as pending with the "
        "departments involved.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        default=lambda self: self.env.user,
        index=True,
        tracking=True,
        domain="[('share', '=', False)]",
        help="Who received the complaint and replies to the customer.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id",
        string="Customer Entity",
        store=True,
        index=True,
    )
    contact_id = fields.Many2one(
        "res.partner",
        domain="[('commercial_partner_id', '=', commercial_partner_id)]",
    )
    channel = fields.Selection(
        tracking=True,
        selection=[
            ("phone", "Phone"),
            ("fax", "Fax"),
            ("email", "E-mail"),
            ("letter", "Letter"),
            ("visit", "Visit"),
            ("portal", "Portal"),
            ("other", "Other"),
        ],
        default="phone",
        required=True,
    )
    received_date = fields.Datetime(
        string="Received At",
        default=fields.Datetime.now,
        required=True,
        index=True,
        tracking=True,
    )
    category = fields.Selection(selection=CATEGORIES, index=True, tracking=True)
    severity = fields.Selection(
        selection=[("minor", "Minor"), ("major", "Major"), ("critical", "Critical")],
        default="minor",
        required=True,
        index=True,
        tracking=True,
        help="Major: affects the customer's production or safety. Major and "
        "critical complaints convene the department heads at registration.",
    )
    description = fields.Text(tracking=True)
    line_ids = fields.One2many(
        "asq.complaint.line", "complaint_id", string="Affected Goods", copy=True
    )
    sample_returned = fields.Boolean(
        help="The customer sent back a nonconforming sample.",
    )
    evidence_ids = fields.Many2many(
        "ir.attachment",
        "asq_complaint_evidence_rel",
        "complaint_id",
        "attachment_id",
        help="Photos, documents and test reports from the customer.",
    )
    customer_request = fields.Selection(
        tracking=True,
        selection=[
            ("return", "Return"),
            ("exchange", "Exchange"),
            ("discount", "Concession Discount"),
            ("repair", "Repair"),
            ("onsite", "On-Site Service"),
            ("explanation", "Explanation Only"),
        ],
        string="Customer Asks For",
    )
    submitted_user_id, submitted_date = asq_signature("Registered By", "Registered On")

    # ------------------------------------------------------------------
    # Validity judgment
    # ------------------------------------------------------------------
    validity = fields.Selection(
        selection=[("valid", "Valid"), ("invalid", "Not Valid")],
        readonly=True,
        copy=False,
        tracking=True,
    )
    invalid_reason = fields.Text(
        string="Reason Not Valid",
        copy=False,
        help="Why the complaint is not valid: it is explained to the customer.",
    )
    judged_user_id, judged_date = asq_signature("Judged By", "Judged At")

    # ------------------------------------------------------------------
    # Investigation
    # ------------------------------------------------------------------
    investigator_id = fields.Many2one(
        "res.users",
        tracking=True,
        domain="[('share', '=', False)]",
        groups="base.group_user",
    )
    responsibility = fields.Selection(
        selection=[
            ("internal", "Internal Department"),
            ("supplier", "Supplier"),
            ("carrier", "Carrier"),
            ("customer", "Customer Misuse"),
        ],
        copy=False,
        tracking=True,
        groups="base.group_user",
    )
    responsible_department_id = fields.Many2one(
        "hr.department",
        copy=False,
        check_company=True,
        groups="base.group_user",
    )
    responsible_partner_id = fields.Many2one(
        "res.partner",
        string="Responsible Supplier/Carrier",
        copy=False,
        check_company=True,
        groups="base.group_user",
    )
    counts_as_complaint = fields.Boolean(
        string="Counts as Complaint",
        compute="_compute_counts_as_complaint",
        store=True,
        index=True,
        help="Counted in the complaint rate and the complaint counts. A "
        "complaint the investigation finds is not the company's responsibility "
        "(customer misuse, carrier) stays in the register and is "
        "reported separately (company setting).",
    )
    root_cause = fields.Text(copy=False, groups="base.group_user")
    investigated_user_id, investigated_date = asq_signature(
        "Investigated By", "Investigated At"
    )
    onsite_required = fields.Boolean(
        string="On-Site Verification Needed",
        tracking=True,
        help="Someone goes to the customer: within 24 hours for local "
        "customers, 7 days for remote ones (configurable).",
    )
    onsite_result = fields.Text(
        string="On-Site Verification Result", copy=False, groups="base.group_user"
    )
    onsite_user_id, onsite_date = asq_signature("Verified By", "Verified On Site")

    # ------------------------------------------------------------------
    # Disposition
    # ------------------------------------------------------------------
    disposition = fields.Selection(
        selection=[
            ("return", "Return"),
            ("exchange", "Exchange"),
            ("discount", "Concession Discount"),
            ("repair", "Repair"),
            ("none", "No Action"),
        ],
        copy=False,
        tracking=True,
    )
    disposition_note = fields.Text(copy=False, groups="base.group_user")
    no_action_reason = fields.Text(
        string="Reason for No Action", copy=False, groups="base.group_user"
    )
    decided_user_id, decided_date = asq_signature("Decided By", "Decided At")

    # ------------------------------------------------------------------
    # Reply and satisfaction
    # ------------------------------------------------------------------
    replied_user_id, replied_date = asq_signature("Replied By", "Replied At")
    satisfaction = fields.Selection(
        selection=[("satisfied", "Satisfied"), ("not_satisfied", "Not Satisfied")],
        readonly=True,
        copy=False,
        tracking=True,
    )
    satisfaction_note = fields.Text(string="Customer's Comment", copy=False)
    confirmed_user_id, confirmed_date = asq_signature("Confirmed By", "Confirmed At")
    reopen_count = fields.Integer(
        string="Times Not Satisfied", readonly=True, copy=False
    )
    # 003 §3.8 「厂长:需要对客诉的最终报告签字确认」
    signoff_user_id, signoff_date = asq_signature(
        "Final Report Signed By", "Final Report Signed At"
    )
    closed_user_id, closed_date = asq_signature("Closed By", "Closed At")
    cancel_reason = fields.Text(readonly=True, copy=False)
    cancelled_user_id, cancelled_date = asq_signature("Cancelled By", "Cancelled At")

    # ------------------------------------------------------------------
    # Review of a major complaint by the department heads (004 §5.3.5:
    # 「应立即召集相关单位主管进行检讨,并拟定解决方案回复客户」)
    # ------------------------------------------------------------------
    is_major = fields.Boolean(
        string="Major Complaint",
        compute="_compute_is_major",
        help="Major or critical: the department heads review it.",
    )
    review_meeting_id = fields.Many2one(
        "calendar.event",
        readonly=True,
        copy=False,
        ondelete="set null",
        groups="base.group_user",
        help="The meeting of the department heads convened on this major " "complaint.",
    )
    convened_user_id, convened_date = asq_signature(
        "Review Convened By", "Review Convened At"
    )
    review_decision = fields.Text(
        string="Review Meeting Decision",
        copy=False,
        tracking=True,
        groups="base.group_user",
        help="What the department heads decided at the review meeting.",
    )
    review_solution = fields.Text(
        string="Solution Replied to the Customer",
        copy=False,
        tracking=True,
        groups="base.group_user",
        help="The solution the review drew up and the customer was answered.",
    )
    review_user_id, review_date = asq_signature(
        "Review Recorded By", "Review Recorded At"
    )

    # ------------------------------------------------------------------
    # Clocks (elapsed or working time, a company setting per clock)
    # ------------------------------------------------------------------
    disposition_deadline = fields.Datetime(
        compute="_compute_deadlines",
        store=True,
        help="A disposition is due on every complaint by then (from receipt).",
        groups="base.group_user",
    )
    onsite_deadline = fields.Datetime(
        string="On-Site Deadline",
        compute="_compute_deadlines",
        store=True,
        tracking=True,
        help="The on-site verification is done (its result recorded) by then.",
        groups="base.group_user",
    )
    answer_deadline = fields.Datetime(
        string="Quality Answer Deadline",
        compute="_compute_deadlines",
        store=True,
        help="The quality department answers sales by then (from taking over "
        "the investigation).",
        groups="base.group_user",
    )
    onsite_locality = fields.Selection(
        selection=[("local", "Local"), ("remote", "Remote")],
        string="Customer Locality",
        compute="_compute_onsite_locality",
        store=True,
        tracking=True,
        help="The customer's locality the on-site deadline counts from (local: "
        "24 hours, otherwise 7 days); follows the customer while the on-site "
        "verification is still due.",
        groups="base.group_user",
    )
    # How each clock counts, shown next to its deadline ("24 h elapsed").
    disposition_clock, onsite_clock, answer_clock = (
        fields.Char(
            string=string, compute="_compute_clock_labels", groups="base.group_user"
        )
        for string in ("Disposition Counts", "On-Site Counts", "Quality Answer Counts")
    )
    next_deadline = fields.Datetime(
        compute="_compute_next_deadline",
        store=True,
        index=True,
        groups="base.group_user",
    )
    overdue_escalated = fields.Boolean(
        compute="_compute_next_deadline",
        store=True,
        readonly=False,
        copy=False,
        help="Technical: the escalation job already escalated the current deadline.",
        groups="base.group_user",
    )
    disposition_on_time = fields.Boolean(
        compute="_compute_on_time",
        store=True,
        string="Disposition on Time",
        groups="base.group_user",
    )
    onsite_on_time = fields.Boolean(
        compute="_compute_on_time",
        store=True,
        string="On-Site on Time",
        groups="base.group_user",
    )
    answer_on_time = fields.Boolean(
        compute="_compute_on_time",
        store=True,
        string="Quality Answer on Time",
        groups="base.group_user",
    )

    # ------------------------------------------------------------------
    # Repeat complaints and early warning
    # ------------------------------------------------------------------
    is_repeat = fields.Boolean(
        string="Repeat Complaint",
        readonly=True,
        copy=False,
        index=True,
        help="The same customer complained about the same product or category "
        "within the repeat window: closing needs a CAPA.",
        groups="base.group_user",
    )
    repeat_of_id = fields.Many2one(
        "asq.complaint",
        readonly=True,
        copy=False,
        groups="base.group_user",
    )
    capa_ids = fields.Many2many(
        "asq.capa",
        "asq_capa_complaint_rel",
        "complaint_id",
        "capa_id",
        string="CAPA",
        copy=False,
        help="Corrective and preventive actions taken on this complaint.",
        groups="base.group_user",
    )
    capa_count = fields.Integer(string="CAPA Count", compute="_compute_capa_count")
    return_ids = fields.One2many(
        "asq.return", "complaint_id", string="Return Requests", readonly=True
    )
    return_count = fields.Integer(
        string="Return Request Count", compute="_compute_return_count"
    )
    alert_id = fields.Many2one(
        "asq.complaint.alert",
        string="Early Warning",
        readonly=True,
        copy=False,
        groups="base.group_user",
    )
    hold_ids = fields.One2many(
        "asq.hold",
        "complaint_id",
        string="Quality Holds",
        readonly=True,
        groups="base.group_user",
    )
    hold_count = fields.Integer(
        string="Quality Hold Count", compute="_compute_hold_count"
    )
    visit_ids = fields.One2many(
        "asq.service.visit", "complaint_id", string="Service Visits"
    )

    # ------------------------------------------------------------------
    # Economic loss, in company currency
    # ------------------------------------------------------------------
    loss_compensation = fields.Monetary(string="Compensation", groups="base.group_user")
    loss_freight = fields.Monetary(string="Freight", groups="base.group_user")
    loss_replacement = fields.Monetary(string="Replacement", groups="base.group_user")
    loss_scrap = fields.Monetary(string="Scrap", groups="base.group_user")
    loss_discount = fields.Monetary(string="Discount Granted", groups="base.group_user")
    loss_amount = fields.Monetary(
        compute="_compute_loss_amount",
        store=True,
        groups="base.group_user",
    )
    loss_bearer = fields.Selection(
        tracking=True,
        selection=[
            ("company", "Our Company"),
            ("supplier", "Supplier"),
            ("carrier", "Carrier"),
            ("customer", "Customer"),
            ("shared", "Shared"),
        ],
        string="Loss Borne By",
        groups="base.group_user",
    )

    # ------------------------------------------------------------------
    # Other feedback
    # ------------------------------------------------------------------
    feedback_status = fields.Selection(
        selection=[
            ("recorded", "Recorded"),
            ("pending", "Pending with Departments"),
            ("answered", "Answered"),
        ],
        copy=False,
    )
    departments_involved = fields.Char()
    answer = fields.Text()

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------
    is_complaint = fields.Boolean(compute="_compute_is_complaint")
    can_submit = fields.Boolean(compute="_compute_asq_can")
    can_judge_valid = fields.Boolean(compute="_compute_asq_can")
    can_judge_invalid = fields.Boolean(compute="_compute_asq_can")
    can_onsite_verified = fields.Boolean(compute="_compute_asq_can")
    can_record_findings = fields.Boolean(compute="_compute_asq_can")
    can_decide = fields.Boolean(compute="_compute_asq_can")
    can_reply = fields.Boolean(compute="_compute_asq_can")
    can_customer_satisfied = fields.Boolean(compute="_compute_asq_can")
    can_customer_not_satisfied = fields.Boolean(compute="_compute_asq_can")
    can_final_signoff = fields.Boolean(compute="_compute_asq_can")
    can_close = fields.Boolean(compute="_compute_asq_can")
    can_convene_review = fields.Boolean(compute="_compute_asq_can")
    can_cancel = fields.Boolean(compute="_compute_asq_can")
    can_propose_capa = fields.Boolean(compute="_compute_asq_can")
    can_quality_hold = fields.Boolean(compute="_compute_asq_can")
    can_plan_onsite_visit = fields.Boolean(compute="_compute_asq_can")
    can_feedback_answer = fields.Boolean(compute="_compute_asq_can")
    can_feedback_pending = fields.Boolean(compute="_compute_asq_can")
    can_feedback_record = fields.Boolean(compute="_compute_asq_can")

    _sql_constraints = [
        (
            "loss_positive",
            "CHECK(COALESCE(loss_compensation, 0) >= 0 "
            "AND COALESCE(loss_freight, 0) >= 0 "
            "AND COALESCE(loss_replacement, 0) >= 0 "
            "AND COALESCE(loss_scrap, 0) >= 0 "
            "AND COALESCE(loss_discount, 0) >= 0)",
            "Loss amounts cannot be negative.",
        ),
        (
            "portal_submission_key_uniq",
            "UNIQUE(portal_submission_key)",
            "This portal form was already filed.",
        ),
    ]

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("severity", "feedback_type")
    def _compute_is_major(self):
        for complaint in self:
            complaint.is_major = (
                complaint.feedback_type == "complaint"
                and complaint.severity in MAJOR_SEVERITIES
            )

    @api.depends("return_ids")
    def _compute_return_count(self):
        for complaint in self:
            complaint.return_count = len(complaint.return_ids)

    @api.depends("hold_ids")
    def _compute_hold_count(self):
        for complaint in self:
            complaint.hold_count = len(complaint.hold_ids)

    @api.depends("capa_ids")
    def _compute_capa_count(self):
        for complaint in self:
            complaint.capa_count = len(complaint.capa_ids)

    @api.depends("feedback_type")
    def _compute_is_complaint(self):
        for complaint in self:
            complaint.is_complaint = complaint.feedback_type == "complaint"

    @api.depends(
        "feedback_type", "responsibility", "company_id.asq_complaint_rate_own_only"
    )
    def _compute_counts_as_complaint(self):
        """003 §5.2.3: 「若品质部在调查分析时,认为不是本公司责任时,即不为客户
        投诉」: the one definition of what the complaint rate and the complaint
        counts count (statistics, pack, dashboard, ledger)."""
        for complaint in self:
            complaint.counts_as_complaint = complaint.feedback_type == "complaint" and (
                not complaint.company_id.asq_complaint_rate_own_only
                or complaint.responsibility not in NOT_OUR_RESPONSIBILITY
            )

    def _asq_clock(self, clock):
        """(amount, unit, label) of the clock ``clock`` (``disposition``,
        ``onsite`` or ``answer``) of this complaint, from its company's
        settings.

        Procedure 001, 4.4: "本埠企業應在24小時內派質量檢查人員到進行實地核實,
        外埠企業應在七天內進行實地核實處理完畢。對于所有顧客的投訴,需在3天內
        作出處置意見" (on site within 24 hours for local customers, handled
        completely within seven days for out-of-town ones; a disposition for
        every complaint within 3 days); procedure 004: the quality department
        answers sales within 3 days. The document counts elapsed time: so do
        the clocks unless the company counts one in working time (its
        calendar, public holidays excluded; 24 hours are one working day)."""
        self.ensure_one()
        company = self.company_id
        if clock == "onsite" and self.onsite_locality == "local":
            hours = company.asq_complaint_onsite_local_hours
            if company.asq_complaint_onsite_local_basis == "working":
                return hours / 24.0, WORKING_DAYS, self._asq_working_label(hours / 24)
            shown = format(hours, "g")
            return hours, HOURS, self.env._("%(hours)s h elapsed", hours=shown)
        if clock == "onsite":
            days = company.asq_complaint_onsite_remote_days
            basis = company.asq_complaint_onsite_remote_basis
        else:
            days = company[f"asq_complaint_{clock}_days"]
            basis = company[f"asq_complaint_{clock}_basis"]
        if basis == "working":
            return days, WORKING_DAYS, self._asq_working_label(days)
        shown = format(days, "g")
        return days * 24.0, HOURS, self.env._("%(days)s days elapsed", days=shown)

    def _asq_working_label(self, days):
        if days == 1:
            return self.env._("1 working day")
        shown = format(days, "g")
        return self.env._("%(days)s working days", days=shown)

    @api.depends(
        "partner_id.commercial_partner_id.asq_locality", "state", "onsite_date"
    )
    def _compute_onsite_locality(self):
        """The customer's locality (本埠/外埠) while the on-site verification is
        due: a change re-plans the open on-site deadline (tracked in the
        chatter with the new deadline); once verified or closed, the
        deadline the complaint was held to stays."""
        for complaint in self:
            held = complaint.onsite_date or complaint.state in self._asq_closed_states
            if not (held and complaint.onsite_locality):
                partner = complaint.partner_id.commercial_partner_id
                complaint.onsite_locality = partner.asq_locality or "remote"

    @api.depends(
        "company_id.asq_complaint_disposition_days",
        "company_id.asq_complaint_disposition_basis",
        "company_id.asq_complaint_onsite_local_hours",
        "company_id.asq_complaint_onsite_local_basis",
        "company_id.asq_complaint_onsite_remote_days",
        "company_id.asq_complaint_onsite_remote_basis",
        "company_id.asq_complaint_answer_days",
        "company_id.asq_complaint_answer_basis",
        "onsite_locality",
    )
    def _compute_clock_labels(self):
        """Next to each deadline, how it counts: "24 h elapsed", "3 working
        days"."""
        for complaint in self:
            for clock in ("disposition", "onsite", "answer"):
                complaint[f"{clock}_clock"] = complaint._asq_clock(clock)[2]

    def _asq_deadline_plan(self):
        # The clocks of procedure 001, 4.4 and 004 (see _asq_clock); the
        # on-site clock is met when the verification is done (its result
        # recorded, "實地核實處理完畢"), not when a visit is planned or started.
        plan = []
        for complaint in self:
            received = complaint.received_date
            if complaint.feedback_type != "complaint" or not received:
                continue
            clocks = [("disposition_deadline", "disposition", received)]
            if complaint.onsite_required:
                clocks.append(("onsite_deadline", "onsite", received))
            if complaint.validity == "valid" and complaint.judged_date:
                clocks.append(("answer_deadline", "answer", complaint.judged_date))
            for fname, clock, start in clocks:
                amount, unit, _label = complaint._asq_clock(clock)
                plan.append((complaint, fname, start, amount, unit))
        return plan

    def _asq_pending_deadlines(self):
        self.ensure_one()
        pending = []
        if self.state in ("draft", "review", "investigating"):
            if not self.judged_date or self.validity == "valid":
                pending.append(self.disposition_deadline)
            if self.answer_deadline:
                pending.append(self.answer_deadline)
        if self.state in OPEN_STATES and not self.onsite_date:
            pending.append(self.onsite_deadline)
        return pending

    @api.depends(
        "disposition_deadline",
        "onsite_deadline",
        "answer_deadline",
        "decided_date",
        "judged_date",
        "validity",
        "onsite_date",
    )
    def _compute_on_time(self):
        for complaint in self:
            disposed_at = complaint.decided_date or (
                complaint.validity == "invalid" and complaint.judged_date
            )
            complaint.disposition_on_time = bool(
                disposed_at
                and complaint.disposition_deadline
                and disposed_at <= complaint.disposition_deadline
            )
            complaint.onsite_on_time = bool(
                complaint.onsite_date
                and complaint.onsite_deadline
                and complaint.onsite_date <= complaint.onsite_deadline
            )
            complaint.answer_on_time = bool(
                complaint.decided_date
                and complaint.answer_deadline
                and complaint.decided_date <= complaint.answer_deadline
            )

    @api.depends(*LOSS_FIELDS)
    def _compute_loss_amount(self):
        # The currency of every record at once: the ORM rounds each amount
        # in its currency when it writes, and would else compute it record
        # by record.
        self.mapped("currency_id")
        for complaint in self:
            complaint.loss_amount = sum(complaint[fname] for fname in LOSS_FIELDS)

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains(*LOSS_FIELDS)
    def _check_loss_positive(self):
        """The SQL CHECK loss_positive holds too: this names the complaint."""
        for complaint in self:
            if min(complaint[fname] for fname in LOSS_FIELDS) < 0:
                raise ValidationError(
                    self.env._(
                        "Loss amounts of %(name)s cannot be negative.",
                        name=complaint.name,
                    )
                )

    @api.constrains("received_date")
    def _asq_check_received_after_delivery(self):
        """A complaint is received neither in the future (a few minutes of
        clock skew between the caller and the server allowed) nor before the
        goods it is about reached the customer (dates in the user's time
        zone)."""
        latest = fields.Datetime.now() + timedelta(minutes=RECEIVED_CLOCK_SKEW)
        for complaint in self.sudo():
            if complaint.received_date > latest:
                raise ValidationError(
                    self.env._(
                        "%(name)s cannot be received in the future (%(date)s).",
                        name=complaint.name,
                        date=fields.Datetime.context_timestamp(
                            self, complaint.received_date
                        ).strftime("%Y-%m-%d %H:%M"),
                    )
                )
            deliveries = complaint.line_ids.delivered_line_id.filtered("date")
            if not deliveries:
                continue
            received = fields.Datetime.context_timestamp(self, complaint.received_date)
            first = min(deliveries, key=lambda delivered: delivered.date)
            delivered = fields.Datetime.context_timestamp(self, first.date)
            if received.date() < delivered.date():
                raise ValidationError(
                    self.env._(
                        "%(name)s is received on %(received)s, before "
                        "%(delivery)s delivered the goods on %(delivered)s.",
                        name=complaint.name,
                        received=received.date(),
                        delivery=first.picking_id.name or "-",
                        delivered=delivered.date(),
                    )
                )

    @api.constrains("partner_id")
    def _check_lines_customer(self):
        """Another customer: its lines must still be its deliveries (a line
        added or changed checks itself, see the line's constraint)."""
        self.line_ids._check_delivered_to_customer()

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not asq_in_step(self.env, STEP_CONTEXT):
            for vals in vals_list:
                self._asq_ensure_no_signature(vals)
        new = self.env._("New")
        unnamed = defaultdict(list)
        for vals in vals_list:
            if vals.get("name", new) == new:
                unnamed[vals.get("company_id") or self.env.company.id].append(vals)
        for company_id, company_vals in unnamed.items():
            references = (
                self.env["res.company"]
                .browse(company_id)
                ._asq_next_references("asq.complaint", len(company_vals))
            )
            for vals, reference in zip(company_vals, references, strict=True):
                vals["name"] = reference or new
        complaints, vals_list = fill_batch_defaults(self, vals_list)
        if len(vals_list) < 2 or self.env.context.get("tracking_disable"):
            # (the batch's context stays inside create)
            return super(AsqComplaint, complaints).create(vals_list).with_env(self.env)
        # A batch (an import, a legacy ledger, the API) skips the chatter note
        # "created" and the "assigned to you" notice on each complaint: who
        # created it and when stay on the record, and the Register step is
        # tracked. Its creator and owners follow it, subscribed once per
        # owner instead of record by record. One complaint from a form keeps
        # the note and the notice.
        created = super(
            AsqComplaint, complaints.with_context(tracking_disable=True)
        ).create(vals_list)
        created.with_env(self.env)._asq_follow_batch()
        return created.with_env(self.env)

    def write(self, vals):
        if not asq_in_step(self.env, STEP_CONTEXT):
            self._asq_ensure_no_signature(vals)
            self._asq_ensure_editable(vals)
            if set(REVIEW_FIELDS).intersection(vals):
                # The review's outcome is stamped with who wrote it and when
                # (the form shows it once the meeting is convened).
                vals = {
                    **vals,
                    "review_user_id": self.env.uid,
                    "review_date": fields.Datetime.now(),
                }
        result = super().write(vals)
        if "investigator_id" in vals:
            # Who records the findings changed: so does whose to-do it is.
            self.filtered(lambda c: c.state == "investigating")._asq_update_todos()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_registered(self):
        registered = self.filtered(lambda c: c.state != "draft")
        if registered:
            raise UserError(
                self.env._(
                    "Only new complaints can be deleted; cancel %(names)s instead.",
                    names=registered._asq_names(),
                )
            )

    # ------------------------------------------------------------------
    # Actions: the complaint workflow
    # ------------------------------------------------------------------
    def action_submit(self):
        """Button "Register": hand the complaint to the quality manager."""
        complaints = self._asq_begin("submit")
        complaints._asq_ensure_registration_complete()
        complaints._asq_finish("submit")
        complaints._asq_detect_repeat()
        complaints._asq_check_early_warning()
        complaints._asq_escalate_major()
        for complaint in complaints:
            complaint._asq_schedule_owner_activity(
                self.env._("Disposition due"), complaint.disposition_deadline
            )
        return True

    def action_judge_valid(self):
        """Button "Valid": the quality manager accepts the complaint."""
        complaints = self._asq_begin("judge_valid")
        # (the investigator's to-do, or every inspector's while nobody is
        # assigned, comes with the step Record findings: due on the answer
        # deadline)
        complaints._asq_finish("judge_valid", {"validity": "valid"})
        return True

    def action_judge_invalid(self):
        """Button "Not Valid": the complaint is explained politely, then closed."""
        complaints = self._asq_begin("judge_invalid")
        missing = complaints.filtered(lambda c: not (c.invalid_reason or "").strip())
        if missing:
            raise UserError(
                self.env._(
                    "Give the reason why %(names)s is not valid: the customer "
                    "receives it as the explanation.",
                    names=missing._asq_names(),
                )
            )
        complaints._asq_finish("judge_invalid", {"validity": "invalid"})
        return True

    def action_onsite_verified(self):
        """Button "Verified On Site": the inspector records the visit."""
        complaints = self._asq_begin("onsite_verified")
        missing = complaints.filtered(lambda c: not (c.onsite_result or "").strip())
        if missing:
            raise UserError(
                self.env._(
                    "Record the on-site verification result of %(names)s first.",
                    names=missing._asq_names(),
                )
            )
        complaints._asq_finish("onsite_verified")
        return True

    def action_record_findings(self):
        """Button "Record Findings": the quality department's analysis."""
        complaints = self._asq_begin("record_findings")
        complaints._asq_ensure_findings_complete()
        complaints._asq_finish("record_findings")
        return True

    def action_decide(self):
        """Button "Approve Disposition": the quality manager approves it."""
        complaints = self._asq_begin("decide")
        complaints._asq_ensure_findings_complete()
        complaints._asq_ensure_disposition_complete()
        complaints._asq_finish("decide")
        complaints.filtered(
            lambda c: c.disposition in ("return", "exchange")
        )._asq_create_return_request()
        return True

    def action_reply(self):
        """Button "Send Reply": open Odoo's composer on the reply (or the
        explanation of a complaint not valid), prefilled from its template
        in the customer's language and editable; the step Reply is signed
        when the mail is sent from it (asq.mail.step)."""
        complaint = self._asq_begin("reply")
        complaint.ensure_one()
        complaint._asq_ensure_reply_email()
        return complaint._asq_mail_step_action("reply", complaint._asq_reply_template())

    def _asq_reply_mail(self, kwargs):
        """The mail of the step Reply: the customer has an e-mail address and
        is among its recipients."""
        self._asq_ensure_reply_email()
        self._asq_mail_step_to(
            self._asq_reply_partner(),
            kwargs,
            self.env._(
                "The reply of %(name)s must go to the customer (%(partner)s): "
                "keep them among the recipients.",
                name=self.name,
                partner=self._asq_reply_partner().display_name,
            ),
        )
        return {}

    def _asq_send_reply(self):
        """Sign Reply and send the template unchanged, without the composer
        (the demo data). The same checks as from the composer."""
        for complaint in self:
            template = complaint._asq_reply_template()
            complaint.with_context(asq_mail_step="reply").message_post_with_source(
                template,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        return True

    def _asq_reply_template(self):
        """The customer's mail of the step Reply: the reply to a valid
        complaint, or the explanation of one not valid."""
        self.ensure_one()
        return self.env.ref(
            f"{ASQ}asq_complaint_mail_template_"
            + ("explanation" if self.validity == "invalid" else "reply")
        )

    def _asq_ensure_reply_email(self):
        no_email = self.filtered(lambda c: not c._asq_reply_partner().email)
        if no_email:
            raise UserError(
                self.env._(
                    "Give the customer of %(names)s an e-mail address to reply to.",
                    names=no_email._asq_names(),
                )
            )

    def action_customer_satisfied(self):
        """Button "Customer Satisfied"."""
        complaints = self._asq_begin("customer_satisfied")
        complaints._asq_finish("customer_satisfied", {"satisfaction": "satisfied"})
        return True

    def action_customer_not_satisfied(self):
        """Button "Not Satisfied": back to the investigation; the earlier
        findings and decision stay in the chatter."""
        complaints = self._asq_begin("customer_not_satisfied")
        for complaint in complaints:
            complaint.message_post(
                body=self.env._(
                    "The customer is not satisfied (%(comment)s): back to the "
                    "investigation. Previous decision by %(user)s on %(date)s.",
                    comment=complaint.satisfaction_note or "-",
                    user=complaint.decided_user_id.name or "-",
                    date=complaint.decided_date or "-",
                ),
                subtype_xmlid="mail.mt_note",
            )
            complaint._asq_finish(
                "customer_not_satisfied",
                {
                    "satisfaction": "not_satisfied",
                    "reopen_count": complaint.reopen_count + 1,
                    "investigated_user_id": False,
                    "investigated_date": False,
                    "decided_user_id": False,
                    "decided_date": False,
                    "replied_user_id": False,
                    "replied_date": False,
                },
            )
        return True

    def action_final_signoff(self):
        """Button "Sign Final Report": 003 §3.8 「厂长:需要对客诉的最终报告签字
        确认」 - the role of the company's setting signs the final report of
        a complaint the customer is satisfied with; the quality manager
        closes it afterwards."""
        self._asq_explain_final_signoff()
        complaints = self._asq_begin("final_signoff")
        complaints._asq_finish("final_signoff")
        for complaint in complaints:
            complaint.message_post(
                body=self.env._(
                    "Final report signed by %(user)s (%(role)s).",
                    user=self.env.user.name,
                    role=complaint.company_id._asq_complaint_signoff_group().name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_convene_review(self):
        """Button "Convene Review Meeting": 004 §5.3.5 「若接到客户重大报怨(如
        影响客户生产、功能安全)时,应立即召集相关单位主管进行检讨」 - a meeting
        (calendar) of the department heads on a major or critical complaint,
        production and R&D among them (§5.3.1 「如为重大品质异常则需组织研发
        工程或生产主要负责人」), opened in its form to set the time."""
        complaint = self._asq_begin("convene_review")
        complaint.ensure_one()
        heads = complaint._asq_review_heads()
        if not heads:
            raise UserError(
                self.env._(
                    "No department head to convene on %(name)s: give the "
                    "departments their manager (Employees > Departments), or "
                    "choose the departments in the after-sales settings.",
                    name=complaint.name,
                )
            )
        start = fields.Datetime.now().replace(minute=0, second=0, microsecond=0)
        start += timedelta(hours=1)
        attendees = heads | self.env.user.partner_id | complaint.user_id.partner_id
        meeting = self.env["calendar.event"].create(
            {
                "name": self.env._(
                    "Review of major complaint %(name)s", name=complaint.name
                ),
                "start": start,
                "stop": start + timedelta(hours=1),
                "duration": 1.0,
                "user_id": self.env.uid,
                "partner_ids": [Command.set(attendees.ids)],
                "description": complaint.description or "",
                "res_model_id": self.env["ir.model"]._get_id(self._name),
                "res_id": complaint.id,
            }
        )
        complaint._asq_finish("convene_review", {"review_meeting_id": meeting.id})
        complaint.message_post(
            body=self.env._(
                "Review meeting convened: %(heads)s.",
                heads=", ".join(heads.mapped("display_name")),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return complaint.action_view_review_meeting()

    def action_view_review_meeting(self):
        """Smart button "Review Meeting": the meeting's form."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "calendar.event",
            "res_id": self.review_meeting_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def _asq_review_heads(self):
        """The partners of the heads convened on this complaint (one): the
        departments of the company's setting (every department of the
        company when it names none) and the department found responsible."""
        self.ensure_one()
        company = self.company_id.sudo()
        departments = company.asq_review_department_ids or self.env[
            "hr.department"
        ].sudo().search([("company_id", "in", (company.id, False))])
        departments |= self.sudo().responsible_department_id
        return departments.manager_id.mapped(
            lambda head: head.user_id.partner_id or head.work_contact_id
        )

    def _asq_explain_final_signoff(self):
        """Who signs the final report, in the words of the company's setting
        (the engine refuses the same, after the row lock, in general words)."""
        if self.env.su or not self or not self.has_access("read"):
            return
        for complaint in self:
            group = complaint.company_id._asq_complaint_signoff_group()
            if group.id not in self.env.user._get_group_ids():
                raise AccessError(
                    self.env._(
                        "The final report of %(name)s is signed by the role "
                        "%(role)s (the company's setting: the factory manager "
                        "signs the final complaint report).",
                        name=complaint.name,
                        role=group.name,
                    )
                )

    def action_close(self):
        """Button "Close": the quality manager closes the complaint."""
        complaints = self._asq_begin("close")
        complaints._asq_check_capa_before_close()
        complaints._asq_finish("close")
        complaints.activity_unlink([OWNER_ACTIVITY, "mail.mail_activity_data_todo"])
        return True

    def action_propose_capa(self):
        """Button "Propose CAPA": open (or find) a CAPA for this complaint."""
        self.ensure_one()
        self._asq_begin("propose_capa")
        capa = self._asq_propose_capa("repeat" if self.is_repeat else "complaint")
        return self._asq_records_action("after_sales_quality.asq_capa_action", capa)

    def action_asq_quality_hold(self):
        """Button "Quality Hold": a draft hold per product of the affected
        goods, with their lots, for the quality department to activate."""
        self.ensure_one()
        self._asq_begin("quality_hold")
        lines = self.line_ids.filtered("product_id")
        if not lines:
            raise UserError(
                self.env._(
                    "Add the affected goods of %(name)s before holding them.",
                    name=self.name,
                )
            )
        holds = self.env["asq.hold"]
        open_holds = self.hold_ids.filtered(lambda h: h.state in ("draft", "active"))
        for product, product_lines in lines.grouped("product_id").items():
            existing = open_holds.filtered(lambda h, p=product: h.product_id == p)
            holds |= existing or holds.create(
                {
                    "complaint_id": self.id,
                    "company_id": self.company_id.id,
                    "product_id": product.id,
                    "lot_ids": [Command.set(product_lines.lot_id.ids)],
                    "reason": self.description or self.name,
                }
            )
        return self._asq_records_action("after_sales_quality.asq_hold_action", holds)

    def action_view_holds(self):
        """Smart button "Quality Holds"."""
        self.ensure_one()
        return self._asq_records_action(
            "after_sales_quality.asq_hold_action", self.hold_ids
        )

    def action_view_capa(self):
        """Smart button "CAPA"."""
        self.ensure_one()
        return self._asq_records_action(
            "after_sales_quality.asq_capa_action", self.capa_ids
        )

    def action_open_cancel_wizard(self):
        """Button "Cancel": ask the reason."""
        self._asq_ensure_role(
            self._asq_transition("cancel").groups, self._asq_label("cancel")
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Cancel Complaint"),
            "res_model": "asq.complaint.cancel",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": self._name, "active_ids": self.ids},
        }

    def _action_cancel(self, reason):
        """Cancel with a reason (called by the cancel wizard)."""
        complaints = self._asq_begin("cancel")
        if not (reason or "").strip():
            raise UserError(self.env._("Give the reason for cancelling."))
        complaints._asq_finish("cancel", {"cancel_reason": reason})
        complaints.activity_unlink([OWNER_ACTIVITY, "mail.mail_activity_data_todo"])
        return True

    # ------------------------------------------------------------------
    # Actions: other feedback
    # ------------------------------------------------------------------
    def action_feedback_record(self):
        """Button "Record": feedback kept for the statistics only."""
        complaints = self._asq_begin("feedback_record")
        complaints._asq_finish("feedback_record", {"feedback_status": "recorded"})
        return True

    def action_feedback_pending(self):
        """Button "Pending with Departments"."""
        complaints = self._asq_begin("feedback_pending")
        complaints._asq_ensure_feedback_filled("departments_involved")
        complaints._asq_finish("feedback_pending", {"feedback_status": "pending"})
        return True

    def action_feedback_answer(self):
        """Button "Answered"."""
        complaints = self._asq_begin("feedback_answer")
        complaints._asq_ensure_feedback_filled("answer")
        complaints._asq_finish("feedback_answer", {"feedback_status": "answered"})
        return True

    def action_print(self):
        """Button "Print": the complaint handling sheet."""
        return self.env.ref(f"{ASQ}asq_complaint_report").report_action(self)

    # ------------------------------------------------------------------
    # Hooks for the other issues
    # ------------------------------------------------------------------
    def _asq_create_return_request(self):
        """Return or exchange decided: create the draft return request of
        the affected goods and log it on the complaint."""
        requests = self.env["asq.return"]
        for complaint in self:
            if complaint.sudo().return_ids:
                continue
            request = requests.sudo()._asq_create_from_complaint(complaint)
            complaint.message_post(
                body=self.env._(
                    "Disposition %(disposition)s decided: return request "
                    "%(request)s created for the affected goods.",
                    disposition=dict(
                        self._fields["disposition"]._description_selection(self.env)
                    )[complaint.disposition],
                    request=request.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
            requests |= request
        return requests

    def action_view_returns(self):
        """Smart button "Returns"."""
        self.ensure_one()
        return self._asq_list_action(
            "after_sales_quality.asq_return_action", [("complaint_id", "=", self.id)]
        )

    def _asq_check_capa_before_close(self):
        """Refuse to close a repeat complaint without a linked CAPA (004
        §5.3.4: the same complaint twice without improvement → formal CAPA)."""
        blocked = self.filtered(
            lambda c: c.is_repeat
            and not c.sudo().capa_ids.filtered(lambda capa: capa.state != "cancel")
        )
        if blocked:
            raise UserError(
                self.env._(
                    "%(names)s is a repeat complaint: it cannot be closed without "
                    "a linked CAPA.",
                    names=blocked._asq_names(),
                )
            )

    def _asq_propose_capa(self, source, previous=None):
        """Propose (or find) the open CAPA of this complaint and link it."""
        self.ensure_one()
        lines = self.line_ids
        complaints = self | (previous or self.browse())
        capa = self.env["asq.capa"]._asq_propose(
            source,
            self.name,
            self.description or self.name,
            partner_ids=self.commercial_partner_id,
            product_ids=lines.product_id,
            lot_ids=lines.lot_id,
            company_id=self.company_id.id,
        )
        # (linked from the complaints' side: their CAPAs, read again after
        # the step's lock, include it)
        complaints.sudo().write({"capa_ids": [Command.link(capa.id)]})
        return capa

    # ------------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------------
    @api.model
    def _asq_escalation_domain(self):
        """(asq.deadline.mixin: the hourly job escalates open complaints
        past their next deadline, see _cron_escalate_overdue)"""
        return [("state", "in", OPEN_STATES), ("feedback_type", "=", "complaint")]

    def _asq_escalate_overdue_batch(self):
        """A To-Do per quality manager on each complaint, one digest mail per
        company."""
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id(self._name)
        vals_list = []
        mails = []
        for company in self.company_id:
            complaints = self.filtered(lambda c, co=company: c.company_id == co)
            managers = self._asq_company_users(GROUP_MANAGER, company)
            for complaint in complaints:
                vals_list.extend(
                    {
                        "res_model_id": model_id,
                        "res_id": complaint.id,
                        "activity_type_id": activity_type.id,
                        "user_id": manager.id,
                        # (a job writes it: in the manager's language, due
                        # today where the manager is)
                        "summary": self.with_context(
                            lang=manager.lang or "en_US"
                        ).env._("Overdue complaint %(name)s", name=complaint.name),
                        "date_deadline": fields.Date.context_today(
                            self.with_context(tz=manager.tz)
                        ),
                    }
                    for manager in managers
                )
            for lang, readers in managers.grouped(lambda u: u.lang or "en_US").items():
                mails.append(
                    complaints.with_context(lang=lang)._asq_overdue_mail_values(
                        company, readers.partner_id
                    )
                )
        # The digest mail below replaces one notification per activity.
        self.env["mail.activity"].sudo().with_context(
            mail_activity_quick_update=True
        ).create(vals_list)
        self.env["mail.mail"].sudo().create(mails)
        self.with_context(**asq_step(STEP_CONTEXT)).write({"overdue_escalated": True})

    def _asq_overdue_mail_values(self, company, partners):
        rows = Markup("").join(
            Markup("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>")
            % (
                complaint.name,
                complaint.partner_id.display_name,
                dict(complaint._fields["state"]._description_selection(self.env))[
                    complaint.state
                ],
                fields.Datetime.to_string(complaint.next_deadline),
            )
            for complaint in self
        )
        body = Markup(
            "<p>%s</p><table border='1' cellpadding='4'><tr><th>%s</th><th>%s</th>"
            "<th>%s</th><th>%s</th></tr>%s</table>"
        ) % (
            self.env._("These complaints are past their deadline:"),
            self.env._("Reference"),
            self.env._("Customer"),
            self.env._("Status"),
            self.env._("Deadline (UTC)"),
            rows,
        )
        return {
            "subject": self.env._(
                "%(count)s overdue customer complaints", count=len(self)
            ),
            "body_html": body,
            "email_from": company.email_formatted or self.env.user.email_formatted,
            "recipient_ids": [Command.set(partners.ids)],
            "auto_delete": False,
        }

    # ------------------------------------------------------------------
    # The workflow's checks (see _asq_transitions)
    # ------------------------------------------------------------------
    def _asq_ensure_progress(self, step):
        """(asq.workflow.mixin) The complaint's own refusals once the status
        is right: a feedback is not a complaint (and the other way round),
        and a step the complaint's progress refuses (judged already, findings
        not recorded yet, the customer not asked yet) says so instead of
        "not allowed"."""
        self._asq_refuse_kind(step)
        self._asq_refuse_progress(step)

    def _asq_refuse_kind(self, step):
        if step in FEEDBACK_STEPS:
            complaints = self.filtered(lambda c: c.feedback_type == "complaint")
            if complaints:
                raise UserError(
                    self.env._(
                        "%(names)s is a complaint: use the complaint workflow.",
                        names=complaints._asq_names(),
                    )
                )
            return
        not_complaint = self.filtered(lambda c: c.feedback_type != "complaint")
        if not_complaint and step != "plan_onsite_visit":
            raise UserError(
                self.env._(
                    "%(names)s is feedback, not a complaint: it does not run the "
                    "complaint workflow.",
                    names=not_complaint._asq_names(),
                )
            )

    def _asq_refuse_progress(self, step):
        if step in ("judge_valid", "judge_invalid"):
            self._asq_ensure_not_judged()
        elif step == "record_findings":
            self.filtered("investigated_date")._asq_refuse_done(
                "investigated_user_id",
                lambda **names: self.env._(
                    "The findings of %(names)s were already recorded by "
                    "%(user)s. Reload the page.",
                    **names,
                ),
            )
        elif step == "decide":
            not_investigated = self.filtered(lambda c: not c.investigated_date)
            if not_investigated:
                raise UserError(
                    self.env._(
                        "The quality department has not recorded its findings on "
                        "%(names)s yet.",
                        names=not_investigated._asq_names(),
                    )
                )
        elif step == "final_signoff":
            self.filtered("signoff_date")._asq_refuse_done(
                "signoff_user_id",
                lambda **names: self.env._(
                    "The final report of %(names)s was already signed by "
                    "%(user)s. Reload the page.",
                    **names,
                ),
            )
        elif step == "convene_review":
            convened = self.filtered(lambda c: c.sudo().review_meeting_id)
            if convened:
                raise AsqStateError(
                    self.env._(
                        "The review meeting of %(names)s was already convened by "
                        "%(user)s: open it from the Review Meeting button.",
                        names=convened._asq_names(),
                        user=", ".join(convened.convened_user_id.mapped("name")),
                    )
                )
        elif step == "close":
            unanswered = self.filtered(
                lambda c: c.state != "confirmed" and c.validity != "invalid"
            )
            if unanswered:
                raise UserError(
                    self.env._(
                        "%(names)s cannot be closed before the customer said "
                        "whether the answer is satisfactory.",
                        names=unanswered._asq_names(),
                    )
                )

    # Who signs (a domain for the current user; see asq.workflow.mixin).
    def _asq_signer_judge(self):
        """The quality manager judges a complaint not judged yet."""
        return [("feedback_type", "=", "complaint"), ("validity", "=", False)]

    def _asq_signer_record_findings(self):
        """The quality inspector records the findings of the complaints
        given to them or to nobody yet, once."""
        return [
            ("feedback_type", "=", "complaint"),
            ("investigated_date", "=", False),
            ("investigator_id", "in", [self.env.uid, False]),
        ]

    def _asq_signer_decide(self):
        """The quality manager approves the disposition once the findings
        are recorded."""
        return [("feedback_type", "=", "complaint"), ("investigated_date", "!=", False)]

    def _asq_signer_close(self):
        """The quality manager closes once the customer is satisfied and the
        final report signed, or once a complaint not valid was explained."""
        return [
            ("feedback_type", "=", "complaint"),
            "|",
            "&",
            ("state", "=", "confirmed"),
            ("signoff_date", "!=", False),
            ("validity", "=", "invalid"),
        ]

    def _asq_signer_final_signoff(self):
        """The final reports the user signs: of the companies whose setting
        names a role the user holds (the general manager by default)."""
        user = self.env.user
        companies = user.company_ids.filtered(
            lambda company: company._asq_complaint_signoff_group().id
            in user._get_group_ids()
        )
        if not companies:
            return None
        return [
            ("feedback_type", "=", "complaint"),
            ("signoff_date", "=", False),
            ("company_id", "in", companies.ids),
        ]

    def _asq_assignee_final_signoff(self):
        """(asq.workflow.mixin) The to-do of the final sign-off: the members
        of the role of the complaint's company setting."""
        self.ensure_one()
        if self._asq_check_complaint() or self.signoff_date:
            return self.env["res.users"]
        group = self.company_id._asq_complaint_signoff_group()
        return group.sudo().users.filtered(
            lambda user: not user.share and self.company_id in user.company_ids
        )

    def _asq_signer_convene_review(self):
        """The quality manager convenes the heads once on a major or critical
        complaint (not on one judged not valid)."""
        return [
            ("feedback_type", "=", "complaint"),
            ("severity", "in", MAJOR_SEVERITIES),
            ("review_meeting_id", "=", False),
            ("validity", "!=", "invalid"),
        ]

    # Preconditions: why the step is not possible yet ("" when it is).
    def _asq_check_complaint(self):
        if self.feedback_type != "complaint":
            return self.env._(
                "%(names)s is feedback, not a complaint: it does not run the "
                "complaint workflow.",
                names=self.name,
            )
        return ""

    def _asq_check_close(self):
        """003 §3.8 「厂长:需要对客诉的最终报告签字确认」: a complaint the
        customer is satisfied with closes once its final report is signed."""
        if self.state == "confirmed" and not self.signoff_date:
            return self.env._(
                "%(name)s cannot be closed before its final report is signed "
                "by the role %(role)s.",
                name=self.name,
                role=self.company_id._asq_complaint_signoff_group().name,
            )
        return self._asq_check_complaint()

    def _asq_check_convene_review(self):
        if self.feedback_type == "complaint" and self.severity not in (
            MAJOR_SEVERITIES
        ):
            return self.env._(
                "Only a major or critical complaint convenes the department "
                "heads: %(name)s is %(severity)s.",
                name=self.name,
                severity=dict(
                    self._fields["severity"]._description_selection(self.env)
                )[self.severity],
            )
        if self.validity == "invalid":
            return self.env._(
                "%(name)s was judged not valid: there is nothing to review.",
                name=self.name,
            )
        return self._asq_check_complaint()

    def _asq_check_onsite_needed(self):
        if not self.onsite_required or self.onsite_date:
            return self.env._(
                "%(name)s needs no on-site verification visit (any more).",
                name=self.name,
            )
        return ""

    def _asq_check_onsite_verified(self):
        return self._asq_check_complaint() or self._asq_check_onsite_needed()

    def _asq_check_reply(self):
        """After the disposition, or to explain a complaint not valid."""
        if self.state == "review" and self.validity != "invalid":
            return self.env._(
                "%(names)s cannot be answered before the quality manager "
                "judged it and approved a disposition.",
                names=self.name,
            )
        return self._asq_check_complaint()

    def _asq_check_satisfaction(self):
        if self.validity != "valid":
            return self.env._(
                "%(names)s was not valid: there is no disposition to be "
                "satisfied with.",
                names=self.name,
            )
        return self._asq_check_complaint()

    def _asq_check_feedback(self):
        if self.feedback_type == "complaint":
            return self.env._(
                "%(names)s is a complaint: use the complaint workflow.",
                names=self.name,
            )
        return ""

    def _asq_check_feedback_pending(self):
        if self.feedback_status == "pending":
            return self.env._(
                "%(names)s is a complaint or already handled: use the "
                "complaint workflow.",
                names=self.name,
            )
        return self._asq_check_feedback()

    # Completeness of what is filled in on the form before the click: the
    # button shows, the click names what is missing.
    def _asq_ensure_registration_complete(self):
        for complaint in self:
            missing = complaint._asq_empty_fields(("category", "description"))
            if missing:
                raise UserError(
                    self.env._(
                        "Complete %(name)s before registering it: %(missing)s.",
                        name=complaint.name,
                        missing=", ".join(missing),
                    )
                )

    def _asq_ensure_findings_complete(self):
        for complaint in self:
            required = ["responsibility", "root_cause"]
            if complaint.onsite_required:
                required.append("onsite_date")
            if complaint.responsibility in ("supplier", "carrier"):
                required.append("responsible_partner_id")
            if complaint.responsibility == "internal":
                required.append("responsible_department_id")
            missing = complaint._asq_empty_fields(required)
            if missing:
                raise UserError(
                    self.env._(
                        "The investigation of %(name)s is incomplete: %(missing)s.",
                        name=complaint.name,
                        missing=", ".join(missing),
                    )
                )

    def _asq_ensure_disposition_complete(self):
        for complaint in self:
            if not complaint.disposition:
                raise UserError(
                    self.env._(
                        "Choose the disposition of %(name)s.", name=complaint.name
                    )
                )
            if (
                complaint.disposition == "none"
                and not (complaint.no_action_reason or "").strip()
            ):
                raise UserError(
                    self.env._(
                        "Record why no action is taken on %(name)s.",
                        name=complaint.name,
                    )
                )
            if complaint.disposition in ("return", "exchange") and not (
                complaint.line_ids
            ):
                raise UserError(
                    self.env._(
                        "A return or exchange of %(name)s needs the affected goods.",
                        name=complaint.name,
                    )
                )

    def _asq_ensure_feedback_filled(self, fname):
        """The answer (or the departments involved) the step records."""
        missing = self.filtered(lambda c: not (c[fname] or "").strip())
        if missing:
            raise UserError(
                self.env._(
                    "Fill in the answer or the departments involved on %(names)s.",
                    names=missing._asq_names(),
                )
            )

    # ------------------------------------------------------------------
    # Business helpers
    # ------------------------------------------------------------------
    def _asq_ensure_no_signature(self, vals):
        protected = set(SIGNATURE_FIELDS.intersection(vals)) - {"state"}
        if vals.get("state", "draft") != "draft":
            protected.add("state")
        if protected:
            raise UserError(
                self.env._(
                    "These fields are signed by the workflow buttons and cannot "
                    "be written directly: %(fields)s.",
                    fields=", ".join(sorted(self._asq_field_labels(protected))),
                )
            )

    def _asq_ensure_not_judged(self):
        self.filtered("validity")._asq_refuse_done(
            "judged_user_id",
            lambda **names: self.env._(
                "%(names)s was already judged by %(user)s. Reload the page.", **names
            ),
        )

    def _asq_reply_partner(self):
        self.ensure_one()
        return self.contact_id if self.contact_id.email else self.partner_id

    def _asq_assignee_owner(self):
        """(asq.workflow.mixin) The reply's to-do: the complaint's owner, once
        the reply can be sent (a disposition approved, or a complaint judged
        not valid to explain) and when the owner may sign it."""
        self.ensure_one()
        if self._asq_check_reply():
            return self.env["res.users"]
        return self.user_id.filtered(lambda user: user.has_group(GROUP_USER))

    @api.model
    def _asq_assignee_owner_domain(self):
        """The complaints whose reply is the user's to send (as
        :meth:`_asq_assignee_owner`)."""
        return [
            ("user_id", "=", self.env.uid),
            "|",
            ("state", "=", "decided"),
            ("validity", "=", "invalid"),
        ]

    @api.model
    def _asq_assignee_satisfaction_domain(self):
        """The complaints whose customer the user asks whether satisfied."""
        return [("user_id", "=", self.env.uid), ("validity", "=", "valid")]

    def _asq_assignee_satisfaction(self):
        """(asq.workflow.mixin) Asking the customer whether satisfied: the
        owner's, once a valid complaint was answered (an explanation of a
        complaint not valid asks nothing)."""
        self.ensure_one()
        if self._asq_check_satisfaction():
            return self.env["res.users"]
        return self.user_id.filtered(lambda user: user.has_group(GROUP_USER))

    def _asq_todo_summary(self, step):
        """(asq.workflow.mixin) The owner's to-dos say what to do."""
        if step == "reply":
            return (
                self.env._("Explain to the customer")
                if self.validity == "invalid"
                else self.env._("Reply to the customer")
            )
        if step == "customer_satisfied":
            return self.env._("Ask the customer whether satisfied")
        if step == "convene_review":
            return self.env._(
                "Convene the department heads on %(name)s", name=self.name
            )
        if step == "final_signoff":
            return self.env._("Sign the final complaint report")
        return super()._asq_todo_summary(step)

    def _asq_schedule_owner_activity(self, summary, deadline):
        """Replace the owner's follow-up activity by the next step's."""
        self.ensure_one()
        self.activity_unlink([OWNER_ACTIVITY])
        if self.user_id:
            # The owner's day (Asia/Shanghai is ahead of UTC), not the
            # server's UTC date.
            owner = self.with_user(self.user_id).with_context(tz=self.user_id.tz)
            self.activity_schedule(
                OWNER_ACTIVITY,
                date_deadline=fields.Datetime.context_timestamp(
                    owner, deadline or fields.Datetime.now()
                ).date(),
                summary=summary,
                user_id=self.user_id.id,
            )

    def _asq_escalate_major(self):
        for complaint in self.filtered(lambda c: c.severity in ("major", "critical")):
            managers = self._asq_company_users(GROUP_MANAGER, complaint.company_id)
            heads = self._asq_company_users(GROUP_HEAD, complaint.company_id)
            # (the quality managers' to-do is the step Convene Review Meeting)
            severity = dict(self._fields["severity"]._description_selection(self.env))[
                complaint.severity
            ]
            complaint._asq_notify_internal(
                (managers | heads).partner_id,
                self.env._(
                    "%(severity)s complaint %(name)s: convene the department heads",
                    severity=severity,
                    name=complaint.name,
                ),
                Markup("<p>%s</p><p>%s</p>")
                % (
                    self.env._(
                        "%(severity)s complaint from %(customer)s: it affects the "
                        "customer's production or safety. The department heads "
                        "meet at once to decide the answer.",
                        severity=severity,
                        customer=complaint.partner_id.display_name,
                    ),
                    complaint.description or "",
                ),
            )

    def _asq_detect_repeat(self):
        """Flag complaints of a customer who complained about the same product
        or category within the repeat window (one search for the batch)."""
        complaints = self.filtered(lambda c: c.feedback_type == "complaint")
        if not complaints:
            return
        window = max(complaints.company_id.mapped("asq_complaint_repeat_days"))
        since = min(complaints.mapped("received_date")) - timedelta(days=window)
        # Every complaint of the customer counts, not only the ones the
        # registering user may read.
        earlier = self.sudo().search(
            [
                ("id", "not in", complaints.ids),
                ("feedback_type", "=", "complaint"),
                ("company_id", "in", complaints.company_id.ids),
                ("commercial_partner_id", "in", complaints.commercial_partner_id.ids),
                ("state", "not in", ("draft", "cancel")),
                ("received_date", ">=", since),
                "!",
                ("capa_ids.effectiveness", "=", "effective"),
            ],
            order="received_date, id",
        )
        for complaint in complaints:
            start = complaint.received_date - timedelta(
                days=complaint.company_id.asq_complaint_repeat_days
            )
            products = complaint.line_ids.product_id
            match = earlier.filtered(
                lambda e, c=complaint, p=products, s=start: e.commercial_partner_id
                == c.commercial_partner_id
                and e.company_id == c.company_id
                and s <= e.received_date <= c.received_date
                and (e.category == c.category or e.line_ids.product_id & p)
            )[:1]
            if match:
                complaint.with_context(**asq_step(STEP_CONTEXT)).write(
                    {"is_repeat": True, "repeat_of_id": match.id}
                )
                complaint._asq_propose_capa("repeat", previous=match)
                complaint.message_post(
                    body=self.env._(
                        "Repeat complaint: the customer already complained in "
                        "%(name)s. It cannot close without a CAPA.",
                        name=match.name,
                    ),
                    subtype_xmlid="mail.mt_note",
                )

    def _asq_check_early_warning(self):
        """Raise an early warning (《顾客信息与产品质量早期报警表》) when several
        customers report the same product or defect category."""
        self.env["asq.complaint.alert"].sudo()._asq_raise_for(
            self.filtered(lambda c: c.feedback_type == "complaint").sudo()
        )

    # ------------------------------------------------------------------
    # Service visits: the on-site verification is a visit
    # ------------------------------------------------------------------
    def action_plan_onsite_visit(self):
        """Button "Plan On-Site Visit": a service visit for the on-site
        verification, opened in its form."""
        self.ensure_one()
        self._asq_begin("plan_onsite_visit")
        delivered = self.line_ids[:1].delivered_line_id
        visit = self.env["asq.service.visit"].create(
            {
                "partner_id": self.partner_id.id,
                "company_id": self.company_id.id,
                "complaint_id": self.id,
                "visit_type": "onsite",
                "product_id": delivered.product_id.id,
                "lot_id": delivered.lot_id.id,
                "request": self.description,
                "planned_date": self.onsite_deadline or fields.Datetime.now(),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "asq.service.visit",
            "res_id": visit.id,
            "view_mode": "form",
        }

    def _asq_ensure_onsite_recordable(self):
        """A visit may record the on-site verification of ``self``."""
        waiting = self.filtered(lambda c: c.onsite_required and not c.onsite_date)
        wrong = waiting.filtered(lambda c: c.state not in ("review", "investigating"))
        if wrong:
            raise AsqStateError(
                self.env._(
                    "The on-site verification of %(name)s cannot be recorded in "
                    "its current status: register it first, or reload the page.",
                    name=wrong._asq_names(),
                )
            )

    def _asq_record_onsite_visit(self, visit):
        """``visit`` is done: it is the on-site verification of the complaint
        (result, who and when), so it meets or misses the on-site deadline."""
        self.ensure_one()
        if not self.onsite_required or self.onsite_date:
            self.message_post(
                body=self.env._(
                    "Service visit %(visit)s done: %(result)s",
                    visit=visit.name,
                    result=visit.result,
                )
            )
            return False
        self._asq_ensure_onsite_recordable()
        asq_lock_rows(self, self._asq_names())
        self.with_context(**asq_step(STEP_CONTEXT)).write(
            {
                "onsite_result": visit.result,
                "onsite_user_id": visit.done_user_id.id,
                "onsite_date": visit.done_date,
            }
        )
        self.message_post(
            body=self.env._(
                "On-site verification done by service visit %(visit)s.",
                visit=visit.name,
            )
        )
        return True

    # ------------------------------------------------------------------
    # Portal
    # ------------------------------------------------------------------
    # What the back office keeps for itself (groups="base.group_user" on
    # onsite_result, disposition_note, the deadlines, overdue_escalated and
    # the on-time flags): the portal pages do not show them, so a portal
    # customer may not read them over RPC either.
    portal_submission_key = fields.Char(
        readonly=True,
        copy=False,
        groups="base.group_user",
        help="Technical: the portal form this complaint was filed with; the "
        "same form sent again files no second complaint.",
    )

    @api.model
    def check_field_access_rights(self, operation, field_names):
        checked = super().check_field_access_rights(operation, field_names)
        if self.env.su or self.env.user._is_internal():
            return checked
        if not field_names:
            # Every field the user may read: without the hidden ones.
            return [fname for fname in checked if fname not in PORTAL_HIDDEN_FIELDS]
        hidden = [fname for fname in checked if fname in PORTAL_HIDDEN_FIELDS]
        if hidden:
            raise AccessError(
                self.env._(
                    'You do not have enough rights to access the fields "%(fields)s" '
                    "on %(document_kind)s (%(document_model)s): the customer portal "
                    "does not show them.",
                    fields=", ".join(
                        f"{label} ({fname})"
                        for label, fname in zip(
                            self._asq_field_labels(hidden), hidden, strict=True
                        )
                    ),
                    document_kind=self._description,
                    document_model=self._name,
                )
            )
        return checked

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        res = super().fields_get(allfields=allfields, attributes=attributes)
        if not (self.env.su or self.env.user._is_internal()):
            for fname in PORTAL_HIDDEN_FIELDS:
                res.pop(fname, None)
        return res

    def _compute_access_url(self):
        for complaint in self:
            complaint.access_url = f"/my/complaints/{complaint.id}"

    def _asq_portal_timeline(self):
        """The workflow steps reached, with their date, for the portal."""
        self.ensure_one()
        steps = [
            (self.env._("Received"), self.received_date),
            (self.env._("Registered"), self.submitted_date),
            (
                self.env._("Judged valid")
                if self.validity == "valid"
                else self.env._("Judged not valid"),
                self.judged_date,
            ),
            (self.env._("Verified on site"), self.onsite_date),
            (self.env._("Investigated"), self.investigated_date),
            (self.env._("Disposition decided"), self.decided_date),
            (self.env._("Replied"), self.replied_date),
            (self.env._("Satisfaction confirmed"), self.confirmed_date),
            (self.env._("Closed"), self.closed_date),
            (self.env._("Cancelled"), self.cancelled_date),
        ]
        return [{"label": label, "date": date} for label, date in steps if date]

    # ------------------------------------------------------------------
    # Portal intake
    # ------------------------------------------------------------------
    @api.model
    def _asq_portal_submission_key(self, contact, form_token, vals, lines, files):
        """The key of one filing of the portal form: its one-time form token,
        or else its content (recognised for ``PORTAL_RESEND_MINUTES``)."""
        if form_token:
            return hashlib.sha256(
                f"{contact.id}:form:{form_token}".encode()
            ).hexdigest()
        digest = hashlib.sha256(f"{contact.id}:content".encode())
        for key in sorted(vals):
            digest.update(f"\0{key}={vals[key]}".encode())
        for delivered, quantity in sorted(lines, key=lambda line: line[0].id):
            digest.update(f"\0line={delivered.id}:{quantity!r}".encode())
        for name, content in files:
            digest.update(f"\0file={name}:".encode())
            digest.update(hashlib.sha256(content).digest())
        key = digest.hexdigest()
        # Filed earlier than that: the same content is a new complaint.
        limit = fields.Datetime.now() - timedelta(minutes=PORTAL_RESEND_MINUTES)
        while True:
            earlier = self._asq_portal_submitted(contact, key)
            if not earlier or earlier.create_date >= limit:
                return key
            key = hashlib.sha256(f"{key}:{earlier.id}".encode()).hexdigest()

    def _asq_portal_can_answer(self, user):
        """Whether ``user`` (a portal user) may answer the reply of this
        complaint on the portal: a complaint of the user's company, replied
        as valid and not answered yet. Drives the portal's buttons; the
        answer itself goes through the engine's steps (their state check
        refuses a second answer)."""
        self.ensure_one()
        return bool(
            user.share
            and not user._is_public()
            and self.feedback_type == "complaint"
            and self.commercial_partner_id == user.partner_id.commercial_partner_id
            and self.state == "replied"
            and self.validity == "valid"
        )

    def _asq_portal_answer_satisfaction(self, satisfaction, comment):
        """The customer answers the reply on the portal: "Satisfied" or
        "Not satisfied" with a comment, recorded by the engine's own steps
        (customer_satisfied / customer_not_satisfied: state, lock, checks,
        the customer stamped as who answered). Call it with sudo as the
        portal user once the controller checked the complaint is the
        user's company's (:meth:`_asq_portal_can_answer`)."""
        self.ensure_one()
        if satisfaction not in ("satisfied", "not_satisfied"):
            raise UserError(
                self.env._("Tell us whether you are satisfied with our answer.")
            )
        comment = (comment or "").strip()
        if satisfaction == "not_satisfied" and not comment:
            raise UserError(
                self.env._("Tell us what does not satisfy you in our answer.")
            )
        if self.state != "replied":
            raise UserError(
                self.env._(
                    "%(name)s is not waiting for your answer (any more): "
                    "reload the page to see where it stands.",
                    name=self.name,
                )
            )
        if comment:
            self.write({"satisfaction_note": comment})
        if satisfaction == "satisfied":
            self.action_customer_satisfied()
        else:
            self.action_customer_not_satisfied()
        user = self.env.user
        self.message_post(
            body=self.env._(
                "Answered on the customer portal by %(name)s: %(answer)s.",
                name=user.name,
                answer=dict(
                    self._fields["satisfaction"]._description_selection(self.env)
                )[satisfaction],
            )
            + (f" {comment}" if comment else ""),
            author_id=user.partner_id.id,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )

    @api.model
    def _asq_portal_submitted(self, contact, key):
        """The complaint of the customer filed with this submission key."""
        if not key:
            return self.browse()
        return self.search(
            [
                ("portal_submission_key", "=", key),
                ("commercial_partner_id", "=", contact.commercial_partner_id.id),
            ],
            limit=1,
        )

    @api.model
    def _asq_portal_create(self, contact, vals, lines, files, key=None):
        """Create the complaint a portal customer filed (call it with sudo,
        after the controller checked the user): channel Portal, the photos as
        evidence, the after-sales owner gets a to-do. ``lines`` are
        (delivered line, quantity), ``files`` (file name, content bytes).
        The same submission ``key`` files one complaint: the one already
        filed is returned, or :class:`AsqPortalDuplicate` raised when a
        concurrent request filed it and committed after this one started."""
        files = self.env["ir.attachment"]._asq_portal_check_files(files)
        earlier = self._asq_portal_submitted(contact, key)
        if earlier:
            return earlier
        customer = contact.commercial_partner_id
        responsible = self._asq_portal_responsible(customer)
        try:
            # The unique key makes a concurrent filing of the same form wait
            # here for this one, then fail: one complaint per form.
            with self.env.cr.savepoint():
                complaint = self.create(
                    {
                        **vals,
                        "partner_id": customer.id,
                        "contact_id": contact.id,
                        "channel": "portal",
                        "feedback_type": "complaint",
                        "user_id": responsible.id,
                        "received_date": fields.Datetime.now(),
                        "portal_submission_key": key or False,
                        "line_ids": [
                            Command.create(
                                {
                                    "delivered_line_id": delivered.id,
                                    "quantity": quantity,
                                }
                            )
                            for delivered, quantity in lines
                        ],
                    }
                )
                complaint.flush_recordset(["portal_submission_key"])
        except errors.UniqueViolation as error:
            if "portal_submission_key_uniq" not in str(error):
                raise
            raise AsqPortalDuplicate(key) from error
        if files:
            attachments = self.env["ir.attachment"].create(
                [
                    {
                        "name": name,
                        "datas": base64.b64encode(content),
                        "mimetype": mimetype,
                        "res_model": self._name,
                        "res_id": complaint.id,
                    }
                    for name, content, mimetype in files
                ]
            )
            complaint.evidence_ids = [Command.set(attachments.ids)]
        complaint.message_subscribe(partner_ids=contact.ids)
        complaint._asq_post_portal_filing(
            contact,
            self.env._(
                "Complaint filed by %(contact)s on the customer portal.",
                contact=contact.display_name,
            ),
            responsible,
            self.env._(
                "New portal complaint %(name)s: check and register it",
                name=complaint.name,
            ),
        )
        return complaint
