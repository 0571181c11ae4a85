"""18.0.1.7.0 post-migration ([16] credit scheme approval).

003 §4.2.2 「信用管理方案由执行副总助理初步拟定后经执行副总批准后施行」: a
credit level's figures are now in force once the general manager approved
them. The rows already in use before the approval step existed are in force:
they are marked approved (the ORM created the new status column as "being
drafted"), with their figures as the current proposal. Every company gets the
levels it lacks, being drafted. Idempotent: a second run finds nothing to do.
"""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    cr.execute(
        """
        UPDATE asq_credit_level
           SET state = 'approved',
               proposed_credit_limit = credit_limit,
               proposed_payment_term_id = payment_term_id
         WHERE state = 'draft'
           AND submitted_date IS NULL
           AND approved_date IS NULL
           AND (COALESCE(credit_limit, 0) <> 0 OR payment_term_id IS NOT NULL)
        """
    )
    _logger.info("credit scheme: %s rows in force marked approved", cr.rowcount)
    env = api.Environment(cr, SUPERUSER_ID, {})
    companies = env["res.company"].with_context(active_test=False).search([])
    companies._asq_ensure_credit_levels()
