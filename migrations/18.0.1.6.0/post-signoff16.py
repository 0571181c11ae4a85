"""18.0.1.6.0 post-migration ([16] final sign-off, review of major complaints).

003 §3.8 「厂长:需要对客诉的最终报告签字确认」: a complaint the customer is
satisfied with now closes only once its final report is signed (the step
"Sign Final Report", no new state). Complaints closed before the upgrade stay
closed and unsigned (no signature is invented). Companies get the general
manager as their signer where the new setting is empty, and the complaints
waiting in "Satisfaction Confirmed" give the signers their to-do. Running it
again changes nothing (the engine's to-dos are recomputed, not added).
"""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    manager = env.ref(
        "after_sales_quality.group_asq_general_manager", raise_if_not_found=False
    )
    if manager:
        companies = env["res.company"].search(
            [("asq_complaint_signoff_group_id", "=", False)]
        )
        companies.write({"asq_complaint_signoff_group_id": manager.id})
        _logger.info("signoff16: %s companies signed by the GM", len(companies))
    waiting = env["asq.complaint"].search(
        [
            ("state", "=", "confirmed"),
            ("feedback_type", "=", "complaint"),
            ("signoff_date", "=", False),
        ]
    )
    waiting._asq_update_todos()
    _logger.info("signoff16: %s complaints wait for the final sign-off", len(waiting))
