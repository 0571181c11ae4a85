from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError

from .asq_groups import GROUP_FINANCE, GROUP_GM

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
    _inherit = ["mail.thread"]
    _order = "company_id, level"
    _check_company_auto = True

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
    currency_id = fields.Many2one(related="company_id.currency_id")
    credit_limit = fields.Monetary(
        tracking=True,
        help="Written as the partner credit limit of every customer on this "
        "level (Accounting). Zero: no partner limit, the company's default "
        "applies. Sales orders warn beyond it when the company's Sales Credit "
        "Limit setting (Accounting) is on.",
    )
    payment_term_id = fields.Many2one(
        "account.payment.term",
        string="Payment Terms",
        check_company=True,
        tracking=True,
        help="Written as the customer payment terms of every customer on this "
        "level: its quotations and invoices use them.",
    )
    note = fields.Text(string="Credit Period", help="What the scheme says.")
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
        rows = super().create(vals_list)
        if not self.env.context.get("install_filename"):
            # (rows a module's data file creates on an existing database do
            # not overwrite its customers: see the 18.0.1.6.0 migration)
            rows._asq_apply_to_customers()
        return rows

    def write(self, vals):
        self._asq_ensure_scheme_editor()
        result = super().write(vals)
        if {"level", "credit_limit", "payment_term_id", "company_id"} & set(vals):
            self._asq_apply_to_customers()
        return result

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
