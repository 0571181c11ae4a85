from collections import namedtuple

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

from .asq_delivered_line import asq_request_line_figures

# A customer's figures over the contract period (res.partner._asq_return_ratio),
# in company currency. 001, second procedure: finance checks 「所調換貨占總
# 進貨的比例」 against 「不適銷產品的調換比例」: the exchange ratio is the
# unsaleable goods exchanged (and asked for in open requests) over the goods
# delivered; the return ratio counts every return, quality ones included.
AsqReturnFigures = namedtuple(
    "AsqReturnFigures",
    [
        "delivered",  # goods delivered in the period
        "returned",  # came back (done returns, less what QC rejected)
        "ratio",  # total return ratio in %: returned + committed
        "exchanged",  # came back, but for the quality returns of requests
        "exchange_ratio",  # unsaleable exchange ratio in %: exchanged + committed
        "committed",  # asked for in open requests, not back yet
        "committed_exchange",  # of which unsaleable goods
    ],
)
ASQ_NO_FIGURES = AsqReturnFigures(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)

# Contract terms of the customer archive: only finance and the business head
# (and administrators) may set them, since they decide what finance accepts.
ASQ_CONTRACT_FIELDS = (
    "asq_credit_level",
    "asq_custom_terms",
    "asq_exchange_ratio_cap",
    "asq_return_days",
)
ASQ_CONTRACT_GROUPS = (
    "after_sales_quality.group_asq_finance",
    "after_sales_quality.group_asq_business_head",
    "base.group_system",
)


class ResPartner(models.Model):
    _inherit = "res.partner"

    # ------------------------------------------------------------------
    # Customer archive (《客户档案》)
    # ------------------------------------------------------------------
    asq_customer_class = fields.Selection(
        selection=[
            ("a", "A - Key customer"),
            ("b", "B - Major customer"),
            ("c", "C - Occasional customer"),
        ],
        string="Customer Class",
        index=True,
        tracking=True,
        help="ABC classification: A key customers, B major customers, "
        "C occasional customers. Drives the satisfaction survey sampling.",
        groups="base.group_user",
    )
    asq_credit_level = fields.Selection(
        selection=[
            ("1", "I - Credit up to 30 days"),
            ("2", "II - Credit over 30 days"),
            ("3", "III - Annual customer"),
        ],
        string="Credit Level",
        index=True,
        tracking=True,
        groups="base.group_user",
    )
    asq_locality = fields.Selection(
        selection=[("local", "Local"), ("remote", "Remote")],
        string="Locality",
        index=True,
        tracking=True,
        help="Local customers get on-site complaint verification within 24 "
        "hours, remote customers within 7 days.",
        groups="base.group_user",
    )
    asq_custom_terms = fields.Boolean(
        string="Contract-Specific Return Terms",
        tracking=True,
        help="Set when the customer's contract has its own exchange ratio cap "
        "and return time limit; otherwise the company defaults apply.",
        groups="base.group_user",
    )
    asq_exchange_ratio_cap = fields.Float(
        string="Exchange Ratio Cap (%)",
        tracking=True,
        help="Share of the value delivered over the contract period that the "
        "customer may return or exchange.",
        groups="base.group_user",
    )
    asq_return_days = fields.Integer(
        string="Return Time Limit (days)",
        tracking=True,
        help="Days after delivery within which goods may be returned.",
        groups="base.group_user",
    )
    asq_effective_exchange_ratio_cap = fields.Float(
        string="Applicable Exchange Ratio Cap (%)",
        compute="_compute_asq_effective_terms",
        groups="base.group_user",
    )
    asq_effective_return_days = fields.Integer(
        string="Applicable Return Time Limit (days)",
        compute="_compute_asq_effective_terms",
        groups="base.group_user",
    )
    asq_can_edit_contract_terms = fields.Boolean(
        string="Can Edit Return Terms",
        compute="_compute_asq_can_edit_contract_terms",
        help="Technical: drives whether the contract terms are editable.",
    )

    # ------------------------------------------------------------------
    # What the customer bought (from done deliveries)
    # ------------------------------------------------------------------
    asq_delivered_line_ids = fields.One2many(
        "asq.delivered.line", "partner_id", string="Delivered Goods", readonly=True
    )
    asq_delivered_line_count = fields.Integer(
        string="Delivered Lines", compute="_compute_asq_delivery_figures"
    )
    asq_delivered_product_count = fields.Integer(
        string="Products Bought", compute="_compute_asq_delivery_figures"
    )
    asq_last_delivery_date = fields.Datetime(
        string="Last Delivery", compute="_compute_asq_delivery_figures"
    )
    asq_currency_id = fields.Many2one(
        "res.currency",
        string="Archive Currency",
        compute="_compute_asq_delivery_figures",
    )
    asq_period_delivered_amount = fields.Monetary(
        string="Delivered in Contract Period",
        compute="_compute_asq_delivery_figures",
        currency_field="asq_currency_id",
        groups="base.group_user",
    )
    asq_period_returned_amount = fields.Monetary(
        string="Returned in Contract Period",
        compute="_compute_asq_delivery_figures",
        currency_field="asq_currency_id",
        groups="base.group_user",
    )
    asq_period_committed_amount = fields.Monetary(
        string="Requested, Not Back Yet",
        compute="_compute_asq_delivery_figures",
        currency_field="asq_currency_id",
        help="What open return requests (approved or on their way) still ask "
        "for of the goods delivered in the contract period: it counts in both "
        "ratios.",
        groups="base.group_user",
    )
    asq_period_return_ratio = fields.Float(
        string="Total Return Ratio (%)",
        compute="_compute_asq_delivery_figures",
        help="Every return (quality returns included), plus what open requests "
        "still ask for, over the value delivered in the contract period. "
        "Goods QC rejected and sent back are not returned.",
        groups="base.group_user",
    )
    asq_period_exchange_ratio = fields.Float(
        string="Unsaleable Exchange Ratio (%)",
        compute="_compute_asq_delivery_figures",
        help="The ratio the contract caps: every return but the quality "
        "returns of requests, plus what open requests still ask for of "
        "unsaleable goods, over the value delivered in the contract period. "
        "The company's own quality defects never count in it.",
        groups="base.group_user",
    )

    asq_capa_count = fields.Integer(string="CAPA", compute="_compute_asq_capa_count")
    asq_complaint_count = fields.Integer(
        string="Complaints", compute="_compute_asq_complaint_count"
    )
    asq_return_count = fields.Integer(
        string="Returns", compute="_compute_asq_return_count"
    )
    asq_service_visit_count = fields.Integer(
        string="Service Visits", compute="_compute_asq_service_visit_count"
    )
    asq_survey_target_count = fields.Integer(
        string="Satisfaction Surveys",
        compute="_compute_asq_survey_target_count",
    )

    _sql_constraints = [
        (
            "asq_exchange_ratio_cap_range",
            "CHECK(asq_exchange_ratio_cap IS NULL OR "
            "(asq_exchange_ratio_cap >= 0 AND asq_exchange_ratio_cap <= 100))",
            "The exchange ratio cap must lie between 0 and 100 %.",
        ),
        (
            "asq_return_days_positive",
            "CHECK(asq_return_days IS NULL OR asq_return_days >= 0)",
            "The return time limit cannot be negative.",
        ),
    ]

    @api.model
    def _commercial_fields(self):
        return [
            *super()._commercial_fields(),
            "asq_customer_class",
            "asq_locality",
            *ASQ_CONTRACT_FIELDS,
        ]

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("asq_custom_terms", "asq_exchange_ratio_cap", "asq_return_days")
    @api.depends_context("company")
    def _compute_asq_effective_terms(self):
        for partner in self:
            company = partner.company_id or self.env.company
            if partner.commercial_partner_id.asq_custom_terms:
                commercial = partner.commercial_partner_id
                partner.asq_effective_exchange_ratio_cap = (
                    commercial.asq_exchange_ratio_cap
                )
                partner.asq_effective_return_days = commercial.asq_return_days
            else:
                partner.asq_effective_exchange_ratio_cap = (
                    company.asq_exchange_ratio_cap
                )
                partner.asq_effective_return_days = company.asq_return_days

    @api.depends_context("uid")
    def _compute_asq_can_edit_contract_terms(self):
        self.asq_can_edit_contract_terms = self._asq_user_may_edit_contract_terms()

    @api.depends_context("company", "allowed_company_ids")
    def _compute_asq_delivery_figures(self):
        """Fill the after-sales tab and smart buttons: two grouped reads for
        the whole batch, whatever its size. The goods are those of the
        companies the user works in (the switcher); the contract period and
        the currency are the partner's company's or, for a partner shared
        between companies, the current company's: hence ``company`` in
        ``depends_context``."""
        Line = self.env["asq.delivered.line"]
        commercial = self.commercial_partner_id
        if not Line.has_access("read"):
            commercial = commercial.browse()
        overall = {
            partner.id: (count, products, last_date)
            for partner, count, products, last_date in Line._read_group(
                [("partner_id", "in", commercial.ids)],
                ["partner_id"],
                ["__count", "product_id:count_distinct", "date:max"],
            )
        }
        period = {}
        for company in commercial.company_id | self.env.company:
            partners = commercial.filtered(
                lambda p, c=company: (p.company_id or self.env.company) == c
            )
            period[company] = partners._asq_return_ratio(company, all_companies=True)
        for partner in self:
            key = partner.commercial_partner_id.id
            company = partner.commercial_partner_id.company_id or self.env.company
            count, products, last_date = overall.get(key, (0, 0, False))
            figures = period.get(company, {}).get(key, ASQ_NO_FIGURES)
            partner.asq_delivered_line_count = count
            partner.asq_delivered_product_count = products
            partner.asq_last_delivery_date = last_date
            partner.asq_currency_id = company.currency_id
            partner.asq_period_delivered_amount = figures.delivered
            partner.asq_period_returned_amount = figures.returned
            partner.asq_period_committed_amount = figures.committed
            partner.asq_period_return_ratio = figures.ratio
            partner.asq_period_exchange_ratio = figures.exchange_ratio

    def _asq_return_ratio(self, company, date_to=None, all_companies=False):
        """The customer's return figures (``AsqReturnFigures``): per
        commercial partner of ``self``, of the goods delivered over
        ``company``'s contract period (``asq_return_period_months``) up to
        ``date_to`` (now), the value that came back of them (less what QC
        rejected: it goes back to the customer), the value open requests
        still ask for (「所調換貨占總進貨的比例」 counts what is committed:
        splitting a return into small requests passes no cap), and of both
        the exchanges (every return but the quality returns of requests: the
        company's own defects), in company currency. The goods are
        ``company``'s, or with ``all_companies`` those of every company the
        environment reads (its record rules). The finance check of a return
        request, the customer's archive, the return ratio report (through
        ``_asq_return_period_start``) and the statistics packs share this
        definition. Two grouped queries for the batch."""
        partners = self.commercial_partner_id
        if not partners:
            return {}
        start = self._asq_return_period_start(company, date_to or fields.Datetime.now())
        domain = [("partner_id", "in", partners.ids), ("date", ">=", start)]
        if date_to:
            domain.append(("date", "<", date_to))
        companies = self.env.companies if all_companies else company
        if not all_companies:
            domain.append(("company_id", "=", company.id))
        delivered = {
            partner.id: (amount, returned)
            for partner, amount, returned in self.env["asq.delivered.line"]._read_group(
                domain, ["partner_id"], ["amount:sum", "returned_amount:sum"]
            )
        }
        requested = {}
        if self.env["asq.delivered.line"].has_access("read"):
            self.env.flush_all()
            requests = SQL(
                """AND rl.return_id IN (
                       SELECT r2.id FROM asq_return r2
                         JOIN res_partner p2 ON p2.id = r2.partner_id
                        WHERE COALESCE(p2.commercial_partner_id, p2.id) IN %s
                          AND r2.company_id IN %s)""",
                tuple(partners.ids),
                tuple(companies.ids) or (0,),
            )
            self.env.cr.execute(
                SQL(
                    """
                SELECT f.partner_id,
                       SUM(f.returned_qty * f.price_unit)
                           FILTER (WHERE f.kind = 'quality'),
                       SUM(f.outstanding_qty * f.price_unit),
                       SUM(f.outstanding_qty * f.price_unit)
                           FILTER (WHERE f.kind = 'unsaleable')
                  FROM (%s) f
                 WHERE f.delivery_date >= %s %s
              GROUP BY f.partner_id
                    """,
                    asq_request_line_figures(requests),
                    start,
                    SQL("AND f.delivery_date < %s", date_to) if date_to else SQL(),
                )
            )
            requested = {
                row[0]: tuple(float(v or 0.0) for v in row[1:])
                for row in self.env.cr.fetchall()
            }
        result = {}
        for partner_id in set(delivered) | set(requested):
            amount, returned = delivered.get(partner_id, (0.0, 0.0))
            quality, committed, committed_exchange = requested.get(
                partner_id, (0.0, 0.0, 0.0)
            )
            # every return but the quality returns of a request: a return
            # outside the procedure proves no company defect
            exchanged = max(returned - quality, 0.0)
            result[partner_id] = AsqReturnFigures(
                delivered=amount,
                returned=returned,
                ratio=(returned + committed) / amount * 100.0 if amount else 0.0,
                exchanged=exchanged,
                exchange_ratio=(exchanged + committed_exchange) / amount * 100.0
                if amount
                else 0.0,
                committed=committed,
                committed_exchange=committed_exchange,
            )
        return result

    @api.model
    def _asq_return_period_start(self, company, date_to):
        """Where ``company``'s contract period ending at ``date_to`` starts."""
        return date_to - relativedelta(months=company.asq_return_period_months)

    def _asq_count_by_customer(self, model_name, partner_field):
        """Records of ``model_name`` per commercial partner of the batch
        (``partner_field`` points to the customer): one grouped read for the
        whole batch, nothing for a user who may not read them."""
        Model = self.env[model_name]
        commercial = self.commercial_partner_id
        if not (Model.has_access("read") and commercial):
            return {}
        return {
            partner.id: count
            for partner, count in Model._read_group(
                [(partner_field, "in", commercial.ids)], [partner_field], ["__count"]
            )
        }

    @api.depends_context("company", "allowed_company_ids", "uid")
    def _compute_asq_capa_count(self):
        """Smart button "CAPA"."""
        counts = self._asq_count_by_customer("asq.capa", "partner_ids")
        for partner in self:
            partner.asq_capa_count = counts.get(partner.commercial_partner_id.id, 0)

    @api.depends_context("company", "allowed_company_ids", "uid")
    def _compute_asq_complaint_count(self):
        """Smart button "Complaints"."""
        counts = self._asq_count_by_customer("asq.complaint", "commercial_partner_id")
        for partner in self:
            partner.asq_complaint_count = counts.get(
                partner.commercial_partner_id.id, 0
            )

    @api.depends_context("company", "allowed_company_ids", "uid")
    def _compute_asq_return_count(self):
        """Smart button "Returns"."""
        counts = self._asq_count_by_customer("asq.return", "partner_id")
        for partner in self:
            partner.asq_return_count = counts.get(partner.commercial_partner_id.id, 0)

    @api.depends_context("company", "allowed_company_ids", "uid")
    def _compute_asq_service_visit_count(self):
        """Smart button "Service Visits"."""
        counts = self._asq_count_by_customer(
            "asq.service.visit", "commercial_partner_id"
        )
        for partner in self:
            partner.asq_service_visit_count = counts.get(
                partner.commercial_partner_id.id, 0
            )

    @api.depends_context("company", "allowed_company_ids", "uid")
    def _compute_asq_survey_target_count(self):
        """Smart button "Surveys"."""
        counts = self._asq_count_by_customer("asq.survey.target", "partner_id")
        for partner in self:
            partner.asq_survey_target_count = counts.get(
                partner.commercial_partner_id.id, 0
            )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("asq_exchange_ratio_cap", "asq_return_days")
    def _check_asq_return_terms(self):
        for partner in self:
            if not 0.0 <= partner.asq_exchange_ratio_cap <= 100.0:
                raise ValidationError(
                    self.env._(
                        "The exchange ratio cap of %(customer)s must lie between "
                        "0 and 100 %%.",
                        customer=partner.display_name,
                    )
                )
            if partner.asq_return_days < 0:
                raise ValidationError(
                    self.env._(
                        "The return time limit of %(customer)s cannot be negative.",
                        customer=partner.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if any(
            vals.get(fname)
            for vals in vals_list
            if not vals.get("parent_id")
            for fname in ASQ_CONTRACT_FIELDS
        ):
            self._asq_ensure_may_edit_contract_terms()
        partners = super().create(vals_list)
        if any(vals.get("asq_credit_level") for vals in vals_list):
            partners._asq_apply_credit_level()
        return partners

    def write(self, vals):
        commercial = self.filtered(lambda p: p.commercial_partner_id == p)
        if commercial:
            changed = any(
                fname in ASQ_CONTRACT_FIELDS
                and any(partner[fname] != value for partner in commercial)
                for fname, value in vals.items()
            )
            if changed:
                self._asq_ensure_may_edit_contract_terms()
        result = super().write(vals)
        if vals.get("asq_credit_level") and commercial:
            commercial._asq_apply_credit_level()
        return result

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_asq_view_delivered_lines(self):
        """Smart button "Delivered": the goods delivered to this customer."""
        return self._asq_customer_action(
            "asq_delivered_line_action",
            "partner_id",
            {"search_default_group_by_product": 1},
        )

    def action_asq_view_capa(self):
        """Smart button "CAPA": the CAPA concerning this customer."""
        return self._asq_customer_action(
            "asq_capa_action",
            "partner_ids",
            {"default_partner_ids": self.commercial_partner_id.ids},
        )

    def action_asq_view_complaints(self):
        """Smart button "Complaints": the customer's complaints and feedback."""
        return self._asq_customer_action(
            "asq_complaint_action", "commercial_partner_id", default=True
        )

    def action_asq_view_returns(self):
        """Smart button "Returns": the return requests of this customer."""
        return self._asq_customer_action(
            "asq_return_action", "partner_id", default=True
        )

    def action_asq_view_service_visits(self):
        """Smart button "Service Visits": the customer's service visits."""
        return self._asq_customer_action(
            "asq_service_visit_action", "commercial_partner_id", default=True
        )

    def action_asq_view_survey_targets(self):
        """Smart button "Surveys": the campaigns this customer was surveyed in."""
        return self._asq_customer_action("asq_survey_target_action", "partner_id")

    def _asq_customer_action(self, xmlid, field, context=None, default=False):
        """The smart buttons' window action ``xmlid`` on the records whose
        ``field`` is this customer (its commercial entity), with ``context``;
        with ``default``, new records are for this customer."""
        self.ensure_one()
        customer = self.commercial_partner_id
        action = self.env["ir.actions.act_window"]._for_xml_id(
            f"after_sales_quality.{xmlid}"
        )
        action["domain"] = [(field, "=", customer.id)]
        if default:
            context = {"default_partner_id": customer.id}
        if context is not None:
            action["context"] = context
        return action

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _asq_survey_contact(self):
        """The contact who receives the survey: the customer itself when it
        has an e-mail address, else its first contact with one."""
        self.ensure_one()
        if self.email:
            return self
        contacts = self.child_ids.filtered(
            lambda c: c.email and c.type in ("contact", "other")
        )
        return contacts[:1] or self

    def _asq_user_may_edit_contract_terms(self):
        return self.env.su or any(
            self.env.user.has_group(group) for group in ASQ_CONTRACT_GROUPS
        )

    def _asq_ensure_may_edit_contract_terms(self):
        """Refuse contract terms set by someone who may not agree them."""
        if not self._asq_user_may_edit_contract_terms():
            raise AccessError(
                self.env._(
                    "Only finance, the business head or an administrator may "
                    "change a customer's credit level and return terms."
                )
            )

    # ------------------------------------------------------------------
    # Credit level 「信用管理方案」 (003 §4.2.2): the level drives Odoo's own
    # credit limit and payment terms (asq.credit.level)
    # ------------------------------------------------------------------
    def _asq_apply_credit_level(self):
        """Write on these customers (commercial entities) the credit limit and
        payment terms of their level in the current company's credit scheme;
        a level the scheme has no row for changes nothing."""
        company = self.env.company
        customers = self.sudo().filtered(
            lambda p: p.commercial_partner_id == p and p.asq_credit_level
        )
        for level, partners in customers.grouped("asq_credit_level").items():
            row = self.env["asq.credit.level"]._asq_row(company, level)
            if row:
                partners._asq_apply_credit_terms(row)

    def _asq_apply_credit_terms(self, row):
        """Accounting's partner credit limit and the customer payment terms
        of ``row`` (asq.credit.level), in the row's company (both are
        company-dependent); a row without a limit leaves the company's
        default limit."""
        partners = self.sudo().with_company(row.company_id)
        if row.credit_limit:
            partners.write({"credit_limit": row.credit_limit})
        else:
            partners.write({"use_partner_credit_limit": False})
        partners.write({"property_payment_term_id": row.payment_term_id.id})
