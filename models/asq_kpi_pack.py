import base64
import logging

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import LazyTranslate, date_utils

from .asq_document import asq_refuse, asq_state_field
from .asq_groups import GROUP_GM, GROUP_HEAD, GROUP_MANAGER, GROUP_MGMT_REP
from .asq_workflow_mixin import AsqMark, AsqTransition, asq_in_step

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

# Who prepares and sends packs; who may regenerate one not sent yet.
GENERATORS = (GROUP_MANAGER, GROUP_MGMT_REP, GROUP_HEAD, GROUP_GM)
REGENERATORS = (GROUP_MANAGER, GROUP_MGMT_REP)
# Who opens a CAPA from the quarterly summary: the management
# representative it is sent to (a quality manager may too).
CAPA_OPENERS = (GROUP_MGMT_REP, GROUP_MANAGER)
WORKFLOW_KEY = "asq_kpi_pack_workflow"
# Set by the generate/send steps only.
SIGNATURE_FIELDS = (
    "generated_user_id",
    "generated_date",
    "sent_user_id",
    "sent_date",
    "sent_to_ids",
    "xlsx_attachment_id",
    "pdf_attachment_id",
    "attachment_ids",
    "over_cap_alerted",
)
HEADLINE_FIELDS = (
    "delivery_count",
    "complaint_count",
    "complaint_rate",
    "incident_rate",
    "answer_rate",
    "loss_amount",
    "capa_opened",
    "satisfaction_index",
    "over_cap_count",
)
PERIOD_TYPES = ("month", "quarter", "year")
REPORT = "report.after_sales_quality.asq_kpi_pack_report_template"


def asq_period_bounds(period_type, day):
    """(first day, last day) of the month, quarter or year holding ``day``."""
    start = date_utils.start_of(day, period_type)
    return start, date_utils.end_of(start, period_type)


def asq_last_complete_period(period_type, today):
    """Bounds of the last month, quarter or year closed before ``today``."""
    return asq_period_bounds(
        period_type, date_utils.start_of(today, period_type) - relativedelta(days=1)
    )


# Built, rebuilt until sent, then sent: the pack's own steps (and the
# monthly job's), no to-dos.
# (lazy terms, translated where shown: self.env._(transition.label))
# pylint: disable=prefer-env-translation
TRANSITIONS = (
    AsqTransition(
        "generate",
        _lt("Generate"),
        ("draft",),
        GENERATORS,
        "generated",
        stamp="generated",
        todo=False,
    ),
    # Same button method as Generate (action_generate), narrower role.
    AsqTransition(
        "regenerate",
        _lt("Regenerate"),
        ("generated",),
        REGENERATORS,
        "generated",
        stamp="generated",
        action="action_generate",
        todo=False,
    ),
    AsqTransition(
        "send",
        _lt("Send"),
        ("generated",),
        GENERATORS,
        "sent",
        stamp="sent",
        todo=False,
    ),
)
# pylint: enable=prefer-env-translation


class AsqKpiPack(models.Model):
    """Statistics pack for finance and management (000 §4.6.10-4.6.11, 001,
    003, 004): the month's, quarter's or year's after-sales figures as an
    XLSX workbook and a PDF report, kept as the auditor's record of what
    management received."""

    _name = "asq.kpi.pack"
    _description = "After-Sales Statistics Pack"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "asq.document",
        "asq.workflow.mixin",
        "asq.editable.mixin",
    ]
    _order = "date_from desc, period_type, id desc"
    _asq_workflow_key = WORKFLOW_KEY
    # Nothing on a pack is filled in by hand: its period comes from the
    # wizard that creates it, its figures and files from Generate. Its table
    # (asq.editable.mixin) is empty, and a generated or sent pack, the
    # auditors' record, no longer changes at all.
    _asq_editable = {}
    _asq_closed_states = ("generated", "sent")
    _asq_closed_writable = frozenset({"message_main_attachment_id"})
    _asq_signature_fields = SIGNATURE_FIELDS
    _asq_workflow_fields = ("state", *HEADLINE_FIELDS)
    _asq_sequence_code = "asq.kpi.pack"
    _asq_transitions = TRANSITIONS
    _check_company_auto = True

    # (name: asq.document; the pack's company is set by the wizard)
    company_id = fields.Many2one(readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    period_type = fields.Selection(
        selection=[
            ("month", "Monthly"),
            ("quarter", "Quarterly"),
            ("year", "Yearly (Management Review)"),
        ],
        required=True,
        readonly=True,
        default="month",
        help="Monthly: complaint items, rates and loss for the after-sales "
        "section and finance.\nQuarterly: the summary to the management "
        "representative.\nYearly: the quality report before the management "
        "review.",
    )
    date_from = fields.Date(string="Period From", required=True, readonly=True)
    date_to = fields.Date(
        string="Period To",
        compute="_compute_date_to",
        store=True,
        readonly=True,
    )
    state = asq_state_field(
        selection=[
            ("draft", "Draft"),
            ("generated", "Generated"),
            ("sent", "Sent"),
        ],
        default="draft",
        help="Draft: the figures are not computed yet.\n"
        "Generated: the XLSX and PDF are built; the quality manager or the "
        "management representative may regenerate them until they are sent.\n"
        "Sent: mailed to the management representatives and management; the "
        "pack is a "
        "record and can no longer change.",
    )

    can_open_capa = fields.Boolean(compute="_compute_can_open_capa")
    capa_id = fields.Many2one(
        "asq.capa",
        string="CAPA",
        compute="_compute_can_open_capa",
        help="The open CAPA of the quarterly analysis of this pack.",
    )

    # ------------------------------------------------------------------
    # Files and signatures
    # ------------------------------------------------------------------
    xlsx_attachment_id = fields.Many2one(
        "ir.attachment", string="Workbook (XLSX)", readonly=True, copy=False
    )
    pdf_attachment_id = fields.Many2one(
        "ir.attachment", string="Report (PDF)", readonly=True, copy=False
    )
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "asq_kpi_pack_attachment_rel",
        "pack_id",
        "attachment_id",
        string="Files",
        readonly=True,
        copy=False,
    )
    generated_user_id = fields.Many2one(
        "res.users", string="Generated By", readonly=True
    )
    generated_date = fields.Datetime(string="Generated On", readonly=True)
    sent_user_id = fields.Many2one("res.users", string="Sent By", readonly=True)
    sent_date = fields.Datetime(string="Sent On", readonly=True)
    can_generate = fields.Boolean(compute="_compute_asq_can")
    can_regenerate = fields.Boolean(compute="_compute_asq_can")
    can_send = fields.Boolean(compute="_compute_asq_can")
    sent_to_ids = fields.Many2many(
        "res.partner",
        "asq_kpi_pack_sent_partner_rel",
        "pack_id",
        "partner_id",
        readonly=True,
    )
    recipient_ids = fields.Many2many(
        "res.partner",
        string="Recipients",
        compute="_compute_recipient_ids",
        help="The company's management representatives (if it has none, its "
        "quality managers), with the business heads for a monthly or quarterly "
        "pack and the general managers for the yearly one.",
    )
    over_cap_alerted = fields.Boolean(
        string="Return-Ratio Alert Sent",
        readonly=True,
        copy=False,
        help="Management was alerted of the customers over their return-ratio "
        "cap when this monthly pack was sent.",
    )

    # ------------------------------------------------------------------
    # Headline figures (kept for the list, the mail and the record)
    # ------------------------------------------------------------------
    delivery_count = fields.Integer(string="Delivered Orders", readonly=True)
    complaint_count = fields.Integer(string="Complaints Received", readonly=True)
    complaint_rate = fields.Float(
        string="Complaint Rate (%)", digits=(16, 2), readonly=True
    )
    # Complaints and no delivery in the period: no rate, not 0 %.
    complaint_rate_text = fields.Char(
        string="Complaint Rate",
        compute="_compute_complaint_rate_text",
        help='The complaint rate in %, or "no deliveries" when complaints '
        "came in a period without deliveries.",
    )
    incident_rate = fields.Float(
        string="Product Incident Rate (%)", digits=(16, 3), readonly=True
    )
    answer_rate = fields.Float(
        string="Quality Answer on Time (%)", digits=(16, 1), readonly=True
    )
    loss_amount = fields.Monetary(readonly=True)
    capa_opened = fields.Integer(string="CAPA Opened", readonly=True)
    satisfaction_index = fields.Float(digits=(16, 1), readonly=True)
    over_cap_count = fields.Integer(string="Customers over the Cap", readonly=True)

    _sql_constraints = [
        (
            "period_company_uniq",
            "UNIQUE(company_id, period_type, date_from)",
            "There is already a statistics pack for this company and period.",
        ),
    ]

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("delivery_count", "complaint_count", "complaint_rate")
    def _compute_complaint_rate_text(self):
        for pack in self:
            if pack.complaint_count and not pack.delivery_count:
                pack.complaint_rate_text = self.env._("no deliveries")
            else:
                pack.complaint_rate_text = f"{pack.complaint_rate:.2f} %"

    @api.depends("period_type", "date_from")
    def _compute_date_to(self):
        for pack in self:
            pack.date_to = (
                asq_period_bounds(pack.period_type, pack.date_from)[1]
                if pack.date_from and pack.period_type
                else False
            )

    @api.depends("company_id", "period_type")
    def _compute_recipient_ids(self):
        for pack in self:
            pack.recipient_ids = pack._asq_recipient_users().partner_id

    @api.depends("name", "period_type", "date_from", "date_to")
    def _compute_display_name(self):
        types = dict(self._fields["period_type"]._description_selection(self.env))
        for pack in self:
            pack.display_name = (
                f"{pack.name} {types.get(pack.period_type, '')} "
                f"{pack.date_from or ''} - {pack.date_to or ''}"
            )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("period_type", "date_from")
    def _check_period_start(self):
        for pack in self:
            if pack.date_from != asq_period_bounds(pack.period_type, pack.date_from)[0]:
                raise UserError(
                    self.env._(
                        "A statistics pack starts on the first day of its month, "
                        "quarter or year."
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    def write(self, vals):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            self._ensure_no_signature([vals])
            protected = {"state", "company_id", "period_type", "date_from"}
            protected.update(HEADLINE_FIELDS)
            if protected.intersection(vals):
                raise UserError(
                    self.env._(
                        "The period and the figures of a statistics pack are set "
                        "by its Generate button."
                    )
                )
            if set(vals) - self._asq_closed_writable:
                asq_refuse(
                    self.filtered(lambda p: p.state in self._asq_closed_states),
                    self.env._(
                        "%(names)s is generated: it is a record for the auditors "
                        "and cannot be edited."
                    ),
                )
            self._asq_ensure_editable(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_generated(self):
        asq_refuse(
            self.filtered(lambda p: p.state != "draft"),
            self.env._(
                "%(names)s is a record for the auditors: a generated or sent "
                "statistics pack cannot be deleted."
            ),
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_generate(self):
        """Buttons "Generate" / "Regenerate": compute the figures of the
        period and build the XLSX and the PDF. A pack generated already is
        regenerated (a narrower role); any other is generated (a sent pack
        is refused for its state)."""
        regenerated = self.filtered(lambda p: p.state == "generated")
        fresh = self - regenerated
        packs = fresh._asq_begin("generate") if fresh or not self else fresh
        if regenerated:
            packs |= regenerated._asq_begin("regenerate")
        for pack in packs:
            pack._asq_generate()
        return True

    def action_send(self):
        """Button "Send": mail both files to the management representatives."""
        for pack in self._asq_begin("send"):
            pack._asq_send()
        return True

    def action_open_file(self):
        """Smart buttons "XLSX" / "PDF": download the file."""
        self.ensure_one()
        kind = self.env.context.get("asq_file")
        attachment = (
            self.xlsx_attachment_id if kind == "xlsx" else self.pdf_attachment_id
        )
        if not attachment:
            raise UserError(self.env._("Generate the pack first."))
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    # ------------------------------------------------------------------
    # Generation
    # ------------------------------------------------------------------
    @api.model
    def _asq_generators(self):
        """Groups (xmlids) that may generate and send packs (the Generate
        step's role)."""
        return self._asq_transition("generate").groups

    @api.model
    def _asq_get_or_create(self, company, period_type, date_from):
        """The pack of ``company`` for the period starting on ``date_from``."""
        pack = self.search(
            [
                ("company_id", "=", company.id),
                ("period_type", "=", period_type),
                ("date_from", "=", date_from),
            ],
            limit=1,
        )
        return pack or self.create(
            {
                "company_id": company.id,
                "period_type": period_type,
                "date_from": date_from,
            }
        )

    def _asq_lang(self):
        """Language of the files: the first recipient's, else the user's."""
        self.ensure_one()
        return self.recipient_ids[:1].lang or self.env.user.lang or "en_US"

    def _asq_generate(self):
        """Build the files and sign the step: Generate, or Regenerate for a
        pack generated already."""
        self.ensure_one()
        step = "regenerate" if self.state == "generated" else "generate"
        pack = self.with_context(lang=self._asq_lang()).with_company(self.company_id)
        figures = pack.env[REPORT]._asq_figures(pack)
        summary = figures["summary"]
        xlsx = pack.env["asq.kpi.pack.xlsx"]._asq_build(figures)
        # the PDF shows the figures just computed (not a second computation)
        pdf, _report_type = pack.env["ir.actions.report"]._render_qweb_pdf(
            "after_sales_quality.asq_kpi_pack_report",
            self.ids,
            data={"figures": AsqMark({self.id: figures})},
        )
        base = pack._asq_file_name()
        Attachment = self.env["ir.attachment"]
        old = self.attachment_ids
        xlsx_file, pdf_file = Attachment.create(
            [
                {
                    "name": f"{base}.xlsx",
                    "datas": base64.b64encode(xlsx),
                    "mimetype": "application/vnd.openxmlformats-officedocument."
                    "spreadsheetml.sheet",
                    "res_model": self._name,
                    "res_id": self.id,
                },
                {
                    "name": f"{base}.pdf",
                    "datas": base64.b64encode(pdf),
                    "mimetype": "application/pdf",
                    "res_model": self._name,
                    "res_id": self.id,
                },
            ]
        )
        self._asq_finish(
            step,
            {
                "xlsx_attachment_id": xlsx_file.id,
                "pdf_attachment_id": pdf_file.id,
                "attachment_ids": [fields.Command.set((xlsx_file | pdf_file).ids)],
                "delivery_count": summary["deliveries"],
                "complaint_count": summary["received"],
                "complaint_rate": summary["complaint_rate"],
                "incident_rate": summary["incident_rate"],
                "answer_rate": summary["answer_rate"],
                "loss_amount": summary["loss"],
                "capa_opened": summary["capa_opened"],
                "satisfaction_index": summary["satisfaction_index"] or 0.0,
                "over_cap_count": summary["over_cap"],
            },
        )
        if old:
            old.unlink()
        self.message_post(
            body=self.env._("Statistics pack generated."),
            attachment_ids=(xlsx_file | pdf_file).ids,
        )

    def _asq_file_name(self):
        types = {
            "month": self.env._("Monthly"),
            "quarter": self.env._("Quarterly"),
            "year": self.env._("Yearly"),
        }
        return self.env._(
            "After-Sales Statistics %(type)s %(start)s-%(end)s",
            type=types[self.period_type],
            start=fields.Date.to_string(self.date_from),
            end=fields.Date.to_string(self.date_to),
        )

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------
    def _asq_recipient_users(self):
        """The company's management representatives (else its quality
        managers), and the pack's management audience: the business heads
        for a monthly or quarterly pack (001 §4.4 「售後服務科負責人每月定期收集
        統計產品售後服務的客戶信息,匯總後交經營部負責人」), the general
        managers (top management) for the yearly one (000 §4.7.4 「……形成文件,
        提交最高管理层」: the annual quality report before the management
        review)."""
        self.ensure_one()
        users = self.env["res.users"]
        for group in (GROUP_MGMT_REP, GROUP_MANAGER):
            users = self._asq_users_of(group)
            if users:
                break
        if self.period_type == "year":
            return users | self._asq_users_of(GROUP_GM)
        # the business department's head, not the company's (who holds the
        # role too, and gets the yearly pack)
        heads = self._asq_users_of(GROUP_HEAD) - self._asq_users_of(GROUP_GM)
        return users | heads

    def _asq_users_of(self, group_xmlids):
        """Internal, active users of one of the groups in the pack's company."""
        groups = (group_xmlids,) if isinstance(group_xmlids, str) else group_xmlids
        users = self.env["res.users"]
        for group in groups:
            users |= self.env.ref(group).sudo().users
        return users.filtered(
            lambda u: u.active and not u.share and self.company_id in u.company_ids
        )

    def _asq_send(self):
        self.ensure_one()
        partners = self.recipient_ids
        if not partners:
            raise UserError(
                self.env._(
                    "%(company)s has no management representative nor quality "
                    "manager to send %(name)s to.",
                    company=self.company_id.name,
                    name=self.name,
                )
            )
        template = self.env.ref("after_sales_quality.asq_kpi_pack_mail_template")
        template.sudo().send_mail(
            self.id,
            email_values={
                "recipient_ids": [fields.Command.set(partners.ids)],
                "attachment_ids": [fields.Command.set(self.attachment_ids.ids)],
            },
        )
        self._asq_finish("send", {"sent_to_ids": [fields.Command.set(partners.ids)]})
        self.message_post(
            body=self.env._(
                "Sent to %(names)s.", names=", ".join(partners.mapped("name"))
            )
        )

    # ------------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------------
    @api.model
    def _cron_send_packs(self, grace_days=7, batch_size=20):
        """Daily: during the first ``grace_days`` days after a month, quarter
        or year closes, build and send its pack for every company, and alert
        management of the customers over their return-ratio cap. A pack sent
        already is left alone; each pack runs in its own savepoint, and the
        quality managers of a company whose pack failed are told.

        A run builds at most ``batch_size`` packs and reports the packs left
        through the cron progress API: the scheduler commits and runs the job
        again at once until none is left. A run that sent nothing reports
        none left, so a pack that keeps failing does not loop (the next day's
        run tries it again)."""
        job = "after_sales_quality.asq_kpi_pack_cron_send"
        # a period closes at midnight in each company's time zone (as its
        # pack cuts it): not before its last day is over there
        due_by_company = {}
        for company in self.env["res.company"].sudo().search([("active", "=", True)]):
            today = self._asq_company_today(company)
            due = [
                (period_type, date_from)
                for period_type in PERIOD_TYPES
                for date_from, date_to in [asq_last_complete_period(period_type, today)]
                if (today - date_to).days <= grace_days
            ]
            if due:
                due_by_company[company] = (today, due)
        if not due_by_company:
            return 0
        sent = {
            (pack.company_id.id, pack.period_type, pack.date_from)
            for pack in self.sudo().search(
                [
                    ("company_id", "in", [company.id for company in due_by_company]),
                    (
                        "date_from",
                        "in",
                        list(
                            {
                                date_from
                                for _today, due in due_by_company.values()
                                for _type, date_from in due
                            }
                        ),
                    ),
                    ("state", "=", "sent"),
                ]
            )
        }
        Guard = self.env["asq.cron.guard"]
        failures = []
        done = built = remaining = 0
        for company, (today, due) in due_by_company.items():
            for period_type, date_from in due:
                to_send = (company.id, period_type, date_from) not in sent
                if to_send and built >= batch_size:
                    remaining += 1
                    continue
                if not to_send and period_type != "month":
                    continue
                if to_send:
                    built += 1
                try:
                    with self.env.cr.savepoint():
                        pack = (
                            self.sudo()
                            .with_company(company)
                            ._asq_get_or_create(company, period_type, date_from)
                        )
                        if pack.state == "draft":
                            pack.action_generate()
                        if pack.state == "generated":
                            pack.action_send()
                            done += 1
                        if period_type == "month":
                            pack._asq_alert_over_cap(today)
                except Exception as error:
                    _logger.exception(
                        "Statistics pack %s from %s of %s failed",
                        period_type,
                        date_from,
                        company.name,
                    )
                    failures.append(
                        self._asq_cron_failure(company, period_type, date_from, error)
                    )
        Guard._asq_report_failures(job, failures)
        self.env["ir.cron"]._notify_progress(
            done=done, remaining=remaining if done else 0
        )
        return done

    @api.model
    def _asq_company_today(self, company):
        """Today in ``company``'s time zone, the one its packs cut their
        days in (report/asq_xlsx.py asq_company_tz)."""
        from ..report.asq_xlsx import asq_company_tz  # (report imports models)

        return fields.Date.context_today(self.with_context(tz=asq_company_tz(company)))

    def _asq_cron_failure(self, company, period_type, date_from, error):
        """The failure of one pack, for the quality managers of ``company``:
        on the pack if it existed before the failed attempt."""
        pack = self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("period_type", "=", period_type),
                ("date_from", "=", date_from),
            ],
            limit=1,
        )

        def label(env):
            return env._(
                "Statistics pack (%(period)s from %(date)s) of %(company)s",
                period=dict(
                    self._fields["period_type"]._description_selection(env)
                ).get(period_type, period_type),
                date=fields.Date.to_string(date_from),
                company=company.name,
            )

        return self.env["asq.cron.guard"]._asq_failure(
            pack or None, error, label=label, company=company
        )

    def _asq_alert_over_cap(self, today):
        """Finance's alert (001): a To-Do for the general managers and
        business heads listing the customers over their return-ratio cap
        over the contract period; once per monthly pack."""
        self.ensure_one()
        if self.over_cap_alerted:
            return self.env["mail.activity"]
        months = self.company_id.asq_return_period_months
        report = (
            self.env["asq.return.ratio.report"]
            .with_company(self.company_id)
            .with_context(
                asq_date_from=fields.Date.to_string(
                    today - relativedelta(months=months)
                ),
                asq_date_to=fields.Date.to_string(today),
            )
        )
        groups = report.read_group(
            [("company_id", "=", self.company_id.id), ("over_cap", "=", True)],
            ["exchange_ratio", "ratio_cap:max"],
            ["partner_id"],
            lazy=False,
        )
        users = self._asq_users_of(GROUP_HEAD)
        if not groups or not users:
            return self.env["mail.activity"]
        lines = Markup("").join(
            Markup("<li>%s</li>")
            % self.env._(
                "%(customer)s: unsaleable exchange ratio %(ratio)s %% (cap "
                "%(cap)s %%)",
                customer=group["partner_id"][1],
                ratio=ratio,
                cap=cap,
            )
            for group, ratio, cap in (
                (
                    g,
                    format(g["exchange_ratio"], ".2f"),
                    format(g["ratio_cap"], ".2f"),
                )
                for g in sorted(groups, key=lambda g: -g["exchange_ratio"])
            )
        )
        note = Markup("<p>%s</p><ul>%s</ul>") % (
            self.env._(
                "Customers over their return-ratio cap over the last %(months)s "
                "months:",
                months=months,
            ),
            lines,
        )
        activities = self.env["mail.activity"]
        for user in users:
            activities |= self.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=today,
                summary=self.env._(
                    "%(count)s customers over the return-ratio cap",
                    count=len(groups),
                ),
                note=note,
                user_id=user.id,
            )
        self._workflow_write({"over_cap_alerted": True})
        return activities

    # ------------------------------------------------------------------
    # CAPA of the quarterly analysis. 000 §4.6.10: "营销中心每季度对销售记录进行
    # 汇总,将汇总信息传递给管理者代表,由其组织进行原因分析,以《纠正与预防措施处理单》
    # 的形式传递给责任部门" (each quarter the sales records are summarised for
    # the management representative, who has the causes analysed and sends a
    # CAPA form to the responsible department).
    # ------------------------------------------------------------------
    @api.depends("period_type", "state", "name")
    @api.depends_context("uid")
    def _compute_can_open_capa(self):
        may = self._asq_may_open_capa()
        capas = self.env["asq.capa"].search(
            [
                ("source", "=", "quarterly"),
                ("origin", "in", [name for name in self.mapped("name") if name]),
                ("state", "not in", ("closed", "cancel")),
            ]
        )
        for pack in self:
            pack.capa_id = capas.filtered(
                lambda c, p=pack: c.origin == p.name and c.company_id == p.company_id
            )[:1]
            # (once opened, the smart button opens it)
            pack.can_open_capa = (
                may
                and pack.period_type == "quarter"
                and pack.state != "draft"
                and not pack.capa_id
            )

    def _asq_may_open_capa(self):
        return self.env.su or any(
            self.env.user.has_group(group) for group in CAPA_OPENERS
        )

    def action_view_capa(self):
        """Button "Open CAPA" on a quarterly pack: the CAPA of the quarter's
        analysis (source "Quarterly analysis"), proposed once and opened."""
        self.ensure_one()
        if not self._asq_may_open_capa():
            raise AccessError(
                self.env._(
                    "Only the management representative or a quality manager "
                    "may open a CAPA from a statistics pack."
                )
            )
        self.check_access("read")
        if self.period_type != "quarter":
            raise UserError(
                self.env._(
                    "A CAPA is opened from the quarterly summary: %(name)s is "
                    "not a quarterly pack.",
                    name=self.display_name,
                )
            )
        if self.state == "draft":
            raise UserError(
                self.env._(
                    "Generate %(name)s first: its figures are what the CAPA "
                    "analyses.",
                    name=self.display_name,
                )
            )
        capa = self.env["asq.capa"]._asq_propose(
            "quarterly",
            self.name,
            self.env._(
                "Quarterly summary %(name)s (%(date_from)s - %(date_to)s): "
                "%(count)s complaints, complaint rate %(rate)s.",
                name=self.name,
                date_from=self.date_from,
                date_to=self.date_to,
                count=self.complaint_count,
                rate=self.complaint_rate_text,
            ),
            company_id=self.company_id.id,
        )
        return self._asq_records_action("after_sales_quality.asq_capa_action", capa)
