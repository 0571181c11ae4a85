# ruff: noqa: E501 (the domains as the rules hold them, one string each)
"""18.0.1.6.0 post-migration ([16] the CAPA report back to the customer).

The after-sales staff send a CAPA's report to the customer of their
complaint (000 §4.6.10 「营销中心根据情况将实施结果反馈给顾客」): the record
rules of the own-documents role now also show them the CAPA taken on their
complaints, with its actions and verifications (the 8D report prints them).
The rules are ``noupdate`` data, so an existing database keeps the old
domains unless they are written here, and only where a domain is still the
addon's old one: a rule the administrator changed is left alone.
"""

import logging

_logger = logging.getLogger(__name__)

# xmlid: (old domain, new domain), as security/asq_capa_security.xml has them
RULES = {
    "asq_capa_rule_user": (
        "['|', '|', ('user_id', '=', user.id), ('action_ids.user_id', '=', user.id), ('message_partner_ids', 'in', [user.partner_id.id])]",
        "['|', '|', '|', ('user_id', '=', user.id), ('action_ids.user_id', '=', user.id), ('complaint_ids.user_id', '=', user.id), ('message_partner_ids', 'in', [user.partner_id.id])]",
    ),
    "asq_capa_action_rule_read_own": (
        "['|', '|', '|', ('user_id', '=', user.id), ('capa_id.user_id', '=', user.id), ('capa_id.action_ids.user_id', '=', user.id), ('capa_id.message_partner_ids', 'in', [user.partner_id.id])]",
        "['|', '|', '|', '|', ('user_id', '=', user.id), ('capa_id.user_id', '=', user.id), ('capa_id.action_ids.user_id', '=', user.id), ('capa_id.complaint_ids.user_id', '=', user.id), ('capa_id.message_partner_ids', 'in', [user.partner_id.id])]",
    ),
    "asq_capa_review_rule_user": (
        "['|', '|', ('capa_id.user_id', '=', user.id), ('capa_id.action_ids.user_id', '=', user.id), ('capa_id.message_partner_ids', 'in', [user.partner_id.id])]",
        "['|', '|', '|', ('capa_id.user_id', '=', user.id), ('capa_id.action_ids.user_id', '=', user.id), ('capa_id.complaint_ids.user_id', '=', user.id), ('capa_id.message_partner_ids', 'in', [user.partner_id.id])]",
    ),
}


def migrate(cr, version):
    for xmlid, (old, new) in RULES.items():
        cr.execute(
            """
            UPDATE ir_rule r
               SET domain_force = %s
              FROM ir_model_data d
             WHERE d.model = 'ir.rule'
               AND d.res_id = r.id
               AND d.module = 'after_sales_quality'
               AND d.name = %s
               AND r.domain_force = %s
            """,
            (new, xmlid, old),
        )
        _logger.info("capareport: rule %s updated (%s)", xmlid, cr.rowcount)
