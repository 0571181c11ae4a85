from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import LazyTranslate

from .asq_document import asq_state_field
from .asq_groups import GROUP_INSPECTOR, GROUP_MANAGER
from .asq_workflow_mixin import AsqEditable, AsqTransition, asq_in_step

_lt = LazyTranslate(__name__)

WORKFLOW_KEY = "asq_vendor_rectification_workflow"
SIGNATURE_FIELDS = frozenset(
    {
        "state",
        "rectified_user_id",
        "rectified_date",
        "verified_user_id",
        "verified_date",
        "overdue_notified",
        "escalation_submitted_user_id",
        "escalation_submitted_date",
        "escalation_approved_user_id",
        "escalation_approved_date",
    }
)
EDITABLE_STATES = {
    "vendor_id": ("open",),
    "company_id": ("open",),
    "score_id": ("open",),
    "findings": ("open",),
    "verbal_notice_date": ("open",),
    "deadline": ("open",),
    "evidence": ("open", "overdue"),
    "escalation_evaluation": ("overdue",),
    "escalation_conclusion": ("overdue",),
}


# The daily job puts open notices past their deadline in "overdue"
# (_cron_escalate_overdue): not a button step.
# (lazy terms, translated where shown: self.env._(transition.label))
# pylint: disable=prefer-env-translation
TRANSITIONS = (
    AsqTransition(
        "rectified",
        _lt("Record the rectification"),
        ("open", "overdue"),
        (GROUP_INSPECTOR,),
        "rectified",
        stamp="rectified",
        check="_asq_check_rectified",
        # (the vendor rectifies: nobody in the company waits to sign)
        todo=False,
    ),
    AsqTransition(
        "verify_compliant",
        _lt("Verify the rectification"),
        ("rectified",),
        (GROUP_INSPECTOR,),
        "verified",
        stamp="verified",
    ),
    AsqTransition(
        "not_compliant",
        _lt("Reject the rectification"),
        ("rectified",),
        (GROUP_INSPECTOR,),
        branches=("open", "overdue"),
        # (the same inspectors' to-do as verify_compliant)
        todo=False,
    ),
    AsqTransition(
        "submit_escalation",
        _lt("Submit the escalation evaluation"),
        ("overdue",),
        (GROUP_INSPECTOR,),
        stamp="escalation_submitted",
        check="_asq_check_submit_escalation",
        # (the quality managers are told by the daily job)
        todo=False,
    ),
    AsqTransition(
        "approve_escalation",
        _lt("Approve the escalation"),
        ("overdue",),
        (GROUP_MANAGER,),
        "escalated",
        stamp="escalation_approved",
        check="_asq_check_approve_escalation",
    ),
)
# pylint: enable=prefer-env-translation


class AsqVendorRectification(models.Model):
    """Written rectification notice to an equipment vendor (《不合格项整改单》)."""

    _name = "asq.vendor.rectification"
    _description = "Vendor Rectification Notice"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "asq.document",
        "asq.vendor.record",
        "asq.workflow.mixin",
        "asq.editable.mixin",
        "asq.deadline.mixin",
    ]
    _asq_workflow_key = WORKFLOW_KEY
    # write() and the form's readonly= read the same table (EDITABLE_STATES)
    _asq_editable = {
        fname: AsqEditable(states) for fname, states in EDITABLE_STATES.items()
    }
    _asq_transitions = TRANSITIONS
    _asq_sequence_code = "asq.vendor.rectification"
    # The daily job escalates open notices past their deadline, once each
    # (asq.deadline.mixin).
    _asq_deadline_field = "deadline"
    _asq_escalated_field = "overdue_notified"
    _asq_escalation_job = "after_sales_quality.asq_vendor_rectification_cron_escalate"
    _order = "deadline desc, id desc"
    _check_company_auto = True

    # (name, company_id: asq.document; vendor_id: asq.vendor.record)
    score_id = fields.Many2one(
        "asq.vendor.score",
        string="Scorecard",
        check_company=True,
        domain="[('vendor_id', '=', vendor_id)]",
    )
    notice_date = fields.Date(
        required=True, default=fields.Date.context_today, readonly=True, index=True
    )
    verbal_notice_date = fields.Date(
        help="When the vendor was first told verbally, before this written notice."
    )
    findings = fields.Text(string="Nonconformities", required=True)
    # Procedure 001 (lift maintenance): "若限期內未予以糾正整改或整改后仍不符合
    # 標準的,則開具書面《不合格項整改單》" (not rectified within the time limit:
    # a written rectification notice): the notice sets a calendar date.
    deadline = fields.Date(required=True, tracking=True, index=True)
    state = asq_state_field(
        selection=[
            ("open", "Open"),
            ("rectified", "Rectified"),
            ("verified", "Verified Compliant"),
            ("overdue", "Overdue"),
            ("escalated", "Escalated"),
        ],
        default="open",
        help="Open: the vendor rectifies before the deadline.\n"
        "Rectified: the vendor reports the rectification with evidence.\n"
        "Verified Compliant: quality checked it on site; the notice is closed.\n"
        "Overdue: the deadline passed without rectification; the quality "
        "manager was told and an escalation evaluation is due.\n"
        "Escalated: the manager approved the escalation evaluation "
        "(《分承包方服务质量检查评价表》).",
    )
    evidence = fields.Text(string="Rectification Evidence")
    rectified_user_id = fields.Many2one(
        "res.users", readonly=True, copy=False, string="Rectified By"
    )
    rectified_date = fields.Datetime(readonly=True, copy=False, string="Rectified At")
    verified_user_id = fields.Many2one(
        "res.users", readonly=True, copy=False, string="Verified By"
    )
    verified_date = fields.Datetime(readonly=True, copy=False, string="Verified At")
    follow_up_count = fields.Integer(
        string="Rejected Rectifications", readonly=True, copy=False
    )
    overdue_notified = fields.Boolean(readonly=True, copy=False)
    escalation_evaluation = fields.Text(
        help="Service quality check and evaluation of the subcontractor "
        "(《分承包方服务质量检查评价表》)."
    )
    escalation_conclusion = fields.Selection(
        selection=[
            ("keep", "Keep with Close Monitoring"),
            ("suspend", "Suspend Orders"),
            ("replace", "Replace the Vendor"),
        ],
        tracking=True,
    )
    escalation_submitted_user_id = fields.Many2one(
        "res.users", readonly=True, copy=False, string="Escalation Submitted By"
    )
    escalation_submitted_date = fields.Datetime(
        readonly=True, copy=False, string="Escalation Submitted At"
    )
    escalation_approved_user_id = fields.Many2one(
        "res.users", readonly=True, copy=False, string="Escalation Approved By"
    )
    escalation_approved_date = fields.Datetime(
        readonly=True, copy=False, string="Escalation Approved At"
    )

    # The buttons (the engine: role, state and precondition).
    can_rectified = fields.Boolean(compute="_compute_asq_can")
    can_verify_compliant = fields.Boolean(compute="_compute_asq_can")
    can_not_compliant = fields.Boolean(compute="_compute_asq_can")
    can_submit_escalation = fields.Boolean(compute="_compute_asq_can")
    can_approve_escalation = fields.Boolean(compute="_compute_asq_can")

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not asq_in_step(self.env, WORKFLOW_KEY):
                self._ensure_no_signature(vals)
        return super().create(vals_list)

    def write(self, vals):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            self._ensure_no_signature(vals)
            self._asq_ensure_states_allow(vals, EDITABLE_STATES)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_followed(self):
        if self.filtered(lambda r: r.state != "open" or r.evidence):
            raise UserError(
                self.env._("Only open rectification notices can be deleted.")
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    @api.depends(
        "state",
        "evidence",
        "escalation_evaluation",
        "escalation_conclusion",
        "escalation_submitted_date",
    )
    @api.depends_context("uid")
    def _compute_asq_can(self):
        """(the engine's, also when the data its preconditions read change)"""
        return super()._compute_asq_can()

    def action_rectified(self):
        """Button "Rectified": the vendor reported the rectification."""
        self._asq_begin("rectified")._asq_finish("rectified")
        return True

    def action_verify_compliant(self):
        """Button "Verified Compliant": quality checked the rectification."""
        notices = self._asq_begin("verify_compliant")
        notices._asq_finish("verify_compliant")
        notices.activity_unlink(["mail.mail_activity_data_todo"])
        return True

    def action_not_compliant(self):
        """Button "Not Compliant": follow up until compliant."""
        notices = self._asq_begin("not_compliant")
        for notice in notices:
            notice._asq_finish(
                "not_compliant",
                {
                    # Past the deadline: back to overdue once escalated, else
                    # open for the daily job to escalate.
                    "state": "overdue" if notice.overdue_notified else "open",
                    "follow_up_count": notice.follow_up_count + 1,
                    "rectified_user_id": False,
                    "rectified_date": False,
                },
            )
            notice.message_post(
                body=self.env._(
                    "Rectification not compliant: the vendor rectifies again."
                )
            )
        return True

    def action_submit_escalation(self):
        """Button "Submit Evaluation": the escalation evaluation form goes
        to the quality manager for approval."""
        self._asq_begin("submit_escalation")._asq_finish("submit_escalation")
        return True

    def action_approve_escalation(self):
        """Button "Approve Escalation": the quality manager approves the
        escalation evaluation (《分承包方服务质量检查评价表》)."""
        notices = self._asq_begin("approve_escalation")
        notices._asq_finish("approve_escalation")
        notices.activity_unlink(["mail.mail_activity_data_todo"])
        return True

    # ------------------------------------------------------------------
    # The steps' preconditions (see _asq_transitions)
    # ------------------------------------------------------------------
    def _asq_check_rectified(self):
        if not (self.evidence or "").strip():
            return self.env._(
                "Record the rectification evidence of %(names)s first.",
                names=self.name,
            )
        return ""

    def _asq_check_submit_escalation(self):
        if (
            self.escalation_submitted_date
            or not (self.escalation_evaluation or "").strip()
            or not self.escalation_conclusion
        ):
            return self.env._(
                "Write the escalation evaluation and its conclusion of "
                "%(names)s first.",
                names=self.name,
            )
        return ""

    def _asq_check_approve_escalation(self):
        if not self.escalation_submitted_date:
            return self.env._(
                "The escalation evaluation of %(names)s is not submitted yet.",
                names=self.name,
            )
        return ""

    # ------------------------------------------------------------------
    # Scheduled job
    # ------------------------------------------------------------------
    @api.model
    def _asq_escalation_domain(self):
        """(asq.deadline.mixin, see _cron_escalate_overdue) Open notices past
        their deadline become overdue: the quality managers get an activity
        and a mail, once per notice."""
        return [("state", "=", "open")]

    @api.model
    def _asq_overdue_domain(self):
        """(asq.deadline.mixin) Overdue until the vendor's evidence is in."""
        return [("state", "in", ("open", "overdue"))]

    def _asq_escalate_overdue_batch(self):
        for notice in self:
            notice._escalate_overdue()

    def _escalate_overdue(self):
        self.ensure_one()
        self._workflow_write({"state": "overdue", "overdue_notified": True})
        managers = (
            self.env.ref(GROUP_MANAGER)
            .sudo()
            .users.filtered(lambda u: not u.share and self.company_id in u.company_ids)
        )
        summary = self.env._(
            "Rectification %(name)s of %(vendor)s is overdue: evaluate the vendor",
            name=self.name,
            vendor=self.vendor_id.display_name,
        )
        self.message_post(
            subject=summary,
            body=Markup("<p>%s</p><p>%s</p>")
            % (
                summary,
                self.env._("Deadline: %(date)s", date=self.deadline),
            ),
            partner_ids=managers.partner_id.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        for manager in managers[:1]:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=summary,
                user_id=manager.id,
            )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _names(self):
        return ", ".join(self.mapped("name"))

    def _ensure_no_signature(self, vals):
        self._asq_ensure_fields_unsigned(vals, SIGNATURE_FIELDS, "open")
