from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import LazyTranslate

from .asq_deadline_mixin import HOURS
from .asq_document import asq_refuse, asq_state_field
from .asq_groups import GROUP_INSPECTOR, GROUP_MANAGER, GROUP_WAREHOUSE
from .asq_workflow_mixin import AsqEditable, AsqTransition, asq_in_step

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
}
# The goods held: what the activation blocked and told the buyers about.
HELD_GOODS = frozenset({"product_id", "lot_ids", "company_id"})
# The verification's outcome: proposed by the department, signed with Verify.
VERIFICATION_RESULTS = [
    ("conforming", "Conforming: release"),
    ("nonconforming", "Nonconforming"),
]
# What still changes on a released or confirmed nonconforming hold.
CLOSED_WRITABLE = frozenset({"message_main_attachment_id"})


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
    _asq_deadline_fields = ("release_deadline",)
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

    @api.depends("verified_date", "verification_result")
    def _compute_deadlines(self):
        """(asq.deadline.mixin, from _asq_deadline_plan)"""
        return super()._compute_deadlines()

    @api.model
    def _asq_overdue_domain(self):
        """(asq.deadline.mixin) The release deadline runs until released."""
        return [("state", "=", "active")]

    def _asq_deadline_plan(self):
        return [
            (hold, "release_deadline", hold.verified_date, RELEASE_HOURS, HOURS)
            for hold in self
            if hold.verified_date and hold.verification_result == "conforming"
        ]

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
        return ""

    def _asq_signer_release(self):
        """The quality manager releases an active hold verified conforming."""
        return [("verification_result", "=", "conforming")]

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
