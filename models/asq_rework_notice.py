from datetime import datetime, time

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import LazyTranslate, float_compare, float_is_zero

from .asq_deadline_mixin import WORKING_DAYS
from .asq_document import asq_state_field
from .asq_groups import GROUP_INSPECTOR, GROUP_MANAGER, GROUP_WAREHOUSE
from .asq_return import WORKFLOW_KEY as RETURN_KEY
from .asq_workflow_mixin import (
    AsqEditable,
    AsqTransition,
    asq_in_step,
    asq_signature,
    asq_step,
)

_lt = LazyTranslate(__name__)

# 003 §3.4: 「生产部:负责退货产品的返工处理。」 and its records (§7.0):
# 「《返工通知单》」 — QC's "rework" disposition of returned goods goes to the
# production department on a rework notice (what, how many, by when); the
# quality department re-inspects the reworked goods (§3.2.2 「负责对客户退货
# 产品进行验证和跟踪」) and the good ones go back into stock. The return
# request waits for it.
WORKFLOW_KEY = "asq_rework_notice_workflow"
GROUP_EMPLOYEE = "base.group_user"

SIGNATURE_FIELDS = (
    "issued_user_id",
    "issued_date",
    "accepted_user_id",
    "accepted_date",
    "reworked_user_id",
    "reworked_date",
    "reinspected_user_id",
    "reinspected_date",
    "stocked_user_id",
    "stocked_date",
    "cancelled_user_id",
    "cancelled_date",
    "picking_id",
    "scrap_id",
    "overdue_notified",
)
OPEN_STATES = ("draft", "issued", "accepted", "reworked", "reinspected")

# What a person fills in, and when (write() and the form's readonly= read
# this table, asq.editable.mixin).
EDITABLE = {
    # The quality department writes the notice before it is issued.
    "defect": AsqEditable(("draft",), GROUP_INSPECTOR),
    "instructions": AsqEditable(("draft",), GROUP_INSPECTOR),
    "date_due": AsqEditable(("draft",), GROUP_INSPECTOR),
    # (reassigned until production accepts it)
    "department_id": AsqEditable(("draft", "issued"), GROUP_INSPECTOR),
    "user_id": AsqEditable(("draft", "issued"), GROUP_INSPECTOR),
    # Production records the outcome of the rework (the record rules let
    # production write its own notices only).
    "qty_ok": AsqEditable(("accepted",)),
    "qty_scrap": AsqEditable(("accepted",)),
    "rework_note": AsqEditable(("accepted",)),
    # The quality department's re-inspection.
    "reinspection_note": AsqEditable(("reworked",), GROUP_INSPECTOR),
    # The quality manager's reason for cancelling a notice that can never be
    # finished (the put-away cancelled, the goods scrapped another way,
    # issued by mistake).
    "cancel_reason": AsqEditable(OPEN_STATES, GROUP_MANAGER),
}
CLOSED_WRITABLE = frozenset({"message_main_attachment_id"})

# (lazy terms, translated where shown: self.env._(transition.label))
# pylint: disable=prefer-env-translation
TRANSITIONS = (
    # The quality department issues the notice to production.
    AsqTransition(
        "issue",
        _lt("Issue to Production"),
        ("draft",),
        (GROUP_INSPECTOR,),
        "issued",
        stamp="issued",
        check="_asq_check_issue",
    ),
    # 「生产部:负责退货产品的返工处理」: production takes the notice on.
    AsqTransition(
        "accept",
        _lt("Accept the Rework"),
        ("issued",),
        (GROUP_EMPLOYEE,),
        "accepted",
        stamp="accepted",
        signer="_asq_signer_production",
        assignee="_asq_assignee_production",
        access="read",
        deadline="date_due",
    ),
    # Production records what the rework gave: good and scrapped.
    AsqTransition(
        "rework",
        _lt("Record the Rework"),
        ("accepted",),
        (GROUP_EMPLOYEE,),
        "reworked",
        stamp="reworked",
        check="_asq_check_rework",
        signer="_asq_signer_production",
        assignee="_asq_assignee_production",
        access="read",
        deadline="date_due",
    ),
    # 「品质管理部...负责对客户退货产品进行验证和跟踪」: the quality department
    # re-inspects; the good goods go back to stock (an internal transfer),
    # the rest is scrapped.
    AsqTransition(
        "reinspect",
        _lt("Sign the Re-inspection"),
        ("reworked",),
        (GROUP_INSPECTOR,),
        branches=("reinspected", "done"),
        stamp="reinspected",
        check="_asq_check_reinspect",
    ),
    # Booked by validating the transfer back to stock in Inventory.
    AsqTransition(
        "stock",
        _lt("Back in Stock"),
        ("reinspected",),
        (GROUP_WAREHOUSE,),
        "done",
        stamp="stocked",
        action="button_validate",
        access="read",
    ),
    # A notice that can never be finished (its put-away cancelled, the goods
    # scrapped another way, issued by mistake) is cancelled by the quality
    # manager with the reason: the return request no longer waits for it.
    AsqTransition(
        "cancel",
        _lt("Cancel the Notice"),
        OPEN_STATES,
        (GROUP_MANAGER,),
        "cancel",
        stamp="cancelled",
        check="_asq_check_cancel",
        todo=False,
    ),
)
# pylint: enable=prefer-env-translation


class AsqReworkNotice(models.Model):
    """Rework notice (《返工通知单》, 003): returned goods QC sent to rework,
    issued to production with what, how many and by when, followed until the
    reworked goods are back in stock. One notice per return line disposed
    as rework: one product and lot, its quantity, its own transfer back."""

    _name = "asq.rework.notice"
    _description = "Rework Notice"
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
    _asq_sequence_code = "asq.rework.notice"
    _asq_editable = EDITABLE
    _asq_closed_states = ("done", "cancel")
    _asq_closed_writable = CLOSED_WRITABLE
    _asq_transitions = TRANSITIONS
    # The requested completion date, working days after the notice
    # (company setting); overdue until the goods are back in stock, a
    # reminder once (asq.deadline.mixin, the daily job).
    _asq_deadline_field = "date_due"
    _asq_deadline_fields = ("date_due",)
    _asq_deadline_depends = ("date_request", "company_id")
    _asq_escalated_field = "overdue_notified"
    _asq_escalation_job = "after_sales_quality.asq_rework_notice_cron_remind"
    _order = "date_request desc, id desc"
    _check_company_auto = True
    _mail_post_access = "read"

    state = asq_state_field(
        selection=[
            ("draft", "Draft"),
            ("issued", "Issued"),
            ("accepted", "In Rework"),
            ("reworked", "Reworked"),
            ("reinspected", "Re-inspected"),
            ("done", "Back in Stock"),
            ("cancel", "Cancelled"),
        ],
        default="draft",
        help="Draft: QC sent the goods to rework; the quality department "
        "writes the instructions.\n"
        "Issued: production is asked to rework them by the requested date.\n"
        "In Rework: production accepted the notice.\n"
        "Reworked: production recorded the good and scrapped quantities; "
        "the quality department re-inspects.\n"
        "Re-inspected: the good goods wait for the transfer back to stock.\n"
        "Back in Stock: the transfer is done (or nothing was good).\n"
        "Cancelled: cancelled by the quality manager with a reason; the return "
        "request no longer waits for it.",
    )
    return_id = fields.Many2one(
        "asq.return",
        string="Return Request",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    return_line_id = fields.Many2one("asq.return.line", readonly=True, index=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        related="return_id.partner_id",
        store=True,
        index=True,
    )
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    product_id = fields.Many2one(
        "product.product", required=True, readonly=True, index=True
    )
    lot_id = fields.Many2one("stock.lot", string="Lot/Serial Number", readonly=True)
    quantity = fields.Float(
        string="Quantity to Rework", readonly=True, digits="Product Unit of Measure"
    )
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    date_request = fields.Date(
        string="Notice Date",
        default=fields.Date.context_today,
        readonly=True,
        required=True,
    )
    date_due = fields.Date(
        string="Requested Completion",
        compute="_compute_deadlines",
        store=True,
        readonly=False,
        index=True,
        tracking=True,
        help="By when production returns the reworked goods: the notice date "
        "plus the company's rework lead time in working days (Settings).",
    )
    defect = fields.Text(
        string="Defect Found",
        help="What QC found on the returned goods (from the QC findings).",
    )
    instructions = fields.Text(string="Rework Instructions")
    department_id = fields.Many2one(
        "hr.department",
        string="Production Department",
        check_company=True,
        tracking=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Production Responsible",
        tracking=True,
        index=True,
        domain="[('share', '=', False)]",
        help="Who reworks the goods and signs for production (else the head "
        "of the production department).",
    )
    qty_ok = fields.Float(
        string="Reworked OK", digits="Product Unit of Measure", tracking=True
    )
    qty_scrap = fields.Float(
        string="Scrapped", digits="Product Unit of Measure", tracking=True
    )
    rework_note = fields.Text(string="Rework Report")
    reinspection_note = fields.Text(string="Re-inspection Findings")
    picking_id = fields.Many2one(
        "stock.picking", string="Transfer to Stock", readonly=True, copy=False
    )
    scrap_id = fields.Many2one("stock.scrap", readonly=True, copy=False)
    overdue_notified = fields.Boolean(readonly=True, copy=False)

    issued_user_id, issued_date = asq_signature("Issued By", "Issued On")
    accepted_user_id, accepted_date = asq_signature("Accepted By", "Accepted On")
    reworked_user_id, reworked_date = asq_signature("Reworked By", "Reworked On")
    reinspected_user_id, reinspected_date = asq_signature(
        "Re-inspected By", "Re-inspected On"
    )
    stocked_user_id, stocked_date = asq_signature(
        "Booked into Stock By", "Booked into Stock On"
    )
    cancel_reason = fields.Text(copy=False)
    cancelled_user_id, cancelled_date = asq_signature("Cancelled By", "Cancelled On")

    can_issue = fields.Boolean(compute="_compute_asq_can")
    can_accept = fields.Boolean(compute="_compute_asq_can")
    can_rework = fields.Boolean(compute="_compute_asq_can")
    can_reinspect = fields.Boolean(compute="_compute_asq_can")
    can_stock = fields.Boolean(compute="_compute_asq_can")
    can_cancel = fields.Boolean(compute="_compute_asq_can")

    _sql_constraints = [
        (
            "name_company_uniq",
            "UNIQUE(name, company_id)",
            "The rework notice reference must be unique per company.",
        ),
        (
            "quantities_positive",
            "CHECK(quantity > 0 AND qty_ok >= 0 AND qty_scrap >= 0)",
            "Rework quantities cannot be negative.",
        ),
    ]

    @api.depends(
        "state",
        "instructions",
        "user_id",
        "department_id",
        "date_due",
        "qty_ok",
        "qty_scrap",
        "cancel_reason",
    )
    @api.depends_context("uid")
    def _compute_asq_can(self):
        """(the engine's, also when the data its preconditions read change)"""
        return super()._compute_asq_can()

    def _asq_deadline_plan(self):
        return [
            (
                notice,
                "date_due",
                datetime.combine(notice.date_request, time(0)),
                notice.company_id.asq_rework_days,
                WORKING_DAYS,
            )
            for notice in self
            if notice.date_request
        ]

    @api.model
    def _asq_overdue_domain(self):
        """(asq.deadline.mixin) Overdue until the goods are back in stock."""
        return [("state", "in", OPEN_STATES)]

    @api.model
    def _asq_escalation_domain(self):
        return [("state", "in", OPEN_STATES)]

    def _asq_escalate_overdue_batch(self):
        """The reminder: once per notice past its date, to whoever's step it
        waits for (production, the quality department or the warehouse)."""
        for notice in self:
            notice._asq_remind_overdue()

    def _asq_remind_overdue(self):
        self.ensure_one()
        self._workflow_write({"overdue_notified": True})
        users = self.env["res.users"]
        for step_users in self._asq_next_signers().values():
            users |= step_users
        summary = self.env._(
            "Rework notice %(name)s is overdue (requested by %(date)s)",
            name=self.name,
            date=self.date_due,
        )
        self.message_post(
            subject=summary,
            body=Markup("<p>%s</p>") % summary,
            partner_ids=users.partner_id.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        for user in users:
            self.activity_schedule(
                "mail.mail_activity_data_todo", summary=summary, user_id=user.id
            )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            raise UserError(
                self.env._(
                    "Rework notices are issued by the workflow: the QC inspection "
                    "of a return request issues one for the goods it sends to "
                    "rework."
                )
            )
        return super().create(vals_list)

    def write(self, vals):
        if self._asq_caller_write(vals):
            self._asq_ensure_editable(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        if self:
            raise UserError(
                self.env._(
                    "Rework notices cannot be deleted: the return request they "
                    "belong to waits for them."
                )
            )

    # ------------------------------------------------------------------
    # Steps
    # ------------------------------------------------------------------
    def action_issue(self):
        """Button "Issue to Production"."""
        self._asq_begin("issue")._asq_finish("issue")
        return True

    def action_accept(self):
        """Button "Accept the Rework" (production)."""
        self._asq_begin("accept")._asq_finish("accept")
        return True

    def action_rework(self):
        """Button "Record the Rework" (production): the good and scrapped
        quantities entered on the notice are signed."""
        self._asq_begin("rework")._asq_finish("rework")
        return True

    def action_reinspect(self):
        """Button "Sign the Re-inspection": the good quantity goes back to
        stock through an internal transfer from the Rework location, the rest
        is scrapped; nothing good: the notice is done at once."""
        notices = self._asq_begin("reinspect")
        for notice in notices:
            vals = {}
            if not float_is_zero(
                notice.qty_scrap, precision_rounding=notice.uom_id.rounding
            ):
                vals["scrap_id"] = notice.sudo()._asq_scrap().id
            if float_is_zero(notice.qty_ok, precision_rounding=notice.uom_id.rounding):
                vals["state"] = "done"
            else:
                vals["state"] = "reinspected"
                vals["picking_id"] = notice.sudo()._asq_create_back_to_stock().id
            notice._asq_finish("reinspect", vals)
            if notice.state == "done":
                notice.return_id.sudo()._check_done()
        return True

    def action_cancel(self):
        """Button "Cancel the Notice" (quality manager, with the reason given
        on the form): its transfer back to stock not done yet is cancelled,
        its to-dos removed, and the return request no longer waits for it
        (done now if nothing else is open)."""
        notices = self._asq_begin("cancel")
        for notice in notices:
            picking = notice.sudo().picking_id.filtered(
                lambda p: p.state not in ("done", "cancel")
            )
            if picking:
                picking.action_cancel()
            notice._asq_finish("cancel")
            notice.sudo().activity_ids.unlink()
            reason = (notice.cancel_reason or "").strip()
            notice.message_post(
                body=self.env._(
                    "Rework notice cancelled by %(user)s: %(reason)s",
                    user=self.env.user.name,
                    reason=reason,
                )
            )
            notice.return_id.sudo().message_post(
                body=self.env._(
                    "Rework notice %(name)s cancelled by %(user)s: %(reason)s. "
                    "The request no longer waits for it.",
                    name=notice.name,
                    user=self.env.user.name,
                    reason=reason,
                )
            )
        # (the request is done when its put-aways are booked and no notice
        # of it is open)
        notices.return_id.sudo()._check_done()
        return True

    def action_print(self):
        """Button "Print": the rework notice (《返工通知单》)."""
        return self.env.ref(
            "after_sales_quality.asq_rework_notice_report"
        ).report_action(self)

    def action_view_return(self):
        """Smart button "Return Request"."""
        self.ensure_one()
        return self._asq_records_action(
            "after_sales_quality.asq_return_action", self.return_id
        )

    def action_view_picking(self):
        """Smart button "Transfer to Stock"."""
        self.ensure_one()
        return self._asq_list_action(
            "stock.action_picking_tree_all",
            [("id", "in", self.picking_id.ids)],
            {"create": False},
        )

    def _asq_on_back_in_stock(self):
        """The transfer back to stock is done: the notice is done, and the
        return request it held may be done too."""
        notices = self.filtered(
            lambda n: n.state == "reinspected" and n.picking_id.state == "done"
        )
        for notice in notices:
            notice._asq_finish("stock")
        notices.return_id._check_done()

    # ------------------------------------------------------------------
    # Preconditions, signers, assignees
    # ------------------------------------------------------------------
    def _asq_check_issue(self):
        missing = self._asq_empty_fields(("instructions", "date_due"))
        if not (self.user_id or self.department_id):
            missing += self._asq_field_labels(["user_id"])
        if missing or not (self.instructions or "").strip():
            return self.env._(
                "%(name)s cannot be issued yet. Missing: %(fields)s.",
                name=self.name,
                fields=", ".join(missing or self._asq_field_labels(["instructions"])),
            )
        return ""

    def _asq_check_rework(self):
        rounding = self.uom_id.rounding
        if (
            float_compare(
                self.qty_ok + self.qty_scrap, self.quantity, precision_rounding=rounding
            )
            != 0
        ):
            return self.env._(
                "%(name)s: the reworked OK (%(ok)s) and scrapped (%(scrap)s) "
                "quantities must add up to the %(quantity)s %(uom)s to rework.",
                name=self.name,
                ok=self.qty_ok,
                scrap=self.qty_scrap,
                quantity=self.quantity,
                uom=self.uom_id.name,
            )
        pending = self._asq_pending_putaways()
        if pending:
            return self.env._(
                "The goods of %(name)s are not in the Rework location yet: "
                "validate %(pickings)s first.",
                name=self.name,
                pickings=", ".join(pending.mapped("name")),
            )
        return ""

    def _asq_check_reinspect(self):
        if not (self.reinspection_note or "").strip():
            return self.env._(
                "Write the re-inspection findings of %(name)s first.", name=self.name
            )
        return ""

    def _asq_check_cancel(self):
        if not (self.cancel_reason or "").strip():
            return self.env._(
                "Give the reason for cancelling %(name)s first.", name=self.name
            )
        return ""

    def _asq_pending_putaways(self):
        """The return's transfers into the Rework location not done yet."""
        self.ensure_one()
        rework = self._asq_rework_location()
        return (
            self.return_id.sudo()
            .picking_ids.filtered(
                lambda p: p.location_dest_id == rework
                and p.state not in ("done", "cancel")
            )
            .sudo(False)
        )

    def _asq_signer_production(self):
        """Production signs its notices: the production responsible, or the
        head of the production department."""
        headed = (
            self.env["hr.department"]
            .sudo()
            .search([("manager_id.user_id", "=", self.env.uid)])
        )
        return [
            "|",
            ("user_id", "=", self.env.uid),
            ("department_id", "in", headed.ids),
        ]

    def _asq_assignee_production(self):
        return self.user_id or self.department_id.sudo().manager_id.user_id

    # ------------------------------------------------------------------
    # Stock
    # ------------------------------------------------------------------
    def _asq_rework_location(self):
        return self.return_id.sudo()._qc_location(self.warehouse_id, "rework")

    def _asq_create_back_to_stock(self):
        """The internal transfer of the good quantity from the Rework location
        to the warehouse's stock, its lot booked."""
        self.ensure_one()
        source = self._asq_rework_location()
        dest = self.warehouse_id.lot_stock_id
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse_id.int_type_id.id,
                "location_id": source.id,
                "location_dest_id": dest.id,
                "origin": f"{self.name} ({self.return_id.name})",
                "asq_rework_notice_id": self.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": self.product_id.display_name,
                            "product_id": self.product_id.id,
                            "product_uom_qty": self.qty_ok,
                            "product_uom": self.uom_id.id,
                            "location_id": source.id,
                            "location_dest_id": dest.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        move = picking.move_ids
        move.move_line_ids.unlink()
        self.env["stock.move.line"].create(
            {
                **move._prepare_move_line_vals(quantity=self.qty_ok),
                "lot_id": self.lot_id.id,
            }
        )
        picking.message_post(
            body=self.env._(
                "Reworked goods of %(name)s re-inspected OK: back to stock.",
                name=self.name,
            )
        )
        return picking

    def _asq_scrap(self):
        """Scrap what production could not rework, from the Rework location."""
        self.ensure_one()
        scrap = self.env["stock.scrap"].create(
            {
                "product_id": self.product_id.id,
                "product_uom_id": self.uom_id.id,
                "scrap_qty": self.qty_scrap,
                "lot_id": self.lot_id.id,
                "location_id": self._asq_rework_location().id,
                "company_id": self.company_id.id,
                "origin": self.name,
            }
        )
        scrap.do_scrap()
        return scrap

    # ------------------------------------------------------------------
    # Issued by the return's QC
    # ------------------------------------------------------------------
    @api.model
    def _asq_issue_for(self, ret):
        """The notices of the lines QC of ``ret`` disposed as rework, in
        draft: the quality department completes and issues them (its
        inspectors get the to-do)."""
        lines = ret.line_ids._asq_received().filtered(
            lambda x: x.qc_result == "accept" and x.qc_disposition == "rework"
        )
        if not lines:
            return self.browse()
        lines = lines.filtered(lambda x: x not in ret.rework_notice_ids.return_line_id)
        notices = (
            self.sudo()
            .with_context(**asq_step(WORKFLOW_KEY))
            .create(
                [
                    {
                        "return_id": ret.id,
                        "return_line_id": line.id,
                        "company_id": ret.company_id.id,
                        "warehouse_id": line.move_id.picking_type_id.warehouse_id.id,
                        "product_id": line.product_id.id,
                        "lot_id": line.lot_id.id,
                        "quantity": line.received_qty,
                        "defect": line.sudo().qc_note or line.reason,
                    }
                    for line in lines
                ]
            )
        )
        notices._asq_update_todos()
        ret.message_post(
            body=self.env._(
                "Rework notice %(names)s issued for the goods QC sent to rework; "
                "the request waits for them back in stock.",
                names=", ".join(notices.mapped("name")),
            )
        )
        return notices


class StockPicking(models.Model):
    _inherit = "stock.picking"

    asq_rework_notice_id = fields.Many2one(
        "asq.rework.notice",
        string="Rework Notice",
        readonly=True,
        index="btree_not_null",
        copy=False,
    )

    def _action_done(self):
        res = super()._action_done()
        notices = self.filtered(lambda p: p.state == "done").asq_rework_notice_id
        if notices:
            notices.sudo()._asq_on_back_in_stock()
        return res


class ResCompany(models.Model):
    _inherit = "res.company"

    asq_rework_days = fields.Integer(
        string="Rework Lead Time (working days)",
        default=5,
        help="The completion date a rework notice requests by default: this "
        "many working days after the notice (company calendar).",
    )


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    asq_rework_days = fields.Integer(
        related="company_id.asq_rework_days", readonly=False
    )


class AsqReturn(models.Model):
    _inherit = "asq.return"

    rework_notice_ids = fields.One2many(
        "asq.rework.notice", "return_id", string="Rework Notices", readonly=True
    )
    rework_notice_count = fields.Integer(compute="_compute_rework_notice_count")

    @api.depends("rework_notice_ids")
    def _compute_rework_notice_count(self):
        for ret in self:
            ret.rework_notice_count = len(ret.rework_notice_ids)

    def action_view_rework_notices(self):
        """Smart button "Rework Notices"."""
        self.ensure_one()
        return self._asq_records_action(
            "after_sales_quality.asq_rework_notice_action", self.rework_notice_ids
        )

    def _asq_open_rework_notices(self):
        return self.sudo().rework_notice_ids.filtered(lambda n: n.state in OPEN_STATES)

    def _asq_ensure_no_open_rework(self):
        """The request is done once the reworked goods are back in stock: a
        request with an open rework notice cannot be done."""
        for ret in self:
            open_notices = ret._asq_open_rework_notices()
            if open_notices:
                raise UserError(
                    self.env._(
                        "%(name)s cannot be done while its rework notice "
                        "%(notices)s is open: the reworked goods are not back "
                        "in stock yet.",
                        name=ret.name,
                        notices=", ".join(open_notices.mapped("name")),
                    )
                )

    def write(self, vals):
        # (a write outside the steps is refused by the request itself)
        if vals.get("state") == "done" and asq_in_step(self.env, RETURN_KEY):
            self._asq_ensure_no_open_rework()
        return super().write(vals)
