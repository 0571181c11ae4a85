from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, formatLang

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


class ProductTemplate(models.Model):
    _inherit = "product.template"

    # 002 §6.5.2 「建立产品使用时期(包括保修期及整个使用寿命期内)产品监视和早期
    # 报警系统」: the threshold of the early warning on field reliability.
    asq_reliability_max_rate = fields.Float(
        string="Max. Failures per 1,000",
        digits=(16, 2),
        help="Field reliability early warning: when the failures reported "
        "within the months in service below, per 1,000 units delivered, "
        "exceed this figure, the daily check raises an early warning to the "
        "quality department. 0: not monitored.",
    )
    asq_reliability_months = fields.Integer(
        string="Within Months in Service",
        default=12,
        help="The failures counted: those reported within this many months "
        "after the goods were delivered (e.g. the warranty period).",
    )

    _sql_constraints = [
        (
            "asq_reliability_threshold_positive",
            "CHECK(asq_reliability_max_rate >= 0 AND asq_reliability_months >= 0)",
            "The field reliability threshold and its months in service cannot "
            "be negative.",
        ),
    ]


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
        domain = [("product_tmpl_id.asq_reliability_max_rate", ">", 0)]
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
        """{(company id, product id): (delivered, failures within the
        template's months in service, threshold, months)} of ``products``,
        in one query."""
        self.env.flush_all()
        report = self.env["asq.reliability.report"]
        self.env.cr.execute(
            SQL(
                """
                SELECT r.company_id, r.product_id,
                       SUM(r.delivered_qty),
                       COALESCE(SUM(r.failures) FILTER (
                           WHERE r.months_in_service < pt.asq_reliability_months
                       ), 0),
                       pt.asq_reliability_max_rate,
                       pt.asq_reliability_months
                  FROM (%s) r
                  JOIN product_product pp ON pp.id = r.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
              GROUP BY r.company_id, r.product_id,
                       pt.asq_reliability_max_rate, pt.asq_reliability_months
                """,
                report._asq_reliability_query(products.ids),
            )
        )
        return {
            (company_id, product_id): rest
            for company_id, product_id, *rest in self.env.cr.fetchall()
        }

    @api.model
    def _asq_reliability_raise(self, products):
        """Raise the warnings of ``products`` past their threshold; return
        the warnings raised."""
        figures = self._asq_reliability_figures(products)
        hits = {}
        for key, (delivered, failed, threshold, months) in figures.items():
            rate = failed * 1000.0 / delivered if delivered else 0.0
            if threshold and rate > threshold:
                hits[key] = (delivered, failed, threshold, months, rate)
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
