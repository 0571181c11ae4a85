from collections import defaultdict

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, LazyTranslate, float_compare, float_round

from .asq_deadline_mixin import NEXT_WORKING_NOON
from .asq_delivered_line import ASQ_OPEN_RETURN_STATES, asq_received_by_receipt
from .asq_document import asq_state_field
from .asq_groups import (
    GROUP_FINANCE,
    GROUP_GM,
    GROUP_HEAD,
    GROUP_INSPECTOR,
    GROUP_MANAGER,
    GROUP_USER,
    GROUP_USER_ALL,
    GROUP_WAREHOUSE,
)
from .asq_workflow_mixin import (
    AsqEditable,
    AsqMark,
    AsqStateError,
    AsqTransition,
    asq_lock_rows,
    asq_signature,
    asq_step,
)

_lt = LazyTranslate(__name__)

# Who/when fields that only the workflow writes (context key below).
SIGNATURE_FIELDS = (
    "received_user_id",
    "review_user_id",
    "review_date",
    "finance_user_id",
    "finance_date",
    "finance_ratio",
    "finance_exchange_ratio",
    "finance_beyond",
    "business_user_id",
    "business_date",
    "gm_user_id",
    "gm_date",
    "qc_user_id",
    "qc_date",
    "received_date",
    "note_sent_date",
    "booked_date",
    "note_check_user_id",
    "note_check_date",
    "qc_explanation_sent_date",
    "refusal_reason",
)


def _finance_figure(field_type, string, **kwargs):
    """A live figure of the finance check (``_compute_finance_figures``),
    for internal users; frozen into ``finance_*`` when finance signs."""
    return field_type(
        string=string,
        compute="_compute_finance_figures",
        groups="base.group_user",
        **kwargs,
    )


WORKFLOW_KEY = "asq_return_workflow"
# Requests whose goods are requested but not yet back (counted against what
# remains at the customer on top of the done returns).
OPEN_STATES = ASQ_OPEN_RETURN_STATES
APPROVAL_STATES = ("submitted", "finance", "business", "gm")
# The request's steps (the engine: models/asq_workflow_mixin.py). 001, second
# procedure: 「如沒有以上各部門的簽字確認,倉庫一律不予辦理入庫手續」 — the
# after-sales review, finance, the business head (and the general manager
# beyond the contract) sign before the warehouse receives anything.
# (lazy terms, translated where shown: self.env._(transition.label))
# pylint: disable=prefer-env-translation
TRANSITIONS = (
    AsqTransition(
        "submit", _lt("Submit"), ("draft",), (GROUP_USER,), "submitted", todo=False
    ),
    AsqTransition(
        "review",
        _lt("After-Sales Review"),
        ("submitted",),
        (GROUP_USER_ALL,),
        "finance",
        branches=("refused",),
        stamp="review",
        action="action_sign",
    ),
    AsqTransition(
        "finance",
        _lt("Finance Check"),
        ("finance",),
        (GROUP_FINANCE,),
        "business",
        branches=("refused",),
        stamp="finance",
        freezes=("finance_ratio", "finance_exchange_ratio", "finance_beyond"),
        action="action_sign",
        access="read",
    ),
    AsqTransition(
        "business",
        _lt("Business Head Approval"),
        ("business",),
        (GROUP_HEAD,),
        branches=("gm", "approved", "refused"),
        stamp="business",
        action="action_sign",
        access="read",
    ),
    AsqTransition(
        "gm",
        _lt("General Manager Approval"),
        ("gm",),
        (GROUP_GM,),
        "approved",
        branches=("refused",),
        stamp="gm",
        action="action_sign",
        access="read",
    ),
    # [15] 「如沒有以上各部門的簽字確認,倉庫一律不予辦理入庫手續」: the receipt
    # is made once every signature is in (the request approved), not before.
    AsqTransition(
        "create_receipt",
        _lt("Create Receipt"),
        ("approved",),
        (GROUP_USER_ALL, GROUP_WAREHOUSE),
        check="_asq_why_no_receipt",
        access="read",
        todo=False,
    ),
    # Booked by validating the return receipt in Inventory (the receipt's
    # own gate checks every signature above, stock_picking.py).
    AsqTransition(
        "receive",
        _lt("Receive Returned Goods"),
        ("approved",),
        (GROUP_WAREHOUSE,),
        "received",
        stamp="received",
        action="button_validate",
        access="read",
    ),
    AsqTransition(
        "qc_sign",
        _lt("QC Inspection"),
        ("received",),
        (GROUP_INSPECTOR,),
        "inspected",
        branches=("done",),
        stamp="qc",
        access="read",
    ),
    # 001, 4.2.8-4.2.9: 「倉庫開具退貨入庫單后,營銷統計員及時統計退貨單的數量和
    # 金額並電腦錄入」「《退貨單》統計完畢后,營銷文員負責及時審核《退貨單》並予
    # 第二天上午12:00前把《退貨單》傳真給各客戶」: once the warehouse has booked
    # the accepted goods into stock (the request is done, booked_date), a
    # sales clerk checks the note before it goes out, by the note's deadline.
    AsqTransition(
        "check_note",
        _lt("Check Return Note"),
        ("done",),
        (GROUP_USER,),
        stamp="note_check",
        check="_asq_why_no_note_check",
        signer="_asq_signer_check_note",
        access="read",
        deadline="note_deadline",
    ),
    AsqTransition(
        "reopen",
        _lt("Reopen"),
        (*APPROVAL_STATES, "approved", "refused"),
        (GROUP_MANAGER,),
        "draft",
        action="_reopen",
        access="read",
        todo=False,
    ),
)
# pylint: enable=prefer-env-translation
# Approval steps by the state they sign.
STEP_OF_STATE = {
    t.from_states[0]: t.step for t in TRANSITIONS if t.action == "action_sign"
}
# What the sales person fills in, and when it may still change: the detail
# form while it is a draft (what the signers approve is what was submitted);
# the lines again once the goods are received, for the QC findings (the
# lines guard which of their fields change then, and who changes them:
# asq.return.line.write). write() and the form's readonly= both read this
# table (asq.editable.mixin).
_DRAFT = ("draft",)
EDITABLE = {
    "partner_id": AsqEditable(_DRAFT, GROUP_USER),
    "complaint_id": AsqEditable(_DRAFT, GROUP_USER),
    "user_id": AsqEditable(_DRAFT, GROUP_USER),
    "date_request": AsqEditable(_DRAFT, GROUP_USER),
    "company_id": AsqEditable(_DRAFT, GROUP_USER),
    "line_ids": AsqEditable(("draft", "received"), GROUP_USER),
    # 001 §4.2.5: 「售后服務科負責人接到貨運站的客戶退貨的到貨通知后,及時下達
    # 《退貨運輸單》通知駕駛員到貨運站提貨」: once the request is approved, the
    # after-sales section notes the freight station's arrival notice and the
    # driver it sends there, printed on the transport order.
    "freight_station": AsqEditable(("approved",), GROUP_USER_ALL),
    "waybill_ref": AsqEditable(("approved",), GROUP_USER_ALL),
    "arrival_notice_date": AsqEditable(("approved",), GROUP_USER_ALL),
    "driver_name": AsqEditable(("approved",), GROUP_USER_ALL),
}
TRANSPORT_FIELDS = (
    "freight_station",
    "waybill_ref",
    "arrival_notice_date",
    "driver_name",
)
# What still changes on a request that is done or refused (and, outside the
# table, on any submitted request).
CLOSED_WRITABLE = frozenset({"message_main_attachment_id"})


class AsqReturn(models.Model):
    """Return / exchange request (《调退货明细表》) and its approval chain."""

    _name = "asq.return"
    _description = "Return / Exchange Request"
    _inherit = [
        "mail.activity.mixin",
        "asq.workflow.mixin",
        "asq.editable.mixin",
        "portal.mixin",
        "asq.portal.chatter",
        "mail.thread",
        "asq.deadline.mixin",
        "asq.document",
    ]
    _asq_workflow_key = WORKFLOW_KEY
    _asq_signature_fields = SIGNATURE_FIELDS
    _asq_workflow_fields = ("state",)
    _asq_sequence_code = "asq.return"
    _asq_editable = EDITABLE
    _asq_closed_states = ("done", "refused")
    _asq_closed_writable = CLOSED_WRITABLE
    _asq_transitions = TRANSITIONS
    # The return note's clock (asq.deadline.mixin): it starts when the
    # warehouse books the accepted goods into stock (booked_date); the note
    # goes out when a sales clerk checks it (action_check_note): no
    # escalation.
    _asq_deadline_field = "note_deadline"
    _asq_deadline_fields = ("note_deadline",)
    _asq_deadline_depends = ("booked_date", "company_id")
    _asq_escalated_field = None
    _order = "date_request desc, id desc"
    _check_company_auto = True
    _mail_post_access = "read"

    currency_id = fields.Many2one(related="company_id.currency_id")
    state = asq_state_field(
        selection=[
            ("draft", "Draft"),
            ("submitted", "After-Sales Review"),
            ("finance", "Finance Check"),
            ("business", "Business Head Approval"),
            ("gm", "General Manager Approval"),
            ("approved", "Approved"),
            ("received", "Received for QC"),
            ("inspected", "Inspected"),
            ("done", "Done"),
            ("refused", "Refused"),
        ],
        default="draft",
        help="Draft: the detail form is being filled in.\n"
        "After-Sales Review: submitted, the after-sales section reviews it.\n"
        "Finance Check: finance compares the return ratio and delivery age with "
        "the contract.\n"
        "Business Head Approval: waiting for the business head.\n"
        "General Manager Approval: beyond the contract, the general manager "
        "decides the special case.\n"
        "Approved: the transport order may be printed and the goods collected.\n"
        "Received for QC: the goods are in the return QC location.\n"
        "Inspected: QC signed every line; put-away, replacements and credit "
        "notes are under way.\n"
        "Done: every put-away is booked and no rework notice is open.\n"
        "Refused: closed with the reason told "
        "to the customer.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        domain="[('is_company', '=', True)]",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Requested By",
        default=lambda s: s.env.user,
        index=True,
        tracking=True,
    )
    date_request = fields.Date(
        string="Request Date", default=fields.Date.context_today, required=True
    )
    complaint_id = fields.Many2one(
        "asq.complaint",
        index=True,
        check_company=True,
        help="The customer complaint whose disposition asked for this return.",
    )
    line_ids = fields.One2many(
        "asq.return.line", "return_id", string="Lines", copy=True
    )
    # The transport order (《退貨運輸單》, 001 §4.2.5): where and by whom the
    # goods are collected.
    freight_station = fields.Char(
        tracking=True,
        copy=False,
        help="The freight station whose arrival notice says the customer's "
        "goods are in: the driver collects them there against the transport "
        "order.",
    )
    waybill_ref = fields.Char(
        string="Waybill No.",
        tracking=True,
        copy=False,
        help="The number of the customer's consignment at the freight station.",
    )
    arrival_notice_date = fields.Date(
        string="Arrival Notice On",
        tracking=True,
        copy=False,
        help="When the freight station notified the goods' arrival.",
    )
    driver_name = fields.Char(
        string="Driver",
        tracking=True,
        copy=False,
        help="The driver sent to collect the goods.",
    )
    approval_ids = fields.One2many(
        "asq.return.approval", "return_id", string="Approvals", readonly=True
    )
    amount_total = fields.Monetary(
        string="Amount", compute="_compute_amount_total", store=True
    )
    has_unsaleable = fields.Boolean(
        string="Unsaleable Exchange", compute="_compute_amount_total", store=True
    )

    # ------------------------------------------------------------------
    # Finance check: live figures, frozen when finance signs
    # ------------------------------------------------------------------
    live_delivered_amount = _finance_figure(
        fields.Monetary, "Delivered in Contract Period"
    )
    live_returned_amount = _finance_figure(
        fields.Monetary, "Returned incl. Open Requests"
    )
    live_ratio = _finance_figure(fields.Float, "Total Return Ratio (%)", digits=(16, 2))
    live_exchange_amount = _finance_figure(
        fields.Monetary, "Unsaleable Exchanged incl. Open Requests"
    )
    live_exchange_ratio = _finance_figure(
        fields.Float, "Unsaleable Exchange Ratio (%)", digits=(16, 2)
    )
    live_verdict_note = _finance_figure(fields.Char, "Why")
    ratio_cap = _finance_figure(fields.Float, "Exchange Ratio Cap (%)")
    return_days_limit = _finance_figure(fields.Integer, "Return Time Limit (days)")
    max_days = _finance_figure(fields.Integer, "Oldest Delivery (days)")
    live_beyond = _finance_figure(fields.Boolean, "Beyond the Contract")
    finance_ratio = fields.Float(
        string="Total Return Ratio at Finance Check (%)",
        readonly=True,
        digits=(16, 2),
        groups="base.group_user",
    )
    finance_exchange_ratio = fields.Float(
        string="Unsaleable Exchange Ratio at Finance Check (%)",
        readonly=True,
        digits=(16, 2),
        groups="base.group_user",
    )
    finance_beyond = fields.Boolean(
        string="Beyond Contract (Finance)",
        readonly=True,
        index=True,
        help="Set by the finance check: the unsaleable goods exceed the "
        "customer's exchange ratio cap or return time limit, so the general "
        "manager must approve the special case.",
        groups="base.group_user",
    )

    # ------------------------------------------------------------------
    # Signatures
    # ------------------------------------------------------------------
    review_user_id, review_date = asq_signature("Reviewed By", "Reviewed On")
    finance_user_id, finance_date = asq_signature("Checked By", "Checked On")
    business_user_id, business_date = asq_signature(
        "Business Head", "Business Approval On"
    )
    gm_user_id, gm_date = asq_signature("General Manager", "GM Approval On")
    qc_user_id, qc_date = asq_signature("QC Signed By", "QC Signed On")
    refusal_reason = fields.Text(readonly=True, tracking=True)

    # ------------------------------------------------------------------
    # Warehouse, finance documents, return note
    # ------------------------------------------------------------------
    picking_ids = fields.One2many(
        "stock.picking", "asq_return_id", string="Transfers", readonly=True
    )
    picking_count = fields.Integer(compute="_compute_documents")
    refund_ids = fields.Many2many(
        "account.move", string="Credit Notes", readonly=True, copy=False
    )
    refund_count = fields.Integer(compute="_compute_documents")
    received_date = fields.Datetime(string="Received On", readonly=True)
    # The back office's own clock: not on the portal pages, not over RPC.
    note_deadline = fields.Datetime(
        string="Return Note Due",
        compute="_compute_deadlines",
        store=True,
        help="12:00 of the working day after the warehouse booked the accepted "
        "goods into stock.",
        groups="base.group_user",
    )
    is_overdue = fields.Boolean(groups="base.group_user")
    booked_date = fields.Datetime(
        string="Booked Into Stock On",
        readonly=True,
        copy=False,
        help="When the warehouse booked the last put-away of the accepted "
        "goods: the return note is due from then.",
    )
    note_check_user_id, note_check_date = asq_signature(
        "Return Note Checked By", "Return Note Checked On"
    )
    note_sent_date = fields.Datetime(string="Return Note Sent On", readonly=True)
    qc_explanation_sent_date = fields.Datetime(
        string="QC Explanation Sent On",
        readonly=True,
        copy=False,
        help="When the written explanation of the goods QC refused was mailed "
        "to the customer.",
    )

    # ------------------------------------------------------------------
    # Who may do what (drives the buttons)
    # ------------------------------------------------------------------
    # The buttons (the engine: True exactly when the server runs the step).
    can_submit = fields.Boolean(compute="_compute_asq_can")
    can_review = fields.Boolean(compute="_compute_asq_can")
    can_finance = fields.Boolean(compute="_compute_asq_can")
    can_business = fields.Boolean(compute="_compute_asq_can")
    can_gm = fields.Boolean(compute="_compute_asq_can")
    can_create_receipt = fields.Boolean(compute="_compute_asq_can")
    can_qc_sign = fields.Boolean(compute="_compute_asq_can")
    can_check_note = fields.Boolean(compute="_compute_asq_can")
    can_reopen = fields.Boolean(compute="_compute_asq_can")
    can_refuse = fields.Boolean(
        compute="_compute_can_refuse",
        help="Whoever signs the current approval step may refuse instead.",
    )
    received_user_id = fields.Many2one(
        "res.users",
        string="Received By",
        readonly=True,
        copy=False,
        help="Who validated the return receipt.",
    )

    _sql_constraints = [
        ("name_company_uniq", "UNIQUE(name, company_id)", "Reference must be unique."),
    ]

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("line_ids.amount", "line_ids.kind")
    def _compute_amount_total(self):
        for ret in self:
            ret.amount_total = sum(ret.line_ids.mapped("amount"))
            ret.has_unsaleable = "unsaleable" in ret.line_ids.mapped("kind")

    @api.depends(
        "line_ids.amount",
        "line_ids.kind",
        "line_ids.delivery_date",
        "partner_id",
        "state",
        "company_id",
    )
    def _compute_finance_figures(self):
        """The customer's figures over the contract period of the request's
        company (``res.partner._asq_return_ratio``), one grouped read per
        company of the batch; the cap and time limit the partner has in
        that company. 001, second procedure: finance checks 「所調換貨占總
        進貨的比例」 against 「不適銷產品的調換比例」 and the time limit: the
        cap governs the unsaleable exchange ratio, what open requests still
        ask for included (this one too); the total return ratio (quality
        returns included) is shown beside it. The company's own quality
        defects never put a customer beyond the contract."""
        figures = {}
        for company in self.company_id:
            rets = self.filtered(lambda r, c=company: r.company_id == c)
            partners = rets.partner_id.commercial_partner_id.sudo()
            for partner_id, values in partners._asq_return_ratio(company).items():
                figures[company.id, partner_id] = values
        now = fields.Datetime.now()
        for ret in self:
            partner = ret.partner_id.commercial_partner_id.with_company(ret.company_id)
            values = figures.get((ret.company_id.id, partner.id))
            delivered = values.delivered if values else 0.0
            returned = values.returned + values.committed if values else 0.0
            exchanged = values.exchanged + values.committed_exchange if values else 0.0
            unsaleable = ret.line_ids.filtered(lambda x: x.kind == "unsaleable")
            if ret.state == "draft":
                # not yet among the open requests the figures count
                returned += ret.amount_total
                exchanged += sum(unsaleable.mapped("amount"))
            ret.live_delivered_amount = delivered
            ret.live_returned_amount = returned
            ret.live_exchange_amount = exchanged
            share = 100.0 / delivered if delivered else 0.0
            ret.live_ratio = returned * share
            ret.live_exchange_ratio = exchanged * share
            ret.ratio_cap = partner.asq_effective_exchange_ratio_cap
            ret.return_days_limit = partner.asq_effective_return_days
            ret.max_days = max(
                [(now - d).days for d in ret.line_ids.mapped("delivery_date") if d]
                or [0]
            )
            days = max(
                [(now - d).days for d in unsaleable.mapped("delivery_date") if d] or [0]
            )
            ret.live_beyond = bool(unsaleable) and (
                float_compare(ret.live_exchange_ratio, ret.ratio_cap, 2) > 0
                or days > ret.return_days_limit
            )
            ret.live_verdict_note = ret._asq_verdict_note(bool(unsaleable), days)

    def _asq_verdict_note(self, has_unsaleable, unsaleable_days):
        """Why the verdict holds when a figure shown in red is above its
        cap: a verdict never contradicts the figures without a sentence."""
        self.ensure_one()
        ratio_over = float_compare(self.live_ratio, self.ratio_cap, 2) > 0
        exchange_over = float_compare(self.live_exchange_ratio, self.ratio_cap, 2) > 0
        days_over = self.max_days > self.return_days_limit
        if self.live_beyond or not (ratio_over or exchange_over or days_over):
            return False
        if not has_unsaleable:
            return self.env._(
                "Within the contract: this request has no unsaleable goods, and "
                "the exchange ratio cap and the return time limit govern "
                "unsaleable exchanges only (quality returns are the company's "
                "own defects)."
            )
        notes = []
        if ratio_over:
            notes.append(
                self.env._(
                    "the total return ratio %(ratio).2f %% is above the cap "
                    "%(cap).2f %% because of quality returns, but the cap governs "
                    "the unsaleable exchange ratio, %(exchange).2f %%",
                    ratio=self.live_ratio,
                    cap=self.ratio_cap,
                    exchange=self.live_exchange_ratio,
                )
            )
        if days_over:
            notes.append(
                self.env._(
                    "the oldest delivery beyond the %(limit)s days is on quality "
                    "return lines only; the unsaleable goods are %(days)s days old",
                    limit=self.return_days_limit,
                    days=unsaleable_days,
                )
            )
        return self.env._("Within the contract: %(why)s.", why="; ".join(notes))

    def _compute_documents(self):
        for ret in self:
            ret.picking_count = len(ret.picking_ids)
            ret.refund_count = len(ret.refund_ids)

    def _asq_deadline_plan(self):
        # 《退貨單》 「倉庫開具退貨入庫單后……《退貨單》統計完畢后,營銷文員負責
        # 及時審核《退貨單》並予第二天上午12:00前把《退貨單》傳真給各客戶」
        # (procedure 001, 4.2.8-4.2.9): by 12:00 of the next working day
        # after the warehouse booked the goods into stock, company time.
        return [
            (ret, "note_deadline", ret.booked_date, 1, NEXT_WORKING_NOON)
            for ret in self
            if ret.booked_date
        ]

    @api.model
    def _asq_overdue_domain(self):
        """(asq.deadline.mixin) Overdue until the return note is sent."""
        return [("note_sent_date", "=", False)]

    @api.depends("state")
    @api.depends_context("uid")
    def _compute_can_refuse(self):
        for ret in self:
            ret.can_refuse = any(ret[f"can_{step}"] for step in STEP_OF_STATE.values())

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    def write(self, vals):
        if self._asq_caller_write(vals):
            self._ensure_submitted_content(vals)
            self._asq_ensure_editable(vals)
            if self._lines_unchanged(vals.get("line_ids")):
                # (setting the lines to those the request has changes nothing:
                # not a write of each line's request, which the lines refuse
                # once submitted)
                vals = {k: v for k, v in vals.items() if k != "line_ids"}
        return super().write(vals)

    def _lines_unchanged(self, commands):
        """Whether ``commands`` set the request's lines to those it has."""
        return (
            len(self) == 1
            and bool(commands)
            and all(
                isinstance(command, list | tuple)
                and len(command) == 3
                and command[0] == Command.SET
                and set(command[2]) == set(self.line_ids.ids)
                for command in commands
            )
        )

    def _ensure_submitted_content(self, vals):
        """The request's own words for what a submitted request refuses
        (the table, EDITABLE; outside it, everything but the attachment).
        Done and refused requests are closed (_asq_ensure_editable)."""
        submitted = self.filtered(
            lambda r: r.state != "draft" and r.state not in self._asq_closed_states
        )
        for fname in set(vals) - CLOSED_WRITABLE:
            rule = EDITABLE.get(fname)
            locked = submitted.filtered(
                lambda r, rule=rule: not rule or r.state not in rule.states
            )
            if not locked:
                continue
            if fname in TRANSPORT_FIELDS:
                raise UserError(
                    self.env._(
                        "%(names)s: the freight station, waybill, arrival notice "
                        "and driver cannot be changed in this status; they are "
                        "noted once the request is approved, until its goods "
                        "are received.",
                        names=locked._asq_names(),
                    )
                )
            if fname == "line_ids":
                raise UserError(
                    self.env._(
                        "%(names)s: its lines can no longer be changed here (QC "
                        "findings are entered by a quality inspector once the "
                        "goods are received).",
                        names=locked._asq_names(),
                    )
                )
            raise UserError(
                self.env._(
                    "%(names)s is submitted: its approved content is read-only. "
                    "A quality manager may reopen it with a reason.",
                    names=locked._asq_names(),
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_submitted(self):
        if self.filtered(lambda r: r.state != "draft"):
            raise UserError(self.env._("Only draft return requests can be deleted."))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_submit(self):
        """Button "Submit": the detail form goes to the after-sales section."""
        rets = self._asq_begin("submit")
        for ret in rets:
            ret._ensure_lines()
        rets._lock_and_check_quantities()
        rets._asq_finish("submit")
        rets._log_approval("submit", "submitted", "")
        return True

    def action_open_sign(self):
        """Buttons "Review", "Finance Check", "Approve", "Approve Special
        Case", "Refuse": open the signing dialog of the current step."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Sign %(name)s", name=self.name),
            "res_model": "asq.return.sign",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_return_id": self.id,
                "default_opened_state": self.state,
                "default_refuse": bool(self.env.context.get("asq_refuse")),
            },
        }

    def action_sign(self, comment="", approve=True, expected_state=None):
        """Sign the current approval step (approve or refuse) with a comment.

        ``expected_state`` is the status the signer saw when opening the
        dialog: a second click or a second signer arriving after the step was
        done is refused instead of signing the next step."""
        self.ensure_one()
        step = STEP_OF_STATE.get(expected_state or self.state)
        if not step:
            raise AsqStateError(
                self.env._(
                    "%(name)s waits for no approval. Reload the page: someone may "
                    "have done it already.",
                    name=self.name,
                )
            )
        ret = self._asq_begin(step)
        if not approve:
            return ret._refuse(step, comment)
        vals = {}
        if step == "finance":
            vals = {
                "finance_ratio": ret.live_ratio,
                "finance_exchange_ratio": ret.live_exchange_ratio,
                "finance_beyond": ret.live_beyond,
            }
            comment = self.env._(
                "Unsaleable exchange ratio %(exchange).2f %% (cap %(cap).2f %%), "
                "total return ratio %(ratio).2f %%, oldest delivery %(days)s days "
                "(limit %(limit)s): %(verdict)s. %(why)s %(comment)s",
                exchange=ret.live_exchange_ratio,
                ratio=ret.live_ratio,
                cap=ret.ratio_cap,
                days=ret.max_days,
                limit=ret.return_days_limit,
                verdict=self.env._("beyond the contract")
                if ret.live_beyond
                else self.env._("within the contract"),
                why=ret.live_verdict_note or "",
                comment=comment or "",
            )
        elif step == "business":
            vals = {"state": "gm" if ret.finance_beyond else "approved"}
        elif step == "gm" and not (comment or "").strip():
            raise UserError(
                self.env._(
                    "Give the reason of the special case before approving "
                    "%(name)s beyond the contract.",
                    name=ret.name,
                )
            )
        ret._asq_finish(step, vals)
        ret._log_approval(step, "approved", comment)
        return True

    def action_create_receipt(self):
        """Button "Create Receipt": the return receipt into the QC location,
        made by Odoo's return wizard from each original delivery."""
        rets = self._asq_begin("create_receipt")
        rets._lock_and_check_quantities()
        for ret in rets:
            ret.sudo()._create_receipts()
        return True

    def _asq_why_no_receipt(self):
        if self.picking_ids.filtered(
            lambda p: p.asq_return_role == "receipt" and p.state != "cancel"
        ):
            return self.env._(
                "%(name)s already has its receipt. Reload the page: someone "
                "may have done it already.",
                name=self.name,
            )
        return ""

    def action_print_transport(self):
        """Button "Transport Order": the driver collects only against it."""
        self._ensure_approved_for_transport()
        return self.env.ref(
            "after_sales_quality.asq_return_report_transport"
        ).report_action(self)

    def action_qc_sign(self):
        """Button "Sign QC": every line is inspected; book the dispositions."""
        rets = self._asq_begin("qc_sign")
        for ret in rets:
            ret._ensure_qc_complete()
        now = fields.Datetime.now()
        for ret in rets:
            lines = ret.line_ids._asq_received()
            lines.with_context(**asq_step(WORKFLOW_KEY)).sudo().write(
                {"qc_user_id": self.env.uid, "qc_date": now}
            )
            ret._asq_finish("qc_sign", {"qc_date": now})
            ret._log_approval("qc", "approved", ret._qc_summary())
            ret.sudo()._propose_capa()
            ret.sudo()._create_putaways()
            # 003 《返工通知单》: the goods QC sends to rework go to production
            # on a rework notice; the request waits for them back in stock.
            self.env["asq.rework.notice"]._asq_issue_for(ret.sudo())
            ret.sudo()._create_replacements()
            ret.sudo()._create_refunds()
            ret.sudo()._asq_send_qc_explanation()
            ret._check_done()
        return True

    def _asq_qc_refused_lines(self):
        """The received lines QC refused, with their written explanation."""
        return self.line_ids._asq_received().filtered(
            lambda line: line.qc_result == "reject" and line.qc_date
        )

    def _asq_send_qc_explanation(self):
        """001, 4.2.6: 「如屬客戶損壞而影響產品質量的,質管部有權不予確認簽字並做
        詳細的書面說明,以便售后服務科反饋客戶,做為不予調退貨的依據」 — QC's
        written explanation of the goods it refused goes to the customer in
        writing: mailed (queued) on QC's sign-off in the name of the
        request's after-sales responsible, logged in the chatter and shown
        on the portal page (_asq_portal_qc_refusals)."""
        self.ensure_one()
        if not self._asq_qc_refused_lines() or self.qc_explanation_sent_date:
            return
        template = self.env.ref("after_sales_quality.asq_return_mail_qc_refusal")
        template.send_mail(self.id, force_send=False)
        self._workflow_write({"qc_explanation_sent_date": fields.Datetime.now()})
        self.message_post(
            body=self.env._(
                "QC's written explanation of the refused goods mailed to the "
                "customer: %(explanation)s",
                explanation=self._asq_qc_explanation_text(),
            )
        )

    def _asq_qc_explanation_text(self):
        return "; ".join(
            f"{line.product_id.display_name} {line.lot_id.name or ''}: "
            f"{line.qc_note or ''}"
            for line in self.sudo()._asq_qc_refused_lines()
        )

    def _asq_portal_qc_refusals(self):
        """For the portal page: the goods QC refused and why, once QC signed."""
        self.ensure_one()
        return [
            {
                "product": line.product_id.display_name,
                "lot": line.lot_id.name or "",
                "quantity": line.received_qty,
                "uom": line.product_uom_id.name,
                "explanation": line.qc_note or "",
            }
            for line in self.sudo()._asq_qc_refused_lines()
        ]

    def action_reopen(self):
        """Button "Reopen": a quality manager sends the request back to draft."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reopen %(name)s", name=self.name),
            "res_model": "asq.return.sign",
            "view_mode": "form",
            "target": "new",
            "context": {"default_return_id": self.id, "default_reopen": True},
        }

    def _reopen(self, reason):
        rets = self._asq_begin("reopen")
        if not (reason or "").strip():
            raise UserError(self.env._("Give the reason for reopening."))
        done = rets.picking_ids.filtered(lambda p: p.state == "done")
        if done:
            raise UserError(
                self.env._(
                    "%(pickings)s is already booked: the request cannot be reopened.",
                    pickings=", ".join(done.mapped("name")),
                )
            )
        rets.picking_ids.sudo().action_cancel()
        rets._asq_finish("reopen", dict.fromkeys(SIGNATURE_FIELDS, False))
        rets._log_approval("reopen", "reopened", reason)
        return True

    def action_view_pickings(self):
        """Smart button "Transfers"."""
        self.ensure_one()
        return self._asq_list_action(
            "stock.action_picking_tree_all",
            [("id", "in", self.picking_ids.ids)],
            {"create": False},
        )

    def action_view_refunds(self):
        """Smart button "Credit Notes"."""
        self.ensure_one()
        return self._asq_list_action(
            "account.action_move_out_refund_type",
            [("id", "in", self.refund_ids.ids)],
            {"create": False},
        )

    # ------------------------------------------------------------------
    # Integration: complaints build requests through this
    # ------------------------------------------------------------------
    @api.model
    def _asq_create_from_complaint(self, complaint):
        """Create the draft request a complaint's return or exchange
        disposition asks for: its affected goods as quality returns (refund
        for a return, like for like for an exchange), requested by the
        complaint's owner."""
        resolution = "refund" if complaint.disposition == "return" else "exchange"
        reason = complaint.root_cause or complaint.description or complaint.name
        request = self.create(
            {
                "partner_id": complaint.commercial_partner_id.id,
                "company_id": complaint.company_id.id,
                "complaint_id": complaint.id,
                "line_ids": [
                    Command.create(
                        {
                            "delivered_line_id": line.delivered_line_id.id,
                            "quantity": line.quantity,
                            "kind": "quality",
                            "resolution": resolution,
                            "reason": reason,
                        }
                    )
                    for line in complaint.line_ids
                ],
            }
        )
        request.user_id = complaint.user_id
        return request

    # ------------------------------------------------------------------
    # Scheduled job: the return note (《退货单》)
    # ------------------------------------------------------------------
    @api.model
    def _cron_send_return_notes(self, batch_size=200):
        """Mail the return note of every request whose note a sales clerk
        checked but that is not yet told (the check sends it at once,
        action_check_note; this catches what was left), oldest deadline
        first; log when it went. Each request in its own savepoint: one that
        fails is skipped (tried again next run) and the quality managers
        are told; the others are sent."""
        rets = self.search(
            [
                ("note_check_date", "!=", False),
                ("note_sent_date", "=", False),
                ("state", "=", "done"),
            ],
            order="note_deadline, id",
            limit=batch_size,
        )
        job = "after_sales_quality.asq_return_cron_note"
        template = self.env.ref("after_sales_quality.asq_return_mail_note")
        Guard = self.env["asq.cron.guard"]
        done, failures = Guard._asq_run_each(
            job, rets, lambda ret: ret._asq_send_return_note(template)
        )
        Guard._asq_report_failures(job, failures)
        # A full batch may hide more; a batch that only failed would loop.
        if len(rets) == batch_size and done:
            self.env.ref(job)._trigger()
        return len(done)

    def action_check_note(self):
        """Button "Check Return Note": a sales clerk checks the note of the
        goods booked into stock, and it goes to the customer. 001, 4.2.9:
        「營銷文員負責及時審核《退貨單》並予第二天上午12:00前把《退貨單》傳真給
        各客戶」 — the clerk who checks the note is the one who sends it, by
        the deadline: sent on the check (queued at once, not at the next
        hourly run of the job, which could fall after 12:00)."""
        rets = self._asq_begin("check_note")
        template = self.env.ref("after_sales_quality.asq_return_mail_note")
        for ret in rets:
            ret._asq_finish("check_note")
            ret.sudo()._asq_send_return_note(template)
        return True

    def _asq_signer_check_note(self):
        """The notes of the goods booked into stock not checked yet."""
        return [("booked_date", "!=", False), ("note_check_date", "=", False)]

    def _asq_why_no_note_check(self):
        if not self.booked_date:
            return self.env._(
                "%(name)s has no goods booked into stock: there is no return "
                "note to check (rejected goods go back to the customer).",
                name=self.name,
            )
        if self.note_check_date:
            return self.env._(
                "The return note of %(name)s is already checked. Reload the "
                "page: someone may have done it already.",
                name=self.name,
            )
        return ""

    def _asq_note_lines(self):
        """The lines the return note lists: the goods QC accepted, booked
        into stock (「退貨入庫單」), with their quantity and amount; goods
        QC rejected go back to the customer and are not on it."""
        return self.line_ids._asq_received().filtered(
            lambda line: line.qc_result == "accept"
        )

    def _asq_send_return_note(self, template):
        self.ensure_one()
        if asq_lock_rows(self, wait=True).note_sent_date:
            return
        template.send_mail(self.id, force_send=False)
        self._workflow_write({"note_sent_date": fields.Datetime.now()})
        # (the job writes it for the request's salesperson: in their language)
        self.message_post(
            body=self.with_context(lang=self.user_id.lang or self.env.lang).env._(
                "Return note mailed to the customer (due %(deadline)s).",
                deadline=fields.Datetime.to_string(self.note_deadline),
            )
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _step_label(self, step):
        """The name of an approval record's step (``qc`` is the QC step)."""
        return self._asq_label({"qc": "qc_sign"}.get(step, step))

    def _workflow_write(self, vals):
        # The role was checked by _asq_begin: finance and the warehouse
        # sign without editing rights on the request.
        return self.sudo().with_context(**asq_step(WORKFLOW_KEY)).write(vals)

    def _ensure_lines(self):
        if not self.line_ids:
            raise UserError(
                self.env._("Add at least one line to %(name)s.", name=self.name)
            )
        wrong = self.line_ids.filtered(
            lambda x: x.delivered_line_id.partner_id
            != self.partner_id.commercial_partner_id
        )
        if wrong:
            raise UserError(
                self.env._(
                    "%(products)s was not delivered to %(customer)s.",
                    products=", ".join(wrong.mapped("product_id.display_name")),
                    customer=self.partner_id.display_name,
                )
            )

    def _lock_and_check_quantities(self):
        """Lock the delivered moves, then check that done returns plus every
        open request never exceed what was delivered, per move and lot."""
        moves = self.line_ids.move_id
        if not moves:
            return
        # FOR UPDATE serialises concurrent requests on the same moves; the
        # no-op update makes a concurrent transaction that waited on the lock
        # fail with a serialisation error (and be retried) instead of checking
        # against a stale snapshot under REPEATABLE READ.
        asq_lock_rows(moves, wait=True)
        self.env.cr.execute(
            "UPDATE stock_move SET write_date = write_date WHERE id IN %s",
            [tuple(moves.ids)],
        )
        # Done returns plus what every open request (these included) still
        # asks for beyond its own receipts, per move and lot.
        moves.sudo()._asq_ensure_returnable(self.ids)

    def _asq_ensure_received_as_requested(self):
        """A return receipt never takes back more of a move and lot than the
        request asks for."""
        for ret in self.sudo():
            requested = {}
            for line in ret.line_ids:
                key = (line.move_id, line.lot_id)
                requested[key] = requested.get(key, 0.0) + line.quantity
            for (move, lot), qty in ret._asq_received_by_move_lot().items():
                if (
                    float_compare(
                        qty,
                        requested.get((move, lot), 0.0),
                        precision_rounding=move.product_uom.rounding,
                    )
                    > 0
                ):
                    raise UserError(
                        self.env._(
                            "%(name)s asks for %(requested)s of %(product)s lot "
                            "%(lot)s: its receipts cannot take back %(received)s.",
                            name=ret.name,
                            requested=requested.get((move, lot), 0.0),
                            product=move.product_id.display_name,
                            lot=lot.name or "-",
                            received=qty,
                        )
                    )

    def _log_approval(self, step, result, comment):
        self.env["asq.return.approval"].sudo().create(
            [
                {
                    "return_id": ret.id,
                    "step": step,
                    "result": result,
                    "comment": comment or False,
                    "user_id": self.env.uid,
                }
                for ret in self
            ]
        )
        for ret in self:
            ret.sudo(False).message_post(
                body=self.env._(
                    "%(step)s: %(result)s. %(comment)s",
                    step=dict(
                        self.env["asq.return.approval"]
                        ._fields["step"]
                        ._description_selection(self.env)
                    )[step],
                    result=dict(
                        self.env["asq.return.approval"]
                        ._fields["result"]
                        ._description_selection(self.env)
                    )[result],
                    comment=comment or "",
                )
            )

    def _refuse(self, step, reason):
        if not (reason or "").strip():
            raise UserError(
                self.env._(
                    "Give the reason for refusing %(name)s: the customer is told.",
                    name=self.name,
                )
            )
        self.picking_ids.filtered(lambda p: p.state != "done").sudo().action_cancel()
        self._asq_finish(step, {"state": "refused", "refusal_reason": reason})
        self._log_approval(step, "refused", reason)
        template = self.env.ref("after_sales_quality.asq_return_mail_refused")
        for ret in self:
            template.sudo().send_mail(ret.id, force_send=False)
        return True

    def _ensure_approved_for_transport(self):
        early = self.filtered(
            lambda r: r.state not in ("approved", "received", "inspected", "done")
        )
        if early:
            raise UserError(
                self.env._(
                    "The transport order of %(names)s exists only once the request "
                    "is approved.",
                    names=early._asq_names(),
                )
            )

    def _missing_signatures(self, role):
        """What still has to be signed before a transfer of ``role`` is
        booked (an empty list: nothing)."""
        self.ensure_one()
        missing = []
        if role == "receipt":
            if not self.review_user_id:
                missing.append(self.env._("after-sales review"))
            if not self.finance_user_id:
                missing.append(self.env._("finance check"))
            if not self.business_user_id:
                missing.append(self.env._("business head approval"))
            if self.finance_beyond and not self.gm_user_id:
                missing.append(self.env._("general manager approval"))
            if not missing and self.state != "approved":
                missing.append(self.env._("an approved request"))
        elif not self.qc_user_id:
            missing.append(self.env._("QC inspection"))
        return missing

    def _qc_location(self, warehouse, kind="qc"):
        """The warehouse's return QC (or rework) location, made on demand."""
        Location = self.env["stock.location"].sudo()
        location = Location.search(
            [
                ("asq_return_usage", "=", kind),
                ("warehouse_id", "=", warehouse.id),
            ],
            limit=1,
        )
        if not location:
            location = Location.create(
                {
                    "name": "Return QC" if kind == "qc" else "Rework",
                    "usage": "internal",
                    "location_id": warehouse.view_location_id.id,
                    "company_id": warehouse.company_id.id,
                    "asq_return_usage": kind,
                }
            )
        return location

    def _create_receipts(self):
        self.ensure_one()
        Picking = self.env["stock.picking"]
        for delivery in self.line_ids.picking_id:
            lines = self.line_ids.filtered(lambda x, d=delivery: x.picking_id == d)
            warehouse = delivery.picking_type_id.warehouse_id
            qc_location = self._qc_location(warehouse)
            # The warehouse's own "Customer Returns" operation type, apart
            # from the purchase receipts (made if the warehouse has none).
            if not warehouse.asq_return_type_id:
                warehouse._asq_create_return_types()
            carried = {
                "asq_return_location_dest_id": AsqMark(qc_location.id),
                "asq_return_picking_type_id": AsqMark(warehouse.asq_return_type_id.id),
            }
            wizard = (
                self.env["stock.return.picking"]
                .with_context(
                    active_id=delivery.id, active_model="stock.picking", **carried
                )
                .create({})
            )
            for wiz_line in wizard.product_return_moves:
                wiz_line.quantity = sum(
                    lines.filtered(lambda x, m=wiz_line.move_id: x.move_id == m).mapped(
                        "quantity"
                    )
                )
            receipt = wizard.with_context(**carried)._create_return()
            receipt.write(
                {
                    "asq_return_id": self.id,
                    "asq_return_role": "receipt",
                    "origin": self.name,
                }
            )
            for move in receipt.move_ids:
                self._set_lots(
                    move,
                    lines.filtered(
                        lambda x, m=move: x.move_id == m.origin_returned_move_id
                    ),
                )
            Picking |= receipt
        self.message_post(
            body=self.env._(
                "Return receipt %(names)s created into the QC location.",
                names=", ".join(Picking.mapped("name")),
            )
        )
        return Picking

    @api.model
    def _set_lots(self, move, lines, quantity_field="quantity"):
        """Book exactly the lots of the request lines on ``move``, each line
        for its ``quantity_field`` (requested or received)."""
        move.move_line_ids.unlink()
        self.env["stock.move.line"].create(
            [
                {
                    **move._prepare_move_line_vals(quantity=line[quantity_field]),
                    "lot_id": line.lot_id.id,
                }
                for line in lines
            ]
        )

    def _on_receipt_done(self):
        """A receipt is booked or cancelled: the lines record what came back.
        Once no receipt is pending, the goods wait in QC and the return note
        is due; less than approved (a receipt validated without backorder,
        a receipt cancelled) is told in the chatter. Receipts all cancelled
        change nothing: the request waits for a new receipt."""
        rets = self.filtered(lambda r: r.state == "approved")
        rets._asq_write_received_qty()
        for ret in rets:
            receipts = ret.picking_ids.filtered(
                lambda p: p.asq_return_role == "receipt" and p.state != "cancel"
            )
            if receipts and all(p.state == "done" for p in receipts):
                if not ret.line_ids._asq_received():
                    # Odoo books no receipt without a quantity: kept as a guard.
                    ret.message_post(
                        body=self.env._(
                            "The receipts of %(name)s are done but brought nothing "
                            "back: the request stays approved.",
                            name=ret.name,
                        )
                    )
                    continue
                # The inspectors' to-do comes with the step (qc_sign).
                ret._asq_finish("receive")
                ret._asq_post_shortfall()

    def _asq_received_by_move_lot(self):
        """What the done receipts of ``self`` brought back, per delivered
        move and lot (``asq_received_by_receipt``)."""
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT move_id, lot_id, qty FROM (%s) r",
                asq_received_by_receipt(SQL("AND sp.asq_return_id = %s", self.id)),
            )
        )
        Move, Lot = self.env["stock.move"], self.env["stock.lot"]
        received = defaultdict(float)
        for move_id, lot_id, qty in self.env.cr.fetchall():
            received[(Move.browse(move_id), Lot.browse(lot_id))] += float(qty)
        return received

    def _asq_received_quantities(self):
        """Per request line, what the done receipts brought back: the done
        receipt move lines matched to the request lines by delivered move and
        lot; lines sharing a move and lot are served in line order."""
        quantities = {}
        for ret in self:
            received = ret._asq_received_by_move_lot()
            for line in ret.line_ids:
                key = (line.move_id, line.lot_id)
                qty = float_round(
                    max(min(line.quantity, received[key]), 0.0),
                    precision_rounding=line.product_id.uom_id.rounding or 0.01,
                )
                received[key] -= qty
                quantities[line] = qty
        return quantities

    def _asq_write_received_qty(self):
        """Write what came back on the lines: one write per quantity."""
        by_qty = defaultdict(lambda: self.env["asq.return.line"])
        for line, qty in self._asq_received_quantities().items():
            if float_compare(
                line.received_qty,
                qty,
                precision_rounding=line.product_id.uom_id.rounding or 0.01,
            ):
                by_qty[qty] |= line
        for qty, lines in by_qty.items():
            lines.with_context(**asq_step(WORKFLOW_KEY)).sudo().write(
                {"received_qty": qty}
            )

    def _asq_post_shortfall(self):
        """Tell in the chatter each line received short of its approval."""
        self.ensure_one()
        short = self.line_ids.filtered(
            lambda x: float_compare(
                x.received_qty,
                x.quantity,
                precision_rounding=x.product_id.uom_id.rounding or 0.01,
            )
            < 0
        )
        if not short:
            return
        items = Markup().join(
            Markup("<li>%s</li>")
            % self.env._(
                "%(product)s, lot %(lot)s: %(approved)s %(uom)s approved, "
                "%(received)s %(uom)s received",
                product=line.product_id.display_name,
                lot=line.lot_id.name or "-",
                approved=line.quantity,
                received=line.received_qty,
                uom=line.product_id.uom_id.name,
            )
            for line in short
        )
        self.message_post(
            body=Markup("<p>%s</p><ul>%s</ul>")
            % (
                self.env._(
                    "Less came back than approved: QC, put-away, replacement "
                    "and credit note follow the received quantities."
                ),
                items,
            )
        )

    def _ensure_qc_complete(self):
        missing = []
        received = self.line_ids._asq_received()
        if not received:
            raise UserError(
                self.env._(
                    "Nothing of %(name)s was received: there is nothing to inspect.",
                    name=self.name,
                )
            )
        for line in received:
            label = line.product_id.display_name
            if not line.qc_result:
                missing.append(self.env._("%(line)s: accept or reject", line=label))
            elif line.qc_result == "reject" and not (line.qc_note or "").strip():
                missing.append(
                    self.env._("%(line)s: the written explanation", line=label)
                )
            elif line.qc_result == "accept" and not line.qc_disposition:
                missing.append(self.env._("%(line)s: the disposition", line=label))
            if (
                line.qc_result == "accept"
                and line.kind == "quality"
                and line.qc_company_fault
                and not (line.qc_department_id or line.qc_responsibility)
            ):
                missing.append(
                    self.env._("%(line)s: the responsible department", line=label)
                )
        if missing:
            raise UserError(
                self.env._(
                    "The QC inspection of %(name)s is incomplete: %(missing)s.",
                    name=self.name,
                    missing="; ".join(missing),
                )
            )

    def _qc_summary(self):
        results = dict(
            self.env["asq.return.line"]
            ._fields["qc_result"]
            ._description_selection(self.env)
        )
        received = self.line_ids._asq_received()
        return "; ".join(
            f"{line.product_id.display_name} {line.lot_id.name or ''}: "
            + (
                f"{results[line.qc_result]}"
                f"{' - ' + line.qc_note if line.qc_note else ''}"
                if line in received
                else self.env._("not received")
            )
            for line in self.line_ids
        )

    def _propose_capa(self):
        for line in self.line_ids._asq_received().filtered(
            lambda x: x.kind == "quality"
            and x.qc_result == "accept"
            and x.qc_company_fault
        ):
            capa = self.env["asq.capa"]._asq_propose(
                "return_qc",
                f"{self.name}/{line.id}",
                self.env._(
                    "Returned %(product)s lot %(lot)s (%(qty)s): %(reason)s. QC "
                    "confirms a company fault: %(note)s",
                    product=line.product_id.display_name,
                    lot=line.lot_id.name or "-",
                    qty=line.received_qty,
                    reason=line.reason,
                    note=line.qc_note or line.qc_responsibility or "",
                ),
                partner_ids=self.partner_id.commercial_partner_id,
                product_ids=line.product_id,
                lot_ids=line.lot_id,
                company_id=self.company_id.id,
                department_id=line.qc_department_id.id,
            )
            line.with_context(**asq_step(WORKFLOW_KEY)).write({"capa_id": capa.id})

    def _putaway_destination(self, line, warehouse):
        if line.qc_result == "reject":
            return self.partner_id.property_stock_customer, warehouse.out_type_id
        if line.qc_disposition == "scrap":
            scrap = self.env["stock.location"].search(
                [
                    ("scrap_location", "=", True),
                    ("company_id", "in", (self.company_id.id, False)),
                ],
                limit=1,
            )
            return scrap, warehouse.int_type_id
        if line.qc_disposition == "rework":
            return self._qc_location(warehouse, "rework"), warehouse.int_type_id
        return warehouse.lot_stock_id, warehouse.int_type_id

    def _create_putaways(self):
        """From the QC location to stock, rework or scrap per disposition;
        rejected goods go back to the customer."""
        receipts = self.picking_ids.filtered(
            lambda p: p.asq_return_role == "receipt" and p.state == "done"
        )
        groups = {}
        for line in self.line_ids._asq_received():
            move = receipts.move_ids.filtered(
                lambda m, x=line: m.origin_returned_move_id == x.move_id
                and m.state == "done"
            )[:1]
            warehouse = move.picking_type_id.warehouse_id
            dest, ptype = self._putaway_destination(line, warehouse)
            groups.setdefault((dest, ptype, move.location_dest_id), []).append(line)
        for (dest, ptype, source), lines in groups.items():
            role = "reject" if dest.usage == "customer" else "putaway"
            # One move per product (lines sharing a lot would be merged):
            # its move lines book each request line's lot.
            by_product = defaultdict(lambda: self.env["asq.return.line"])
            for line in lines:
                by_product[line.product_id] |= line
            picking = self.env["stock.picking"].create(
                {
                    "picking_type_id": ptype.id,
                    "location_id": source.id,
                    "location_dest_id": dest.id,
                    "partner_id": self.partner_id.id,
                    "origin": self.name,
                    "asq_return_id": self.id,
                    "asq_return_role": role,
                    "move_ids": [
                        Command.create(
                            {
                                "name": product.display_name,
                                "product_id": product.id,
                                "product_uom_qty": sum(
                                    product_lines.mapped("received_qty")
                                ),
                                "product_uom": product.uom_id.id,
                                "location_id": source.id,
                                "location_dest_id": dest.id,
                            }
                        )
                        for product, product_lines in by_product.items()
                    ],
                }
            )
            picking.action_confirm()
            for move in picking.move_ids:
                self._set_lots(move, by_product[move.product_id], "received_qty")

    def _create_replacements(self):
        """Like for like: one outgoing delivery for the accepted exchanges,
        as much as came back."""
        lines = self.line_ids._asq_received().filtered(
            lambda x: x.qc_result == "accept" and x.resolution == "exchange"
        )
        if not lines:
            return
        warehouse = lines[0].move_id.picking_type_id.warehouse_id
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": warehouse.out_type_id.id,
                "location_id": warehouse.lot_stock_id.id,
                "location_dest_id": self.partner_id.property_stock_customer.id,
                "partner_id": lines[0].move_id.picking_id.partner_id.id
                or self.partner_id.id,
                "origin": self.name,
                "asq_return_id": self.id,
                "asq_return_role": "replacement",
                "move_ids": [
                    Command.create(
                        {
                            "name": line.product_id.display_name,
                            "product_id": line.product_id.id,
                            "product_uom_qty": line.received_qty,
                            "product_uom": line.product_id.uom_id.id,
                            "location_id": warehouse.lot_stock_id.id,
                            "location_dest_id": (
                                self.partner_id.property_stock_customer.id
                            ),
                        }
                    )
                    for line in lines
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        lines.with_context(**asq_step(WORKFLOW_KEY)).write(
            {"replacement_picking_id": picking.id}
        )

    def _create_refunds(self):
        """Draft credit notes for the accepted quality returns to refund, for
        what came back: a reversal of the customer invoice when there is one,
        otherwise a credit note at the sale line's price and taxes (in the
        sale line's unit)."""
        lines = self.line_ids._asq_received().filtered(
            lambda x: x.qc_result == "accept" and x.resolution == "refund"
        )
        if not lines:
            return
        refunds = self.env["account.move"]
        invoiced = lines.filtered(lambda x: x._posted_invoice())
        for invoice in invoiced.mapped(lambda x: x._posted_invoice()):
            mine = invoiced.filtered(lambda x, i=invoice: x._posted_invoice() == i)
            reversal = (
                self.env["account.move.reversal"]
                .with_context(active_model="account.move", active_ids=invoice.ids)
                .create(
                    {
                        "reason": self.env._("Return %(name)s", name=self.name),
                        "journal_id": invoice.journal_id.id,
                    }
                )
            )
            action = reversal.refund_moves()
            refund = self.env["account.move"].browse(action["res_id"])
            # Two lots of one sale line share its invoice line.
            quantities = defaultdict(float)
            for line in mine:
                aml = refund.invoice_line_ids.filtered(
                    lambda a, x=line: x.sale_line_id in a.sale_line_ids
                )[:1]
                quantities[aml] += line._asq_received_in(aml.product_uom_id)
            keep = self.env["account.move.line"]
            for aml, qty in quantities.items():
                aml.quantity = qty
                keep |= aml
            (refund.invoice_line_ids - keep).unlink()
            refunds |= refund
        others = lines - invoiced
        if others:
            refunds |= self.env["account.move"].create(
                {
                    "move_type": "out_refund",
                    "partner_id": self.partner_id.id,
                    "company_id": self.company_id.id,
                    "invoice_origin": self.name,
                    "ref": self.env._("Return %(name)s", name=self.name),
                    "currency_id": (
                        others[0].sale_line_id.currency_id
                        or self.company_id.currency_id
                    ).id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": line.product_id.id,
                                "product_uom_id": (
                                    line.sale_line_id.product_uom
                                    or line.product_id.uom_id
                                ).id,
                                "quantity": line._asq_received_in(
                                    line.sale_line_id.product_uom
                                ),
                                "price_unit": line.sale_line_id.price_unit
                                or line.price_unit,
                                "discount": line.sale_line_id.discount,
                                "tax_ids": [Command.set(line.sale_line_id.tax_id.ids)],
                                "sale_line_ids": [Command.set(line.sale_line_id.ids)],
                            }
                        )
                        for line in others
                    ],
                }
            )
        self._workflow_write({"refund_ids": [Command.link(r.id) for r in refunds]})

    def _check_done(self):
        """Every put-away booked: the request is done. When accepted goods
        were booked into stock, the return note's clock starts
        (booked_date) and the sales clerks get the check to do."""
        for ret in self.filtered(lambda r: r.state == "inspected"):
            if ret._asq_open_rework_notices():
                # 003 《返工通知单》: the request waits for its reworked goods
                # back in stock (asq.rework.notice, done: _check_done again).
                continue
            pending = ret.picking_ids.filtered(
                lambda p: p.asq_return_role in ("putaway", "reject")
                and p.state not in ("done", "cancel")
            )
            if not pending:
                vals = {"state": "done"}
                if ret._asq_note_lines():
                    vals["booked_date"] = fields.Datetime.now()
                ret._workflow_write(vals)
                ret._asq_update_todos()

    # ------------------------------------------------------------------
    # Portal
    # ------------------------------------------------------------------
    def _compute_access_url(self):
        for ret in self:
            ret.access_url = f"/my/returns/{ret.id}"

    def _portal_ensure_token(self):
        # The token is no content of the request: a submitted (read-only)
        # request gets one too.
        return super(
            AsqReturn, self.with_context(**asq_step(self._asq_workflow_key))
        )._portal_ensure_token()

    def _asq_portal_timeline(self):
        """The approval steps reached, with their date, for the portal."""
        self.ensure_one()
        results = dict(
            self.env["asq.return.approval"]
            ._fields["result"]
            ._description_selection(self.env)
        )
        timeline = [
            {
                "label": self.env._("Reopened")
                if approval.step == "reopen"
                else self._step_label(approval.step),
                "result": results[approval.result],
                "date": approval.date,
            }
            for approval in self.sudo().approval_ids
        ]
        if self.received_date:
            timeline.append(
                {
                    "label": self.env._("Goods received"),
                    "result": "",
                    "date": self.received_date,
                }
            )
        if self.booked_date:
            timeline.append(
                {
                    "label": self.env._("Goods booked into stock"),
                    "result": "",
                    "date": self.booked_date,
                }
            )
        if self.note_sent_date:
            timeline.append(
                {
                    "label": self.env._("Return note sent"),
                    "result": "",
                    "date": self.note_sent_date,
                }
            )
        return sorted(timeline, key=lambda step: step["date"])

    @api.model
    def _asq_portal_create(self, contact, lines):
        """Create and submit the return request a portal customer filed (call
        it with sudo, after the controller checked the user). ``lines`` are
        dicts: delivered_line_id (a record), quantity, kind, resolution,
        reason. The back office rules apply: goods delivered to this customer,
        a reason on every line, no more than what is still at the customer."""
        customer = contact.commercial_partner_id
        if not lines:
            raise UserError(self.env._("Choose at least one delivered item."))
        for line in lines:
            delivered = line["delivered_line_id"]
            if delivered.partner_id != customer:
                raise UserError(
                    self.env._(
                        "%(product)s was not delivered to %(customer)s.",
                        product=delivered.product_id.display_name,
                        customer=customer.display_name,
                    )
                )
            if not (line.get("reason") or "").strip():
                raise UserError(
                    self.env._(
                        "Give the reason for returning %(product)s.",
                        product=delivered.product_id.display_name,
                    )
                )
            rounding = delivered.product_uom_id.rounding or 0.01
            if (
                float_compare(line["quantity"], 0, precision_rounding=rounding) <= 0
                or float_compare(
                    line["quantity"],
                    delivered.remaining_qty,
                    precision_rounding=rounding,
                )
                > 0
            ):
                raise UserError(
                    self.env._(
                        "%(product)s (lot %(lot)s): you may return between 0 and "
                        "%(remaining)s, the quantity still with you.",
                        product=delivered.product_id.display_name,
                        lot=delivered.lot_id.name or "-",
                        remaining=delivered.remaining_qty,
                    )
                )
        responsible = self._asq_portal_responsible(customer)
        ret = self.create(
            {
                "partner_id": customer.id,
                "user_id": responsible.id,
                "company_id": lines[0]["delivered_line_id"].company_id.id,
                "line_ids": [
                    Command.create(
                        {
                            "delivered_line_id": line["delivered_line_id"].id,
                            "quantity": line["quantity"],
                            "kind": line["kind"],
                            "resolution": line["resolution"],
                            "reason": line["reason"].strip(),
                        }
                    )
                    for line in lines
                ],
            }
        )
        ret.message_subscribe(partner_ids=contact.ids)
        # The customer submits the detail form: the after-sales review starts.
        ret.action_submit()
        ret._asq_post_portal_filing(
            contact,
            self.env._(
                "Return request submitted by %(contact)s on the customer portal.",
                contact=contact.display_name,
            ),
            responsible,
            self.env._("New portal return request %(name)s: review it", name=ret.name),
        )
        return ret
