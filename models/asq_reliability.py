from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, formatLang

from ..report.asq_reliability_report import MAX_MONTHS, PER
from .asq_complaint import STEP_CONTEXT
from .asq_groups import GROUP_MANAGER, GROUP_MGMT_REP
from .asq_workflow_mixin import asq_in_step

# Products checked per query by the daily job.
BATCH_SIZE = 200
# Set when a reliability warning is raised, never by hand.
RELIABILITY_FIELDS = (
    "source",
    "reliability_months",
    "reliability_threshold",
    "reliability_rate",
    "reliability_failures",
    "reliability_delivered",
)


class AsqReliabilityThreshold(models.Model):
    """The threshold of the field reliability early warning of a product in
    a company. The quality manager sets it (no product-edit rights needed);
    the after-sales users read it."""

    _name = "asq.reliability.threshold"
    _description = "Field Reliability Threshold"
    _order = "product_tmpl_id, company_id"
    _rec_name = "product_tmpl_id"
    _check_company_auto = True

    # 002 §6.5.2 「建立产品使用时期(包括保修期及整个使用寿命期内)产品监视和早期
    # 报警系统」: the threshold of the early warning on field reliability.
    product_tmpl_id = fields.Many2one(
        "product.template",
        string="Product",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    max_rate = fields.Float(
        string="Max. Failures per 1,000",
        digits=(16, 2),
        required=True,
        help="The early warning is raised when the cumulative failure rate at "
        "the months in service below exceeds this figure: the failures "
        "reported within those months per 1,000 units of the deliveries "
        "that have been in service that long (younger deliveries are left "
        "out, they have not had the exposure; goods returned are out of "
        "service). The younger deliveries are also evaluated on their "
        "failures so far per 1,000 units in service (their rate can only "
        "grow): this is how a product whose deliveries are all younger is "
        "evaluated. The higher of the two counts.",
    )
    months = fields.Integer(
        string="Months in Service",
        default=12,
        required=True,
        help="The months in service the cumulative failure rate is read at "
        "(e.g. the warranty period).",
    )

    _sql_constraints = [
        (
            "product_company_unique",
            "UNIQUE(product_tmpl_id, company_id)",
            "A product has one field reliability threshold per company.",
        ),
        (
            "threshold_positive",
            "CHECK(max_rate > 0 AND months > 0)",
            "The field reliability threshold and its months in service must "
            "be positive.",
        ),
    ]


class ProductTemplate(models.Model):
    _inherit = "product.template"

    asq_reliability_threshold_ids = fields.One2many(
        "asq.reliability.threshold",
        "product_tmpl_id",
        string="Field Reliability Thresholds",
        readonly=True,
    )


class AsqComplaintAlert(models.Model):
    """The field reliability early warning is an early warning too: same
    form, same close and CAPA steps, same recipients."""

    _inherit = "asq.complaint.alert"

    source = fields.Selection(
        selection=[
            ("complaints", "Customer Complaints"),
            ("reliability", "Field Reliability"),
        ],
        default="complaints",
        required=True,
        readonly=True,
        index=True,
        help="Customer Complaints: several customers reported the same problem "
        "within a short window. Field Reliability: the failures of a product "
        "within its months in service exceeded its threshold.",
    )
    reliability_months = fields.Integer(
        string="Within Months in Service", readonly=True
    )
    reliability_threshold = fields.Float(
        string="Threshold (per 1,000)", digits=(16, 2), readonly=True
    )
    reliability_rate = fields.Float(
        string="Failure Rate (per 1,000)", digits=(16, 2), readonly=True
    )
    reliability_failures = fields.Float(
        string="Failures", digits="Product Unit of Measure", readonly=True
    )
    reliability_delivered = fields.Float(
        string="Delivered Quantity", digits="Product Unit of Measure", readonly=True
    )

    def write(self, vals):
        if not asq_in_step(self.env, STEP_CONTEXT):
            raised = [fname for fname in RELIABILITY_FIELDS if fname in vals]
            if raised:
                raise UserError(
                    self.env._(
                        "These fields of an early warning are set when it is "
                        "raised or by its buttons and cannot be changed: "
                        "%(fields)s.",
                        fields=", ".join(self._asq_field_labels(raised)),
                    )
                )
        return super().write(vals)

    def _asq_notify(self):
        if self.source != "reliability":
            return super()._asq_notify()
        self.ensure_one()
        users = self._asq_company_users(
            GROUP_MANAGER, self.company_id
        ) | self._asq_company_users(GROUP_MGMT_REP, self.company_id)
        subject = self._asq_subject()
        self._asq_todo(users, subject)
        body = Markup("<p>%s</p>") % self._asq_reliability_text()
        self._asq_notify_internal(users.partner_id, subject, body)

    def _asq_reliability_text(self):
        self.ensure_one()
        env = self.env
        qty = "Product Unit of Measure"
        return env._(
            "Field reliability of %(product)s: %(failures)s failures within "
            "%(months)s months in service for %(delivered)s delivered, "
            "%(rate)s per 1,000 (threshold %(threshold)s per 1,000).",
            product=self.product_id.display_name,
            failures=formatLang(env, self.reliability_failures, dp=qty),
            months=self.reliability_months,
            delivered=formatLang(env, self.reliability_delivered, dp=qty),
            rate=formatLang(env, self.reliability_rate, digits=2),
            threshold=formatLang(env, self.reliability_threshold, digits=2),
        )

    # ------------------------------------------------------------------
    # The daily check
    # ------------------------------------------------------------------
    @api.model
    def _cron_reliability_check(self, batch_size=BATCH_SIZE):
        """Daily: the products with a field reliability threshold, a batch
        at a time (one query for the figures of the batch, one for its open
        warnings); a product past its threshold gets one early warning, and
        no other while it stays open. A batch that fails is retried product
        by product; the quality managers are told of those that fail."""
        job = "after_sales_quality.asq_reliability_cron_check"
        Guard = self.env["asq.cron.guard"]
        Product = self.env["product.product"].sudo().with_context(active_test=False)
        domain = [("product_tmpl_id.asq_reliability_threshold_ids", "!=", False)]
        raised = self.browse()
        failures = []
        last_id = 0
        Alert = self.sudo()
        while True:
            products = Product.search(
                [*domain, ("id", ">", last_id)], order="id", limit=batch_size
            )
            if not products:
                break
            last_id = products[-1].id
            before = Alert.search([], order="id desc", limit=1).id or 0
            _ok, failed = Guard._asq_run_batch(
                job, products, Alert._asq_reliability_raise
            )
            failures += failed
            raised |= Alert.search(
                [
                    ("source", "=", "reliability"),
                    ("product_id", "in", products.ids),
                    ("id", ">", before),
                ]
            )
            if len(products) < batch_size:
                break
        Guard._asq_report_failures(job, failures)
        return raised

    @api.model
    def _asq_reliability_figures(self, products):
        """{(company id, product id): (units evaluated, failures, threshold,
        months, rate per 1,000)} of ``products`` with a threshold in the
        company, in one query.

        The threshold is read against the warranty curve at its months in
        service N: the failures within N months per 1,000 units of the
        cohorts that have been N months in service (a younger cohort has
        not had the exposure and would only dilute the rate), the units
        being those in service at month N-1 (returns taken out). The
        younger cohorts are evaluated on their failures so far per 1,000
        units in service now: a lower bound of their rate at N (failures
        only add up, units only go), so a crossing is certain. The higher of
        the two rates is the product's."""
        self.env.flush_all()
        report = self.env["asq.reliability.report"]
        self.env.cr.execute(
            SQL(
                """
                WITH r AS (
                    SELECT r.*, r.id / %(width)s AS cohort,
                           MAX(r.months_in_service)
                               OVER (PARTITION BY r.id / %(width)s) AS age
                      FROM (%(rows)s) r
                ), cohort AS (
                    SELECT r.company_id, r.product_id, t.max_rate, t.months,
                           MAX(r.age) AS age,
                           COALESCE(SUM(r.in_service_qty) FILTER (
                               WHERE r.months_in_service
                                     = LEAST(r.age, t.months - 1)
                           ), 0) AS qty,
                           COALESCE(SUM(r.failures) FILTER (
                               WHERE r.months_in_service < t.months
                           ), 0) AS failed
                      FROM r
                      JOIN product_product pp ON pp.id = r.product_id
                      JOIN asq_reliability_threshold t
                        ON t.product_tmpl_id = pp.product_tmpl_id
                       AND t.company_id = r.company_id
                  GROUP BY r.company_id, r.product_id, t.max_rate, t.months,
                           r.cohort
                )
                SELECT company_id, product_id, max_rate, months,
                       COALESCE(SUM(qty) FILTER (WHERE age >= months), 0),
                       COALESCE(SUM(failed) FILTER (WHERE age >= months), 0),
                       COALESCE(SUM(qty) FILTER (WHERE age < months), 0),
                       COALESCE(SUM(failed) FILTER (WHERE age < months), 0)
                  FROM cohort
              GROUP BY company_id, product_id, max_rate, months
                """,
                rows=report._asq_reliability_query(products.ids),
                width=MAX_MONTHS + 16,
            )
        )
        figures = {}
        for row in self.env.cr.fetchall():
            company_id, product_id, threshold, months, *counts = row
            old_qty, old_failed, young_qty, young_failed = counts
            old = old_failed * PER / old_qty if old_qty else 0.0
            young = young_failed * PER / young_qty if young_qty else 0.0
            if old_qty and old >= young:
                figure = (old_qty, old_failed, old)
            else:
                figure = (young_qty, young_failed, young)
            qty, failed, rate = figure
            figures[company_id, product_id] = (qty, failed, threshold, months, rate)
        return figures

    @api.model
    def _asq_reliability_raise(self, products):
        """Raise the warnings of ``products`` past their threshold; return
        the warnings raised."""
        figures = self._asq_reliability_figures(products)
        hits = {
            key: figure
            for key, figure in figures.items()
            if figure[2] and figure[4] > figure[2]
        }
        if not hits:
            return self.browse()
        open_alerts = self.search(
            [
                ("source", "=", "reliability"),
                ("state", "=", "open"),
                ("product_id", "in", [product for _c, product in hits]),
            ]
        )
        held = {(a.company_id.id, a.product_id.id) for a in open_alerts}
        companies = self.env["res.company"].browse({c for c, _p in hits})
        raised = self.browse()
        for (company_id, product_id), figure in sorted(hits.items()):
            if (company_id, product_id) in held:
                continue
            delivered, failed, threshold, months, rate = figure
            company = companies.browse(company_id)
            alert = self.create(
                {
                    "name": self.env["ir.sequence"]
                    .with_company(company)
                    .next_by_code("asq.complaint.alert")
                    or "/",
                    "company_id": company_id,
                    "date": fields.Datetime.now(),
                    "product_id": product_id,
                    "source": "reliability",
                    "reliability_months": months,
                    "reliability_threshold": threshold,
                    "reliability_rate": rate,
                    "reliability_failures": failed,
                    "reliability_delivered": delivered,
                }
            )
            alert._asq_notify()
            raised |= alert
        return raised
