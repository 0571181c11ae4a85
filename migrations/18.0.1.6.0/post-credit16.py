"""18.0.1.6.0 post-migration ([16] new customers and credit, 003 §4.2.2).

A customer's credit level now drives its credit limit and payment terms
(asq.credit.level). The customers that already had a level keep whatever
credit limit and payment terms someone set on them; those that have neither,
in a company whose credit scheme has a row for their level, get the row's.
Idempotent: a second run finds them set.
"""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    applied = 0
    for row in env["asq.credit.level"].search([]):
        customers = row._asq_customers().with_company(row.company_id)
        unset = customers.filtered(
            lambda p: not p.property_payment_term_id and not p.use_partner_credit_limit
        )
        if unset:
            unset._asq_apply_credit_terms(row)
            applied += len(unset)
    _logger.info("credit16: credit level terms written on %s customers", applied)
