from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import LazyTranslate

from .asq_document import asq_refuse, asq_state_field
from .asq_groups import GROUP_INSPECTOR, GROUP_MANAGER, GROUP_USER
from .asq_workflow_mixin import AsqEditable, AsqTransition, asq_in_step

_lt = LazyTranslate(__name__)

WORKFLOW_KEY = "asq_service_visit_workflow"

# Who/when fields and the status: only the workflow buttons write them.
SIGNATURE_FIELDS = frozenset(
    {
        "state",
        "started_user_id",
        "started_date",
        "done_user_id",
        "done_date",
        "signed_user_id",
        "signed_date",
        "cancel_reason",
        "cancelled_user_id",
        "cancelled_date",
    }
)
# Content and the states in which it may still change.
EDITABLE_STATES = {
    "partner_id": ("planned",),
    "complaint_id": ("planned",),
    "company_id": ("planned",),
    "visit_type": ("planned", "in_progress"),
    "product_id": ("planned", "in_progress"),
    "lot_id": ("planned", "in_progress"),
    "equipment": ("planned", "in_progress"),
    "planned_date": ("planned",),
    "user_id": ("planned", "in_progress"),
    "technician_ids": ("planned", "in_progress"),
    "request": ("planned", "in_progress"),
    "work_done": ("planned", "in_progress"),
    "result": ("planned", "in_progress"),
    "part_ids": ("planned", "in_progress", "done"),
    "signer_name": ("done",),
    "signature": ("done",),
    "satisfaction": ("done",),
    "satisfaction_comment": ("done",),
}


# Start, finish and consume parts: quality inspectors and the visit's own
# technicians (_asq_signer_technician); the customer's signature and the
# cancellation: whoever may write the visit (cancel: after-sales users).
# (lazy terms, translated where shown: self.env._(transition.label))
# pylint: disable=prefer-env-translation
TRANSITIONS = (
    AsqTransition(
        "start",
        _lt("Start the visit"),
        ("planned",),
        to_state="in_progress",
        stamp="started",
        signer="_asq_signer_technician",
    ),
    AsqTransition(
        "done",
        _lt("Finish the visit"),
        ("planned", "in_progress"),
        to_state="done",
        stamp="done",
        check="_asq_check_done",
        signer="_asq_signer_technician",
    ),
    AsqTransition(
        "sign",
        _lt("Record the customer's signature"),
        ("done",),
        to_state="signed",
        stamp="signed",
        check="_asq_check_sign",
        todo=False,
    ),
    AsqTransition(
        "cancel",
        _lt("Cancel the visit"),
        ("planned", "in_progress"),
        (GROUP_USER,),
        "cancel",
        stamp="cancelled",
        todo=False,
    ),
    AsqTransition(
        "consume_parts",
        _lt("Consume parts from stock"),
        ("in_progress", "done", "signed"),
        check="_asq_check_consume_parts",
        signer="_asq_signer_technician",
        todo=False,
    ),
)
# pylint: enable=prefer-env-translation


class AsqServiceVisit(models.Model):
    """After-sales service visit at the customer (《售后服务记录》)."""

    _name = "asq.service.visit"
    _description = "Service Visit"
    _inherit = [
        "mail.activity.mixin",
        "asq.document",
        "asq.workflow.mixin",
        "asq.editable.mixin",
        "portal.mixin",
        "asq.portal.chatter",
        "mail.thread",
    ]
    _asq_workflow_key = WORKFLOW_KEY
    # write() and the form's readonly= read the same table (EDITABLE_STATES)
    _asq_editable = {
        fname: AsqEditable(states) for fname, states in EDITABLE_STATES.items()
    }
    _asq_transitions = TRANSITIONS
    _asq_sequence_code = "asq.service.visit"
    _order = "planned_date desc, id desc"
    _check_company_auto = True

    # ------------------------------------------------------------------
    # Request and plan
    # ------------------------------------------------------------------
    # (company_id: asq.document; the reference is searched by its parts)
    name = fields.Char(index="trigram")
    state = asq_state_field(
        selection=[
            ("planned", "Planned"),
            ("in_progress", "In Progress"),
            ("done", "Done"),
            ("signed", "Signed by Customer"),
            ("cancel", "Cancelled"),
        ],
        default="planned",
        help="Planned: the visit is requested and scheduled.\n"
        "In Progress: the technicians are at the customer.\n"
        "Done: work done and result recorded.\n"
        "Signed by Customer: the customer's representative signed the "
        "service record and answered whether they are satisfied; nothing "
        "changes any more.\n"
        "Cancelled: the visit will not take place (reason given).",
    )
    visit_type = fields.Selection(
        selection=[
            ("onsite", "On-Site Verification"),
            ("repair", "Repair"),
            ("maintenance", "Maintenance"),
            ("installation", "Installation"),
            ("training", "Training"),
        ],
        string="Type",
        default="repair",
        required=True,
        tracking=True,
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
        related="partner_id.commercial_partner_id", store=True, index=True
    )
    complaint_id = fields.Many2one(
        "asq.complaint",
        index="btree_not_null",
        tracking=True,
        check_company=True,
        domain="[('commercial_partner_id', '=', commercial_partner_id)]",
    )
    product_id = fields.Many2one("product.product", tracking=True)
    lot_id = fields.Many2one(
        "stock.lot",
        string="Lot/Serial Number",
        domain="[('product_id', '=', product_id)]",
        check_company=True,
    )
    equipment = fields.Char(help="The customer's equipment, when it has no lot.")
    request = fields.Text(string="Service Requested")
    planned_date = fields.Datetime(
        required=True, tracking=True, default=fields.Datetime.now, index=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda s: s.env.user,
        tracking=True,
        index=True,
    )
    technician_ids = fields.Many2many(
        "res.users",
        "asq_service_visit_technician_rel",
        "visit_id",
        "user_id",
        string="Technicians",
    )

    # ------------------------------------------------------------------
    # Work
    # ------------------------------------------------------------------
    work_done = fields.Text(copy=False)
    result = fields.Text(copy=False)
    part_ids = fields.One2many(
        "asq.service.visit.part", "visit_id", string="Parts Used", copy=False
    )
    started_user_id = fields.Many2one(
        "res.users", readonly=True, copy=False, string="Started By"
    )
    started_date = fields.Datetime(readonly=True, copy=False, string="Started At")
    done_user_id = fields.Many2one(
        "res.users", readonly=True, copy=False, string="Done By"
    )
    done_date = fields.Datetime(string="Done On", readonly=True, copy=False)

    # ------------------------------------------------------------------
    # Customer signature and satisfaction
    # ------------------------------------------------------------------
    signer_name = fields.Char(string="Customer Representative", copy=False)
    signature = fields.Binary(copy=False, attachment=True)
    satisfaction = fields.Selection(
        selection=[("satisfied", "Satisfied"), ("not_satisfied", "Not Satisfied")],
        copy=False,
        tracking=True,
    )
    satisfaction_comment = fields.Text(string="Customer's Comment", copy=False)
    signed_user_id = fields.Many2one(
        "res.users", string="Signature Recorded By", readonly=True, copy=False
    )
    signed_date = fields.Datetime(readonly=True, copy=False, string="Signed On")
    cancel_reason = fields.Text(readonly=True, copy=False)
    cancelled_user_id = fields.Many2one(
        "res.users", readonly=True, copy=False, string="Cancelled By"
    )
    cancelled_date = fields.Datetime(readonly=True, copy=False, string="Cancelled At")

    # The buttons (the engine: role, state, signer and precondition).
    can_start = fields.Boolean(compute="_compute_asq_can")
    can_done = fields.Boolean(compute="_compute_asq_can")
    can_sign = fields.Boolean(compute="_compute_asq_can")
    can_cancel = fields.Boolean(compute="_compute_asq_can")
    can_consume_parts = fields.Boolean(compute="_compute_asq_can")

    _sql_constraints = [
        (
            "name_company_uniq",
            "UNIQUE(name, company_id)",
            "The visit reference must be unique per company.",
        ),
    ]

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            self._ensure_group(GROUP_USER, self.env._("Plan a visit"))
            for vals in vals_list:
                self._ensure_no_signature(vals)
        return super().create(vals_list)

    def write(self, vals):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            self._ensure_no_signature(vals)
            self._ensure_editable(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_started(self):
        asq_refuse(
            self.filtered(lambda v: v.state != "planned"),
            self.env._("Only planned visits can be deleted; cancel %(names)s instead."),
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    @api.depends(
        "state",
        "technician_ids",
        "work_done",
        "result",
        "signer_name",
        "signature",
        "satisfaction",
        "satisfaction_comment",
        "part_ids.move_id",
    )
    @api.depends_context("uid")
    def _compute_asq_can(self):
        """(the engine's, also when the data its preconditions read change)"""
        return super()._compute_asq_can()

    def action_start(self):
        """Button "Start": the technicians arrive at the customer."""
        self._ensure_technician(self._asq_label("start"))
        self._asq_begin("start")._asq_finish("start")
        return True

    def action_done(self):
        """Button "Mark Done": the work done and the result are recorded."""
        self._ensure_technician(self._asq_label("done"))
        visits = self._asq_begin("done")
        visits.complaint_id.sudo()._asq_ensure_onsite_recordable()
        for visit in visits:
            if not visit.started_date:
                # Finished without pressing Start: started now, and signed
                # (with its step record) as the start.
                visit._asq_finish("start")
            visit._asq_finish("done")
            if visit.complaint_id:
                visit.complaint_id.sudo()._asq_record_onsite_visit(visit)
        return True

    def action_sign(self):
        """Button "Record Customer Signature": the customer's representative
        signed the service record and answered the satisfaction question."""
        visits = self._asq_begin("sign")
        visits._asq_finish("sign")
        visits.filtered(
            lambda v: v.satisfaction == "not_satisfied"
        )._notify_not_satisfied()
        return True

    def action_cancel(self):
        """Button "Cancel" (through the reason wizard)."""
        reason = (self.env.context.get("asq_cancel_reason") or "").strip()
        visits = self._asq_begin("cancel")
        if not reason:
            raise UserError(self.env._("Give the reason for cancelling the visit."))
        visits._asq_finish("cancel", {"cancel_reason": reason})
        return True

    def action_open_cancel_wizard(self):
        """Button "Cancel": ask for the reason."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Cancel Visit"),
            "res_model": "asq.service.visit.cancel",
            "view_mode": "form",
            "target": "new",
            "context": {"default_visit_ids": [Command.set(self.ids)]},
        }

    def action_consume_parts(self):
        """Button "Consume Parts from Stock": one done move per part line
        from the warehouse stock to the customer, exactly once."""
        self._ensure_technician(self._asq_label("consume_parts"))
        visits = self._asq_begin("consume_parts")
        visits.part_ids.filtered(lambda p: not p.move_id)._consume()
        visits._asq_finish("consume_parts")
        return True

    # ------------------------------------------------------------------
    # The steps' signers and preconditions (see _asq_transitions)
    # ------------------------------------------------------------------
    def _asq_signer_technician(self):
        """Quality inspectors record the work of every visit, the others
        that of the visits they are a technician of."""
        if self.env.user.has_group(GROUP_INSPECTOR):
            return expression.TRUE_DOMAIN
        return [("technician_ids", "in", self.env.uid)]

    def _asq_check_done(self):
        if not (self.work_done or "").strip() or not (self.result or "").strip():
            return self.env._(
                "Record the work done and the result of %(names)s first.",
                names=self.name,
            )
        return ""

    def _asq_check_sign(self):
        missing = self._asq_empty_fields(("signer_name", "signature", "satisfaction"))
        if (
            self.satisfaction == "not_satisfied"
            and not (self.satisfaction_comment or "").strip()
        ):
            missing += self._asq_field_labels(["satisfaction_comment"])
        if missing:
            return self.env._(
                "%(name)s cannot be signed yet. Missing: %(fields)s.",
                name=self.name,
                fields=", ".join(missing),
            )
        return ""

    def _asq_check_consume_parts(self):
        if not self.part_ids.filtered(lambda p: not p.move_id):
            return self.env._(
                "The parts of %(names)s are already consumed from stock. "
                "Reload the page.",
                names=self.name,
            )
        return ""

    def action_print(self):
        """Button "Print": the service record (《售后服务记录》)."""
        return self.env.ref(
            "after_sales_quality.asq_service_visit_report"
        ).report_action(self)

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _names(self):
        return ", ".join(self.mapped("name"))

    def _ensure_group(self, group, step):
        self._asq_ensure_role(group, step)

    def _ensure_technician(self, step):
        """Inspectors and the visit's own technicians record the work (the
        steps' signer, refused here with its own words)."""
        if self.env.su:
            return
        others = self - self.filtered_domain(self._asq_signer_technician())
        if others:
            raise AccessError(
                self.env._(
                    "You are not allowed to do this step (%(step)s) on %(names)s: "
                    "it needs a quality inspector or one of the visit's "
                    "technicians.",
                    step=step,
                    names=others._names(),
                )
            )

    def _ensure_no_signature(self, vals):
        self._asq_ensure_fields_unsigned(vals, SIGNATURE_FIELDS, "planned")

    def _ensure_editable(self, vals):
        if set(vals) & set(EDITABLE_STATES):
            asq_refuse(
                self.filtered(lambda v: v.state == "signed"),
                self.env._(
                    "%(names)s is signed by the customer: it can no longer be "
                    "changed."
                ),
            )
        self._asq_ensure_states_allow(vals, EDITABLE_STATES)

    def _notify_not_satisfied(self):
        """The customer is not satisfied: a to-do for the quality manager."""
        for visit in self:
            managers = (
                self.env.ref(GROUP_MANAGER)
                .sudo()
                .users.filtered(
                    lambda u, v=visit: not u.share and v.company_id in u.company_ids
                )
            )
            summary = self.env._(
                "Customer not satisfied with service visit %(name)s", name=visit.name
            )
            body = Markup("<p>%s</p><p>%s</p>") % (summary, visit.satisfaction_comment)
            visit.sudo().message_post(
                body=body,
                partner_ids=managers.partner_id.ids,
                subtype_xmlid="mail.mt_note",
            )
            for manager in managers[:1]:
                visit.sudo().activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=summary,
                    note=visit.satisfaction_comment,
                    user_id=manager.id,
                )

    # ------------------------------------------------------------------
    # Portal
    # ------------------------------------------------------------------
    def _compute_access_url(self):
        for visit in self:
            visit.access_url = f"/my/service_visits/{visit.id}"

    def _asq_portal_timeline(self):
        self.ensure_one()
        steps = [
            (self.env._("Planned"), self.planned_date),
            (self.env._("Started"), self.started_date),
            (self.env._("Done"), self.done_date),
            (self.env._("Signed by the customer"), self.signed_date),
            (self.env._("Cancelled"), self.cancelled_date),
        ]
        return [{"label": label, "date": date} for label, date in steps if date]

    def _asq_portal_set_satisfaction(self, satisfaction, comment):
        """The customer answers the satisfaction question before signing
        (call it with sudo after checking the token or the ownership); the
        visit's write guard refuses it unless the visit is done."""
        self.ensure_one()
        if satisfaction not in ("satisfied", "not_satisfied"):
            raise UserError(self.env._("Tell us whether you are satisfied."))
        self.write(
            {
                "satisfaction": satisfaction,
                "satisfaction_comment": (comment or "").strip() or False,
            }
        )

    def _asq_portal_sign(self, signer_name, signature, author):
        """The customer's representative signs the service report on the
        portal: the fields are filled and the visit's own workflow button
        (state and checks) records the signature. Call it with sudo after
        checking the token or the ownership."""
        self.ensure_one()
        if not (signer_name or "").strip():
            raise UserError(self.env._("Give your name to sign."))
        if not signature:
            raise UserError(self.env._("The signature is missing."))
        self.write({"signer_name": signer_name.strip(), "signature": signature})
        self.action_sign()
        self.message_post(
            body=Markup("<p>%s</p>")
            % self.env._(
                "Service report signed on the customer portal by %(name)s.",
                name=self.signer_name,
            ),
            author_id=author.id,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
