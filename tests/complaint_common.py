import base64

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import Form

from odoo.addons.after_sales_quality.tests.common import AsqCommon

# Friday 7 March 2025, 10:00 UTC: the working-time clocks start here.
FRIDAY = fields.Datetime.to_datetime("2025-03-07 10:00:00")
DELIVERED = fields.Datetime.to_datetime("2025-01-06 10:00:00")


def asq_send_composer(env, action, body=None):
    """Send the mail composer ``action`` opens (an action returned by a
    button) as ``env``'s user would, its body replaced by ``body`` when
    given; ``action`` anything else: nothing. Returns the composer."""
    if not (
        isinstance(action, dict) and action.get("res_model") == "mail.compose.message"
    ):
        return None
    composer = Form(env[action["res_model"]].with_context(**action["context"]))
    if body is not None:
        composer.body = body
    wizard = composer.save()
    wizard.action_send_mail()
    return wizard


def asq_send_reply(complaint, body=None):
    """Press "Send Reply" on ``complaint`` (as its environment's user) and
    send the composer it opens (:func:`asq_send_composer`)."""
    return asq_send_composer(complaint.env, complaint.action_reply(), body)


class AsqComplaintCommon(AsqCommon):
    """A UTC working calendar (Mon-Fri 8-12, 13-17), goods delivered to the
    test customer and helpers to register and walk complaints."""

    # When the fixture's goods reached the customer (None: now).
    delivery_date = DELIVERED

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Its own hours: a new calendar otherwise copies the company's (the
        # demo's is 8:30-17:30 in Shanghai).
        cls.calendar = cls.env["resource.calendar"].create(
            {
                "name": "ASQ Test Calendar",
                "tz": "UTC",
                "hours_per_day": 8.0,
                "attendance_ids": [Command.clear()]
                + [
                    Command.create(
                        {
                            "name": f"{day} {period}",
                            "dayofweek": day,
                            "hour_from": start,
                            "hour_to": end,
                            "day_period": period,
                        }
                    )
                    for day in "01234"
                    for start, end, period in (
                        (8.0, 12.0, "morning"),
                        (13.0, 17.0, "afternoon"),
                    )
                ],
            }
        )
        cls.company.write(
            {
                "resource_calendar_id": cls.calendar.id,
                "email": "quality@example.com",
                "asq_complaint_disposition_days": 3,
                "asq_complaint_onsite_local_hours": 24,
                "asq_complaint_onsite_remote_days": 7,
                "asq_complaint_answer_days": 3,
                # The clock tests count working time (the company default is
                # elapsed time: see test_fidelity_clocks).
                "asq_complaint_disposition_basis": "working",
                "asq_complaint_onsite_local_basis": "working",
                "asq_complaint_onsite_remote_basis": "working",
                "asq_complaint_answer_basis": "working",
                "asq_complaint_repeat_days": 180,
                "asq_warning_customer_count": 3,
                "asq_warning_window_days": 30,
            }
        )
        cls.customer.write({"email": "kangtai@example.com", "customer_rank": 1})
        cls.department = cls.env["hr.department"].create({"name": "Production"})
        cls.remote_customer = cls.env["res.partner"].create(
            {
                "name": "Remote Test Customer",
                "is_company": True,
                "email": "r@example.com",
            }
        )
        # Delivered before the complaints the tests receive (from FRIDAY on):
        # a complaint is never received before its goods were delivered.
        cls.picking = cls._deliver(
            cls.customer,
            [
                (cls.product, 10, 100.0, "CC-LOT-1"),
                (cls.product_b, 50, 10.0, "CC-LOT-2"),
            ],
            date=cls.delivery_date,
        )
        cls.delivered = cls.env["asq.delivered.line"].search(
            [("picking_id", "=", cls.picking.id)]
        )
        cls.delivered_product = cls.delivered.filtered(
            lambda d: d.product_id == cls.product
        )

    @classmethod
    def _create_complaint(cls, login="asq_sales", partner=None, lines=None, **vals):
        """Register (draft) a complaint as ``login``; ``lines`` is a list of
        (delivered line, quantity affected)."""
        if lines is None:
            lines = [(cls.delivered_product, 2.0)]
        values = {
            "partner_id": (partner or cls.customer).id,
            "channel": "email",
            "category": "quality",
            "severity": "minor",
            "description": "Display shows wrong readings",
            "customer_request": "exchange",
            "line_ids": [
                fields.Command.create({"delivered_line_id": line.id, "quantity": qty})
                for line, qty in lines
            ],
            **vals,
        }
        return cls._create_as(cls.users[login], "asq.complaint", values)

    def _as(self, record, login):
        return record.with_user(self.users[login])

    def _refused(self, record, login, action, message):
        """The button ``action`` pressed by ``login`` on ``record`` is
        refused with ``message`` (a regular expression)."""
        with self.assertRaisesRegex(UserError, message):
            getattr(self._as(record, login), action)()

    def _export_ledger(self, complaints):
        """The complaint ledger of ``complaints`` (xlsx file content), as the
        after-sales section exports it."""
        wizard = (
            self.env["asq.complaint.ledger"]
            .with_user(self.users["asq_aftersales"])
            .with_context(active_model="asq.complaint", active_ids=complaints.ids)
            .create({})
        )
        wizard.action_export()
        return base64.b64decode(wizard.file_data)

    def _walk(self, complaint, until):
        """Walk ``complaint`` from where it is up to the milestone ``until``
        (a state, "findings": investigated, or "signed": the final report
        signed), each step by its role."""

        def findings(c):
            c.write(
                {
                    "responsibility": "internal",
                    "responsible_department_id": self.department.id,
                    "root_cause": "Sensor calibration drift",
                    "disposition": "exchange",
                    "disposition_note": "Exchange the 2 meters",
                }
            )
            c.action_record_findings()

        steps = [
            ("draft", "review", "asq_sales", lambda c: c.action_submit()),
            ("review", "investigating", "asq_qm", lambda c: c.action_judge_valid()),
            ("investigating", "findings", "asq_inspector", findings),
            ("investigating", "decided", "asq_qm", lambda c: c.action_decide()),
            ("decided", "replied", "asq_sales", asq_send_reply),
            (
                "replied",
                "confirmed",
                "asq_sales",
                lambda c: c.action_customer_satisfied(),
            ),
            # 003 §3.8 「厂长:需要对客诉的最终报告签字确认」: the general
            # manager (the company's default signer) signs the final report
            (
                "confirmed",
                "signed",
                "asq_gm",
                lambda c: c.action_final_signoff(),
            ),
            ("confirmed", "closed", "asq_qm", lambda c: c.action_close()),
        ]
        for from_state, milestone, login, step in steps:
            done = (milestone == "findings" and complaint.investigated_date) or (
                milestone == "signed" and complaint.signoff_date
            )
            if complaint.state == from_state and not done:
                step(self._as(complaint, login))
            if milestone == until:
                break
        return complaint
