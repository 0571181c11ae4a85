from freezegun import freeze_time

from odoo import fields
from odoo.tests import new_test_user, tagged

from odoo.addons.after_sales_quality.tests.complaint_common import (
    FRIDAY,
    AsqComplaintCommon,
)

CLOCK_BASES = (
    "asq_complaint_disposition_basis",
    "asq_complaint_onsite_local_basis",
    "asq_complaint_onsite_remote_basis",
    "asq_complaint_answer_basis",
)


def dt(value):
    return fields.Datetime.to_datetime(value)


@tagged("post_install", "-at_install", "asq_fidelity")
class TestFidelityClocks(AsqComplaintCommon):
    """Procedure 001, 4.4: "本埠企業應在24小時內派質量檢查人員到進行實地核實,
    外埠企業應在七天內進行實地核實處理完畢。對于所有顧客的投訴,需在3天內作出
    處置意見" and procedure 004's 3-day answer of the quality department:
    elapsed time unless the company counts working time, clock by clock."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = new_test_user(
            cls.env,
            login="asq_clock_admin",
            groups="base.group_system,base.group_erp_manager,base.group_partner_manager",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )

    def _settings(self, **values):
        """The administrator saves the complaint clocks in Settings."""
        settings = self.env["res.config.settings"].with_user(self.admin).create(values)
        settings.execute()

    def test_clocks_count_elapsed_time_by_default(self):
        company = (
            self.env["res.company"].with_user(self.admin).create({"name": "New Co"})
        )
        self.assertEqual([company[fname] for fname in CLOCK_BASES], ["elapsed"] * 4)
        self._settings(**dict.fromkeys(CLOCK_BASES, "elapsed"))
        # Received Friday 10:00, the customer is local (本埠).
        local = self._create_complaint(received_date=FRIDAY, onsite_required=True)
        self.assertEqual(local.onsite_deadline, dt("2025-03-08 10:00:00"))
        self.assertEqual(local.onsite_clock, "24 h elapsed")
        self.assertEqual(local.disposition_deadline, dt("2025-03-10 10:00:00"))
        self.assertEqual(local.disposition_clock, "3 days elapsed")
        with freeze_time("2025-03-07 11:00:00"):
            self._walk(local, "investigating")
        self.assertEqual(local.answer_deadline, dt("2025-03-10 11:00:00"))
        self.assertEqual(local.answer_clock, "3 days elapsed")
        # An out-of-town customer (外埠): seven days.
        self.customer.asq_locality = "remote"
        remote = self._create_complaint(received_date=FRIDAY, onsite_required=True)
        self.assertEqual(remote.onsite_deadline, dt("2025-03-14 10:00:00"))
        self.assertEqual(remote.onsite_clock, "7 days elapsed")

    def test_company_counts_a_clock_in_working_time(self):
        self._settings(
            asq_complaint_onsite_local_basis="working",
            asq_complaint_disposition_basis="working",
            asq_complaint_onsite_remote_basis="elapsed",
            asq_complaint_answer_basis="elapsed",
        )
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": self.calendar.id,
                "date_from": dt("2025-03-10 00:00:00"),
                "date_to": dt("2025-03-10 23:59:59"),
            }
        )
        complaint = self._create_complaint(received_date=FRIDAY, onsite_required=True)
        # Monday is a public holiday: 24 h = one working day ends Tuesday.
        self.assertEqual(complaint.onsite_deadline, dt("2025-03-11 10:00:00"))
        self.assertEqual(complaint.onsite_clock, "1 working day")
        self.assertEqual(complaint.disposition_deadline, dt("2025-03-13 10:00:00"))
        self.assertEqual(complaint.disposition_clock, "3 working days")

    def test_onsite_clock_met_only_when_verification_done(self):
        self._settings(**dict.fromkeys(CLOCK_BASES, "elapsed"))
        complaint = self._create_complaint(received_date=FRIDAY, onsite_required=True)
        self._walk(complaint, "investigating")
        with freeze_time("2025-03-07 16:00:00"):
            action = self._as(complaint, "asq_inspector").action_plan_onsite_visit()
            visit = self.env["asq.service.visit"].browse(action["res_id"])
            self._as(visit, "asq_inspector").action_start()
        # Planned and started is not "實地核實處理完畢": the clock still runs.
        self.assertFalse(complaint.onsite_date)
        self.assertEqual(complaint.next_deadline, dt("2025-03-08 10:00:00"))
        with freeze_time("2025-03-08 11:00:00"):
            self.assertTrue(complaint.is_overdue)
            visit = self._as(visit, "asq_inspector")
            visit.write(
                {
                    "work_done": "Checked the meters at the customer's",
                    "result": "Sensor drift confirmed on site",
                }
            )
            visit.action_done()
        self.assertEqual(complaint.onsite_date, dt("2025-03-08 11:00:00"))
        self.assertFalse(complaint.onsite_on_time, "done an hour after 24 h")

    def test_locality_change_replans_open_onsite_deadline_in_chatter(self):
        self._settings(**dict.fromkeys(CLOCK_BASES, "elapsed"))
        verified = self._create_complaint(received_date=FRIDAY, onsite_required=True)
        self._walk(verified, "investigating")
        with freeze_time("2025-03-07 15:00:00"):
            inspector = self._as(verified, "asq_inspector")
            inspector.onsite_result = "Verified at the customer's"
            inspector.action_onsite_verified()
        self.assertTrue(verified.onsite_on_time)
        open_one = self._create_complaint(received_date=FRIDAY, onsite_required=True)
        self._walk(open_one, "review")
        self.env.flush_all()
        self.env.cr.precommit.run()
        before = open_one.sudo().message_ids
        # The after-sales section, keeper of the customer archive, learns the
        # customer is out of town (外埠).
        archive = self.customer.with_user(self.users["asq_aftersales"]).with_context(
            tracking_disable=False, mail_notrack=False
        )
        archive.asq_locality = "remote"
        archive.env.flush_all()
        self.env.cr.precommit.run()
        open_one.invalidate_recordset()
        self.assertEqual(open_one.onsite_deadline, dt("2025-03-14 10:00:00"))
        self.assertEqual(open_one.onsite_clock, "7 days elapsed")
        logged = open_one.sudo().message_ids - before
        tracked = logged.sudo().tracking_value_ids
        self.assertEqual(
            set(tracked.field_id.mapped("name")), {"onsite_locality", "onsite_deadline"}
        )
        locality = tracked.filtered(lambda t: t.field_id.name == "onsite_locality")
        self.assertEqual(
            (locality.old_value_char, locality.new_value_char), ("Local", "Remote")
        )
        # Verified already: the deadline it was held to stays.
        self.assertEqual(verified.onsite_deadline, dt("2025-03-08 10:00:00"))
        self.assertTrue(verified.onsite_on_time)
