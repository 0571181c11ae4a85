from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import LazyTranslate

from .asq_document import asq_refuse, asq_state_field
from .asq_groups import GROUP_INSPECTOR, GROUP_MANAGER, GROUP_MGMT_REP
from .asq_workflow_mixin import (
    AsqEditable,
    AsqTransition,
    asq_in_step,
    asq_signature,
)

_lt = LazyTranslate(__name__)

WORKFLOW_KEY = "asq_adverse_event_workflow"
TODO = "mail.mail_activity_data_todo"
CRON = "after_sales_quality.asq_adverse_event_cron_escalation"

# 001 §4.3 「質量投訴的歸口管理部門為質量管理部。」: the quality department
# owns complaints, so it judges whether one is a reportable adverse event and
# files the report (the procedure's purpose cites the 《醫療器械監督管理條例》,
# whose monitoring rules are 《医疗器械不良事件监测和再评价管理办法》).
QUALITY_GROUPS = (GROUP_INSPECTOR, GROUP_MANAGER)

# The outcome classes of the individual report (《可疑医疗器械不良事件报告表》).
CLASSIFICATIONS = [
    ("death", "Death"),
    ("serious", "Serious injury, or could have caused death or serious injury"),
    ("cluster", "Cluster adverse event (群体不良事件)"),
    ("other", "Other reportable event"),
    ("none", "Not reportable"),
]
REPORTABLE = ("death", "serious", "cluster", "other")

# Escalation: once, when less than this share of the reporting period is
# left, or the floor below (whichever comes first).
ESCALATION_SHARE = 0.25
ESCALATION_FLOOR_DAYS = timedelta(hours=24)
ESCALATION_FLOOR_HOURS = timedelta(hours=3)

# Who/when fields and the status: only the workflow buttons write them.
SIGNATURE_FIELDS = frozenset(
    {
        "state",
        "decided_user_id",
        "decided_date",
        "submitted_user_id",
        "submitted_date",
        "escalated",
        "escalated_date",
    }
)
DECISION_FIELDS = (
    "complaint_id",
    "classification",
    "reason",
    "aware_date",
    "event_date",
    "abroad",
)
FILING_FIELDS = ("filing_date", "filing_reference")

# (lazy terms, translated where shown: self.env._(transition.label))
# pylint: disable=prefer-env-translation
TRANSITIONS = (
    AsqTransition(
        "decide",
        _lt("Record the reportability decision"),
        ("draft",),
        QUALITY_GROUPS,
        "decided",
        stamp="decided",
        freezes=DECISION_FIELDS,
        check="_asq_check_decide",
        todo=False,
    ),
    # A decision signed by mistake, or overtaken by what the investigation
    # found, is reopened by a quality manager before the filing.
    AsqTransition(
        "revise",
        _lt("Revise the decision"),
        ("decided",),
        (GROUP_MANAGER,),
        "draft",
        todo=False,
    ),
    AsqTransition(
        "submit",
        _lt("Record the filing with the regulator"),
        ("decided",),
        QUALITY_GROUPS,
        "submitted",
        stamp="submitted",
        freezes=FILING_FIELDS,
        check="_asq_check_submit",
        deadline="deadline",
    ),
)
# pylint: enable=prefer-env-translation


class AsqAdverseEvent(models.Model):
    """Reportability of a medical-device complaint as an adverse event
    (《医疗器械不良事件监测和再评价管理办法》): the quality department decides
    whether the complaint is a reportable adverse event and of which class;
    the class and the date the company became aware of it give the
    regulator's deadline; the filing (date and reference) closes it. One per
    complaint."""

    _name = "asq.adverse.event"
    _description = "Adverse Event Reportability"
    _inherit = [
        "mail.activity.mixin",
        "asq.document",
        "asq.workflow.mixin",
        "asq.editable.mixin",
        "mail.thread",
    ]
    _asq_workflow_key = WORKFLOW_KEY
    _asq_editable = {
        **{fname: AsqEditable(("draft",)) for fname in DECISION_FIELDS},
        **{fname: AsqEditable(("draft", "decided")) for fname in FILING_FIELDS},
    }
    _asq_transitions = TRANSITIONS
    _asq_sequence_code = "asq.adverse.event"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(index="trigram")
    state = asq_state_field(
        selection=[
            ("draft", "To Decide"),
            ("decided", "Decided"),
            ("submitted", "Submitted"),
        ],
        default="draft",
        help="To decide: the quality department judges whether the complaint "
        "is a reportable adverse event.\n"
        "Decided: the decision is signed; a reportable event waits for its "
        "report to the regulator by the deadline.\n"
        "Submitted: the report was filed (date and reference); the decision "
        "is frozen.",
    )
    complaint_id = fields.Many2one(
        "asq.complaint",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        tracking=True,
    )
    partner_id = fields.Many2one(
        related="complaint_id.commercial_partner_id", string="Customer"
    )
    classification = fields.Selection(
        CLASSIFICATIONS, string="Outcome Class", tracking=True, index=True
    )
    reportable = fields.Boolean(compute="_compute_reportable", store=True)
    reason = fields.Text(
        string="Reason for the Decision",
        tracking=True,
        help="Why the event is (or is not) reportable: what happened to the "
        "patient or user, the link with the device.",
    )
    aware_date = fields.Datetime(
        string="Aware On",
        tracking=True,
        help="When the company found out or was told of the event (发现或者获知"
        "之日): the regulator's deadline counts from it. Default: the date "
        "the complaint was received.",
    )
    event_date = fields.Date(tracking=True)
    abroad = fields.Boolean(
        string="Happened Abroad",
        tracking=True,
        help="The event happened outside the country (境外发生).",
    )
    deadline = fields.Datetime(
        string="Report Due By",
        compute="_compute_deadline",
        store=True,
        index=True,
        help="The regulator's deadline: the awareness date plus the period of "
        "the outcome class set in the settings.",
    )
    case_deadline = fields.Datetime(
        string="Case Reports Due By",
        compute="_compute_deadline",
        store=True,
        help="A cluster adverse event: each case is also reported as an "
        "individual event by this time.",
    )
    escalation_date = fields.Datetime(
        compute="_compute_deadline",
        store=True,
        index=True,
        help="When the quality managers and the management representative "
        "are warned if the report is not filed yet.",
    )
    remaining_hours = fields.Float(
        string="Hours Left", compute="_compute_countdown", digits=(16, 1)
    )
    countdown = fields.Char(string="Time Left", compute="_compute_countdown")
    overdue = fields.Boolean(compute="_compute_countdown", search="_search_overdue")
    filing_date = fields.Date(
        string="Filed On",
        tracking=True,
        help="The date the report was filed with the regulator.",
    )
    filing_reference = fields.Char(
        tracking=True,
        help="The report number the regulator's monitoring system gave.",
    )
    escalated = fields.Boolean(readonly=True, copy=False)
    escalated_date = fields.Datetime(readonly=True, copy=False)

    decided_user_id, decided_date = asq_signature("Decided By", "Decided On")
    submitted_user_id, submitted_date = asq_signature(
        "Filing Recorded By", "Filing Recorded On"
    )

    can_decide = fields.Boolean(compute="_compute_asq_can")
    can_submit = fields.Boolean(compute="_compute_asq_can")
    can_revise = fields.Boolean(compute="_compute_asq_can")

    _sql_constraints = [
        (
            "complaint_uniq",
            "UNIQUE(complaint_id)",
            "A complaint has one adverse-event reportability record.",
        ),
        (
            "name_company_uniq",
            "UNIQUE(name, company_id)",
            "The adverse-event reference must be unique per company.",
        ),
    ]

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("classification")
    def _compute_reportable(self):
        for event in self:
            event.reportable = event.classification in REPORTABLE

    @api.depends(
        "classification",
        "aware_date",
        "abroad",
        "company_id.asq_ae_death_days",
        "company_id.asq_ae_serious_days",
        "company_id.asq_ae_abroad_days",
        "company_id.asq_ae_cluster_hours",
        "company_id.asq_ae_cluster_case_hours",
        "company_id.asq_ae_other_days",
    )
    def _compute_deadline(self):
        for event in self:
            period = event._asq_period()
            if period is None or not event.aware_date:
                event.deadline = event.case_deadline = event.escalation_date = False
                continue
            company = event.company_id
            event.deadline = event.aware_date + period
            event.case_deadline = (
                event.aware_date + timedelta(hours=company.asq_ae_cluster_case_hours)
                if event.classification == "cluster"
                else False
            )
            floor = (
                ESCALATION_FLOOR_HOURS
                if period < timedelta(days=1)
                else ESCALATION_FLOOR_DAYS
            )
            # whichever comes first: 25% of the period left, or the floor
            event.escalation_date = event.deadline - max(
                period * ESCALATION_SHARE, min(floor, period)
            )

    def _asq_period(self):
        """The reporting period of the event's class (None: none)."""
        self.ensure_one()
        company = self.company_id
        if self.classification == "cluster":
            return timedelta(hours=company.asq_ae_cluster_hours)
        if self.classification in ("death", "serious") and self.abroad:
            return timedelta(days=company.asq_ae_abroad_days)
        if self.classification == "death":
            return timedelta(days=company.asq_ae_death_days)
        if self.classification == "serious":
            return timedelta(days=company.asq_ae_serious_days)
        if self.classification == "other":
            return timedelta(days=company.asq_ae_other_days)
        return None

    @api.depends("deadline", "state")
    def _compute_countdown(self):
        now = fields.Datetime.now()
        for event in self:
            if not event.deadline or event.state == "submitted":
                event.remaining_hours = 0.0
                event.countdown = False
                event.overdue = False
                continue
            hours = (event.deadline - now).total_seconds() / 3600.0
            event.remaining_hours = hours
            event.overdue = hours < 0
            event.countdown = event._asq_countdown_text(hours)

    def _asq_countdown_text(self, hours):
        left = abs(hours)
        days, rest = divmod(int(left), 24)
        if days:
            span = self.env._("%(days)s d %(hours)s h", days=days, hours=rest)
        else:
            span = self.env._("%(hours)s h", hours=rest)
        if hours < 0:
            return self.env._("Overdue by %(span)s", span=span)
        return self.env._("%(span)s left", span=span)

    def _search_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(self.env._("Unsupported search on Overdue."))
        domain = [
            ("deadline", "<", fields.Datetime.now()),
            ("state", "!=", "submitted"),
        ]
        if (operator == "=") == value:
            return domain
        return ["!", "&", *domain]

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            self._asq_ensure_role(
                QUALITY_GROUPS, self.env._("Adverse-event reportability")
            )
            for vals in vals_list:
                self._asq_ensure_fields_unsigned(vals, SIGNATURE_FIELDS, "draft")
        complaints = self.env["asq.complaint"].browse(
            [vals["complaint_id"] for vals in vals_list if vals.get("complaint_id")]
        )
        received = {c.id: c.received_date for c in complaints}
        companies = {c.id: c.company_id.id for c in complaints}
        for vals in vals_list:
            complaint_id = vals.get("complaint_id")
            if complaint_id and not vals.get("aware_date"):
                vals["aware_date"] = received.get(complaint_id)
            if complaint_id:
                # the complaint's company, whatever the caller says
                vals["company_id"] = companies.get(complaint_id)
        return super().create(vals_list)

    def write(self, vals):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            self._asq_ensure_fields_unsigned(vals, SIGNATURE_FIELDS, "draft")
            self._asq_ensure_editable(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_decided(self):
        asq_refuse(
            self.filtered(lambda e: e.state != "draft"),
            self.env._(
                "Only undecided adverse-event records can be deleted: %(names)s."
            ),
        )

    # ------------------------------------------------------------------
    # Steps
    # ------------------------------------------------------------------
    @api.depends("state", "classification", "reason", "aware_date", "filing_reference")
    @api.depends_context("uid")
    def _compute_asq_can(self):
        """(the engine's, also when the data its preconditions read change)"""
        return super()._compute_asq_can()

    def action_decide(self):
        """Button "Decide": signs the reportability decision; a reportable
        event's deadline now runs (it counts from the awareness date)."""
        events = self._asq_begin("decide")
        events._asq_finish("decide")
        return True

    def action_revise(self):
        """Button "Revise": the decision back to be decided again (before the
        filing); its deadline follows the new class."""
        events = self._asq_begin("revise")
        events._asq_finish("revise")
        return True

    def action_submit(self):
        """Button "Filed": records the filing with the regulator (its date
        and reference); the decision is frozen."""
        events = self._asq_begin("submit")
        vals = {}
        if not events.filtered("filing_date"):
            vals["filing_date"] = fields.Date.context_today(self)
        events._asq_finish("submit", vals)
        return True

    def action_print(self):
        """Button "Print": the draft of the individual report
        《可疑医疗器械不良事件报告表》."""
        return self.env.ref(
            "after_sales_quality.asq_adverse_event_report"
        ).report_action(self)

    def _asq_check_decide(self):
        missing = self._asq_empty_fields(("classification", "reason", "aware_date"))
        if missing:
            return self.env._(
                "The reportability decision of %(name)s is missing: %(fields)s.",
                name=self.name,
                fields=", ".join(missing),
            )
        return ""

    def _asq_check_submit(self):
        if not self.reportable:
            return self.env._(
                "%(name)s was decided not reportable: there is no filing to " "record.",
                name=self.name,
            )
        if not (self.filing_reference or "").strip():
            return self.env._(
                "Give the regulator's reference of the report filed for %(name)s.",
                name=self.name,
            )
        return ""

    # ------------------------------------------------------------------
    # Escalation before the deadline
    # ------------------------------------------------------------------
    @api.model
    def _cron_escalate(self, batch_size=500):
        """Once per event, when less than a quarter of the reporting period
        (or 24 h of a day-counted period, 3 h of the cluster's 12 h) is left
        and the report is not filed: a to-do and a message for the quality
        managers and the management representative of its company."""
        Guard = self.env["asq.cron.guard"]
        events = self.sudo().search(
            [
                ("escalated", "=", False),
                ("reportable", "=", True),
                ("state", "in", ("draft", "decided")),
                ("escalation_date", "<=", fields.Datetime.now()),
            ],
            limit=batch_size,
        )
        done, failures = Guard._asq_run_each(
            CRON, events, lambda event: event._asq_escalate()
        )
        Guard._asq_report_failures(CRON, failures)
        return done

    def _asq_escalation_users(self):
        self.ensure_one()
        users = self._asq_company_users(
            GROUP_MANAGER, self.company_id
        ) | self._asq_company_users(GROUP_MGMT_REP, self.company_id)
        return users.filtered(lambda u: u.active and not u.share)

    def _asq_escalate(self):
        self.ensure_one()
        event = self.sudo()
        Guard = self.env["asq.cron.guard"]
        users = event._asq_escalation_users()
        # the flag first: never twice, even with nobody to tell
        event._workflow_write(
            {"escalated": True, "escalated_date": fields.Datetime.now()}
        )
        for user in users:
            env = Guard._asq_env(user)
            event.with_context(
                lang=env.lang, mail_activity_quick_update=True
            ).activity_schedule(
                TODO,
                date_deadline=fields.Datetime.context_timestamp(
                    event.with_user(user), event.deadline
                ).date(),
                summary=env._("Adverse-event report due: %(name)s", name=event.name),
                user_id=user.id,
            )
        if users:
            Guard._asq_notify(users, event._asq_escalation_message)
        event.message_post(
            body=Markup("<p>%s</p>")
            % self.env._(
                "The report to the regulator is due by %(deadline)s and is not "
                "filed yet: the quality managers and the management "
                "representative were told.",
                deadline=fields.Datetime.to_string(event.deadline),
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _asq_escalation_message(self, env):
        event = self.with_env(env)
        subject = env._(
            "Adverse-event report due soon: %(name)s (complaint %(complaint)s)",
            name=event.name,
            complaint=event.complaint_id.name,
        )
        body = Markup("<p>%s</p>") % env._(
            "The adverse event %(name)s of complaint %(complaint)s "
            "(%(classification)s) must be reported to the regulator by "
            "%(deadline)s UTC and is not filed yet.",
            name=event.name,
            complaint=event.complaint_id.name,
            classification=dict(
                event._fields["classification"]._description_selection(env)
            ).get(event.classification, ""),
            deadline=fields.Datetime.to_string(event.deadline),
        )
        return subject, body

    # ------------------------------------------------------------------
    # The report draft
    # ------------------------------------------------------------------
    def _asq_report_lines(self):
        """The complaint's lines the report names (product, model, lot)."""
        self.ensure_one()
        return self.complaint_id.sudo().line_ids.filtered("product_id")


class AsqComplaint(models.Model):
    """The complaint's adverse-event reportability (asq.adverse.event)."""

    _inherit = "asq.complaint"

    adverse_event_ids = fields.One2many(
        "asq.adverse.event", "complaint_id", string="Adverse Events"
    )
    adverse_event_id = fields.Many2one(
        "asq.adverse.event",
        compute="_compute_adverse_event",
        search="_search_adverse_event",
    )
    ae_state = fields.Selection(related="adverse_event_id.state", string="AE Status")
    ae_classification = fields.Selection(
        related="adverse_event_id.classification", string="AE Outcome Class"
    )
    ae_deadline = fields.Datetime(
        related="adverse_event_id.deadline", string="Regulatory Report Due By"
    )
    ae_countdown = fields.Char(
        related="adverse_event_id.countdown", string="Regulatory Report Time Left"
    )
    ae_overdue = fields.Boolean(
        related="adverse_event_id.overdue", string="Regulatory Report Overdue"
    )
    ae_report_due = fields.Boolean(
        string="Regulatory Report Due",
        compute="_compute_adverse_event",
        search="_search_ae_report_due",
    )

    @api.depends("adverse_event_ids.state", "adverse_event_ids.reportable")
    def _compute_adverse_event(self):
        for complaint in self:
            event = complaint.adverse_event_ids[:1]
            complaint.adverse_event_id = event
            complaint.ae_report_due = bool(
                event.reportable and event.state != "submitted"
            )

    def _search_adverse_event(self, operator, value):
        return [("adverse_event_ids", operator, value)]

    def _search_ae_report_due(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(
                self.env._("Unsupported search on Regulatory Report Due.")
            )
        domain = [
            ("adverse_event_ids.reportable", "=", True),
            ("adverse_event_ids.state", "!=", "submitted"),
        ]
        if (operator == "=") == value:
            return domain
        return [("id", "not in", self.search(domain).ids)]

    def action_open_adverse_event(self):
        """Button "Adverse Event": the complaint's reportability record,
        created (by the quality department) at the first click."""
        self.ensure_one()
        event = self.adverse_event_ids[:1]
        if not event:
            event = self.env["asq.adverse.event"].create({"complaint_id": self.id})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Adverse Event"),
            "res_model": "asq.adverse.event",
            "res_id": event.id,
            "view_mode": "form",
        }


class ResCompany(models.Model):
    _inherit = "res.company"

    # The periods of 《医疗器械不良事件监测和再评价管理办法》 (article numbers
    # not cited: not verified here), counted from 发现或者获知之日:
    # 「医疗器械经营企业、使用单位发现或者获知可疑医疗器械不良事件的,应当及时
    # 告知持有人。其中,导致死亡的还应当在7日内,导致严重伤害、可能导致严重
    # 伤害或者死亡的在20日内,通过国家医疗器械不良事件监测信息系统报告。」
    # (the holder's own periods are the same: 7 and 20 days). Death: 7 days.
    asq_ae_death_days = fields.Integer(string="Death: Report Within (Days)", default=7)
    # Serious injury, or could have caused death or serious injury: 20 days.
    asq_ae_serious_days = fields.Integer(
        string="Serious Injury: Report Within (Days)", default=20
    )
    # Same regulation: 「…在境外发生的医疗器械不良事件。其中,导致或者可能导致
    # 严重伤害或者死亡的,…应当自发现或者获知之日起30日内报告。」 (abroad: 30 days)
    asq_ae_abroad_days = fields.Integer(
        string="Event Abroad: Report Within (Days)", default=30
    )
    # Same regulation: 「发现或者获知群体医疗器械不良事件后,应当在12小时内通过
    # 电话或者传真等方式报告…对每一事件还应当在24小时内按个例事件报告。」
    # (a cluster: 12 hours; each case as an individual report: 24 hours)
    asq_ae_cluster_hours = fields.Integer(
        string="Cluster Event: Report Within (Hours)", default=12
    )
    asq_ae_cluster_case_hours = fields.Integer(
        string="Cluster Event: Each Case Within (Hours)", default=24
    )
    # Other reportable events: the company's own time limit (the regulation
    # sets none for them here).
    asq_ae_other_days = fields.Integer(
        string="Other Reportable Event: Report Within (Days)", default=30
    )

    _sql_constraints = [
        (
            "asq_ae_periods_positive",
            "CHECK(asq_ae_death_days > 0 AND asq_ae_serious_days > 0 "
            "AND asq_ae_abroad_days > 0 AND asq_ae_cluster_hours > 0 "
            "AND asq_ae_cluster_case_hours > 0 AND asq_ae_other_days > 0)",
            "The adverse-event reporting periods must be positive.",
        ),
    ]


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    asq_ae_death_days = fields.Integer(
        related="company_id.asq_ae_death_days", readonly=False
    )
    asq_ae_serious_days = fields.Integer(
        related="company_id.asq_ae_serious_days", readonly=False
    )
    asq_ae_abroad_days = fields.Integer(
        related="company_id.asq_ae_abroad_days", readonly=False
    )
    asq_ae_cluster_hours = fields.Integer(
        related="company_id.asq_ae_cluster_hours", readonly=False
    )
    asq_ae_cluster_case_hours = fields.Integer(
        related="company_id.asq_ae_cluster_case_hours", readonly=False
    )
    asq_ae_other_days = fields.Integer(
        related="company_id.asq_ae_other_days", readonly=False
    )
