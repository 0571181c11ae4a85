from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import LazyTranslate

from .asq_groups import GROUP_INSPECTOR, GROUP_USER_ALL
from .asq_workflow_mixin import AsqEditable, AsqTransition, asq_in_step

_lt = LazyTranslate(__name__)

WORKFLOW_KEY = "asq_vendor_workflow"
# What the after-sales section records of the vendor's work: all of it until
# quality verifies it, nothing afterwards. write() and the form's readonly=
# both read this table (asq.editable.mixin).
EDITABLE = dict.fromkeys(
    ("vendor_id", "equipment", "date", "company_id", "work"),
    AsqEditable(("draft",), GROUP_USER_ALL),
)
# Only the button Verify writes them.
WORKFLOW_FIELDS = frozenset({"state", "verified_user_id", "verified_date"})


# (lazy terms, translated where shown: self.env._(transition.label))
# pylint: disable=prefer-env-translation
TRANSITIONS = (
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
    work = fields.Text(string="Work Done", required=True)
    verified_user_id = fields.Many2one(
        "res.users", readonly=True, copy=False, string="Verified By"
    )
    verified_date = fields.Datetime(readonly=True, copy=False, string="Verified At")
    # Derived from the verification (stored: computed for the records
    # verified before the field existed); the step writes it too.
    state = fields.Selection(
        string="Status",
        selection=[("draft", "To Verify"), ("verified", "Verified")],
        compute="_compute_state",
        store=True,
        index=True,
        help="To Verify: the vendor's work waits for quality's check.\n"
        "Verified: quality checked the work on the equipment; the record no "
        "longer changes.",
    )
    # The button (the engine: role and state).
    can_verify = fields.Boolean(compute="_compute_asq_can")

    @api.depends("verified_date")
    def _compute_state(self):
        for record in self:
            record.state = "verified" if record.verified_date else "draft"

    @api.model_create_multi
    def create(self, vals_list):
        if not asq_in_step(self.env, WORKFLOW_KEY) and any(
            set(v) & WORKFLOW_FIELDS for v in vals_list
        ):
            raise UserError(self._verified_message())
        return super().create(vals_list)

    def write(self, vals):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            if set(vals) & WORKFLOW_FIELDS:
                raise UserError(self._verified_message())
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

    def action_verify(self):
        """Button "Verify": quality checked the work on the equipment."""
        self._asq_begin("verify")._asq_finish("verify")
        return True

    def _verified_message(self):
        return self.env._("Use the button Verify to verify a maintenance record.")
