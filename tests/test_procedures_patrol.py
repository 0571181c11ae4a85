from datetime import date, datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.after_sales_quality.models.asq_workflow_mixin import AsqStateError
from odoo.addons.after_sales_quality.tests.common import AsqCommon

PATROL = "asq.equipment.patrol"
MAINTENANCE = "asq.vendor.maintenance"
STAMPED = "stamped by the buttons of the call-out"
REPORT = "after_sales_quality.asq_equipment_patrol_report"
SCORE_REPORT = "after_sales_quality.asq_vendor_score_report"


@tagged("post_install", "-at_install", "asq_procedures")
class TestEquipmentPatrol(AsqCommon):
    """001 (property management): 「設備工每日巡視設備,填寫各設備巡視記錄。
    發現問題及時通知分包方維保人員」, and the month's call-outs on the vendor's
    scorecard (《合格維保單位考核評分表》)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.worker = cls.users["asq_aftersales"]
        cls.inspector = cls.users["asq_inspector"]
        cls.company.asq_vendor_response_hours = 4.0
        cls.vendor_a = cls.env["res.partner"].create(
            {"name": "Otis Lift Service", "is_company": True}
        )
        cls.vendor_b = cls.env["res.partner"].create(
            {"name": "Carrier HVAC Service", "is_company": True}
        )
        Equipment = cls.env["maintenance.equipment"]
        cls.lift = Equipment.create(
            {
                "name": "Lift No. 1",
                "partner_id": cls.vendor_a.id,
                "asq_daily_patrol": True,
                "asq_patrol_items": "Doors close\nNo abnormal noise\nAlarm button",
            }
        )
        cls.lift2 = Equipment.create(
            {"name": "Lift No. 2", "partner_id": cls.vendor_a.id}
        )
        cls.chiller = Equipment.create(
            {
                "name": "Chiller",
                "partner_id": cls.vendor_b.id,
                "asq_daily_patrol": True,
                "asq_patrol_items": "Outlet temperature",
            }
        )

    def _patrol(self, equipment, day, problem=None):
        """The worker's patrol of ``equipment`` on ``day``, recorded; with
        ``problem``, its first item has the problem."""
        patrol = (
            self.env[PATROL]
            .with_user(self.worker)
            .create({"equipment_id": equipment.id, "date": day})
        )
        if not patrol.line_ids:
            patrol.line_ids = [Command.create({"name": "General state"})]
        if problem:
            patrol.line_ids[0].result = "problem"
            patrol.problem = problem
        patrol.action_record()
        return patrol

    def _callout(self, equipment, called_at, arrived_at=None):
        """A patrol on ``called_at``'s day finding a problem, the vendor called
        at ``called_at`` and arriving at ``arrived_at``: the call-out."""
        with freeze_time(called_at):
            patrol = self._patrol(equipment, called_at.date(), problem="Stuck")
            patrol.action_call_vendor()
        callout = patrol.maintenance_id.with_user(self.worker)
        if arrived_at:
            with freeze_time(arrived_at):
                callout.action_arrive()
        return callout

    def test_patrol_problem_callout_arrival_response_time(self):
        with freeze_time("2026-11-10 08:30:00"):
            patrol = (
                self.env[PATROL]
                .with_user(self.worker)
                .create({"equipment_id": self.lift.id, "date": date(2026, 11, 10)})
            )
            # The equipment's items are the record's lines.
            self.assertEqual(
                patrol.line_ids.mapped("name"),
                ["Doors close", "No abnormal noise", "Alarm button"],
            )
            self.assertEqual((patrol.vendor_id, patrol.result), (self.vendor_a, "ok"))
            patrol.line_ids[1].write({"result": "problem", "note": "Grinding"})
            self.assertEqual(patrol.result, "problem")
            with self.assertRaisesRegex(UserError, "describe it in Problem Found"):
                patrol.action_record()
            patrol.problem = "Grinding noise from the traction machine"
            patrol.action_record()
        self.assertEqual(
            (patrol.state, patrol.patrolled_user_id, patrol.patrolled_date),
            ("done", self.worker, datetime(2026, 11, 10, 8, 30)),
        )
        # The worker's to-do: call the vendor.
        self.assertIn(self.worker, patrol.activity_ids.filtered("active").user_id)
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            patrol.line_ids[0].result = "problem"
        with self.assertRaisesRegex(UserError, "is closed"):
            patrol.problem = "Something else"
        with freeze_time("2026-11-10 09:00:00"):
            patrol.action_call_vendor()
        callout = patrol.maintenance_id.with_user(self.worker)
        self.assertEqual(patrol.state, "called")
        self.assertEqual(
            (
                callout.state,
                callout.vendor_id,
                callout.equipment_id,
                callout.called_user_id,
                callout.called_date,
                callout.response_limit,
            ),
            (
                "called",
                self.vendor_a,
                self.lift,
                self.worker,
                datetime(2026, 11, 10, 9, 0),
                4.0,
            ),
        )
        # Called 09:00, arrived 11:15: 2 h 15 min = 2.25 clock hours, on time.
        with freeze_time("2026-11-10 11:15:00"):
            callout.action_arrive()
        self.assertEqual(callout.state, "arrived")
        self.assertEqual(callout.arrived_date, datetime(2026, 11, 10, 11, 15))
        self.assertAlmostEqual(callout.response_hours, 2.25)
        self.assertFalse(callout.response_late)
        with self.assertRaises(AsqStateError):
            callout.action_arrive()
        with self.assertRaisesRegex(UserError, "Describe the work done"):
            callout.action_fix()
        callout.work = "Traction machine bearing replaced"
        with freeze_time("2026-11-10 14:00:00"):
            callout.action_fix()
        self.assertEqual(
            (callout.state, callout.fixed_date),
            ("draft", datetime(2026, 11, 10, 14, 0)),
        )
        # 「對于維修保養后的結果進行驗證」: quality verifies the repair.
        callout.with_user(self.inspector).action_verify()
        self.assertEqual(callout.state, "verified")

    def test_late_arrival_and_no_problem_no_callout(self):
        callout = self._callout(
            self.chiller, datetime(2026, 11, 3, 22, 0), datetime(2026, 11, 4, 3, 30)
        )
        # Clock hours across midnight: 22:00 → 03:30 = 5.5 h > 4 h.
        self.assertAlmostEqual(callout.response_hours, 5.5)
        self.assertTrue(callout.response_late)
        ok = self._patrol(self.lift, date(2026, 11, 3))
        with self.assertRaisesRegex(UserError, "found no problem"):
            ok.action_call_vendor()
        self.assertFalse(ok.maintenance_id)
        # Nothing waits on a patrol that found nothing.
        self.assertFalse(ok.activity_ids)

    def test_one_patrol_per_equipment_per_day(self):
        self._patrol(self.lift, date(2026, 11, 5))
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaisesRegex(Exception, "equipment_day_uniq"),
            self.env.cr.savepoint(),
        ):
            self.env[PATROL].with_user(self.worker).create(
                {"equipment_id": self.lift.id, "date": date(2026, 11, 5)}
            )
        # Another day, another equipment: fine.
        self._patrol(self.lift, date(2026, 11, 6))
        self._patrol(self.lift2, date(2026, 11, 5))

    def test_daily_round_opens_missing_patrols_with_todos(self):
        with freeze_time("2026-11-12 06:00:00"):
            self._patrol(self.lift, date(2026, 11, 12))
            opened = self.env[PATROL].with_context(tz="UTC")._cron_daily_round()
            # The lift is done, lift 2 is not patrolled daily: the chiller.
            self.assertEqual(opened.equipment_id, self.chiller)
            self.assertEqual(opened.line_ids.mapped("name"), ["Outlet temperature"])
            todos = opened.activity_ids
            self.assertIn(self.worker, todos.user_id)
            self.assertFalse(
                self.env[PATROL].with_context(tz="UTC")._cron_daily_round()
            )

    def test_stamps_cannot_be_forged(self):
        patrol = (
            self.env[PATROL]
            .with_user(self.worker)
            .create(
                {
                    "equipment_id": self.lift.id,
                    "date": date(2026, 11, 7),
                }
            )
        )
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            patrol.write({"patrolled_date": "2026-11-01 08:00:00"})
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            patrol.write({"maintenance_id": False})
        with self.assertRaisesRegex(UserError, "Use the workflow buttons"):
            patrol.write({"state": "done"})
        # A call-out cannot be made up nor its times moved.
        with self.assertRaisesRegex(UserError, STAMPED):
            self.env[MAINTENANCE].with_user(self.worker).create(
                {
                    "vendor_id": self.vendor_a.id,
                    "equipment": "Lift No. 1",
                    "work": "x",
                    "called_date": "2026-11-07 08:00:00",
                }
            )
        callout = self._callout(
            self.lift, datetime(2026, 11, 8, 9, 0), datetime(2026, 11, 8, 10, 0)
        )
        for field in ("arrived_date", "called_date", "response_limit"):
            with self.assertRaisesRegex(UserError, STAMPED):
                callout.write({field: "2026-11-08 09:30:00"})
        # A context key unlocks nothing.
        with self.assertRaisesRegex(UserError, STAMPED):
            callout.with_context(asq_vendor_workflow=True).write(
                {"arrived_date": "2026-11-08 09:30:00"}
            )
        self.assertAlmostEqual(callout.response_hours, 1.0)
        with self.assertRaisesRegex(AccessError, "not allowed to delete"):
            callout.patrol_ids.unlink()
        # Not even the quality manager deletes a recorded patrol.
        with self.assertRaisesRegex(UserError, "recorded patrol cannot be deleted"):
            callout.patrol_ids.with_user(self.users["asq_qm"]).unlink()

    def test_roles_refused(self):
        employee = self.users["asq_employee"]
        with self.assertRaises(AccessError):
            self.env[PATROL].with_user(employee).create(
                {"equipment_id": self.lift.id, "date": date(2026, 11, 9)}
            )
        sales = self.users["asq_sales"]
        with self.assertRaises(AccessError):
            self.env[PATROL].with_user(sales).search([])
        callout = self._callout(
            self.lift, datetime(2026, 11, 9, 9, 0), datetime(2026, 11, 9, 9, 30)
        )
        callout.work = "Reset"
        callout.action_fix()
        # Verification is the quality inspector's.
        with self.assertRaisesRegex(AccessError, "needs the role"):
            callout.action_verify()
        with self.assertRaisesRegex(AccessError, "needs the role"):
            callout.with_user(self.users["asq_warehouse"]).action_arrive()

    def test_scorecard_counts_the_months_callouts(self):
        # Limit 4 h. Vendor A (lifts), November 2026:
        #   1.0 h, 2.5 h, 6.0 h (late), one not arrived yet → 4 call-outs,
        #   average (1 + 2.5 + 6) / 3 = 3.1667 h, 1 late, 1 waiting.
        # Vendor B (chiller): 0.5 h and 4.5 h (late) → 2, average 2.5, 1 late.
        # October's call-out of vendor A does not count in November.
        at = datetime
        self._callout(self.lift, at(2026, 11, 2, 9), at(2026, 11, 2, 10))
        self._callout(self.lift2, at(2026, 11, 2, 13), at(2026, 11, 2, 15, 30))
        self._callout(self.lift, at(2026, 11, 16, 8), at(2026, 11, 16, 14))
        self._callout(self.lift, at(2026, 11, 25, 8))
        self._callout(self.chiller, at(2026, 11, 5, 10), at(2026, 11, 5, 10, 30))
        self._callout(self.chiller, at(2026, 11, 20, 9), at(2026, 11, 20, 13, 30))
        self._callout(self.lift, at(2026, 10, 30, 9), at(2026, 10, 30, 20))
        Score = self.env["asq.vendor.score"].with_user(self.inspector)
        score_a, score_b, score_a_oct = Score.with_context(tz="UTC").create(
            [
                {"vendor_id": self.vendor_a.id, "month": "2026-11-15"},
                {"vendor_id": self.vendor_b.id, "month": "2026-11-01"},
                {"vendor_id": self.vendor_a.id, "month": "2026-10-01"},
            ]
        )
        self.assertEqual(
            (
                score_a.callout_count,
                score_a.response_late_count,
                score_a.callout_waiting_count,
            ),
            (4, 1, 1),
        )
        self.assertAlmostEqual(score_a.response_avg_hours, 9.5 / 3, places=2)
        self.assertEqual(
            (
                score_b.callout_count,
                score_b.response_late_count,
                score_b.callout_waiting_count,
            ),
            (2, 1, 0),
        )
        self.assertAlmostEqual(score_b.response_avg_hours, 2.5)
        self.assertEqual(
            (score_a_oct.callout_count, score_a_oct.response_late_count), (1, 1)
        )
        self.assertAlmostEqual(score_a_oct.response_avg_hours, 11.0)
        # One aggregate for all the scorecards: the same queries (the cards'
        # fields, the user's time zone, the aggregate) for three as for one.
        score_a.invalidate_recordset()
        with self.assertQueryCount(__system__=4):
            score_a.with_user(self.env.ref("base.user_root")).mapped(
                "response_avg_hours"
            )
        (score_a | score_b | score_a_oct).invalidate_recordset()
        with self.assertQueryCount(__system__=4):
            (score_a | score_b | score_a_oct).with_user(
                self.env.ref("base.user_root")
            ).mapped("response_avg_hours")
        html = self._html(SCORE_REPORT, score_a)
        self.assertIn("Average Response (hours)", html)
        self.assertIn("3.17", html)

    def test_printout(self):
        callout = self._callout(
            self.lift, datetime(2026, 11, 11, 9), datetime(2026, 11, 11, 10, 30)
        )
        patrol = callout.patrol_ids
        html = self._html(REPORT, patrol)
        for text in (
            "Equipment Patrol Record",
            "Lift No. 1",
            "Doors close",
            "Stuck",
            "Otis Lift Service",
            "1.50",
            self.worker.name,
        ):
            self.assertIn(text, html)
        self._assert_pdf(REPORT, patrol)

    def test_other_company_sees_no_patrol_nor_callout(self):
        callout = self._callout(
            self.lift, datetime(2026, 11, 13, 9), datetime(2026, 11, 13, 9, 45)
        )
        other = self.env["res.company"].create({"name": "Patrol Other Company"})
        outsider = new_test_user(
            self.env,
            login="patrol_outsider",
            groups="after_sales_quality.group_asq_manager",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        for record in (callout.patrol_ids, callout):
            self.assertFalse(
                self.env[record._name]
                .with_user(outsider)
                .search([("id", "=", record.id)])
            )
            with self.assertRaises(AccessError):
                record.with_user(outsider).read(["state"])
        with self.assertRaises(AccessError):
            callout.patrol_ids.line_ids.with_user(outsider).read(["name"])

    def test_chinese_labels(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["after_sales_quality"], ["zh_CN"], overwrite=True
        )
        self.assertEqual(
            self.env["ir.model"].with_context(lang="zh_CN")._get(PATROL).name,
            "设备巡视记录",
        )
        info = (
            self.env[MAINTENANCE]
            .with_context(lang="zh_CN")
            .fields_get(["called_date"], ["string"])
        )
        self.assertEqual(info["called_date"]["string"], "通知时间")
