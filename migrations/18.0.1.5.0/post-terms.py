"""18.0.1.5.0 post-migration ([15], Chinese terms): the addon's zh_CN terms
were reworded as a Chinese quality department says them (severity 轻微 / 严重 /
致命, 不良率, 仪表板, 纠正预防措施, 质量部). An update only fills translations
that are missing: the labels, selections and views of an existing database
would keep the old words. The addon's own Chinese terms are reloaded over
them (Odoo's and other modules' translations are left alone)."""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    installed = {code for code, _name in env["res.lang"].get_installed()}
    if "zh_CN" not in installed:
        return
    env["ir.module.module"]._load_module_terms(
        ["after_sales_quality"], ["zh_CN"], overwrite=True
    )
    _logger.info("terms: the addon's zh_CN terms reloaded")
