from collections import namedtuple

from odoo import api, fields, models
from odoo.tools import SQL

# One customer's answers to a campaign: {dimension: average}, their overall
# average (0-100) and how many answers were the scale's worst.
CustomerScore = namedtuple(
    "CustomerScore", "partner customer_class dimensions average very_dissatisfied"
)
# One scored item of a campaign: its average (0-100) over ``answers``.
QuestionScore = namedtuple("QuestionScore", "question dimension average answers")
# One free-text answer of a campaign.
Comment = namedtuple("Comment", "partner text")


class AsqSurveyResult(models.Model):
    """Satisfaction survey answers: one row per campaign, customer and scored
    question (its dimension), each answer normalised to 0-100 from Odoo
    Survey's own answer scores."""

    _name = "asq.survey.result"
    _inherit = ["asq.report.ratio.mixin"]
    _description = "Satisfaction Survey Results"
    _auto = False
    _order = "campaign_id desc, partner_id, dimension"

    campaign_id = fields.Many2one("asq.survey.campaign", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    date = fields.Date(string="Survey Date", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    customer_class = fields.Selection(
        selection=[("a", "A"), ("b", "B"), ("c", "C")],
        string="Class",
        readonly=True,
    )
    question_id = fields.Many2one("survey.question", string="Item", readonly=True)
    dimension = fields.Selection(
        selection=[
            ("quality", "Product Quality"),
            ("delivery", "Delivery Dates"),
            ("service", "Service"),
            ("price", "Price"),
        ],
        readonly=True,
    )
    avg_score = fields.Float(
        string="Average Score", readonly=True, digits=(5, 1), aggregator="avg"
    )
    score_sum = fields.Float(string="Score Total", readonly=True, aggregator="sum")
    answer_count = fields.Integer(string="Answers", readonly=True, aggregator="sum")
    satisfaction_index = fields.Float(
        readonly=True,
        digits=(5, 1),
        aggregator="avg",
        help="Average of every scored answer, 0-100: grouped, weighted by the "
        "answers (the campaign's satisfaction index).",
    )
    very_dissatisfied_count = fields.Integer(
        string="Very Dissatisfied Answers", readonly=True, aggregator="sum"
    )

    _asq_ratios = {"satisfaction_index": ("score_sum", "answer_count", 1.0, ())}

    @property
    def _table_query(self):
        return SQL(
            """
            WITH scale AS (
                SELECT question_id,
                       MAX(answer_score) AS best,
                       MIN(answer_score) AS worst
                  FROM survey_question_answer
                 WHERE question_id IS NOT NULL
                 GROUP BY question_id
            ),
            answers AS (
                SELECT t.campaign_id,
                       c.company_id,
                       c.date_start AS date,
                       t.partner_id,
                       t.customer_class,
                       l.question_id,
                       q.asq_dimension AS dimension,
                       100.0 * l.answer_score / s.best AS score,
                       CASE WHEN l.answer_score <= s.worst THEN 1 ELSE 0 END
                           AS very_dissatisfied
                  FROM asq_survey_target t
                  JOIN asq_survey_campaign c ON c.id = t.campaign_id
                  JOIN survey_user_input ui
                    ON ui.id = t.user_input_id
                   AND ui.state = 'done'
                   AND NOT COALESCE(ui.test_entry, FALSE)
                  JOIN survey_user_input_line l
                    ON l.user_input_id = ui.id
                   AND l.answer_type = 'suggestion'
                   AND NOT COALESCE(l.skipped, FALSE)
                  JOIN survey_question q
                    ON q.id = l.question_id
                   AND q.asq_dimension IS NOT NULL
                  JOIN scale s ON s.question_id = q.id AND s.best > 0
            )
            SELECT ROW_NUMBER() OVER (
                       ORDER BY campaign_id, partner_id, question_id
                   ) AS id,
                   campaign_id,
                   company_id,
                   date,
                   partner_id,
                   customer_class,
                   question_id,
                   dimension,
                   AVG(score) AS avg_score,
                   SUM(score) AS score_sum,
                   COUNT(*) AS answer_count,
                   AVG(score) AS satisfaction_index,
                   SUM(very_dissatisfied) AS very_dissatisfied_count
              FROM answers
             GROUP BY campaign_id, company_id, date, partner_id, customer_class,
                      question_id, dimension
            """
        )

    # ------------------------------------------------------------------
    # Scores of campaigns (the campaign's results, its report and triggers)
    # ------------------------------------------------------------------
    @api.model
    def _asq_dimension_scores(self, campaigns):
        """{campaign id: {dimension: average, "index": average}} of
        ``campaigns``, weighted by answers (0-100 scale)."""
        scores = {}
        if not campaigns.ids:
            return scores
        # The report reads the answers in SQL: write pending answers first.
        self.env.flush_all()
        for campaign, dimension, total, count in self._read_group(
            [("campaign_id", "in", campaigns.ids)],
            ["campaign_id", "dimension"],
            ["score_sum:sum", "answer_count:sum"],
        ):
            per_campaign = scores.setdefault(campaign.id, {"_sum": 0.0, "_count": 0})
            if count:
                per_campaign[dimension] = total / count
                per_campaign["_sum"] += total
                per_campaign["_count"] += count
        for per_campaign in scores.values():
            total = per_campaign.pop("_sum")
            count = per_campaign.pop("_count")
            if count:
                per_campaign["index"] = total / count
        return scores

    @api.model
    def _asq_customer_scores(self, campaign):
        """[:class:`CustomerScore`] of one campaign, one grouped read."""
        campaign.ensure_one()
        self.env.flush_all()
        rows = {}
        for partner, customer_class, dimension, total, count, worst in self._read_group(
            [("campaign_id", "=", campaign.id)],
            ["partner_id", "customer_class", "dimension"],
            ["score_sum:sum", "answer_count:sum", "very_dissatisfied_count:sum"],
            order="partner_id",
        ):
            row = rows.setdefault(
                partner,
                {"class": customer_class, "dims": {}, "sum": 0.0, "n": 0, "worst": 0},
            )
            row["worst"] += worst
            if count:
                row["dims"][dimension] = total / count
                row["sum"] += total
                row["n"] += count
        return [
            CustomerScore(
                partner=partner,
                customer_class=row["class"],
                dimensions=row["dims"],
                average=row["sum"] / row["n"] if row["n"] else 0.0,
                very_dissatisfied=row["worst"],
            )
            for partner, row in rows.items()
        ]

    @api.model
    def _asq_question_scores(self, campaign):
        """[:class:`QuestionScore`] of one campaign, lowest average first."""
        campaign.ensure_one()
        self.env.flush_all()
        result = [
            QuestionScore(question, dimension, total / count, count)
            for question, dimension, total, count in self._read_group(
                [("campaign_id", "=", campaign.id)],
                ["question_id", "dimension"],
                ["score_sum:sum", "answer_count:sum"],
            )
            if count
        ]
        return sorted(
            result,
            key=lambda r: (r.average, r.question.sudo().sequence, r.question.id),
        )

    @api.model
    def _asq_worst_dimensions(self, campaign):
        """Dimensions of one campaign with a "very dissatisfied" answer."""
        campaign.ensure_one()
        return [
            dimension
            for dimension, worst in self._read_group(
                [
                    ("campaign_id", "=", campaign.id),
                    ("very_dissatisfied_count", ">", 0),
                ],
                ["dimension"],
                ["very_dissatisfied_count:sum"],
            )
            if worst
        ]

    @api.model
    def _asq_comments(self, campaign):
        """[:class:`Comment`]: the free-text answers of one campaign."""
        campaign.ensure_one()
        lines = (
            self.env["survey.user_input.line"]
            .sudo()
            .search(
                [
                    ("user_input_id", "in", campaign.target_ids.user_input_id.ids),
                    ("user_input_id.state", "=", "done"),
                    ("answer_type", "in", ("text_box", "char_box")),
                    ("skipped", "=", False),
                ],
                order="user_input_id, id",
            )
        )
        target_of = {t.user_input_id.id: t.partner_id for t in campaign.target_ids}
        return [
            Comment(
                target_of[line.user_input_id.id].sudo(False),
                line.value_text_box or line.value_char_box or "",
            )
            for line in lines
        ]

    @api.model
    def _asq_dimension_label(self, dimension):
        """The dimension's name, as the survey question's selection shows it."""
        selection = self.env["survey.question"]._fields["asq_dimension"]
        return dict(selection._description_selection(self.env)).get(dimension, "")
