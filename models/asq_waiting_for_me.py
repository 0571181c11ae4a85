from odoo import api, fields, models
from odoo.exceptions import UserError


class AsqWaitingForMe(models.AbstractModel):
    """ "Waiting for Me": the document waits for a step one of the current
    user's roles signs (the workflow's declared steps). Searchable, so that
    the search view's filter of that name shows the dashboard's to-dos as a
    facet the user may remove."""

    _name = "asq.waiting.for.me.mixin"
    _description = "After-Sales Documents Waiting for Me"

    waiting_for_me = fields.Boolean(
        string="Waiting for Me",
        compute="_compute_waiting_for_me",
        search="_search_waiting_for_me",
        help="The document waits for a step one of my roles signs.",
    )

    @api.depends("state")
    @api.depends_context("uid")
    def _compute_waiting_for_me(self):
        domain = self._asq_waiting_domain()
        mine = self.filtered_domain(domain) if domain else self.browse()
        for record in self:
            record.waiting_for_me = record in mine

    def _search_waiting_for_me(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on Waiting for Me."))
        domain = self._asq_waiting_domain() or [(0, "=", 1)]
        if (operator == "=") == value:
            return domain
        return ["!", *domain]


class AsqComplaint(models.Model):
    _name = "asq.complaint"
    _inherit = ["asq.complaint", "asq.waiting.for.me.mixin"]


class AsqCapa(models.Model):
    _name = "asq.capa"
    _inherit = ["asq.capa", "asq.waiting.for.me.mixin"]


class AsqReturn(models.Model):
    _name = "asq.return"
    _inherit = ["asq.return", "asq.waiting.for.me.mixin"]


class AsqHold(models.Model):
    _name = "asq.hold"
    _inherit = ["asq.hold", "asq.waiting.for.me.mixin"]
