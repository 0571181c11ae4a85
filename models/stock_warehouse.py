from odoo import api, fields, models


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    asq_return_type_id = fields.Many2one(
        "stock.picking.type",
        string="Customer Returns Type",
        check_company=True,
        copy=False,
        help="The operation type of the goods customers send back through a "
        "return request: received into the warehouse's return QC location, "
        "apart from the purchase receipts.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        warehouses = super().create(vals_list)
        warehouses.asq_return_type_id._asq_translate_name()
        return warehouses

    def _get_sequence_values(self, name=False, code=False):
        values = super()._get_sequence_values(name=name, code=code)
        values["asq_return_type_id"] = {
            "name": self.env._(
                "%(name)s Sequence customer returns", name=name or self.name
            ),
            "prefix": (code or self.code)
            + "/"
            + (self.asq_return_type_id.sequence_code or "RET")
            + "/",
            "padding": 5,
            "company_id": self.company_id.id,
        }
        return values

    def _get_picking_type_create_values(self, max_sequence):
        data, next_sequence = super()._get_picking_type_create_values(max_sequence)
        data["asq_return_type_id"] = {
            "name": self.env._("Customer Returns"),
            "code": "incoming",
            "use_create_lots": False,
            "use_existing_lots": True,
            "default_location_src_id": self.env.ref(
                "stock.stock_location_customers"
            ).id,
            "default_location_dest_id": self._asq_return_qc_location().id,
            "sequence": next_sequence + 1,
            "sequence_code": "RET",
            "company_id": self.company_id.id,
        }
        return data, next_sequence + 2

    def _get_picking_type_update_values(self):
        data = super()._get_picking_type_update_values()
        data["asq_return_type_id"] = {
            "active": self.active,
            "barcode": self.code.replace(" ", "").upper() + "RET",
        }
        return data

    def _asq_return_qc_location(self):
        """The return QC location the customer returns are received into."""
        return self.env["asq.return"]._qc_location(self)

    @api.model
    def _asq_create_return_types(self):
        """The "Customer Returns" operation type of every warehouse that has
        none yet (at install and upgrade; a new warehouse gets its own through
        _create_or_update_sequences_and_picking_types). Only the missing type
        is made: the other types of the warehouse are left as configured."""
        warehouses = (
            self.sudo()
            .with_context(active_test=False)
            .search([("asq_return_type_id", "=", False)])
        )
        PickingType = self.env["stock.picking.type"].sudo()
        for warehouse in warehouses:
            max_sequence = PickingType.search_read(
                [("sequence", "!=", False)],
                ["sequence"],
                limit=1,
                order="sequence desc",
            )
            max_sequence = (max_sequence and max_sequence[0]["sequence"]) or 0
            values = warehouse._get_picking_type_create_values(max_sequence)[0][
                "asq_return_type_id"
            ]
            sequence = (
                self.env["ir.sequence"]
                .sudo()
                .create(warehouse._get_sequence_values()["asq_return_type_id"])
            )
            values.update(
                warehouse._get_picking_type_update_values()["asq_return_type_id"],
                warehouse_id=warehouse.id,
                color=warehouse.in_type_id.color,
                sequence_id=sequence.id,
            )
            warehouse.asq_return_type_id = PickingType.create(values)
        warehouses.asq_return_type_id._asq_translate_name()
        return True
