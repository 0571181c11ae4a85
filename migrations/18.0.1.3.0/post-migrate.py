"""18.0.1.3.0 post-migration: data the new code reads that older versions did
not write. Each change is one function named after what it does; ``migrate``
calls them.
"""

import logging

from odoo import SUPERUSER_ID, Command, api
from odoo.tools import SQL

from odoo.addons.after_sales_quality.models.asq_delivered_line import (
    asq_received_by_line,
)
from odoo.addons.after_sales_quality.models.asq_step_record import (
    backfill_step_records,
)

_logger = logging.getLogger(__name__)


def backfill_return_line_received_qty(cr):
    """``received_qty`` of the return request lines (added before 18.0.1.2.0,
    filled until now by ``asq.return.line._auto_init`` when the ORM added the
    column): a line left empty by an older version gets what its request's done
    receipts brought back of its delivered move and lot, as the receipts write
    it today (``asq_received_by_line``). Lines with a received quantity keep
    it."""
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


def narrow_capa_action_read_rule(env):
    """The CAPA action read-all rule lives in a noupdate file
    (security/asq_capa_security.xml): bring the databases installed before it
    was narrowed to the after-sales section and finance in line. (Replaces
    security/asq_security_upgrade.xml, which re-applied it on every update.)"""
    rule = env.ref("after_sales_quality.asq_capa_action_rule_read", False)
    if not rule:
        return
    rule.write(
        {
            "name": "CAPA actions: after-sales section and finance read all",
            "groups": [
                Command.set(
                    [
                        env.ref("after_sales_quality.group_asq_user_all").id,
                        env.ref("after_sales_quality.group_asq_finance").id,
                    ]
                )
            ],
        }
    )
    _logger.info("after_sales_quality: CAPA action read-all rule narrowed")


def backfill_visit_start_records(env):
    """Until 18.0.1.3.0 a service visit finished straight from "planned"
    stamped its start (Started By/At) without the start's step record; the
    audit's ``step_stamp_without_record`` lists them. They get it now, as
    every stamp without its record does (``backfill_step_records``)."""
    _logger.info(
        "after_sales_quality: %s step records backfilled", backfill_step_records(env)
    )


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    backfill_return_line_received_qty(cr)
    narrow_capa_action_read_rule(env)
    backfill_visit_start_records(env)
