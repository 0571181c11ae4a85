"""18.0.1.2.0: the workflow engine's step records (asq.step.record).

Documents signed before this version carry their stamps (who/when) but no
step record; the audit's ``step_stamp_without_record`` would list every one
of them. Each existing stamp gets the record the engine would have written,
marked as backfilled: the signer and time come from the document, the roles
from the signer's groups at the upgrade (Odoo keeps no history of them).
"""

import logging

from odoo import SUPERUSER_ID, api

from odoo.addons.after_sales_quality.models.asq_step_record import (
    backfill_step_records,
)

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    total = backfill_step_records(api.Environment(cr, SUPERUSER_ID, {}))
    _logger.info("after_sales_quality: %s step records backfilled", total)
