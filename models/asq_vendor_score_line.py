from odoo import api, fields, models


class AsqVendorScoreLine(models.Model):
    """The score of one criterion in a monthly vendor scorecard."""

    _name = "asq.vendor.score.line"
    _description = "Vendor Scorecard Line"
    _order = "score_id, sequence, id"

    score_id = fields.Many2one(
        "asq.vendor.score",
        string="Scorecard",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="score_id.company_id", store=True)
    criterion_id = fields.Many2one(
        "asq.vendor.criterion", required=True, ondelete="restrict"
    )
    sequence = fields.Integer(related="criterion_id.sequence", store=True)
    weight = fields.Float(
        compute="_compute_weight",
        store=True,
        readonly=True,
        digits=(5, 2),
        help="The criterion's weight when the line was created.",
    )
    score = fields.Float(digits=(5, 2), help="0 to 100.")
    weighted_score = fields.Float(
        compute="_compute_weighted_score", store=True, digits=(5, 2)
    )

    _sql_constraints = [
        (
            "score_range",
            "CHECK(score >= 0 AND score <= 100)",
            "A score lies between 0 and 100.",
        ),
        (
            "criterion_uniq",
            "UNIQUE(score_id, criterion_id)",
            "A criterion is scored once per scorecard.",
        ),
    ]

    @api.depends("criterion_id")
    def _compute_weight(self):
        for line in self:
            line.weight = line.criterion_id.weight

    @api.depends("weight", "score")
    def _compute_weighted_score(self):
        for line in self:
            line.weighted_score = line.weight * line.score / 100

    @api.model_create_multi
    def create(self, vals_list):
        self.env["asq.vendor.score"].browse(
            [vals.get("score_id") for vals in vals_list]
        )._ensure_draft()
        return super().create(vals_list)

    def write(self, vals):
        self.score_id._ensure_draft()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_confirmed(self):
        self.score_id._ensure_draft()
