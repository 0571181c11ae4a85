from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from .asq_document import asq_refuse
from .asq_service_visit import WORKFLOW_KEY
from .asq_workflow_mixin import asq_in_step, asq_step


class AsqServiceVisitPart(models.Model):
    """A part used during a service visit."""

    _name = "asq.service.visit.part"
    _description = "Service Visit Part"
    _order = "visit_id, id"
    _check_company_auto = True

    visit_id = fields.Many2one(
        "asq.service.visit", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="visit_id.company_id", store=True)
    product_id = fields.Many2one(
        "product.product",
        required=True,
        domain="[('type', '=', 'consu')]",
        check_company=True,
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Lot/Serial Number",
        domain="[('product_id', '=', product_id)]",
        check_company=True,
    )
    quantity = fields.Float(
        required=True, default=1.0, digits="Product Unit of Measure"
    )
    uom_id = fields.Many2one(related="product_id.uom_id")
    move_id = fields.Many2one(
        "stock.move",
        string="Stock Move",
        readonly=True,
        copy=False,
        help="Set once the part is consumed from stock.",
    )

    _sql_constraints = [
        ("quantity_positive", "CHECK(quantity > 0)", "Part quantities must be >0."),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        visits = self.env["asq.service.visit"].browse(
            [vals.get("visit_id") for vals in vals_list]
        )
        self._ensure_open(visits)
        if any("move_id" in vals for vals in vals_list):
            raise UserError(self.env._("Parts are consumed with the button only."))
        return super().create(vals_list)

    def write(self, vals):
        if not asq_in_step(self.env, WORKFLOW_KEY):
            self._ensure_open(self.visit_id)
            self._ensure_not_consumed()
            if "visit_id" in vals or "move_id" in vals:
                raise UserError(self.env._("Parts are consumed with the button only."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_consumed(self):
        self._ensure_open(self.visit_id)
        self._ensure_not_consumed()

    def _ensure_open(self, visits):
        asq_refuse(
            visits.filtered(lambda v: v.state in ("signed", "cancel")),
            self.env._(
                "The parts of %(names)s can no longer be changed: the visit "
                "is signed or cancelled."
            ),
        )

    def _ensure_not_consumed(self):
        consumed = self.filtered("move_id")
        if consumed:
            raise UserError(
                self.env._(
                    "%(products)s was already consumed from stock: the part line "
                    "can no longer be changed.",
                    products=", ".join(consumed.product_id.mapped("display_name")),
                )
            )

    def _consume(self):
        """One done stock move per line, warehouse stock → customer."""
        for part in self:
            if part.product_id.tracking != "none" and not part.lot_id:
                raise UserError(
                    self.env._(
                        "Give the lot/serial number of %(product)s before "
                        "consuming it.",
                        product=part.product_id.display_name,
                    )
                )
            if float_compare(part.quantity, 0, 2) <= 0:
                raise UserError(self.env._("Part quantities must be >0."))
        for part in self:
            visit = part.visit_id
            warehouse = (
                self.env["stock.warehouse"]
                .sudo()
                .search([("company_id", "=", visit.company_id.id)], limit=1)
            )
            if not warehouse:
                raise UserError(
                    self.env._(
                        "%(company)s has no warehouse to take the parts from.",
                        company=visit.company_id.name,
                    )
                )
            source = warehouse.lot_stock_id
            dest = visit.partner_id.property_stock_customer or self.env.ref(
                "stock.stock_location_customers"
            )
            move = (
                self.env["stock.move"]
                .sudo()
                .with_company(visit.company_id)
                .create(
                    {
                        "name": self.env._(
                            "%(visit)s: %(product)s",
                            visit=visit.name,
                            product=part.product_id.display_name,
                        ),
                        "origin": visit.name,
                        "product_id": part.product_id.id,
                        "product_uom": part.product_id.uom_id.id,
                        "product_uom_qty": part.quantity,
                        "location_id": source.id,
                        "location_dest_id": dest.id,
                        "partner_id": visit.partner_id.id,
                        "company_id": visit.company_id.id,
                        "move_line_ids": [
                            Command.create(
                                {
                                    "product_id": part.product_id.id,
                                    "product_uom_id": part.product_id.uom_id.id,
                                    "quantity": part.quantity,
                                    "lot_id": part.lot_id.id,
                                    "location_id": source.id,
                                    "location_dest_id": dest.id,
                                    "company_id": visit.company_id.id,
                                }
                            )
                        ],
                    }
                )
            )
            move._action_confirm()
            move.picked = True
            move._action_done()
            part.with_context(**asq_step(WORKFLOW_KEY)).write({"move_id": move.id})
            visit.message_post(
                body=self.env._(
                    "%(qty)s %(uom)s of %(product)s consumed from %(location)s.",
                    qty=part.quantity,
                    uom=part.uom_id.name,
                    product=part.product_id.display_name,
                    location=source.display_name,
                )
            )
