"""The auditor's queries (tools/audit.sql) on the database the suite ran on.

The file name makes this module run last: every other test has rolled back,
so what is audited is the committed database (demo data included)."""

from odoo.tests import tagged

from odoo.addons.after_sales_quality.tests.common import AsqCommon


@tagged("post_install", "-at_install", "asq_security")
class TestZzAudit(AsqCommon):
    def test_audit_finds_nothing(self):
        audit = self.env["asq.audit"]
        queries = audit._asq_audit_queries()
        self.assertGreaterEqual(len(queries), 15)
        self.assertEqual(len({name for name, _why, _sql in queries}), len(queries))
        offending = {
            name: (why, ids) for name, (why, ids) in audit._asq_audit().items() if ids
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
        self.env.cr.execute(
            "UPDATE stock_move_line SET quantity = 9, quantity_product_uom = 9 "
            "WHERE move_id IN %s",
            [tuple(returned.move_ids.ids)],
        )
        self.env.cr.execute(
            "UPDATE stock_picking SET asq_return_role = 'receipt' WHERE id = %s",
            [returned.id],
        )
        self.env.invalidate_all()
        result = self.env["asq.audit"]._asq_audit()
        self.assertEqual(result["returned_beyond_delivered"][1], picking.move_ids.ids)
        self.assertIn(returned.id, result["return_transfer_without_request"][1])
