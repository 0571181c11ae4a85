from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import LazyTranslate

from .asq_deadline_mixin import WORKING_DAYS
from .asq_document import asq_refuse, asq_state_field
from .asq_groups import GROUP_GM, GROUP_MGMT_REP, GROUP_USER
from .asq_workflow_mixin import (
    AsqEditable,
    AsqTransition,
    asq_in_step,
    asq_lock_rows,
    asq_signature,
)

_lt = LazyTranslate(__name__)

# 002 §6.2.3: 「负责建立客户档案,对客户的需求(现行提出的要求和有可能提出的要求)进行
# 分析,并填写“顾客信息反馈表”经治理者代表或总经理批准后提交相关部门。」
# (the sales department analyses the customer's requirements, current and
# possible, fills in the customer information feedback form; the management
# representative or the general manager approves it before it goes to the
# department concerned.)
# 002 §6.3.3: 「当相关责任部门接到“顾客信息反馈表”时,依照反映问题的严峻性、必要性
# 等情况组织评审小组,针对抱怨进行分析,及时制订解决方案」 (the department
# receiving the form acts on it "及时": its receipt is due the next working
# day after the approval).
WORKFLOW_KEY = "asq_customer_feedback_workflow"

# The approvers: 「经治理者代表或总经理批准」.
APPROVER_GROUPS = (GROUP_MGMT_REP, GROUP_GM)

SIGNATURE_FIELDS = (
    "submitted_user_id",
    "submitted_date",
    "approved_user_id",
    "approved_date",
    "rejected_user_id",
    "rejected_date",
    "acknowledged_user_id",
    "acknowledged_date",
)
# What the filler writes, until the form is submitted.
_DRAFT = ("draft",)
DRAFT_FIELDS = (
    "partner_id",
    "product_id",
    "lot_id",
    "quantity",
    "description",
    "info_type",
    "current_requirement",
    "potential_requirement",
    "analysis",
    "proposal",
    "customer_due_date",
    "user_id",
)
# What the approver writes: his opinion (「依照批准意见如需评审」, §6.2.8).
APPROVER_FIELDS = ("approval_opinion", "review_required", "reject_reason")
EDITABLE = {
    **{fname: AsqEditable(_DRAFT) for fname in DRAFT_FIELDS},
    # The filler proposes the department, the approver chooses it.
    "department_id": AsqEditable(("draft", "submitted")),
    "responsible_user_id": AsqEditable(("draft", "submitted")),
    **{fname: AsqEditable(("submitted",)) for fname in APPROVER_FIELDS},
}
CLOSED_WRITABLE = frozenset({"message_main_attachment_id"})

# (lazy terms, translated where shown: self.env._(transition.label))
# pylint: disable=prefer-env-translation
TRANSITIONS = (
    AsqTransition(
        "submit",
        _lt("Submit for Approval"),
        _DRAFT,
        (GROUP_USER,),
        "submitted",
        stamp="submitted",
        check="_asq_check_submit",
        todo=False,
    ),
    # 「经治理者代表或总经理批准后提交相关部门」: approved by someone other than
    # the filler (the form goes up for approval), routed to the department.
    AsqTransition(
        "approve",
        _lt("Approve and Route"),
        ("submitted",),
        APPROVER_GROUPS,
        "approved",
        stamp="approved",
        check="_asq_check_approve",
        signer="_asq_signer_approver",
        deadline="deadline",
    ),
    AsqTransition(
        "reject",
        _lt("Send Back"),
        ("submitted",),
        APPROVER_GROUPS,
        "draft",
        stamp="rejected",
        check="_asq_check_reject",
        signer="_asq_signer_approver",
        todo=False,
    ),
    # 「当相关责任部门接到“顾客信息反馈表”时」: the department's responsible
    # confirms receipt.
    AsqTransition(
        "acknowledge",
        _lt("Confirm Receipt"),
        ("approved",),
        (GROUP_USER,),
        "acknowledged",
        stamp="acknowledged",
        signer="_asq_signer_department",
        assignee="_asq_assignee_department",
        deadline="deadline",
    ),
)
# pylint: enable=prefer-env-translation


class AsqCustomerFeedback(models.Model):
    """Customer information feedback form 《顾客信息反馈表》 (002 §6.2.3,
    §6.3.3): filled in from a complaint, approved by the management
    representative or the general manager, routed to the responsible
    department, which confirms receipt."""

    _name = "asq.customer.feedback"
    _description = "Customer Information Feedback Form"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "asq.document",
        "asq.workflow.mixin",
        "asq.editable.mixin",
        "asq.deadline.mixin",
    ]
    _asq_workflow_key = WORKFLOW_KEY
    _asq_signature_fields = SIGNATURE_FIELDS
    _asq_workflow_fields = ("state",)
    _asq_sequence_code = "asq.customer.feedback"
    _asq_editable = EDITABLE
    _asq_closed_states = ("acknowledged",)
    _asq_closed_writable = CLOSED_WRITABLE
    _asq_transitions = TRANSITIONS
    _asq_deadline_field = "deadline"
    _asq_escalated_field = None
    _asq_deadline_fields = ("deadline",)
    _asq_deadline_depends = ("state", "submitted_date", "approved_date")
    _asq_can_depends = (
        "state",
        "submitted_user_id",
        "department_id",
        "responsible_user_id",
        "description",
        "reject_reason",
    )
    _order = "id desc"
    _check_company_auto = True
    _mail_post_access = "read"

    name = fields.Char(index="trigram")
    state = asq_state_field(
        selection=[
            ("draft", "Draft"),
            ("submitted", "Waiting for Approval"),
            ("approved", "Routed to the Department"),
            ("acknowledged", "Received by the Department"),
        ],
        default="draft",
        help="Draft: the salesperson fills in the form from the complaint.\n"
        "Waiting for Approval: the management representative or the general "
        "manager approves it (or sends it back with a reason).\n"
        "Routed to the Department: approved; the responsible department has "
        "a to-do.\n"
        "Received by the Department: the department confirmed receipt.",
    )
    complaint_id = fields.Many2one(
        "asq.complaint",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Filled In By",
        default=lambda self: self.env.user,
        tracking=True,
        index=True,
    )
    info_type = fields.Selection(
        selection=[
            ("complaint", "Complaint"),
            ("requirement", "Customer Requirement"),
            ("warranty", "Warranty Claim Parts"),
            ("service", "On-Site Service Request"),
            ("other", "Other"),
        ],
        string="Information Type",
        default="complaint",
        required=True,
    )
    # Prefilled from the complaint (its customer, its first goods line, its
    # description); the filler may correct them while drafting.
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        compute="_compute_from_complaint",
        store=True,
        readonly=False,
        index=True,
        check_company=True,
    )
    product_id = fields.Many2one(
        "product.product",
        compute="_compute_from_complaint",
        store=True,
        readonly=False,
        check_company=True,
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Lot/Serial Number",
        compute="_compute_from_complaint",
        store=True,
        readonly=False,
        check_company=True,
    )
    quantity = fields.Float(
        compute="_compute_from_complaint",
        store=True,
        readonly=False,
        digits="Product Unit of Measure",
    )
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    description = fields.Text(
        string="Information Reported",
        compute="_compute_from_complaint",
        store=True,
        readonly=False,
    )
    # 「对客户的需求(现行提出的要求和有可能提出的要求)进行分析」
    current_requirement = fields.Text(string="Customer's Current Requirements")
    potential_requirement = fields.Text(string="Possible Future Requirements")
    analysis = fields.Text(string="Analysis by the Sales Department")
    proposal = fields.Text(string="Proposed Handling")
    customer_due_date = fields.Date(string="Customer's Deadline")
    department_id = fields.Many2one(
        "hr.department",
        string="Responsible Department",
        tracking=True,
        check_company=True,
    )
    responsible_user_id = fields.Many2one(
        "res.users",
        string="Department Responsible",
        compute="_compute_responsible_user_id",
        store=True,
        readonly=False,
        tracking=True,
        index=True,
        domain=lambda self: [
            ("share", "=", False),
            ("groups_id", "in", self.env.ref(GROUP_USER).ids),
        ],
        help="Who receives the approved form for the department (its head "
        "by default) and confirms receipt.",
    )
    approval_opinion = fields.Text()
    review_required = fields.Boolean(
        help="002 §6.2.8: the approver decides whether the department "
        "concerned organises a review.",
    )
    reject_reason = fields.Text(string="Reason Sent Back", copy=False)
    submitted_user_id, submitted_date = asq_signature("Submitted By", "Submitted On")
    approved_user_id, approved_date = asq_signature("Approved By", "Approved On")
    rejected_user_id, rejected_date = asq_signature("Sent Back By", "Sent Back On")
    acknowledged_user_id, acknowledged_date = asq_signature(
        "Receipt Confirmed By", "Receipt Confirmed On"
    )
    deadline = fields.Datetime(
        compute="_compute_deadlines",
        store=True,
        help="Approval: the next working day after submission; receipt by "
        "the department: the next working day after approval (002 §6.3.3 "
        "「及时」).",
    )

    can_submit = fields.Boolean(compute="_compute_asq_can")
    can_approve = fields.Boolean(compute="_compute_asq_can")
    can_reject = fields.Boolean(compute="_compute_asq_can")
    can_acknowledge = fields.Boolean(compute="_compute_asq_can")

    @api.depends(
        "state",
        "submitted_user_id",
        "department_id",
        "responsible_user_id",
        "description",
        "reject_reason",
    )
    @api.depends_context("uid")
    def _compute_asq_can(self):
        """(the engine's, also when the data its preconditions read change)"""
        return super()._compute_asq_can()

    @api.depends("complaint_id")
    def _compute_from_complaint(self):
        for form in self:
            complaint = form.complaint_id.sudo()
            line = complaint.line_ids[:1]
            form.partner_id = complaint.partner_id
            form.product_id = line.product_id
            form.lot_id = line.lot_id
            form.quantity = line.quantity if line else 0.0
            form.description = complaint.description

    @api.depends("department_id")
    def _compute_responsible_user_id(self):
        for form in self:
            head = form.department_id.sudo().manager_id.user_id
            form.responsible_user_id = head if head and not head.share else False

    def _asq_deadline_plan(self):
        """Approval, then receipt: each the next working day."""
        plan = []
        for form in self:
            if form.state == "submitted" and form.submitted_date:
                plan.append((form, "deadline", form.submitted_date, 1, WORKING_DAYS))
            elif form.state == "approved" and form.approved_date:
                plan.append((form, "deadline", form.approved_date, 1, WORKING_DAYS))
        return plan

    @api.model
    def _asq_overdue_domain(self):
        return [("state", "in", ("submitted", "approved"))]

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            self._asq_ensure_role(
                GROUP_USER, self.env._("Fill in a customer information feedback form")
            )
        Complaint = self.env["asq.complaint"]
        complaints = Complaint.browse(
            [vals["complaint_id"] for vals in vals_list if vals.get("complaint_id")]
        )
        for vals in vals_list:
            # The form belongs to the complaint's company (and the filler
            # must be able to read the complaint).
            complaint = Complaint.browse(vals.get("complaint_id"))
            if complaint:
                complaint.check_access("read")
                vals["company_id"] = complaint.company_id.id
        if not asq_in_step(self.env, WORKFLOW_KEY):
            # One form per complaint: the complaints are locked (waiting) so
            # that two fillers at once cannot both create one.
            asq_lock_rows(complaints.sudo(), wait=True)
            existing = self.sudo().search([("complaint_id", "in", complaints.ids)])
            taken = existing.complaint_id
            if taken or len(set(complaints.ids)) != len(complaints.ids):
                raise UserError(
                    self.env._(
                        "A complaint has one customer information feedback "
                        "form: %(names)s already has one.",
                        names=", ".join(
                            sorted(set((taken or complaints).sudo().mapped("name")))
                        ),
                    )
                )
        return super().create(vals_list)

    def write(self, vals):
        if self._asq_caller_write(vals):
            if "complaint_id" in vals and any(
                form.complaint_id.id != vals["complaint_id"] for form in self
            ):
                raise UserError(
                    self.env._(
                        "A customer information feedback form stays with its "
                        "complaint."
                    )
                )
            approver = set(APPROVER_FIELDS).intersection(vals)
            if approver and not self.env.su and not self._asq_is_approver():
                raise AccessError(
                    self.env._(
                        "%(fields)s may only be written by the management "
                        "representative or the general manager.",
                        fields=", ".join(self._asq_field_labels(sorted(approver))),
                    )
                )
            self._asq_ensure_editable(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_started(self):
        asq_refuse(
            self.filtered(lambda f: f.state != "draft" or f.submitted_user_id),
            self.env._(
                "Only customer information feedback forms never submitted can "
                "be deleted: %(names)s."
            ),
        )

    # ------------------------------------------------------------------
    # Steps
    # ------------------------------------------------------------------
    def action_submit(self):
        """Button "Submit for Approval"."""
        self._asq_begin("submit")._asq_finish("submit")
        return True

    def action_approve(self):
        """Button "Approve and Route": 「经治理者代表或总经理批准后提交相关部门」;
        the department's responsible gets the to-do."""
        self._asq_refuse_own("approve")
        forms = self._asq_begin("approve")
        forms._asq_finish("approve")
        for form in forms:
            form.message_post(
                body=self.env._(
                    "Approved by %(user)s and routed to %(department)s "
                    "(%(responsible)s).",
                    user=self.env.user.name,
                    department=form.department_id.sudo().display_name,
                    responsible=form.responsible_user_id.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_reject(self):
        """Button "Send Back": back to the filler with the reason."""
        self._asq_refuse_own("reject")
        forms = self._asq_begin("reject")
        forms._asq_finish("reject")
        for form in forms:
            form.message_post(
                body=self.env._(
                    "Sent back by %(user)s: %(reason)s",
                    user=self.env.user.name,
                    reason=form.reject_reason,
                ),
                partner_ids=form.user_id.partner_id.ids,
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_acknowledge(self):
        """Button "Confirm Receipt": the department has the form."""
        self._asq_begin("acknowledge")._asq_finish("acknowledge")
        return True

    def action_print(self):
        """Button "Print": 《顾客信息反馈表》."""
        return self.env.ref(
            "after_sales_quality.asq_customer_feedback_report"
        ).report_action(self)

    def action_view_complaint(self):
        """Smart button "Complaint"."""
        self.ensure_one()
        return self._asq_records_action(
            "after_sales_quality.asq_complaint_action", self.complaint_id
        )

    # ------------------------------------------------------------------
    # Preconditions and signers
    # ------------------------------------------------------------------
    def _asq_is_approver(self):
        return any(self.env.user.has_group(group) for group in APPROVER_GROUPS)

    def _asq_refuse_own(self, step):
        """The filler does not approve his own form: it goes up to the
        management representative or the general manager (「经...批准」).
        Checked after the role, in the step's own words."""
        transition = self._asq_transition(step)
        self._asq_ensure_role(transition.groups, self.env._(transition.label))
        if self.env.su:
            return
        own = self.filtered(lambda f: f.submitted_user_id == self.env.user)
        if own:
            raise AccessError(
                self.env._(
                    "You submitted %(names)s: another management "
                    "representative or the general manager must approve it.",
                    names=own._asq_names(),
                )
            )

    def _asq_signer_approver(self):
        return [("submitted_user_id", "!=", self.env.uid)]

    def _asq_signer_department(self):
        return [("responsible_user_id", "=", self.env.uid)]

    def _asq_assignee_department(self):
        return self.responsible_user_id

    def _asq_assignee_department_domain(self):
        return [("responsible_user_id", "=", self.env.uid)]

    def _asq_check_submit(self):
        missing = self._asq_empty_fields(("partner_id", "description"))
        if missing:
            return self.env._(
                "%(name)s cannot be submitted yet. Missing: %(fields)s.",
                name=self.name,
                fields=", ".join(missing),
            )
        return ""

    def _asq_check_approve(self):
        missing = self._asq_empty_fields(("department_id", "responsible_user_id"))
        if missing:
            return self.env._(
                "Choose the department %(name)s goes to, and who receives it "
                "there. Missing: %(fields)s.",
                name=self.name,
                fields=", ".join(missing),
            )
        return ""

    def _asq_check_reject(self):
        if not (self.reject_reason or "").strip():
            return self.env._(
                "Give the reason for sending %(name)s back first.", name=self.name
            )
        return ""


class AsqComplaint(models.Model):
    _inherit = "asq.complaint"

    customer_feedback_ids = fields.One2many(
        "asq.customer.feedback",
        "complaint_id",
        string="Customer Information Feedback Form",
        readonly=True,
    )

    def action_customer_feedback(self):
        """Button "Feedback Form": the complaint's 《顾客信息反馈表》, a new one
        prefilled from the complaint when it has none yet (saved by the
        filler)."""
        self.ensure_one()
        form = self.customer_feedback_ids[:1]
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_quality.asq_customer_feedback_action"
        )
        action.update(views=[(False, "form")], res_id=form.id or False)
        action["context"] = {"default_complaint_id": self.id} if not form else {}
        return action
