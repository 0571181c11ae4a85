from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .asq_groups import GROUP_GM, GROUP_USER

# How a complaint clock counts (procedure 001, 4.4: "24小時內", "七天內",
# "3天內" are elapsed time unless the company counts working time).
ASQ_CLOCK_BASIS = [("elapsed", "Elapsed time"), ("working", "Working time")]


def _asq_clock_basis(string):
    """How one complaint clock counts; the document's elapsed time by default."""
    return fields.Selection(
        ASQ_CLOCK_BASIS, string=string, default="elapsed", required=True
    )


class ResCompany(models.Model):
    _inherit = "res.company"

    # ------------------------------------------------------------------
    # Return / exchange defaults (contract terms when a customer has none)
    # ------------------------------------------------------------------
    asq_exchange_ratio_cap = fields.Float(
        string="Default Exchange Ratio Cap (%)",
        default=5.0,
        help="Share of the value delivered to a customer over the contract "
        "period that the customer may return or exchange, when its contract "
        "does not set its own cap.",
    )
    asq_return_days = fields.Integer(
        string="Default Return Time Limit (days)",
        default=90,
        help="Days after delivery within which goods may be returned or "
        "exchanged, when the customer's contract does not set its own limit.",
    )
    asq_return_period_months = fields.Integer(
        string="Contract Period for Return Ratios (months)",
        default=12,
        help="The customer's return ratio compares what was returned with what "
        "was delivered over this many months.",
    )

    _sql_constraints = [
        (
            "asq_exchange_ratio_cap_range",
            "CHECK(asq_exchange_ratio_cap >= 0 AND asq_exchange_ratio_cap <= 100)",
            "The default exchange ratio cap must lie between 0 and 100 %.",
        ),
        (
            "asq_return_days_positive",
            "CHECK(asq_return_days >= 0)",
            "The default return time limit cannot be negative.",
        ),
        (
            "asq_return_period_months_positive",
            "CHECK(asq_return_period_months > 0)",
            "The contract period for return ratios must be at least one month.",
        ),
    ]

    @api.constrains(
        "asq_exchange_ratio_cap", "asq_return_days", "asq_return_period_months"
    )
    def _check_asq_return_defaults(self):
        for company in self:
            if not 0.0 <= company.asq_exchange_ratio_cap <= 100.0:
                raise ValidationError(
                    self.env._(
                        "The default exchange ratio cap must lie between 0 and 100 %."
                    )
                )
            if company.asq_return_days < 0:
                raise ValidationError(
                    self.env._("The default return time limit cannot be negative.")
                )
            if company.asq_return_period_months < 1:
                raise ValidationError(
                    self.env._(
                        "The contract period for return ratios must be at least "
                        "one month."
                    )
                )

    # ------------------------------------------------------------------
    # Customer complaint clocks: each counts elapsed time (the document's
    # default) or working time of the company calendar (public holidays
    # excluded)
    # ------------------------------------------------------------------
    asq_complaint_disposition_days = fields.Float(
        string="Complaint Disposition (days)",
        default=3.0,
        help="Days after receipt within which every complaint gets a " "disposition.",
    )
    asq_complaint_onsite_local_hours = fields.Float(
        string="On-Site Verification, Local Customers (hours)",
        default=24.0,
        help="Hours after receipt within which the on-site verification of a "
        "local customer's complaint is done; counted in working time, 24 hours "
        "are one working day of the company calendar.",
    )
    asq_complaint_onsite_remote_days = fields.Float(
        string="On-Site Verification, Remote Customers (days)",
        default=7.0,
    )
    asq_complaint_answer_days = fields.Float(
        string="Quality Answer to Sales (days)",
        default=3.0,
        help="Days the quality department has to answer sales once it takes "
        "over a valid complaint.",
    )
    asq_complaint_disposition_basis = _asq_clock_basis("Complaint Disposition Counts")
    asq_complaint_onsite_local_basis = _asq_clock_basis(
        "On-Site Verification (Local) Counts"
    )
    asq_complaint_onsite_remote_basis = _asq_clock_basis(
        "On-Site Verification (Remote) Counts"
    )
    asq_complaint_answer_basis = _asq_clock_basis("Quality Answer Counts")
    asq_complaint_repeat_days = fields.Integer(
        string="Repeat Complaint Window (days)",
        default=180,
        help="A second complaint of the same customer about the same product or "
        "category within this many days is a repeat complaint.",
    )
    asq_warning_customer_count = fields.Integer(
        string="Early Warning: Customers",
        default=3,
        help="Number of customers reporting the same product or defect category "
        "that raises an early warning.",
    )
    asq_warning_window_days = fields.Integer(
        string="Early Warning: Window (days)",
        default=30,
    )
    # Who verifies the effect of a CAPA. 000 §4.6.11: "由管理者代表对实施结果进行
    # 跟踪验证" (the management representative, the default); 003 §3.2.3:
    # (品质管理部) "负责对纠正预防措施的制定和效果验证" (the quality department).
    asq_capa_verifier = fields.Selection(
        selection=[
            ("mgmt_rep", "Management representative"),
            ("quality", "Quality department"),
        ],
        string="CAPA Effectiveness Verified By",
        required=True,
        default="mgmt_rep",
        help="Management representative: as procedure 000 (4.6.11). Quality "
        "department: the quality inspectors and managers verify, as procedures "
        "002 and 003.",
    )

    # 001 §4.7「應及時向企業質量負責人匯報」: the quality head the quality
    # holds are reported to (empty: every quality manager of the company).
    asq_quality_head_id = fields.Many2one(
        "res.users",
        string="Quality Head",
        domain=lambda self: [
            ("share", "=", False),
            (
                "groups_id",
                "in",
                self.env.ref("after_sales_quality.group_asq_manager").ids,
            ),
        ],
        help="The company's quality head, to whom the quality holds are "
        "reported and who acknowledges the reports. Empty: any quality "
        "manager of the company.",
    )

    # Who signs the final report of a complaint before it closes. 003 §3.8:
    # 「厂长:需要对客诉的最终报告签字确认」 (the factory manager: the general
    # manager role by default; a company names another of the addon's roles).
    asq_complaint_signoff_group_id = fields.Many2one(
        "res.groups",
        string="Final Complaint Report Signed By",
        default=lambda self: self.env.ref(GROUP_GM, raise_if_not_found=False),
        domain=lambda self: [
            (
                "category_id",
                "=",
                self.env.ref(
                    "after_sales_quality.module_category_after_sales_quality"
                ).id,
            )
        ],
        help="The role whose members sign the final report of a complaint "
        "before the quality manager closes it (the factory manager, procedure "
        "003). Empty: the general manager.",
    )
    # 004 §5.3.5: 「若接到客户重大报怨(如影响客户生产、功能安全)时,应立即召集相关
    # 单位主管进行检讨」; §5.3.1 「如为重大品质异常则需组织研发工程或生产主要负责人」.
    asq_review_department_ids = fields.Many2many(
        "hr.department",
        "asq_company_review_department_rel",
        "company_id",
        "department_id",
        string="Departments Convened for Major Complaints",
        help="The heads of these departments are invited to the review meeting "
        "of a major or critical complaint (production and R&D among them), "
        "with the head of the department found responsible. Empty: the heads "
        "of every department of the company.",
    )

    def _asq_complaint_signoff_group(self):
        """The role signing the final complaint report of this company (one):
        its setting, else the general manager (sudo: any reader names it)."""
        self.ensure_one()
        company = self.sudo()
        return company.asq_complaint_signoff_group_id or company.env.ref(GROUP_GM)

    def write(self, vals):
        result = super().write(vals)
        if "asq_complaint_signoff_group_id" in vals:
            # Another role signs: the to-dos of the reports waiting move to it.
            self.env["asq.complaint"].sudo().search(
                [
                    ("company_id", "in", self.ids),
                    ("state", "=", "confirmed"),
                    ("signoff_date", "=", False),
                ]
            )._asq_update_todos()
        return result

    @api.constrains("asq_complaint_signoff_group_id")
    def _check_asq_complaint_signoff_group(self):
        """The signer must be able to open the complaint it signs: a role of
        the after-sales users (all of the addon's but finance and warehouse)."""
        user_group = self.env.ref(GROUP_USER)
        for company in self.sudo():
            group = company.asq_complaint_signoff_group_id
            if group and user_group not in group | group.trans_implied_ids:
                raise ValidationError(
                    self.env._(
                        "The role %(role)s cannot sign the final complaint "
                        "report: it does not give access to the complaints. "
                        "Choose a role of the after-sales users.",
                        role=group.name,
                    )
                )

    # ------------------------------------------------------------------
    # Statistics
    # ------------------------------------------------------------------
    # 003 §5.2.3: 「若品质部在调查分析时,认为不是本公司责任时,即不为客户投诉」
    asq_complaint_rate_own_only = fields.Boolean(
        string="Complaint Rate: Our Responsibility Only",
        default=True,
        help="A complaint the quality department finds is not the company's "
        "responsibility (customer misuse, supplier or carrier) stays in the "
        "register, is reported separately and leaves the complaint rate.",
    )

    @api.constrains(
        "asq_complaint_disposition_days",
        "asq_complaint_onsite_local_hours",
        "asq_complaint_onsite_remote_days",
        "asq_complaint_answer_days",
        "asq_complaint_repeat_days",
        "asq_warning_customer_count",
        "asq_warning_window_days",
    )
    def _check_asq_complaint_clocks(self):
        for company in self:
            if (
                min(
                    company.asq_complaint_disposition_days,
                    company.asq_complaint_onsite_local_hours,
                    company.asq_complaint_onsite_remote_days,
                    company.asq_complaint_answer_days,
                    company.asq_complaint_repeat_days,
                    company.asq_warning_window_days,
                )
                <= 0
                or company.asq_warning_customer_count < 2
            ):
                raise ValidationError(
                    self.env._(
                        "Complaint deadlines and windows must be positive, and an "
                        "early warning needs at least two customers."
                    )
                )
