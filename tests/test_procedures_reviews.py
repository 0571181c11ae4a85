from datetime import date, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.after_sales_quality.models.asq_workflow_mixin import AsqStateError
from odoo.addons.after_sales_quality.tests.complaint_common import AsqComplaintCommon

REVIEW = "asq.complaint.review"
QUALITY_REPORT = "asq.quality.report"
PACK_REPORT = "report.after_sales_quality.asq_kpi_pack_report_template"
MARCH = date(2025, 3, 1)


def dt(value):
    return fields.Datetime.to_datetime(value)


class ReviewsCommon(AsqComplaintCommon):
    """The quality department's periodic reviews: the monthly re-analysis of
    the previous month's complaints (003 §3.2.3) and the annual product
    quality report before the management review (000 §4.6.11)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.asq_review_working_days = 5
        cls.inspector = cls.users["asq_inspector"]
        cls.qm = cls.users["asq_qm"]
        cls.sales = cls.users["asq_sales"]
        cls.mgmt_rep = cls.users["asq_mgmt_rep"]
        cls.gm = cls.users["asq_gm"]

    def _march_complaints(self):
        """Two complaints registered in March 2025 (one closed, one open),
        and around them what the review leaves out: a draft of March, one of
        February, one of April."""
        closed = self._create_complaint(received_date=dt("2025-03-05 09:00:00"))
        self._walk(closed, "closed")
        still_open = self._create_complaint(received_date=dt("2025-03-31 23:30:00"))
        still_open.action_submit()
        self._create_complaint(received_date=dt("2025-03-12 09:00:00"))
        february = self._create_complaint(received_date=dt("2025-02-28 23:00:00"))
        february.action_submit()
        april = self._create_complaint(received_date=dt("2025-04-01 00:30:00"))
        april.action_submit()
        self.assertEqual(closed.state, "closed")
        return closed, still_open, february | april

    def _review_by_cron(self):
        Review = self.env[REVIEW]
        with freeze_time("2025-04-01 02:00:00"):
            Review._cron_create_monthly()
        return Review.search(
            [("company_id", "=", self.company.id), ("date_from", "=", MARCH)]
        )

    def _fill(self, review, closed, still_open):
        """The quality department's re-analysis of both lines."""
        lines = review.with_user(self.inspector).line_ids
        by_complaint = {line.complaint_id: line for line in lines}
        by_complaint[closed].write(
            {
                "reanalysis": "Calibration drift confirmed; exchange effective",
                "confirmed_date": "2025-04-02",
                "confirmed_by": "Ms. Wang (purchasing)",
                "confirmed_channel": "phone",
            }
        )
        by_complaint[still_open].write(
            {
                "reanalysis": "Same sensor batch as the closed one",
                "action_plan": "Re-test the remaining stock of the batch",
                "action_owner_id": self.inspector.id,
                "action_due_date": "2025-04-15",
            }
        )


@tagged("post_install", "-at_install", "asq_procedures")
class TestMonthlyReview(ReviewsCommon):
    def test_cron_creates_the_month_review_once_with_its_complaints(self):
        closed, still_open, others = self._march_complaints()
        review = self._review_by_cron()
        self.assertEqual(len(review), 1)
        self.assertEqual(review.line_ids.complaint_id, closed | still_open)
        self.assertFalse(review.line_ids.complaint_id & others)
        self.assertEqual(
            {line.complaint_id: line.complaint_state for line in review.line_ids},
            {closed: "closed", still_open: "review"},
        )
        # due the 5th working day of April (Tue 1 ... Mon 7)
        self.assertEqual(review.deadline, date(2025, 4, 7))
        self.assertRegex(review.name, r"^MR/\d{4}/\d{4}$")
        # the quality department's to-do, due on the deadline
        todo = review.activity_ids.filtered(lambda a: a.user_id == self.inspector)
        self.assertEqual(todo.date_deadline, date(2025, 4, 7))
        # a second run (the job again, the same month) creates nothing
        with freeze_time("2025-04-20 02:00:00"):
            again = self.env[REVIEW]._cron_create_monthly()
        self.assertFalse(again.filtered(lambda r: r.company_id == self.company))
        self.assertEqual(
            self.env[REVIEW].search_count(
                [("company_id", "=", self.company.id), ("date_from", "=", MARCH)]
            ),
            1,
        )
        # nobody adds a complaint of another month by hand
        with self.assertRaisesRegex(UserError, "set when it is created"):
            review.with_user(self.qm).write(
                {"line_ids": [fields.Command.create({"complaint_id": others[0].id})]}
            )

    def test_prepare_and_approve_roles_and_forged_calls(self):
        closed, still_open, _others = self._march_complaints()
        review = self._review_by_cron()
        # the re-analysis is the quality department's
        line = review.line_ids[0].with_user(self.sales)
        with self.assertRaisesRegex(AccessError, "Quality Inspector"):
            line.write({"reanalysis": "Sales opinion"})
        with self.assertRaisesRegex(AccessError, "Quality Inspector"):
            review.with_user(self.sales).action_prepare()
        # a line's status is the complaint's, not typed in
        with self.assertRaisesRegex(UserError, "Complaint Status"):
            review.line_ids[0].with_user(self.inspector).write(
                {"complaint_state": "closed"}
            )
        # a stamp is the step's, whatever the caller sends
        with self.assertRaisesRegex(UserError, "Approved By"):
            review.with_user(self.qm).write({"approved_user_id": self.qm.id})
        with self.assertRaisesRegex(UserError, "set by the workflow buttons"):
            review.with_user(self.qm).write({"state": "approved"})
        # submitting waits for every line
        with self.assertRaisesRegex(
            UserError,
            rf"{review.name} cannot be submitted yet\. Missing: {closed.name}: "
            r"Re-Analysis, Closure Confirmed On, Confirmed By \(Customer\), "
            rf"Confirmed Through; {still_open.name}: Re-Analysis, Action Plan, "
            "Action Owner, Action Due",
        ):
            review.with_user(self.inspector).action_prepare()
        self._fill(review, closed, still_open)
        # the quality manager approves, not the inspector, and not before
        with self.assertRaisesRegex(AsqStateError, "not possible"):
            review.with_user(self.qm).action_approve()
        review.with_user(self.inspector).action_prepare()
        self.assertEqual(
            (review.state, review.prepared_user_id), ("prepared", self.inspector)
        )
        # it now waits for the quality manager (the dashboard's filter)
        self.assertEqual(
            self.env[REVIEW]
            .with_user(self.qm)
            .search([("waiting_for_me", "=", True), ("id", "=", review.id)]),
            review,
        )
        with self.assertRaisesRegex(AccessError, "Quality Manager"):
            review.with_user(self.inspector).action_approve()
        # the lines no longer change once submitted
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            review.line_ids[0].with_user(self.inspector).write({"reanalysis": "x"})
        review.with_user(self.qm).action_approve()
        self.assertEqual((review.state, review.approved_user_id), ("approved", self.qm))
        self.assertTrue(review.approved_date)
        with self.assertRaisesRegex(AsqStateError, "not possible"):
            review.with_user(self.qm).action_approve()
        html = self._html("after_sales_quality.asq_complaint_review_report", review)
        self.assertIn("Ms. Wang (purchasing)", html)
        self.assertIn("Re-test the remaining stock of the batch", html)

    def test_overdue_review_reminds_the_quality_managers_once(self):
        self._march_complaints()
        review = self._review_by_cron()
        with freeze_time("2025-04-08 09:00:00"):
            self.assertTrue(review.is_overdue)
            reminded = self.env[REVIEW]._cron_remind()
            self.assertIn(review, reminded)
            self.assertFalse(self.env[REVIEW]._cron_remind() & review)
        todo = review.activity_ids.filtered(
            lambda a: a.user_id == self.qm and "overdue" in (a.summary or "")
        )
        self.assertEqual(len(todo), 1)

    def test_monthly_pack_shows_the_review_counts(self):
        closed, still_open, _others = self._march_complaints()
        review = self._review_by_cron()
        self._fill(review, closed, still_open)
        pack = self.env["asq.kpi.pack"]._asq_get_or_create(self.company, "month", MARCH)
        figures = self.env[PACK_REPORT]._asq_figures(pack)
        self.assertEqual(
            [(row["label"], row["count"]) for row in figures["review"]["rows"]],
            [
                ("Complaints of the Month", 2),
                ("Complaints Re-Analysed", 2),
                ("Still Open", 1),
                ("Open with an Action Plan", 1),
                ("Closures Confirmed by the Customer", 1),
            ],
        )
        self.assertEqual(figures["review"]["name"], review.name)
        html = self._html("after_sales_quality.asq_kpi_pack_report", pack)
        self.assertIn("Monthly Re-Analysis of the Complaints", html)
        self.assertIn("Closures Confirmed by the Customer", html)
        # a quarterly pack has no monthly review section
        quarter = self.env["asq.kpi.pack"]._asq_get_or_create(
            self.company, "quarter", date(2025, 1, 1)
        )
        self.assertIsNone(self.env[PACK_REPORT]._asq_figures(quarter)["review"])


@tagged("post_install", "-at_install", "asq_procedures")
class TestQualityReport(ReviewsCommon):
    def _report(self, review_date, **vals):
        self.attendees = self.env["res.partner"].create(
            [
                {"name": "Review Attendee A", "email": "a@example.com"},
                {"name": "Review Attendee B", "email": "b@example.com"},
            ]
        )
        return (
            self.env[QUALITY_REPORT]
            .with_user(self.inspector)
            .create(
                {
                    "year": 2025,
                    "review_date": review_date,
                    "attendee_ids": [fields.Command.set(self.attendees.ids)],
                    **vals,
                }
            )
        )

    def test_annual_report_figures_approval_and_mail(self):
        today = fields.Date.context_today(self.env["res.users"])
        report = self._report(today + timedelta(days=10))
        self.assertRegex(report.name, r"^PQR/\d{4}/\d{4}$")
        before = report._asq_figures()["summary"]
        self._march_complaints()
        # the year's figures, by hand: the four complaints registered in
        # 2025 (the draft does not count) on top of what the year had
        figures = report._asq_figures()
        summary = figures["summary"]
        self.assertEqual(summary["received"], before["received"] + 4)
        self.assertEqual(summary["deliveries"], before["deliveries"])
        self.assertEqual(summary["closed"], before["closed"] + 1)
        self.assertEqual(
            (figures["period"]["date_from"], figures["period"]["date_to"]),
            ("2025-01-01", "2025-12-31"),
        )
        # the yearly pack's computation, not another one
        pack = self.env["asq.kpi.pack"]._asq_get_or_create(
            self.company, "year", date(2025, 1, 1)
        )
        self.assertEqual(self.env[PACK_REPORT]._asq_figures(pack)["summary"], summary)
        # written by the quality department
        with self.assertRaisesRegex(
            UserError, f"{report.name} cannot be submitted yet. Missing: Analysis, "
        ):
            report.action_submit()
        with self.assertRaisesRegex(AccessError, "Quality Inspector"):
            report.with_user(self.sales).write({"conclusions": "<p>x</p>"})
        report.write(
            {
                "quality_analysis": "<p>Sensor drift caused half of the "
                "complaints.</p>",
                "conclusions": "<p>Calibration control to be tightened.</p>",
            }
        )
        report.action_submit()
        self.assertEqual(
            (report.state, report.submitted_user_id, report.complaint_count),
            ("submitted", self.inspector, summary["received"]),
        )
        # approved by the management representative or the general manager
        with self.assertRaisesRegex(
            AccessError, "Management Representative / General Manager"
        ):
            report.with_user(self.qm).action_approve()
        with self.assertRaisesRegex(UserError, "Approved By"):
            report.with_user(self.mgmt_rep).write({"approved_user_id": self.gm.id})
        report.with_user(self.mgmt_rep).action_approve()
        self.assertEqual(report.approved_user_id, self.mgmt_rep)
        # the PDF: the figures and the text
        html = self._html("after_sales_quality.asq_quality_report_report", report)
        self.assertIn("Sensor drift caused half of the complaints.", html)
        self.assertIn("Complaint Rate by Month", html)
        self.assertIn("Complaints Received", html)
        # sent to the attendees with the PDF, logged
        with self.assertRaisesRegex(AccessError, "Quality Manager"):
            report.with_user(self.sales).action_send()
        report.with_user(self.qm).action_send()
        self.assertEqual(report.state, "sent")
        self.assertEqual(report.sent_to_ids, self.attendees)
        mail = self.env["mail.mail"].search(
            [
                ("model", "=", QUALITY_REPORT),
                ("res_id", "=", report.id),
                ("subject", "ilike", "product quality report 2025"),
            ]
        )
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "outgoing")
        self.assertEqual(mail.recipient_ids, self.attendees)
        self.assertEqual(mail.attachment_ids, report.pdf_attachment_id)
        self.assertTrue(report.pdf_attachment_id.name.endswith(".pdf"))
        self.assertTrue(
            report.message_ids.filtered(
                lambda m: "Review Attendee A" in (m.body or "")
                and report.pdf_attachment_id in m.attachment_ids
            )
        )
        # a record once sent
        with self.assertRaisesRegex(UserError, "is closed"):
            report.with_user(self.qm).write({"review_date": today})

    def test_refused_after_the_management_review(self):
        today = fields.Date.context_today(self.env["res.users"])
        review_date = today + timedelta(days=3)
        report = self._report(
            review_date,
            quality_analysis="<p>Analysis</p>",
            conclusions="<p>Conclusions</p>",
        )
        # the management review in the calendar, with the attendees
        report.action_schedule_meeting()
        self.assertEqual(report.meeting_id.start_date, review_date)
        self.assertEqual(
            report.meeting_id.partner_ids,
            self.attendees | self.inspector.partner_id,
        )
        self.assertEqual(report.attendee_ids, report.meeting_id.partner_ids)
        with self.assertRaisesRegex(UserError, "already has its management review"):
            report.action_schedule_meeting()
        with freeze_time(fields.Date.to_string(review_date + timedelta(days=1))):
            with self.assertRaisesRegex(UserError, "met on"):
                report.action_submit()
        report.action_submit()
        report.with_user(self.gm).action_approve()
        self.assertEqual(report.approved_user_id, self.gm)
        with freeze_time(fields.Date.to_string(review_date + timedelta(days=1))):
            with self.assertRaisesRegex(UserError, "met on"):
                report.with_user(self.mgmt_rep).action_send()
            # the reminder: the review is past, the report not sent
            self.assertIn(report, self.env[QUALITY_REPORT]._cron_remind())
        self.assertEqual(report.state, "approved")
        self.assertTrue(report.reminded)
        # the next review's date set, it goes (and has its own reminder)
        report.with_user(self.mgmt_rep).write(
            {"review_date": review_date + timedelta(days=30)}
        )
        self.assertFalse(report.reminded)
        report.with_user(self.mgmt_rep).action_send()
        self.assertEqual(report.state, "sent")


@tagged("post_install", "-at_install", "asq_procedures")
class TestReviewsMultiCompany(ReviewsCommon):
    def test_each_company_sees_its_own_reviews(self):
        self._march_complaints()
        other = self.env["res.company"].create({"name": "ASQ Review Other Co"})
        outsider = new_test_user(
            self.env,
            login="asq_review_outsider",
            groups="after_sales_quality.group_asq_manager",
            company_id=other.id,
            company_ids=[fields.Command.set(other.ids)],
        )
        review = self._review_by_cron()
        # the other company got its own review of March, without our complaints
        theirs = self.env[REVIEW].search(
            [("company_id", "=", other.id), ("date_from", "=", MARCH)]
        )
        self.assertEqual(len(theirs), 1)
        self.assertFalse(theirs.line_ids)
        Review = self.env[REVIEW].with_user(outsider)
        self.assertEqual(Review.search([("date_from", "=", MARCH)]), theirs)
        with self.assertRaises(AccessError):
            review.with_user(outsider).read(["name"])
        report = (
            self.env[QUALITY_REPORT]
            .with_user(self.inspector)
            .create({"year": 2025, "review_date": "2099-01-10"})
        )
        Reports = self.env[QUALITY_REPORT].with_user(outsider)
        self.assertFalse(Reports.search([("id", "=", report.id)]))
