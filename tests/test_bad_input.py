"""Bad input: formula-like customer text in XLSX exports, malformed imports,
deletion and change of records that left draft."""

import io
import re
import zipfile

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.after_sales_quality.tests.complaint_common import (
    AsqComplaintCommon,
)

PAYLOADS = ('=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)")


@tagged("post_install", "-at_install", "asq_security")
class TestBadInput(AsqComplaintCommon):
    # ------------------------------------------------------------------
    # XLSX: formula-like text stays text
    # ------------------------------------------------------------------
    def _assert_text_only(self, data, texts):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
            self.assertTrue(sheets)
            for name in sheets:
                self.assertNotIn("<f>", archive.read(name).decode(), name)
            strings = archive.read("xl/sharedStrings.xml").decode()
        found = {
            re.sub(r"&quot;", '"', text)
            for text in re.findall(r"<t[^>]*>([^<]*)</t>", strings)
        }
        for text in texts:
            self.assertIn(text, found, "kept verbatim as a string cell")

    def test_ledger_keeps_formula_like_text(self):
        customer = self.customer.copy({"name": PAYLOADS[3]})
        complaints = self.env["asq.complaint"]
        for payload in PAYLOADS:
            complaints |= self._create_complaint(
                description=payload, lines=[], partner=self.customer
            )
        complaints |= self._create_complaint(lines=[], partner=customer)
        self._assert_text_only(self._export_ledger(complaints), PAYLOADS)

    # ------------------------------------------------------------------
    # Imports: all or nothing, clear messages
    # ------------------------------------------------------------------
    def _load(self, model, fields_, rows):
        Model = self.env[model]
        before = Model.search_count([])
        result = Model.load(fields_, rows)
        self.assertFalse(result["ids"], result)
        self.assertTrue(result["messages"])
        self.assertTrue(all(m["type"] == "error" for m in result["messages"]))
        self.assertEqual(Model.search_count([]), before, "nothing written")
        return " ".join(m["message"] for m in result["messages"])

    def test_complaint_import_refuses_bad_rows(self):
        fields_ = ["partner_id", "channel", "category", "description", "received_date"]
        good = [self.customer.name, "email", "quality", "Fine", "2025-03-01 10:00:00"]
        for bad, expected in (
            (["No Such Customer Ltd"] + good[1:], "No matching record"),
            (good[:1] + ["telepathy"] + good[2:], "telepathy"),
            (good[:4] + ["2025-13-45"], "2025-13-45"),
        ):
            message = self._load("asq.complaint", fields_, [good, bad])
            self.assertIn(expected, message)

    def test_return_import_refuses_bad_quantities(self):
        fields_ = [
            "partner_id",
            "line_ids/delivered_line_id/.id",
            "line_ids/quantity",
            "line_ids/reason",
        ]
        line = str(self.delivered_product.id)
        good = [self.customer.name, line, "1", "Does not sell"]
        for qty, expected in (("-2", "quantities must be positive"), ("999", "only")):
            message = self._load(
                "asq.return", fields_, [good, [self.customer.name, line, qty, "x"]]
            )
            self.assertIn(expected, message)

    def test_contract_terms_import_refuses_cap_above_100(self):
        customer = self.customer
        before = customer.asq_exchange_ratio_cap
        result = (
            customer.load(
                ["id", "asq_exchange_ratio_cap"],
                [[customer.get_external_id()[customer.id] or "", "150"]],
            )
            if customer.get_external_id()[customer.id]
            else customer.load(
                [".id", "asq_exchange_ratio_cap"], [[str(customer.id), "150"]]
            )
        )
        self.assertFalse(result["ids"])
        self.assertIn("between 0 and 100", result["messages"][0]["message"])
        customer.invalidate_recordset()
        self.assertEqual(customer.asq_exchange_ratio_cap, before)

    # ------------------------------------------------------------------
    # Records that left draft: no deletion, frozen content, tracked changes
    # ------------------------------------------------------------------
    def test_registered_records_cannot_be_deleted(self):
        complaint = self._walk(self._create_complaint(), "review")
        with self.assertRaisesRegex(UserError, "Only new complaints can be deleted"):
            complaint.sudo().unlink()
        ret = (
            self.env["asq.return"]
            .with_user(self.users["asq_sales"])
            .create(
                {
                    "partner_id": self.customer.id,
                    "line_ids": [
                        (
                            0,
                            0,
                            {
                                "delivered_line_id": self.delivered_product.id,
                                "quantity": 1,
                                "reason": "Wrong model",
                            },
                        )
                    ],
                }
            )
        )
        ret.with_user(self.users["asq_sales"]).action_submit()
        with self.assertRaisesRegex(UserError, "Only draft return requests"):
            ret.sudo().unlink()
        with self.assertRaisesRegex(UserError, "Approval records cannot be deleted"):
            ret.approval_ids.sudo().unlink()
        with self.assertRaisesRegex(UserError, "approved content is read-only"):
            ret.write({"partner_id": self.customer_contact.id})

    def test_closed_complaint_is_frozen_and_changes_tracked(self):
        complaint = self._walk(self._create_complaint(), "closed")
        self.assertEqual(complaint.state, "closed")
        for vals in ({"description": "=rewritten"}, {"loss_freight": 1.0}):
            with self.assertRaisesRegex(UserError, "is closed"):
                complaint.sudo().write(vals)
        tracked = {n for n, f in complaint._fields.items() if getattr(f, "tracking", 0)}
        self.assertLessEqual(
            {"state", "user_id", "description", "channel", "customer_request"},
            tracked,
        )
        # The owner still changes, and the chatter logs who changed it from
        # whom to whom. Odoo tracks a record only from the transaction after
        # its creation (the test class disables tracking: turn it back on).
        self.env.flush_all()
        self.env.cr.precommit.run()
        manager = self.users["asq_qm"]
        before = complaint.sudo().message_ids
        complaint.with_user(manager).with_context(
            tracking_disable=False, mail_notrack=False
        ).write({"user_id": self.users["asq_aftersales"].id})
        self.env.flush_all()
        self.env.cr.precommit.run()
        complaint.invalidate_recordset()
        self.assertEqual(complaint.user_id, self.users["asq_aftersales"])
        logged = complaint.sudo().message_ids - before
        self.assertEqual(len(logged), 1)
        self.assertEqual(logged.author_id, manager.partner_id)
        values = logged.sudo().tracking_value_ids
        self.assertEqual(values.field_id.name, "user_id")
        self.assertEqual(values.old_value_char, self.users["asq_sales"].name)
        self.assertEqual(values.new_value_char, self.users["asq_aftersales"].name)
