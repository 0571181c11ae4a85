"""[15] Screens, error messages and portal: the delivered-goods picker (its
name, its search, its list), the QC list and line form, "Create Receipt"
once approved, field names in the user's language in the error messages,
and on the portal the customer's answer to a complaint reply, the
complaint list and the filing forms keeping what was chosen."""

import re

from lxml import etree

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, HttpCase, tagged
from odoo.tools import mute_logger
from odoo.tools.misc import format_date

from odoo.addons.after_sales_quality.tests.complaint_common import AsqComplaintCommon
from odoo.addons.after_sales_quality.tests.test_portal import PNG, AsqPortalCommon
from odoo.addons.after_sales_quality.tests.test_return import ReturnCommon


def _load_chinese(env):
    env["res.lang"]._activate_lang("zh_CN")
    env["ir.module.module"]._load_module_terms(
        ["after_sales_quality"], ["zh_CN"], overwrite=True
    )


@tagged("post_install", "-at_install", "asq_ux")
class TestDeliveredPicker(AsqComplaintCommon):
    """The delivered goods a return request or a complaint picks."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product.default_code = "GLU-100"

    def test_picker_name(self):
        line = self.delivered_product
        date = format_date(
            self.env, fields.Datetime.context_timestamp(line, line.date).date()
        )
        self.assertEqual(
            line.display_name,
            f"[GLU-100] Test Glucometer · CC-LOT-1 · {self.picking.name} · "
            f"{date} · 10.00 Units at customer",
        )

    def test_picker_name_in_chinese(self):
        _load_chinese(self.env)
        line = self.delivered_product.with_context(lang="zh_CN")
        name = line.display_name
        self.assertNotIn("at customer", name)
        self.assertIn("CC-LOT-1", name)
        self.assertIn(self.picking.name, name)

    def test_picker_search_by_lot_delivery_and_product(self):
        Delivered = self.env["asq.delivered.line"]
        domain = [("partner_id", "=", self.customer.id)]
        by_lot = Delivered.name_search("CC-LOT-2", domain)
        self.assertEqual([r[0] for r in by_lot], self.delivered_product_b_ids())
        by_delivery = Delivered.name_search(self.picking.name, domain)
        self.assertEqual(sorted(r[0] for r in by_delivery), sorted(self.delivered.ids))
        by_code = Delivered.name_search("GLU-100", domain)
        self.assertEqual([r[0] for r in by_code], self.delivered_product.ids)
        by_name = Delivered.name_search("Strips", domain)
        self.assertEqual([r[0] for r in by_name], self.delivered_product_b_ids())
        self.assertFalse(Delivered.name_search("NO-SUCH-LOT", domain))

    def delivered_product_b_ids(self):
        return self.delivered.filtered(lambda d: d.product_id == self.product_b).ids

    def test_picker_list_and_search_views(self):
        """The "Search More..." dialog lists product, lot, delivery, date and
        what is still at the customer, and searches each."""
        views = self.env["asq.delivered.line"].get_views(
            [(False, "list"), (False, "search")]
        )["views"]
        columns = [
            node.get("name")
            for node in etree.fromstring(views["list"]["arch"]).xpath("//field")
            if node.get("optional") != "hide"
        ]
        self.assertEqual(
            columns[:5], ["product_id", "lot_id", "picking_id", "date", "remaining_qty"]
        )
        search = etree.fromstring(views["search"]["arch"])
        for fname in ("product_id", "lot_id", "picking_id", "date"):
            self.assertTrue(search.xpath(f"//field[@name='{fname}']"), fname)
        self.assertTrue(search.xpath("//filter[@name='at_customer']"))
        # The report keeps its own list (customer, amounts).
        action = self.env.ref("after_sales_quality.asq_delivered_line_action")
        self.assertEqual(
            action.views[0],
            (
                self.env.ref("after_sales_quality.asq_delivered_line_view_list").id,
                "list",
            ),
        )


@tagged("post_install", "-at_install", "asq_ux")
class TestReturnScreens(ReturnCommon):
    """The request's lines: a compact list, a form per line; the receipt
    once approved."""

    def _line_list(self):
        arch = (
            self.env["asq.return"]
            .with_user(self.inspector)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        [lines] = etree.fromstring(arch).xpath("//field[@name='line_ids']/list")
        return lines

    def test_qc_list_is_compact_and_opens_a_form(self):
        lines = self._line_list()
        self.assertEqual(lines.get("open_form_view"), "1")
        shown = [
            node.get("name")
            for node in lines.xpath("./field")
            if node.get("optional") != "hide"
            and node.get("column_invisible") not in ("1", "True")
        ]
        # The QC columns of the list: the result and the disposition only.
        self.assertEqual(
            [f for f in shown if f.startswith("qc_")], ["qc_result", "qc_disposition"]
        )
        self.assertLessEqual(len(shown), 14)
        form = (
            self.env["asq.return.line"]
            .with_user(self.inspector)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        for fname in (
            "qc_result",
            "qc_disposition",
            "qc_company_fault",
            "qc_department_id",
            "qc_responsibility",
            "qc_note",
        ):
            self.assertIn(f'name="{fname}"', form)
        # The QC result explained on the line's form.
        self.assertIn("write the explanation given to the customer", form)

    def test_qc_line_form_edits_by_role_and_state(self):
        ret = self._create_return(qty=2.0, kind="quality", resolution="refund")
        self._approve(ret)
        line = ret.line_ids
        # Before the goods are received the QC findings are read-only.
        with Form(line.with_user(self.inspector)) as form:
            with self.assertRaises(AssertionError):
                form.qc_result = "reject"
        self._receive(ret)
        with Form(line.with_user(self.inspector)) as form:
            form.qc_result = "reject"
            form.qc_note = "Housing cracked by a fall at the customer"
        self.assertEqual(line.qc_result, "reject")
        # Who is no inspector is refused by the line's guard.
        form = Form(line.with_user(self.aftersales))
        form.qc_note = "Changed by after-sales"
        with self.assertRaisesRegex(UserError, "no longer be changed"):
            form.save()
        self.assertEqual(line.qc_note, "Housing cracked by a fall at the customer")
        # The request lines themselves stay frozen after the draft.
        with Form(line.with_user(self.inspector)) as form:
            with self.assertRaises(AssertionError):
                form.quantity = 1.0

    def test_create_receipt_only_once_approved(self):
        ret = self._create_return()
        ret.with_user(self.sales).action_submit()
        for signer in (None, self.aftersales, self.finance):
            if signer:
                self._sign(ret, signer)
            self.assertFalse(ret.with_user(self.warehouse_user).can_create_receipt)
            with self.assertRaisesRegex(UserError, "Create Receipt is not possible"):
                ret.with_user(self.warehouse_user).action_create_receipt()
            self.assertFalse(ret.picking_ids, ret.state)
        self._sign(ret, self.business)
        self.assertEqual(ret.state, "approved")
        self.assertTrue(ret.with_user(self.warehouse_user).can_create_receipt)
        ret.with_user(self.warehouse_user).action_create_receipt()
        self.assertEqual(ret.picking_ids.asq_return_role, "receipt")


@tagged("post_install", "-at_install", "asq_ux")
class TestTranslatedFieldNames(AsqComplaintCommon):
    """An error naming fields names them in the user's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        _load_chinese(cls.env)
        # The sales user works in Chinese.
        cls.zh_user = cls.users["asq_sales"]
        cls.zh_user.lang = "zh_CN"

    def _label(self, model, fname, lang):
        return (
            self.env["ir.model.fields"]
            .with_context(lang=lang)
            ._get(model, fname)
            .field_description
        )

    def _zh(self, record):
        """``record`` as the Chinese user, in the user's language (the web
        client sends it in the context)."""
        return record.with_user(self.zh_user).with_context(lang="zh_CN")

    def test_missing_fields_named_in_chinese(self):
        complaint = self._create_complaint(
            login="asq_sales", category=False, description=False
        )
        labels = [
            self._label("asq.complaint", fname, "zh_CN")
            for fname in ("category", "description")
        ]
        for label in labels:
            self.assertTrue(re.search(r"[\u4e00-\u9fff]", label), label)
        with self.assertRaises(UserError) as refused:
            self._zh(complaint).action_submit()
        message = refused.exception.args[0]
        for label in labels:
            self.assertIn(label, message)
        self.assertNotIn("Description", message)
        self.assertNotIn("description", message)

    def test_signature_fields_named_in_chinese(self):
        ret = self._return_request(
            self.customer, [(self.delivered_product, 1.0)], user=self.users["asq_sales"]
        )
        label = self._label("asq.return", "review_user_id", "zh_CN")
        self.assertTrue(re.search(r"[\u4e00-\u9fff]", label), label)
        with self.assertRaises(UserError) as refused:
            self._zh(ret).write({"review_user_id": self.users["asq_sales"].id})
        message = refused.exception.args[0]
        self.assertIn(label, message)
        self.assertNotIn("review_user_id", message)

    def test_labels_follow_the_language(self):
        Complaint = self.env["asq.complaint"]
        english = Complaint.with_context(lang="en_US")._asq_field_labels(
            ["description"]
        )
        chinese = Complaint.with_context(lang="zh_CN")._asq_field_labels(
            ["description"]
        )
        self.assertEqual(english, ["Description"])
        self.assertEqual(
            chinese, [self._label("asq.complaint", "description", "zh_CN")]
        )
        self.assertNotEqual(english, chinese)


class AsqUxPortalCommon(AsqPortalCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.email = "kangtai@example.com"

    def _replied(self, complaint):
        # Owned by the sales user, who walks it to the reply.
        complaint.user_id = self.users["asq_sales"]
        self._walk(complaint, "replied")
        self.assertEqual(complaint.state, "replied")
        return complaint


@tagged("post_install", "-at_install", "asq_ux", "asq_portal")
class TestPortalScreens(HttpCase, AsqUxPortalCommon):
    def _answer(self, complaint, data, login="asq_portal_a"):
        return self._post(
            f"/my/complaints/{complaint.id}/satisfaction", data, login=login
        )

    def test_satisfied_answer(self):
        complaint = self._replied(self.complaint_a)
        page = self._get(complaint.get_portal_url(), login="asq_portal_a")
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_asq_satisfied", page.text)
        self.assertIn("o_asq_not_satisfied", page.text)
        response = self._answer(complaint, {"satisfaction": "satisfied"})
        self.assertIn(response.status_code, (302, 303), response.text[:500])
        self.assertIn("message=answered", response.headers["Location"])
        self.assertEqual(complaint.state, "confirmed")
        self.assertEqual(complaint.satisfaction, "satisfied")
        self.assertEqual(complaint.confirmed_user_id, self.portal_a)
        # A second click (another tab, a resent form) is told, not a 500.
        with mute_logger("odoo.http"):
            again = self._answer(
                complaint, {"satisfaction": "not_satisfied", "comment": "x"}
            )
        self.assertEqual(again.status_code, 400)
        self.assertIn("is not waiting for your answer", again.text)
        self.assertEqual(complaint.state, "confirmed")
        page = self._get(complaint.get_portal_url(), login="asq_portal_a")
        self.assertNotIn("o_asq_satisfied", page.text)
        self.assertIn("o_asq_satisfaction_given", page.text)

    def test_not_satisfied_needs_a_comment(self):
        complaint = self._replied(self.complaint_a)
        with mute_logger("odoo.http"):
            refused = self._answer(complaint, {"satisfaction": "not_satisfied"})
        self.assertEqual(refused.status_code, 400)
        self.assertIn("what does not satisfy you", refused.text)
        self.assertEqual(complaint.state, "replied")
        answered = self._answer(
            complaint,
            {"satisfaction": "not_satisfied", "comment": "Still shows wrong values"},
        )
        self.assertIn(answered.status_code, (302, 303))
        self.assertEqual(complaint.state, "investigating")
        self.assertEqual(complaint.satisfaction, "not_satisfied")
        self.assertEqual(complaint.satisfaction_note, "Still shows wrong values")
        self.assertEqual(complaint.reopen_count, 1)

    def test_answer_refused_to_others_and_without_csrf(self):
        complaint = self._replied(self.complaint_a)
        # Another company's customer: no buttons, a forged post refused.
        with mute_logger("odoo.http"):
            forged = self._answer(
                complaint, {"satisfaction": "satisfied"}, "asq_portal_b"
            )
        self.assertIn(forged.status_code, (403, 404))
        # Without the CSRF token.
        self._login("asq_portal_a")
        with mute_logger("odoo.http"):
            no_csrf = self.url_open(
                f"/my/complaints/{complaint.id}/satisfaction",
                data={"satisfaction": "satisfied"},
                allow_redirects=False,
            )
        self.assertEqual(no_csrf.status_code, 400)
        # A complaint not replied yet.
        with mute_logger("odoo.http"):
            early = self._answer(
                self.complaint_b, {"satisfaction": "satisfied"}, "asq_portal_b"
            )
        self.assertEqual(early.status_code, 400)
        self.assertEqual(self.complaint_b.state, "draft")
        self.assertEqual(complaint.state, "replied")
        self.assertFalse(complaint.satisfaction)

    def test_complaint_list_shows_product_and_description(self):
        page = self._get("/my/complaints", login="asq_portal_a")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Test Glucometer", page.text)
        self.assertIn(f"Broken display at {self.customer.name}", page.text)
        self.assertNotIn(self.customer_b.name, page.text)

    def _checked(self, html, delivered):
        match = re.search(
            rf'<input[^>]*name="delivered_line_id"[^>]*value="{delivered.id}"[^>]*>',
            html,
        )
        self.assertTrue(match, html[:2000])
        return "checked" in match.group(0)

    def test_refused_complaint_form_keeps_goods_and_photos(self):
        delivered = self.delivered_product
        with mute_logger("odoo.http"):
            refused = self._post(
                "/my/complaints/new",
                {
                    "category": "quality",
                    "description": "",
                    "delivered_line_id": delivered.id,
                    f"quantity_{delivered.id}": "3",
                },
                files=[("attachments", ("crack.png", PNG, "image/png"))],
            )
        self.assertEqual(refused.status_code, 400)
        self.assertIn("Describe the problem you met.", refused.text)
        self.assertTrue(self._checked(refused.text, delivered))
        self.assertIn(f'name="quantity_{delivered.id}" value="3"', refused.text)
        kept = re.findall(r'name="asq_kept_file"[^>]*value="([^"]+)"', refused.text)
        self.assertEqual(len(kept), 1, refused.text[-3000:])
        self.assertIn("crack.png", refused.text)
        # Sent again with the description: the kept photo is its evidence.
        sent = self._post(
            "/my/complaints/new",
            {
                "category": "quality",
                "description": "Cracked housing",
                "delivered_line_id": delivered.id,
                f"quantity_{delivered.id}": "3",
                "asq_kept_file": kept[0],
            },
        )
        self.assertIn(sent.status_code, (302, 303), sent.text[:500])
        complaint = self.env["asq.complaint"].search(
            [("description", "=", "Cracked housing")]
        )
        self.assertEqual(complaint.line_ids.quantity, 3)
        self.assertEqual(complaint.evidence_ids.mapped("name"), ["crack.png"])
        attachment_id = int(kept[0].split(":")[0])
        self.assertFalse(self.env["ir.attachment"].browse(attachment_id).exists())

    def test_kept_file_of_another_user_is_ignored(self):
        with mute_logger("odoo.http"):
            refused = self._post(
                "/my/complaints/new",
                {"description": ""},
                files=[("attachments", ("mine.png", PNG, "image/png"))],
                login="asq_portal_b",
            )
        [kept] = re.findall(r'name="asq_kept_file"[^>]*value="([^"]+)"', refused.text)
        sent = self._post(
            "/my/complaints/new",
            {"category": "quality", "description": "Not mine", "asq_kept_file": kept},
        )
        self.assertIn(sent.status_code, (302, 303))
        complaint = self.env["asq.complaint"].search([("description", "=", "Not mine")])
        self.assertFalse(complaint.evidence_ids)
        self.assertTrue(
            self.env["ir.attachment"].browse(int(kept.split(":")[0])).exists()
        )

    def test_refused_return_form_keeps_goods(self):
        delivered = self.delivered_product
        with mute_logger("odoo.http"):
            refused = self._post(
                "/my/returns/new",
                {
                    "delivered_line_id": delivered.id,
                    f"quantity_{delivered.id}": "999",
                    f"kind_{delivered.id}": "unsaleable",
                    f"reason_{delivered.id}": "Slow seller",
                },
            )
        self.assertEqual(refused.status_code, 400)
        self.assertTrue(self._checked(refused.text, delivered))
        self.assertIn('value="Slow seller"', refused.text)
        self.assertRegex(refused.text, r'value="unsaleable"\s+selected')

    def test_goods_search(self):
        page = self._get(
            "/my/complaints/new?goods_search=CC-LOT-2", login="asq_portal_a"
        )
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_asq_goods_search", page.text)
        self.assertIn("CC-LOT-2", page.text)
        self.assertNotIn('data-lot="CC-LOT-1"', page.text)
        page = self._get("/my/complaints/new", login="asq_portal_a")
        self.assertIn('data-lot="CC-LOT-1"', page.text)
        self.assertIn("at customer", page.text)


@tagged("post_install", "-at_install", "asq_ux", "asq_portal")
class TestPortalSatisfiedTour(HttpCase, AsqUxPortalCommon):
    def test_customer_answers_satisfied(self):
        complaint = self._replied(self.complaint_a)
        self.start_tour(
            complaint.get_portal_url(),
            "asq_ux_portal_satisfied_tour",
            login="asq_portal_a",
        )
        self.assertEqual(complaint.state, "confirmed")
        self.assertEqual(complaint.satisfaction, "satisfied")
        self.assertEqual(complaint.confirmed_user_id, self.portal_a)
