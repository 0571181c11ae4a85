from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import LazyTranslate

from .asq_capa import GROUP_EMPLOYEE, WORKFLOW_KEY
from .asq_document import asq_refuse
from .asq_groups import GROUP_INSPECTOR
from .asq_workflow_mixin import AsqEditable, AsqTransition, asq_in_step, asq_step

_lt = LazyTranslate(__name__)

# An action line of the plan: what is done, by whom, by when, and its
# evidence, while it is open (its owner or the quality department; the CAPA
# form's action plan adds the CAPA's own states, see AsqCapaAction.write).
ACTION_EDITABLE = {
    fname: AsqEditable(("open",))
    for fname in (
        "name",
        "action_type",
        "user_id",
        "department_id",
        "date_due",
        "evidence",
        "attachment_ids",
    )
}


# (lazy terms, translated where shown: self.env._(transition.label))
# pylint: disable=prefer-env-translation
TRANSITIONS = (
    # Its owner, or the quality department (see the signer).
    AsqTransition(
        "done",
        _lt("Done"),
        ("open",),
        to_state="done",
        stamp="done",
        check="_asq_check_done",
        signer="_asq_signer_done",
        # Whoever must act next gets a to-do: the action's owner, on the
        # CAPA (asq.workflow.mixin._asq_todo_holder), due on its date.
        assignee="_asq_assignee_done",
        deadline="date_due",
    ),
    # The head of the department the action falls to confirms it for the
    # department once its owner has marked it done: 004 「3.3 责任单位:负责
    # 不良原因调查、对策提出与处置。」 (the responsible unit answers for the
    # countermeasure and its carrying out) and 003 「按照评审结论由责任部门
    # 进行检讨分析,并提出永久性改善对策及预防方案转交给销售部回复客户。」 (the
    # responsible department hands its countermeasures on). The head may
    # only read the action: the engine's check (read access, state, signer)
    # is the access control of this step.
    AsqTransition(
        "department_confirm",
        _lt("Confirm for the Department"),
        ("done",),
        (GROUP_EMPLOYEE,),
        access="read",
        stamp="department_confirm",
        check="_asq_check_department_confirm",
        signer="_asq_signer_department_confirm",
        assignee="_asq_assignee_department_confirm",
    ),
    AsqTransition(
        "cancel",
        _lt("Cancel"),
        ("open",),
        (GROUP_INSPECTOR,),
        "cancel",
        todo=False,
    ),
)
# pylint: enable=prefer-env-translation


class AsqCapaAction(models.Model):
    """One action of a CAPA's action plan."""

    _name = "asq.capa.action"
    _description = "CAPA Action"
    _inherit = ["asq.workflow.mixin", "asq.editable.mixin", "asq.deadline.mixin"]
    _order = "capa_id, round, date_due, id"
    _check_company_auto = True
    # Its own form reads this table; in the CAPA form the action plan is
    # read-only outside the CAPA's planning states (the CAPA's table).
    _asq_editable = ACTION_EDITABLE
    _asq_closed_states = ("done", "cancel")
    # The guard of write() below lets the CAPA's own steps through.
    _asq_workflow_key = WORKFLOW_KEY
    # The Done button follows its CAPA's state too (the plan confirmed).
    _asq_can_depends = ("state", "capa_id.state")
    _asq_transitions = TRANSITIONS
    # Overdue actions are escalated once each by the CAPA reminder job
    # (asq.deadline.mixin; asq.capa._cron_action_reminders).
    _asq_deadline_field = "date_due"
    _asq_escalated_field = "escalated"
    _asq_escalation_job = "after_sales_quality.asq_capa_cron_reminders"

    capa_id = fields.Many2one(
        "asq.capa", string="CAPA", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="capa_id.company_id", store=True, index=True)
    round = fields.Integer(readonly=True, index=True)
    name = fields.Char(string="Action", required=True)
    action_type = fields.Selection(
        selection=[
            ("correction", "Correction"),
            ("corrective", "Corrective action"),
            ("preventive", "Preventive action"),
            ("improvement", "Improvement"),
        ],
        string="Type",
        required=True,
        default="corrective",
    )
    user_id = fields.Many2one("res.users", string="Owner", index=True)
    department_id = fields.Many2one("hr.department")
    # Procedure 002: "如若客户有要求提供纠正和预防措施的,则按客户要求在规定的期限内,
    # 提交纠正和预防措施" (where the customer asks for corrective and
    # preventive action, submit it within the time the customer sets): the
    # due date is set per action, a calendar date.
    date_due = fields.Date(string="Due Date", index=True)
    state = fields.Selection(
        selection=[("open", "Open"), ("done", "Done"), ("cancel", "Cancelled")],
        default="open",
        required=True,
        readonly=True,
        index=True,
    )
    evidence = fields.Text(help="What was done and where the proof is.")
    attachment_ids = fields.Many2many("ir.attachment", string="Evidence Files")
    done_date = fields.Date(string="Done On", readonly=True)
    done_user_id = fields.Many2one("res.users", string="Done By", readonly=True)
    department_confirm_user_id = fields.Many2one(
        "res.users",
        string="Confirmed for the Department By",
        readonly=True,
        copy=False,
        help="The head of the action's department (or of the CAPA's "
        "responsible department) who confirmed it for the department.",
    )
    department_confirm_date = fields.Datetime(
        string="Confirmed for the Department On", readonly=True, copy=False
    )
    on_time = fields.Boolean(compute="_compute_on_time", store=True)
    reminded = fields.Boolean(readonly=True, copy=False)
    escalated = fields.Boolean(readonly=True, copy=False)
    can_done = fields.Boolean(compute="_compute_asq_can")
    can_cancel = fields.Boolean(compute="_compute_asq_can")
    can_department_confirm = fields.Boolean(compute="_compute_asq_can")

    @api.depends("done_date", "date_due")
    def _compute_on_time(self):
        for action in self:
            action.on_time = bool(
                action.done_date
                and (not action.date_due or action.done_date <= action.date_due)
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            capa = self.env["asq.capa"].browse(vals.get("capa_id"))
            if capa.state in ("verification", "closed", "cancel"):
                raise UserError(
                    self.env._(
                        "%(name)s is past its action plan: no action can be added.",
                        name=capa.name,
                    )
                )
            vals["round"] = capa.round or 1
            vals.pop("state", None)
        actions = super().create(vals_list)
        actions._asq_update_todos()
        return actions

    def write(self, vals):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            if {
                "state",
                "done_date",
                "done_user_id",
                "round",
                "department_confirm_user_id",
                "department_confirm_date",
            } & set(vals):
                raise UserError(self.env._("Mark actions done with the Done button."))
            # The line guard, also for the edits made through the CAPA form:
            # a line no longer changes once done or cancelled, nor once its
            # CAPA is past its action plan (as create() refuses new lines).
            locked = self.filtered(lambda a: a.state != "open")
            if locked:
                raise UserError(
                    self.env._(
                        "%(actions)s is done or cancelled and cannot be changed.",
                        actions=", ".join(locked.mapped("name")),
                    )
                )
            asq_refuse(
                self.capa_id.filtered(
                    lambda c: c.state in ("verification", "closed", "cancel")
                ),
                self.env._(
                    "%(names)s is past its action plan: its actions can no "
                    "longer be changed."
                ),
            )
            self._asq_ensure_editable(vals)
        result = super().write(vals)
        if {"user_id", "date_due"} & set(vals):
            # Whose to-do the action is, and by when, changed.
            self._asq_update_todos()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_planned(self):
        if self.filtered(lambda a: a.capa_id.state not in ("draft", "analysis")):
            raise UserError(
                self.env._(
                    "Actions of a confirmed plan cannot be deleted: cancel them."
                )
            )

    def action_done(self):
        """Button "Done" on an action line: its owner records the evidence."""
        actions = self._asq_begin("done")
        # The evidence is entered on the line just before the button.
        for action in actions:
            if not (action.evidence or "").strip() and not action.attachment_ids:
                raise UserError(
                    self.env._(
                        "Record the evidence of %(action)s before marking it done.",
                        action=action.name,
                    )
                )
        actions._asq_finish("done", {"done_date": fields.Date.context_today(self)})
        return True

    def action_department_confirm(self):
        """Button "Confirm for the Department": the head of the action's
        department confirms the action its owner marked done."""
        actions = self._asq_begin("department_confirm")
        # (the head only reads the action: checked above, written as such)
        actions.sudo()._asq_finish("department_confirm")
        for action in actions:
            action.capa_id.message_post(
                body=self.env._(
                    "%(action)s confirmed for the department %(department)s.",
                    action=action.name,
                    department=action._asq_confirm_department().name,
                )
            )
        return True

    def action_cancel(self):
        """Button "Cancel" on an action line (quality department)."""
        self._asq_begin("cancel")._asq_finish("cancel")
        return True

    def _asq_check_done(self):
        if self.capa_id.state != "action":
            return self.env._(
                "%(action)s is not open: reload the page.", action=self.name
            )
        return ""

    @api.model
    def _asq_signer_done(self):
        """Its owner marks an action done, or the quality department."""
        if self.env.user.has_group(GROUP_INSPECTOR):
            return expression.TRUE_DOMAIN
        return [("user_id", "=", self.env.uid)]

    def _asq_confirm_department(self):
        """The department the action falls to: its own, else its CAPA's
        responsible department (read as such: a head needs no HR right)."""
        self.ensure_one()
        return (self.department_id or self.capa_id.department_id).sudo()

    def _asq_check_department_confirm(self):
        if self.department_confirm_user_id:
            return self.env._(
                "%(action)s is confirmed for its department already.",
                action=self.name,
            )
        if self.capa_id.state not in ("action", "verification"):
            return self.env._(
                "%(action)s: its CAPA is no longer carrying out its plan.",
                action=self.name,
            )
        return ""

    @api.model
    def _asq_signer_department_confirm(self):
        """The done actions waiting for the user's confirmation: those of
        the departments the user heads (the action's department, else its
        CAPA's)."""
        headed = (
            self.env["hr.department"]
            .sudo()
            .search([("manager_id.user_id", "=", self.env.uid)])
        )
        if not headed:
            return None
        return [
            ("department_confirm_user_id", "=", False),
            "|",
            ("department_id", "in", headed.ids),
            "&",
            ("department_id", "=", False),
            ("capa_id.department_id", "in", headed.ids),
        ]

    def _asq_assignee_department_confirm(self):
        """Whose to-do the confirmation is: the head of the action's
        department, once its owner marked it done and while its CAPA
        carries out or verifies its plan."""
        if self.department_confirm_user_id or self.capa_id.state not in (
            "action",
            "verification",
        ):
            return self.env["res.users"]
        return self._asq_confirm_department().manager_id.user_id

    def _asq_todo_holder(self):
        """(asq.workflow.mixin) An action line has no chatter: its to-do is
        on its CAPA."""
        self.ensure_one()
        return self.capa_id

    def _asq_assignee_done(self):
        """Whose to-do the action is while its CAPA carries out the plan:
        its owner (the head of its department confirms it once done:
        department_confirm)."""
        if self.capa_id.state != "action":
            return self.env["res.users"]
        return self.user_id

    def _asq_todo_summary(self, step):
        """(asq.workflow.mixin) The action's own words, e.g. "CAPA action:
        Retrain the packers"."""
        self.ensure_one()
        if step == "department_confirm":
            return self.env._(
                "Confirm the CAPA action for your department: %(action)s",
                action=self.name,
            )
        return self.env._("CAPA action: %(action)s", action=self.name)

    def _remind_owner(self):
        """(the reminder job) Tell each owner, in the owner's language."""
        for action in self.filtered("user_id"):
            env = action.with_context(lang=action.user_id.lang or "en_US").env
            action.capa_id.message_post(
                body=env._(
                    "Reminder: %(action)s is due on %(date)s.",
                    action=action.name,
                    date=action.date_due,
                ),
                partner_ids=action.user_id.partner_id.ids,
                subtype_xmlid="mail.mt_comment",
            )
        self.with_context(**asq_step(WORKFLOW_KEY)).write({"reminded": True})

    @api.model
    def _asq_escalation_domain(self):
        """(asq.deadline.mixin) Open actions of a CAPA carrying out its plan."""
        return [("state", "=", "open"), ("capa_id.state", "=", "action")]

    @api.model
    def _asq_overdue_domain(self):
        """(asq.deadline.mixin) Overdue while the action is still open."""
        return [("state", "=", "open")]

    @api.model
    def _asq_escalation_anchor(self, record):
        return record.capa_id

    def _asq_escalate_overdue_batch(self):
        """(asq.deadline.mixin) Tell the quality managers on the CAPA."""
        for action in self:
            action.capa_id._asq_tell_managers(
                lambda env, action=action: env._(
                    "Overdue: %(action)s (owner %(owner)s) was due on %(date)s.",
                    action=action.name,
                    owner=action.user_id.name or "-",
                    date=action.date_due,
                ),
                lambda env, action=action: env._(
                    "Overdue CAPA action: %(action)s", action=action.name
                ),
            )
        self.with_context(**asq_step(WORKFLOW_KEY)).write({"escalated": True})
