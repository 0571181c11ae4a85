import io

import xlsxwriter

from odoo import models

from ..models.asq_survey_campaign import DIMENSIONS
from .asq_xlsx import asq_formats, asq_write


class AsqSurveyReportXlsx(models.AbstractModel):
    """Satisfaction survey report for the management representative, as XLSX."""

    _name = "asq.survey.report.xlsx"
    _description = "Satisfaction Survey Report (XLSX)"

    def _asq_build(self, campaign):
        """Return the XLSX bytes. Customer text (names, comments) is written
        with write_string: a name such as "=1+1" stays text, never a formula."""
        campaign.ensure_one()
        Result = self.env["asq.survey.result"]
        label = Result._asq_dimension_label
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        formats = asq_formats(workbook)
        bold, number, wrap = formats["header"], formats["number"], formats["wrap"]

        summary = workbook.add_worksheet(self.env._("Summary"))
        summary.set_column(0, 0, 34)
        summary.set_column(1, 3, 16)
        rows = [
            (self.env._("Campaign"), campaign.name),
            (self.env._("Survey From"), campaign.date_start or ""),
            (self.env._("Answers Due By"), campaign.date_end or ""),
            (self.env._("Previous Campaign"), campaign.previous_campaign_id.name or ""),
            (self.env._("Random Seed"), campaign.seed),
            (self.env._("A/B Customers"), campaign.population_ab_count),
            (self.env._("C Customers"), campaign.population_c_count),
            (self.env._("C Customers Sampled"), campaign.sample_c_count),
            (self.env._("Surveyed"), campaign.target_count),
            (self.env._("Answered"), campaign.answered_count),
            (self.env._("A Response Rate (%)"), campaign.rate_a),
            (self.env._("B Response Rate (%)"), campaign.rate_b),
            (self.env._("C Response Rate (%)"), campaign.rate_c),
            (self.env._("A/B Response Target (%)"), campaign.response_target),
            (self.env._("Satisfaction Index (%)"), campaign.satisfaction_index),
            (self.env._("Target Satisfaction Index (%)"), campaign.target_index),
        ]
        for row, (header, value) in enumerate(rows):
            summary.write_string(row, 0, header, bold)
            asq_write(summary, row, 1, value, number, date_formats=formats)
        row = len(rows) + 1
        for col, header in enumerate(
            (
                self.env._("Dimension"),
                self.env._("Average Score"),
                self.env._("Previous"),
                self.env._("Difference"),
            )
        ):
            summary.write_string(row, col, header, bold)
        scores = Result._asq_dimension_scores(campaign | campaign.previous_campaign_id)
        current = scores.get(campaign.id, {})
        before = scores.get(campaign.previous_campaign_id.id, {})
        for dim in DIMENSIONS:
            row += 1
            summary.write_string(row, 0, label(dim))
            for col, value in (
                (1, current.get(dim)),
                (2, before.get(dim)),
                (
                    3,
                    current[dim] - before[dim]
                    if dim in current and dim in before
                    else None,
                ),
            ):
                if value is not None:
                    summary.write_number(row, col, value, number)

        customers = workbook.add_worksheet(self.env._("Customers"))
        headers = [self.env._("Customer"), self.env._("Class")]
        headers += [label(dim) for dim in DIMENSIONS]
        headers += [self.env._("Average"), self.env._("Very Dissatisfied Answers")]
        for col, header in enumerate(headers):
            customers.write_string(0, col, header, bold)
        customers.set_column(0, 0, 34)
        customers.set_column(1, len(headers), 14)
        for row, score in enumerate(Result._asq_customer_scores(campaign), start=1):
            customers.write_string(row, 0, score.partner.display_name or "")
            customers.write_string(row, 1, (score.customer_class or "").upper())
            for col, dim in enumerate(DIMENSIONS, start=2):
                if dim in score.dimensions:
                    customers.write_number(row, col, score.dimensions[dim], number)
            customers.write_number(row, len(DIMENSIONS) + 2, score.average, number)
            customers.write_number(row, len(DIMENSIONS) + 3, score.very_dissatisfied)

        items = workbook.add_worksheet(self.env._("Items"))
        for col, header in enumerate(
            (
                self.env._("Item"),
                self.env._("Dimension"),
                self.env._("Average Score"),
                self.env._("Answers"),
            )
        ):
            items.write_string(0, col, header, bold)
        items.set_column(0, 0, 60)
        items.set_column(1, 3, 16)
        for row, score in enumerate(Result._asq_question_scores(campaign), start=1):
            items.write_string(row, 0, score.question.sudo().title or "")
            items.write_string(row, 1, label(score.dimension))
            items.write_number(row, 2, score.average, number)
            items.write_number(row, 3, score.answers)

        comments = workbook.add_worksheet(self.env._("Comments"))
        comments.write_string(0, 0, self.env._("Customer"), bold)
        comments.write_string(0, 1, self.env._("Comment"), bold)
        comments.set_column(0, 0, 34)
        comments.set_column(1, 1, 80)
        for row, comment in enumerate(Result._asq_comments(campaign), start=1):
            comments.write_string(row, 0, comment.partner.display_name or "")
            comments.write_string(row, 1, comment.text, wrap)
        workbook.close()
        return output.getvalue()
