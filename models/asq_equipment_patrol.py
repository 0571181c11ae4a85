from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import LazyTranslate

from .asq_document import asq_state_field
from .asq_groups import GROUP_USER_ALL
from .asq_workflow_mixin import (
    AsqEditable,
    AsqTransition,
    asq_in_step,
    asq_signature,
    asq_step,
)

_lt = LazyTranslate(__name__)

WORKFLOW_KEY = "asq_patrol_workflow"
# 001 (property management): 「設備工每日巡視設備,填寫各設備巡視記錄」: the
# equipment worker fills in the record while patrolling; once recorded
# (signed), nothing of it changes.
EDITABLE = dict.fromkeys(
    ("equipment_id", "date", "company_id", "line_ids", "problem"),
    AsqEditable(("draft",), GROUP_USER_ALL),
)
SIGNATURE_FIELDS = ("patrolled_user_id", "patrolled_date", "maintenance_id")

# (lazy terms, translated where shown: self.env._(transition.label))
# pylint: disable=prefer-env-translation
TRANSITIONS = (
    AsqTransition(
        "record",
        _lt("Record the patrol"),
        ("draft",),
        (GROUP_USER_ALL,),
        "done",
        stamp="patrolled",
        check="_asq_check_record",
    ),
    # 「發現問題及時通知分包方維保人員」: a problem found calls out the
    # vendor's maintenance staff (an asq.vendor.maintenance, called now).
    AsqTransition(
        "call_vendor",
        _lt("Call the vendor"),
        ("done",),
        (GROUP_USER_ALL,),
        "called",
        check="_asq_check_call_vendor",
        # (the to-do only on a patrol that found a problem)
        signer="_asq_call_vendor_signer",
    ),
)
# pylint: enable=prefer-env-translation


class AsqEquipmentPatrol(models.Model):
    """The daily patrol record of one piece of equipment (《設備巡視記錄》)."""

    _name = "asq.equipment.patrol"
    _description = "Equipment Patrol Record"
    _inherit = ["mail.thread", "mail.activity.mixin", "asq.workflow.mixin"]
    _inherit += ["asq.editable.mixin"]
    _asq_workflow_key = WORKFLOW_KEY
    _asq_editable = EDITABLE
    _asq_closed_states = ("done", "called")
    _asq_closed_writable = frozenset({"message_main_attachment_id"})
    _asq_transitions = TRANSITIONS
    _asq_signature_fields = SIGNATURE_FIELDS
    _asq_workflow_fields = ("state",)
    _order = "date desc, equipment_id, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    equipment_id = fields.Many2one(
        "maintenance.equipment",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    vendor_id = fields.Many2one(
        related="equipment_id.partner_id", store=True, index=True, string="Vendor"
    )
    date = fields.Date(
        required=True, index=True, default=fields.Date.context_today, tracking=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda s: s.env.company
    )
    state = asq_state_field(
        selection=[
            ("draft", "To Patrol"),
            ("done", "Recorded"),
            ("called", "Vendor Called"),
        ],
        default="draft",
        help="To Patrol: the day's check of the equipment is not recorded yet.\n"
        "Recorded: the patrol is signed; nothing of it changes.\n"
        "Vendor Called: a problem was found and the vendor's maintenance "
        "staff were called out.",
    )
    line_ids = fields.One2many(
        "asq.equipment.patrol.line", "patrol_id", string="Checked Items", copy=True
    )
    result = fields.Selection(
        [("ok", "OK"), ("problem", "Problem")],
        compute="_compute_result",
        store=True,
        index=True,
        help="Problem when any checked item has a problem.",
    )
    problem = fields.Text(
        string="Problem Found", help="What is wrong, for the vendor's staff."
    )
    patrolled_user_id, patrolled_date = asq_signature("Patrolled By", "Patrolled At")
    maintenance_id = fields.Many2one(
        "asq.vendor.maintenance",
        string="Call-out",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    can_record = fields.Boolean(compute="_compute_asq_can")
    can_call_vendor = fields.Boolean(compute="_compute_asq_can")

    _sql_constraints = [
        (
            "equipment_day_uniq",
            "UNIQUE(company_id, equipment_id, date)",
            "An equipment has one patrol record per day.",
        ),
    ]

    @api.depends("equipment_id", "date")
    def _compute_name(self):
        for patrol in self:
            day = fields.Date.to_string(patrol.date) if patrol.date else ""
            patrol.name = f"{patrol.equipment_id.name or ''} {day}".strip()

    @api.depends("line_ids.result")
    def _compute_result(self):
        for patrol in self:
            results = set(patrol.line_ids.mapped("result"))
            patrol.result = "problem" if "problem" in results else "ok"

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            self._asq_ensure_role(GROUP_USER_ALL, self.env._("Record the patrol"))
        equipment = self.env["maintenance.equipment"]
        for vals in vals_list:
            if not vals.get("line_ids") and vals.get("equipment_id"):
                items = equipment.browse(vals["equipment_id"]).asq_patrol_items
                vals["line_ids"] = [
                    Command.create({"sequence": index, "name": item.strip()})
                    for index, item in enumerate((items or "").splitlines())
                    if item.strip()
                ]
        return super().create(vals_list)

    def write(self, vals):
        if self._asq_caller_write(vals):
            self._asq_ensure_editable(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_recorded(self):
        if self.filtered(lambda p: p.state != "draft"):
            raise UserError(
                self.env._("A recorded patrol cannot be deleted: it is the record.")
            )

    # ------------------------------------------------------------------
    # Steps
    # ------------------------------------------------------------------
    def action_record(self):
        """Button "Record": the patrol is signed by whoever patrolled, now."""
        self._asq_begin("record")._asq_finish("record")
        return True

    def _asq_check_record(self):
        if not self.line_ids:
            return self.env._(
                "%(name)s has no checked item: add what was checked.", name=self.name
            )
        if self.result == "problem" and not self.problem:
            return self.env._(
                "%(name)s has a problem: describe it in Problem Found.",
                name=self.name,
            )
        return ""

    def action_call_vendor(self):
        """Button "Call the vendor": the call-out to the vendor's maintenance
        staff, called now (「發現問題及時通知分包方維保人員,報告設備經理」)."""
        patrols = self._asq_begin("call_vendor")
        maintenance = self.env["asq.vendor.maintenance"]
        for patrol in patrols:
            callout = maintenance.with_context(
                **asq_step(maintenance._asq_workflow_key)
            )._asq_call_out(patrol)
            patrol._asq_finish("call_vendor", {"maintenance_id": callout.id})
        return True

    def _asq_call_vendor_signer(self):
        return [("result", "=", "problem")]

    def _asq_check_call_vendor(self):
        if self.result != "problem":
            return self.env._(
                "%(name)s found no problem: there is nothing to call the vendor for.",
                name=self.name,
            )
        if not self.vendor_id:
            return self.env._(
                "The equipment of %(name)s has no vendor: set its vendor first.",
                name=self.name,
            )
        return ""

    # ------------------------------------------------------------------
    # The daily round
    # ------------------------------------------------------------------
    @api.model
    def _cron_daily_round(self):
        """Open today's patrol of every equipment patrolled daily that has
        none yet: the patrol role gets the to-do of recording it."""
        today = fields.Date.context_today(self)
        equipment = self.env["maintenance.equipment"].search(
            [("asq_daily_patrol", "=", True)]
        )
        done = self.search(
            [("date", "=", today), ("equipment_id", "in", equipment.ids)]
        ).mapped("equipment_id")
        missing = equipment - done
        patrols = (
            self.with_context(**asq_step(WORKFLOW_KEY))
            .sudo()
            .create(
                [
                    {
                        "equipment_id": item.id,
                        "company_id": item.company_id.id or self.env.company.id,
                        "date": today,
                    }
                    for item in missing
                ]
            )
        )
        # (a round left open keeps its to-dos, overdue the next day)
        patrols._asq_update_todos()
        return patrols

    def _ensure_patrol_draft(self):
        recorded = self.filtered(lambda p: p.state != "draft")
        if recorded:
            raise UserError(
                self.env._(
                    "The patrol %(names)s is recorded: its items can no longer "
                    "be changed.",
                    names=recorded._asq_names(),
                )
            )


class AsqEquipmentPatrolLine(models.Model):
    """One checked item of a patrol record: what was checked and its result."""

    _name = "asq.equipment.patrol.line"
    _description = "Equipment Patrol Item"
    _order = "patrol_id, sequence, id"

    patrol_id = fields.Many2one(
        "asq.equipment.patrol", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="patrol_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(string="Checked Item", required=True)
    result = fields.Selection(
        [("ok", "OK"), ("problem", "Problem")], required=True, default="ok"
    )
    note = fields.Char(string="Remarks")

    @api.model_create_multi
    def create(self, vals_list):
        self.env["asq.equipment.patrol"].browse(
            [vals.get("patrol_id") for vals in vals_list]
        )._ensure_patrol_draft()
        return super().create(vals_list)

    def write(self, vals):
        self.patrol_id._ensure_patrol_draft()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_recorded(self):
        self.patrol_id._ensure_patrol_draft()


class MaintenanceEquipment(models.Model):
    _inherit = "maintenance.equipment"

    asq_daily_patrol = fields.Boolean(
        string="Daily Patrol",
        help="The equipment worker patrols it every day: today's patrol "
        "record is opened each morning with a to-do.",
    )
    asq_patrol_items = fields.Text(
        string="Patrol Items",
        help="What a patrol checks, one item a line: each new patrol record "
        "lists them.",
    )


class ResCompany(models.Model):
    _inherit = "res.company"

    # The seed sets no figure: 「發現問題及時通知分包方維保人員」 (promptly).
    # The company sets its own limit (the maintenance contract's).
    asq_vendor_response_hours = fields.Float(
        string="Vendor Response Limit (hours)",
        default=4.0,
        help="Clock hours between the call-out and the vendor's arrival; a "
        "longer response counts as late on the monthly scorecard.",
    )


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    asq_vendor_response_hours = fields.Float(
        related="company_id.asq_vendor_response_hours", readonly=False
    )
