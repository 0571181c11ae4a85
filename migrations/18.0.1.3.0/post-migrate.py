"""18.0.1.3.0: data the new code reads that older versions did not write.

``received_qty`` of the return request lines (added before 18.0.1.2.0,
filled until now by ``asq.return.line._auto_init`` when the ORM added the
column): a line left empty by an older version gets what its request's done
receipts brought back of its delivered move and lot, as the receipts write
it today (``asq_received_by_line``). Lines with a received quantity keep it.
"""

import logging

from odoo.tools import SQL

from odoo.addons.after_sales_quality.models.asq_delivered_line import (
    asq_received_by_line,
)

_logger = logging.getLogger(__name__)


def _backfill_return_line_received_qty(cr):
    cr.execute(
        SQL(
            """
            UPDATE asq_return_line rl
               SET received_qty = s.received_qty
              FROM (%s) s
             WHERE s.id = rl.id
               AND rl.received_qty IS NULL
               AND s.received_qty > 0
            """,
            asq_received_by_line(),
        )
    )
    _logger.info(
        "asq.return.line: received quantity backfilled on %s lines", cr.rowcount
    )


def migrate(cr, version):
    if not version:
        return
    _backfill_return_line_received_qty(cr)
