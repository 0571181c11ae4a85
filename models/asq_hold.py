from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import LazyTranslate, format_datetime

from .asq_deadline_mixin import HOURS, WORKING_DAYS
from .asq_document import asq_refuse, asq_state_field
from .asq_groups import GROUP_INSPECTOR, GROUP_MANAGER, GROUP_WAREHOUSE
from .asq_workflow_mixin import AsqEditable, AsqTransition, asq_in_step, asq_step

_lt = LazyTranslate(__name__)

# Who/when fields that only the workflow buttons write (context key below).
SIGNATURE_FIELDS = (
    "opened_user_id",
    "opened_date",
    "verification_result",
    "verified_user_id",
    "verified_date",
    "released_user_id",
    "released_date",
    "capa_id",
    "return_ids",
    "affected_move_ids",
    "reported_user_id",
    "reported_date",
    "report_head_id",
    "acknowledged_user_id",
    "acknowledged_date",
    "recall_level",
    "recall_user_id",
    "recall_date",
    "recall_escalated",
)
WORKFLOW_KEY = "asq_hold_workflow"
# States in which the held goods may not leave the warehouse.
BLOCKING_STATES = ("active", "nonconforming")
# Procedure 001, 4.5: "經核實確認產品質量合格,應在確認后24小時內通知該醫療器械
# 購貨方恢復該醫療器械銷售,並通知本企業倉庫和綜合業務部門解除該產品的暫停發貨。"
# (verified conforming: within 24 hours of the confirmation, tell the buyers
# to resume selling and the warehouse to lift the shipment stop). Wall-clock
# hours, not working time: the procedure says hours, not days. (The
# complaint's local on-site "24 hours" count as one working day instead, a
# company setting: res.company.asq_complaint_onsite_local_hours.)
RELEASE_HOURS = 24
# Procedure 001, 4.7: "如確實存在醫療器械質量問題,應及時向企業質量負責人匯報"
# (a real quality problem is reported to the company's quality head at
# once). "及時" read as: by the end of the next working day, for the report
# (from the activation) and for the head's acknowledgement (from the report).
REPORT_WORKING_DAYS = 1
# What the quality department fills in, and when it may still change: the
# held goods and why, while the hold is a draft (once active, shipments are
# blocked and the buyers told about exactly these goods: another scope is
# another hold); the verification result and findings while the hold is
# active, until Verify signs them. write() and the form's readonly= both
# read this table (asq.editable.mixin).
_DRAFT = ("draft",)
EDITABLE = {
    "product_id": AsqEditable(_DRAFT, GROUP_INSPECTOR),
    "lot_ids": AsqEditable(_DRAFT, GROUP_INSPECTOR),
    "company_id": AsqEditable(_DRAFT, GROUP_INSPECTOR),
    "reason": AsqEditable(_DRAFT, GROUP_INSPECTOR),
    "complaint_id": AsqEditable(_DRAFT, GROUP_INSPECTOR),
    "proposed_result": AsqEditable(("active",), GROUP_INSPECTOR, "verified_user_id"),
    "verification_note": AsqEditable(("active",), GROUP_INSPECTOR, "verified_user_id"),
    # The report to the quality head (001 §4.7), until Report signs it.
    "report_content": AsqEditable(BLOCKING_STATES, GROUP_INSPECTOR, "reported_user_id"),
    # The recall level the quality manager proposes; "Decide the Recall"
    # signs it (asq_hold_recall.py). A new decision may follow (a higher level).
    "recall_level_proposed": AsqEditable(BLOCKING_STATES, GROUP_MANAGER),
}
# The goods held: what the activation blocked and told the buyers about.
HELD_GOODS = frozenset({"product_id", "lot_ids", "company_id"})
# The verification's outcome: proposed by the department, signed with Verify.
VERIFICATION_RESULTS = [
    ("conforming", "Conforming: release"),
    ("nonconforming", "Nonconforming"),
]
# What still changes on a released or confirmed nonconforming hold.
# (the report to the quality head may follow the confirmation of a
# nonconforming hold: its own rule in EDITABLE still applies)
# (the recall decision, too: a confirmed nonconformity is what a recall
# most often follows; EDITABLE keeps it to the blocking states)
CLOSED_WRITABLE = frozenset(
    {"message_main_attachment_id", "report_content", "recall_level_proposed"}
)


# The quality inspector activates, verifies and keeps the buyers told;
# the quality manager releases what the inspector verified conforming.
# (lazy terms, translated where shown: self.env._(transition.label))
# pylint: disable=prefer-env-translation
TRANSITIONS = (
    AsqTransition(
        "activate",
        _lt("Activate"),
        ("draft",),
        (GROUP_INSPECTOR,),
        "active",
        stamp="opened",
        todo=False,
    ),
    AsqTransition(
        "refresh_buyers",
        _lt("Refresh Buyers"),
        BLOCKING_STATES,
        (GROUP_INSPECTOR,),
        todo=False,
    ),
    AsqTransition(
        "send_notices",
        _lt("Send Notices"),
        BLOCKING_STATES,
        (GROUP_INSPECTOR,),
        todo=False,
    ),
    # Conforming: the hold stays active until released; nonconforming:
    # the goods stay blocked for good.
    AsqTransition(
        "verify",
        _lt("Verify"),
        ("active",),
        (GROUP_INSPECTOR,),
        branches=("active", "nonconforming"),
        stamp="verified",
        check="_asq_check_verify",
        signer="_asq_signer_verify",
    ),
    AsqTransition(
        "release",
        _lt("Release"),
        ("active",),
        (GROUP_MANAGER,),
        "released",
        stamp="released",
        check="_asq_check_release",
        signer="_asq_signer_release",
        deadline="release_deadline",
    ),
    # 001 §4.7「應及時向企業質量負責人匯報」: the inspector reports the
    # problem to the company's quality head (a signed record), the head
    # acknowledges it; the head's to-do is due the next working day.
    AsqTransition(
        "report_head",
        _lt("Report to Quality Head"),
        BLOCKING_STATES,
        (GROUP_INSPECTOR,),
        stamp="reported",
        check="_asq_check_report_head",
        signer="_asq_signer_report_head",
        todo=False,
    ),
    AsqTransition(
        "acknowledge_report",
        _lt("Acknowledge Report"),
        (*BLOCKING_STATES, "released"),
        (GROUP_MANAGER,),
        stamp="acknowledged",
        check="_asq_check_acknowledge_report",
        signer="_asq_signer_acknowledge_report",
        deadline="acknowledge_deadline",
        assignee="_asq_report_heads",
    ),
    # 001 §4.6「根據情況向醫療器械供貨企業進行產品質量查詢」: a query to each
    # supplier of the held lots (asq.hold.supplier.query).
    AsqTransition(
        "query_suppliers",
        _lt("Query Suppliers"),
        BLOCKING_STATES,
        (GROUP_INSPECTOR,),
        check="_asq_check_query_suppliers",
        todo=False,
    ),
    # 《医疗器械召回管理办法》: the quality manager decides the recall and its
    # level (一级/二级/三级); the buyers' notice clocks start then
    # (asq_hold_recall.py).
    AsqTransition(
        "decide_recall",
        _lt("Decide the Recall"),
        BLOCKING_STATES,
        (GROUP_MANAGER,),
        stamp="recall",
        check="_asq_check_decide_recall",
        todo=False,
    ),
)
# pylint: enable=prefer-env-translation


class AsqHold(models.Model):
    """Quality hold on a suspect product or lot: shipments stop, buyers are
    told, the quality department verifies and releases or confirms."""

    _name = "asq.hold"
    _description = "Quality Hold"
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
    _asq_sequence_code = "asq.hold"
    _asq_editable = EDITABLE
    _asq_closed_states = ("released", "nonconforming")
    _asq_closed_writable = CLOSED_WRITABLE
    _asq_transitions = TRANSITIONS
    # The release clock (asq.deadline.mixin); no escalation job.
    _asq_deadline_field = "release_deadline"
    _asq_deadline_fields = (
        "release_deadline",
        "report_deadline",
        "acknowledge_deadline",
    )
    _asq_escalated_field = None
    _order = "id desc"
    _check_company_auto = True
    _mail_post_access = "read"

    # (name, company_id: asq.document)
    state = asq_state_field(
        selection=[
            ("draft", "Draft"),
            ("active", "Active"),
            ("released", "Released"),
            ("nonconforming", "Confirmed Nonconforming"),
        ],
        default="draft",
        help="Draft: being described, nothing is blocked yet.\n"
        "Active: outgoing shipments of the product or lots are blocked and "
        "the buyers are told to pause selling and using them.\n"
        "Released: verified conforming and released; shipments resume.\n"
        "Confirmed Nonconforming: the goods stay blocked; returns and a CAPA "
        "are proposed.",
    )
    complaint_id = fields.Many2one(
        "asq.complaint",
        index="btree_not_null",
        check_company=True,
        tracking=True,
    )

    # ------------------------------------------------------------------
    # What is held
    # ------------------------------------------------------------------
    product_id = fields.Many2one(
        "product.product",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    lot_ids = fields.Many2many(
        "stock.lot",
        string="Lots/Serial Numbers",
        check_company=True,
        domain="[('product_id', '=', product_id)]",
        help="Leave empty to hold the whole product.",
    )
    reason = fields.Text(required=True)
    opened_user_id = fields.Many2one("res.users", string="Opened By", readonly=True)
    opened_date = fields.Datetime(string="Opened On", readonly=True, copy=False)
    affected_move_ids = fields.Many2many(
        "stock.move",
        "asq_hold_affected_move_rel",
        "hold_id",
        "move_id",
        string="Released Reservations",
        readonly=True,
        copy=False,
        help="Outgoing moves whose reservation of the held goods was released "
        "when the hold became active.",
    )
    buyer_ids = fields.One2many(
        "asq.hold.buyer", "hold_id", string="Buyers", readonly=True, copy=False
    )
    notice_ids = fields.One2many(
        "asq.hold.notice", "hold_id", string="Notices Sent", readonly=True, copy=False
    )
    buyer_count = fields.Integer(
        string="Customers", compute="_compute_buyer_count", store=True
    )

    # ------------------------------------------------------------------
    # Verification and release
    # ------------------------------------------------------------------
    verification_result = fields.Selection(
        selection=VERIFICATION_RESULTS,
        string="Signed Result",
        readonly=True,
        copy=False,
        tracking=True,
    )
    proposed_result = fields.Selection(
        selection=VERIFICATION_RESULTS,
        string="Verification Result",
        copy=False,
        help="Set by the quality department, then signed with Verify.",
    )
    verification_note = fields.Text(string="Verification Findings", copy=False)
    verified_user_id = fields.Many2one("res.users", string="Verified By", readonly=True)
    verified_date = fields.Datetime(string="Verified On", readonly=True, copy=False)
    release_deadline = fields.Datetime(
        compute="_compute_deadlines",
        store=True,
        help="A lot verified conforming is released within 24 hours.",
    )
    released_user_id = fields.Many2one("res.users", string="Released By", readonly=True)
    released_date = fields.Datetime(string="Released On", readonly=True, copy=False)
    release_on_time = fields.Selection(
        selection=[("met", "Met"), ("missed", "Missed")],
        string="24 h Release",
        compute="_compute_release_on_time",
        store=True,
    )
    capa_id = fields.Many2one(
        "asq.capa", string="CAPA", readonly=True, copy=False, check_company=True
    )
    return_ids = fields.Many2many(
        "asq.return",
        "asq_hold_return_rel",
        "hold_id",
        "return_id",
        string="Return Requests",
        readonly=True,
        copy=False,
    )
    return_count = fields.Integer(compute="_compute_return_count")
    can_activate = fields.Boolean(compute="_compute_asq_can")
    can_refresh_buyers = fields.Boolean(compute="_compute_asq_can")
    can_send_notices = fields.Boolean(compute="_compute_asq_can")
    can_verify = fields.Boolean(compute="_compute_asq_can")
    can_release = fields.Boolean(compute="_compute_asq_can")
    can_report_head = fields.Boolean(compute="_compute_asq_can")
    can_acknowledge_report = fields.Boolean(compute="_compute_asq_can")
    can_query_suppliers = fields.Boolean(compute="_compute_asq_can")

    # ------------------------------------------------------------------
    # Report to the quality head (001 §4.7)
    # ------------------------------------------------------------------
    report_content = fields.Text(
        string="Report to the Quality Head",
        copy=False,
        help="What the quality department reports to the company's quality "
        "head: the problem found, the goods concerned, the measures taken.",
    )
    report_head_id = fields.Many2one(
        "res.users",
        string="Reported To",
        readonly=True,
        copy=False,
        help="The company's quality head (Settings), or any quality manager "
        "of the company when none is set.",
    )
    reported_user_id = fields.Many2one("res.users", string="Reported By", readonly=True)
    reported_date = fields.Datetime(string="Reported On", readonly=True, copy=False)
    report_deadline = fields.Datetime(
        compute="_compute_deadlines",
        store=True,
        help="The report to the quality head is due by the end of the next "
        "working day after the activation.",
    )
    acknowledged_user_id = fields.Many2one(
        "res.users", string="Acknowledged By", readonly=True
    )
    acknowledged_date = fields.Datetime(
        string="Acknowledged On", readonly=True, copy=False
    )
    acknowledge_deadline = fields.Datetime(
        compute="_compute_deadlines",
        store=True,
        help="The quality head acknowledges the report by the end of the next "
        "working day.",
    )

    # ------------------------------------------------------------------
    # Supplier queries (001 §4.6) and expiry (product_expiry)
    # ------------------------------------------------------------------
    supplier_query_ids = fields.One2many(
        "asq.hold.supplier.query",
        "hold_id",
        string="Supplier Queries",
        readonly=True,
        copy=False,
    )
    expiry_tracked = fields.Boolean(
        compute="_compute_expiry",
        help="Whether the lots' expiration dates are known (Product Expiry "
        "installed).",
    )
    expired_lot_ids = fields.Many2many(
        "stock.lot",
        string="Expired Lots",
        compute="_compute_expiry",
        help="Held lots past their expiration date: they cannot be released "
        "as conforming.",
    )
    lot_expiry_html = fields.Html(
        string="Lot Expiry", compute="_compute_expiry", sanitize=False
    )

    _sql_constraints = [
        (
            "name_company_uniq",
            "UNIQUE(name, company_id)",
            "Quality hold references are unique.",
        ),
    ]

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("buyer_ids.partner_id")
    def _compute_buyer_count(self):
        for hold in self:
            hold.buyer_count = len(hold.buyer_ids.partner_id)

    @api.depends(
        "verified_date",
        "verification_result",
        "opened_date",
        "reported_date",
        "acknowledged_date",
    )
    def _compute_deadlines(self):
        """(asq.deadline.mixin, from _asq_deadline_plan)"""
        return super()._compute_deadlines()

    @api.model
    def _asq_overdue_domain(self):
        """(asq.deadline.mixin) The release deadline runs until released."""
        return [("state", "=", "active")]

    def _asq_deadline_plan(self):
        plan = [
            (hold, "release_deadline", hold.verified_date, RELEASE_HOURS, HOURS)
            for hold in self
            if hold.verified_date and hold.verification_result == "conforming"
        ]
        plan += [
            (
                hold,
                "report_deadline",
                hold.opened_date,
                REPORT_WORKING_DAYS,
                WORKING_DAYS,
            )
            for hold in self
            if hold.opened_date and not hold.reported_date
        ]
        plan += [
            (
                hold,
                "acknowledge_deadline",
                hold.reported_date,
                REPORT_WORKING_DAYS,
                WORKING_DAYS,
            )
            for hold in self
            if hold.reported_date and not hold.acknowledged_date
        ]
        return plan

    @api.depends("released_date", "release_deadline")
    def _compute_release_on_time(self):
        for hold in self:
            if hold.released_date and hold.release_deadline:
                hold.release_on_time = (
                    "met" if hold.released_date <= hold.release_deadline else "missed"
                )
            else:
                hold.release_on_time = False

    @api.depends("return_ids")
    def _compute_return_count(self):
        for hold in self:
            hold.return_count = len(hold.return_ids)

    @api.depends(
        "state",
        "verified_user_id",
        "verification_result",
        "proposed_result",
        "verification_note",
        "report_content",
        "reported_user_id",
        "report_head_id",
        "acknowledged_user_id",
    )
    @api.depends_context("uid")
    def _compute_asq_can(self):
        # Verify and Release also read the verification (signer, check): the
        # form shows Verify as soon as its result and findings are filled in.
        return super()._compute_asq_can()

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("product_id", "lot_ids")
    def _check_lots_of_product(self):
        for hold in self:
            wrong = hold.lot_ids.filtered(
                lambda lot, h=hold: lot.product_id != h.product_id
            )
            if wrong:
                raise UserError(
                    self.env._(
                        "Lots %(lots)s are not lots of %(product)s.",
                        lots=", ".join(wrong.mapped("name")),
                        product=hold.product_id.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and not self.env.user.has_group(GROUP_INSPECTOR):
            raise AccessError(
                self.env._("Only the quality department may open a quality hold.")
            )
        return super().create(vals_list)

    def write(self, vals):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            self._ensure_no_signature([vals])
            if "state" in vals:
                raise UserError(
                    self.env._("Use the workflow buttons to change the hold status.")
                )
            self._ensure_held_goods_and_verification(vals)
            self._asq_ensure_editable(vals)
        return super().write(vals)

    def _ensure_held_goods_and_verification(self, vals):
        """The hold's own words for two rules of the table (EDITABLE): the
        goods of a started hold, and a signed verification. The rest (the
        closed hold, the other fields, the role): _asq_ensure_editable."""
        if HELD_GOODS & set(vals):
            asq_refuse(
                self.filtered(lambda h: h.state != "draft"),
                self.env._(
                    "%(names)s is no longer a draft: its product and lots "
                    "cannot be changed. Open a new hold instead."
                ),
            )
        verified = self.filtered(
            lambda h: h.verified_user_id and h.state not in self._asq_closed_states
        )
        signed = {
            fname
            for fname, rule in EDITABLE.items()
            if rule.frozen_by == "verified_user_id"
        }
        if signed & set(vals):
            asq_refuse(
                verified,
                self.env._(
                    "The verification of %(names)s is signed: it can no "
                    "longer be changed."
                ),
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_started(self):
        asq_refuse(
            self.filtered(lambda h: h.state != "draft"),
            self.env._("Only draft quality holds can be deleted: %(names)s is not."),
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_activate(self):
        """Button "Activate Hold": block shipments, release reservations,
        list the buyers and tell them to pause."""
        holds = self._asq_begin("activate")
        holds._asq_finish("activate")
        for hold in holds:
            moves = hold._unreserve_held_goods()
            hold._workflow_write(
                {"affected_move_ids": [Command.link(m.id) for m in moves]}
            )
            hold._compute_buyers()
            hold.message_post(
                body=self.env._(
                    "Quality hold activated on %(goods)s: outgoing shipments "
                    "are blocked; %(moves)s reservation(s) released; "
                    "%(buyers)s customer(s) received these goods.",
                    goods=hold._goods_label(),
                    moves=len(moves),
                    buyers=hold.buyer_count,
                ),
                subtype_xmlid="mail.mt_note",
            )
            hold._send_notices("stop", hold.buyer_ids.partner_id)
        return True

    def action_refresh_buyers(self):
        """Button "Refresh Buyers": re-read the deliveries of the held goods."""
        for hold in self._asq_begin("refresh_buyers"):
            hold._compute_buyers()
        return True

    def action_send_notices(self):
        """Button "Send Notices": the pause notice to every buyer again."""
        for hold in self._asq_begin("send_notices"):
            hold._send_notices("stop", hold.buyer_ids.partner_id)
        return True

    def action_verify(self):
        """Button "Verify": sign the verification result. Conforming starts
        the 24 h release clock; nonconforming keeps the block and proposes
        returns and a CAPA."""
        for hold in self._asq_begin("verify"):
            vals = {"verification_result": hold.proposed_result}
            if hold.proposed_result == "nonconforming":
                vals["state"] = "nonconforming"
            hold._asq_finish("verify", vals)
            if hold.state == "nonconforming":
                hold._propose_follow_up()
            # (verified conforming: the quality managers' to-do of the
            # release step comes with it, due at the release deadline)
        return True

    def action_release(self):
        """Button "Release": verified conforming, shipments resume."""
        holds = self._asq_begin("release")
        holds._asq_finish("release")
        for hold in holds:
            hold.activity_unlink(["mail.mail_activity_data_todo"])
            hold._send_notices("resume", hold.buyer_ids.partner_id)
            hold._notify_release()
        return True

    # ------------------------------------------------------------------
    # Step preconditions and signers (see _asq_transitions)
    # ------------------------------------------------------------------
    def _asq_check_verify(self):
        if self.verified_user_id:
            return self.env._("%(names)s is already verified.", names=self.name)
        if not self.proposed_result or not (self.verification_note or "").strip():
            return self.env._(
                "Record the verification result and findings of %(names)s first.",
                names=self.name,
            )
        if self.proposed_result == "conforming":
            return self._asq_expired_refusal()
        return ""

    def _asq_signer_verify(self):
        """The inspector verifies an active hold once."""
        return [("verified_user_id", "=", False)]

    def _asq_check_release(self):
        if self.verification_result != "conforming":
            return self.env._(
                "%(names)s can only be released once verified conforming.",
                names=self.name,
            )
        return self._asq_expired_refusal()

    def _asq_expired_refusal(self):
        """Expired goods are not released as conforming: 001 §4.6 returns
        only a batch 「未超過有效期的」 (within its expiry date); an expired
        lot is nonconforming whatever the test says."""
        if self.expired_lot_ids:
            return self.env._(
                "%(names)s cannot be released as conforming: lots %(lots)s are "
                "past their expiration date. Verify the hold as nonconforming, "
                "or hold the lots still in date separately.",
                names=self.name,
                lots=", ".join(self.expired_lot_ids.mapped("name")),
            )
        return ""

    def _asq_check_report_head(self):
        if self.reported_user_id:
            return self.env._(
                "%(names)s is already reported to the quality head.", names=self.name
            )
        if not (self.report_content or "").strip():
            return self.env._(
                "Write the report to the quality head of %(names)s first.",
                names=self.name,
            )
        return ""

    def _asq_signer_report_head(self):
        """The inspector reports an active hold once."""
        return [("reported_user_id", "=", False)]

    def _asq_check_acknowledge_report(self):
        if not self.reported_user_id:
            return self.env._(
                "%(names)s has not been reported to the quality head yet.",
                names=self.name,
            )
        if self.acknowledged_user_id:
            return self.env._(
                "The report of %(names)s is already acknowledged by %(user)s.",
                names=self.name,
                user=self.acknowledged_user_id.name,
            )
        return ""

    def _asq_signer_acknowledge_report(self):
        """The quality head it was reported to (any quality manager when the
        company names no head) acknowledges the report once."""
        return [
            ("reported_user_id", "!=", False),
            ("acknowledged_user_id", "=", False),
            "|",
            ("report_head_id", "=", self.env.uid),
            ("report_head_id", "=", False),
        ]

    def _asq_report_heads(self):
        """Whose to-do the acknowledgement is: the head reported to, else the
        quality managers of the company."""
        self.ensure_one()
        if self.report_head_id:
            return self.report_head_id
        return self._asq_company_users(GROUP_MANAGER, self.company_id)

    @api.model
    def _asq_report_heads_domain(self):
        return [
            "|",
            ("report_head_id", "=", self.env.uid),
            ("report_head_id", "=", False),
        ]

    def _asq_quality_head(self):
        """The company's quality head (Settings), if a quality manager of
        the company; else nobody: every quality manager of the company."""
        self.ensure_one()
        head = self.company_id.sudo().asq_quality_head_id
        if (
            head
            and head.has_group(GROUP_MANAGER)
            and self.company_id in head.company_ids
        ):
            return head
        return self.env["res.users"]

    def _asq_check_query_suppliers(self):
        if not self._asq_supplier_receipts():
            return self.env._(
                "No receipt from a supplier is recorded for the goods of "
                "%(names)s: there is no supplier to query.",
                names=self.name,
            )
        return ""

    def _asq_signer_release(self):
        """The quality manager releases an active hold verified conforming."""
        return [("verification_result", "=", "conforming")]

    def action_report_head(self):
        """Button "Report to Quality Head": sign the report and send it to the
        company's quality head, whose to-do is to acknowledge it."""
        for hold in self._asq_begin("report_head"):
            head = hold._asq_quality_head()
            hold._asq_finish("report_head", {"report_head_id": head.id})
            heads = head or hold._asq_report_heads()
            hold.message_post(
                body=self.env._(
                    "Reported to the quality head (%(head)s): %(content)s",
                    head=", ".join(heads.mapped("name")) or "-",
                    content=hold.report_content,
                ),
                partner_ids=heads.partner_id.ids,
                subtype_xmlid="mail.mt_comment",
            )
        return True

    def action_acknowledge_report(self):
        """Button "Acknowledge Report": the quality head signs that the
        report was received."""
        for hold in self._asq_begin("acknowledge_report"):
            hold._asq_finish("acknowledge_report")
            hold.message_post(
                body=self.env._(
                    "The quality head %(user)s acknowledged the report.",
                    user=self.env.user.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_query_suppliers(self):
        """Button "Query Suppliers": a draft query to each supplier of the
        held goods not queried yet, opened for the inspector to send."""
        Query = self.env["asq.hold.supplier.query"]
        for hold in self._asq_begin("query_suppliers"):
            Query |= hold._asq_create_supplier_queries()
        return {
            "type": "ir.actions.act_window",
            "res_model": "asq.hold.supplier.query",
            "name": self.env._("Supplier Queries"),
            "view_mode": "list,form",
            "domain": [("hold_id", "in", self.ids)],
            "context": {"create": False},
        }

    def action_view_returns(self):
        """Smart button "Return Requests"."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_quality.asq_return_action"
        )
        action["domain"] = [("id", "in", self.return_ids.ids)]
        action["context"] = {}
        return action

    def action_view_capa(self):
        """Smart button "CAPA"."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "asq.capa",
            "res_id": self.capa_id.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------
    # Blocking: used by stock.move and stock.picking
    # ------------------------------------------------------------------
    @api.model
    def _blocking_holds(self, products, companies=None):
        """Holds that block shipments of ``products`` (sudo: the block
        applies whoever ships)."""
        domain = [("state", "in", BLOCKING_STATES), ("product_id", "in", products.ids)]
        if companies:
            domain.append(("company_id", "in", companies.ids))
        return self.sudo().search(domain)

    def _blocks(self, product, lot, company):
        """The first of ``self`` that blocks ``product``/``lot`` of
        ``company``, or an empty recordset."""
        for hold in self:
            if hold.product_id != product or hold.company_id != company:
                continue
            if not hold.lot_ids or lot in hold.lot_ids:
                return hold
        return self.browse()

    # ------------------------------------------------------------------
    # Business helpers
    # ------------------------------------------------------------------
    def _goods_label(self):
        self.ensure_one()
        if not self.lot_ids:
            return self.product_id.display_name
        return self.env._(
            "%(product)s, lots %(lots)s",
            product=self.product_id.display_name,
            lots=", ".join(self.lot_ids.mapped("name")),
        )

    def _held_goods_domain(self, *leaves, lots=True):
        """Lines of the held goods (``lot_id``: of its lots, if it names lots;
        not with ``lots=False``) in the hold's company, and ``leaves``."""
        domain = [
            ("company_id", "=", self.company_id.id),
            ("product_id", "=", self.product_id.id),
            *leaves,
        ]
        if lots and self.lot_ids:
            domain.append(("lot_id", "in", self.lot_ids.ids))
        return domain

    def _unreserve_held_goods(self):
        """Release the reservations of the held goods on outgoing moves;
        return the moves concerned."""
        self.ensure_one()
        lines = (
            self.env["stock.move.line"]
            .sudo()
            .search(
                self._held_goods_domain(
                    ("state", "not in", ("done", "cancel")), ("picked", "=", False)
                )
            )
        )
        moves = lines.move_id.filtered(lambda m: m._asq_is_outgoing())
        lines = lines.filtered(lambda ml: ml.move_id in moves)
        if lines:
            lines.unlink()
            moves._recompute_state()
        return moves

    def _compute_buyers(self):
        """Rebuild the buyer lines: one grouped read of the deliveries of the
        held goods, per customer and delivery."""
        self.ensure_one()
        groups = (
            self.env["asq.delivered.line"]
            .sudo()
            ._read_group(
                self._held_goods_domain(("partner_id", "!=", False)),
                ["partner_id", "picking_id"],
                ["quantity:sum", "remaining_qty:sum", "lot_id:array_agg", "date:max"],
            )
        )
        Buyer = self.env["asq.hold.buyer"].sudo()
        Buyer.search([("hold_id", "=", self.id)]).unlink()
        Buyer.create(
            [
                {
                    "hold_id": self.id,
                    "partner_id": partner.id,
                    "picking_id": picking.id,
                    "quantity": quantity,
                    "remaining_qty": remaining,
                    "lot_ids": [Command.set([lot for lot in lot_ids if lot])],
                    "date": date,
                }
                for partner, picking, quantity, remaining, lot_ids, date in groups
            ]
        )

    def _send_notices(self, kind, partners):
        """Queue the pause (``stop``) or resume notice to ``partners`` and
        log each one."""
        self.ensure_one()
        template = self.env.ref(
            "after_sales_quality.asq_hold_mail_stop"
            if kind == "stop"
            else "after_sales_quality.asq_hold_mail_resume"
        ).sudo()
        buyers = self.sudo().buyer_ids
        notices = []
        for partner in partners:
            buyer = buyers.filtered(lambda b, p=partner: b.partner_id == p)[:1]
            if not buyer:
                continue
            mail_id = template.send_mail(buyer.id, force_send=False)
            notices.append(
                {
                    "hold_id": self.id,
                    "partner_id": partner.id,
                    "kind": kind,
                    "mail_id": mail_id,
                    "sent_date": fields.Datetime.now(),
                    "sent_user_id": self.env.uid,
                }
            )
        self.env["asq.hold.notice"].sudo().create(notices)
        return len(notices)

    def _notify_release(self):
        """Tell the warehouse and the salespersons of open orders that the
        goods ship again."""
        self.ensure_one()
        warehouse = self.env.ref(GROUP_WAREHOUSE).users.filtered(
            lambda u, h=self: h.company_id in u.company_ids
        )
        orders = (
            self.env["sale.order.line"]
            .sudo()
            .search(
                self._held_goods_domain(
                    ("state", "in", ("draft", "sent", "sale")), lots=False
                )
            )
            .order_id
        )
        partners = warehouse.partner_id | orders.user_id.partner_id
        self.message_post(
            body=self.env._(
                "Quality hold released: %(goods)s may be sold and shipped again. "
                "The customers are told to resume.",
                goods=self._goods_label(),
            ),
            partner_ids=partners.ids,
            subtype_xmlid="mail.mt_comment",
        )

    def _propose_follow_up(self):
        """Nonconforming: return requests for the buyers still holding
        in-date goods, and a CAPA."""
        self.ensure_one()
        delivered = (
            self.env["asq.delivered.line"]
            .sudo()
            .search(
                self._held_goods_domain(
                    ("partner_id", "!=", False), ("remaining_qty", ">", 0)
                )
            )
        )
        if "expiration_date" in self.env["stock.lot"]._fields:
            now = fields.Datetime.now()
            delivered = delivered.filtered(
                lambda d: not d.lot_id.expiration_date or d.lot_id.expiration_date > now
            )
        Return = self.env["asq.return"].sudo()
        requests = Return
        for partner in delivered.partner_id:
            lines = delivered.filtered(lambda d, p=partner: d.partner_id == p)
            request = Return.create(
                {
                    "partner_id": partner.id,
                    "company_id": self.company_id.id,
                    "complaint_id": self.complaint_id.id,
                    "line_ids": [
                        Command.create(
                            {
                                "delivered_line_id": line.id,
                                "quantity": line.remaining_qty,
                                "kind": "quality",
                                "resolution": "refund",
                                "reason": self.env._(
                                    "Quality hold %(name)s: %(reason)s",
                                    name=self.name,
                                    reason=self.verification_note or self.reason,
                                ),
                            }
                        )
                        for line in lines
                    ],
                }
            )
            request.message_post(
                body=self.env._(
                    "Proposed by quality hold %(name)s (confirmed nonconforming).",
                    name=self.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
            requests |= request
        capa = self.env["asq.capa"]._asq_propose(
            "hold",
            self.name,
            self.env._(
                "Quality hold %(name)s confirmed nonconforming: %(reason)s\n"
                "%(findings)s",
                name=self.name,
                reason=self.reason,
                findings=self.verification_note or "",
            ),
            partner_ids=self.sudo().buyer_ids.partner_id,
            product_ids=self.product_id,
            lot_ids=self.lot_ids,
            company_id=self.company_id.id,
        )
        if self.complaint_id:
            capa.sudo().complaint_ids = [Command.link(self.complaint_id.id)]
        self._workflow_write(
            {
                "capa_id": capa.id,
                "return_ids": [Command.link(r.id) for r in requests],
            }
        )
        self.message_post(
            body=self.env._(
                "Confirmed nonconforming: the goods stay blocked; %(count)s "
                "return request(s) and CAPA %(capa)s proposed.",
                count=len(requests),
                capa=capa.name,
            ),
            subtype_xmlid="mail.mt_note",
        )

    # ------------------------------------------------------------------
    # Supplier queries (001 §4.6)
    # ------------------------------------------------------------------
    def _asq_supplier_receipts(self):
        """{supplier: (lots, receipts, purchase orders' names)} of the held
        goods: the done moves that brought them from a supplier location
        (one search). The supplier is the purchase order's vendor when the
        Purchase app is installed, else the receipt's partner."""
        self.ensure_one()
        lines = (
            self.env["stock.move.line"]
            .sudo()
            .search(
                self._held_goods_domain(
                    ("state", "=", "done"), ("location_id.usage", "=", "supplier")
                )
            )
        )
        with_purchase = "purchase_line_id" in self.env["stock.move"]._fields
        result = {}
        for line in lines:
            move = line.move_id
            order = move.purchase_line_id.order_id if with_purchase else None
            partner = (order and order.partner_id) or line.picking_id.partner_id
            partner = partner.commercial_partner_id
            if not partner:
                continue
            lots, pickings, orders = result.get(
                partner, (line.lot_id.browse(), line.picking_id.browse(), [])
            )
            if order and order.name not in orders:
                orders = [*orders, order.name]
            result[partner] = (lots | line.lot_id, pickings | line.picking_id, orders)
        return result

    def _asq_create_supplier_queries(self):
        """Draft queries to the suppliers not queried yet on this hold."""
        self.ensure_one()
        queried = self.sudo().supplier_query_ids.partner_id
        vals = []
        for partner, (lots, pickings, orders) in self._asq_supplier_receipts().items():
            if partner in queried:
                continue
            lang = self.with_context(lang=partner.lang or self.env.user.lang)
            vals.append(
                {
                    "hold_id": self.id,
                    "partner_id": partner.id,
                    "lot_ids": [Command.set(lots.ids)],
                    "picking_ids": [Command.set(pickings.ids)],
                    "purchase_refs": ", ".join(orders),
                    "question": lang.env._(
                        "We received complaints about %(goods)s that you "
                        "supplied (%(receipts)s). Our verification found: "
                        "%(findings)s\nPlease tell us the results of your own "
                        "investigation of these lots (manufacturing and release "
                        "records, other complaints) and the measures you take.",
                        goods=self._goods_label()
                        if not lots
                        else self.env._(
                            "%(product)s, lots %(lots)s",
                            product=self.product_id.display_name,
                            lots=", ".join(lots.mapped("name")),
                        ),
                        receipts=", ".join(orders or pickings.mapped("name")),
                        findings=self.verification_note or self.reason,
                    ),
                }
            )
        Query = self.env["asq.hold.supplier.query"]
        return (
            Query.sudo()
            .with_context(**asq_step(Query._asq_workflow_key))
            .create(vals)
            .with_env(self.env)
        )

    # ------------------------------------------------------------------
    # Where the held goods are: labels (001 §4.7「明顯標志」) and expiry
    # ------------------------------------------------------------------
    def _asq_stock_groups(self):
        """{hold: [(location, lot, quantity)]} of the held goods in internal
        locations: one grouped read of the quants for every hold."""
        result = {hold: [] for hold in self}
        if not self:
            return result
        groups = (
            self.env["stock.quant"]
            .sudo()
            ._read_group(
                [
                    ("product_id", "in", self.product_id.ids),
                    ("company_id", "in", self.company_id.ids),
                    ("location_id.usage", "=", "internal"),
                    ("quantity", ">", 0),
                ],
                ["product_id", "company_id", "location_id", "lot_id"],
                ["quantity:sum"],
                order="location_id, lot_id",
            )
        )
        for hold in self:
            for product, company, location, lot, quantity in groups:
                if product != hold.product_id or company != hold.company_id:
                    continue
                if hold.lot_ids and lot not in hold.lot_ids:
                    continue
                result[hold].append((location, lot, quantity))
        return result

    def _asq_label_lines(self):
        """The labels to stick on the held goods, one per lot and location
        (the report's lines)."""
        self.ensure_one()
        return [
            {
                "location": location.display_name,
                "lot": lot.name or "",
                "quantity": quantity,
                "uom": self.product_id.uom_id.name,
            }
            for location, lot, quantity in self._asq_stock_groups()[self]
        ]

    def _asq_expiry_lots(self, stock=None):
        """The lots whose expiry the hold watches: its own, or those of the
        product in stock when it holds the whole product (``stock``: the
        batch's :meth:`_asq_stock_groups`, read once)."""
        self.ensure_one()
        if self.lot_ids:
            return self.lot_ids
        if stock is None:
            stock = self._asq_stock_groups()
        lots = self.env["stock.lot"]
        for _location, lot, _quantity in stock.get(self, ()):
            lots |= lot
        return lots

    @api.depends("lot_ids", "product_id")
    def _compute_expiry(self):
        """Per lot its expiration and best-before dates (product_expiry);
        lots past their expiration date are flagged."""
        tracked = "expiration_date" in self.env["stock.lot"]._fields
        now = fields.Datetime.now()
        # (the stock of the whole-product holds of the batch: one read)
        stock = (
            self.filtered(lambda h: not h.lot_ids and h.product_id)._asq_stock_groups()
            if tracked
            else {}
        )
        for hold in self:
            hold.expiry_tracked = tracked
            if not tracked or not hold.product_id:
                hold.expired_lot_ids = False
                hold.lot_expiry_html = False
                continue
            lots = hold._asq_expiry_lots(stock).sudo()
            expired = lots.filtered(
                lambda lot: lot.expiration_date and lot.expiration_date <= now
            )
            hold.expired_lot_ids = expired
            hold.lot_expiry_html = hold._asq_expiry_table(lots, expired)

    def _asq_expiry_table(self, lots, expired):
        if not lots:
            return False
        rows = Markup()
        for lot in lots:
            rows += Markup(
                "<tr%s><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>"
            ) % (
                Markup(' class="text-danger fw-bold"') if lot in expired else "",
                lot.name,
                format_datetime(self.env, lot.expiration_date)
                if lot.expiration_date
                else "",
                format_datetime(self.env, lot.use_date) if lot.use_date else "",
                self.env._("Expired") if lot in expired else "",
            )
        head = Markup(
            "<table class='table table-sm o_asq_lot_expiry'><thead><tr>"
            "<th>%s</th><th>%s</th><th>%s</th><th></th></tr></thead><tbody>"
        ) % (
            self.env._("Lot"),
            self.env._("Expiration Date"),
            self.env._("Best Before Date"),
        )
        return head + rows + Markup("</tbody></table>")
