"""The quality hold, complete (procedure 001 §4.5-4.7): the report to the
quality head, the hold labels on the goods, the query to the supplier of the
lots and the expiry check of the lots (product_expiry)."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.after_sales_quality.tests.common import validate_picking
from odoo.addons.after_sales_quality.tests.test_hold import HoldCommon

MANAGER = "after_sales_quality.group_asq_manager"
INSPECTOR = "after_sales_quality.group_asq_inspector"


@tagged("post_install", "-at_install", "asq_procedures")
class TestProceduresHold(HoldCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.head = new_test_user(
            cls.env,
            login="asq_quality_head",
            name="Quality Head Wang",
            groups=MANAGER,
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.company.asq_quality_head_id = cls.head
        cls.supplier = cls.env["res.partner"].create(
            {"name": "Yuyue Test Supplier", "email": "qa@yuyue.example.com"}
        )
        cls.supplier2 = cls.env["res.partner"].create(
            {"name": "Other Test Supplier", "email": "qa@other.example.com"}
        )
        cls.device = cls._create_product("Test Infusion Pump", 50.0)

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def _receive(self, partner, product, lot_name, qty, warehouse=None, location=None):
        """A done receipt of ``qty`` of ``lot_name`` from ``partner``."""
        warehouse = warehouse or self.warehouse
        company = warehouse.company_id
        lot = self.env["stock.lot"].create(
            {"name": lot_name, "product_id": product.id, "company_id": company.id}
        )
        picking_type = warehouse.in_type_id
        dest = location or picking_type.default_location_dest_id
        picking = (
            self.env["stock.picking"]
            .with_company(company)
            .create(
                {
                    "partner_id": partner.id,
                    "picking_type_id": picking_type.id,
                    "location_id": self.env.ref("stock.stock_location_suppliers").id,
                    "location_dest_id": dest.id,
                    "company_id": company.id,
                    "move_ids": [
                        Command.create(
                            {
                                "name": product.name,
                                "product_id": product.id,
                                "product_uom_qty": qty,
                                "product_uom": product.uom_id.id,
                                "location_id": self.env.ref(
                                    "stock.stock_location_suppliers"
                                ).id,
                                "location_dest_id": dest.id,
                                "company_id": company.id,
                            }
                        )
                    ],
                }
            )
        )
        picking.action_confirm()
        picking.move_ids.move_line_ids.unlink()
        self.env["stock.move.line"].create(
            {
                "move_id": picking.move_ids.id,
                "picking_id": picking.id,
                "product_id": product.id,
                "lot_id": lot.id,
                "quantity": qty,
                "product_uom_id": product.uom_id.id,
                "location_id": picking.location_id.id,
                "location_dest_id": dest.id,
                "company_id": company.id,
            }
        )
        picking.move_ids.picked = True
        validate_picking(picking)
        self.assertEqual(picking.state, "done")
        return lot, picking

    def _active_hold(self, product, lots, company=None):
        hold = self._create_hold(product_id=product.id, lots=lots)
        hold.action_activate()
        self.assertEqual(hold.state, "active")
        return hold

    # ------------------------------------------------------------------
    # 001 §4.7「應及時向企業質量負責人匯報」
    # ------------------------------------------------------------------
    def test_report_to_head_signed_and_acknowledged_by_the_head_only(self):
        hold = self._create_hold()
        hold.action_activate()
        self.assertTrue(hold.report_deadline)
        self.assertGreater(hold.report_deadline, hold.opened_date)
        self.assertLessEqual(hold.report_deadline, hold.opened_date + timedelta(days=4))
        self._refused_until(
            hold,
            "action_report_head",
            "Write the report to the quality head",
            report_content="Readings drift on HL-1: 3 complaints; outbound stopped.",
        )
        self.assertEqual(hold.reported_user_id, self.inspector)
        self.assertTrue(hold.reported_date)
        self.assertEqual(hold.report_head_id, self.head)
        self.assertFalse(hold.report_deadline)
        self.assertGreater(hold.acknowledge_deadline, hold.reported_date)
        # The report is a message to the head in the chatter.
        report = hold.message_ids.filtered(
            lambda m: self.head.partner_id in m.partner_ids
        )
        self.assertIn("Readings drift on HL-1", report.body)
        # The head's to-do, nobody else's, due at the acknowledgement deadline.
        todo = hold.sudo().activity_ids.filtered(
            lambda a: a.asq_step == "acknowledge_report"
        )
        self.assertEqual(todo.user_id, self.head)
        self.assertEqual(
            todo.date_deadline,
            hold._asq_todo_date("acknowledge_report", self.head),
        )
        # The report is signed: no second report, no change of its content.
        with self.assertRaisesRegex(UserError, "already reported"):
            hold.action_report_head()
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            hold.write({"report_content": "Something else"})
        # Forged stamps over RPC are refused.
        for vals in (
            {"acknowledged_user_id": self.inspector.id},
            {"acknowledged_date": fields.Datetime.now()},
            {"report_head_id": self.inspector.id},
            {"reported_user_id": self.qm.id},
        ):
            with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
                hold.with_user(self.qm).write(vals)
        # Another quality manager is not the head; the inspector lacks the role.
        self.assertFalse(hold.with_user(self.qm).can_acknowledge_report)
        with self.assertRaisesRegex(
            AccessError, r"not allowed to do this step \(Acknowledge Report\)"
        ):
            hold.with_user(self.qm).action_acknowledge_report()
        with self.assertRaisesRegex(AccessError, "it needs the role"):
            hold.action_acknowledge_report()
        head_hold = hold.with_user(self.head)
        self.assertTrue(head_hold.can_acknowledge_report)
        head_hold.action_acknowledge_report()
        self.assertEqual(hold.acknowledged_user_id, self.head)
        self.assertTrue(hold.acknowledged_date)
        self.assertFalse(
            hold.sudo().activity_ids.filtered(
                lambda a: a.asq_step == "acknowledge_report"
            )
        )
        with self.assertRaisesRegex(UserError, "already acknowledged by Quality Head"):
            head_hold.action_acknowledge_report()

    def test_report_before_activation_refused(self):
        hold = self._create_hold(report_content="Too early")
        with self.assertRaisesRegex(
            UserError, "Report to Quality Head is not possible"
        ):
            hold.action_report_head()

    def test_without_a_head_the_quality_managers_acknowledge(self):
        self.company.asq_quality_head_id = False
        hold = self._create_hold()
        hold.action_activate()
        hold.write({"report_content": "Lot HL-1 drifts."})
        hold.action_report_head()
        self.assertFalse(hold.report_head_id)
        todo_users = (
            hold.sudo()
            .activity_ids.filtered(lambda a: a.asq_step == "acknowledge_report")
            .user_id
        )
        self.assertIn(self.qm, todo_users)
        self.assertIn(self.head, todo_users)
        self.assertNotIn(self.inspector, todo_users)
        hold.with_user(self.qm).action_acknowledge_report()
        self.assertEqual(hold.acknowledged_user_id, self.qm)

    def test_report_after_confirmed_nonconforming(self):
        hold = self._create_hold()
        hold.action_activate()
        self._verify(hold, "nonconforming")
        self.assertEqual(hold.state, "nonconforming")
        hold.write({"report_content": "Confirmed nonconforming."})
        hold.action_report_head()
        hold.with_user(self.head).action_acknowledge_report()
        self.assertEqual(hold.acknowledged_user_id, self.head)

    # ------------------------------------------------------------------
    # 001 §4.7「明顯標志」: labels per lot and location
    # ------------------------------------------------------------------
    def test_labels_per_lot_and_location(self):
        shelf = self.env["stock.location"].create(
            {"name": "Shelf Q", "location_id": self.stock.id, "usage": "internal"}
        )
        Quant = self.env["stock.quant"]
        Lot = self.env["stock.lot"]
        lot_a = Lot.create({"name": "LBL-A", "product_id": self.device.id})
        lot_b = Lot.create({"name": "LBL-B", "product_id": self.device.id})
        lot_c = Lot.create({"name": "LBL-C", "product_id": self.device.id})
        Quant._update_available_quantity(self.device, self.stock, 7, lot_id=lot_a)
        Quant._update_available_quantity(self.device, shelf, 3, lot_id=lot_a)
        Quant._update_available_quantity(self.device, self.stock, 5, lot_id=lot_b)
        Quant._update_available_quantity(self.device, self.stock, 4, lot_id=lot_c)
        hold = self._active_hold(self.device, lot_a | lot_b)
        lines = sorted(
            (line["lot"], line["location"], line["quantity"])
            for line in hold._asq_label_lines()
        )
        self.assertEqual(
            lines,
            [
                ("LBL-A", self.stock.display_name, 7.0),
                ("LBL-A", shelf.display_name, 3.0),
                ("LBL-B", self.stock.display_name, 5.0),
            ],
        )
        html = self._html("after_sales_quality.asq_hold_label_report", hold)
        self.assertEqual(html.count('o_asq_hold_label"'), 3)
        for text in (hold.name, "LBL-A", "LBL-B", "Shelf Q", "7.00", "3.00", "5.00"):
            self.assertIn(text, html)
        self.assertNotIn("LBL-C", html)
        self.assertIn("Do not sell or ship", html)
        self._assert_pdf("after_sales_quality.asq_hold_label_report", hold)
        # In Chinese: the seed's words on the label.
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["after_sales_quality"], ["zh_CN"], overwrite=True
        )
        html_zh, _type = (
            self.env["ir.actions.report"]
            .with_context(lang="zh_CN")
            ._render_qweb_html("after_sales_quality.asq_hold_label_report", hold.ids)
        )
        html_zh = html_zh.decode()
        for term in ("质量待处理", "暂停销售", "暂停发货", "批次", "库位", "LBL-A"):
            self.assertIn(term, html_zh)
        # The whole product: every lot in stock, the held and the others.
        whole = self._active_hold(self.device, Lot)
        self.assertEqual(len(whole._asq_label_lines()), 4)
        self.assertEqual(
            sum(line["quantity"] for line in whole._asq_label_lines()), 19.0
        )

    # ------------------------------------------------------------------
    # 001 §4.6「向醫療器械供貨企業進行產品質量查詢」
    # ------------------------------------------------------------------
    def test_supplier_query_goes_to_the_supplier_of_the_lot(self):
        lot1, receipt1 = self._receive(self.supplier, self.device, "SQ-1", 10)
        _lot2, _receipt2 = self._receive(self.supplier2, self.device, "SQ-2", 6)
        hold = self._active_hold(self.device, lot1)
        self._verify(hold, "nonconforming")
        action = hold.action_query_suppliers()
        self.assertEqual(action["res_model"], "asq.hold.supplier.query")
        query = hold.supplier_query_ids
        self.assertEqual(query.partner_id, self.supplier)
        self.assertEqual(query.lot_ids, lot1)
        self.assertEqual(query.picking_ids, receipt1)
        self.assertIn("SQ-1", query.question)
        # Pressed again: no second query to the same supplier.
        hold.action_query_suppliers()
        self.assertEqual(len(hold.supplier_query_ids), 1)
        query = query.with_user(self.inspector)
        with self.assertRaisesRegex(UserError, "those the hold found"):
            query.write({"partner_id": self.supplier2.id})
        with self.assertRaisesRegex(UserError, "created from the quality hold"):
            self.env["asq.hold.supplier.query"].with_user(self.inspector).create(
                {"hold_id": hold.id, "partner_id": self.supplier2.id, "question": "?"}
            )
        query.action_send()
        self.assertEqual(query.state, "sent")
        self.assertEqual(query.sent_user_id, self.inspector)
        mail = query.message_ids.filtered(lambda m: self.supplier in m.partner_ids)
        self.assertEqual(len(mail), 1)
        self.assertIn("Product quality query", mail.subject)
        self.assertIn("SQ-1", mail.body)
        self.assertTrue(
            self.env["mail.mail"].sudo().search([("mail_message_id", "=", mail.id)])
        )
        self.assertIn(
            "Quality query sent to the supplier Yuyue Test Supplier",
            "".join(hold.message_ids.mapped("body")),
        )
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            query.write({"question": "Changed after sending"})
        self._refused_until(
            query,
            "action_record_answer",
            "Record the supplier's answer and the date",
            answer="Our batch record shows a calibration fault; recall started.",
            answer_date=fields.Date.today(),
        )
        self.assertEqual(query.state, "answered")
        self.assertEqual(query.answered_user_id, self.inspector)
        self.assertEqual(query.answer_date, fields.Date.today())
        with self.assertRaisesRegex(UserError, "is closed"):
            query.write({"answer": "Forged"})
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            query.write({"answered_user_id": self.qm.id})
        self.assertIn("calibration fault", "".join(hold.message_ids.mapped("body")))

    def test_no_supplier_no_query(self):
        hold = self._create_hold()
        hold.action_activate()
        self.assertFalse(hold.can_query_suppliers)
        with self.assertRaisesRegex(UserError, "no supplier to query"):
            hold.action_query_suppliers()

    # ------------------------------------------------------------------
    # Expiry (product_expiry installed by the test harness)
    # ------------------------------------------------------------------
    def test_expired_lot_flagged_and_blocks_conforming_release(self):
        self.assertIn(
            "expiration_date",
            self.env["stock.lot"]._fields,
            "product_expiry must be installed in the test database",
        )
        now = fields.Datetime.now()
        lot_old, _receipt = self._receive(self.supplier, self.device, "EXP-1", 4)
        lot_new, _receipt = self._receive(self.supplier, self.device, "EXP-2", 4)
        lot_old.expiration_date = now - timedelta(days=3)
        lot_new.expiration_date = now + timedelta(days=300)
        hold = self._active_hold(self.device, lot_old | lot_new)
        self.assertTrue(hold.expiry_tracked)
        self.assertEqual(hold.expired_lot_ids, lot_old)
        self.assertIn("EXP-1", hold.lot_expiry_html)
        self.assertIn("Expired", hold.lot_expiry_html)
        hold.write({"proposed_result": "conforming", "verification_note": "Retest OK"})
        self.assertFalse(hold.can_verify)
        with self.assertRaisesRegex(UserError, "EXP-1 are past their expiration date"):
            hold.action_verify()
        # The in-date lot alone may be verified conforming and released ...
        fresh = self._active_hold(self.device, lot_new)
        self._verify(fresh, "conforming")
        # ... unless it expires before the release.
        lot_new.expiration_date = now - timedelta(minutes=1)
        fresh.invalidate_recordset(["expired_lot_ids"])
        with self.assertRaisesRegex(UserError, "EXP-2 are past their expiration date"):
            fresh.with_user(self.qm).action_release()
        # A whole-product hold watches the lots in stock.
        whole = self._active_hold(self.device, self.env["stock.lot"])
        self.assertEqual(whole.expired_lot_ids, lot_old | lot_new)
        lot_new.expiration_date = now + timedelta(days=300)
        whole.invalidate_recordset(["expired_lot_ids"])
        self.assertEqual(whole.expired_lot_ids, lot_old)
        # Verified nonconforming: allowed, the goods stay blocked.
        self._verify(hold, "nonconforming")
        self.assertEqual(hold.state, "nonconforming")

    # ------------------------------------------------------------------
    # Multi-company
    # ------------------------------------------------------------------
    def test_other_company_head_stock_and_suppliers(self):
        company_b = self.env["res.company"].create({"name": "Hold Procedures B"})
        warehouse_b = self.env["stock.warehouse"].search(
            [("company_id", "=", company_b.id)], limit=1
        )
        head_b = new_test_user(
            self.env,
            login="asq_head_b",
            name="Head B",
            groups=f"{MANAGER},{INSPECTOR}",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        company_b.asq_quality_head_id = head_b
        # Stock and receipts of both companies, same product.
        lot_a, _receipt = self._receive(self.supplier, self.device, "MC-A", 5)
        lot_b, _receipt = self._receive(
            self.supplier2, self.device, "MC-B", 8, warehouse=warehouse_b
        )
        hold_b = (
            self.env["asq.hold"]
            .with_user(head_b)
            .with_company(company_b)
            .create(
                {
                    "product_id": self.device.id,
                    "company_id": company_b.id,
                    "reason": "Held in company B",
                }
            )
        )
        hold_b.action_activate()
        # The labels and the supplier of company B only.
        lines = hold_b._asq_label_lines()
        self.assertEqual(
            [(line["lot"], line["quantity"]) for line in lines], [("MC-B", 8.0)]
        )
        self.assertEqual(list(hold_b._asq_supplier_receipts()), [self.supplier2])
        hold_b.write({"report_content": "Company B problem"})
        hold_b.action_report_head()
        self.assertEqual(hold_b.report_head_id, head_b)
        # Company A's head neither sees nor acknowledges it.
        self.assertFalse(
            self.env["asq.hold"].with_user(self.head).search([("id", "=", hold_b.id)])
        )
        with self.assertRaises(AccessError):
            hold_b.with_user(self.head).action_acknowledge_report()
        hold_b.action_acknowledge_report()
        self.assertEqual(hold_b.acknowledged_user_id, head_b)
        # A head set on company A who is not of company B is not B's head.
        company_b.sudo().asq_quality_head_id = self.head
        hold_b2 = (
            self.env["asq.hold"]
            .with_user(head_b)
            .with_company(company_b)
            .create(
                {
                    "product_id": self.device.id,
                    "company_id": company_b.id,
                    "reason": "Second hold in B",
                    "lot_ids": [Command.set(lot_b.ids)],
                }
            )
        )
        hold_b2.action_activate()
        hold_b2.write({"report_content": "Again"})
        hold_b2.action_report_head()
        self.assertFalse(hold_b2.report_head_id)
        self.assertNotIn(lot_a, hold_b2.lot_ids)
