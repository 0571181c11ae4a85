import base64

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import LazyTranslate, html2plaintext

from .asq_document import asq_state_field
from .asq_groups import GROUP_GM, GROUP_INSPECTOR, GROUP_MANAGER, GROUP_MGMT_REP
from .asq_workflow_mixin import AsqEditable, AsqTransition, asq_in_step, asq_signature

_lt = LazyTranslate(__name__)

WORKFLOW_KEY = "asq_quality_report_workflow"
PACK_REPORT = "report.after_sales_quality.asq_kpi_pack_report_template"
PDF_REPORT = "after_sales_quality.asq_quality_report_report"
# Days before the management review the quality department is reminded.
REMIND_DAYS = 7
SIGNATURE_FIELDS = frozenset(
    {
        "state",
        "submitted_user_id",
        "submitted_date",
        "approved_user_id",
        "approved_date",
        "sent_user_id",
        "sent_date",
        "sent_to_ids",
        "pdf_attachment_id",
        "reminded",
        "complaint_count",
        "complaint_rate",
        "loss_amount",
    }
)
TEXT_FIELDS = ("quality_analysis", "conclusions", "improvement_plan")
# 000 §4.6.11 「品保部每年在管理评审前编写一次产品质量报告,提交管理评审会。最高管理者
# 作为管理策划的依据。」: the quality department writes it, the management
# representative (who verifies the actions, §4.6.11) or the general manager
# (top management) approves it, and it goes to the management review
# meeting before its date.
WRITERS = (GROUP_INSPECTOR,)
APPROVERS = (GROUP_MGMT_REP, GROUP_GM)
SENDERS = (GROUP_MANAGER, GROUP_MGMT_REP)

# (lazy terms, translated where shown: self.env._(transition.label))
# pylint: disable=prefer-env-translation
TRANSITIONS = (
    AsqTransition(
        "submit",
        _lt("Submit the quality report"),
        ("draft",),
        WRITERS,
        "submitted",
        stamp="submitted",
        check="_asq_check_submit",
        deadline="review_date",
    ),
    AsqTransition(
        "approve",
        _lt("Approve the quality report"),
        ("submitted",),
        APPROVERS,
        "approved",
        stamp="approved",
        check="_asq_check_before_review",
        deadline="review_date",
    ),
    AsqTransition(
        "reset_draft",
        _lt("Send the quality report back"),
        ("submitted",),
        APPROVERS,
        "draft",
        action="action_draft",
        todo=False,
    ),
    AsqTransition(
        "send",
        _lt("Send to the management review"),
        ("approved",),
        SENDERS,
        "sent",
        stamp="sent",
        check="_asq_check_send",
        deadline="review_date",
    ),
)
# pylint: enable=prefer-env-translation


class AsqQualityReport(models.Model):
    """Annual product quality report 《产品质量报告》 (000 §4.6.11): the
    year's after-sales figures (the yearly statistics pack's computation)
    with the quality department's analysis and conclusions, approved and
    sent to the management review before it meets."""

    _name = "asq.quality.report"
    _description = "Annual Product Quality Report"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "asq.document",
        "asq.workflow.mixin",
        "asq.editable.mixin",
        "asq.waiting.for.me.mixin",
    ]
    _order = "year desc, id desc"
    _asq_workflow_key = WORKFLOW_KEY
    _asq_transitions = TRANSITIONS
    _asq_sequence_code = "asq.quality.report"
    _asq_signature_fields = tuple(SIGNATURE_FIELDS - {"state"})
    _asq_editable = {
        "year": AsqEditable(("draft",), GROUP_INSPECTOR),
        **{fname: AsqEditable(("draft",), GROUP_INSPECTOR) for fname in TEXT_FIELDS},
        "review_date": AsqEditable(("draft", "submitted", "approved")),
        "meeting_id": AsqEditable(("draft", "submitted", "approved")),
        "attendee_ids": AsqEditable(("draft", "submitted", "approved")),
    }
    _asq_closed_states = ("sent",)
    _asq_closed_writable = frozenset({"message_main_attachment_id"})
    _check_company_auto = True

    name = fields.Char(index="trigram")
    state = asq_state_field(
        selection=[
            ("draft", "Draft"),
            ("submitted", "Submitted"),
            ("approved", "Approved"),
            ("sent", "Sent to the Management Review"),
        ],
        default="draft",
        help="Draft: the quality department writes its analysis of the year's "
        "figures.\nSubmitted: waiting for the management representative or "
        "the general manager.\nApproved: ready to send.\nSent: mailed with its "
        "PDF to the management review's attendees before the meeting; a "
        "record.",
    )
    year = fields.Integer(
        required=True,
        default=lambda self: fields.Date.context_today(self).year - 1,
        index=True,
    )
    date_from = fields.Date(compute="_compute_dates", store=True)
    date_to = fields.Date(compute="_compute_dates", store=True)
    review_date = fields.Date(
        string="Management Review Date",
        required=True,
        tracking=True,
        help="The day the management review meets: the report is approved and "
        "sent before it.",
    )
    meeting_id = fields.Many2one(
        "calendar.event",
        string="Management Review Meeting",
        help="The meeting in the calendar: its attendees receive the report.",
    )
    attendee_ids = fields.Many2many(
        "res.partner",
        "asq_quality_report_attendee_rel",
        "report_id",
        "partner_id",
        string="Management Review Attendees",
    )
    pack_id = fields.Many2one(
        "asq.kpi.pack",
        string="Yearly Statistics Pack",
        compute="_compute_pack_id",
        help="The yearly statistics pack of the same year, if generated.",
    )
    quality_analysis = fields.Html(
        string="Analysis",
        sanitize_style=True,
        help="The quality department's analysis of the year's figures: "
        "trends, main causes, customers and products concerned.",
    )
    conclusions = fields.Html(sanitize_style=True)
    improvement_plan = fields.Html(
        string="Improvement Proposals",
        sanitize_style=True,
        help="The objectives and actions proposed to the management review "
        "for the next year (the basis of its planning).",
    )
    # The year's headline, as submitted (the list and the mail).
    currency_id = fields.Many2one(related="company_id.currency_id")
    complaint_count = fields.Integer(string="Complaints Received", readonly=True)
    complaint_rate = fields.Float(
        string="Complaint Rate (%)", digits=(16, 2), readonly=True
    )
    loss_amount = fields.Monetary(readonly=True)
    pdf_attachment_id = fields.Many2one(
        "ir.attachment", string="Report (PDF)", readonly=True, copy=False
    )
    sent_to_ids = fields.Many2many(
        "res.partner",
        "asq_quality_report_sent_partner_rel",
        "report_id",
        "partner_id",
        readonly=True,
        copy=False,
    )
    reminded = fields.Boolean(readonly=True, copy=False)

    submitted_user_id, submitted_date = asq_signature("Written By", "Submitted On")
    approved_user_id, approved_date = asq_signature("Approved By", "Approved On")
    sent_user_id, sent_date = asq_signature("Sent By", "Sent On")

    can_submit = fields.Boolean(compute="_compute_asq_can")
    can_approve = fields.Boolean(compute="_compute_asq_can")
    can_reset_draft = fields.Boolean(compute="_compute_asq_can")
    can_send = fields.Boolean(compute="_compute_asq_can")

    _sql_constraints = [
        (
            "year_company_uniq",
            "UNIQUE(company_id, year)",
            "There is already a product quality report for this company and year.",
        ),
    ]

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("year")
    def _compute_dates(self):
        for report in self:
            if report.year and 1900 < report.year < 3000:
                report.date_from = fields.Date.to_date(f"{report.year}-01-01")
                report.date_to = fields.Date.to_date(f"{report.year}-12-31")
            else:
                report.date_from = report.date_to = False

    @api.depends("company_id", "date_from")
    def _compute_pack_id(self):
        packs = self.env["asq.kpi.pack"].search(
            [
                ("period_type", "=", "year"),
                ("company_id", "in", self.company_id.ids),
                ("date_from", "in", [d for d in self.mapped("date_from") if d]),
            ]
        )
        for report in self:
            report.pack_id = packs.filtered(
                lambda p, r=report: p.company_id == r.company_id
                and p.date_from == r.date_from
            )[:1]

    @api.depends("name", "year")
    def _compute_display_name(self):
        for report in self:
            report.display_name = f"{report.name or ''} {report.year or ''}".strip()

    @api.onchange("meeting_id")
    def _onchange_meeting_id(self):
        """The meeting's day and attendees."""
        if self.meeting_id:
            self.review_date = self.meeting_id.start.date()
            self.attendee_ids = self.meeting_id.partner_ids

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            self._asq_ensure_role(WRITERS, self.env._("Product quality report"))
            for vals in vals_list:
                self._asq_ensure_fields_unsigned(vals, SIGNATURE_FIELDS, "draft")
        return super().create(vals_list)

    def write(self, vals):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            self._asq_ensure_fields_unsigned(vals, SIGNATURE_FIELDS, "draft")
            self._asq_ensure_editable(vals)
        result = super().write(vals)
        if "review_date" in vals:
            # a new date: its own reminder
            self.filtered("reminded")._workflow_write({"reminded": False})
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_signed(self):
        signed = self.filtered(lambda r: r.state != "draft")
        if signed:
            raise UserError(
                self.env._(
                    "%(names)s is signed: a submitted, approved or sent quality "
                    "report is a record and cannot be deleted.",
                    names=signed._asq_names(),
                )
            )

    # ------------------------------------------------------------------
    # The figures: the yearly statistics pack's computation
    # ------------------------------------------------------------------
    def _asq_year_pack(self):
        """The yearly pack of the report's year (an unsaved one when none was
        generated): what the pack's computation reads."""
        self.ensure_one()
        return self.pack_id or self.env["asq.kpi.pack"].new(
            {
                "company_id": self.company_id.id,
                "period_type": "year",
                "date_from": self.date_from,
            }
        )

    def _asq_figures(self):
        """The year's figures, as the yearly statistics pack computes them
        (report.after_sales_quality.asq_kpi_pack_report_template)."""
        self.ensure_one()
        report = self.env[PACK_REPORT].sudo().with_company(self.company_id)
        return report._asq_figures(self._asq_year_pack())

    # ------------------------------------------------------------------
    # Steps
    # ------------------------------------------------------------------
    @api.depends("state", "quality_analysis", "conclusions", "review_date")
    @api.depends_context("uid")
    def _compute_asq_can(self):
        """(the engine's, also when the data its preconditions read change)"""
        return super()._compute_asq_can()

    def action_submit(self):
        """Button "Submit": the year's headline figures kept, to the
        approver."""
        reports = self._asq_begin("submit")
        for report in reports:
            summary = report._asq_figures()["summary"]
            report._asq_finish(
                "submit",
                {
                    "complaint_count": summary["received"],
                    "complaint_rate": summary["complaint_rate"] or 0.0,
                    "loss_amount": summary["loss"],
                },
            )
        return True

    def action_approve(self):
        """Button "Approve" (management representative or general manager)."""
        self._asq_begin("approve")._asq_finish("approve")
        return True

    def action_draft(self):
        """Button "Send Back": to the quality department."""
        self._asq_begin("reset_draft")._asq_finish("reset_draft")
        return True

    def action_send(self):
        """Button "Send": the PDF mailed to the management review's
        attendees, logged on the report."""
        for report in self._asq_begin("send"):
            report._asq_send()
        return True

    def action_schedule_meeting(self):
        """Button "Schedule the Management Review": an all-day event in the
        calendar on the review's date, with its attendees, linked to the
        report (its attendees are those the report is sent to)."""
        self.ensure_one()
        if self.meeting_id:
            raise UserError(
                self.env._(
                    "%(name)s already has its management review meeting.",
                    name=self.name,
                )
            )
        partners = self.attendee_ids | self.env.user.partner_id
        meeting = self.env["calendar.event"].create(
            {
                "name": self.env._(
                    "Management review %(year)s (%(company)s)",
                    year=self.year,
                    company=self.company_id.name,
                ),
                "allday": True,
                "start": self.review_date,
                "stop": self.review_date,
                "user_id": self.env.uid,
                "partner_ids": [fields.Command.set(partners.ids)],
                "res_model_id": self.env["ir.model"]._get_id(self._name),
                "res_id": self.id,
            }
        )
        self.write(
            {
                "meeting_id": meeting.id,
                "attendee_ids": [fields.Command.set(partners.ids)],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "calendar.event",
            "res_id": meeting.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_print(self):
        """Button "Print": the product quality report."""
        return self.env.ref(PDF_REPORT).report_action(self)

    def _asq_today(self):
        from ..report.asq_xlsx import asq_company_tz  # (report imports models)

        return fields.Date.context_today(
            self.with_context(tz=asq_company_tz(self.company_id))
        )

    def _asq_check_before_review(self):
        if self.review_date and self._asq_today() > self.review_date:
            return self.env._(
                "The management review of %(name)s met on %(date)s: the report "
                "goes to it before its date. Set the date of the next "
                "management review first.",
                name=self.name,
                date=self.review_date,
            )
        return ""

    def _asq_check_submit(self):
        missing = self._asq_field_labels(
            [
                fname
                for fname in ("quality_analysis", "conclusions")
                if not html2plaintext(self[fname] or "").strip()
            ]
        )
        if missing:
            return self.env._(
                "%(name)s cannot be submitted yet. Missing: %(fields)s.",
                name=self.name,
                fields=", ".join(missing),
            )
        return self._asq_check_before_review()

    def _asq_check_send(self):
        if not self.attendee_ids:
            return self.env._(
                "%(name)s has no management review attendees to send it to.",
                name=self.name,
            )
        return self._asq_check_before_review()

    def _asq_render_pdf(self):
        self.ensure_one()
        pdf, _type = self.env["ir.actions.report"]._render_qweb_pdf(
            PDF_REPORT, self.ids
        )
        return self.env["ir.attachment"].create(
            {
                "name": self.env._(
                    "Product Quality Report %(year)s %(name)s.pdf",
                    year=self.year,
                    name=self.name,
                ),
                "datas": base64.b64encode(pdf),
                "mimetype": "application/pdf",
                "res_model": self._name,
                "res_id": self.id,
            }
        )

    def _asq_send(self):
        self.ensure_one()
        partners = self.attendee_ids
        lang = partners[:1].lang or self.env.user.lang or "en_US"
        attachment = self.with_context(lang=lang)._asq_render_pdf()
        template = self.env.ref("after_sales_quality.asq_quality_report_mail_template")
        template.sudo().send_mail(
            self.id,
            email_values={
                "recipient_ids": [fields.Command.set(partners.ids)],
                "attachment_ids": [fields.Command.set(attachment.ids)],
            },
        )
        self._asq_finish(
            "send",
            {
                "sent_to_ids": [fields.Command.set(partners.ids)],
                "pdf_attachment_id": attachment.id,
            },
        )
        self.message_post(
            body=self.env._(
                "Sent to the management review (%(date)s): %(names)s.",
                date=self.review_date,
                names=", ".join(partners.mapped("name")),
            ),
            attachment_ids=attachment.ids,
        )

    # ------------------------------------------------------------------
    # Scheduled job
    # ------------------------------------------------------------------
    @api.model
    def _cron_remind(self):
        """Daily: a report not sent yet whose management review meets within
        REMIND_DAYS days: a to-do for the quality managers, once."""
        today = fields.Date.context_today(self)
        reports = self.sudo().search(
            [
                ("state", "!=", "sent"),
                ("reminded", "=", False),
                ("review_date", "<=", fields.Date.add(today, days=REMIND_DAYS)),
            ]
        )
        for report in reports:
            users = report._asq_company_users(GROUP_MANAGER, report.company_id)
            for user in users:
                report.activity_schedule(
                    "mail.mail_activity_data_todo",
                    date_deadline=max(report.review_date, today),
                    summary=report.with_context(lang=user.lang or "en_US").env._(
                        "Product quality report %(name)s: the management review "
                        "meets on %(date)s",
                        name=report.display_name,
                        date=report.review_date,
                    ),
                    user_id=user.id,
                )
            report._workflow_write({"reminded": True})
        return reports
