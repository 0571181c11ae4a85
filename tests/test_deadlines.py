from datetime import datetime, timedelta

from odoo.tests import tagged

from odoo.addons.after_sales_quality.tests.common import AsqCommon
from odoo.addons.after_sales_quality.tests.test_vendor import VendorCommon


@tagged("post_install", "-at_install", "asq_foundation")
class TestWorkingTime(AsqCommon):
    def test_batch_plans_like_one_by_one(self):
        calendar = self.company.resource_calendar_id
        self.assertTrue(calendar)
        # Friday 16:00, Tuesday 02:00, Saturday noon (UTC), various lengths.
        requests = [
            (datetime(2026, 11, 20, 8, 0), 3.0),
            (datetime(2026, 11, 17, 2, 0), 1.0),
            (datetime(2026, 11, 21, 12, 0), 7.0),
            (datetime(2026, 11, 17, 2, 0), 0.5),
        ]
        self.assertEqual(
            calendar._asq_plan_working_days_batch(requests),
            [calendar._asq_plan_working_days(start, days) for start, days in requests],
        )
        # A working day is a day of the calendar: Friday + 3 skips the weekend.
        self.assertGreater(
            calendar._asq_plan_working_days(*requests[0]),
            requests[0][0] + timedelta(days=4),
        )

    def test_company_without_calendar(self):
        """Calendar days; Monday to Friday for the next working day."""
        no_calendar = self.env["resource.calendar"]
        friday = datetime(2026, 11, 20, 8, 0)
        self.assertEqual(
            no_calendar._asq_plan_working_days(friday, 3), friday + timedelta(days=3)
        )
        self.assertEqual(
            no_calendar._asq_plan_working_days_batch([(friday, 3), (friday, 1)]),
            [friday + timedelta(days=3), friday + timedelta(days=1)],
        )
        self.assertEqual(
            no_calendar._asq_next_working_noon(friday, "UTC"),
            datetime(2026, 11, 23, 12, 0),
        )


@tagged("post_install", "-at_install", "asq_service")
class TestDeadlineMixin(VendorCommon):
    def test_hold_release_is_wall_clock(self):
        """24 hours, also over a weekend (procedure 001, 4.5)."""
        friday_evening = datetime(2026, 11, 20, 22, 0)
        hold = self.env["asq.hold"].new(
            {"verified_date": friday_evening, "verification_result": "conforming"}
        )
        self.assertEqual(hold.release_deadline, friday_evening + timedelta(hours=24))
        hold.verification_result = "nonconforming"
        self.assertFalse(hold.release_deadline)

    def test_overdue_search_on_a_date_deadline(self):
        # A notice is overdue until its evidence is in (open or overdue).
        Notice = self.env["asq.vendor.rectification"]
        due = ("state", "in", ("open", "overdue"))
        self.assertEqual(
            Notice._search_is_overdue("=", True), [("deadline", "<", self.today), due]
        )
        self.assertEqual(
            Notice._search_is_overdue("!=", True),
            [
                "|",
                "|",
                ("deadline", "=", False),
                ("deadline", ">=", self.today),
                "!",
                due,
            ],
        )

    def test_escalation_runs_in_batches(self):
        late = self.env["asq.vendor.rectification"]
        for days in (3, 2, 1):
            late |= self._notice(self.vendor_a, self.today - timedelta(days=days))
        Notice = self.env["asq.vendor.rectification"]
        self.assertEqual(Notice._cron_escalate_overdue(batch_size=1, max_batches=2), 2)
        # Oldest deadline first.
        self.assertEqual(late.mapped("state"), ["overdue", "overdue", "open"])
        self.assertEqual(Notice._cron_escalate_overdue(), 1)
        self.assertEqual(set(late.mapped("state")), {"overdue"})
        self.assertEqual(Notice._cron_escalate_overdue(), 0)
