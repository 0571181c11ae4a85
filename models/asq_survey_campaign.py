import random
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import LazyTranslate, float_round

from .asq_document import asq_refuse, asq_state_field
from .asq_groups import GROUP_MGMT_REP, GROUP_USER_ALL
from .asq_workflow_mixin import AsqEditable, AsqTransition, asq_in_step, asq_step

_lt = LazyTranslate(__name__)

WORKFLOW_KEY = "asq_survey_workflow"
# The after-sales section (sales / marketing) runs a campaign: 000 §3.2
# 「营销中心……负责组织对顾客满意程度进行测量」, 003 §4.3.4.1 「市场营销部每年对公司
# 主要客户进行一次书面的满意度调查」. The management representative supervises:
# 003 §4.3.4.3-4 「……编制客户满意度调查报告,并分发至管理者代表和品质部」,
# 「管理者代表应依据客户满意度调查报告分析……要求有关部门适时采取改进、纠正和预防
# 措施」: the Review step.
SURVEY_RUNNERS = (GROUP_USER_ALL,)
SURVEY_SUPERVISORS = (GROUP_MGMT_REP,)
DIMENSIONS = ("quality", "delivery", "service", "price")
# What a person fills in on the campaign and the states in which it may still
# change (by whoever may write a campaign: the after-sales section or the
# management representative). write() and the form's readonly= both read this
# table (asq.editable.mixin); a closed campaign no longer changes at all.
_DRAFT = ("draft",)
_NOT_CLOSED = ("draft", "sampled", "running")
EDITABLE = {
    "name": AsqEditable(_NOT_CLOSED),
    "date_start": AsqEditable(_NOT_CLOSED),
    "date_end": AsqEditable(_NOT_CLOSED),
    "target_index": AsqEditable(_NOT_CLOSED),
    "response_target": AsqEditable(_NOT_CLOSED),
    # The sampling's parameters: frozen with the sample (Draw Sample).
    "survey_id": AsqEditable(_DRAFT),
    "previous_campaign_id": AsqEditable(_DRAFT),
    "company_id": AsqEditable(_DRAFT),
    "c_share": AsqEditable(_DRAFT),
    "seed": AsqEditable(_DRAFT),
    "partner_category_ids": AsqEditable(_DRAFT),
}
# Fields fixed by the sampling: the auditor finds them as they were drawn (the
# sampling's parameters of the table, and what Draw Sample recorded).
FROZEN_FIELDS = (
    *(fname for fname, rule in EDITABLE.items() if rule.states == _DRAFT),
    "population_ab_count",
    "population_c_count",
    "sample_c_count",
    "sampled_date",
    "sampled_user_id",
)
# Satisfaction level under which a customer counts as "not very satisfied".
NOT_SATISFIED_BELOW = 60.0


# The campaign's own steps, run by whoever runs it: no to-dos.
# (lazy terms, translated where shown: self.env._(transition.label))
# pylint: disable=prefer-env-translation
TRANSITIONS = (
    AsqTransition(
        "draw_sample",
        _lt("Draw Sample"),
        ("draft",),
        SURVEY_RUNNERS,
        "sampled",
        stamp="sampled",
        todo=False,
    ),
    # Running: the customers not invited yet (none once all are).
    AsqTransition(
        "send_invitations",
        _lt("Send Invitations"),
        ("sampled", "running"),
        SURVEY_RUNNERS,
        "running",
        check="_asq_check_send_invitations",
        todo=False,
    ),
    AsqTransition(
        "send_reminders",
        _lt("Send Reminders"),
        ("running",),
        SURVEY_RUNNERS,
        todo=False,
    ),
    AsqTransition(
        "close",
        _lt("Close and Analyse"),
        ("running",),
        SURVEY_RUNNERS,
        "closed",
        stamp="closed",
        todo=False,
    ),
    # The closed campaign's report waits for the management representative's
    # review (a to-do), once.
    AsqTransition(
        "review",
        _lt("Review"),
        ("closed",),
        SURVEY_SUPERVISORS,
        stamp="reviewed",
        check="_asq_check_review",
        signer="_asq_signer_review",
    ),
)
# pylint: enable=prefer-env-translation
# Who/when of each step: written by the buttons only.
STAMP_FIELDS = tuple(fname for t in TRANSITIONS for fname in t.stamp_fields)


class AsqSurveyCampaign(models.Model):
    """Customer satisfaction survey campaign (《顾客满意程度调查表》)."""

    _name = "asq.survey.campaign"
    _description = "Customer Satisfaction Survey Campaign"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "asq.workflow.mixin",
        "asq.editable.mixin",
    ]
    _asq_workflow_key = WORKFLOW_KEY
    _asq_editable = EDITABLE
    _asq_closed_states = ("closed",)
    _asq_closed_writable = frozenset({"message_main_attachment_id"})
    _asq_transitions = TRANSITIONS
    _asq_signature_fields = STAMP_FIELDS
    _order = "date_start desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Campaign", required=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda s: s.env.company
    )
    date_start = fields.Date(
        string="Survey From", required=True, default=fields.Date.context_today
    )
    date_end = fields.Date(
        string="Answers Due By",
        required=True,
        default=lambda s: fields.Date.context_today(s) + timedelta(days=30),
    )
    survey_id = fields.Many2one(
        "survey.survey",
        string="Questionnaire",
        required=True,
        default=lambda s: s.env.ref(
            "after_sales_quality.asq_survey_satisfaction", raise_if_not_found=False
        ),
        help="Odoo Survey questionnaire; its scored questions carry a "
        "satisfaction dimension.",
    )
    survey_title = fields.Char(
        string="Questionnaire Title", related="survey_id.title", readonly=True
    )
    state = asq_state_field(
        selection=[
            ("draft", "Draft"),
            ("sampled", "Sampled"),
            ("running", "Running"),
            ("closed", "Closed"),
        ],
        default="draft",
        help="Draft: the parameters are set.\n"
        "Sampled: the customers to survey are drawn and frozen.\n"
        "Running: invitations are sent, answers come in.\n"
        "Closed: analysed; CAPA proposed for what missed its target.",
    )

    # ------------------------------------------------------------------
    # Targets and sampling
    # ------------------------------------------------------------------
    target_index = fields.Float(
        string="Target Satisfaction Index (%)",
        default=80.0,
        tracking=True,
        help="The yearly satisfaction objective; an index under it proposes a CAPA.",
    )
    response_target = fields.Float(
        string="A/B Response Target (%)",
        default=80.0,
        tracking=True,
        help="Share of the A and of the B customers who must answer.",
    )
    c_share = fields.Float(
        string="C Customers Share (%)",
        default=20.0,
        help="Share of the customers surveyed that are randomly drawn C customers.",
    )
    seed = fields.Integer(
        string="Random Seed",
        default=lambda s: random.SystemRandom().randint(1, 999999),
        help="Seed of the random draw of the C customers: the same seed and "
        "customers give the same sample.",
    )
    partner_category_ids = fields.Many2many(
        "res.partner.category",
        string="Only Customers Tagged",
        help="Leave empty to survey every classified customer of the company.",
    )
    previous_campaign_id = fields.Many2one(
        "asq.survey.campaign",
        check_company=True,
        help="Compared with for the trend; by default the last closed campaign.",
    )
    population_ab_count = fields.Integer(string="A/B Customers", readonly=True)
    population_c_count = fields.Integer(string="C Customers", readonly=True)
    sample_c_count = fields.Integer(string="C Customers Sampled", readonly=True)
    sampled_date = fields.Datetime(string="Sampled On", readonly=True, copy=False)
    sampled_user_id = fields.Many2one(
        "res.users", string="Sampled By", readonly=True, copy=False
    )
    target_ids = fields.One2many(
        "asq.survey.target", "campaign_id", string="Customers Surveyed"
    )
    closed_date = fields.Datetime(string="Closed On", readonly=True, copy=False)
    closed_user_id = fields.Many2one(
        "res.users", string="Closed By", readonly=True, copy=False
    )
    reviewed_date = fields.Datetime(string="Reviewed On", readonly=True, copy=False)
    reviewed_user_id = fields.Many2one(
        "res.users",
        string="Reviewed By",
        readonly=True,
        copy=False,
        help="The management representative who reviewed the survey report.",
    )
    capa_ids = fields.Many2many(
        "asq.capa",
        "asq_survey_campaign_capa_rel",
        "campaign_id",
        "capa_id",
        string="CAPA Proposed",
        readonly=True,
        copy=False,
    )
    capa_count = fields.Integer(compute="_compute_capa_count")
    can_draw_sample = fields.Boolean(compute="_compute_asq_can")
    can_send_invitations = fields.Boolean(compute="_compute_asq_can")
    can_send_reminders = fields.Boolean(compute="_compute_asq_can")
    can_close = fields.Boolean(compute="_compute_asq_can")
    can_review = fields.Boolean(compute="_compute_asq_can")

    # ------------------------------------------------------------------
    # Response rates
    # ------------------------------------------------------------------
    target_count = fields.Integer(string="Surveyed", compute="_compute_response_rates")
    answered_count = fields.Integer(
        string="Answered", compute="_compute_response_rates"
    )
    rate_a = fields.Float(
        string="A Response Rate (%)", compute="_compute_response_rates"
    )
    rate_b = fields.Float(
        string="B Response Rate (%)", compute="_compute_response_rates"
    )
    rate_c = fields.Float(
        string="C Response Rate (%)", compute="_compute_response_rates"
    )
    rate_total = fields.Float(
        string="Response Rate (%)", compute="_compute_response_rates"
    )
    response_target_met = fields.Boolean(
        string="A/B Response Target Met",
        compute="_compute_response_rates",
        help="Both the A and the B customers answered at least at the target rate.",
    )

    # ------------------------------------------------------------------
    # Results
    # ------------------------------------------------------------------
    satisfaction_index = fields.Float(
        string="Satisfaction Index (%)", compute="_compute_results"
    )
    score_quality = fields.Float(string="Product Quality", compute="_compute_results")
    score_delivery = fields.Float(string="Delivery Dates", compute="_compute_results")
    score_service = fields.Float(string="Service", compute="_compute_results")
    score_price = fields.Float(string="Price", compute="_compute_results")
    trend_index = fields.Float(string="Index vs Previous", compute="_compute_results")
    trend_quality = fields.Float(
        string="Product Quality vs Previous", compute="_compute_results"
    )
    trend_delivery = fields.Float(
        string="Delivery Dates vs Previous", compute="_compute_results"
    )
    trend_service = fields.Float(
        string="Service vs Previous", compute="_compute_results"
    )
    trend_price = fields.Float(string="Price vs Previous", compute="_compute_results")
    has_results = fields.Boolean(compute="_compute_results")

    _sql_constraints = [
        (
            "name_company_uniq",
            "UNIQUE(name, company_id)",
            "Campaign names are unique per company.",
        ),
        (
            "c_share_range",
            "CHECK(c_share >= 0 AND c_share < 100)",
            "The C customers share lies between 0 and 100 % (100 excluded).",
        ),
        (
            "targets_range",
            "CHECK(target_index BETWEEN 0 AND 100 "
            "AND response_target BETWEEN 0 AND 100)",
            "Targets are percentages between 0 and 100.",
        ),
    ]

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    def _compute_capa_count(self):
        for campaign in self:
            campaign.capa_count = len(campaign.capa_ids)

    def _compute_response_rates(self):
        """Live response rate per class: one grouped read for the batch."""
        figures = {}
        if self.ids:
            for campaign, customer_class, state, count in self.env[
                "asq.survey.target"
            ]._read_group(
                [("campaign_id", "in", self.ids)],
                ["campaign_id", "customer_class", "state"],
                ["__count"],
            ):
                per_class = figures.setdefault(campaign.id, {}).setdefault(
                    customer_class, [0, 0]
                )
                per_class[0] += count
                if state == "done":
                    per_class[1] += count

        def rate(total, answered):
            return answered / total * 100.0 if total else 0.0

        for campaign in self:
            per_class = figures.get(campaign.id, {})
            total = sum(v[0] for v in per_class.values())
            answered = sum(v[1] for v in per_class.values())
            campaign.target_count = total
            campaign.answered_count = answered
            campaign.rate_a = rate(*per_class.get("a", (0, 0)))
            campaign.rate_b = rate(*per_class.get("b", (0, 0)))
            campaign.rate_c = rate(*per_class.get("c", (0, 0)))
            campaign.rate_total = rate(total, answered)
            campaign.response_target_met = all(
                rate(*per_class[cls]) >= campaign.response_target
                for cls in ("a", "b")
                if cls in per_class
            )

    def _compute_results(self):
        """Dimension averages and index from the real answers (SQL report),
        with the difference to the previous campaign."""
        figures = self.env["asq.survey.result"]._asq_dimension_scores(
            self | self.previous_campaign_id
        )
        for campaign in self:
            current = figures.get(campaign.id, {})
            previous = figures.get(campaign.previous_campaign_id.id, {})
            campaign.has_results = bool(current)
            campaign.satisfaction_index = current.get("index", 0.0)
            campaign.trend_index = (
                current["index"] - previous["index"]
                if "index" in current and "index" in previous
                else 0.0
            )
            for dim in DIMENSIONS:
                campaign[f"score_{dim}"] = current.get(dim, 0.0)
                campaign[f"trend_{dim}"] = (
                    current[dim] - previous[dim]
                    if dim in current and dim in previous
                    else 0.0
                )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for campaign in self:
            if campaign.date_end < campaign.date_start:
                raise ValidationError(
                    self.env._(
                        "%(name)s: the answers cannot be due before the survey "
                        "starts.",
                        name=campaign.name,
                    )
                )

    @api.constrains("previous_campaign_id")
    def _check_previous_campaign(self):
        for campaign in self:
            if campaign.previous_campaign_id == campaign:
                raise ValidationError(
                    self.env._("A campaign cannot be compared with itself.")
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            for vals in vals_list:
                for fname in ("state", "capa_ids", *STAMP_FIELDS):
                    vals.pop(fname, None)
        return super().create(vals_list)

    def write(self, vals):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            if "state" in vals or "capa_ids" in vals:
                raise UserError(
                    self.env._("Use the campaign buttons to change its status.")
                )
            if set(vals) & set(FROZEN_FIELDS):
                asq_refuse(
                    self.filtered(lambda c: c.state != "draft"),
                    self.env._(
                        "%(names)s is sampled: its population, seed and sample "
                        "are frozen for the audit."
                    ),
                )
            self._ensure_no_signature([vals])
            # (a closed campaign, then the table: the mixin's refusals)
            self._asq_ensure_editable(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sampled(self):
        asq_refuse(
            self.filtered(lambda c: c.state != "draft"),
            self.env._("Only draft campaigns can be deleted; %(names)s is sampled."),
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_draw_sample(self):
        """Button "Draw Sample": every A and B customer plus a seeded random
        sample of C customers, frozen with the campaign."""
        for campaign in self._asq_begin("draw_sample"):
            campaign._check_company()
            ab_customers, c_customers = campaign._asq_population()
            if not ab_customers and not c_customers:
                raise UserError(
                    self.env._(
                        "%(name)s: no classified customer to survey.",
                        name=campaign.name,
                    )
                )
            sample = campaign._asq_sample_c(ab_customers, c_customers)
            previous = campaign.previous_campaign_id or self.search(
                [
                    ("company_id", "=", campaign.company_id.id),
                    ("state", "=", "closed"),
                    ("date_start", "<", campaign.date_start),
                    ("id", "!=", campaign.id),
                ],
                order="date_start desc, id desc",
                limit=1,
            )
            self.env["asq.survey.target"].with_context(**asq_step(WORKFLOW_KEY)).create(
                [
                    {
                        "campaign_id": campaign.id,
                        "partner_id": partner.id,
                        "customer_class": partner.asq_customer_class,
                        "contact_id": partner._asq_survey_contact().id,
                    }
                    for partner in ab_customers | sample
                ]
            )
            campaign._asq_finish(
                "draw_sample",
                {
                    "previous_campaign_id": previous.id,
                    "population_ab_count": len(ab_customers),
                    "population_c_count": len(c_customers),
                    "sample_c_count": len(sample),
                },
            )
            campaign.message_post(
                body=self.env._(
                    "Sample drawn with seed %(seed)s: %(ab)s A/B customers and "
                    "%(c)s of %(c_total)s C customers.",
                    seed=campaign.seed,
                    ab=len(ab_customers),
                    c=len(sample),
                    c_total=len(c_customers),
                )
            )
        return True

    def action_send_invitations(self):
        """Button "Send Invitations": one Odoo Survey participation and access
        link per customer contact, the invitation mail queued."""
        for campaign in self._asq_begin("send_invitations"):
            targets = campaign.target_ids.filtered(lambda t: not t.user_input_id)
            targets._asq_invite()
            campaign._asq_finish("send_invitations")
            campaign.message_post(
                body=self.env._(
                    "Invitations sent to %(count)s customers.", count=len(targets)
                )
            )
        return True

    def action_send_reminders(self):
        """Button "Send Reminders": the invitation again to whoever has not
        answered."""
        for campaign in self._asq_begin("send_reminders"):
            targets = campaign.target_ids.filtered(
                lambda t: t.user_input_id and t.state != "done"
            )
            targets._asq_remind()
            campaign.message_post(
                body=self.env._(
                    "Reminders sent to %(count)s customers.", count=len(targets)
                )
            )
        return True

    def action_close(self):
        """Button "Close and Analyse": no more answers; the triggers propose
        CAPA for what missed its target."""
        campaigns = self._asq_begin("close")
        campaigns._asq_finish("close")
        for campaign in campaigns:
            capas = campaign._asq_run_triggers()
            campaign.message_post(
                body=self.env._(
                    "Closed and analysed: satisfaction index %(index).1f %% "
                    "(target %(target).1f %%), %(count)s CAPA proposed.",
                    index=campaign.satisfaction_index,
                    target=campaign.target_index,
                    count=len(capas),
                )
            )
        return True

    def action_review(self):
        """Button "Review": the management representative has read the closed
        campaign's report and the CAPA it proposed (003 §4.3.4.4)."""
        for campaign in self._asq_begin("review"):
            campaign._asq_finish("review")
            campaign.message_post(
                body=self.env._(
                    "Survey report reviewed by the management representative; "
                    "CAPA proposed: %(capa)s.",
                    capa=", ".join(campaign.capa_ids.mapped("name")) or "-",
                )
            )
        return True

    def action_view_capa(self):
        """Smart button "CAPA": the CAPA proposed by this campaign."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_quality.asq_capa_action"
        )
        action["domain"] = [("id", "in", self.capa_ids.ids)]
        return action

    def action_view_results(self):
        """Smart button "Results": the answers by customer and dimension."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_quality.asq_survey_result_action"
        )
        action["domain"] = [("campaign_id", "=", self.id)]
        action["context"] = {}
        return action

    def action_export_xlsx(self):
        """Button "Export XLSX": the survey report as a spreadsheet attachment."""
        self.ensure_one()
        self.check_access("read")
        attachment = self.env["ir.attachment"].create(
            {
                "name": self.env._(
                    "Satisfaction Survey %(name)s.xlsx", name=self.name
                ).replace("/", "-"),
                "res_model": self._name,
                "res_id": self.id,
                "raw": self.env["asq.survey.report.xlsx"]._asq_build(self),
                "mimetype": "application/vnd.openxmlformats-officedocument."
                "spreadsheetml.sheet",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    # ------------------------------------------------------------------
    # Scheduled job
    # ------------------------------------------------------------------
    @api.model
    def _cron_send_reminders(self, interval_days=7, batch_size=500):
        """Remind the customers of running campaigns who have not answered,
        at most once every ``interval_days``. The batch runs in a savepoint;
        if it fails, target by target: one that fails is skipped (tried again
        next run) and the quality managers are told on its campaign."""
        job = "after_sales_quality.asq_survey_cron_reminders"
        today = fields.Date.context_today(self)
        limit = fields.Datetime.now() - timedelta(days=interval_days)
        targets = self.env["asq.survey.target"].search(
            [
                ("campaign_id.state", "=", "running"),
                ("campaign_id.date_end", ">=", today),
                ("user_input_id", "!=", False),
                ("state", "!=", "done"),
                ("invited_date", "<=", limit),
            ],
            limit=batch_size,
        )
        Guard = self.env["asq.cron.guard"]
        done, failures = Guard._asq_run_batch(
            job,
            targets,
            lambda batch: batch._asq_remind(),
            anchor=lambda target: target.campaign_id,
        )
        Guard._asq_report_failures(job, failures)
        # A full batch may hide more; a batch that only failed would loop.
        if len(targets) == batch_size and done:
            self.env.ref(job)._trigger()
        return len(done)

    # ------------------------------------------------------------------
    # Sampling helpers
    # ------------------------------------------------------------------
    def _asq_population(self):
        """(A and B customers, C customers) of the campaign's company."""
        self.ensure_one()
        domain = [
            ("asq_customer_class", "in", ("a", "b", "c")),
            ("customer_rank", ">", 0),
            ("company_id", "in", (False, self.company_id.id)),
            "|",
            ("is_company", "=", True),
            ("parent_id", "=", False),
        ]
        if self.partner_category_ids:
            domain.append(("category_id", "in", self.partner_category_ids.ids))
        partners = self.env["res.partner"].search(domain, order="id")
        partners = partners.filtered(lambda p: p.commercial_partner_id == p)
        return (
            partners.filtered(lambda p: p.asq_customer_class in ("a", "b")),
            partners.filtered(lambda p: p.asq_customer_class == "c"),
        )

    def _asq_sample_c(self, ab_customers, c_customers):
        """Seeded random C sample making up ``c_share`` of those surveyed."""
        self.ensure_one()
        wanted = float_round(
            self.c_share * len(ab_customers) / (100.0 - self.c_share),
            precision_digits=0,
            rounding_method="HALF-UP",
        )
        size = min(int(wanted), len(c_customers))
        picked = random.Random(self.seed).sample(sorted(c_customers.ids), size)
        return c_customers.browse(sorted(picked))

    # ------------------------------------------------------------------
    # Triggers
    # ------------------------------------------------------------------
    def _asq_run_triggers(self):
        """Propose one CAPA per trigger that fires (seed 003 §4.3.4.4); an
        open CAPA of the same campaign and trigger is reused."""
        self.ensure_one()
        Capa = self.env["asq.capa"]
        capas = Capa.browse()
        for key, problem, partners in self._asq_triggers():
            capas |= Capa._asq_propose(
                "survey",
                f"{self.name} / {key}",
                problem,
                partner_ids=partners,
                company_id=self.company_id.id,
            )
        if capas - self.capa_ids:
            self._workflow_write(
                {"capa_ids": [fields.Command.link(c.id) for c in capas]}
            )
        return capas

    def _asq_triggers(self):
        """[(trigger key, problem text, customers)] of the triggers firing."""
        self.ensure_one()
        fired = []
        Partner = self.env["res.partner"]
        Result = self.env["asq.survey.result"]
        current = Result._asq_dimension_scores(self).get(self.id, {})
        if not current:
            return fired
        customers = Result._asq_customer_scores(self)
        label = Result._asq_dimension_label
        if current["index"] < self.target_index:
            below = Partner.browse(
                [c.partner.id for c in customers if c.average < self.target_index]
            )
            fired.append(
                (
                    "index",
                    self.env._(
                        "Survey %(campaign)s: the satisfaction index %(index).1f %% "
                        "is under its target of %(target).1f %%. Customers under "
                        "the target: %(customers)s.",
                        campaign=self.name,
                        index=current["index"],
                        target=self.target_index,
                        customers=", ".join(below.mapped("display_name")) or "-",
                    ),
                    below,
                )
            )
        previous = self.previous_campaign_id
        if previous:
            before = Result._asq_dimension_scores(previous).get(previous.id, {})
            falling = [
                dim
                for dim in DIMENSIONS
                if dim in current and dim in before and current[dim] < before[dim]
            ]
            if falling:
                fired.append(
                    (
                        "falling",
                        self.env._(
                            "Survey %(campaign)s: satisfaction fell against "
                            "%(previous)s in %(dimensions)s.",
                            campaign=self.name,
                            previous=previous.name,
                            dimensions=", ".join(
                                self.env._(
                                    "%(dimension)s %(before).1f → %(now).1f",
                                    dimension=label(dim),
                                    before=before[dim],
                                    now=current[dim],
                                )
                                for dim in falling
                            ),
                        ),
                        Partner,
                    )
                )
        worst = [c for c in customers if c.very_dissatisfied]
        if worst:
            fired.append(
                (
                    "very_dissatisfied",
                    self.env._(
                        'Survey %(campaign)s: "Very dissatisfied" answers from '
                        "%(customers)s (dimensions: %(dimensions)s).",
                        campaign=self.name,
                        customers=", ".join(c.partner.display_name for c in worst),
                        dimensions=", ".join(
                            label(dim) for dim in Result._asq_worst_dimensions(self)
                        ),
                    ),
                    Partner.browse([c.partner.id for c in worst]),
                )
            )
        unhappy = [c for c in customers if c.average < NOT_SATISFIED_BELOW]
        if unhappy:
            fired.append(
                (
                    "not_satisfied",
                    self.env._(
                        "Survey %(campaign)s: customers not very satisfied "
                        "(average under %(limit)s): %(customers)s.",
                        campaign=self.name,
                        limit=int(NOT_SATISFIED_BELOW),
                        customers=", ".join(
                            self.env._(
                                "%(customer)s %(score).1f",
                                customer=c.partner.display_name,
                                score=c.average,
                            )
                            for c in unhappy
                        ),
                    ),
                    Partner.browse([c.partner.id for c in unhappy]),
                )
            )
        questions = Result._asq_question_scores(self)
        if questions and questions[0].average < 100.0:
            lowest = questions[0]
            fired.append(
                (
                    "lowest_item",
                    self.env._(
                        "Survey %(campaign)s: the lowest-scored item is "
                        '"%(question)s" (%(dimension)s) with %(score).1f.',
                        campaign=self.name,
                        question=lowest.question.sudo().title,
                        dimension=label(lowest.dimension),
                        score=lowest.average,
                    ),
                    Partner,
                )
            )
        return fired

    # ------------------------------------------------------------------
    # Workflow helpers
    # ------------------------------------------------------------------
    def _asq_signer_review(self):
        return [("reviewed_date", "=", False)]

    def _asq_check_review(self):
        if self.reviewed_date:
            return self.env._(
                "%(name)s was reviewed already by %(user)s.",
                name=self.name,
                user=self.reviewed_user_id.name,
            )
        return ""

    def _asq_check_send_invitations(self):
        """Once running, something left to send: a customer sampled and not
        invited yet."""
        if self.state == "running" and not self.target_ids.filtered(
            lambda target: not target.user_input_id
        ):
            return self.env._(
                "%(name)s: every customer sampled is invited already; send "
                "reminders instead.",
                name=self.name,
            )
        return ""
