"""Issue [14]: the return note and the QC refusal as 001 writes them.

001, 4.2.8-4.2.9: 「倉庫開具退貨入庫單后,營銷統計員及時統計退貨單的數量和金額
並電腦錄入」「《退貨單》統計完畢后,營銷文員負責及時審核《退貨單》並予第二天上午
12:00前把《退貨單》傳真給各客戶」; 4.2.6: 「如屬客戶損壞而影響產品質量的,質管部
有權不予確認簽字並做詳細的書面說明,以便售后服務科反饋客戶」.
"""

from datetime import datetime
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.after_sales_quality.tests.test_return import ReturnCommon

EXPLANATION = "Casing cracked by a fall in the customer shop"


@tagged("post_install", "-at_install", "asq_fidelity")
class TestFidelityReturnNote(HttpCase, ReturnCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clerk = cls.sales  # 營銷文員: the after-sales user group
        cls.company.partner_id.tz = "Asia/Shanghai"
        cls.portal_contact = cls.env["res.partner"].create(
            {
                "name": "Li Buyer",
                "parent_id": cls.customer.id,
                "email": "li.buyer@kangtai.example.com",
            }
        )
        cls.portal_user = new_test_user(
            cls.env,
            login="asq_rn_portal",
            groups="base.group_portal",
            partner_id=cls.portal_contact.id,
        )

    def _two_line_return(self, products=None):
        """Two glucometers (to accept) and three strips (customer damage),
        received for QC (of ``products`` only when given)."""
        quantities = {self.product: 2.0, self.product_b: 3.0}
        ret = self._return_request(
            self.customer,
            [
                (self._delivered(product), qty)
                for product, qty in quantities.items()
                if not products or product in products
            ],
            user=self.sales,
            kind="quality",
            resolution="refund",
            reason="Does not work",
        )
        self._approve(ret)
        self._receive(ret)
        self.assertEqual(ret.state, "received")
        return ret

    def _note_mails(self, ret):
        return self.env["mail.mail"].search(
            [
                ("model", "=", "asq.return"),
                ("res_id", "=", ret.id),
                ("recipient_ids", "in", self.customer.ids),
                ("subject", "ilike", "Return note"),
            ]
        )

    def _inspect(self, ret):
        glucometer = ret.line_ids.filtered(lambda x: x.product_id == self.product)
        strips = ret.line_ids - glucometer
        glucometer.with_user(self.inspector).write(
            {
                "qc_result": "accept",
                "qc_disposition": "stock",
                "qc_company_fault": True,
                "qc_responsibility": "Assembly line 2",
            }
        )
        strips.with_user(self.inspector).write(
            {"qc_result": "reject", "qc_note": EXPLANATION}
        )
        ret.with_user(self.inspector).action_qc_sign()
        self.assertEqual(ret.state, "inspected")

    def _book(self, ret, when):
        with patch.object(fields.Datetime, "now", return_value=when):
            for picking in ret.picking_ids.filtered(
                lambda p: p.asq_return_role in ("putaway", "reject")
            ):
                picking.with_user(self.warehouse_user).button_validate()
        self.assertEqual(ret.state, "done")

    def test_note_waits_for_booking_then_the_clerk_checks_it(self):
        ret = self._two_line_return()
        # Goods only in QC: no note, no clock, nothing for the job to send.
        self.env["asq.return"]._cron_send_return_notes()
        self.assertFalse(ret.note_sent_date)
        self.assertFalse(self._note_mails(ret))
        self.assertFalse(ret.note_deadline)
        self._inspect(ret)
        self.env["asq.return"]._cron_send_return_notes()
        self.assertFalse(self._note_mails(ret), "not before the booking")
        # Booked on Tuesday 17 November 2026, 16:00 Shanghai (08:00 UTC):
        # due Wednesday 12:00 Shanghai (04:00 UTC).
        self._book(ret, datetime(2026, 11, 17, 8, 0))
        self.assertEqual(ret.booked_date, datetime(2026, 11, 17, 8, 0))
        self.assertEqual(ret.note_deadline, datetime(2026, 11, 18, 4, 0))
        # Still unsent until a sales clerk checks it; the job does not send it.
        self.env["asq.return"]._cron_send_return_notes()
        self.assertFalse(self._note_mails(ret))
        self.assertTrue(ret.with_user(self.clerk).can_check_note)
        self.assertTrue(
            ret.activity_ids.filtered(
                lambda a: a.asq_step == "check_note" and a.user_id == self.clerk
            ),
            "the sales clerk's to-do",
        )
        # Roles outside the after-sales users may not check it (the quality
        # department's roles include the after-sales user's rights).
        for login in ("asq_warehouse", "asq_finance", "asq_employee"):
            user = self.users[login]
            self.assertFalse(ret.with_user(user).can_check_note, login)
            with self.assertRaisesRegex((AccessError, UserError), "Check Return Note"):
                ret.with_user(user).action_check_note()
        self.assertFalse(ret.note_check_date)
        ret.with_user(self.clerk).with_context(
            force_report_rendering=True
        ).action_check_note()
        self.assertEqual(ret.note_check_user_id, self.clerk)
        self.assertTrue(ret.note_sent_date)
        mail = self._note_mails(ret)
        self.assertEqual(len(mail), 1)
        self.assertIn(self.customer, mail.recipient_ids)
        # Checked once only.
        with self.assertRaisesRegex(UserError, "already checked"):
            ret.with_user(self.clerk).action_check_note()

    def test_note_lists_only_booked_goods_with_quantity_and_amount(self):
        ret = self._two_line_return()
        self._inspect(ret)
        self._book(ret, datetime(2026, 11, 17, 8, 0))
        html = self._html("after_sales_quality.asq_return_report_note", ret)
        self.assertIn(self.product.display_name, html)
        self.assertNotIn(self.product_b.display_name, html, "rejected: not on it")
        self.assertIn("Quantity Booked", html)
        self.assertIn("200.00", html)  # 2 x 100

    def test_all_rejected_no_note_to_check(self):
        ret = self._two_line_return(self.product_b)
        ret.line_ids.with_user(self.inspector).write(
            {"qc_result": "reject", "qc_note": EXPLANATION}
        )
        ret.with_user(self.inspector).action_qc_sign()
        self._book(ret, datetime(2026, 11, 17, 8, 0))
        self.assertFalse(ret.booked_date)
        self.assertFalse(ret.with_user(self.clerk).can_check_note)
        with self.assertRaisesRegex(UserError, "no goods booked into stock"):
            ret.with_user(self.clerk).action_check_note()

    def test_qc_written_explanation_reaches_the_customer(self):
        ret = self._two_line_return()
        self._inspect(ret)
        mail = self.env["mail.mail"].search(
            [
                ("model", "=", "asq.return"),
                ("res_id", "=", ret.id),
                ("subject", "ilike", "not accepted by our quality control"),
            ]
        )
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "outgoing")
        self.assertIn(self.customer, mail.recipient_ids)
        self.assertIn(EXPLANATION, mail.body_html)
        self.assertTrue(ret.qc_explanation_sent_date)
        self.assertTrue(
            ret.message_ids.filtered(lambda m: EXPLANATION in str(m.body)),
            "logged in the chatter",
        )
        # The portal user of the customer reads it on the request's page.
        self.authenticate("asq_rn_portal", "asq_rn_portal")
        page = self.url_open(ret.access_url)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Not accepted by our quality control", page.text)
        self.assertIn("Casing cracked by a fall", page.text)
