"""18.0.1.5.0 post-migration ([15], complaint rate "no deliveries"): the
statistics packs already generated get the number of delivered orders of their
period, which they did not keep, so that a pack with complaints and no
delivery reads "no deliveries" instead of a complaint rate of 0 %. Counted by
the pack's own figures (the same definition as when it was generated)."""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    packs = (
        env["asq.kpi.pack"]
        .with_context(active_test=False)
        .search([("state", "!=", "draft")])
    )
    report = env["report.after_sales_quality.asq_kpi_pack_report_template"]
    for pack in packs:
        figures = report.with_company(pack.company_id)._asq_figures(pack)
        cr.execute(
            "UPDATE asq_kpi_pack SET delivery_count = %s WHERE id = %s",
            [figures["summary"]["deliveries"], pack.id],
        )
    _logger.info("kpipack: delivered orders counted for %s packs", len(packs))
