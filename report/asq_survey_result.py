from odoo import fields, models
from odoo.tools import SQL


class AsqSurveyResult(models.Model):
    """Satisfaction survey answers: one row per campaign, customer and scored
    question (its dimension), each answer normalised to 0-100 from Odoo
    Survey's own answer scores."""

    _name = "asq.survey.result"
    _inherit = ["asq.report.ratio.mixin"]
    _description = "Satisfaction Survey Results"
    _auto = False
    _order = "campaign_id desc, partner_id, dimension"

    campaign_id = fields.Many2one(
        "asq.survey.campaign", string="Campaign", readonly=True
    )
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
