"""The auditor's queries (tools/audit.sql) on the database the suite ran on.

The file name makes this module run last: every other test has rolled back,
so what is audited is the committed database (demo data included)."""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.after_sales_quality.models.asq_workflow_mixin import asq_step
from odoo.addons.after_sales_quality.tests.audit import audit, audit_queries
from odoo.addons.after_sales_quality.tests.common import AsqCommon


@tagged("post_install", "-at_install", "asq_security")
class TestZzAudit(AsqCommon):
    def test_audit_finds_nothing(self):
        queries = audit_queries()
        self.assertGreaterEqual(len(queries), 15)
        self.assertEqual(len({name for name, _why, _sql in queries}), len(queries))
        offending = {
            name: (why, ids) for name, (why, ids) in audit(self.env).items() if ids
        }
        self.assertFalse(
            offending,
            "\n".join(
                f"{name}: {why} Offending ids: {ids}"
                for name, (why, ids) in offending.items()
            ),
        )

    def test_audit_catches_a_forged_record(self):
        """The queries are not vacuous: forged records are listed by id."""
        picking = self._deliver(self.customer, [(self.product, 3, 50.0, "L-AUD-1")])
        returned = self._return(picking, {self.product: 2.0})
        # Forge a return beyond the delivery and an orphan return step.
        self._sql(
            "UPDATE stock_move_line SET quantity = 9, quantity_product_uom = 9 "
            "WHERE move_id IN %s",
            [tuple(returned.move_ids.ids)],
        )
        self._sql(
            "UPDATE stock_picking SET asq_return_role = 'receipt' WHERE id = %s",
            [returned.id],
        )
        result = audit(self.env)
        self.assertEqual(result["returned_beyond_delivered"][1], picking.move_ids.ids)
        self.assertIn(returned.id, result["return_transfer_without_request"][1])

    def test_audit_catches_forged_steps(self):
        """What the forgeries over RPC left behind is listed: a request past
        its approvals with no approval record and signatures of someone
        without the role, its receipt booked, a CAPA closed without a
        verification record, a hold released by an inspector, a closed
        complaint changed after closing."""
        sales = self.users["asq_sales"]
        picking = self._deliver(self.customer, [(self.product, 5, 50.0, "L-AUD-2")])
        delivered = self.env["asq.delivered.line"].search(
            [("picking_id", "=", picking.id)], limit=1
        )
        ret = self.env["asq.return"].create(
            {
                "partner_id": self.customer.id,
                "line_ids": [
                    Command.create(
                        {
                            "delivered_line_id": delivered.id,
                            "quantity": 1,
                            "kind": "quality",
                            "resolution": "refund",
                            "reason": "Forged",
                        }
                    )
                ],
            }
        )
        now = fields.Datetime.now()
        ret.sudo().with_context(**asq_step("asq_return_workflow")).write(
            {
                "state": "approved",
                "review_user_id": sales.id,
                "review_date": now,
                "finance_user_id": sales.id,
                "finance_date": now,
                "business_user_id": sales.id,
                "business_date": now,
            }
        )
        receipt = self._return(picking, {self.product: 1.0})
        self.env.cr.execute(
            "UPDATE stock_picking SET asq_return_id = %s, asq_return_role = 'receipt' "
            "WHERE id = %s",
            [ret.id, receipt.id],
        )
        capa = self.env["asq.capa"].create({"problem": "Forged closure"})
        capa.sudo().with_context(**asq_step("asq_capa_workflow")).write(
            {"state": "closed"}
        )
        hold = self.env["asq.hold"].create(
            {"product_id": self.product.id, "reason": "Forged release"}
        )
        hold.sudo().with_context(**asq_step("asq_hold_workflow")).write(
            {
                "state": "released",
                "released_user_id": self.users["asq_inspector"].id,
                "released_date": now,
            }
        )
        complaint = self.env["asq.complaint"].create(
            {"partner_id": self.customer.id, "description": "Closed"}
        )
        complaint.sudo().with_context(**asq_step("asq_complaint_step")).write(
            {
                "state": "closed",
                "closed_user_id": self.env.uid,
                "closed_date": now - timedelta(days=1),
            }
        )
        message = complaint.message_post(body="changed after closing")
        self.env["mail.tracking.value"].sudo().create(
            {
                "mail_message_id": message.id,
                "field_id": self.env["ir.model.fields"]
                ._get("asq.complaint", "description")
                .id,
                "old_value_char": "Closed",
                "new_value_char": "Rewritten",
            }
        )
        result = audit(self.env)
        self.assertIn(ret.id, result["return_step_without_approval_record"][1])
        self.assertIn(ret.id, result["approval_signed_without_role"][1])
        self.assertIn(-hold.id, result["approval_signed_without_role"][1])
        self.assertIn(receipt.id, result["return_receipt_done_without_approval"][1])
        self.assertIn(capa.id, result["capa_closed_without_verification_record"][1])
        self.assertIn(complaint.id, result["frozen_record_changed_after_freeze"][1])
