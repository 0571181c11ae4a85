"""18.0.1.5.0 post-migration ([15], Sales and Inventory entry points): every
warehouse gets its "Customer Returns" operation type (data/asq_stock_data.xml
makes the missing ones at each update; made here too should the data not have
run), and the return receipts still to receive move to it, so that the
warehouse finds them on the Customer Returns card of the Inventory Overview.
Receipts already booked keep the type they were booked under.
"""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["stock.warehouse"]._asq_create_return_types()
    receipts = env["stock.picking"].search(
        [
            ("asq_return_role", "=", "receipt"),
            ("state", "not in", ("done", "cancel")),
        ]
    )
    moved = 0
    for receipt in receipts:
        picking_type = receipt.picking_type_id.warehouse_id.asq_return_type_id
        if picking_type and receipt.picking_type_id != picking_type:
            receipt.move_ids.write({"picking_type_id": picking_type.id})
            receipt.write({"picking_type_id": picking_type.id})
            moved += 1
    _logger.info("salesinv: %s open return receipts moved to Customer Returns", moved)
