"""The engine's own records: one step record per signature, written by the
steps only, kept whatever a caller asks; the audit that reads them."""

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.modules.module import get_module_path
from odoo.tests import new_test_user, tagged

from odoo.addons.after_sales_quality.tests.audit import audit, stamp_audit_sql
from odoo.addons.after_sales_quality.tests.complaint_common import (
    AsqComplaintCommon,
)
from odoo.addons.after_sales_quality.tests.test_return import ReturnCommon


@tagged("post_install", "-at_install", "asq_security")
class TestStepRecords(ReturnCommon):
    def _records(self, ret):
        return (
            self.env["asq.step.record"]
            .sudo()
            .search([("res_model", "=", "asq.return"), ("res_id", "=", ret.id)])
            .sorted("id")
        )

    def test_every_step_leaves_its_record(self):
        ret = self._create_return()
        self._approve(ret)
        self._receive(ret)
        self._qc(ret)
        records = self._records(ret)
        self.assertEqual(
            [(r.step, r.from_state, r.to_state, r.user_id) for r in records],
            [
                ("submit", "draft", "submitted", self.sales),
                ("review", "submitted", "finance", self.aftersales),
                ("finance", "finance", "business", self.finance),
                ("business", "business", "approved", self.business),
                ("receive", "approved", "received", self.warehouse_user),
                ("qc_sign", "received", ret.state, self.inspector),
            ],
        )
        self.assertTrue(all(records.mapped("role_ok")))
        self.assertEqual(
            records.filtered(lambda r: r.step == "finance").roles_held,
            "after_sales_quality.group_asq_finance",
        )
        # The document's stamp and its record agree.
        self.assertEqual(ret.finance_user_id, self.finance)
        self.assertEqual(ret.received_user_id, self.warehouse_user)

    def test_a_copy_carries_no_signature(self):
        """Duplicate on a signed request gives a new draft, unsigned (before
        the engine dropped them, the copied stamps made Duplicate fail)."""
        ret = self._create_return()
        self._approve(ret)
        self.assertTrue(ret.review_user_id and ret.finance_user_id)
        copy = ret.with_user(self.aftersales).copy()
        self.assertEqual(copy.state, "draft")
        for fname in ("review", "finance", "business"):
            self.assertFalse(copy[f"{fname}_user_id"], fname)
            self.assertFalse(copy[f"{fname}_date"], fname)
        self.assertFalse(self._records(copy))

    def test_records_cannot_be_forged_changed_or_deleted(self):
        ret = self._create_return()
        ret.with_user(self.sales).action_submit()
        record = self._records(ret)
        StepRecord = self.env["asq.step.record"]
        for user in (self.sales, self.qm, self.finance):
            with self.assertRaises(AccessError):
                StepRecord.with_user(user).create(
                    {
                        "res_model": "asq.return",
                        "res_id": ret.id,
                        "step": "business",
                        "user_id": self.business.id,
                        "role_ok": True,
                    }
                )
            with self.assertRaises(AccessError):
                record.with_user(user).write({"user_id": self.gm.id})
            with self.assertRaises(AccessError):
                record.with_user(user).unlink()
        # Not even as superuser through the ORM.
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            record.sudo().write({"user_id": self.gm.id})
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            record.sudo().unlink()
        self.assertEqual(record.user_id, self.sales)

    def test_audit_file_holds_the_generated_query(self):
        """tools/audit.sql's step_stamp_without_record is the query the
        declarations generate (so `make audit` checks every stamp)."""
        path = f"{get_module_path('after_sales_quality')}/tools/audit.sql"
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        block = text.split("-- name: step_stamp_without_record\n")[1]
        query = block.split("\n", 1)[1].split(";")[0].strip()
        self.assertEqual(query, stamp_audit_sql(self.env))

    def test_audit_catches_a_stamp_and_a_role_forged_behind_the_engine(self):
        ret = self._create_return()
        ret.with_user(self.sales).action_submit()
        self._sign(ret, self.aftersales)
        self.assertNotIn(ret.id, audit(self.env)["step_stamp_without_record"][1])
        # Written in the database, as an attacker with SQL access would.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE asq_return SET finance_user_id = %s, state = 'business' "
            "WHERE id = %s",
            [self.finance.id, ret.id],
        )
        self.assertIn(ret.id, audit(self.env)["step_stamp_without_record"][1])
        # A signer who did not hold the role when signing.
        self.env.cr.execute(
            "UPDATE asq_step_record SET role_ok = FALSE WHERE res_model = "
            "'asq.return' AND res_id = %s AND step = 'review' RETURNING id",
            [ret.id],
        )
        forged = self.env.cr.fetchone()[0]
        self.assertIn(forged, audit(self.env)["step_signed_without_role"][1])


@tagged("post_install", "-at_install", "asq_security")
class TestComplaintTodos(AsqComplaintCommon):
    """The investigator's to-do is the engine's (record findings), due on
    the answer deadline, and follows the investigator."""

    def _todos(self, complaint, step):
        return complaint.activity_ids.filtered(lambda a: a.asq_step == step)

    def test_findings_todo_follows_the_investigator(self):
        inspector = self.users["asq_inspector"]
        other = new_test_user(
            self.env,
            login="asq_engine_inspector_2",
            groups="base.group_user,after_sales_quality.group_asq_inspector",
        )
        complaint = self._create_complaint()
        self._walk(complaint, "review")
        self._as(complaint, "asq_qm").write({"investigator_id": inspector.id})
        self._walk(complaint, "investigating")
        todo = self._todos(complaint, "record_findings")
        self.assertEqual(todo.user_id, inspector, "the investigator's alone")
        self.assertEqual(
            todo.date_deadline,
            fields.Datetime.context_timestamp(
                complaint.with_user(inspector).with_context(tz=inspector.tz),
                complaint.answer_deadline,
            ).date(),
        )
        self._as(complaint, "asq_qm").write({"investigator_id": other.id})
        self.assertEqual(self._todos(complaint, "record_findings").user_id, other)
        # Only the investigator records the findings now.
        with self.assertRaisesRegex(AccessError, "not allowed"):
            self._walk(complaint, "findings")
        complaint.with_user(other).write(
            {
                "responsibility": "internal",
                "responsible_department_id": self.department.id,
                "root_cause": "Sensor calibration drift",
                "disposition": "exchange",
                "disposition_note": "Exchange the 2 meters",
            }
        )
        complaint.with_user(other).action_record_findings()
        self.assertFalse(self._todos(complaint, "record_findings"))
        # Findings recorded: the quality managers approve the disposition.
        self.assertIn(self.users["asq_qm"], self._todos(complaint, "decide").user_id)
