"""18.0.1.6.0 post-migration ([15], items left open):

- the head of a CAPA action's department reads that CAPA and its actions
  (record rules of security/asq_capa_security.xml, a noupdate file: their
  domain is written here), and gets the to-do of confirming the actions
  already done for the department;
- the demo calendar, where the demo is installed: China's 2027 statutory
  holidays and the 调休 working weekend days of 2025 and 2026;
- the Customer Returns operation types, named in the languages installed
  after they were made.

Idempotent: the rules are rewritten to the same domain, the to-dos and the
demo days are only added where missing.
"""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)

RULE_DOMAINS = {
    "after_sales_quality.asq_capa_rule_department_head": (
        "['|', ('department_id.manager_id.user_id', '=', user.id), "
        "('action_ids.department_id.manager_id.user_id', '=', user.id)]"
    ),
    "after_sales_quality.asq_capa_action_rule_department_head": (
        "['|', ('capa_id.department_id.manager_id.user_id', '=', user.id), "
        "('department_id.manager_id.user_id', '=', user.id)]"
    ),
}


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid, domain in RULE_DOMAINS.items():
        rule = env.ref(xmlid, raise_if_not_found=False)
        if rule and rule.domain_force != domain:
            rule.domain_force = domain
    actions = env["asq.capa.action"].search(
        [
            ("state", "=", "done"),
            ("department_confirm_user_id", "=", False),
            ("capa_id.state", "in", ("action", "verification")),
        ]
    )
    actions._asq_update_todos()
    _logger.info("misc15: %s done CAPA actions to confirm", len(actions))
    calendar = env.ref(
        "after_sales_quality.asq_demo_calendar", raise_if_not_found=False
    )
    if calendar:
        env["asq.demo"]._load_demo_company()
    # The Customer Returns types of a database where a language was installed
    # after them (the demo installs Chinese after the warehouse's type is
    # made): named in every installed language they have no name of their
    # own in, as a language installed from now on names them (res.lang).
    langs = env["res.lang"].search([("active", "=", True), ("code", "!=", "en_US")])
    langs._asq_name_return_types()
    _logger.info(
        "misc15: Customer Returns named in %s", ", ".join(langs.mapped("code"))
    )
