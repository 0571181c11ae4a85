from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare

from .asq_delivered_line import ASQ_OPEN_RETURN_STATES
from .asq_workflow_mixin import asq_lock_rows

# Set by the return request's own steps (in sudo): a caller never ties a
# transfer to a request, nor unties it.
RETURN_LINK_FIELDS = ("asq_return_id", "asq_return_role")


def asq_new_document_action(env, model, partner, company, lines, origin):
    """The form of a new ``model`` (asq.complaint or asq.return) prefilled
    from a sale order or delivery: its customer and company and ``lines``
    (line values on the delivered goods); nothing is created until the user
    saves. Refused to whoever may not create one: the buttons are shown only
    to them, a direct call says why."""
    Model = env[model]
    if not Model.has_access("create"):
        raise AccessError(
            env._(
                "%(document)s: only the sales and after-sales users register "
                "complaints and return requests.",
                document=origin.display_name,
            )
        )
    return {
        "type": "ir.actions.act_window",
        "name": Model._description,
        "res_model": model,
        "view_mode": "form",
        "views": [(False, "form")],
        "target": "current",
        "context": {
            "default_partner_id": partner.id,
            "default_company_id": company.id,
            "default_line_ids": [Command.create(vals) for vals in lines],
        },
    }


def asq_register_complaint_action(document):
    """Button "Register Complaint" of a sale order or a delivery
    (``document``): a new complaint of its customer about its delivered
    goods (each lot on its own line; before any delivery of an order, the
    user adds the goods later)."""
    document.ensure_one()
    return asq_new_document_action(
        document.env,
        "asq.complaint",
        document.partner_id.commercial_partner_id,
        document.company_id,
        asq_complaint_lines(document._asq_delivered_goods()),
        document,
    )


def asq_new_return_action(document):
    """Button "Return Request" of a sale order or a delivery
    (``document``): a new return request of its customer for what of its
    deliveries is still at the customer; refused, with the document's own
    words (``_asq_nothing_to_return``), when nothing is."""
    document.ensure_one()
    lines = asq_return_lines(document._asq_delivered_goods())
    if not lines:
        raise UserError(document._asq_nothing_to_return())
    return asq_new_document_action(
        document.env,
        "asq.return",
        document.partner_id.commercial_partner_id,
        document.company_id,
        lines,
        document,
    )


def asq_complaint_lines(delivered):
    """Complaint lines on ``delivered`` (asq.delivered.line): all of each
    delivered quantity affected until the user says how much."""
    return [
        {"delivered_line_id": goods.id, "quantity": goods.quantity}
        for goods in delivered
    ]


def asq_return_lines(delivered):
    """Return request lines on what of ``delivered`` is still at the
    customer and no open request asks for yet (the over-return check of the
    submission would refuse more); the reason is the user's to write."""
    asked = defaultdict(float)
    for line in (
        delivered.env["asq.return.line"]
        .sudo()
        .search(
            [
                ("move_id", "in", delivered.move_id.ids),
                ("return_id.state", "in", ASQ_OPEN_RETURN_STATES),
            ]
        )
    ):
        asked[(line.move_id, line.lot_id)] += max(
            line.quantity - line.received_qty, 0.0
        )
    lines = []
    for goods in delivered:
        quantity = goods.remaining_qty - asked[(goods.move_id, goods.lot_id)]
        rounding = goods.product_uom_id.rounding or 0.01
        if float_compare(quantity, 0.0, precision_rounding=rounding) > 0:
            lines.append({"delivered_line_id": goods.id, "quantity": quantity})
    return lines


class StockPicking(models.Model):
    _inherit = "stock.picking"

    asq_return_id = fields.Many2one(
        "asq.return",
        string="Return Request",
        index="btree_not_null",
        readonly=True,
        copy=False,
    )
    asq_return_role = fields.Selection(
        selection=[
            ("receipt", "Return receipt into QC"),
            ("putaway", "Put-away after QC"),
            ("reject", "Rejected goods back to the customer"),
            ("replacement", "Replacement delivery"),
        ],
        string="Return Step",
        readonly=True,
        copy=False,
    )

    asq_complaint_count = fields.Integer(
        string="Complaints", compute="_compute_asq_complaint_count"
    )
    asq_customer_delivered = fields.Boolean(
        string="Delivered to the Customer",
        compute="_compute_asq_customer_delivered",
        help="Drives the buttons Register Complaint and Return Request: a done "
        "delivery of goods to a customer.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(
            vals.get(name) for vals in vals_list for name in RETURN_LINK_FIELDS
        ):
            self._asq_refuse_return_link()
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and set(RETURN_LINK_FIELDS) & set(vals):
            self._asq_refuse_return_link()
        return super().write(vals)

    def _asq_refuse_return_link(self):
        raise UserError(
            self.env._(
                "A transfer is tied to a return request by the request itself "
                "(Create Receipt, Sign QC), never by hand."
            )
        )

    def _compute_asq_complaint_count(self):
        """Smart button "Complaints": one grouped read for the batch."""
        Line = self.env["asq.complaint.line"]
        counts = {}
        if Line.has_access("read") and self.ids:
            counts = {
                picking.id: count
                for picking, count in Line._read_group(
                    [("picking_id", "in", self.ids)],
                    ["picking_id"],
                    ["complaint_id:count_distinct"],
                )
            }
        for picking in self:
            picking.asq_complaint_count = counts.get(picking.id, 0)

    @api.depends("state", "location_id.usage", "location_dest_id.usage")
    def _compute_asq_customer_delivered(self):
        for picking in self:
            picking.asq_customer_delivered = picking._asq_is_customer_delivery()

    def _asq_is_customer_delivery(self):
        """A done transfer that took goods out to a customer (the last step
        of a delivery, not a return nor a vendor return)."""
        self.ensure_one()
        return (
            self.state == "done"
            and bool(self.partner_id)
            and self.location_dest_id.usage == "customer"
            and self.location_id.usage != "customer"
        )

    def _asq_delivered_goods(self):
        """The delivered goods (asq.delivered.line) of this delivery."""
        self.ensure_one()
        if not self._asq_is_customer_delivery():
            raise UserError(
                self.env._(
                    "%(picking)s did not deliver goods to a customer: complaints "
                    "and return requests are about done deliveries.",
                    picking=self.name,
                )
            )
        return self.env["asq.delivered.line"].search(
            [("picking_id", "=", self.id)], order="id"
        )

    def action_asq_register_complaint(self):
        """Button "Register Complaint": a new complaint of the customer about
        the goods of this delivery."""
        return asq_register_complaint_action(self)

    def action_asq_new_return(self):
        """Button "Return Request": a new return request of the customer for
        what of this delivery is still at the customer."""
        return asq_new_return_action(self)

    def _asq_nothing_to_return(self):
        """Why the button "Return Request" has nothing to ask back."""
        return self.env._(
            "Everything %(picking)s delivered has come back or is asked "
            "back already.",
            picking=self.name,
        )

    def action_asq_view_complaints(self):
        """Smart button "Complaints": the complaints about this delivery."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_quality.asq_complaint_action"
        )
        action["domain"] = [("line_ids.picking_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.partner_id.id}
        return action

    def action_asq_view_return(self):
        """Smart button "Return Request": the request this transfer serves."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "asq.return",
            "res_id": self.asq_return_id.id,
            "view_mode": "form",
        }

    def button_validate(self):
        self._asq_lock_return_transfers()
        self._asq_ensure_return_signed()
        self.move_ids._asq_ensure_return_gate()
        self.move_ids._asq_ensure_not_held()
        return super().button_validate()

    def _action_done(self):
        self._asq_ensure_return_signed()
        self.move_ids._asq_ensure_not_held()
        res = super()._action_done()
        done = self.filtered(lambda p: p.asq_return_id and p.state == "done")
        if done:
            returns = done.asq_return_id.sudo()
            returns._on_receipt_done()
            returns._check_done()
        return res

    def _create_backorder(self, backorder_moves=None):
        """The backorder of a return transfer serves the same request."""
        backorders = super()._create_backorder(backorder_moves=backorder_moves)
        for backorder in backorders.filtered("backorder_id.asq_return_id"):
            backorder.sudo().write(
                {
                    "asq_return_id": backorder.backorder_id.asq_return_id.id,
                    "asq_return_role": backorder.backorder_id.asq_return_role,
                }
            )
        return backorders

    def action_cancel(self):
        """A cancelled receipt backorder: what came back is all that comes."""
        res = super().action_cancel()
        returns = self.filtered(
            lambda p: p.asq_return_role == "receipt" and p.state == "cancel"
        ).asq_return_id
        if returns:
            returns.sudo()._on_receipt_done()
        return res

    def _asq_lock_return_transfers(self):
        """Two people validating the same return transfer at once: the
        second one is told it is being (or was) booked, never a database
        error or a second booking. The request is locked too: its state
        follows its transfers."""
        transfers = self.filtered("asq_return_id")
        if not transfers:
            return
        asq_lock_rows(transfers.asq_return_id.sudo())
        asq_lock_rows(transfers)
        done = transfers.filtered(lambda p: p.state in ("done", "cancel"))
        if done:
            raise UserError(
                self.env._(
                    "%(pickings)s is already validated or cancelled. Reload the "
                    "page: someone may have done it already.",
                    pickings=", ".join(done.mapped("name")),
                )
            )

    def _asq_ensure_return_signed(self):
        """The warehouse gate: a return transfer is booked only once every
        signature it needs is on the request."""
        for picking in self.filtered("asq_return_id"):
            request = picking.asq_return_id.sudo()
            missing = request._missing_signatures(picking.asq_return_role)
            if missing:
                raise UserError(
                    self.env._(
                        "%(picking)s cannot be validated: return request "
                        "%(request)s still needs %(missing)s.",
                        picking=picking.name,
                        request=request.name,
                        missing=", ".join(missing),
                    )
                )
