from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .asq_groups import GROUP_MANAGER, GROUP_MGMT_REP

# Who opens a CAPA from the quarterly summary: the management
# representative it is sent to (a quality manager may too).
CAPA_OPENERS = (GROUP_MGMT_REP, GROUP_MANAGER)


class AsqKpiPack(models.Model):
    """The quarterly summary leads to CAPA. 000 §4.6.10: "营销中心每季度对销售
    记录进行汇总,将汇总信息传递给管理者代表,由其组织进行原因分析,以《纠正与预防
    措施处理单》的形式传递给责任部门" (each quarter the sales records are
    summarised for the management representative, who has the causes
    analysed and sends a CAPA form to the responsible department)."""

    _inherit = "asq.kpi.pack"

    can_open_capa = fields.Boolean(compute="_compute_can_open_capa")
    capa_id = fields.Many2one(
        "asq.capa",
        string="CAPA",
        compute="_compute_can_open_capa",
        help="The open CAPA of the quarterly analysis of this pack.",
    )

    @api.depends("period_type", "state", "name")
    @api.depends_context("uid")
    def _compute_can_open_capa(self):
        may = self._asq_may_open_capa()
        capas = self.env["asq.capa"].search(
            [
                ("source", "=", "quarterly"),
                ("origin", "in", [name for name in self.mapped("name") if name]),
                ("state", "not in", ("closed", "cancel")),
            ]
        )
        for pack in self:
            pack.capa_id = capas.filtered(
                lambda c, p=pack: c.origin == p.name and c.company_id == p.company_id
            )[:1]
            # (once opened, the smart button opens it)
            pack.can_open_capa = (
                may
                and pack.period_type == "quarter"
                and pack.state != "draft"
                and not pack.capa_id
            )

    def _asq_may_open_capa(self):
        return self.env.su or any(
            self.env.user.has_group(group) for group in CAPA_OPENERS
        )

    def action_view_capa(self):
        """Button "Open CAPA" on a quarterly pack: the CAPA of the quarter's
        analysis (source "Quarterly analysis"), proposed once and opened."""
        self.ensure_one()
        if not self._asq_may_open_capa():
            raise AccessError(
                self.env._(
                    "Only the management representative or a quality manager "
                    "may open a CAPA from a statistics pack."
                )
            )
        self.check_access("read")
        if self.period_type != "quarter":
            raise UserError(
                self.env._(
                    "A CAPA is opened from the quarterly summary: %(name)s is "
                    "not a quarterly pack.",
                    name=self.display_name,
                )
            )
        if self.state == "draft":
            raise UserError(
                self.env._(
                    "Generate %(name)s first: its figures are what the CAPA "
                    "analyses.",
                    name=self.display_name,
                )
            )
        capa = self.env["asq.capa"]._asq_propose(
            "quarterly",
            self.name,
            self.env._(
                "Quarterly summary %(name)s (%(date_from)s - %(date_to)s): "
                "%(count)s complaints, complaint rate %(rate)s %%.",
                name=self.name,
                date_from=self.date_from,
                date_to=self.date_to,
                count=self.complaint_count,
                rate=round(self.complaint_rate, 2),
            ),
            company_id=self.company_id.id,
        )
        return self._asq_records_action("after_sales_quality.asq_capa_action", capa)
