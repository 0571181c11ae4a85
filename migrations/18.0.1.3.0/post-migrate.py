"""18.0.1.3.0 post-migration.

Each change is one function named after what it does; ``migrate`` calls them.
"""

import logging

from odoo import SUPERUSER_ID, Command, api

_logger = logging.getLogger(__name__)


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


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    narrow_capa_action_read_rule(env)
