import base64
import logging
import threading

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import LazyTranslate, config, date_utils

from .asq_workflow_mixin import AsqMark, AsqTransition, asq_carried, asq_in_step

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

ASQ = "after_sales_quality."
GROUP_MANAGER = f"{ASQ}group_asq_manager"
GROUP_MGMT_REP = f"{ASQ}group_asq_mgmt_rep"
GROUP_HEAD = f"{ASQ}group_asq_business_head"
GROUP_GM = f"{ASQ}group_asq_general_manager"
# Who prepares and sends packs; who may regenerate one not sent yet.
GENERATORS = (GROUP_MANAGER, GROUP_MGMT_REP, GROUP_HEAD, GROUP_GM)
REGENERATORS = (GROUP_MANAGER, GROUP_MGMT_REP)
WORKFLOW_KEY = "asq_kpi_pack_workflow"
# Set by the generate/send steps only.
SIGNATURE_FIELDS = (
    "generated_by_id",
    "generated_at",
    "sent_by_id",
    "sent_at",
    "sent_to_ids",
    "xlsx_attachment_id",
    "pdf_attachment_id",
    "attachment_ids",
    "over_cap_alerted",
)
HEADLINE_FIELDS = (
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
TOP_CUSTOMERS = 20
# The PDF is read by people: its long lists stop here (the workbook has all).
PDF_ROWS = 50


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
        stamp=("generated_by_id", "generated_at"),
        todo=False,
    ),
    # Same button method as Generate (action_generate), narrower role.
    AsqTransition(
        "regenerate",
        _lt("Regenerate"),
        ("generated",),
        REGENERATORS,
        "generated",
        stamp=("generated_by_id", "generated_at"),
        action="action_generate",
        todo=False,
    ),
    AsqTransition(
        "send",
        _lt("Send"),
        ("generated",),
        GENERATORS,
        "sent",
        stamp=("sent_by_id", "sent_at"),
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

    name = fields.Char(
        string="Reference", required=True, copy=False, readonly=True, default="/"
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        readonly=True,
        default=lambda s: s.env.company,
    )
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
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("generated", "Generated"),
            ("sent", "Sent"),
        ],
        string="Status",
        default="draft",
        required=True,
        copy=False,
        readonly=True,
        tracking=True,
        index=True,
        help="Draft: the figures are not computed yet.\n"
        "Generated: the XLSX and PDF are built; the quality manager or the "
        "management representative may regenerate them until they are sent.\n"
        "Sent: mailed to the management representatives; the pack is a "
        "record and can no longer change.",
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
    generated_by_id = fields.Many2one("res.users", string="Generated By", readonly=True)
    generated_at = fields.Datetime(string="Generated On", readonly=True)
    sent_by_id = fields.Many2one("res.users", string="Sent By", readonly=True)
    sent_at = fields.Datetime(string="Sent On", readonly=True)
    can_generate = fields.Boolean(compute="_compute_asq_can")
    can_regenerate = fields.Boolean(compute="_compute_asq_can")
    can_send = fields.Boolean(compute="_compute_asq_can")
    sent_to_ids = fields.Many2many(
        "res.partner",
        "asq_kpi_pack_sent_partner_rel",
        "pack_id",
        "partner_id",
        string="Sent To",
        readonly=True,
    )
    recipient_ids = fields.Many2many(
        "res.partner",
        string="Recipients",
        compute="_compute_recipient_ids",
        help="The company's management representatives; if it has none, its "
        "quality managers.",
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
    complaint_count = fields.Integer(string="Complaints Received", readonly=True)
    complaint_rate = fields.Float(
        string="Complaint Rate (%)", digits=(16, 2), readonly=True
    )
    incident_rate = fields.Float(
        string="Product Incident Rate (%)", digits=(16, 3), readonly=True
    )
    answer_rate = fields.Float(
        string="Quality Answer on Time (%)", digits=(16, 1), readonly=True
    )
    loss_amount = fields.Monetary(string="Loss Amount", readonly=True)
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
    @api.depends("period_type", "date_from")
    def _compute_date_to(self):
        for pack in self:
            pack.date_to = (
                asq_period_bounds(pack.period_type, pack.date_from)[1]
                if pack.date_from and pack.period_type
                else False
            )

    @api.depends("company_id")
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
            frozen = self.filtered(lambda p: p.state in self._asq_closed_states)
            if frozen and set(vals) - self._asq_closed_writable:
                raise UserError(
                    self.env._(
                        "%(names)s is generated: it is a record for the auditors "
                        "and cannot be edited.",
                        names=", ".join(frozen.mapped("name")),
                    )
                )
            self._asq_ensure_editable(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_generated(self):
        kept = self.filtered(lambda p: p.state != "draft")
        if kept:
            raise UserError(
                self.env._(
                    "%(names)s is a record for the auditors: a generated or sent "
                    "statistics pack cannot be deleted.",
                    names=", ".join(kept.mapped("name")),
                )
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

    def _asq_printed_figures(self):
        """The figures the PDF prints: those :meth:`_asq_generate` has just
        computed, else computed now (a figure passed in a caller's context
        is never printed)."""
        self.ensure_one()
        computed = asq_carried(self.env, "asq_pack_figures", {})
        return computed.get(self.id) or self._asq_figures()

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
        figures = pack._asq_figures()
        summary = figures["summary"]
        xlsx = self.env["asq.kpi.pack.xlsx"].with_env(pack.env)._asq_build(figures)
        # the PDF shows the figures just computed (not a second computation)
        pdf, _report_type = (
            self.env["ir.actions.report"]
            .with_env(pack.env)
            .with_context(asq_pack_figures=AsqMark({self.id: figures}))
            ._render_qweb_pdf("after_sales_quality.asq_kpi_pack_report", self.ids)
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
        """The company's management representatives, else its quality
        managers."""
        self.ensure_one()
        for group in (GROUP_MGMT_REP, GROUP_MANAGER):
            users = self._asq_users_of(group)
            if users:
                return users
        return self.env["res.users"]

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
    def _cron_send_packs(self, grace_days=7):
        """Daily: during the first ``grace_days`` days after a month, quarter
        or year closes, build and send its pack for every company, and alert
        management of the customers over their return-ratio cap. A pack sent
        already is left alone; each pack runs in its own savepoint and, outside
        tests, its own transaction. The quality managers of a company whose
        pack failed are told."""
        job = "after_sales_quality.asq_kpi_pack_cron_send"
        today = fields.Date.context_today(self)
        due = []
        for period_type in PERIOD_TYPES:
            date_from, date_to = asq_last_complete_period(period_type, today)
            if (today - date_to).days <= grace_days:
                due.append((period_type, date_from))
        if not due:
            return 0
        done = 0
        # Each pack in its own transaction, except under tests (Odoo's runner
        # or pytest-odoo), where the test's transaction must stay whole.
        auto_commit = not (
            config["test_enable"]
            or self.env.registry.in_test_mode()
            or getattr(threading.current_thread(), "testing", False)
        )
        companies = self.env["res.company"].sudo().search([("active", "=", True)])
        Guard = self.env["asq.cron.guard"]
        failures = []
        for company in companies:
            for period_type, date_from in due:
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
                if auto_commit:
                    self.env.cr.commit()  # pylint: disable=invalid-commit
        Guard._asq_report_failures(job, failures)
        return done

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
            [
                "returned_amount",
                "delivered_amount",
                "amount_ratio",
                "ratio_cap:max",
            ],
            ["partner_id"],
            lazy=False,
        )
        users = self._asq_users_of(GROUP_HEAD)
        if not groups or not users:
            return self.env["mail.activity"]
        lines = Markup("").join(
            Markup("<li>%s</li>")
            % self.env._(
                "%(customer)s: %(ratio)s %% (cap %(cap)s %%)",
                customer=group["partner_id"][1],
                ratio=ratio,
                cap=cap,
            )
            for group, ratio, cap in (
                (g, format(g["amount_ratio"], ".2f"), format(g["ratio_cap"], ".2f"))
                for g in sorted(groups, key=lambda g: -g["amount_ratio"])
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
    # Figures
    # ------------------------------------------------------------------
    def _asq_figures(self):
        """The pack's figures as a plain dict of numbers and strings, from
        the statistics models only (grouped reads, no loop over moves or
        complaints): the headline summary against the previous period of
        the same type and the tables of the workbook and the report."""
        self.ensure_one()
        date_from, date_to = self.date_from, self.date_to
        months = {"month": 1, "quarter": 3, "year": 12}[self.period_type]
        previous_from = date_from - relativedelta(months=months)
        previous_to = asq_period_bounds(self.period_type, previous_from)[1]
        summary = self._asq_summary(date_from, date_to)
        previous = self._asq_summary(previous_from, previous_to)
        interval = "week" if self.period_type == "month" else "month"
        domain = self._asq_complaint_domain(date_from, date_to)
        complaint_only = [*domain, ("kind", "=", "complaint")]
        types = dict(self._fields["period_type"]._description_selection(self.env))
        return {
            "period": {
                "company": self.company_id.name,
                "type": self.period_type,
                "type_label": types[self.period_type],
                "date_from": fields.Date.to_string(date_from),
                "date_to": fields.Date.to_string(date_to),
                "previous_from": fields.Date.to_string(previous_from),
                "previous_to": fields.Date.to_string(previous_to),
                "currency": self.currency_id.symbol or self.currency_id.name,
                "interval": interval,
            },
            "summary": summary,
            "previous": previous,
            "summary_rows": self._asq_summary_rows(summary, previous),
            "rate_by_period": self._asq_rate_by_period(domain, interval),
            "by_category": self._asq_rate_by_category(domain),
            "by_product": self._asq_rate_by(domain, "product_id"),
            "by_customer": self._asq_rate_by(domain, "partner_id")[:TOP_CUSTOMERS],
            "loss_by_responsibility": self._asq_loss_by(
                complaint_only, "responsibility"
            ),
            "loss_by_bearer": self._asq_loss_by(complaint_only, "loss_bearer"),
            "timeliness": self._asq_timeliness(complaint_only, interval),
            "capa_by_source": self._asq_capa_by_source(date_from, date_to),
            "return_ratios": self._asq_return_ratios(date_from, date_to),
            "satisfaction": self._asq_satisfaction(date_to),
            "complaints": self._asq_complaint_items(date_from, date_to),
        }

    @api.model
    def _asq_pdf_rows(self, figures):
        """The PDF's share of the long lists: customers over the cap first,
        then the highest ratios; major and critical complaints first, then the
        costliest."""
        ratios = sorted(
            figures["return_ratios"],
            key=lambda row: (not row["over_cap"], -row["amount_ratio"]),
        )
        complaints = sorted(
            figures["complaints"],
            key=lambda row: (row["severity_key"] == "minor", -row["loss"]),
        )
        ratio_note = complaint_note = ""
        if len(ratios) > PDF_ROWS:
            ratio_note = self.env._(
                "The customers over their cap and the highest ratios: %(shown)s of "
                "%(total)s customers. The workbook lists them all.",
                shown=PDF_ROWS,
                total=len(ratios),
            )
        if len(complaints) > PDF_ROWS:
            complaint_note = self.env._(
                "Major and critical complaints first, then the costliest: "
                "%(shown)s of %(total)s complaints. The workbook lists them all.",
                shown=PDF_ROWS,
                total=len(complaints),
            )
        return {
            "return_ratios": ratios[:PDF_ROWS],
            "complaints": sorted(complaints[:PDF_ROWS], key=lambda row: row["name"]),
            "ratio_note": ratio_note,
            "complaint_note": complaint_note,
        }

    def _asq_complaint_domain(self, date_from, date_to):
        """Rows of ``asq.complaint.report`` of the company in the period
        (dates included, UTC days)."""
        return [
            ("company_id", "=", self.company_id.id),
            ("date", ">=", fields.Datetime.to_datetime(date_from)),
            (
                "date",
                "<",
                fields.Datetime.to_datetime(date_to + relativedelta(days=1)),
            ),
        ]

    def _asq_capa_domain(self, fname, date_from, date_to):
        return [
            ("company_id", "=", self.company_id.id),
            (fname, ">=", date_from),
            (fname, "<=", date_to),
        ]

    def _asq_return_report(self, date_from, date_to):
        return self.env["asq.return.ratio.report"].with_context(
            asq_date_from=fields.Date.to_string(date_from),
            asq_date_to=fields.Date.to_string(date_to),
        )

    @staticmethod
    def _asq_rate(value):
        return round(value or 0.0, 3)

    def _asq_summary(self, date_from, date_to):
        """Headline figures of a period (see ``_asq_summary_labels``)."""
        Complaint = self.env["asq.complaint.report"]
        domain = self._asq_complaint_domain(date_from, date_to)
        totals = Complaint._asq_rates(
            domain,
            [],
            (
                "complaint_rate",
                "incident_rate",
                "disposition_rate",
                "onsite_rate",
                "answer_rate",
            ),
            ("loss_amount:sum", "handling_days:avg"),
        )
        totals = totals[0] if totals else {}
        valid = closed = 0
        for validity, state, count in Complaint._read_group(
            [*domain, ("kind", "=", "complaint")],
            ["validity", "state"],
            ["complaint_ref:count_distinct"],
        ):
            valid += count if validity == "valid" else 0
            closed += count if state == "closed" else 0
        Capa = self.env["asq.capa.report"]
        [(capa_opened,)] = Capa._read_group(
            self._asq_capa_domain("date_open", date_from, date_to), [], ["__count"]
        )
        closed_capa = Capa._asq_rates(
            self._asq_capa_domain("date_closed", date_from, date_to),
            [],
            ("on_time_rate", "effective_rate"),
        )
        closed_capa = closed_capa[0] if closed_capa else {}
        [(over_cap,)] = self._asq_return_report(date_from, date_to)._read_group(
            [("company_id", "=", self.company_id.id), ("over_cap", "=", True)],
            [],
            ["__count"],
        )
        satisfaction = self._asq_latest_campaign(date_to)
        return {
            "deliveries": totals.get("delivery_ref") or 0,
            "received": totals.get("complaint_ref") or 0,
            "valid": valid,
            "closed": closed,
            "complaint_rate": self._asq_rate(totals.get("complaint_rate")),
            "incident_rate": self._asq_rate(totals.get("incident_rate")),
            "disposition_rate": self._asq_rate(totals.get("disposition_rate")),
            "onsite_rate": self._asq_rate(totals.get("onsite_rate")),
            "answer_rate": self._asq_rate(totals.get("answer_rate")),
            "loss": totals.get("loss_amount") or 0.0,
            "handling_days": round(totals.get("handling_days") or 0.0, 2),
            "capa_opened": capa_opened,
            "capa_closed": closed_capa.get("__count") or 0,
            "capa_on_time_rate": self._asq_rate(closed_capa.get("on_time_rate")),
            "capa_effective_rate": self._asq_rate(closed_capa.get("effective_rate")),
            "satisfaction_index": satisfaction and round(satisfaction["index"], 2),
            "over_cap": over_cap,
        }

    def _asq_summary_labels(self):
        """(key, label, kind) of the summary; kind: count, rate, amount, days."""
        return [
            ("deliveries", self.env._("Delivered Orders"), "count"),
            ("received", self.env._("Complaints Received"), "count"),
            ("valid", self.env._("Valid Complaints"), "count"),
            ("closed", self.env._("Complaints Closed"), "count"),
            ("complaint_rate", self.env._("Complaint Rate (%)"), "rate"),
            ("incident_rate", self.env._("Product Incident Rate (%)"), "rate"),
            ("disposition_rate", self.env._("Disposition on Time (%)"), "rate"),
            ("onsite_rate", self.env._("On-Site on Time (%)"), "rate"),
            ("answer_rate", self.env._("Quality Answer on Time (%)"), "rate"),
            ("loss", self.env._("Loss Amount"), "amount"),
            ("handling_days", self.env._("Average Handling Time (Days)"), "days"),
            ("capa_opened", self.env._("CAPA Opened"), "count"),
            ("capa_closed", self.env._("CAPA Closed"), "count"),
            (
                "capa_on_time_rate",
                self.env._("CAPA Closed: Actions on Time (%)"),
                "rate",
            ),
            ("capa_effective_rate", self.env._("CAPA Closed: Effective (%)"), "rate"),
            ("satisfaction_index", self.env._("Latest Satisfaction Index"), "rate"),
            ("over_cap", self.env._("Customers over the Return-Ratio Cap"), "count"),
        ]

    def _asq_summary_rows(self, summary, previous):
        rows = []
        for key, label, kind in self._asq_summary_labels():
            current, before = summary[key], previous[key]
            rows.append(
                {
                    "key": key,
                    "label": label,
                    "kind": kind,
                    "current": current,
                    "previous": before,
                    "difference": (
                        round(current - before, 3)
                        if current is not None and before is not None
                        else None
                    ),
                }
            )
        return rows

    def _asq_rate_by_period(self, domain, interval):
        spec = f"date:{interval}"
        return [
            {
                "label": group[spec] or "",
                "deliveries": group["delivery_ref"] or 0,
                "complaints": group["complaint_ref"] or 0,
                "complaint_rate": self._asq_rate(group["complaint_rate"]),
                "incident_rate": self._asq_rate(group["incident_rate"]),
            }
            for group in self.env["asq.complaint.report"]._asq_rates(
                domain, [spec], ("complaint_rate", "incident_rate")
            )
        ]

    def _asq_rate_by_category(self, domain):
        Complaint = self.env["asq.complaint.report"]
        labels = dict(Complaint._fields["category"]._description_selection(self.env))
        rows = [
            {
                "key": group["category"],
                "label": labels.get(group["category"], group["category"]),
                "complaints": group["complaint_ref"] or 0,
                "complaint_rate": self._asq_rate(group["complaint_rate"]),
            }
            for group in Complaint._asq_rates(domain, ["category"], ("complaint_rate",))
            if group["category"]
        ]
        return sorted(rows, key=lambda row: -row["complaints"])

    def _asq_rate_by(self, domain, fname):
        """Complaint and incident rates by product or customer, the ones
        complained about first."""
        rows = [
            {
                "label": group[fname][1] if group[fname] else self.env._("Undefined"),
                "deliveries": group["delivery_ref"] or 0,
                "complaints": group["complaint_ref"] or 0,
                "delivered_qty": group["delivered_qty"] or 0.0,
                "complained_qty": group["complained_qty"] or 0.0,
                "complaint_rate": self._asq_rate(group["complaint_rate"]),
                "incident_rate": self._asq_rate(group["incident_rate"]),
            }
            for group in self.env["asq.complaint.report"]._asq_rates(
                domain, [fname], ("complaint_rate", "incident_rate")
            )
        ]
        rows = [row for row in rows if row["complaints"]]
        return sorted(rows, key=lambda row: (-row["complaints"], row["label"]))

    def _asq_loss_by(self, domain, fname):
        Complaint = self.env["asq.complaint.report"]
        labels = dict(Complaint._fields[fname]._description_selection(self.env))
        rows = [
            {
                "key": key or "",
                "label": labels.get(key) or self.env._("Not Determined"),
                "complaints": count,
                "loss": loss or 0.0,
            }
            for key, count, loss in Complaint._read_group(
                domain, [fname], ["complaint_ref:count_distinct", "loss_amount:sum"]
            )
        ]
        return sorted(rows, key=lambda row: -row["loss"])

    def _asq_timeliness(self, domain, interval):
        spec = f"date:{interval}"
        rows = []
        for group in self.env["asq.complaint.report"]._asq_rates(
            domain,
            [spec],
            ("disposition_rate", "onsite_rate", "answer_rate"),
            ("complaint_ref", "handling_days:avg"),
        ):
            row = {"label": group[spec] or "", "complaints": group["complaint_ref"]}
            for step in ("disposition", "onsite", "answer"):
                row[f"{step}_due"] = group[f"{step}_due"] or 0
                row[f"{step}_met"] = group[f"{step}_met"] or 0
                row[f"{step}_rate"] = self._asq_rate(group[f"{step}_rate"])
            row["handling_days"] = round(group["handling_days"] or 0.0, 2)
            rows.append(row)
        return rows

    def _asq_capa_by_source(self, date_from, date_to):
        Capa = self.env["asq.capa.report"]
        labels = dict(Capa._fields["source"]._description_selection(self.env))
        return [
            {
                "key": group["source"],
                "label": labels.get(group["source"], group["source"] or ""),
                "opened": group["__count"],
                "closed": group["closed_count"] or 0,
                "on_time_rate": self._asq_rate(group["on_time_rate"]),
                "effective_rate": self._asq_rate(group["effective_rate"]),
                "days_to_close": round(group["days_to_close"] or 0.0, 1),
            }
            for group in Capa._asq_rates(
                self._asq_capa_domain("date_open", date_from, date_to),
                ["source"],
                ("on_time_rate", "effective_rate"),
                ("closed_count:sum", "days_to_close:avg"),
            )
        ]

    def _asq_return_ratios(self, date_from, date_to):
        """Every customer delivered in the period, the highest ratio first."""
        groups = self._asq_return_report(date_from, date_to)._asq_rates(
            [("company_id", "=", self.company_id.id)],
            ["partner_id", "over_cap"],
            ("amount_ratio", "qty_ratio"),
            ("delivery_count:sum", "ratio_cap:max"),
        )
        rows = [
            {
                "customer": group["partner_id"][1] if group["partner_id"] else "",
                "deliveries": int(group["delivery_count"] or 0),
                "delivered_amount": group["delivered_amount"] or 0.0,
                "returned_amount": group["returned_amount"] or 0.0,
                "amount_ratio": self._asq_rate(group["amount_ratio"]),
                "qty_ratio": self._asq_rate(group["qty_ratio"]),
                "ratio_cap": group["ratio_cap"] or 0.0,
                "over_cap": bool(group["over_cap"]),
            }
            for group in groups
        ]
        return sorted(rows, key=lambda row: (-row["amount_ratio"], row["customer"]))

    def _asq_latest_campaign(self, date_to):
        """The company's last survey campaign started by ``date_to``: its
        name, date and satisfaction index, or None."""
        groups = self.env["asq.survey.result"]._asq_rates(
            [("company_id", "=", self.company_id.id), ("date", "<=", date_to)],
            ["campaign_id"],
            ("satisfaction_index",),
            ("date:max",),
        )
        if not groups:
            return None
        latest = max(groups, key=lambda g: (g["date"], g["campaign_id"][0]))
        return {
            "campaign_id": latest["campaign_id"][0],
            "campaign": latest["campaign_id"][1],
            "date": fields.Date.to_string(latest["date"]),
            "index": latest["satisfaction_index"],
        }

    def _asq_satisfaction(self, date_to):
        latest = self._asq_latest_campaign(date_to)
        if not latest:
            return {"campaign": "", "date": "", "index": None, "dimensions": []}
        Result = self.env["asq.survey.result"]
        labels = dict(Result._fields["dimension"]._description_selection(self.env))
        dimensions = [
            {
                "key": group["dimension"],
                "label": labels.get(group["dimension"], ""),
                "index": round(group["satisfaction_index"], 2),
                "answers": group["answer_count"],
            }
            for group in Result._asq_rates(
                [("campaign_id", "=", latest["campaign_id"])],
                ["dimension"],
                ("satisfaction_index",),
            )
        ]
        return {
            "campaign": latest["campaign"],
            "date": latest["date"],
            "index": round(latest["index"], 2),
            "dimensions": dimensions,
        }

    def _asq_complaint_items(self, date_from, date_to):
        """The complaints received in the period (004: complaint items),
        read in one search_read; their products in one grouped read."""
        Complaint = self.env["asq.complaint"]
        records = Complaint.search_read(
            [
                ("company_id", "=", self.company_id.id),
                ("feedback_type", "=", "complaint"),
                ("state", "not in", ("draft", "cancel")),
                ("received_at", ">=", fields.Datetime.to_datetime(date_from)),
                (
                    "received_at",
                    "<",
                    fields.Datetime.to_datetime(date_to + relativedelta(days=1)),
                ),
            ],
            [
                "name",
                "received_at",
                "partner_id",
                "category",
                "severity",
                "validity",
                "description",
                "root_cause",
                "disposition",
                "state",
                "loss_amount",
            ],
            order="received_at, id",
        )
        products = {}
        for complaint, product in self.env["asq.complaint.report"]._read_group(
            [
                ("kind", "=", "complaint"),
                ("complaint_id", "in", [record["id"] for record in records]),
                ("product_id", "!=", False),
            ],
            ["complaint_id", "product_id"],
        ):
            products.setdefault(complaint.id, []).append(product.display_name)
        selections = {
            fname: dict(Complaint._fields[fname]._description_selection(self.env))
            for fname in ("category", "severity", "validity", "disposition", "state")
        }
        items = []
        for record in records:
            received = fields.Datetime.context_timestamp(self, record["received_at"])
            item = {
                "name": record["name"],
                "date": received.strftime("%Y-%m-%d %H:%M"),
                "customer": record["partner_id"][1] if record["partner_id"] else "",
                "products": ", ".join(products.get(record["id"], [])),
                "description": record["description"] or "",
                "root_cause": record["root_cause"] or "",
                "loss": record["loss_amount"] or 0.0,
                "severity_key": record["severity"],
            }
            for fname, labels in selections.items():
                item[fname] = labels.get(record[fname], "") if record[fname] else ""
            items.append(item)
        return items
