from datetime import datetime, time, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.after_sales_quality.models.asq_workflow_mixin import AsqStateError
from odoo.addons.after_sales_quality.tests.common import validate_picking
from odoo.addons.after_sales_quality.tests.test_return import ReturnCommon

NOTICE = "asq.rework.notice"
REPORT = "after_sales_quality.asq_rework_notice_report"


@tagged("post_install", "-at_install", "asq_procedures")
class TestReworkNotice(ReturnCommon):
    """003: 「3.4生产部:负责退货产品的返工处理。」 and its record 《返工通知单》:
    QC sends returned goods to rework, production reworks them, the quality
    department re-inspects them and the good ones go back into stock; the
    return request waits for them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.asq_rework_days = 3
        # Production needs no after-sales role.
        cls.production = new_test_user(
            cls.env, login="asq_rework_production", groups="base.group_user"
        )
        cls.other_employee = cls.users["asq_employee"]
        cls.department = cls.env["hr.department"].create(
            {"name": "Production", "company_id": cls.company.id}
        )
        cls.lot = cls.env["stock.lot"].search(
            [("name", "=", "L-RET-1"), ("product_id", "=", cls.product.id)]
        )

    def _qty(self, location):
        """On hand of the returned lot in ``location`` (reserved or not:
        the exchange's replacement reserves what is in stock)."""
        return sum(
            self.env["stock.quant"]
            ._gather(self.product, location, lot_id=self.lot, strict=True)
            .mapped("quantity")
        )

    def _inspected_return(self):
        """10 returned (one lot): QC accepts 7 back to stock, 3 to rework."""
        delivered = self._delivered()
        ret = self._return_request(
            self.customer,
            [(delivered, 7.0), (delivered, 3.0)],
            user=self.sales,
            kind="quality",
            resolution="exchange",
            reason="Housing scratched",
        )
        self._approve(ret)
        self._receive(ret)
        self.assertEqual(ret.state, "received")
        line_stock, line_rework = ret.line_ids
        self.assertEqual(
            (line_stock.received_qty, line_rework.received_qty), (7.0, 3.0)
        )
        line_stock.with_user(self.inspector).write(
            {"qc_result": "accept", "qc_disposition": "stock"}
        )
        line_rework.with_user(self.inspector).write(
            {
                "qc_result": "accept",
                "qc_disposition": "rework",
                "qc_note": "Scratches on the housing, polish and repaint",
            }
        )
        ret.with_user(self.inspector).action_qc_sign()
        self.assertEqual(ret.state, "inspected")
        return ret

    def _issued(self, ret):
        notice = ret.rework_notice_ids
        notice.with_user(self.inspector).write(
            {
                "instructions": "Polish the housing, repaint, test the display",
                "user_id": self.production.id,
                "department_id": self.department.id,
            }
        )
        notice.with_user(self.inspector).action_issue()
        return notice

    def test_rework_notice_to_stock(self):
        ret = self._inspected_return()
        notice = ret.rework_notice_ids
        self.assertEqual(len(notice), 1)
        self.assertRegex(notice.name, r"^RW/\d{4}/\d{4}$")
        self.assertEqual(
            (notice.state, notice.product_id, notice.lot_id, notice.quantity),
            ("draft", self.product, self.lot, 3.0),
        )
        self.assertEqual(notice.defect, "Scratches on the housing, polish and repaint")
        self.assertEqual(ret.rework_notice_count, 1)
        self.assertTrue(
            any(notice.name in body for body in ret.message_ids.mapped("body"))
        )
        # The requested completion: 3 working days on the company calendar.
        today = fields.Date.context_today(notice)
        expected = fields.Date.to_date(
            self.company.resource_calendar_id._asq_plan_working_days(
                datetime.combine(today, time(0)), 3
            )
        )
        self.assertEqual(notice.date_due, expected)
        self.assertGreaterEqual(notice.date_due, today + timedelta(days=3))
        self.assertLess(notice.date_due.weekday(), 5)
        # The inspectors' to-do: issue it.
        self.assertIn(
            self.inspector, notice.activity_ids.mapped("user_id"), "issue to-do"
        )

        # The put-aways: 7 to stock, 3 to the Rework location.
        rework_location = ret._qc_location(self.warehouse, "rework")
        putaways = ret.picking_ids.filtered(lambda p: p.asq_return_role == "putaway")
        self.assertEqual(len(putaways), 2)
        to_rework = putaways.filtered(lambda p: p.location_dest_id == rework_location)
        self.assertEqual(to_rework.move_ids.product_uom_qty, 3.0)
        stock_before = self._qty(self.warehouse.lot_stock_id)
        for picking in putaways:
            validate_picking(picking.with_user(self.warehouse_user))
        self.assertEqual(self._qty(rework_location), 3.0)
        self.assertEqual(self._qty(self.warehouse.lot_stock_id), stock_before + 7.0)
        # The request waits for the notice: not done, and refused if forced.
        self.assertEqual(ret.state, "inspected")
        with self.assertRaisesRegex(UserError, f"{notice.name} is open"):
            ret._workflow_write({"state": "done"})
        with self.assertRaisesRegex(UserError, "workflow buttons"):
            ret.with_user(self.qm).write({"state": "done"})

        # Issue: the quality department's step, with the instructions.
        with self.assertRaisesRegex(AccessError, "Quality Inspector"):
            notice.with_user(self.production).with_context(lang="en_US").action_issue()
        with self.assertRaisesRegex(UserError, "cannot be issued yet"):
            notice.with_user(self.inspector).with_context(lang="en_US").action_issue()
        notice = self._issued(ret)
        self.assertEqual(
            (notice.state, notice.issued_user_id), ("issued", self.inspector)
        )
        self.assertEqual(
            notice.activity_ids.mapped("user_id"), self.production, "production to-do"
        )
        self.assertEqual(notice.activity_ids.date_deadline, notice.date_due)

        # Production: the responsible accepts, not another employee; the
        # stamps and the wrong order are refused.
        prod = notice.with_user(self.production).with_context(lang="en_US")
        other = notice.with_user(self.other_employee).with_context(lang="en_US")
        self.assertFalse(other.can_accept)
        self.assertTrue(prod.can_accept)
        with self.assertRaisesRegex(AccessError, "not allowed to do this step"):
            other.action_accept()
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            prod.write({"accepted_user_id": self.production.id})
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            prod.write({"picking_id": to_rework.id})
        with self.assertRaises(AsqStateError):
            prod.action_rework()
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            prod.write({"qty_ok": 3.0})
        prod.action_accept()
        self.assertEqual(
            (notice.state, notice.accepted_user_id), ("accepted", self.production)
        )
        with self.assertRaises(AsqStateError):
            prod.action_accept()
        # Another employee may not write production's figures.
        with self.assertRaises(AccessError):
            other.write({"qty_ok": 3.0})
        with self.assertRaisesRegex(AccessError, "Quality Inspector"):
            prod.write({"instructions": "Forged"})
        prod.write({"qty_ok": 2.0, "rework_note": "Two polished, one cracked"})
        with self.assertRaisesRegex(UserError, "must add up to the 3.0"):
            prod.action_rework()
        prod.write({"qty_scrap": 1.0})
        prod.action_rework()
        self.assertEqual(
            (notice.state, notice.reworked_user_id), ("reworked", self.production)
        )

        # Re-inspection: the quality department; production may not sign it.
        with self.assertRaisesRegex(AccessError, "Quality Inspector"):
            prod.action_reinspect()
        insp = notice.with_user(self.inspector).with_context(lang="en_US")
        with self.assertRaisesRegex(UserError, "re-inspection findings"):
            insp.action_reinspect()
        insp.write({"reinspection_note": "Two OK as new, one cracked housing"})
        insp.action_reinspect()
        self.assertEqual(
            (notice.state, notice.reinspected_user_id),
            ("reinspected", self.inspector),
        )
        # One scrapped from the Rework location, two on their way to stock.
        self.assertEqual(notice.scrap_id.state, "done")
        self.assertEqual(notice.scrap_id.scrap_qty, 1.0)
        picking = notice.picking_id
        self.assertEqual(picking.picking_type_id, self.warehouse.int_type_id)
        self.assertEqual(
            (picking.location_id, picking.location_dest_id),
            (rework_location, self.warehouse.lot_stock_id),
        )
        self.assertEqual(picking.move_ids.product_uom_qty, 2.0)
        self.assertEqual(picking.move_line_ids.lot_id, self.lot)
        self.assertEqual(self._qty(rework_location), 2.0)
        self.assertEqual(ret.state, "inspected")

        # Back in stock: the warehouse validates the transfer.
        validate_picking(picking.with_user(self.warehouse_user))
        self.assertEqual(
            (notice.state, notice.stocked_user_id), ("done", self.warehouse_user)
        )
        self.assertEqual(self._qty(rework_location), 0.0)
        self.assertEqual(self._qty(self.warehouse.lot_stock_id), stock_before + 9.0)
        self.assertEqual(self._qty(notice.scrap_id.scrap_location_id), 1.0)
        # Nothing open any more: the request is done, its note due.
        self.assertEqual(ret.state, "done")
        self.assertTrue(ret.booked_date)
        self.assertFalse(notice.is_overdue)
        with self.assertRaisesRegex(UserError, "is closed"):
            insp.write({"reinspection_note": "Changed afterwards"})

        # The printout: what, how many, by when, and the stamped names.
        html = self._html(REPORT, notice)
        for text in (
            notice.name,
            "Rework Notice",
            "Polish the housing, repaint, test the display",
            self.product.display_name,
            "L-RET-1",
            self.production.name,
            self.inspector.name,
            self.warehouse_user.name,
            "Two OK as new, one cracked housing",
        ):
            self.assertIn(text, html)
        self.assertRegex(html, r"o_asq_rework_qty[^>]*>3\.00")
        self.assertIn(ret.name, html)
        self._assert_pdf(REPORT, notice)

    def test_printout_in_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["after_sales_quality"], ["zh_CN"], overwrite=True
        )
        ret = self._inspected_return()
        notice = self._issued(ret)
        html, _type = (
            self.env["ir.actions.report"]
            .with_context(lang="zh_CN")
            ._render_qweb_html(REPORT, notice.ids)
        )
        html = html.decode()
        self.assertIn("返工通知单", html)
        self.assertIn("要求完成日期", html)
        self.assertIn("生产负责人", html)
        self.assertIn(notice.name, html)

    def test_nothing_good_done_at_reinspection(self):
        """All scrapped: no transfer, the notice is done when re-inspected and
        the request with it."""
        ret = self._inspected_return()
        for picking in ret.picking_ids.filtered(
            lambda p: p.asq_return_role == "putaway"
        ):
            validate_picking(picking)
        notice = self._issued(ret)
        prod = notice.with_user(self.production)
        prod.action_accept()
        # Before the goods are in the Rework location, nothing is recorded.
        prod.write({"qty_scrap": 3.0, "rework_note": "All cracked"})
        prod.action_rework()
        insp = notice.with_user(self.inspector)
        insp.write({"reinspection_note": "Beyond repair"})
        insp.action_reinspect()
        self.assertEqual(notice.state, "done")
        self.assertFalse(notice.picking_id)
        self.assertEqual(notice.scrap_id.scrap_qty, 3.0)
        self.assertEqual(ret.state, "done")

    def test_goods_not_in_rework_location(self):
        ret = self._inspected_return()
        notice = self._issued(ret)
        prod = notice.with_user(self.production).with_context(lang="en_US")
        prod.action_accept()
        prod.write({"qty_ok": 3.0})
        with self.assertRaisesRegex(UserError, "not in the Rework location yet"):
            prod.action_rework()

    def test_forged_rpc(self):
        ret = self._inspected_return()
        notice = ret.rework_notice_ids
        with self.assertRaisesRegex(UserError, "issued by the workflow"):
            self.env[NOTICE].with_user(self.qm).create(
                {
                    "return_id": ret.id,
                    "product_id": self.product.id,
                    "quantity": 1.0,
                }
            )
        with self.assertRaisesRegex(UserError, "workflow buttons"):
            notice.with_user(self.inspector).write({"state": "done"})
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            notice.with_user(self.inspector).write(
                {"issued_user_id": self.inspector.id}
            )
        # A context key unlocks nothing.
        with self.assertRaisesRegex(UserError, "workflow buttons"):
            notice.with_user(self.inspector).with_context(
                asq_rework_notice_workflow=True
            ).write({"state": "done"})
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            notice.with_user(self.qm).unlink()
        # The warehouse does not issue or re-inspect.
        with self.assertRaisesRegex(AccessError, "Quality Inspector"):
            notice.with_user(self.warehouse_user).action_issue()
        # Another company's inspector neither sees nor signs it.
        other_company = self.env["res.company"].create({"name": "Rework Other Co"})
        outsider = new_test_user(
            self.env,
            login="asq_rework_outsider",
            groups="base.group_user,after_sales_quality.group_asq_inspector",
            company_id=other_company.id,
            company_ids=[Command.set(other_company.ids)],
        )
        self.assertFalse(
            self.env[NOTICE].with_user(outsider).search([("id", "=", notice.id)])
        )
        with self.assertRaises(AccessError):
            notice.with_user(outsider).action_issue()
        self.assertEqual(notice.state, "draft")

    def test_overdue_reminder(self):
        ret = self._inspected_return()
        notice = self._issued(ret)
        self.assertFalse(notice.is_overdue)
        # Ten days later, nothing reworked: overdue, one reminder to production.
        self._sql(
            "UPDATE asq_rework_notice SET date_due = %s WHERE id = %s",
            [fields.Date.today() - timedelta(days=1), notice.id],
        )
        self.assertTrue(notice.is_overdue)
        self.assertIn(notice, self.env[NOTICE].search([("is_overdue", "=", True)]))
        self.env[NOTICE]._cron_escalate_overdue()
        self.assertTrue(notice.overdue_notified)
        reminder = notice.message_ids.filtered(lambda m: "overdue" in (m.subject or ""))
        self.assertEqual(len(reminder), 1)
        self.assertIn(self.production.partner_id, reminder.partner_ids)
        self.assertEqual(
            len(
                notice.activity_ids.filtered(
                    lambda a: a.user_id == self.production and "overdue" in a.summary
                )
            ),
            1,
        )
        # Once only.
        self.env[NOTICE]._cron_escalate_overdue()
        self.assertEqual(
            len(notice.message_ids.filtered(lambda m: "overdue" in (m.subject or ""))),
            1,
        )

    def _reinspected(self):
        """Put-aways booked, 3 reworked OK and re-inspected: the transfer back
        to stock waits; the request waits for the notice."""
        ret = self._inspected_return()
        for picking in ret.picking_ids.filtered(
            lambda p: p.asq_return_role == "putaway"
        ):
            validate_picking(picking)
        notice = self._issued(ret)
        prod = notice.with_user(self.production)
        prod.action_accept()
        prod.write({"qty_ok": 3.0, "rework_note": "Polished"})
        prod.action_rework()
        insp = notice.with_user(self.inspector)
        insp.write({"reinspection_note": "OK"})
        insp.action_reinspect()
        self.assertEqual(notice.state, "reinspected")
        self.assertEqual(ret.state, "inspected")
        return ret, notice

    def test_cancel_by_quality_manager(self):
        """A notice that can never be finished is cancelled by the quality
        manager with the reason: its transfer back to stock is cancelled and
        the request, waiting for nothing else, is done."""
        ret, notice = self._reinspected()
        picking = notice.picking_id
        self.assertNotIn(picking.state, ("done", "cancel"))
        notice.sudo().activity_schedule(
            "mail.mail_activity_data_todo", summary="chase", user_id=self.qm.id
        )
        qm = notice.with_user(self.qm).with_context(lang="en_US")
        self.assertFalse(qm.can_cancel)
        # No reason, no cancellation.
        with self.assertRaisesRegex(UserError, "Give the reason for cancelling"):
            qm.action_cancel()
        # Neither an inspector nor production writes the reason or cancels.
        with self.assertRaisesRegex(AccessError, "only be changed by the role"):
            notice.with_user(self.inspector).write({"cancel_reason": "x"})
        reason = "Goods scrapped at the customer site, issued by mistake"
        qm.write({"cancel_reason": reason})
        self.assertTrue(qm.can_cancel)
        for user in (self.inspector, self.production):
            with self.assertRaisesRegex(AccessError, "Quality Manager"):
                notice.with_user(user).with_context(lang="en_US").action_cancel()
        self.assertEqual(notice.state, "reinspected")
        # Stamps are the step's.
        with self.assertRaisesRegex(UserError, "signed by the workflow buttons"):
            qm.write({"cancelled_user_id": self.qm.id})
        with self.assertRaisesRegex(UserError, "workflow buttons"):
            qm.write({"state": "cancel"})

        qm.action_cancel()
        self.assertEqual(notice.state, "cancel")
        self.assertEqual(notice.cancelled_user_id, self.qm)
        self.assertTrue(notice.cancelled_date)
        self.assertEqual(picking.state, "cancel")
        self.assertFalse(notice.activity_ids)
        self.assertTrue(any(reason in b for b in notice.message_ids.mapped("body")))
        self.assertTrue(
            any(
                reason in b and notice.name in b for b in ret.message_ids.mapped("body")
            )
        )
        self.assertEqual(ret.state, "done")
        # Once cancelled: no second cancellation, the reason is frozen.
        with self.assertRaisesRegex(AsqStateError, "current status \\(Cancelled\\)"):
            qm.action_cancel()
        with self.assertRaises(UserError):
            qm.write({"cancel_reason": "changed"})
        # The printout says so, with the reason and who cancelled.
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            REPORT, notice.ids
        )
        html = html.decode()
        self.assertIn("o_asq_rework_cancelled", html)
        self.assertIn("Cancelled (Quality Manager)", html)
        self.assertIn(reason, html)
        self.assertIn(self.qm.name, html)

    def test_cancel_refused_once_done(self):
        ret, notice = self._reinspected()
        validate_picking(notice.picking_id.with_user(self.warehouse_user))
        self.assertEqual(notice.state, "done")
        self.assertEqual(ret.state, "done")
        with self.assertRaisesRegex(
            AsqStateError, "current status \\(Back in Stock\\)"
        ):
            notice.with_user(self.qm).with_context(lang="en_US").action_cancel()
