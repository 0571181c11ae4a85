"""Issue [14], statistics and roles as the documents give them (000, 001, 003)."""

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.after_sales_quality.tests.complaint_common import (
    AsqComplaintCommon,
)

ASQ = "after_sales_quality."


@tagged("post_install", "-at_install", "asq_fidelity")
class TestFidelityStats(AsqComplaintCommon):
    """003 §5.2.3 「若品质部在调查分析时,认为不是本公司责任时,即不为客户投诉」,
    001 §4.4 and 000 §4.7.4 (who receives the statistics), 000 §3.2 and
    003 §4.3.4 (who runs the satisfaction survey, who supervises it)."""

    def _investigated(self, responsibility, **vals):
        """A complaint of the test customer walked by its roles up to the
        findings, with ``responsibility``."""
        complaint = self._create_complaint(**vals)
        self._as(complaint, "asq_sales").action_submit()
        self._as(complaint, "asq_qm").action_judge_valid()
        findings = {"responsibility": responsibility, "root_cause": "Found on site"}
        if responsibility == "internal":
            findings["responsible_department_id"] = self.department.id
        if responsibility in ("supplier", "carrier"):
            findings["responsible_partner_id"] = self.remote_customer.id
        inspector = self._as(complaint, "asq_inspector")
        inspector.write(findings)
        inspector.action_record_findings()
        self.env.flush_all()
        return complaint

    # ------------------------------------------------------------------
    # 1. Not our responsibility: in the register, out of the rate
    # ------------------------------------------------------------------
    def test_not_our_responsibility_leaves_the_complaint_rate(self):
        ours = self._investigated("internal")
        misuse = self._investigated("customer")
        self.assertTrue(ours.counts_as_complaint)
        self.assertFalse(misuse.counts_as_complaint)

        # The quality manager's statistics: 1 complaint of 1 delivered order,
        # the customer's misuse counted apart.
        Report = self.env["asq.complaint.report"].with_user(self.users["asq_qm"])
        domain = [("partner_id", "=", self.customer.id)]
        [total] = Report._asq_rates(
            domain, [], ["complaint_rate", "incident_rate"], ["not_ours_ref"]
        )
        self.assertEqual(total["delivery_ref"], 1)
        self.assertEqual(total["complaint_ref"], 1)
        self.assertEqual(total["not_ours_ref"], 1)
        self.assertAlmostEqual(total["complaint_rate"], 100.0)
        # only the counted complaint's 2 units, of 10 + 50 delivered
        self.assertAlmostEqual(total["complained_qty"], 2.0)

        # The register (ledger) keeps both, and says which one counts.
        ledger = (
            self.env["asq.complaint.ledger"]
            .with_user(self.users["asq_aftersales"])
            .create({"complaint_ids": [Command.set((ours | misuse).ids)]})
        )
        self.assertEqual(ledger._asq_complaints(), ours | misuse)
        column = next(
            getter
            for header, _width, getter in ledger._asq_columns()
            if header == "Counts as Complaint"
        )
        self.assertEqual(column(ours), "Yes")
        self.assertEqual(column(misuse), "No (Not Our Responsibility)")

        # The pack reports it separately.
        pack = (
            self.env["asq.kpi.pack"]
            .with_user(self.users["asq_mgmt_rep"])
            .create(
                {
                    "company_id": self.company.id,
                    "period_type": "month",
                    "date_from": fields.Date.today().replace(day=1),
                }
            )
        )
        figures = pack.env[
            "report.after_sales_quality.asq_kpi_pack_report_template"
        ]._asq_figures(pack)
        items = {item["name"]: item for item in figures["complaints"]}
        self.assertEqual(items[ours.name]["counted"], "Yes")
        self.assertEqual(items[misuse.name]["counted"], "No (Not Our Responsibility)")
        rows = {row["key"]: row for row in figures["summary_rows"]}
        self.assertGreaterEqual(rows["not_ours"]["current"], 1)
        self.assertEqual(
            rows["not_ours"]["label"], "Not Our Responsibility (Out of the Rate)"
        )
        # the loss table still lists every complaint by responsibility
        by_responsibility = {
            row["key"]: row["complaints"] for row in figures["loss_by_responsibility"]
        }
        self.assertGreaterEqual(by_responsibility.get("customer", 0), 1)

        # The dashboard's "Complaints This Month" counts what the rate counts.
        Complaint = self.env["asq.complaint"].with_user(self.users["asq_aftersales"])
        spec = (
            self.env["asq.dashboard"]
            .with_user(self.users["asq_aftersales"])
            ._tile_specs()["month_complaints"]
        )
        month = Complaint.search(spec["domain"])
        self.assertIn(ours, month)
        self.assertNotIn(misuse, month)

    def test_carrier_is_not_our_responsibility_a_supplier_is(self):
        """The carrier's damage leaves the rate; a supplier's defective part
        is still the company's responsibility towards its customer."""
        supplier = self._investigated("supplier")
        carrier = self._investigated("carrier")
        self.assertTrue(supplier.counts_as_complaint)
        self.assertFalse(carrier.counts_as_complaint)

    def test_company_setting_counts_them_all(self):
        """The company may keep every complaint in its rate (setting)."""
        misuse = self._investigated("customer")
        self.assertFalse(misuse.counts_as_complaint)
        self.assertTrue(self.company.asq_complaint_rate_own_only, "default on")
        settings = self.env["res.config.settings"].create({})
        settings.asq_complaint_rate_own_only = False
        settings.execute()
        self.env.flush_all()
        self.assertTrue(misuse.counts_as_complaint)
        [total] = (
            self.env["asq.complaint.report"]
            .with_user(self.users["asq_qm"])
            ._asq_rates(
                [("partner_id", "=", self.customer.id)],
                [],
                ["complaint_rate"],
                ["not_ours_ref"],
            )
        )
        self.assertEqual(total["complaint_ref"], 1)
        self.assertEqual(total["not_ours_ref"], 0)

    def test_counts_as_complaint_is_not_written_by_hand(self):
        misuse = self._investigated("customer")
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            self._as(misuse, "asq_qm").write({"counts_as_complaint": True})
        self.assertFalse(misuse.counts_as_complaint)

    # ------------------------------------------------------------------
    # 2. Who receives the statistics pack
    # ------------------------------------------------------------------
    def _pack(self, period_type, date_from):
        return (
            self.env["asq.kpi.pack"]
            .with_user(self.users["asq_mgmt_rep"])
            .create(
                {
                    "company_id": self.company.id,
                    "period_type": period_type,
                    "date_from": date_from,
                }
            )
        )

    def test_monthly_and_quarterly_packs_go_to_the_business_head(self):
        """001 §4.4 「匯總後交經營部負責人」, with the management representative."""
        rep = self.users["asq_mgmt_rep"].partner_id
        head = self.users["asq_business"].partner_id
        gm = self.users["asq_gm"].partner_id
        for period_type, date_from in (
            ("month", "2025-03-01"),
            ("quarter", "2025-01-01"),
        ):
            recipients = self._pack(period_type, date_from).recipient_ids
            self.assertIn(rep, recipients, period_type)
            self.assertIn(head, recipients, period_type)
            self.assertNotIn(gm, recipients, period_type)

    def test_yearly_pack_goes_to_top_management(self):
        """000 §4.7.4 「提交最高管理层」: the general managers."""
        pack = self._pack("year", "2024-01-01")
        recipients = pack.recipient_ids
        self.assertIn(self.users["asq_mgmt_rep"].partner_id, recipients)
        self.assertIn(self.users["asq_gm"].partner_id, recipients)
        self.assertNotIn(self.users["asq_business"].partner_id, recipients)
        pack.action_generate()
        pack.action_send()
        self.assertEqual(pack.state, "sent")
        mail = self.env["mail.mail"].search(
            [("model", "=", "asq.kpi.pack"), ("res_id", "=", pack.id)]
        )
        self.assertIn(self.users["asq_gm"].partner_id, mail.recipient_ids)
        self.assertEqual(pack.sent_to_ids, recipients)

    # ------------------------------------------------------------------
    # 3. The satisfaction survey: the after-sales section runs it, the
    #    management representative supervises
    # ------------------------------------------------------------------
    def _survey_customers(self):
        tag = self.env["res.partner.category"].create({"name": "Fidelity survey"})
        self.env["res.partner"].create(
            [
                {
                    "name": f"Fidelity survey {i}",
                    "is_company": True,
                    "customer_rank": 1,
                    "email": f"fidelity.survey.{i}@example.com",
                    "asq_customer_class": "a",
                    "category_id": [Command.set(tag.ids)],
                }
                for i in range(2)
            ]
        )
        return tag

    def test_after_sales_runs_the_survey_and_the_representative_reviews(self):
        tag = self._survey_customers()
        aftersales = self.users["asq_aftersales"]
        rep = self.users["asq_mgmt_rep"]
        # 000 §3.2 「营销中心……负责组织对顾客满意程度进行测量」
        campaign = (
            self.env["asq.survey.campaign"]
            .with_user(aftersales)
            .create(
                {
                    "name": "Fidelity yearly survey",
                    "survey_id": self.env.ref(f"{ASQ}asq_survey_satisfaction").id,
                    "seed": 7,
                    "partner_category_ids": [Command.set(tag.ids)],
                }
            )
        )
        campaign.action_draw_sample()
        self.assertEqual(campaign.state, "sampled")
        self.assertEqual(len(campaign.target_ids), 2)
        campaign.action_send_invitations()
        self.assertEqual(campaign.state, "running")
        campaign.action_send_reminders()
        campaign.action_close()
        self.assertEqual(campaign.state, "closed")
        self.assertEqual(campaign.closed_user_id, aftersales)

        # 003 §4.3.4.3-4: the report goes to the management representative,
        # who reviews it (a to-do), once.
        self.assertFalse(campaign.can_review)
        with self.assertRaisesRegex(AccessError, "Management Representative"):
            campaign.action_review()
        todo = campaign.sudo().activity_ids.filtered(lambda a: a.user_id == rep)
        self.assertEqual(todo.summary, "Review")
        by_rep = campaign.with_user(rep)
        self.assertTrue(by_rep.can_review)
        by_rep.action_review()
        self.assertEqual(campaign.reviewed_user_id, rep)
        self.assertTrue(campaign.reviewed_date)
        todos = campaign.sudo().activity_ids
        self.assertFalse(todos.filtered(lambda a: a.user_id == rep))
        self.assertFalse(by_rep.can_review)
        with self.assertRaisesRegex(UserError, "was reviewed already"):
            by_rep.action_review()

    def test_who_may_not_run_the_survey(self):
        tag = self._survey_customers()
        vals = {
            "name": "Not theirs",
            "survey_id": self.env.ref(f"{ASQ}asq_survey_satisfaction").id,
            "partner_category_ids": [Command.set(tag.ids)],
        }
        for login in ("asq_sales", "asq_warehouse", "asq_finance", "asq_employee"):
            with self.assertRaises(AccessError, msg=login):
                self.env["asq.survey.campaign"].with_user(self.users[login]).create(
                    vals
                )
        campaign = (
            self.env["asq.survey.campaign"]
            .with_user(self.users["asq_aftersales"])
            .create(vals)
        )
        # a step's stamps are the buttons' only
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            campaign.write({"reviewed_date": fields.Datetime.now()})
