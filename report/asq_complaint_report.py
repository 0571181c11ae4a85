from odoo import api, fields, models
from odoo.tools import SQL

from ..models.asq_delivered_line import asq_delivered_move_lines

# Groupbys that exist on complaint rows only: a delivery has no complaint
# category, so a category's complaint rate divides by all the deliveries.
COMPLAINT_ONLY = (
    "kind",
    "category",
    "severity",
    "validity",
    "state",
    "responsibility",
    "responsible_department_id",
    "loss_bearer",
    "counts_as_complaint",
)


def _complaint_selection(fname):
    """The complaint field's selection, translated."""

    def selection(model):
        field = model.env["asq.complaint"]._fields[fname]
        return field._description_selection(model.env)

    return selection


class AsqComplaintReport(models.Model):
    """Complaint statistics (000 §4.6.10, 003, 004): complaint rate, product
    incident rate, reply timeliness, loss and handling time.

    Two kinds of rows share the dimensions (date, company, customer,
    product, category): one row per delivery and product (the denominators:
    delivered orders and quantity) and one row per complaint and product
    line (the numerators). Registered complaints count, cancelled and draft
    ones don't, nor those found not to be the company's responsibility
    (``counts_as_complaint``; shown apart in ``not_ours_ref``). A
    complaint's loss, clocks and handling time sit on its first row only, so
    that no total counts them twice.
    """

    _name = "asq.complaint.report"
    _inherit = ["asq.report.ratio.mixin"]
    _description = "Complaint Statistics"
    _auto = False
    _order = "date desc, id desc"
    _depends = {
        "asq.complaint": [
            "state",
            "feedback_type",
            "received_date",
            "company_id",
            "commercial_partner_id",
            "category",
            "severity",
            "validity",
            "responsibility",
            "responsible_department_id",
            "counts_as_complaint",
            "loss_amount",
            "loss_bearer",
            "disposition_deadline",
            "onsite_deadline",
            "answer_deadline",
            "decided_date",
            "judged_date",
            "onsite_date",
            "closed_date",
            "disposition_on_time",
            "onsite_on_time",
            "answer_on_time",
        ],
        "asq.complaint.line": ["complaint_id", "product_id", "quantity"],
        "stock.move.line": ["move_id", "state", "location_id", "location_dest_id"],
        "stock.move": ["picking_id", "product_id", "company_id", "partner_id"],
    }
    _asq_ratios = {
        "complaint_rate": ("complaint_ref", "delivery_ref", 100.0, COMPLAINT_ONLY),
        "incident_rate": ("complained_qty", "delivered_qty", 100.0, COMPLAINT_ONLY),
        "disposition_rate": ("disposition_met", "disposition_due", 100.0, ()),
        "onsite_rate": ("onsite_met", "onsite_due", 100.0, ()),
        "answer_rate": ("answer_met", "answer_due", 100.0, ()),
    }

    kind = fields.Selection(
        [("delivery", "Delivery"), ("complaint", "Complaint")], readonly=True
    )
    date = fields.Datetime(readonly=True, help="Delivery date or complaint receipt.")
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    categ_id = fields.Many2one(
        "product.category", string="Product Category", readonly=True
    )
    complaint_id = fields.Many2one("asq.complaint", readonly=True)
    picking_id = fields.Many2one("stock.picking", string="Delivery", readonly=True)
    category = fields.Selection(
        _complaint_selection("category"), string="Complaint Category", readonly=True
    )
    severity = fields.Selection(_complaint_selection("severity"), readonly=True)
    validity = fields.Selection(_complaint_selection("validity"), readonly=True)
    state = fields.Selection(
        [("open", "Open"), ("closed", "Closed")], string="Status", readonly=True
    )
    responsibility = fields.Selection(
        _complaint_selection("responsibility"), readonly=True
    )
    responsible_department_id = fields.Many2one("hr.department", readonly=True)
    loss_bearer = fields.Selection(
        _complaint_selection("loss_bearer"), string="Loss Borne By", readonly=True
    )

    # Denominators and numerators
    delivery_ref = fields.Integer(
        string="Delivered Orders", readonly=True, aggregator="count_distinct"
    )
    # 003 §5.2.3 「认为不是本公司责任时,即不为客户投诉」: such a complaint
    # counts in not_ours_ref, never in complaint_ref (the complaint rate).
    counts_as_complaint = fields.Boolean(string="Counts as Complaint", readonly=True)
    complaint_ref = fields.Integer(
        string="Complaints",
        readonly=True,
        aggregator="count_distinct",
        help="Complaints counted in the complaint rate.",
    )
    not_ours_ref = fields.Integer(
        string="Not Our Responsibility",
        readonly=True,
        aggregator="count_distinct",
        help="Complaints the investigation found not to be the company's "
        "responsibility: in the register, out of the complaint rate.",
    )
    delivered_qty = fields.Float(
        string="Delivered Quantity", digits="Product Unit of Measure", readonly=True
    )
    complained_qty = fields.Float(
        string="Defective Quantity",
        digits="Product Unit of Measure",
        readonly=True,
        help="Quantity on the lines of counted complaints judged valid.",
    )
    complaint_rate = fields.Float(
        string="Complaint Rate (%)",
        digits=(16, 2),
        readonly=True,
        aggregator="avg",
        help="Complaints per 100 delivered orders.",
    )
    incident_rate = fields.Float(
        string="Product Incident Rate (%)",
        digits=(16, 3),
        readonly=True,
        aggregator="avg",
        help="Defective quantity of valid complaints ÷ delivered quantity.",
    )

    # Reply timeliness: "due" counts the complaints whose deadline has come
    # or whose step is done, "met" those done by the deadline.
    disposition_due = fields.Integer(string="Dispositions Due", readonly=True)
    disposition_met = fields.Integer(string="Dispositions on Time", readonly=True)
    disposition_rate = fields.Float(
        string="Disposition on Time (%)",
        digits=(16, 1),
        readonly=True,
        aggregator="avg",
    )
    onsite_due = fields.Integer(string="On-Site Checks Due", readonly=True)
    onsite_met = fields.Integer(string="On-Site Checks on Time", readonly=True)
    onsite_rate = fields.Float(
        string="On-Site on Time (%)", digits=(16, 1), readonly=True, aggregator="avg"
    )
    answer_due = fields.Integer(string="Quality Answers Due", readonly=True)
    answer_met = fields.Integer(string="Quality Answers on Time", readonly=True)
    reply_status = fields.Selection(
        [("on_time", "On Time"), ("late", "Late")],
        string="Quality Answer",
        readonly=True,
        help="Of the complaints whose quality answer is due: answered by the "
        "deadline, or answered late or not yet answered past it.",
    )
    answer_rate = fields.Float(
        string="Quality Answer on Time (%)",
        digits=(16, 1),
        readonly=True,
        aggregator="avg",
    )

    currency_id = fields.Many2one("res.currency", readonly=True)
    loss_amount = fields.Monetary(readonly=True)
    handling_days = fields.Float(
        string="Handling Time (Days)",
        digits=(16, 1),
        readonly=True,
        aggregator="avg",
        help="Days from receipt to closing, of closed complaints.",
    )

    @api.model
    def read_group(
        self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True
    ):
        """A group with complaints and no delivery has no complaint rate:
        False (shown "no deliveries"), not 0 %."""
        groups = super().read_group(
            domain, fields, groupby, offset, limit, orderby, lazy
        )
        if any(spec.split(":")[0] == "complaint_rate" for spec in fields):
            for group in groups:
                # The rate is 100 * complaints / deliveries: a group
                # with complaints and a nil rate had no deliveries.
                if group.get("complaint_ref") and not group.get("complaint_rate"):
                    group["complaint_rate"] = False
        return groups

    @property
    def _table_query(self):
        return SQL(
            """
            WITH delivered AS (
                SELECT MIN(dl.id) AS id,
                       dl.date,
                       dl.company_id,
                       dl.partner_id,
                       dl.product_id,
                       dl.picking_id,
                       SUM(dl.quantity) AS quantity
                  FROM (%s) dl
              GROUP BY dl.company_id, dl.partner_id, dl.product_id,
                       dl.picking_id, dl.date
            ), complaint_lines AS (
                SELECT c.*,
                       l.id AS line_id,
                       l.product_id,
                       l.quantity,
                       ROW_NUMBER() OVER (PARTITION BY c.id ORDER BY l.id) = 1
                           AS first_row
                  FROM asq_complaint c
                  LEFT JOIN asq_complaint_line l ON l.complaint_id = c.id
                 WHERE c.feedback_type = 'complaint'
                   AND c.state NOT IN ('draft', 'cancel')
            )
            SELECT d.id * 4 AS id,
                   'delivery' AS kind,
                   d.date,
                   d.company_id,
                   d.partner_id,
                   d.product_id,
                   pt.categ_id,
                   NULL::integer AS complaint_id,
                   d.picking_id,
                   NULL AS category,
                   NULL AS severity,
                   NULL AS validity,
                   NULL AS state,
                   NULL AS responsibility,
                   NULL::integer AS responsible_department_id,
                   NULL AS loss_bearer,
                   NULL::boolean AS counts_as_complaint,
                   COALESCE(d.picking_id, -d.id) AS delivery_ref,
                   NULL::integer AS complaint_ref,
                   NULL::integer AS not_ours_ref,
                   d.quantity AS delivered_qty,
                   0 AS complained_qty,
                   0 AS disposition_due, 0 AS disposition_met,
                   0 AS onsite_due, 0 AS onsite_met,
                   0 AS answer_due, 0 AS answer_met,
                   NULL AS reply_status,
                   company.currency_id,
                   0 AS loss_amount,
                   NULL::float AS handling_days,
                   0 AS complaint_rate, 0 AS incident_rate,
                   0 AS disposition_rate, 0 AS onsite_rate, 0 AS answer_rate
              FROM delivered d
              JOIN res_company company ON company.id = d.company_id
              JOIN product_product pp ON pp.id = d.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
            UNION ALL
            SELECT CASE WHEN cl.line_id IS NULL THEN cl.id * 4 + 1
                        ELSE cl.line_id * 4 + 3 END AS id,
                   'complaint' AS kind,
                   cl.received_date AS date,
                   cl.company_id,
                   cl.commercial_partner_id AS partner_id,
                   cl.product_id,
                   pt.categ_id,
                   cl.id AS complaint_id,
                   NULL::integer AS picking_id,
                   cl.category,
                   cl.severity,
                   cl.validity,
                   CASE WHEN cl.state = 'closed' THEN 'closed'
                        ELSE 'open' END AS state,
                   cl.responsibility,
                   cl.responsible_department_id,
                   cl.loss_bearer,
                   cl.counts_as_complaint,
                   NULL::integer AS delivery_ref,
                   CASE WHEN cl.counts_as_complaint THEN cl.id END AS complaint_ref,
                   CASE WHEN NOT cl.counts_as_complaint THEN cl.id END
                       AS not_ours_ref,
                   0 AS delivered_qty,
                   CASE WHEN cl.validity = 'valid' AND cl.counts_as_complaint
                        THEN COALESCE(cl.quantity, 0) ELSE 0 END AS complained_qty,
                   due.disposition::int AS disposition_due,
                   (cl.first_row AND cl.disposition_on_time)::int
                       AS disposition_met,
                   due.onsite::int AS onsite_due,
                   (cl.first_row AND cl.onsite_on_time)::int AS onsite_met,
                   due.answer::int AS answer_due,
                   (cl.first_row AND cl.answer_on_time)::int AS answer_met,
                   CASE WHEN due.answer AND cl.answer_on_time THEN 'on_time'
                        WHEN due.answer THEN 'late' END AS reply_status,
                   company.currency_id,
                   CASE WHEN cl.first_row
                        THEN COALESCE(cl.loss_amount, 0) ELSE 0 END AS loss_amount,
                   CASE WHEN cl.first_row AND cl.closed_date IS NOT NULL
                        THEN EXTRACT(EPOCH FROM cl.closed_date - cl.received_date)
                             / 86400.0 END AS handling_days,
                   0 AS complaint_rate, 0 AS incident_rate,
                   0 AS disposition_rate, 0 AS onsite_rate, 0 AS answer_rate
              FROM complaint_lines cl
              JOIN res_company company ON company.id = cl.company_id
              LEFT JOIN product_product pp ON pp.id = cl.product_id
              LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
             CROSS JOIN LATERAL (
                 SELECT cl.first_row AND cl.disposition_deadline IS NOT NULL
                        AND (cl.disposition_deadline < NOW() AT TIME ZONE 'UTC'
                             OR cl.decided_date IS NOT NULL
                             OR (cl.validity = 'invalid'
                                 AND cl.judged_date IS NOT NULL)) AS disposition,
                        cl.first_row AND cl.onsite_deadline IS NOT NULL
                        AND (cl.onsite_deadline < NOW() AT TIME ZONE 'UTC'
                             OR cl.onsite_date IS NOT NULL) AS onsite,
                        cl.first_row AND cl.answer_deadline IS NOT NULL
                        AND (cl.answer_deadline < NOW() AT TIME ZONE 'UTC'
                             OR cl.decided_date IS NOT NULL) AS answer
             ) due
            """,
            asq_delivered_move_lines(),
        )
