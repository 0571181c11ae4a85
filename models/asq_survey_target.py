from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from .asq_survey_campaign import WORKFLOW_KEY
from .asq_workflow_mixin import asq_in_step, asq_step

INVITE_TEMPLATE = "survey.mail_template_user_input_invite"
# Target fields the invitations and answers still write after sampling.
TARGET_LIVE_FIELDS = {"user_input_id", "invited_date", "reminder_count"}


class AsqSurveyTarget(models.Model):
    """One customer drawn into a satisfaction survey campaign."""

    _name = "asq.survey.target"
    _description = "Satisfaction Survey Customer"
    _order = "campaign_id desc, customer_class, partner_id"
    _check_company_auto = True

    campaign_id = fields.Many2one(
        "asq.survey.campaign",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(
        related="campaign_id.company_id", store=True, index=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True
    )
    customer_class = fields.Selection(
        selection=[("a", "A"), ("b", "B"), ("c", "C")],
        string="Class",
        required=True,
        help="The customer's class when the sample was drawn.",
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Contact Surveyed",
        help="The customer's contact with an e-mail address who receives the "
        "invitation.",
    )
    contact_email = fields.Char(related="contact_id.email", string="E-mail")
    user_input_id = fields.Many2one(
        "survey.user_input",
        string="Participation",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        copy=False,
    )
    state = fields.Selection(
        selection=[
            ("to_invite", "Not Invited"),
            ("new", "Invited"),
            ("in_progress", "Answering"),
            ("done", "Answered"),
        ],
        string="Response",
        compute="_compute_state",
        store=True,
        index=True,
    )
    invited_date = fields.Datetime(string="Last Invited On", readonly=True)
    reminder_count = fields.Integer(string="Reminders", readonly=True)
    answered_date = fields.Datetime(
        string="Answered On", related="user_input_id.end_datetime"
    )
    survey_url = fields.Char(
        string="Survey Link",
        compute="_compute_survey_url",
        compute_sudo=True,
    )

    _sql_constraints = [
        (
            "campaign_partner_uniq",
            "UNIQUE(campaign_id, partner_id)",
            "A customer is surveyed once per campaign.",
        ),
    ]

    @api.depends("user_input_id.state")
    def _compute_state(self):
        for target in self:
            target.state = (
                target.user_input_id.sudo().state
                if target.user_input_id
                else "to_invite"
            )

    @api.depends("user_input_id.access_token")
    def _compute_survey_url(self):
        for target in self:
            user_input = target.user_input_id
            target.survey_url = (
                user_input.get_base_url() + user_input.get_start_url()
                if user_input
                else False
            )

    @api.model_create_multi
    def create(self, vals_list):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            raise UserError(
                self.env._("The customers surveyed come from Draw Sample only.")
            )
        return super().create(vals_list)

    def write(self, vals):
        if not asq_in_step(self.env, WORKFLOW_KEY) or set(vals) - TARGET_LIVE_FIELDS:
            raise UserError(
                self.env._(
                    "The customers surveyed are frozen with the sample: only the "
                    "invitations and answers update them."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sampled(self):
        if self.campaign_id.filtered(lambda c: c.state != "draft"):
            raise UserError(
                self.env._("The customers of a sampled campaign cannot be removed.")
            )

    def _asq_invite(self):
        """Create the Odoo Survey participation of each target and queue the
        invitation mail (the survey's own invitation template)."""
        now = fields.Datetime.now()
        for target in self:
            campaign = target.campaign_id
            contact = target.contact_id or target.partner_id
            user_input = campaign.survey_id.sudo()._create_answer(
                partner=contact,
                check_attempts=False,
                deadline=fields.Datetime.to_datetime(campaign.date_end)
                + timedelta(days=1),
            )
            target.with_context(**asq_step(WORKFLOW_KEY)).write(
                {"user_input_id": user_input.id, "invited_date": now}
            )
        self._asq_send_mail()

    def _asq_remind(self):
        self._asq_send_mail()
        for target in self:
            target.with_context(**asq_step(WORKFLOW_KEY)).write(
                {
                    "reminder_count": target.reminder_count + 1,
                    "invited_date": fields.Datetime.now(),
                }
            )

    def _asq_send_mail(self):
        with_email = self.filtered(lambda t: t.user_input_id.sudo().email)
        if with_email:
            template = self.env.ref(INVITE_TEMPLATE).sudo()
            template.send_mail_batch(
                with_email.user_input_id.ids,
                force_send=False,
                email_layout_xmlid="mail.mail_notification_light",
            )
        for campaign in (self - with_email).campaign_id:
            missing = (self - with_email).filtered(
                lambda t, c=campaign: t.campaign_id == c
            )
            campaign.message_post(
                body=campaign.env._(
                    "No e-mail address for %(customers)s: send them their survey "
                    "link another way.",
                    customers=", ".join(missing.partner_id.mapped("display_name")),
                )
            )
