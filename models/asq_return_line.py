from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare

from .asq_groups import GROUP_INSPECTOR
from .asq_return import WORKFLOW_KEY
from .asq_workflow_mixin import asq_in_step

QC_LINE_FIELDS = (
    "qc_result",
    "qc_note",
    "qc_company_fault",
    "qc_department_id",
    "qc_responsibility",
    "qc_disposition",
)


class AsqReturnLine(models.Model):
    """One delivered move and lot the customer sends back."""

    _name = "asq.return.line"
    _description = "Return / Exchange Request Line"
    _order = "return_id, id"
    _check_company_auto = True

    return_id = fields.Many2one(
        "asq.return", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="return_id.company_id", store=True)
    currency_id = fields.Many2one(related="return_id.currency_id")
    state = fields.Selection(related="return_id.state")
    delivered_line_id = fields.Many2one(
        "asq.delivered.line",
        string="Delivered Goods",
        required=True,
        check_company=True,
        domain="[('partner_id', '=', parent.partner_id), ('remaining_qty', '>', 0)]",
    )
    product_id = fields.Many2one(
        "product.product", compute="_compute_from_delivery", store=True, index=True
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Lot/Serial Number",
        compute="_compute_from_delivery",
        store=True,
    )
    move_id = fields.Many2one(
        "stock.move",
        string="Delivery Move",
        compute="_compute_from_delivery",
        store=True,
        index=True,
    )
    picking_id = fields.Many2one(
        "stock.picking",
        string="Delivery",
        compute="_compute_from_delivery",
        store=True,
    )
    sale_line_id = fields.Many2one(
        "sale.order.line", compute="_compute_from_delivery", store=True
    )
    delivery_date = fields.Datetime(compute="_compute_from_delivery", store=True)
    price_unit = fields.Monetary(
        string="Unit Price", compute="_compute_from_delivery", store=True
    )
    delivered_qty = fields.Float(
        related="delivered_line_id.quantity", string="Delivered"
    )
    returned_qty = fields.Float(
        related="delivered_line_id.returned_qty", string="Already Returned"
    )
    product_uom_id = fields.Many2one(related="delivered_line_id.product_uom_id")
    quantity = fields.Float(
        string="Requested Quantity", digits="Product Unit of Measure", required=True
    )
    received_qty = fields.Float(
        string="Received Quantity",
        digits="Product Unit of Measure",
        readonly=True,
        copy=False,
        help="What the done return receipts brought back of this line's "
        "delivered move and lot. Put-away, replacement and credit note follow "
        "it; the requested quantity stays as approved.",
    )
    amount = fields.Monetary(compute="_compute_amount", store=True)
    returned_amount = fields.Monetary(
        compute="_compute_returned_amount",
        help="What came back and stays: the received quantity at the unit "
        "price, nothing once QC rejected it (the goods go back to the "
        "customer: they were not returned).",
    )
    days_since_delivery = fields.Integer(compute="_compute_days_since_delivery")
    kind = fields.Selection(
        selection=[
            ("unsaleable", "Unsaleable exchange"),
            ("quality", "Quality return"),
        ],
        required=True,
        default="unsaleable",
    )
    resolution = fields.Selection(
        selection=[("exchange", "Exchange like for like"), ("refund", "Refund")],
        required=True,
        default="exchange",
        help="Unsaleable goods are always exchanged; quality returns are "
        "exchanged or refunded as the customer asks.",
    )
    reason = fields.Text(required=True)

    # QC inspection
    qc_result = fields.Selection(
        selection=[("accept", "Accepted"), ("reject", "Rejected")],
        string="QC Result",
    )
    qc_note = fields.Text(
        string="QC Findings",
        help="Required when rejecting: the written explanation given to the "
        "customer (for example damage caused by the customer).",
        groups="base.group_user",
    )
    qc_company_fault = fields.Boolean(
        string="Company Fault Confirmed", groups="base.group_user"
    )
    qc_department_id = fields.Many2one(
        "hr.department",
        string="Responsible Department",
        check_company=True,
        groups="base.group_user",
    )
    qc_responsibility = fields.Char(
        string="Responsible Person", groups="base.group_user"
    )
    qc_disposition = fields.Selection(
        selection=[
            ("stock", "Back to stock"),
            ("rework", "Rework"),
            ("scrap", "Scrap"),
        ],
        string="Disposition",
    )
    qc_user_id = fields.Many2one(
        "res.users", string="Inspected By", readonly=True, groups="base.group_user"
    )
    qc_date = fields.Datetime(string="Inspected On", readonly=True)
    capa_id = fields.Many2one(
        "asq.capa", string="CAPA", readonly=True, groups="base.group_user"
    )
    replacement_picking_id = fields.Many2one(
        "stock.picking", string="Replacement Delivery", readonly=True
    )

    _sql_constraints = [
        ("quantity_positive", "CHECK(quantity > 0)", "Quantities must be positive."),
    ]

    @api.depends("return_id.name", "product_id", "lot_id")
    def _compute_display_name(self):
        """The line's form and breadcrumb: request · product · lot (named for
        whoever reads the line, the customer's portal user included, who may
        not read stock lots themselves)."""
        for line in self:
            names = line.sudo()
            line.display_name = " · ".join(
                part
                for part in (
                    names.return_id.name,
                    names.product_id.display_name,
                    names.lot_id.name,
                )
                if part
            )

    @api.depends("delivered_line_id")
    def _compute_from_delivery(self):
        for line in self:
            delivered = line.delivered_line_id.sudo()
            line.product_id = delivered.product_id
            line.lot_id = delivered.lot_id
            line.move_id = delivered.move_id
            line.picking_id = delivered.picking_id
            line.sale_line_id = delivered.sale_line_id
            line.delivery_date = delivered.date
            line.price_unit = delivered.price_unit

    @api.depends("quantity", "price_unit")
    def _compute_amount(self):
        for line in self:
            line.amount = line.quantity * line.price_unit

    @api.depends("received_qty", "price_unit", "qc_result", "qc_date")
    def _compute_returned_amount(self):
        # 001: 「如因客戶原因造成的損壞,可拒收並書面說明」: a rejection signed
        # by QC sends the goods back; the return note does not count them.
        for line in self:
            rejected = line.qc_result == "reject" and line.qc_date
            line.returned_amount = (
                0.0 if rejected else line.received_qty * line.price_unit
            )

    @api.depends("delivery_date")
    def _compute_days_since_delivery(self):
        now = fields.Datetime.now()
        for line in self:
            line.days_since_delivery = (
                (now - line.delivery_date).days if line.delivery_date else 0
            )

    @api.constrains("kind", "resolution")
    def _check_resolution(self):
        for line in self:
            if line.kind == "unsaleable" and line.resolution != "exchange":
                raise UserError(
                    self.env._("Unsaleable goods are exchanged, never refunded.")
                )

    @api.constrains("quantity", "delivered_line_id")
    def _check_quantity(self):
        """Refused with a readable message before the SQL CHECK is reached."""
        for line in self:
            if (
                float_compare(
                    line.quantity,
                    0.0,
                    precision_rounding=line.product_uom_id.rounding or 0.01,
                )
                <= 0
            ):
                raise ValidationError(
                    self.env._(
                        "%(name)s: requested quantities must be positive.",
                        name=line.return_id.name,
                    )
                )
            delivered = line.delivered_line_id.sudo().quantity
            if (
                line.delivered_line_id
                and float_compare(
                    line.quantity,
                    delivered,
                    precision_rounding=line.product_uom_id.rounding or 0.01,
                )
                > 0
            ):
                raise ValidationError(
                    self.env._(
                        "%(name)s: %(qty)s of %(product)s requested, only "
                        "%(delivered)s delivered.",
                        name=line.return_id.name,
                        qty=line.quantity,
                        product=line.product_id.display_name,
                        delivered=delivered,
                    )
                )
        # The lines of a request on the same delivered goods together never
        # ask for more than is still at the customer (50 + 50 of 50 is refused
        # as 100 on one line is). Once submitted, the request's quantities are
        # frozen and checked against every open request under a lock
        # (_lock_and_check_quantities).
        drafts = self.sudo().return_id.filtered(lambda ret: ret.state == "draft")
        for (ret, delivered), lines in drafts.line_ids.grouped(
            lambda line: (line.return_id, line.delivered_line_id)
        ).items():
            quantity = sum(lines.mapped("quantity"))
            if (
                float_compare(
                    quantity,
                    delivered.remaining_qty,
                    precision_rounding=lines[:1].product_uom_id.rounding or 0.01,
                )
                > 0
            ):
                raise ValidationError(
                    self.env._(
                        "%(name)s: %(qty)s of %(product)s requested, only "
                        "%(remaining)s still at the customer.",
                        name=ret.name,
                        qty=quantity,
                        product=delivered.product_id.display_name,
                        remaining=delivered.remaining_qty,
                    )
                )

    @api.onchange("delivered_line_id")
    def _onchange_delivered_line_id(self):
        if self.delivered_line_id and not self.quantity:
            self.quantity = self.delivered_line_id.remaining_qty

    @api.model_create_multi
    def create(self, vals_list):
        if any((vals.get("quantity") or 0.0) <= 0.0 for vals in vals_list):
            # Before the SQL CHECK: an import or a form gets a readable error.
            raise ValidationError(
                self.env._("Return request lines: quantities must be positive.")
            )
        if not asq_in_step(self.env, WORKFLOW_KEY):
            self._ensure_received_qty_unset(vals_list)
            for vals in vals_list:
                ret = self.env["asq.return"].browse(vals.get("return_id"))
                if ret.state != "draft":
                    raise UserError(
                        self.env._(
                            "%(name)s is submitted: lines can no longer be added.",
                            name=ret.name,
                        )
                    )
        return super().create(vals_list)

    def write(self, vals):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            self._ensure_received_qty_unset([vals])
            if {"qc_user_id", "qc_date", "capa_id", "replacement_picking_id"} & set(
                vals
            ):
                raise UserError(
                    self.env._("QC signatures are written by the Sign QC button.")
                )
            qc_only = set(vals) <= set(QC_LINE_FIELDS)
            for line in self:
                if line.state == "draft" and not set(vals) & set(QC_LINE_FIELDS):
                    continue
                if (
                    qc_only
                    and line.state == "received"
                    and (self.env.su or self.env.user.has_group(GROUP_INSPECTOR))
                ):
                    continue
                raise UserError(
                    self.env._(
                        "%(name)s: this line can no longer be changed here (QC "
                        "findings are entered by a quality inspector once the "
                        "goods are received).",
                        name=line.return_id.name,
                    )
                )
            if set(vals) & set(QC_LINE_FIELDS) and not self.env.su:
                return super(AsqReturnLine, self.sudo()).write(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_submitted(self):
        if any(line.state not in ("draft", False) for line in self):
            raise UserError(
                self.env._("Lines of a submitted request cannot be deleted.")
            )

    def _posted_invoice(self):
        invoices = self.sale_line_id.invoice_lines.move_id.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        )
        return invoices[:1]

    def _ensure_received_qty_unset(self, vals_list):
        if any("received_qty" in vals for vals in vals_list):
            raise UserError(
                self.env._("The received quantity is set by the return receipts.")
            )

    def _asq_received(self):
        """The lines of which something came back."""
        return self.filtered(
            lambda x: float_compare(
                x.received_qty,
                0.0,
                precision_rounding=x.product_id.uom_id.rounding or 0.01,
            )
            > 0
        )

    def _asq_received_in(self, uom):
        """The received quantity in ``uom`` (the product's unit without)."""
        self.ensure_one()
        return self.product_id.uom_id._compute_quantity(
            self.received_qty, uom or self.product_id.uom_id
        )
