"""18.0.1.4.0 post-migration: data the new code reads that older versions did
not write. (The other 18.0.1.4.0 fields need nothing here: the new stored
compute ``asq.complaint.counts_as_complaint`` is computed for every existing
complaint when its column is added, the new company settings take their
default.)
"""

import logging

_logger = logging.getLogger(__name__)


def ratios(cr):
    """``finance_exchange_ratio`` of the return requests finance checked
    before 18.0.1.4.0: the one ratio finance then compared with the cap, the
    figure it signed (``finance_ratio``), so that the frozen record shows
    what the verdict was taken on."""
    cr.execute(
        """
        UPDATE asq_return
           SET finance_exchange_ratio = finance_ratio
         WHERE finance_user_id IS NOT NULL
           AND finance_exchange_ratio IS NULL
        """
    )
    _logger.info("ratios: %s checked return requests backfilled", cr.rowcount)


def migrate(cr, version):
    if not version:
        return
    ratios(cr)
