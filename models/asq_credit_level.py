from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import LazyTranslate

from .asq_document import asq_state_field
from .asq_groups import GROUP_FINANCE, GROUP_GM
from .asq_workflow_mixin import AsqEditable, AsqTransition, asq_in_step, asq_signature

_lt = LazyTranslate(__name__)

# 003 §4.2.2 「信用管理方案由执行副总助理初步拟定后经执行副总批准后施行。」 The
# credit scheme is the company's table of credit levels: the executive vice
# president's assistant (the finance reviewer here) drafts it, the executive
# vice president (the general manager here) approves it; both may edit it.
ASQ_CREDIT_SCHEME_GROUPS = (GROUP_FINANCE, GROUP_GM, "base.group_system")

# 003 §4.2.2 「目前主要是按信用期限进行管理,分为I(信用期在30天以下)、II(信用期
# 在30天以上)、III(年度客户)三个信用级别。」 (the keys of res.partner's
# asq_credit_level)
ASQ_CREDIT_LEVELS = [
    ("1", "I - Credit up to 30 days"),
    ("2", "II - Credit over 30 days"),
    ("3", "III - Annual customer"),
]


SCHEME_KEY = "asq_credit_scheme_workflow"
# The figures in force and the signatures: only the steps write them (the
# figures: the approval, from the proposal).
SCHEME_SIGNATURES = frozenset(
    {
        "state",
        "credit_limit",
        "payment_term_id",
        "submitted_user_id",
        "submitted_date",
        "approved_user_id",
        "approved_date",
    }
)
# 「信用管理方案由执行副总助理初步拟定」: the assistant (finance) drafts the
# revision while none is waiting for approval.
SCHEME_EDITABLE = {
    "level": AsqEditable(("draft",), GROUP_FINANCE),
    "proposed_credit_limit": AsqEditable(("draft", "approved"), GROUP_FINANCE),
    "proposed_payment_term_id": AsqEditable(("draft", "approved"), GROUP_FINANCE),
    "note": AsqEditable(("draft", "approved"), GROUP_FINANCE),
}

# (lazy terms, translated where shown: self.env._(transition.label))
# pylint: disable=prefer-env-translation
SCHEME_TRANSITIONS = (
    AsqTransition(
        "submit",
        _lt("Submit for Approval"),
        ("draft", "approved"),
        (GROUP_FINANCE,),
        "proposed",
        stamp="submitted",
        check="_asq_check_submit",
        todo=False,
    ),
    # 「经执行副总批准后施行」: the executive vice president (the general
    # manager here) approves; only then the figures are in force and written
    # on the level's customers.
    AsqTransition(
        "approve",
        _lt("Approve the Credit Level"),
        ("proposed",),
        (GROUP_GM,),
        "approved",
        stamp="approved",
        check="_asq_check_approve",
    ),
    AsqTransition(
        "refuse",
        _lt("Send Back to Finance"),
        ("proposed",),
        (GROUP_GM,),
        "draft",
        todo=False,
    ),
)
# pylint: enable=prefer-env-translation


class AsqCreditLevel(models.Model):
    """One row of the company's credit scheme 「信用管理方案」: what a credit
    level gives a customer in Odoo's own terms, its credit limit (Accounting's
    partner credit limit) and its payment terms. A customer's level is not a
    label: setting it (by hand or by approving the customer's new-customer
    application) writes these on the customer, and saving a changed row
    writes them on every customer of the company on that level at once (what
    finance expects when it revises the scheme)."""

    _name = "asq.credit.level"
    _description = "Credit Level"
    _inherit = [
        "mail.activity.mixin",
        "asq.workflow.mixin",
        "asq.editable.mixin",
        "mail.thread",
    ]
    _order = "company_id, level"
    _check_company_auto = True
    _asq_workflow_key = SCHEME_KEY
    _asq_transitions = SCHEME_TRANSITIONS
    _asq_editable = SCHEME_EDITABLE

    level = fields.Selection(
        selection=ASQ_CREDIT_LEVELS,
        string="Credit Level",
        required=True,
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    state = asq_state_field(
        selection=[
            ("draft", "Being Drafted"),
            ("proposed", "Awaiting Approval"),
            ("approved", "Approved"),
        ],
        default="draft",
        help="Being drafted: finance prepares the proposed figures; the "
        "figures in force (if any) still apply.\n"
        "Awaiting approval: the general manager approves the proposal or "
        "sends it back.\n"
        "Approved: the proposal is in force and written on the level's "
        "customers; finance may draft the next revision.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    credit_limit = fields.Monetary(
        string="Credit Limit in Force",
        readonly=True,
        tracking=True,
        help="Written as the partner credit limit of every customer on this "
        "level (Accounting). Zero: no partner limit, the company's default "
        "applies. Sales orders warn beyond it when the company's Sales Credit "
        "Limit setting (Accounting) is on.",
    )
    payment_term_id = fields.Many2one(
        "account.payment.term",
        string="Payment Terms in Force",
        readonly=True,
        check_company=True,
        tracking=True,
        help="Written as the customer payment terms of every customer on this "
        "level: its quotations and invoices use them.",
    )
    proposed_credit_limit = fields.Monetary(
        tracking=True,
        help="Drafted by finance; in force once the general manager approves.",
    )
    proposed_payment_term_id = fields.Many2one(
        "account.payment.term",
        string="Proposed Payment Terms",
        check_company=True,
        tracking=True,
        help="Drafted by finance; in force once the general manager approves.",
    )
    note = fields.Text(string="Credit Period", help="What the scheme says.")
    submitted_user_id, submitted_date = asq_signature(
        "Drafted By", "Submitted for Approval On"
    )
    approved_user_id, approved_date = asq_signature("Approved By", "Approved On")
    can_submit = fields.Boolean(compute="_compute_asq_can")
    can_approve = fields.Boolean(compute="_compute_asq_can")
    can_refuse = fields.Boolean(compute="_compute_asq_can")
    customer_count = fields.Integer(
        string="Customers", compute="_compute_customer_count"
    )

    _sql_constraints = [
        (
            "level_company_uniq",
            "UNIQUE(level, company_id)",
            "A credit level has one row per company.",
        ),
    ]

    @api.depends("level", "company_id")
    def _compute_display_name(self):
        labels = dict(self._fields["level"]._description_selection(self.env))
        for row in self:
            row.display_name = labels.get(row.level, "")

    def _asq_customers(self):
        """The customers (commercial entities) of the row's company on its
        level."""
        self.ensure_one()
        partners = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("asq_credit_level", "=", self.level),
                    ("company_id", "in", [False, self.company_id.id]),
                ]
            )
        )
        return partners.filtered(lambda p: p.commercial_partner_id == p)

    @api.depends("level", "company_id")
    def _compute_customer_count(self):
        for row in self:
            row.customer_count = len(row._asq_customers()) if row.level else 0

    def _asq_ensure_scheme_editor(self):
        if not self.env.su and not any(
            self.env.user.has_group(group) for group in ASQ_CREDIT_SCHEME_GROUPS
        ):
            raise AccessError(
                self.env._(
                    "Only finance or the general manager may change the credit "
                    "scheme (credit levels)."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._asq_ensure_scheme_editor()
        if not self.env.su and not asq_in_step(self.env, SCHEME_KEY):
            # A new level is drafted: its figures are in force once approved.
            for vals in vals_list:
                self._asq_ensure_fields_unsigned(vals, SCHEME_SIGNATURES, "draft")
        for vals in vals_list:
            # (a module's data file: its figures are the starting proposal too)
            vals.setdefault("proposed_credit_limit", vals.get("credit_limit", 0.0))
            vals.setdefault("proposed_payment_term_id", vals.get("payment_term_id"))
        return super().create(vals_list)

    def write(self, vals):
        self._asq_ensure_scheme_editor()
        if not self.env.su and not asq_in_step(self.env, SCHEME_KEY):
            self._asq_ensure_fields_unsigned(vals, SCHEME_SIGNATURES, "draft")
            self._asq_ensure_editable(vals)
        result = super().write(vals)
        if {"level", "credit_limit", "payment_term_id", "company_id"} & set(vals):
            self._asq_apply_to_customers()
        return result

    # ------------------------------------------------------------------
    # Steps: 「信用管理方案由执行副总助理初步拟定后经执行副总批准后施行。」
    # ------------------------------------------------------------------
    @api.depends(
        "state", "proposed_credit_limit", "proposed_payment_term_id", "credit_limit"
    )
    @api.depends_context("uid")
    def _compute_asq_can(self):
        """(the engine's, also when the data its preconditions read change)"""
        return super()._compute_asq_can()

    def action_submit(self):
        """Button "Submit for Approval": the drafted figures go to the
        general manager."""
        self._asq_begin("submit")._asq_finish("submit")
        return True

    def action_approve(self):
        """Button "Approve": the proposal is in force, and written on the
        level's customers (Odoo's credit limit and payment terms)."""
        rows = self._asq_begin("approve")
        for row in rows:
            row._asq_finish(
                "approve",
                {
                    "credit_limit": row.proposed_credit_limit,
                    "payment_term_id": row.proposed_payment_term_id.id,
                },
            )
        return True

    def action_refuse(self):
        """Button "Send Back to Finance": the proposal goes back to be
        redrafted; the figures in force still apply."""
        self._asq_begin("refuse")._asq_finish("refuse")
        return True

    def _asq_check_submit(self):
        if self.state == "approved" and (
            self.proposed_credit_limit,
            self.proposed_payment_term_id,
        ) == (self.credit_limit, self.payment_term_id):
            return self.env._(
                "Change the proposed credit limit or payment terms of %(name)s "
                "first: they are the ones in force.",
                name=self.display_name,
            )
        return ""

    def _asq_check_approve(self):
        if self.submitted_user_id == self.env.user and not self.env.su:
            return self.env._(
                "%(name)s was drafted by you: the general manager approves "
                "what finance drafted, not their own proposal.",
                name=self.display_name,
            )
        return ""

    def _asq_apply_to_customers(self):
        """Write the rows' terms on their customers, and say so on the row."""
        for row in self:
            customers = row._asq_customers()
            if not customers:
                continue
            customers._asq_apply_credit_terms(row)
            row.message_post(
                body=Markup("<p>%s</p>")
                % self.env._(
                    "Credit limit and payment terms written on %(count)s "
                    "customers of this level.",
                    count=len(customers),
                ),
                subtype_xmlid="mail.mt_note",
            )

    @api.model
    def _asq_row(self, company, level):
        """The row of ``level`` in ``company`` (empty if the scheme has none)."""
        if not level:
            return self.browse()
        return self.sudo().search(
            [("company_id", "=", company.id), ("level", "=", level)], limit=1
        )


class ResCompany(models.Model):
    _inherit = "res.company"

    @api.model_create_multi
    def create(self, vals_list):
        """A new company gets the scheme's three levels, being drafted (no
        figures in force until its general manager approves them)."""
        companies = super().create(vals_list)
        companies._asq_ensure_credit_levels()
        return companies

    def _asq_ensure_credit_levels(self):
        """Create the credit levels the companies lack (being drafted)."""
        Level = self.env["asq.credit.level"].sudo()
        existing = {
            (row.company_id.id, row.level)
            for row in Level.search([("company_id", "in", self.ids)])
        }
        Level.create(
            [
                {"company_id": company.id, "level": level}
                for company in self
                for level, _label in ASQ_CREDIT_LEVELS
                if (company.id, level) not in existing
            ]
        )

    # 003 §4.2.3 「新客户申请准入时,由业务经办人对客户的情况进行调查,填写《新客户
    # 申请表》」: off by default, so that customers created without an application
    # (before the addon, by other modules) keep selling; a customer that has an
    # application is held until it is approved whatever this says.
    asq_require_customer_application = fields.Boolean(
        string="Require an Approved New-Customer Application",
        help="A customer's first sale order cannot be confirmed until its "
        "new-customer application is approved. Customers that already have "
        "a confirmed sale are not held.",
    )


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    asq_require_customer_application = fields.Boolean(
        related="company_id.asq_require_customer_application", readonly=False
    )
