from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import LazyTranslate

from .asq_groups import GROUP_INSPECTOR, GROUP_USER_ALL
from .asq_workflow_mixin import (
    AsqEditable,
    AsqTransition,
    asq_in_step,
    asq_signature,
)

_lt = LazyTranslate(__name__)

WORKFLOW_KEY = "asq_vendor_workflow"
# What the after-sales section records of the vendor's work: all of it until
# quality verifies it, nothing afterwards. write() and the form's readonly=
# both read this table (asq.editable.mixin).
# A call-out keeps the vendor, equipment and day its patrol called: they are
# what the month's scorecard counts.
EDITABLE = dict.fromkeys(
    ("vendor_id", "equipment", "date", "company_id"),
    AsqEditable(("draft",), GROUP_USER_ALL, frozen_by="called_date"),
)
# (the vendor's staff's work is written down while they are on site too)
EDITABLE["work"] = AsqEditable(("arrived", "draft"), GROUP_USER_ALL)
# Only the buttons write them (the call-out from a patrol, Arrived, Fixed,
# Verify).
WORKFLOW_FIELDS = frozenset(
    {
        "state",
        "verified_user_id",
        "verified_date",
        "called_user_id",
        "called_date",
        "arrived_user_id",
        "arrived_date",
        "fixed_user_id",
        "fixed_date",
        "equipment_id",
        "response_limit",
    }
)


# (lazy terms, translated where shown: self.env._(transition.label))
# pylint: disable=prefer-env-translation
TRANSITIONS = (
    # 001 (property management): 「發現問題及時通知分包方維保人員」: the
    # vendor's staff arrive; the response time runs from the call-out to here.
    AsqTransition(
        "arrive",
        _lt("Vendor arrived"),
        ("called",),
        (GROUP_USER_ALL,),
        "arrived",
        stamp="arrived",
    ),
    AsqTransition(
        "fix",
        _lt("Fixed"),
        ("arrived",),
        (GROUP_USER_ALL,),
        "draft",
        stamp="fixed",
        check="_asq_check_fix",
    ),
    # 「對于維修保養后的結果進行驗證」
    AsqTransition(
        "verify",
        _lt("Verify maintenance"),
        ("draft",),
        (GROUP_INSPECTOR,),
        "verified",
        stamp="verified",
    ),
)
# pylint: enable=prefer-env-translation


class AsqVendorMaintenance(models.Model):
    """Maintenance done by an equipment vendor, verified by quality."""

    _name = "asq.vendor.maintenance"
    _description = "Vendor Maintenance Record"
    _inherit = [
        "mail.thread",
        "asq.vendor.record",
        "asq.workflow.mixin",
        "asq.editable.mixin",
    ]
    # The context key write() accepts from the step (the engine's writes).
    _asq_workflow_key = WORKFLOW_KEY
    _asq_editable = EDITABLE
    _asq_closed_states = ("verified",)
    _asq_closed_writable = frozenset({"message_main_attachment_id"})
    _asq_transitions = TRANSITIONS
    _order = "date desc, id desc"
    _check_company_auto = True

    # (vendor_id, company_id: asq.vendor.record)
    equipment = fields.Char(required=True, tracking=True)
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    work = fields.Text(string="Work Done")
    # The call-out of a patrol that found a problem (「發現問題及時通知分包方
    # 維保人員」): called, arrived, fixed, stamped by the steps.
    equipment_id = fields.Many2one(
        "maintenance.equipment",
        string="Patrolled Equipment",
        readonly=True,
        index="btree_not_null",
    )
    patrol_ids = fields.One2many(
        "asq.equipment.patrol", "maintenance_id", string="Patrol Record", readonly=True
    )
    called_user_id, called_date = asq_signature("Called By", "Called At")
    arrived_user_id, arrived_date = asq_signature(
        "Arrival Recorded By", "Vendor Arrived At"
    )
    fixed_user_id, fixed_date = asq_signature("Fix Recorded By", "Fixed At")
    response_limit = fields.Float(
        string="Response Limit (hours)",
        readonly=True,
        copy=False,
        help="The company's limit when the vendor was called.",
    )
    response_hours = fields.Float(
        string="Response Time (hours)",
        compute="_compute_response",
        store=True,
        digits=(8, 2),
        help="Clock hours from the call-out to the vendor's arrival.",
    )
    response_late = fields.Boolean(
        string="Late Response",
        compute="_compute_response",
        store=True,
        help="The vendor arrived after the response limit.",
    )
    verified_user_id = fields.Many2one(
        "res.users", readonly=True, copy=False, string="Verified By"
    )
    verified_date = fields.Datetime(readonly=True, copy=False, string="Verified At")
    # Derived from the verification (stored: computed for the records
    # verified before the field existed); the step writes it too.
    state = fields.Selection(
        string="Status",
        selection=[
            ("called", "Vendor Called"),
            ("arrived", "Vendor On Site"),
            ("draft", "To Verify"),
            ("verified", "Verified"),
        ],
        compute="_compute_state",
        store=True,
        index=True,
        help="Vendor Called: a patrol found a problem; the vendor's staff "
        "are on their way.\n"
        "Vendor On Site: the vendor's staff arrived and are at work.\n"
        "To Verify: the vendor's work waits for quality's check.\n"
        "Verified: quality checked the work on the equipment; the record no "
        "longer changes.",
    )
    # The button (the engine: role and state).
    can_arrive = fields.Boolean(compute="_compute_asq_can")
    can_fix = fields.Boolean(compute="_compute_asq_can")
    can_verify = fields.Boolean(compute="_compute_asq_can")

    @api.depends("verified_date", "called_date", "arrived_date", "fixed_date")
    def _compute_state(self):
        for record in self:
            if record.verified_date:
                record.state = "verified"
            elif record.called_date and not record.arrived_date:
                record.state = "called"
            elif record.called_date and not record.fixed_date:
                record.state = "arrived"
            else:
                record.state = "draft"

    @api.depends("called_date", "arrived_date", "response_limit")
    def _compute_response(self):
        for record in self:
            if record.called_date and record.arrived_date:
                delta = record.arrived_date - record.called_date
                record.response_hours = delta.total_seconds() / 3600
                record.response_late = record.response_hours > record.response_limit
            else:
                record.response_hours = 0.0
                record.response_late = False

    @api.model_create_multi
    def create(self, vals_list):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            for vals in vals_list:
                self._ensure_not_stamped(vals)
                if not vals.get("work"):
                    raise UserError(
                        self.env._(
                            "Describe the work the vendor did: a call-out to "
                            "the vendor starts from a patrol record instead."
                        )
                    )
        return super().create(vals_list)

    def write(self, vals):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            self._ensure_not_stamped(vals)
            verified = self.filtered(
                lambda record: record.state in self._asq_closed_states
            )
            if verified and set(vals) - self._asq_closed_writable:
                raise UserError(
                    self.env._("Verified maintenance records can no longer be changed.")
                )
            self._asq_ensure_editable(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_verified(self):
        if self.filtered("verified_date"):
            raise UserError(
                self.env._("Verified maintenance records cannot be deleted.")
            )

    @api.model
    def _asq_call_out(self, patrol):
        """The call-out of ``patrol`` (one, with a problem): its equipment's
        vendor, called now by the user (run by the patrol's step only)."""
        if not asq_in_step(self.env, WORKFLOW_KEY):
            raise UserError(self._verified_message())
        now = fields.Datetime.now()
        return self.create(
            {
                "vendor_id": patrol.vendor_id.id,
                "company_id": patrol.company_id.id,
                "equipment_id": patrol.equipment_id.id,
                "equipment": patrol.equipment_id.display_name,
                "date": patrol.date,
                "work": False,
                "called_user_id": self.env.uid,
                "called_date": now,
                "response_limit": patrol.company_id.asq_vendor_response_hours,
            }
        )

    def action_arrive(self):
        """Button "Vendor arrived": the response time stops now."""
        self._asq_begin("arrive")._asq_finish("arrive")
        return True

    def action_fix(self):
        """Button "Fixed": the vendor's staff finished the repair."""
        self._asq_begin("fix")._asq_finish("fix")
        return True

    def _asq_check_fix(self):
        if not self.work:
            return self.env._(
                "Describe the work done on %(name)s first.", name=self.display_name
            )
        return ""

    def action_verify(self):
        """Button "Verify": quality checked the work on the equipment."""
        self._asq_begin("verify")._asq_finish("verify")
        return True

    def _ensure_not_stamped(self, vals):
        forged = set(vals) & WORKFLOW_FIELDS
        if not forged:
            return
        if forged <= {"state", "verified_user_id", "verified_date"}:
            raise UserError(self._verified_message())
        raise UserError(
            self.env._(
                "%(fields)s are stamped by the buttons of the call-out (Call the "
                "vendor, Vendor arrived, Fixed) and cannot be written directly.",
                fields=", ".join(sorted(self._asq_field_labels(forged))),
            )
        )

    def _verified_message(self):
        return self.env._("Use the button Verify to verify a maintenance record.")
