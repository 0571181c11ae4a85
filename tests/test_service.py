from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from odoo.addons.after_sales_quality.tests.complaint_common import (
    FRIDAY,
    AsqComplaintCommon,
)

# A 1x1 PNG: the customer representative's signature.
SIGNATURE = (
    b"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGA"
    b"WjR9awAAAABJRU5ErkJggg=="
)
GROUP_MANAGER = "after_sales_quality.group_asq_manager"


class ServiceCommon(AsqComplaintCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.technician = cls.users["asq_sales"]
        cls.lot = cls.env["stock.lot"].search(
            [("name", "=", "CC-LOT-1"), ("product_id", "=", cls.product.id)]
        )
        cls.part_lot = cls.env["stock.lot"].create(
            {"name": "SV-PART-1", "product_id": cls.product_b.id}
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.product_b, cls.warehouse.lot_stock_id, 20.0, lot_id=cls.part_lot
        )

    def _create_visit(self, login="asq_aftersales", **vals):
        values = {
            "partner_id": self.customer.id,
            "product_id": self.product.id,
            "lot_id": self.lot.id,
            "request": "Meter shows E-3",
            "technician_ids": [Command.set(self.technician.ids)],
            **vals,
        }
        return self._create_as(self.users[login], "asq.service.visit", values)

    def _finish(self, visit, login="asq_inspector"):
        return self._fill_and_press(
            visit,
            self.users[login],
            {"work_done": "Replaced the sensor", "result": "Readings correct"},
            "action_done",
        )


@tagged("post_install", "-at_install", "asq_service")
class TestServiceVisit(ServiceCommon):
    def test_life_cycle_with_signature(self):
        visit = self._create_visit()
        self.assertEqual(visit.state, "planned")
        self.assertTrue(visit.name.startswith("SV/"))
        with self.assertRaisesRegex(
            UserError,
            f"^Record the work done and the result of {visit.name} first.$",
        ):
            self._as(visit, "asq_sales").action_done()

        technician = self._as(visit, "asq_sales")
        technician.action_start()
        self.assertEqual(visit.state, "in_progress")
        self.assertEqual(visit.started_user_id, self.technician)
        technician.write({"work_done": "Replaced the sensor", "result": "Fixed"})
        technician.action_done()
        self.assertEqual(visit.state, "done")
        self.assertEqual(visit.done_user_id, self.technician)
        self.assertTrue(visit.done_date)
        with self.assertRaisesRegex(
            UserError,
            f"^Work Done cannot be changed on {visit.name} in its current status.$",
        ):
            technician.work_done = "Something else"

        signer = self._as(visit, "asq_aftersales")
        with self.assertRaisesRegex(
            UserError,
            f"^{visit.name} cannot be signed yet. Missing: Customer Representative, "
            "Signature, Satisfaction.$",
        ):
            signer.action_sign()
        signer.write(
            {
                "signer_name": "Wang Wei",
                "signature": SIGNATURE,
                "satisfaction": "satisfied",
            }
        )
        signer.action_sign()
        self.assertEqual(visit.state, "signed")
        self.assertEqual(visit.signed_user_id, self.users["asq_aftersales"])
        self.assertTrue(visit.signed_date)

        with self.assertRaisesRegex(
            UserError,
            f"^{visit.name} is signed by the customer: it can no longer be changed.$",
        ):
            signer.signature = SIGNATURE[:-4]
        with self.assertRaisesRegex(
            UserError,
            f"^{visit.name} is signed by the customer: it can no longer be changed.$",
        ):
            signer.signer_name = "Somebody Else"
        with self.assertRaisesRegex(
            UserError,
            "^These fields are set by the workflow buttons and cannot be written "
            "directly: Signed On.$",
        ):
            signer.signed_date = fields.Datetime.now()
        with self.assertRaisesRegex(
            UserError, "Reload the page: someone may have done it already."
        ):
            signer.action_sign()
        self.assertEqual(visit.signer_name, "Wang Wei")

    def test_finished_without_start_is_started_with_its_record(self):
        """Mark Done on a planned visit: started and finished at once, each
        with its step record (the audit lists a stamp without one)."""
        visit = self._create_visit()
        technician = self._as(visit, "asq_sales")
        technician.write({"work_done": "Replaced the sensor", "result": "Fixed"})
        technician.action_done()
        self.assertEqual(visit.state, "done")
        self.assertEqual(visit.started_user_id, self.technician)
        records = (
            self.env["asq.step.record"]
            .sudo()
            .search([("res_model", "=", visit._name), ("res_id", "=", visit.id)])
            .sorted("id")
        )
        self.assertEqual(
            [(r.step, r.from_state, r.to_state, r.user_id) for r in records],
            [
                ("start", "planned", "in_progress", self.technician),
                ("done", "in_progress", "done", self.technician),
            ],
        )

    def test_not_satisfied_needs_comment_and_alerts_quality_manager(self):
        visit = self._finish(self._create_visit())
        visit.write(
            {
                "signer_name": "Wang Wei",
                "signature": SIGNATURE,
                "satisfaction": "not_satisfied",
            }
        )
        self._refused_until(
            visit,
            "action_sign",
            f"^{visit.name} cannot be signed yet. Missing: Customer's Comment.$",
            satisfaction_comment="Technician came two days late",
        )
        activity = visit.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(
            activity.summary,
            f"Customer not satisfied with service visit {visit.name}",
        )
        self.assertTrue(activity.user_id.has_group(GROUP_MANAGER))

    def test_roles(self):
        with self.assertRaises(AccessError):
            self._create_visit(login="asq_employee")
        with self.assertRaises(AccessError):
            self._create_visit(login="asq_finance")
        visit = self._create_visit(technician_ids=[])
        # Own documents: a sales user neither responsible nor technician.
        with self.assertRaises(AccessError):
            self._as(visit, "asq_sales").check_access("read")
        # After-sales section: not an inspector and not a technician.
        with self.assertRaisesRegex(
            AccessError,
            rf"^You are not allowed to do this step \(Start the visit\) on "
            f"{visit.name}: it needs a quality inspector or one of the visit's "
            "technicians.$",
        ):
            self._as(visit, "asq_aftersales").action_start()
        visit.technician_ids = self.technician
        self._as(visit, "asq_sales").action_start()
        self.assertEqual(visit.state, "in_progress")
        with self.assertRaises(AccessError):
            self._as(visit, "asq_employee").action_done()

    def test_cancel_needs_reason(self):
        visit = self._create_visit()
        wizard = Form(
            self.env["asq.service.visit.cancel"]
            .with_user(self.users["asq_aftersales"])
            .with_context(default_visit_ids=visit.ids)
        )
        wizard.reason = "Customer moved the machine"
        wizard.save().action_confirm()
        self._assert_cancelled(visit, "Customer moved the machine", "asq_aftersales")
        with self.assertRaisesRegex(UserError, "Give the reason"):
            self._create_visit().action_cancel()

    def test_parts_consumed_exactly_once(self):
        visit = self._create_visit()
        self._as(visit, "asq_sales").action_start()
        part = (
            self.env["asq.service.visit.part"]
            .with_user(self.technician)
            .create(
                {
                    "visit_id": visit.id,
                    "product_id": self.product_b.id,
                    "quantity": 3.0,
                }
            )
        )
        with self.assertRaisesRegex(
            UserError,
            f"^Give the lot/serial number of {self.product_b.display_name} before "
            "consuming it.$",
        ):
            self._as(visit, "asq_sales").action_consume_parts()
        part.lot_id = self.part_lot
        stock = self.warehouse.lot_stock_id
        Quant = self.env["stock.quant"]
        before = Quant._get_available_quantity(
            self.product_b, stock, lot_id=self.part_lot
        )
        self._as(visit, "asq_sales").action_consume_parts()
        move = part.move_id
        self.assertEqual(move.state, "done")
        self.assertEqual(move.quantity, 3.0)
        self.assertEqual(move.location_id, stock)
        self.assertEqual(move.location_dest_id.usage, "customer")
        self.assertEqual(move.move_line_ids.lot_id, self.part_lot)
        self.assertEqual(
            Quant._get_available_quantity(self.product_b, stock, lot_id=self.part_lot),
            before - 3.0,
        )
        with self.assertRaisesRegex(
            UserError,
            f"^The parts of {visit.name} are already consumed from stock. "
            "Reload the page.$",
        ):
            self._as(visit, "asq_sales").action_consume_parts()
        self.assertEqual(
            self.env["stock.move"].search_count([("origin", "=", visit.name)]), 1
        )
        with self.assertRaisesRegex(
            UserError,
            f"^{self.product_b.display_name} was already consumed from stock: the "
            "part line can no longer be changed.$",
        ):
            part.quantity = 5.0
        with self.assertRaisesRegex(UserError, "already consumed from stock"):
            part.unlink()

    def test_partner_smart_button_and_pdf(self):
        visit = self._finish(self._create_visit())
        visit.write(
            {
                "signer_name": "Wang Wei",
                "signature": SIGNATURE,
                "satisfaction": "satisfied",
            }
        )
        visit.action_sign()
        self._create_visit()
        partners = self.customer | self.customer_contact | self.remote_customer
        partners = partners.with_user(self.users["asq_aftersales"])
        self.assertEqual(partners.mapped("asq_service_visit_count"), [2, 2, 0])
        action = partners[0].action_asq_view_service_visits()
        self.assertEqual(
            self.env["asq.service.visit"].search_count(action["domain"]), 2
        )

        report = "after_sales_quality.asq_service_visit_report"
        html = self._html(report, visit)
        self.assertIn(self.technician.name, html)
        self.assertIn("Wang Wei", html)
        self.assertIn("data:image/png;base64", html)
        self._assert_pdf(report, visit)


@tagged("post_install", "-at_install", "asq_service")
class TestComplaintOnSiteVisit(ServiceCommon):
    def _onsite_complaint(self):
        complaint = self._create_complaint(received_date=FRIDAY, onsite_required=True)
        self.assertEqual(
            complaint.onsite_deadline,
            fields.Datetime.to_datetime("2025-03-10 10:00:00"),
        )
        self._walk(complaint, "investigating")
        action = self._as(complaint, "asq_sales").action_plan_onsite_visit()
        visit = self.env["asq.service.visit"].browse(action["res_id"])
        self.assertEqual(visit.complaint_id, complaint)
        self.assertEqual(visit.visit_type, "onsite")
        self.assertEqual(visit.lot_id, self.lot)
        self.assertEqual(visit.planned_date, complaint.onsite_deadline)
        return complaint, visit

    def _finished_at(self, when):
        """A complaint whose on-site visit is finished at ``when``: the
        complaint records it as its on-site date."""
        complaint, visit = self._onsite_complaint()
        with freeze_time(when):
            self._finish(visit)
        self.assertEqual(complaint.onsite_date, fields.Datetime.to_datetime(when))
        return complaint

    def test_visit_before_deadline_is_on_time(self):
        complaint = self._finished_at("2025-03-10 09:00:00")
        self.assertEqual(complaint.onsite_user_id, self.users["asq_inspector"])
        self.assertEqual(complaint.onsite_result, "Readings correct")
        self.assertTrue(complaint.onsite_on_time)
        with self.assertRaisesRegex(UserError, "needs no on-site verification visit"):
            self._as(complaint, "asq_sales").action_plan_onsite_visit()
        self._walk(complaint, "findings")
        self.assertTrue(complaint.investigated_date)

    def test_visit_after_deadline_is_late(self):
        complaint = self._finished_at("2025-03-10 11:00:00")
        self.assertFalse(complaint.onsite_on_time)

    def test_draft_complaint_refuses_the_visit_result(self):
        complaint = self._create_complaint(onsite_required=True)
        action = self._as(complaint, "asq_sales").action_plan_onsite_visit()
        visit = self.env["asq.service.visit"].browse(action["res_id"])
        with self.assertRaisesRegex(
            UserError,
            f"^The on-site verification of {complaint.name} cannot be recorded in "
            "its current status: register it first, or reload the page.$",
        ):
            self._finish(visit)
        visit.invalidate_recordset()
        self.assertEqual(visit.state, "planned")
        self.assertFalse(complaint.onsite_date)


@tagged("post_install", "-at_install", "asq_service", "security")
class TestServiceVisitSecurity(ServiceCommon):
    def test_other_company_visits_are_invisible(self):
        other = self.env["res.company"].create({"name": "ASQ Other Company"})
        partner = self.env["res.partner"].create(
            {"name": "Other Company Customer", "company_id": other.id}
        )
        visit = (
            self.env["asq.service.visit"]
            .with_company(other)
            .create({"partner_id": partner.id, "company_id": other.id})
        )
        Visit = self.env["asq.service.visit"].with_user(self.users["asq_qm"])
        self.assertFalse(Visit.search([("id", "=", visit.id)]))
        with self.assertRaises(AccessError):
            visit.with_user(self.users["asq_qm"]).check_access("read")

    def test_partner_counter_costs_the_same_for_1_and_5_customers(self):
        customers = self.env["res.partner"].create(
            [{"name": f"Counter Customer {i}"} for i in range(5)]
        )
        for customer in customers:
            self._create_visit(partner_id=customer.id)
        partners = customers.with_user(self.users["asq_aftersales"])

        def queries(records):
            records.invalidate_recordset(["asq_service_visit_count"])
            self.env.flush_all()
            before = self.env.cr.sql_log_count
            records.mapped("asq_service_visit_count")
            return self.env.cr.sql_log_count - before

        queries(partners)  # warm the access and group caches
        self.assertEqual(queries(partners[:1]), queries(partners))
        self.assertEqual(queries(partners), 1)
        self.assertEqual(partners.mapped("asq_service_visit_count"), [1] * 5)
