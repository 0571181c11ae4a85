from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import LazyTranslate, float_compare

from .asq_document import asq_refuse, asq_state_field
from .asq_groups import GROUP_FINANCE, GROUP_INSPECTOR, GROUP_MANAGER, GROUP_USER
from .asq_workflow_mixin import (
    AsqEditable,
    AsqTransition,
    asq_in_step,
    asq_signature,
)

_lt = LazyTranslate(__name__)

# 002 §6.2.8: 「“三包索赔件”处理由销售部收悉相关信息后,填写“顾客信息反馈表”依照批准
# 意见如需评审,由质量部组织相关部门,对退回的“三包索赔件”进行缘故分析,非公司缘故的则
# 反馈客户处进行讲明,若是公司造成的缘故,则制订纠正措施并加以监控,如若客户有要求提供纠正
# 和预防措施的,则按客户要求在规定的期限内,提交纠正和预防措施。」
# (the sales department takes the claim in, the parts come back; the quality
# department analyses the cause; not the company's fault: explained to the
# customer; the company's fault: a corrective action under monitoring, and
# the CAPA report to the customer within the customer's deadline.)
WORKFLOW_KEY = "asq_warranty_claim_workflow"

# Who/when fields and what only the steps write.
SIGNATURE_FIELDS = (
    "received_user_id",
    "received_date",
    "analysed_user_id",
    "analysed_date",
    "explained_user_id",
    "explained_date",
    "closed_user_id",
    "closed_date",
    "cancelled_user_id",
    "cancelled_date",
    "capa_id",
    "credit_note_id",
)
# The verdicts that are not the company's fault: explained to the customer.
NOT_OURS = ("not_ours", "no_trouble")

# What a person fills in, and when it may still change (write() and the
# form's readonly= read this table, asq.editable.mixin).
_CLAIM = ("draft", "received")
_OPEN = ("draft", "received", "analysed")
EDITABLE = {
    "partner_id": AsqEditable(_CLAIM),
    "claimant_type": AsqEditable(_CLAIM),
    "company_id": AsqEditable(("draft",)),
    "product_id": AsqEditable(_CLAIM),
    "lot_id": AsqEditable(_CLAIM),
    "quantity": AsqEditable(_CLAIM),
    "claim_date": AsqEditable(_CLAIM),
    "customer_reference": AsqEditable(_CLAIM),
    "claimed_amount": AsqEditable(_CLAIM),
    "sale_order_id": AsqEditable(_CLAIM),
    "move_id": AsqEditable(_CLAIM),
    "complaint_id": AsqEditable(_CLAIM),
    "description": AsqEditable(_CLAIM),
    "customer_due_date": AsqEditable(_OPEN),
    "user_id": AsqEditable(_OPEN),
    # 002 §6.2.8: 「由质量部组织相关部门,对退回的“三包索赔件”进行缘故分析」: the
    # quality department's analysis, signed with Analyse.
    "analysis": AsqEditable(("received",), GROUP_INSPECTOR),
    "verdict": AsqEditable(("received",), GROUP_INSPECTOR),
    # 「非公司缘故的则反馈客户处进行讲明」: the explanation, until it is sent.
    "explanation": AsqEditable(("received", "analysed"), None, "explained_user_id"),
    # The credit the quality manager accepts for a claim that is ours.
    "accepted_amount": AsqEditable(("analysed",), GROUP_MANAGER),
    "cancel_reason": AsqEditable(_OPEN),
}
CLOSED_WRITABLE = frozenset({"message_main_attachment_id"})

# (lazy terms, translated where shown: self.env._(transition.label))
# pylint: disable=prefer-env-translation
TRANSITIONS = (
    # 「由销售部收悉相关信息后」: the sales (after-sales) department records
    # the parts received back from the customer.
    AsqTransition(
        "receive",
        _lt("Parts Received"),
        ("draft",),
        (GROUP_USER,),
        "received",
        stamp="received",
        check="_asq_check_receive",
        todo=False,
    ),
    # 「由质量部组织相关部门...进行缘故分析」: the quality department's verdict.
    AsqTransition(
        "analyse",
        _lt("Sign the Analysis"),
        ("received",),
        (GROUP_INSPECTOR,),
        "analysed",
        stamp="analysed",
        check="_asq_check_analyse",
        deadline="customer_due_date",
    ),
    # 「非公司缘故的则反馈客户处进行讲明」: sent through the mail composer; the
    # step is signed when the mail goes (message_post).
    AsqTransition(
        "explain",
        _lt("Send the Explanation"),
        ("analysed",),
        (GROUP_USER,),
        stamp="explained",
        check="_asq_check_explain",
        assignee="_asq_assignee_responsible",
        mail="_asq_explain_mail",
    ),
    # 「若是公司造成的缘故,则制订纠正措施并加以监控」: the CAPA is open and
    # the credit accepted; not ours: the explanation is sent.
    AsqTransition(
        "close",
        _lt("Close the Claim"),
        ("analysed",),
        (GROUP_MANAGER,),
        "closed",
        stamp="closed",
        check="_asq_check_close",
    ),
    # The accepted credit as a draft customer credit note (Accounting).
    AsqTransition(
        "credit_note",
        _lt("Create the Credit Note"),
        ("analysed", "closed"),
        (GROUP_FINANCE, GROUP_MANAGER),
        check="_asq_check_credit_note",
        access="read",
        todo=False,
    ),
    AsqTransition(
        "cancel",
        _lt("Cancel the Claim"),
        _OPEN,
        (GROUP_USER,),
        "cancel",
        stamp="cancelled",
        check="_asq_check_cancel",
        todo=False,
    ),
)
# pylint: enable=prefer-env-translation


class AsqWarrantyClaim(models.Model):
    """Warranty claim parts (「三包索赔件」, 002 §6.2.8): parts a customer or an
    OEM claims under warranty, received back, analysed by the quality
    department and settled: explained to the customer when not our fault,
    a CAPA and the accepted credit when it is."""

    _name = "asq.warranty.claim"
    _description = "Warranty Claim"
    _inherit = [
        "asq.mail.step",
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
    _asq_sequence_code = "asq.warranty.claim"
    _asq_editable = EDITABLE
    _asq_closed_states = ("closed", "cancel")
    _asq_closed_writable = CLOSED_WRITABLE
    _asq_transitions = TRANSITIONS
    # The customer's deadline for the verdict (asq.deadline.mixin: is_overdue
    # until analysed); no escalation job.
    _asq_deadline_field = "customer_due_date"
    _asq_escalated_field = None
    _order = "claim_date desc, id desc"
    _check_company_auto = True
    _mail_post_access = "read"

    # (name, company_id: asq.document)
    state = asq_state_field(
        selection=[
            ("draft", "Draft"),
            ("received", "Parts Received"),
            ("analysed", "Analysed"),
            ("closed", "Closed"),
            ("cancel", "Cancelled"),
        ],
        default="draft",
        help="Draft: the claim is recorded, the parts are on their way.\n"
        "Parts Received: the claimed parts are back; the quality department "
        "analyses them.\n"
        "Analysed: the verdict is signed; not our fault: the explanation goes "
        "to the customer; our fault: a CAPA is open and the credit is "
        "accepted.\n"
        "Closed: settled.\nCancelled: withdrawn with a reason.",
    )

    # ------------------------------------------------------------------
    # The claim
    # ------------------------------------------------------------------
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
        string="Customer Company",
        store=True,
        index=True,
    )
    claimant_type = fields.Selection(
        selection=[("customer", "Customer"), ("oem", "OEM")],
        string="Claimed By",
        default="customer",
        required=True,
        help="OEM: a vehicle or equipment maker claiming parts its own "
        "customers returned under warranty.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda s: s.env.user,
        tracking=True,
        index=True,
        help="The salesperson who took the claim in and answers the customer.",
    )
    product_id = fields.Many2one(
        "product.product",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Lot/Serial Number",
        domain="[('product_id', '=', product_id)]",
        check_company=True,
    )
    quantity = fields.Float(
        default=1.0, required=True, digits="Product Unit of Measure"
    )
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    claim_date = fields.Date(
        required=True, default=fields.Date.context_today, index=True, tracking=True
    )
    customer_reference = fields.Char(
        string="Customer's Claim Reference", index="trigram", tracking=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    claimed_amount = fields.Monetary(tracking=True)
    sale_order_id = fields.Many2one(
        "sale.order",
        string="Sales Order",
        check_company=True,
        domain="[('partner_id', 'child_of', commercial_partner_id)]",
    )
    move_id = fields.Many2one(
        "stock.move",
        string="Delivery",
        check_company=True,
        domain="[('state', '=', 'done'), ('product_id', '=', product_id), "
        "('picking_id.partner_id', 'child_of', commercial_partner_id)]",
        help="The delivery the claimed parts came from, when known.",
    )
    complaint_id = fields.Many2one(
        "asq.complaint",
        index="btree_not_null",
        check_company=True,
        domain="[('commercial_partner_id', '=', commercial_partner_id)]",
        help="The customer complaint that reported the same failed parts: "
        "the field reliability report then counts them once (the "
        "complaint's line).",
    )
    description = fields.Text(string="Failure Reported")
    customer_due_date = fields.Date(
        string="Customer's Deadline",
        help="The date the customer expects the verdict by: the quality "
        "department's to-do is due then.",
    )

    # ------------------------------------------------------------------
    # Steps
    # ------------------------------------------------------------------
    received_user_id, received_date = asq_signature("Received By", "Received On")
    analysis = fields.Text(string="Cause Analysis")
    verdict = fields.Selection(
        selection=[
            ("ours", "Our Fault"),
            ("not_ours", "Not Our Fault"),
            ("no_trouble", "No Trouble Found"),
        ],
        tracking=True,
        index=True,
    )
    analysed_user_id, analysed_date = asq_signature("Analysed By", "Analysed On")
    explanation = fields.Text(
        string="Explanation to the Customer",
        help="Sent to the customer when the parts show no fault of ours.",
    )
    explained_user_id, explained_date = asq_signature(
        "Explanation Sent By", "Explanation Sent On"
    )
    capa_id = fields.Many2one(
        "asq.capa", string="CAPA", readonly=True, copy=False, check_company=True
    )
    capa_state = fields.Selection(related="capa_id.state", string="CAPA Status")
    accepted_amount = fields.Monetary(
        string="Accepted Credit",
        copy=False,
        tracking=True,
        help="The credit the company accepts for a claim that is its fault "
        "(warranty cost).",
    )
    credit_note_id = fields.Many2one("account.move", readonly=True, copy=False)
    closed_user_id, closed_date = asq_signature("Closed By", "Closed On")
    cancel_reason = fields.Text(copy=False)
    cancelled_user_id, cancelled_date = asq_signature("Cancelled By", "Cancelled On")

    can_receive = fields.Boolean(compute="_compute_asq_can")
    can_analyse = fields.Boolean(compute="_compute_asq_can")
    can_explain = fields.Boolean(compute="_compute_asq_can")
    can_close = fields.Boolean(compute="_compute_asq_can")
    can_credit_note = fields.Boolean(compute="_compute_asq_can")
    can_cancel = fields.Boolean(compute="_compute_asq_can")

    _sql_constraints = [
        (
            "name_company_uniq",
            "UNIQUE(name, company_id)",
            "The warranty claim reference must be unique per company.",
        ),
        (
            "quantity_positive",
            "CHECK(quantity > 0)",
            "The quantity claimed must be positive.",
        ),
    ]

    @api.depends(
        "state",
        "product_id",
        "quantity",
        "analysis",
        "verdict",
        "explanation",
        "explained_user_id",
        "capa_id",
        "accepted_amount",
        "claimed_amount",
        "credit_note_id",
        "cancel_reason",
        "user_id",
    )
    @api.depends_context("uid")
    def _compute_asq_can(self):
        """(the engine's, also when the data its preconditions read change)"""
        return super()._compute_asq_can()

    @api.constrains("accepted_amount", "verdict")
    def _check_accepted_amount(self):
        """Warranty cost is the credit of claims at our fault only."""
        for claim in self:
            if claim.accepted_amount and claim.verdict != "ours":
                raise UserError(
                    self.env._(
                        "%(name)s is not our fault: no credit can be accepted for it.",
                        name=claim.name,
                    )
                )
            if claim.accepted_amount < 0:
                raise UserError(
                    self.env._(
                        "The credit accepted for %(name)s cannot be negative.",
                        name=claim.name,
                    )
                )

    @api.model
    def _asq_overdue_domain(self):
        """(asq.deadline.mixin) The verdict is due until the analysis is
        signed."""
        return [("state", "in", ("draft", "received"))]

    @api.onchange("move_id")
    def _onchange_move_id(self):
        """The delivery tells the sales order and the lot."""
        if self.move_id:
            # (a salesperson reads their own orders only: then left empty)
            order = self.move_id.sale_line_id.sudo().order_id.sudo(False)
            if order and order.has_access("read"):
                self.sale_order_id = order
            if not self.lot_id and len(self.move_id.lot_ids) == 1:
                self.lot_id = self.move_id.lot_ids

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            self._asq_ensure_role(GROUP_USER, self.env._("Record a warranty claim"))
            # A claim starts as a draft whatever the caller sends (the
            # engine's create refuses the signatures).
            for vals in vals_list:
                self._asq_ensure_fields_unsigned(vals, ("state",), "draft")
        return super().create(vals_list)

    def write(self, vals):
        if self._asq_caller_write(vals):
            self._asq_ensure_editable(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_started(self):
        asq_refuse(
            self.filtered(lambda c: c.state != "draft"),
            self.env._(
                "Only draft warranty claims can be deleted; cancel %(names)s instead."
            ),
        )

    # ------------------------------------------------------------------
    # Steps
    # ------------------------------------------------------------------
    def action_receive(self):
        """Button "Parts Received"."""
        self._asq_begin("receive")._asq_finish("receive")
        return True

    def action_analyse(self):
        """Button "Sign the Analysis": the verdict is signed; our fault opens
        a CAPA (「则制订纠正措施并加以监控」) linked to the claim."""
        claims = self._asq_begin("analyse")
        claims._asq_finish("analyse")
        for claim in claims:
            if claim.verdict == "ours":
                claim._asq_open_capa()
            elif not claim.explanation:
                # The analysis is where the explanation starts from.
                claim._workflow_write({"explanation": claim.analysis})
        return True

    def action_explain(self):
        """Button "Send the Explanation": Odoo's composer on the explanation
        template, in the customer's language and editable; the step is
        signed when the mail is sent from it (asq.mail.step)."""
        claim = self._asq_begin("explain")
        return claim._asq_mail_step_action(
            "explain",
            self.env.ref("after_sales_quality.asq_warranty_claim_mail_explanation"),
        )

    def _asq_explain_mail(self, kwargs):
        """The explanation goes to the customer."""
        self._asq_mail_step_to(
            self.partner_id,
            kwargs,
            self.env._(
                "The explanation of %(name)s must go to the customer "
                "(%(partner)s): keep them among the recipients.",
                name=self.name,
                partner=self.partner_id.display_name,
            ),
        )
        return {}

    def action_close(self):
        """Button "Close the Claim"."""
        self._asq_begin("close")._asq_finish("close")
        return True

    def action_credit_note(self):
        """Button "Create the Credit Note": a draft customer credit note of
        the accepted credit (Accounting posts it)."""
        claims = self._asq_begin("credit_note")
        for claim in claims:
            move = claim._asq_create_credit_note()
            # (finance reads the claim only: the step, its role checked,
            # writes the link; the step record keeps the signer)
            claim.sudo()._asq_finish("credit_note", {"credit_note_id": move.id})
            claim.message_post(
                body=Markup("<p>%s</p>")
                % self.env._(
                    "Draft credit note %(move)s created for the accepted credit.",
                    move=move.display_name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        if len(claims) == 1 and self.env.user.has_group(
            "account.group_account_invoice"
        ):
            return {
                "type": "ir.actions.act_window",
                "res_model": "account.move",
                "res_id": claims.credit_note_id.id,
                "view_mode": "form",
                "views": [(False, "form")],
            }
        return True

    def action_cancel(self):
        """Button "Cancel the Claim" (with the reason given on the form)."""
        self._asq_begin("cancel")._asq_finish("cancel")
        return True

    def action_view_capa(self):
        """Smart button "CAPA"."""
        self.ensure_one()
        return self._asq_records_action(
            "after_sales_quality.asq_capa_action", self.capa_id
        )

    def action_print(self):
        """Button "Print": the analysis report (《三包索赔件分析报告》)."""
        return self.env.ref(
            "after_sales_quality.asq_warranty_claim_report"
        ).report_action(self)

    # ------------------------------------------------------------------
    # Preconditions and assignees (see _asq_transitions)
    # ------------------------------------------------------------------
    def _asq_check_receive(self):
        missing = self._asq_empty_fields(("partner_id", "product_id", "quantity"))
        if missing:
            return self.env._(
                "%(name)s cannot be received yet. Missing: %(fields)s.",
                name=self.name,
                fields=", ".join(missing),
            )
        return ""

    def _asq_check_analyse(self):
        missing = self._asq_empty_fields(("analysis", "verdict"))
        if missing or not (self.analysis or "").strip():
            return self.env._(
                "Record the cause analysis and the verdict of %(name)s first.",
                name=self.name,
            )
        return ""

    def _asq_check_explain(self):
        if self.verdict not in NOT_OURS:
            return self.env._(
                "%(name)s is our fault: there is no explanation to send, the "
                "CAPA and the credit settle it.",
                name=self.name,
            )
        if self.explained_user_id:
            return self.env._(
                "The explanation of %(name)s is already sent. Reload the page.",
                name=self.name,
            )
        if not (self.explanation or "").strip():
            return self.env._(
                "Write the explanation to the customer of %(name)s first.",
                name=self.name,
            )
        if not self.partner_id.email:
            return self.env._(
                "Give the customer of %(name)s an e-mail address to send the "
                "explanation to.",
                name=self.name,
            )
        return ""

    def _asq_check_close(self):
        if self.verdict in NOT_OURS:
            if not self.explained_user_id:
                return self.env._(
                    "Send the explanation of %(name)s to the customer before "
                    "closing it.",
                    name=self.name,
                )
            return ""
        if not self.capa_id or self.capa_id.state == "cancel":
            return self.env._(
                "%(name)s is our fault: it needs an open CAPA before closing.",
                name=self.name,
            )
        if (
            float_compare(
                self.accepted_amount, 0.0, precision_rounding=self.currency_id.rounding
            )
            <= 0
        ):
            return self.env._(
                "Enter the credit accepted for %(name)s before closing it.",
                name=self.name,
            )
        if self.claimed_amount and (
            float_compare(
                self.accepted_amount,
                self.claimed_amount,
                precision_rounding=self.currency_id.rounding,
            )
            > 0
        ):
            return self.env._(
                "The credit accepted for %(name)s is more than the amount claimed.",
                name=self.name,
            )
        return ""

    def _asq_check_credit_note(self):
        if self.verdict != "ours" or self.accepted_amount <= 0:
            return self.env._(
                "%(name)s has no accepted credit to put on a credit note.",
                name=self.name,
            )
        if self.credit_note_id:
            return self.env._(
                "%(name)s already has its credit note %(move)s.",
                name=self.name,
                move=self.credit_note_id.sudo().display_name,
            )
        return ""

    def _asq_check_cancel(self):
        if not (self.cancel_reason or "").strip():
            return self.env._(
                "Give the reason for cancelling %(name)s first.", name=self.name
            )
        return ""

    def _asq_assignee_responsible(self):
        """The claim's responsible sends the explanation."""
        return self.user_id

    def _asq_assignee_responsible_domain(self):
        return [("user_id", "=", self.env.uid)]

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _asq_open_capa(self):
        """Our fault: a CAPA proposed from the claim and linked to it; the
        claim follows it (「则制订纠正措施并加以监控」)."""
        self.ensure_one()
        capa = self.env["asq.capa"]._asq_propose(
            "warranty",
            self.name,
            self.env._(
                "Warranty claim %(name)s (%(customer)s, %(reference)s): "
                "%(quantity)s x %(product)s found at our fault.\n%(analysis)s",
                name=self.name,
                customer=self.partner_id.display_name,
                reference=self.customer_reference or "-",
                quantity=self.quantity,
                product=self.product_id.display_name,
                analysis=self.analysis,
            ),
            partner_ids=self.commercial_partner_id,
            product_ids=self.product_id,
            lot_ids=self.lot_id,
            company_id=self.company_id.id,
        )
        self._workflow_write({"capa_id": capa.id})
        self.message_post(
            body=Markup("<p>%s</p>")
            % self.env._(
                "Our fault: CAPA %(capa)s opened; the claim follows it.",
                capa=capa.name,
            ),
            subtype_xmlid="mail.mt_note",
        )
        return capa

    def _asq_create_credit_note(self):
        """A draft out_refund of the accepted credit for the customer (the
        finance user needs no accounting right: the role was checked)."""
        self.ensure_one()
        Move = self.env["account.move"].sudo().with_company(self.company_id)
        return Move.create(
            {
                "move_type": "out_refund",
                "partner_id": self.commercial_partner_id.id,
                "company_id": self.company_id.id,
                "invoice_origin": self.name,
                "ref": self.env._(
                    "Warranty claim %(name)s (%(reference)s)",
                    name=self.name,
                    reference=self.customer_reference or "-",
                ),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product_id.id,
                            "name": self.env._(
                                "Warranty credit %(name)s: %(product)s",
                                name=self.name,
                                product=self.product_id.display_name,
                            ),
                            "quantity": 1.0,
                            "price_unit": self.accepted_amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )


class AsqCapa(models.Model):
    _inherit = "asq.capa"

    # 002 §6.2.8: a warranty claim at our fault opens a CAPA.
    source = fields.Selection(
        selection_add=[("warranty", "Warranty claim")],
        ondelete={"warranty": "set default"},
    )
    warranty_claim_ids = fields.One2many(
        "asq.warranty.claim", "capa_id", string="Warranty Claims", readonly=True
    )
