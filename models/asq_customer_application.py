from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import LazyTranslate

from .asq_credit_level import ASQ_CREDIT_LEVELS
from .asq_document import asq_refuse, asq_state_field
from .asq_groups import GROUP_FINANCE, GROUP_GM, GROUP_USER
from .asq_workflow_mixin import (
    AsqEditable,
    AsqTransition,
    asq_in_step,
    asq_signature,
)

_lt = LazyTranslate(__name__)

WORKFLOW_KEY = "asq_customer_application_workflow"
GROUP_SALESMAN = "sales_team.group_sale_salesman"

# 003 §4.2.3 「新客户申请准入时,由业务经办人对客户的情况进行调查,填写《新客户申请
# 表》」: the salesperson in charge (sales staff) investigates and fills in the
# form. 「III 级信用客户由执行副总助理审批。I、II级信用客户由执行副总审批。」:
# the executive vice president's assistant approves level III customers (the
# finance reviewer here, who drafts the credit scheme, §4.2.2), the executive
# vice president levels I and II (the general manager here, who approves it).
APPLICANT_GROUPS = (GROUP_SALESMAN, GROUP_USER)
APPROVER_GROUPS = (GROUP_FINANCE, GROUP_GM)
# The levels the executive vice president's assistant (finance) approves.
ASSISTANT_LEVELS = ("3",)

# Who/when fields and the status: only the workflow buttons write them.
SIGNATURE_FIELDS = frozenset(
    {
        "state",
        "submitted_user_id",
        "submitted_date",
        "approved_user_id",
        "approved_date",
        "refused_user_id",
        "refused_date",
        "refuse_reason",
    }
)
# What the applicant fills in, until the application is submitted.
DRAFT_FIELDS = (
    "partner_id",
    "company_id",
    "user_id",
    "registration_number",
    "legal_representative",
    "registered_capital",
    "established_date",
    "business_scope",
    "contact_name",
    "contact_phone",
    "contact_email",
    "bank_name",
    "bank_account",
    "expected_annual_amount",
    "products",
    "credit_level",
    "investigation",
)

# (lazy terms, translated where shown: self.env._(transition.label))
# pylint: disable=prefer-env-translation
TRANSITIONS = (
    AsqTransition(
        "submit",
        _lt("Submit the application"),
        ("draft",),
        APPLICANT_GROUPS,
        "submitted",
        stamp="submitted",
        check="_asq_check_submit",
        todo=False,
    ),
    AsqTransition(
        "approve",
        _lt("Approve the new customer"),
        ("submitted",),
        APPROVER_GROUPS,
        "approved",
        stamp="approved",
        check="_asq_check_approve",
        signer="_asq_signer_approver",
    ),
    AsqTransition(
        "refuse",
        _lt("Refuse the new customer"),
        ("submitted",),
        APPROVER_GROUPS,
        "refused",
        stamp="refused",
        signer="_asq_signer_approver",
        todo=False,
    ),
    AsqTransition(
        "reset_draft",
        _lt("Revise the refused application"),
        ("refused",),
        APPLICANT_GROUPS,
        "draft",
        action="action_draft",
        todo=False,
    ),
)
# pylint: enable=prefer-env-translation


class AsqCustomerApplication(models.Model):
    """New-customer application 《新客户申请表》 (FM-MKT-004-B1, 003 §4.2.3):
    the salesperson investigates the customer and asks for a credit level;
    the approver the level calls for approves it, which writes the level on
    the customer and with it Odoo's credit limit and payment terms
    (asq.credit.level). Until then the customer's sale orders cannot be
    confirmed (sale.order.action_confirm)."""

    _name = "asq.customer.application"
    _description = "New-Customer Application"
    _inherit = [
        "mail.activity.mixin",
        "asq.document",
        "asq.workflow.mixin",
        "asq.editable.mixin",
        "mail.thread",
    ]
    _asq_workflow_key = WORKFLOW_KEY
    _asq_editable = {fname: AsqEditable(("draft",)) for fname in DRAFT_FIELDS}
    _asq_transitions = TRANSITIONS
    _asq_sequence_code = "asq.customer.application"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(index="trigram")
    state = asq_state_field(
        selection=[
            ("draft", "Draft"),
            ("submitted", "Submitted"),
            ("approved", "Approved"),
            ("refused", "Refused"),
        ],
        default="draft",
        help="Draft: the salesperson investigates the customer and fills in "
        "the form.\n"
        "Submitted: waiting for the approver of the requested credit level "
        "(level III: finance; levels I and II: the general manager).\n"
        "Approved: the customer may buy; its credit level, credit limit and "
        "payment terms are set.\n"
        "Refused: the customer may not buy (reason given); the salesperson "
        "may revise and submit it again.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", store=True, index=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        default=lambda self: self.env.user,
        tracking=True,
        help="The salesperson in charge, who investigates the customer.",
    )

    # ------------------------------------------------------------------
    # The customer (what the form asks)
    # ------------------------------------------------------------------
    registration_number = fields.Char(
        string="Business Licence No.",
        help="Business licence or company registration number.",
    )
    legal_representative = fields.Char()
    currency_id = fields.Many2one(related="company_id.currency_id")
    registered_capital = fields.Monetary()
    established_date = fields.Date(string="Established On")
    business_scope = fields.Text()
    contact_name = fields.Char(string="Contact Person")
    contact_phone = fields.Char()
    contact_email = fields.Char()
    bank_name = fields.Char(string="Bank")
    bank_account = fields.Char()
    expected_annual_amount = fields.Monetary(
        string="Expected Annual Purchases", tracking=True
    )
    products = fields.Text(string="Products of Interest")
    investigation = fields.Text(
        string="Investigation by the Salesperson",
        help="What the salesperson found out about the customer: business, "
        "solvency, payment habits, references.",
    )

    # ------------------------------------------------------------------
    # Credit asked for (the company's credit scheme)
    # ------------------------------------------------------------------
    credit_level = fields.Selection(
        selection=ASQ_CREDIT_LEVELS,
        string="Requested Credit Level",
        tracking=True,
        index=True,
    )
    credit_level_id = fields.Many2one(
        "asq.credit.level",
        string="Credit Scheme Row",
        compute="_compute_credit_terms",
    )
    credit_limit = fields.Monetary(compute="_compute_credit_terms")
    payment_term_id = fields.Many2one(
        "account.payment.term",
        string="Payment Terms",
        compute="_compute_credit_terms",
    )
    company_uses_credit_limit = fields.Boolean(
        related="company_id.account_use_credit_limit"
    )

    # ------------------------------------------------------------------
    # Signatures
    # ------------------------------------------------------------------
    submitted_user_id, submitted_date = asq_signature("Submitted By", "Submitted On")
    approved_user_id, approved_date = asq_signature("Approved By", "Approved On")
    refused_user_id, refused_date = asq_signature("Refused By", "Refused On")
    refuse_reason = fields.Text(readonly=True, copy=False, tracking=True)

    # The buttons (the engine: role, state, signer and precondition).
    can_submit = fields.Boolean(compute="_compute_asq_can")
    can_approve = fields.Boolean(compute="_compute_asq_can")
    can_refuse = fields.Boolean(compute="_compute_asq_can")
    can_reset_draft = fields.Boolean(compute="_compute_asq_can")

    _sql_constraints = [
        (
            "name_company_uniq",
            "UNIQUE(name, company_id)",
            "The application reference must be unique per company.",
        ),
    ]

    @api.depends("credit_level", "company_id")
    def _compute_credit_terms(self):
        for application in self:
            row = self.env["asq.credit.level"]._asq_row(
                application.company_id, application.credit_level
            )
            application.credit_level_id = row
            application.credit_limit = row.credit_limit
            application.payment_term_id = row.payment_term_id

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            self._asq_ensure_role(
                APPLICANT_GROUPS, self.env._("New-customer application")
            )
            for vals in vals_list:
                self._asq_ensure_fields_unsigned(vals, SIGNATURE_FIELDS, "draft")
        return super().create(vals_list)

    def write(self, vals):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            self._asq_ensure_fields_unsigned(vals, SIGNATURE_FIELDS, "draft")
            self._asq_ensure_editable(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_submitted(self):
        asq_refuse(
            self.filtered(lambda a: a.state != "draft"),
            self.env._("Only draft applications can be deleted: %(names)s."),
        )

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        """The form starts from what the customer's record already says."""
        partner = self.partner_id.commercial_partner_id
        if not partner:
            return
        self.registration_number = self.registration_number or partner.vat
        self.contact_phone = self.contact_phone or partner.phone or partner.mobile
        self.contact_email = self.contact_email or partner.email
        contact = self.partner_id if self.partner_id != partner else False
        self.contact_name = self.contact_name or (contact and contact.name)
        bank = partner.bank_ids[:1]
        self.bank_name = self.bank_name or bank.bank_id.name
        self.bank_account = self.bank_account or bank.acc_number

    # ------------------------------------------------------------------
    # Steps
    # ------------------------------------------------------------------
    @api.depends("state", "credit_level", "investigation", "partner_id")
    @api.depends_context("uid")
    def _compute_asq_can(self):
        """(the engine's, also when the data its preconditions read change)"""
        return super()._compute_asq_can()

    def action_submit(self):
        """Button "Submit": to the approver of the requested level."""
        self._asq_begin("submit")._asq_finish("submit")
        return True

    def action_approve(self):
        """Button "Approve": the customer may buy; its credit level, and with
        it Odoo's credit limit and payment terms, are written on it."""
        self._asq_ensure_role(APPROVER_GROUPS, self._asq_label("approve"))
        self._ensure_level_approver(self._asq_label("approve"))
        applications = self._asq_begin("approve")
        applications._asq_finish("approve")
        applications._asq_grant_credit()
        return True

    def action_refuse(self, reason=None):
        """Button "Refuse" (through the reason dialog): the customer may not
        buy."""
        reason = (reason or "").strip()
        self._asq_ensure_role(APPROVER_GROUPS, self._asq_label("refuse"))
        self._ensure_level_approver(self._asq_label("refuse"))
        applications = self._asq_begin("refuse")
        if not reason:
            raise UserError(self.env._("Give the reason for refusing the customer."))
        applications._asq_finish("refuse", {"refuse_reason": reason})
        return True

    def action_draft(self):
        """Button "Revise": a refused application back to draft, to correct
        and submit again."""
        applications = self._asq_begin("reset_draft")
        applications._asq_finish("reset_draft")
        return True

    def action_open_refuse_wizard(self):
        """Button "Refuse": ask for the reason."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Refuse the New Customer"),
            "res_model": "asq.customer.application.refuse",
            "view_mode": "form",
            "target": "new",
            "context": {"default_application_ids": [Command.set(self.ids)]},
        }

    def action_print(self):
        """Button "Print": the new-customer application form 《新客户申请表》."""
        return self.env.ref(
            "after_sales_quality.asq_customer_application_report"
        ).report_action(self)

    # ------------------------------------------------------------------
    # The steps' signers and preconditions (see _asq_transitions)
    # ------------------------------------------------------------------
    def _asq_signer_approver(self):
        """003 §4.2.3: the general manager (executive vice president) approves
        every level, finance (the assistant) level III only."""
        if self.env.user.has_group(GROUP_GM):
            return expression.TRUE_DOMAIN
        if self.env.user.has_group(GROUP_FINANCE):
            return [("credit_level", "in", list(ASSISTANT_LEVELS))]
        return expression.FALSE_DOMAIN

    def _ensure_level_approver(self, step):
        """Refuse, in the document's words, an approver whose role does not
        approve the requested level."""
        if self.env.su or self.env.user.has_group(GROUP_GM):
            return
        others = self.filtered(
            lambda a: a.credit_level and a.credit_level not in ASSISTANT_LEVELS
        )
        if others:
            raise AccessError(
                self.env._(
                    "You are not allowed to do this step (%(step)s) on "
                    "%(names)s: customers of credit level I or II are approved "
                    "by the general manager (executive vice president); finance "
                    "approves level III customers only.",
                    step=step,
                    names=others._asq_names(),
                )
            )

    def _asq_check_submit(self):
        missing = self._asq_empty_fields(
            ("registration_number", "contact_name", "credit_level", "investigation")
        )
        if missing:
            return self.env._(
                "%(name)s cannot be submitted yet. Missing: %(fields)s.",
                name=self.name,
                fields=", ".join(missing),
            )
        return ""

    def _asq_check_approve(self):
        if not self.credit_level_id:
            return self.env._(
                "The credit scheme of %(company)s has no row for credit level "
                "%(level)s: finance sets its credit limit and payment terms "
                "first (Sales > Configuration > Credit Levels).",
                company=self.company_id.name,
                level=dict(
                    self._fields["credit_level"]._description_selection(self.env)
                ).get(self.credit_level, ""),
            )
        return ""

    # ------------------------------------------------------------------
    # Effect on the customer
    # ------------------------------------------------------------------
    def _asq_grant_credit(self):
        """The approved level on the customer (its commercial entity), in the
        application's company: the partner's write applies the level's credit
        limit and payment terms (res.partner._asq_apply_credit_level)."""
        for application in self:
            customer = application.commercial_partner_id.sudo().with_company(
                application.company_id
            )
            customer.write({"asq_credit_level": application.credit_level})
            row = application.credit_level_id
            customer.message_post(
                body=Markup("<p>%s</p>")
                % self.env._(
                    "New-customer application %(name)s approved: credit level "
                    "%(level)s, credit limit %(limit)s, payment terms %(terms)s.",
                    name=application.name,
                    level=row.display_name,
                    limit=row.credit_limit,
                    terms=row.payment_term_id.name or "-",
                ),
                subtype_xmlid="mail.mt_note",
            )

    @api.model
    def _asq_blocking_applications(self, partner, company):
        """The applications of ``partner`` (a commercial entity) in
        ``company`` that hold its sales: none when one is approved."""
        applications = self.sudo().search(
            [
                ("commercial_partner_id", "=", partner.id),
                ("company_id", "=", company.id),
            ]
        )
        if applications.filtered(lambda a: a.state == "approved"):
            return self.browse()
        return applications


class AsqCustomerApplicationRefuse(models.TransientModel):
    """The reason dialog of the step "Refuse the new customer"."""

    _name = "asq.customer.application.refuse"
    _description = "Refuse a New-Customer Application"

    application_ids = fields.Many2many("asq.customer.application", required=True)
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.application_ids.action_refuse(self.reason)
        return {"type": "ir.actions.act_window_close"}
