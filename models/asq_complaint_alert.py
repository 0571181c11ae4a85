from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import LazyTranslate

from .asq_complaint import CATEGORIES, STEP_CONTEXT
from .asq_groups import (
    GROUP_GM,
    GROUP_INSPECTOR,
    GROUP_MANAGER,
    GROUP_MGMT_REP,
    GROUP_USER_ALL,
)
from .asq_workflow_mixin import (
    AsqEditable,
    AsqTransition,
    asq_in_step,
    asq_signature,
    asq_step,
)

_lt = LazyTranslate(__name__)

# The analysis of an open warning is written by the quality department (a
# quality manager: the role that may write warnings and close them). write()
# and the form's readonly= both read this table (asq.editable.mixin).
EDITABLE = {
    "note": AsqEditable(("open",), GROUP_MANAGER),
    # 002 §6.3.2 「报总经理或治理者代表批准后提交相关责任部门」: the approver
    # chooses the responsible department (and who receives the warning
    # there) until he approves.
    "department_id": AsqEditable(("open",), None, "approved_user_id"),
    "department_user_id": AsqEditable(("open",), None, "approved_user_id"),
}
# What the approvers (who write nothing else of the warning) may write.
ROUTING_FIELDS = frozenset({"department_id", "department_user_id"})
APPROVER_GROUPS = (GROUP_MGMT_REP, GROUP_GM)
# The approval's and the receipt's stamps: written by their steps only.
SIGNED_FIELDS = (
    "approved_user_id",
    "approved_date",
    "acknowledged_user_id",
    "acknowledged_date",
)
# What still changes on a closed warning: its links (the complaints a later
# detection adds, the CAPA it leads to).
CLOSED_WRITABLE = frozenset({"complaint_ids", "capa_id", "message_main_attachment_id"})
# Set when the warning is raised (detection) or by its steps, never by hand
# (its company stays: asq.company.fixed).
RAISED_FIELDS = ("name", "date", "product_id", "category", "state")


# (lazy terms, translated where shown: self.env._(transition.label))
# pylint: disable=prefer-env-translation
TRANSITIONS = (
    AsqTransition(
        "close",
        _lt("Close"),
        ("open",),
        (GROUP_MANAGER,),
        "closed",
        check="_asq_check_close",
    ),
    # The quality department or the management representative (the
    # warning goes to both) only read the warning: the CAPA it links is
    # written by the step. 000 §4.6.8: "营销中心建立信息反馈系统以提供质量问题
    # 的早期报警,及时作为纠正、预防措施的输入" (the early warning feeds
    # corrective and preventive action).
    AsqTransition(
        "propose_capa",
        _lt("Propose CAPA"),
        ("open", "closed"),
        (GROUP_INSPECTOR, GROUP_MGMT_REP),
        check="_asq_check_propose_capa",
        access="read",
        todo=False,
    ),
    # 002 §6.3.2: 「接到抱怨后立即填写“顾客信息与产品质量早期报警表”报总经理或治理
    # 者代表批准后提交相关责任部门」: the warning is filled in at once (raised
    # by the detection), approved by the general manager or the management
    # representative, then goes to the responsible department. "立即": the
    # to-dos are due the day the warning is raised. The approver reads the
    # warning only: the step writes the stamp.
    AsqTransition(
        "approve",
        _lt("Approve and Route"),
        ("open",),
        APPROVER_GROUPS,
        stamp="approved",
        check="_asq_check_approve",
        signer="_asq_signer_approver",
        access="read",
        assignee="_asq_assignee_approver",
    ),
    # The responsible department confirms it received the warning.
    AsqTransition(
        "acknowledge",
        _lt("Confirm Receipt"),
        ("open", "closed"),
        (GROUP_USER_ALL,),
        stamp="acknowledged",
        signer="_asq_signer_department",
        access="read",
        assignee="_asq_assignee_department",
    ),
)
# pylint: enable=prefer-env-translation


class AsqComplaintAlert(models.Model):
    """Early warning (《顾客信息与产品质量早期报警表》): several customers
    report the same product or defect category within a short window."""

    _name = "asq.complaint.alert"
    _description = "Customer Complaint Early Warning"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "asq.workflow.mixin",
        "asq.editable.mixin",
    ]
    _order = "date desc, id desc"
    _check_company_auto = True
    # Its steps write with the complaints' mark (see write()).
    _asq_workflow_key = STEP_CONTEXT
    _asq_editable = EDITABLE
    _asq_closed_states = ("closed",)
    _asq_closed_writable = CLOSED_WRITABLE
    _asq_transitions = TRANSITIONS
    _asq_can_depends = (
        "state",
        "note",
        "capa_id",
        "approved_user_id",
        "department_id",
        "department_user_id",
        "acknowledged_user_id",
    )

    name = fields.Char(string="Reference", required=True, readonly=True, copy=False)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    date = fields.Datetime(string="Raised On", required=True, readonly=True)
    product_id = fields.Many2one("product.product", readonly=True, index=True)
    category = fields.Selection(
        selection=CATEGORIES, string="Defect Category", readonly=True, index=True
    )
    complaint_ids = fields.Many2many(
        "asq.complaint", string="Complaints", readonly=True
    )
    customer_count = fields.Integer(
        string="Customers Reporting", compute="_compute_customer_count", store=True
    )
    state = fields.Selection(
        selection=[("open", "Open"), ("closed", "Closed")],
        default="open",
        required=True,
        readonly=True,
        tracking=True,
        help="Open: the quality department and the management representative "
        "analyse the reports. Closed: the analysis is done.",
    )
    note = fields.Text(string="Analysis")
    capa_id = fields.Many2one("asq.capa", string="CAPA", readonly=True, copy=False)
    can_close = fields.Boolean(compute="_compute_asq_can")
    can_propose_capa = fields.Boolean(compute="_compute_asq_can")
    # The approval and the routing (002 §6.3.2).
    department_id = fields.Many2one(
        "hr.department",
        string="Responsible Department",
        tracking=True,
        check_company=True,
    )
    department_user_id = fields.Many2one(
        "res.users",
        string="Department Responsible",
        compute="_compute_department_user_id",
        store=True,
        readonly=False,
        tracking=True,
        index=True,
        domain=lambda self: [
            ("share", "=", False),
            ("groups_id", "in", self.env.ref(GROUP_USER_ALL).ids),
        ],
        help="Who receives the approved warning for the department (its "
        "head by default) and confirms receipt.",
    )
    approved_user_id, approved_date = asq_signature("Approved By", "Approved On")
    acknowledged_user_id, acknowledged_date = asq_signature(
        "Receipt Confirmed By", "Receipt Confirmed On"
    )
    can_approve = fields.Boolean(compute="_compute_asq_can")
    can_acknowledge = fields.Boolean(compute="_compute_asq_can")

    @api.depends("complaint_ids.commercial_partner_id")
    def _compute_customer_count(self):
        for alert in self:
            alert.customer_count = len(alert.complaint_ids.commercial_partner_id)

    @api.depends("department_id")
    def _compute_department_user_id(self):
        for alert in self:
            head = alert.department_id.sudo().manager_id.user_id
            alert.department_user_id = (
                head if head and head.has_group(GROUP_USER_ALL) else False
            )

    def write(self, vals):
        if not asq_in_step(self.env, STEP_CONTEXT):
            signed = [fname for fname in SIGNED_FIELDS if fname in vals]
            if signed:
                raise UserError(
                    self.env._(
                        "%(fields)s are signed by the workflow buttons and "
                        "cannot be written directly.",
                        fields=", ".join(self._asq_field_labels(signed)),
                    )
                )
            # The approvers write the routing only (their access right to
            # the warning is for it).
            if (
                not self.env.su
                and not self.env.user.has_group(GROUP_MANAGER)
                and set(vals) - ROUTING_FIELDS - {"message_main_attachment_id"}
            ):
                raise AccessError(
                    self.env._(
                        "Only a quality manager may change %(fields)s of an "
                        "early warning.",
                        fields=", ".join(
                            self._asq_field_labels(sorted(set(vals) - ROUTING_FIELDS))
                        ),
                    )
                )
            raised = [fname for fname in RAISED_FIELDS if fname in vals]
            if raised:
                raise UserError(
                    self.env._(
                        "These fields of an early warning are set when it is "
                        "raised or by its buttons and cannot be changed: "
                        "%(fields)s.",
                        fields=", ".join(self._asq_field_labels(raised)),
                    )
                )
            # Who may not write the warning at all is refused as such first.
            if not self.env.su:
                self.check_access("write")
            self._asq_ensure_editable(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_closed(self):
        if self.filtered(lambda a: a.state == "closed"):
            raise UserError(self.env._("Closed early warnings cannot be deleted."))

    def action_close(self):
        """Button "Close": the analysis of the warning is done."""
        self._asq_refuse_role(
            "close", self.env._("Only a quality manager may close an early warning.")
        )
        self._asq_begin("close")._asq_finish("close")
        return True

    def action_propose_capa(self):
        """Button "Propose CAPA": the early warning feeds corrective action
        (000 §4.6.8); the CAPA is linked to every complaint of the warning."""
        self.ensure_one()
        self._asq_refuse_role(
            "propose_capa",
            self.env._(
                "Only the quality department or the management representative "
                "may propose a CAPA."
            ),
        )
        alert = self._asq_begin("propose_capa")
        complaints = alert.complaint_ids
        capa = self.env["asq.capa"]._asq_propose(
            "complaint",
            alert.name,
            alert._asq_subject(),
            partner_ids=complaints.commercial_partner_id,
            product_ids=alert.product_id or complaints.line_ids.product_id,
            lot_ids=complaints.line_ids.lot_id,
            company_id=alert.company_id.id,
        )
        capa.sudo().complaint_ids = [fields.Command.link(c.id) for c in complaints]
        alert.sudo()._workflow_write({"capa_id": capa.id})
        return complaints._asq_records_action(
            "after_sales_quality.asq_capa_action", capa
        )

    def action_approve(self):
        """Button "Approve and Route": 「报总经理或治理者代表批准后提交相关责任
        部门」; the department's responsible gets the to-do."""
        self._asq_refuse_role(
            "approve",
            self.env._(
                "Only the general manager or the management representative "
                "may approve an early warning."
            ),
        )
        alerts = self._asq_begin("approve")
        # (the approver reads the warning: the step writes its stamp)
        alerts.sudo()._asq_finish("approve")
        for alert in alerts:
            alert.message_post(
                body=self.env._(
                    "Approved by %(user)s and routed to %(department)s "
                    "(%(responsible)s).",
                    user=self.env.user.name,
                    department=alert.department_id.sudo().display_name,
                    responsible=alert.department_user_id.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_acknowledge(self):
        """Button "Confirm Receipt": the responsible department has it."""
        self._asq_begin("acknowledge").sudo()._asq_finish("acknowledge")
        return True

    def action_print(self):
        """Button "Print": 《顾客信息与产品质量早期报警表》."""
        return self.env.ref(
            "after_sales_quality.asq_complaint_alert_report"
        ).report_action(self)

    def _asq_ensure_progress(self, step):
        if step == "approve":
            self.filtered("approved_user_id")._asq_refuse_done(
                "approved_user_id",
                lambda **kw: self.env._(
                    "%(names)s is already approved by %(user)s. Reload the page.",
                    **kw,
                ),
            )
        elif step == "acknowledge":
            self.filtered("acknowledged_user_id")._asq_refuse_done(
                "acknowledged_user_id",
                lambda **kw: self.env._(
                    "%(names)s is already received by %(user)s. Reload the page.",
                    **kw,
                ),
            )

    def _asq_check_approve(self):
        missing = self._asq_empty_fields(("department_id", "department_user_id"))
        if missing:
            return self.env._(
                "Choose the department %(name)s goes to, and who receives it "
                "there. Missing: %(fields)s.",
                name=self.name,
                fields=", ".join(missing),
            )
        return ""

    def _asq_signer_approver(self):
        return [("approved_user_id", "=", False)]

    def _asq_assignee_approver(self):
        """The management representatives of the company get the to-do (the
        general manager may approve too, without one)."""
        if self.approved_user_id:
            return self.env["res.users"]
        return self._asq_company_users(GROUP_MGMT_REP, self.company_id)

    def _asq_assignee_approver_domain(self):
        return [("approved_user_id", "=", False)]

    def _asq_signer_department(self):
        return [
            ("approved_user_id", "!=", False),
            ("acknowledged_user_id", "=", False),
            ("department_user_id", "=", self.env.uid),
        ]

    def _asq_assignee_department(self):
        if not self.approved_user_id or self.acknowledged_user_id:
            return self.env["res.users"]
        return self.department_user_id

    def _asq_assignee_department_domain(self):
        return self._asq_signer_department()

    def _asq_refuse_role(self, step, message):
        """The step's role refusal in the warning's own words (the engine
        checks the same role, with a general message)."""
        if not self._asq_may_sign(self._asq_transition(step)):
            raise AccessError(message)

    def _asq_check_close(self):
        if not (self.note or "").strip():
            return self.env._("Record the analysis before closing the early warning.")
        return ""

    def _asq_check_propose_capa(self):
        if self.capa_id:
            return self.env._(
                "%(name)s already led to %(capa)s.",
                name=self.name,
                capa=self.capa_id.sudo().name,
            )
        return ""

    # ------------------------------------------------------------------
    # Detection
    # ------------------------------------------------------------------
    @api.model
    def _asq_raise_for(self, complaints):
        """Check the products and categories of ``complaints``: grouped reads
        per company, one alert per product or category and window."""
        for company in complaints.company_id:
            batch = complaints.filtered(lambda c, co=company: c.company_id == co)
            since = fields.Datetime.now() - timedelta(
                days=company.asq_warning_window_days
            )
            base = [
                ("company_id", "=", company.id),
                ("state", "not in", ("draft", "cancel")),
                ("feedback_type", "=", "complaint"),
                ("received_date", ">=", since),
            ]
            by_product = self.env["asq.complaint.line"]._read_group(
                [
                    ("product_id", "in", batch.line_ids.product_id.ids),
                    *[(f"complaint_id.{f}", op, v) for f, op, v in base],
                ],
                ["product_id"],
                ["partner_id:count_distinct", "complaint_id:array_agg"],
            )
            by_category = self.env["asq.complaint"]._read_group(
                [("category", "in", [c for c in batch.mapped("category") if c]), *base],
                ["category"],
                ["commercial_partner_id:count_distinct", "id:array_agg"],
            )
            hits = [
                ("product_id", product.id, ids)
                for product, count, ids in by_product
                if count >= company.asq_warning_customer_count
            ] + [
                ("category", category, ids)
                for category, count, ids in by_category
                if count >= company.asq_warning_customer_count
            ]
            if hits:
                self._asq_record_hits(company, since, hits)

    def _asq_record_hits(self, company, since, hits):
        """One cluster, one warning. The product's warning comes first and
        takes its complaints; a defect category's counts only the complaints
        no product warning of the window holds (it is raised when they alone
        still come from enough customers): the same product reported with
        the same defect category raises one warning, and the quality managers
        and the management representative are told once, not once per
        product and once per category. 002: 接到抱怨后立即填写"顾客信息与产品
        质量早期报警表"报总经理或治理者代表批准 (one early-warning form for the
        problem)."""
        existing = self.search([("company_id", "=", company.id), ("date", ">=", since)])
        by_product = set(existing.filtered("product_id").complaint_ids.ids)
        Complaint = self.env["asq.complaint"]
        hits = sorted(hits, key=lambda hit: hit[0] != "product_id")
        for key, value, complaint_ids in hits:
            if key == "category":
                alert = existing.filtered(lambda a, v=value: a.category == v)[:1]
                ids = [c for c in complaint_ids if c not in by_product]
            else:
                alert = existing.filtered(lambda a, v=value: a.product_id.id == v)[:1]
                ids = complaint_ids
            complaints = Complaint.browse(ids)
            if alert:
                alert.complaint_ids = [fields.Command.link(c) for c in ids]
            elif (
                len(complaints.commercial_partner_id)
                >= company.asq_warning_customer_count
            ):
                alert = self.create(
                    {
                        "name": self.env["ir.sequence"]
                        .with_company(company)
                        .next_by_code("asq.complaint.alert")
                        or "/",
                        "company_id": company.id,
                        "date": fields.Datetime.now(),
                        key: value,
                        "complaint_ids": [fields.Command.set(ids)],
                    }
                )
                existing |= alert
                alert._asq_notify()
            else:
                continue
            if key == "product_id":
                by_product.update(ids)
            complaints.filtered(lambda c: not c.alert_id).with_context(
                **asq_step(STEP_CONTEXT)
            ).write({"alert_id": alert.id})

    def _asq_notify(self):
        self.ensure_one()
        users = self._asq_company_users(
            GROUP_MANAGER, self.company_id
        ) | self._asq_company_users(GROUP_MGMT_REP, self.company_id)
        subject = self._asq_subject()
        # The engine's to-dos: the management representatives approve and
        # route it (002 §6.3.2), the quality managers analyse and close it.
        self._asq_update_todos()
        body = Markup("<p>%s</p><ul>%s</ul>") % (
            self.env._(
                "%(count)s customers reported the same problem within "
                "%(days)s days:",
                count=self.customer_count,
                days=self.company_id.asq_warning_window_days,
            ),
            Markup("").join(
                Markup("<li>%s - %s</li>") % (c.name, c.partner_id.display_name)
                for c in self.complaint_ids
            ),
        )
        self._asq_notify_internal(users.partner_id, subject, body)

    def _asq_todo_summary(self, step):
        """The step and what the warning is about."""
        return f"{super()._asq_todo_summary(step)}: {self._asq_subject()}"

    def _asq_subject(self):
        if self.product_id:
            what = self.product_id.display_name
        else:
            what = dict(self._fields["category"]._description_selection(self.env))[
                self.category
            ]
        return self.env._("Early warning %(name)s: %(what)s", name=self.name, what=what)
