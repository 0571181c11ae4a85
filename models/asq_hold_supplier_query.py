from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import LazyTranslate

from .asq_groups import GROUP_INSPECTOR
from .asq_workflow_mixin import AsqEditable, AsqTransition, asq_in_step

_lt = LazyTranslate(__name__)

# Procedure 001, 4.6: "經核實確認產品質量不合格,且該批號產品未超過有效期的,
# 應為購貨企業辦理退貨處理手續,同時根據情況向醫療器械供貨企業進行產品質量查詢。"
# (confirmed nonconforming: returns for the buyers and, as the case requires,
# a quality query to the supplier of the goods). One query per supplier of
# the held lots: the question mailed, the answer recorded with its date.
WORKFLOW_KEY = "asq_hold_supplier_query_workflow"
SIGNATURE_FIELDS = (
    "sent_user_id",
    "sent_date",
    "answered_user_id",
    "answered_date",
)
# What the hold's step "Query Suppliers" found: never rewritten by a caller.
FOUND_FIELDS = frozenset(
    {"hold_id", "partner_id", "lot_ids", "picking_ids", "purchase_refs"}
)
EDITABLE = {
    "question": AsqEditable(("draft",), GROUP_INSPECTOR),
    "answer": AsqEditable(("sent",), GROUP_INSPECTOR, "answered_user_id"),
    "answer_date": AsqEditable(("sent",), GROUP_INSPECTOR, "answered_user_id"),
}
# pylint: disable=prefer-env-translation
TRANSITIONS = (
    AsqTransition(
        "send",
        _lt("Send Query"),
        ("draft",),
        (GROUP_INSPECTOR,),
        "sent",
        stamp="sent",
        check="_asq_check_send",
        todo=False,
    ),
    AsqTransition(
        "record_answer",
        _lt("Record Answer"),
        ("sent",),
        (GROUP_INSPECTOR,),
        "answered",
        stamp="answered",
        check="_asq_check_record_answer",
        todo=False,
    ),
)
# pylint: enable=prefer-env-translation


class AsqHoldSupplierQuery(models.Model):
    """A product quality query to the supplier of held goods (001 §4.6)."""

    _name = "asq.hold.supplier.query"
    _description = "Quality Hold Supplier Query"
    _inherit = [
        "mail.thread",
        "asq.workflow.mixin",
        "asq.editable.mixin",
    ]
    _asq_workflow_key = WORKFLOW_KEY
    _asq_signature_fields = SIGNATURE_FIELDS
    _asq_workflow_fields = ("state",)
    _asq_editable = EDITABLE
    _asq_closed_states = ("answered",)
    _asq_closed_writable = frozenset({"message_main_attachment_id"})
    _asq_transitions = TRANSITIONS
    _order = "hold_id desc, id"
    _check_company_auto = True
    _mail_post_access = "read"

    hold_id = fields.Many2one(
        "asq.hold",
        string="Quality Hold",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(
        related="hold_id.company_id", store=True, index=True, precompute=True
    )
    product_id = fields.Many2one(related="hold_id.product_id")
    partner_id = fields.Many2one(
        "res.partner", string="Supplier", required=True, readonly=True, index=True
    )
    lot_ids = fields.Many2many("stock.lot", string="Lots/Serial Numbers", readonly=True)
    picking_ids = fields.Many2many("stock.picking", string="Receipts", readonly=True)
    purchase_refs = fields.Char(string="Purchase Orders", readonly=True)
    state = fields.Selection(
        selection=[("draft", "Draft"), ("sent", "Sent"), ("answered", "Answered")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
    )
    question = fields.Text(required=True)
    answer = fields.Text(string="Supplier's Answer")
    answer_date = fields.Date(string="Answered On")
    sent_user_id = fields.Many2one("res.users", string="Sent By", readonly=True)
    sent_date = fields.Datetime(string="Sent On", readonly=True, copy=False)
    answered_user_id = fields.Many2one(
        "res.users", string="Answer Recorded By", readonly=True
    )
    answered_date = fields.Datetime(
        string="Answer Recorded On", readonly=True, copy=False
    )
    can_send = fields.Boolean(compute="_compute_asq_can")
    can_record_answer = fields.Boolean(compute="_compute_asq_can")

    @api.depends("state", "question", "answer", "answer_date")
    @api.depends_context("uid")
    def _compute_asq_can(self):
        return super()._compute_asq_can()

    @api.depends("hold_id.name", "partner_id")
    def _compute_display_name(self):
        for query in self:
            query.display_name = f"{query.hold_id.name} / {query.partner_id.name}"

    @api.model_create_multi
    def create(self, vals_list):
        # Queries are created by the hold's step "Query Suppliers" only.
        if not self.env.su:
            raise UserError(
                self.env._(
                    "Supplier queries are created from the quality hold "
                    "(Query Suppliers)."
                )
            )
        return super().create(vals_list)

    def write(self, vals):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            self._ensure_no_signature([vals])
            if FOUND_FIELDS & set(vals):
                raise UserError(
                    self.env._(
                        "The quality hold, supplier, lots and receipts of a "
                        "supplier query are those the hold found: they cannot "
                        "be changed."
                    )
                )
            if "state" in vals:
                raise UserError(
                    self.env._("Use the workflow buttons to change the query status.")
                )
            self._asq_ensure_editable(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_draft(self):
        if self.filtered(lambda q: q.state != "draft"):
            raise UserError(self.env._("A sent supplier query cannot be deleted."))

    def _asq_check_send(self):
        if not (self.question or "").strip():
            return self.env._(
                "Write the question to %(names)s first.", names=self.partner_id.name
            )
        if not self.partner_id.email:
            return self.env._(
                "%(names)s has no e-mail address: add one to send the query.",
                names=self.partner_id.name,
            )
        return ""

    def _asq_check_record_answer(self):
        if not (self.answer or "").strip() or not self.answer_date:
            return self.env._(
                "Record the supplier's answer and the date it came first (%(names)s).",
                names=self.display_name,
            )
        return ""

    def action_send(self):
        """Button "Send Query": the question mailed to the supplier (logged
        in the query's and the hold's chatter)."""
        template = self.env.ref("after_sales_quality.asq_hold_mail_supplier_query")
        for query in self._asq_begin("send"):
            query._asq_finish("send")
            query.sudo().message_post_with_source(
                template,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=query.partner_id.ids,
            )
            query.hold_id.message_post(
                body=self.env._(
                    "Quality query sent to the supplier %(supplier)s.",
                    supplier=query.partner_id.display_name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_record_answer(self):
        """Button "Record Answer": the supplier's answer signed as received."""
        for query in self._asq_begin("record_answer"):
            query._asq_finish("record_answer")
            query.hold_id.message_post(
                body=self.env._(
                    "Answer of the supplier %(supplier)s (%(date)s): %(answer)s",
                    supplier=query.partner_id.display_name,
                    date=query.answer_date,
                    answer=query.answer,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True
