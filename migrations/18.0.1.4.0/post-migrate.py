"""18.0.1.4.0 post-migration: data the new code reads that older versions did
not write. (The new stored compute ``asq.complaint.counts_as_complaint`` is
computed for every existing complaint when its column is added; the new
company settings take their default; the complaints' ``onsite_locality`` is
filled by the pre-migration.)
"""

import logging

from odoo import SUPERUSER_ID, api

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


def clocks(env):
    """The complaint clocks count elapsed time by default now (procedure 001,
    4.4: "24小時內", "七天內", "3天內"), clock by clock configurable: the
    complaints still open are planned again on their company's setting, so
    their deadlines match the basis the form shows. Closed and cancelled
    complaints keep the deadlines they were held to."""
    Complaint = env["asq.complaint"].with_context(active_test=False)
    complaints = Complaint.search([("state", "not in", ("closed", "cancel"))])
    for fname in Complaint._asq_deadline_fields:
        env.add_to_compute(Complaint._fields[fname], complaints)
    env.flush_all()


def migrate(cr, version):
    if not version:
        return
    ratios(cr)
    clocks(api.Environment(cr, SUPERUSER_ID, {}))
