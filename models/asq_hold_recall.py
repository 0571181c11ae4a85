from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models

from .asq_groups import GROUP_MANAGER

CRON = "after_sales_quality.asq_hold_cron_recall_escalation"
TODO = "mail.mail_activity_data_todo"
# The quality managers are told when a buyer's notice is due within this
# many hours and not sent yet.
ESCALATION_HOURS = 12
RECALL_LEVELS = [
    ("1", "Level I Recall"),
    ("2", "Level II Recall"),
    ("3", "Level III Recall"),
]


class AsqHold(models.Model):
    """The recall decision on a quality hold and the buyers' notice clocks."""

    _inherit = "asq.hold"

    recall_level_proposed = fields.Selection(
        RECALL_LEVELS,
        string="Proposed Recall Level",
        copy=False,
        help="The level the quality manager signs with Decide the Recall.",
    )
    recall_level = fields.Selection(
        RECALL_LEVELS, readonly=True, copy=False, index=True
    )
    recall_user_id = fields.Many2one(
        "res.users", string="Recall Decided By", readonly=True, copy=False
    )
    recall_date = fields.Datetime(string="Recall Decided On", readonly=True, copy=False)
    recall_notice_deadline = fields.Datetime(
        string="Buyers Notified By",
        compute="_compute_recall_notice_deadline",
        store=True,
        index=True,
        help="Recall decision date plus the level's days (calendar days).",
    )
    recall_escalated = fields.Boolean(readonly=True, copy=False)
    recall_on_time_count = fields.Integer(
        string="Notified on Time", compute="_compute_recall_counts"
    )
    recall_late_count = fields.Integer(
        string="Notified Late", compute="_compute_recall_counts"
    )
    recall_pending_count = fields.Integer(
        string="Not Notified Yet", compute="_compute_recall_counts"
    )
    recall_overdue = fields.Boolean(
        string="Recall Notice Overdue", compute="_compute_recall_counts"
    )
    can_decide_recall = fields.Boolean(compute="_compute_asq_can")

    @api.depends(
        "recall_date",
        "recall_level",
        "company_id.asq_recall_level1_days",
        "company_id.asq_recall_level2_days",
        "company_id.asq_recall_level3_days",
    )
    def _compute_recall_notice_deadline(self):
        for hold in self:
            days = hold._asq_recall_days()
            hold.recall_notice_deadline = (
                hold.recall_date + timedelta(days=days)
                if hold.recall_date and days
                else False
            )

    def _asq_recall_days(self):
        """The level's notice period in calendar days (0: no recall)."""
        self.ensure_one()
        company = self.company_id
        return {
            "1": company.asq_recall_level1_days,
            "2": company.asq_recall_level2_days,
            "3": company.asq_recall_level3_days,
        }.get(self.recall_level, 0)

    @api.depends("buyer_ids", "recall_notice_deadline", "notice_ids")
    def _compute_recall_counts(self):
        for hold in self:
            status = hold.buyer_ids.mapped("recall_notice_status")
            hold.recall_on_time_count = status.count("on_time")
            hold.recall_late_count = status.count("late")
            hold.recall_pending_count = status.count("pending")
            hold.recall_overdue = any(hold.buyer_ids.mapped("recall_overdue"))

    @api.depends("recall_level_proposed")
    def _compute_asq_can(self):
        return super()._compute_asq_can()

    def _asq_check_decide_recall(self):
        if not self.recall_level_proposed:
            return self.env._(
                "Choose the recall level of %(names)s before deciding the recall.",
                names=self.name,
            )
        return ""

    def action_decide_recall(self):
        """Button "Decide the Recall": sign the level; the buyers' notice
        clocks start now. A new decision restarts the escalation."""
        for hold in self._asq_begin("decide_recall"):
            hold._asq_finish(
                "decide_recall",
                {
                    "recall_level": hold.recall_level_proposed,
                    "recall_escalated": False,
                },
            )
            hold.message_post(
                body=self.env._(
                    "%(level)s decided: every buyer is to be notified by "
                    "%(deadline)s (UTC).",
                    level=dict(
                        hold._fields["recall_level"]._description_selection(self.env)
                    )[hold.recall_level],
                    deadline=fields.Datetime.to_string(hold.recall_notice_deadline),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    # ------------------------------------------------------------------
    # Escalation
    # ------------------------------------------------------------------
    @api.model
    def _cron_recall_escalate(self, batch_size=500):
        """Once per hold and recall decision: when a buyer's notice is due
        within ESCALATION_HOURS or overdue and not sent, a to-do and a
        message for the quality managers of the hold's company, naming the
        buyers."""
        Guard = self.env["asq.cron.guard"]
        limit = fields.Datetime.now() + timedelta(hours=ESCALATION_HOURS)
        holds = self.sudo().search(
            [
                ("recall_escalated", "=", False),
                ("state", "in", ("active", "nonconforming")),
                ("recall_notice_deadline", "!=", False),
                ("recall_notice_deadline", "<=", limit),
            ],
            limit=batch_size,
        )
        done, failures = Guard._asq_run_each(
            CRON, holds, lambda hold: hold._asq_recall_escalate()
        )
        Guard._asq_report_failures(CRON, failures)
        return done

    def _asq_recall_escalate(self):
        self.ensure_one()
        hold = self.sudo()
        pending = hold.buyer_ids.filtered(
            lambda b: b.recall_notice_status == "pending"
        ).partner_id
        if not pending:
            return
        Guard = self.env["asq.cron.guard"]
        # the flag first: never twice, even with nobody to tell
        hold._workflow_write({"recall_escalated": True})
        users = hold._asq_company_users(GROUP_MANAGER, hold.company_id).filtered(
            lambda u: u.active and not u.share
        )
        names = ", ".join(pending.mapped("display_name"))
        for user in users:
            env = Guard._asq_env(user)
            hold.with_context(
                lang=env.lang, mail_activity_quick_update=True
            ).activity_schedule(
                TODO,
                date_deadline=fields.Datetime.context_timestamp(
                    hold.with_user(user), hold.recall_notice_deadline
                ).date(),
                summary=env._(
                    "Recall notices due: %(name)s (%(buyers)s)",
                    name=hold.name,
                    buyers=names,
                ),
                user_id=user.id,
            )
        if users:
            Guard._asq_notify(users, lambda env: hold._asq_recall_message(env, names))

    def _asq_recall_message(self, env, names):
        hold = self.with_env(env)
        subject = env._("Recall notices due: %(name)s", name=hold.name)
        body = Markup("<p>%s</p>") % env._(
            "The recall of %(name)s requires every buyer to be notified by "
            "%(deadline)s UTC; not notified yet: %(buyers)s.",
            name=hold.name,
            deadline=fields.Datetime.to_string(hold.recall_notice_deadline),
            buyers=names,
        )
        return subject, body


class AsqHoldBuyer(models.Model):
    _inherit = "asq.hold.buyer"

    recall_notice_deadline = fields.Datetime(
        related="hold_id.recall_notice_deadline", string="Notify By"
    )
    notified_date = fields.Datetime(
        string="First Notified On", compute="_compute_recall_notice"
    )
    recall_notice_status = fields.Selection(
        [("on_time", "On Time"), ("late", "Late"), ("pending", "Pending")],
        string="Recall Notice",
        compute="_compute_recall_notice",
    )
    recall_overdue = fields.Boolean(
        string="Notice Overdue", compute="_compute_recall_notice"
    )

    @api.depends("hold_id.notice_ids", "hold_id.recall_notice_deadline")
    def _compute_recall_notice(self):
        """The first pause notice (the existing notice log) sent to the
        buyer: one grouped read for the batch."""
        first = {}
        if self.ids:
            first = {
                (hold.id, partner.id): date
                for hold, partner, date in self.env["asq.hold.notice"]
                .sudo()
                ._read_group(
                    [("hold_id", "in", self.hold_id.ids), ("kind", "=", "stop")],
                    ["hold_id", "partner_id"],
                    ["sent_date:min"],
                )
            }
        now = fields.Datetime.now()
        for buyer in self:
            date = first.get((buyer.hold_id.id, buyer.partner_id.id))
            deadline = buyer.hold_id.recall_notice_deadline
            buyer.notified_date = date
            if not deadline:
                buyer.recall_notice_status = False
            elif date:
                buyer.recall_notice_status = "on_time" if date <= deadline else "late"
            else:
                buyer.recall_notice_status = "pending"
            buyer.recall_overdue = bool(deadline and not date and deadline < now)


class ResCompany(models.Model):
    _inherit = "res.company"

    # 《医疗器械召回管理办法》: the company notifies the distributors and
    # users within 1 day (一级召回), 3 days (二级召回), 7 days (三级召回) of
    # deciding the recall (article number not cited: not verified here).
    # Counted in calendar days: the regulation says days, not working days.
    asq_recall_level1_days = fields.Integer(
        string="Level I Recall: Notify Buyers Within (Days)", default=1
    )
    asq_recall_level2_days = fields.Integer(
        string="Level II Recall: Notify Buyers Within (Days)", default=3
    )
    asq_recall_level3_days = fields.Integer(
        string="Level III Recall: Notify Buyers Within (Days)", default=7
    )

    _sql_constraints = [
        (
            "asq_recall_days_positive",
            "CHECK(asq_recall_level1_days > 0 AND asq_recall_level2_days > 0 "
            "AND asq_recall_level3_days > 0)",
            "The recall notice periods must be positive.",
        ),
    ]


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    asq_recall_level1_days = fields.Integer(
        related="company_id.asq_recall_level1_days", readonly=False
    )
    asq_recall_level2_days = fields.Integer(
        related="company_id.asq_recall_level2_days", readonly=False
    )
    asq_recall_level3_days = fields.Integer(
        related="company_id.asq_recall_level3_days", readonly=False
    )
