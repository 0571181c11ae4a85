import base64
import io

import openpyxl

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import SURVEY_ANSWERS, AsqCommon

LEVELS = {
    "very_satisfied": 100,
    "satisfied": 80,
    "neutral": 60,
    "not_very_satisfied": 40,
    "very_dissatisfied": 0,
}
DIMS = ("quality", "delivery", "service", "price")


@tagged("post_install", "-at_install", "asq_survey")
class TestSurveyCampaign(AsqCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.survey = cls.env.ref("after_sales_quality.asq_survey_satisfaction")
        cls.questions = {
            dim: cls.env.ref(f"after_sales_quality.asq_survey_question_{dim}")
            for dim in DIMS
        }
        cls.comment_question = cls.env.ref(
            "after_sales_quality.asq_survey_question_comment"
        )
        cls.qm = cls.users["asq_qm"]
        cls.tag = cls.env["res.partner.category"].create({"name": "ASQ survey test"})
        cls.ab_customers = cls._create_customers(cls.tag, "ab", ["a"] * 3 + ["b"] * 5)
        cls.c_customers = cls._create_customers(cls.tag, "c", ["c"] * 20)

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    @classmethod
    def _create_customers(cls, tag, prefix, classes, names=None):
        return cls.env["res.partner"].create(
            [
                {
                    "name": (names or {}).get(i, f"Survey {prefix} {i:02d}"),
                    "is_company": True,
                    "customer_rank": 1,
                    "email": f"survey.{prefix}.{i}.{tag.id}@example.com",
                    "asq_customer_class": customer_class,
                    "category_id": [Command.set(tag.ids)],
                }
                for i, customer_class in enumerate(classes)
            ]
        )

    def _create_campaign(self, tag=None, **vals):
        return (
            self.env["asq.survey.campaign"]
            .with_user(self.qm)
            .create(
                {
                    "name": vals.pop("name", f"SAT test {tag.id if tag else 0}"),
                    "survey_id": self.survey.id,
                    "seed": 42,
                    "partner_category_ids": [Command.set((tag or self.tag).ids)],
                    **vals,
                }
            )
        )

    def _answer(self, target, levels, comment=None):
        """Answer through Odoo Survey: each dimension's question gets the
        suggested answer of ``levels[dim]``; the participation is done."""
        user_input = target.user_input_id.sudo()
        for dim, level in levels.items():
            answer = self.env.ref(
                f"after_sales_quality.asq_survey_question_{dim}_{level}"
            )
            user_input._save_lines(self.questions[dim], answer.id)
        if comment:
            user_input._save_lines(self.comment_question, comment)
        user_input._mark_done()

    def _run(self, answers, tag_name, **vals):
        """A running campaign over fresh customers answering ``answers``
        (one dict of levels per customer); return it."""
        tag = self.env["res.partner.category"].create({"name": tag_name})
        customers = self._create_customers(tag, tag_name, ["a"] * len(answers))
        campaign = self._create_campaign(tag, name=tag_name, **vals)
        campaign.action_draw_sample()
        campaign.action_send_invitations()
        for customer, levels in zip(customers, answers, strict=True):
            target = campaign.target_ids.filtered(
                lambda t, c=customer: t.partner_id == c
            )
            self._answer(target, levels)
        return campaign

    @staticmethod
    def _all(level, **others):
        return {dim: others.get(dim, level) for dim in DIMS}

    def _trigger_keys(self, campaign):
        return {capa.origin.split(" / ")[-1] for capa in campaign.capa_ids}

    # ------------------------------------------------------------------
    # Sampling
    # ------------------------------------------------------------------
    def test_sample_sizes_and_reproducibility(self):
        campaign = self._create_campaign()
        campaign.action_draw_sample()
        self.assertEqual(campaign.state, "sampled")
        self.assertEqual(campaign.population_ab_count, 8)
        self.assertEqual(campaign.population_c_count, 20)
        # 20 % of those surveyed: round(0.2 * 8 / 0.8) = 2
        self.assertEqual(campaign.sample_c_count, 2)
        self.assertEqual(len(campaign.target_ids), 10)
        targets = campaign.target_ids
        self.assertEqual(
            targets.filtered(lambda t: t.customer_class in ("a", "b")).partner_id,
            self.ab_customers,
        )
        sample = targets.filtered(lambda t: t.customer_class == "c").partner_id
        self.assertEqual(len(sample), 2)
        self.assertLessEqual(sample, self.c_customers)
        self.assertEqual(campaign.sampled_user_id, self.qm)

        twin = self._create_campaign(name="SAT twin")
        twin.action_draw_sample()
        self.assertEqual(
            twin.target_ids.filtered(lambda t: t.customer_class == "c").partner_id,
            sample,
        )

        with self.assertRaisesRegex(UserError, "Draw Sample is not possible"):
            campaign.action_draw_sample()
        with self.assertRaisesRegex(UserError, "frozen for the audit"):
            campaign.seed = 7
        with self.assertRaisesRegex(UserError, "frozen with the sample"):
            targets[0].partner_id = self.customer
        with self.assertRaisesRegex(UserError, "Draw Sample only"):
            self.env["asq.survey.target"].create(
                {
                    "campaign_id": campaign.id,
                    "partner_id": self.customer.id,
                    "customer_class": "a",
                }
            )
        with self.assertRaises(UserError):
            targets[0].unlink()

    def test_sample_capped_by_c_customers(self):
        tag = self.env["res.partner.category"].create({"name": "few C"})
        self._create_customers(tag, "few", ["a"] * 12 + ["c"])
        campaign = self._create_campaign(tag, name="SAT few C")
        campaign.action_draw_sample()
        # round(0.2 * 12 / 0.8) = 3, capped by the one C customer
        self.assertEqual(campaign.sample_c_count, 1)
        self.assertEqual(len(campaign.target_ids), 13)

    # ------------------------------------------------------------------
    # Invitations and response rates
    # ------------------------------------------------------------------
    def test_invitations_reminders_and_rates(self):
        campaign = self._create_campaign()
        campaign.action_draw_sample()
        campaign.action_send_invitations()
        self.assertEqual(campaign.state, "running")
        targets = campaign.target_ids
        user_inputs = targets.user_input_id
        self.assertEqual(len(user_inputs), 10)
        self.assertEqual(user_inputs.survey_id, self.survey)
        self.assertEqual(
            user_inputs.partner_id, targets.contact_id, "one per customer contact"
        )
        self.assertTrue(all(t.survey_url for t in targets))
        self.assertEqual(set(targets.mapped("state")), {"new"})
        mails = self.env["mail.mail"].search(
            [("model", "=", "survey.user_input"), ("res_id", "in", user_inputs.ids)]
        )
        self.assertEqual(len(mails), 10)
        self.assertEqual(set(mails.mapped("state")), {"outgoing"})

        a_targets = targets.filtered(lambda t: t.customer_class == "a")
        b_targets = targets.filtered(lambda t: t.customer_class == "b")
        c_targets = targets.filtered(lambda t: t.customer_class == "c")
        answered = a_targets[:2] | b_targets[:4] | c_targets[:1]
        for target in answered:
            self._answer(target, self._all("satisfied"))
        self.assertEqual(set(answered.mapped("state")), {"done"})
        campaign.invalidate_recordset()
        self.assertAlmostEqual(campaign.rate_a, 200 / 3, places=2)
        self.assertAlmostEqual(campaign.rate_b, 80.0)
        self.assertAlmostEqual(campaign.rate_c, 50.0)
        self.assertAlmostEqual(campaign.rate_total, 70.0)
        self.assertFalse(campaign.response_target_met, "A under 80 %")

        campaign.action_send_reminders()
        reminders = (
            self.env["mail.mail"].search(
                [("model", "=", "survey.user_input"), ("res_id", "in", user_inputs.ids)]
            )
            - mails
        )
        self.assertEqual(
            sorted(reminders.mapped("res_id")),
            sorted((targets - answered).user_input_id.ids),
        )
        self.assertEqual(set((targets - answered).mapped("reminder_count")), {1})
        self.assertEqual(set(answered.mapped("reminder_count")), {0})

        # the scheduled job reminds only after its interval
        self.assertEqual(campaign._cron_send_reminders(interval_days=7), 0)
        pending = targets - answered
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE asq_survey_target SET invited_date = invited_date - "
            "interval '8 days' WHERE id IN %s",
            [tuple(pending.ids)],
        )
        pending.invalidate_recordset()
        self.assertEqual(campaign._cron_send_reminders(interval_days=7), 3)
        self.assertEqual(set(pending.mapped("reminder_count")), {2})

    # ------------------------------------------------------------------
    # Scores
    # ------------------------------------------------------------------
    def test_scores_from_survey_answers(self):
        campaign = self._run(SURVEY_ANSWERS, "scores")
        user_input = campaign.target_ids[0].user_input_id.sudo()
        self.assertEqual(user_input.scoring_total, 280.0, "Odoo Survey's own scores")
        self.assertAlmostEqual(campaign.score_quality, 90.0)
        self.assertAlmostEqual(campaign.score_delivery, 80.0)
        self.assertAlmostEqual(campaign.score_service, 80.0)
        self.assertAlmostEqual(campaign.score_price, 50.0)
        self.assertAlmostEqual(campaign.satisfaction_index, 600 / 8)
        per_customer = {
            score.partner.name: score
            for score in self.env["asq.survey.result"]._asq_customer_scores(campaign)
        }
        first = campaign.target_ids[0].partner_id.name
        self.assertAlmostEqual(per_customer[first].average, 70.0)
        self.assertEqual(len(per_customer), 2)
        results = self.env["asq.survey.result"].search(
            [("campaign_id", "=", campaign.id)]
        )
        self.assertEqual(len(results), 8)
        # the statistics' satisfaction index: weighted by answers, per
        # campaign and per customer (70 and 80)
        [trend] = self.env["asq.survey.result"].read_group(
            [("campaign_id", "=", campaign.id)], ["satisfaction_index"], ["date:year"]
        )
        self.assertAlmostEqual(trend["satisfaction_index"], 600 / 8)
        by_customer = self.env["asq.survey.result"].read_group(
            [("campaign_id", "=", campaign.id)], ["satisfaction_index"], ["partner_id"]
        )
        self.assertEqual(
            sorted(round(g["satisfaction_index"], 6) for g in by_customer), [70.0, 80.0]
        )

    # ------------------------------------------------------------------
    # Triggers
    # ------------------------------------------------------------------
    def test_trigger_index_under_target(self):
        campaign = self._run([self._all("neutral")], "t-index")
        campaign.action_close()
        self.assertEqual(campaign.state, "closed")
        self.assertEqual(self._trigger_keys(campaign), {"index", "lowest_item"})
        capa = campaign.capa_ids.filtered(lambda c: c.origin.endswith("/ index"))
        self.assertEqual(capa.source, "survey")
        self.assertIn("t-index", capa.problem)
        self.assertIn("60.0", capa.problem)
        self.assertEqual(capa.partner_ids, campaign.target_ids.partner_id)

    def test_trigger_dimension_falling(self):
        previous = self._run([self._all("very_satisfied")], "t-prev")
        previous.action_close()
        self.assertFalse(previous.capa_ids, "all perfect: nothing to correct")
        campaign = self._run(
            [self._all("very_satisfied", quality="satisfied")],
            "t-fall",
            previous_campaign_id=previous.id,
        )
        self.assertAlmostEqual(campaign.trend_quality, -20.0)
        self.assertAlmostEqual(campaign.trend_price, 0.0)
        campaign.action_close()
        self.assertEqual(self._trigger_keys(campaign), {"falling", "lowest_item"})
        capa = campaign.capa_ids.filtered(lambda c: c.origin.endswith("/ falling"))
        self.assertIn("Product Quality", capa.problem)
        self.assertIn("t-prev", capa.problem)
        self.assertNotIn("Price", capa.problem)

    def test_trigger_very_dissatisfied(self):
        campaign = self._run(
            [
                self._all("very_satisfied", price="very_dissatisfied"),
                self._all("very_satisfied"),
            ],
            "t-worst",
        )
        self.assertAlmostEqual(campaign.satisfaction_index, 87.5)
        campaign.action_close()
        self.assertEqual(
            self._trigger_keys(campaign), {"very_dissatisfied", "lowest_item"}
        )
        capa = campaign.capa_ids.filtered(
            lambda c: c.origin.endswith("/ very_dissatisfied")
        )
        self.assertEqual(capa.partner_ids, campaign.target_ids[0].partner_id)
        self.assertIn("Price", capa.problem)

    def test_trigger_customer_not_very_satisfied(self):
        campaign = self._run(
            [self._all("not_very_satisfied")] + [self._all("very_satisfied")] * 4,
            "t-unhappy",
        )
        self.assertAlmostEqual(campaign.satisfaction_index, 88.0)
        campaign.action_close()
        self.assertEqual(self._trigger_keys(campaign), {"not_satisfied", "lowest_item"})
        capa = campaign.capa_ids.filtered(
            lambda c: c.origin.endswith("/ not_satisfied")
        )
        unhappy = campaign.target_ids.partner_id.filtered(
            lambda p: p.name.endswith("00")
        )
        self.assertEqual(capa.partner_ids, unhappy)

    def test_trigger_lowest_item_and_idempotence(self):
        campaign = self._run(
            [self._all("very_satisfied", delivery="satisfied")], "t-lowest"
        )
        campaign.action_close()
        self.assertEqual(self._trigger_keys(campaign), {"lowest_item"})
        capa = campaign.capa_ids
        self.assertIn(self.questions["delivery"].title, capa.problem)
        self.assertEqual(capa.origin, "t-lowest / lowest_item")
        self.assertEqual(campaign._asq_run_triggers(), capa, "idempotent")
        self.assertEqual(
            self.env["asq.capa"].search_count([("origin", "=like", "t-lowest /%")]), 1
        )
        with self.assertRaisesRegex(UserError, "Close and Analyse is not possible"):
            campaign.action_close()
        with self.assertRaisesRegex(UserError, "is closed"):
            campaign.target_index = 50.0

    # ------------------------------------------------------------------
    # Roles
    # ------------------------------------------------------------------
    def test_roles(self):
        """The after-sales section runs the campaign (000 §3.2, 003 §4.3.4.1),
        the management representative reviews it (003 §4.3.4.4)."""
        campaign = self._create_campaign()
        aftersales = self.users["asq_aftersales"]
        self.assertEqual(campaign.with_user(aftersales).name, campaign.name)
        for login in ("asq_sales", "asq_employee", "asq_warehouse"):
            with self.assertRaises(AccessError):
                campaign.with_user(self.users[login]).check_access("read")
            with self.assertRaises(AccessError):
                self.env["asq.survey.campaign"].with_user(self.users[login]).create(
                    {"name": "no", "survey_id": self.survey.id}
                )
        campaign.with_user(aftersales).action_draw_sample()
        campaign.with_user(aftersales).action_send_invitations()
        self.assertTrue(campaign.with_user(aftersales).target_ids)
        campaign.with_user(aftersales).action_close()
        self.assertEqual(campaign.closed_user_id, aftersales)
        with self.assertRaises(AccessError):
            campaign.with_user(aftersales).action_review()
        rep = self.users["asq_mgmt_rep"]
        campaign.with_user(rep).action_review()
        self.assertEqual(campaign.reviewed_user_id, rep)

    def test_partner_smart_button(self):
        campaign = self._create_campaign()
        campaign.action_draw_sample()
        customers = self.ab_customers[:3]
        self.assertEqual(customers.mapped("asq_survey_target_count"), [1, 1, 1])
        action = customers[0].action_asq_view_survey_targets()
        self.assertEqual(action["domain"], [("partner_id", "=", customers[0].id)])

    # ------------------------------------------------------------------
    # Reports
    # ------------------------------------------------------------------
    def test_xlsx_keeps_customer_text(self):
        tag = self.env["res.partner.category"].create({"name": "xlsx"})
        self._create_customers(tag, "xlsx", ["a"], names={0: "=1+1"})
        campaign = self._create_campaign(tag, name="SAT xlsx")
        campaign.action_draw_sample()
        campaign.action_send_invitations()
        self._answer(
            campaign.target_ids, self._all("satisfied"), comment="=HYPERLINK(1)"
        )
        action = campaign.action_export_xlsx()
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", campaign._name), ("res_id", "=", campaign.id)]
        )
        self.assertIn(str(attachment.id), action["url"])
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas)))
        customers = book.worksheets[1]
        self.assertEqual(customers.cell(2, 1).value, "=1+1")
        self.assertEqual(customers.cell(2, 1).data_type, "s")
        self.assertEqual(customers.cell(2, 7).value, 80.0)
        comments = book.worksheets[3]
        self.assertEqual(comments.cell(2, 2).value, "=HYPERLINK(1)")
        self.assertEqual(comments.cell(2, 2).data_type, "s")

    def test_pdf_renders(self):
        campaign = self._run([self._all("satisfied")], "t-pdf")
        campaign.action_close()
        self._assert_pdf("after_sales_quality.asq_survey_campaign_report", campaign)
