import base64

from odoo import Command, fields, http
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from odoo.addons.after_sales_quality.models.asq_workflow_mixin import asq_step
from odoo.addons.after_sales_quality.tests.complaint_common import AsqComplaintCommon

# A real 1x1 PNG image.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9"
    "awAAAABJRU5ErkJggg=="
)


class AsqPortalCommon(AsqComplaintCommon):
    """Two customer companies, each with a portal user, a delivery, a
    complaint, a return request and a service visit waiting for signature."""

    # Delivered now: within the customers' return time limit, and before the
    # complaints these tests receive (now).
    delivery_date = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.user_id = cls.users["asq_sales"]
        cls.customer_b = cls.env["res.partner"].create(
            {"name": "Portal Customer B", "is_company": True, "email": "b@example.com"}
        )
        cls.contact_b = cls.env["res.partner"].create(
            {"name": "Wang B", "parent_id": cls.customer_b.id}
        )
        cls.portal_a, cls.portal_b = (
            new_test_user(
                cls.env,
                login=login,
                groups="base.group_portal",
                partner_id=contact.id,
                email=email,
            )
            for login, contact, email in (
                ("asq_portal_a", cls.customer_contact, "li.test@example.com"),
                ("asq_portal_b", cls.contact_b, "wang.b@example.com"),
            )
        )
        cls.picking_b = cls._deliver(
            cls.customer_b, [(cls.product, 5, 100.0, "PORTAL-LOT-B")]
        )
        cls.delivered_b = cls._delivered_lines(cls.picking_b)
        cls.complaint_a = cls._make_complaint(cls.customer, cls.delivered_product)
        cls.complaint_b = cls._make_complaint(cls.customer_b, cls.delivered_b)
        cls.return_a = cls._make_return(cls.customer, cls.delivered_product)
        cls.return_b = cls._make_return(cls.customer_b, cls.delivered_b)
        cls.visit_a = cls._make_visit(cls.customer)
        cls.visit_b = cls._make_visit(cls.customer_b)

    @classmethod
    def _make_complaint(cls, customer, delivered):
        return cls.env["asq.complaint"].create(
            {
                "partner_id": customer.id,
                "channel": "phone",
                "category": "quality",
                "description": f"Broken display at {customer.name}",
                "line_ids": [
                    Command.create({"delivered_line_id": delivered.id, "quantity": 1})
                ],
            }
        )

    @classmethod
    def _make_return(cls, customer, delivered):
        return cls._return_request(customer, [(delivered, 1)])

    @classmethod
    def _make_visit(cls, customer):
        visit = cls.env["asq.service.visit"].create(
            {
                "partner_id": customer.id,
                "visit_type": "repair",
                "request": "Meter does not start",
                "work_done": "Replaced the sensor",
                "result": "Works again",
            }
        )
        visit.action_done()
        return visit

    def _login(self, login):
        if login:
            self.authenticate(login, login)
        else:
            self.authenticate(None, None)

    def _get(self, url, login=None):
        self._login(login)
        return self.url_open(url, allow_redirects=False)

    def _post(self, url, data, files=None, login="asq_portal_a"):
        self._login(login)
        data = {**data, "csrf_token": http.Request.csrf_token(self)}
        return self.url_open(url, data=data, files=files, allow_redirects=False)

    def assertLoginRedirect(self, response, msg=None):
        self.assertIn(response.status_code, (302, 303), msg)
        self.assertIn("/web/login", response.headers.get("Location", ""), msg)


@tagged("post_install", "-at_install", "asq_portal")
class TestPortalAccess(HttpCase, AsqPortalCommon):
    """Every route, one by one: anonymous, the owner, another customer, and
    token links (right, wrong, another record's)."""

    def test_list_routes(self):
        for url, record_a, record_b in (
            ("/my/complaints", self.complaint_a, self.complaint_b),
            ("/my/returns", self.return_a, self.return_b),
            ("/my/service_visits", self.visit_a, self.visit_b),
        ):
            self.assertLoginRedirect(self._get(url), url)
            response = self._get(url, "asq_portal_a")
            self.assertEqual(response.status_code, 200, url)
            self.assertIn(record_a.name, response.text, url)
            self.assertNotIn(record_b.name, response.text, url)
            response = self._get(url, "asq_portal_b")
            self.assertEqual(response.status_code, 200, url)
            self.assertIn(record_b.name, response.text, url)
            self.assertNotIn(record_a.name, response.text, url)

    def test_form_and_survey_routes_need_login(self):
        for url in ("/my/complaints/new", "/my/returns/new", "/my/surveys"):
            self.assertLoginRedirect(self._get(url), url)
            self.assertEqual(self._get(url, "asq_portal_a").status_code, 200, url)

    def test_new_complaint_form_offers_own_deliveries_only(self):
        response = self._get("/my/complaints/new", "asq_portal_a")
        self.assertIn("CC-LOT-1", response.text)
        self.assertNotIn("PORTAL-LOT-B", response.text)
        response = self._get("/my/returns/new", "asq_portal_b")
        self.assertIn("PORTAL-LOT-B", response.text)
        self.assertNotIn("CC-LOT-1", response.text)

    def _check_detail_route(self, record_a, record_b):
        url = record_a.access_url
        token_a = record_a._portal_ensure_token()
        token_b = record_b._portal_ensure_token()
        # Anonymous: login, right token, wrong token, another record's token.
        self.assertLoginRedirect(self._get(url), url)
        response = self._get(f"{url}?access_token={token_a}")
        self.assertEqual(response.status_code, 200, url)
        self.assertIn(record_a.name, response.text)
        self.assertEqual(self._get(f"{url}?access_token=wrong").status_code, 403, url)
        self.assertEqual(
            self._get(f"{url}?access_token={token_b}").status_code, 403, url
        )
        # The owner, another customer, another customer with a wrong token.
        self.assertEqual(self._get(url, "asq_portal_a").status_code, 200, url)
        self.assertEqual(self._get(url, "asq_portal_b").status_code, 403, url)
        self.assertEqual(
            self._get(f"{url}?access_token={token_b}", "asq_portal_b").status_code,
            403,
            url,
        )
        # A record that does not exist.
        missing = url.rsplit("/", 1)[0] + "/999999999"
        self.assertEqual(self._get(missing).status_code, 404, missing)
        self.assertEqual(self._get(missing, "asq_portal_a").status_code, 404, missing)

    def test_complaint_page(self):
        self._check_detail_route(self.complaint_a, self.complaint_b)

    def test_return_page(self):
        self._check_detail_route(self.return_a, self.return_b)

    def test_return_page_shows_what_came_back(self):
        ret = self.return_a
        page = self._get(ret.access_url, "asq_portal_a")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("Received Quantity", page.text)
        # Its receipt brought back a quarter of what was approved.
        ret.line_ids.with_context(**asq_step("asq_return_workflow")).write(
            {"received_qty": 0.25}
        )
        ret.with_context(**asq_step("asq_return_workflow")).write(
            {"state": "received", "received_date": fields.Datetime.now()}
        )
        page = self._get(ret.access_url, "asq_portal_a")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Received Quantity", page.text)
        self.assertIn("0.25", page.text)

    def test_visit_page(self):
        self._check_detail_route(self.visit_a, self.visit_b)

    def test_satisfaction_route(self):
        url = f"{self.visit_a.access_url}/satisfaction"
        data = {"satisfaction": "satisfied"}
        token_b = self.visit_b._portal_ensure_token()
        self.assertLoginRedirect(self._post(url, data, login=None))
        for token in ("wrong", token_b):
            response = self._post(url, {**data, "access_token": token}, login=None)
            self.assertEqual(response.status_code, 403, token)
        self.assertEqual(self._post(url, data, login="asq_portal_b").status_code, 403)
        self.assertFalse(self.visit_a.satisfaction)
        response = self._post(
            url,
            {**data, "access_token": self.visit_a._portal_ensure_token()},
            login=None,
        )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.visit_a.satisfaction, "satisfied")

    def _sign(self, visit, login, token=None, name="Li Test"):
        self._login(login)
        url = f"{visit.access_url}/sign"
        if token:
            url += f"?access_token={token}"
        return self.make_jsonrpc_request(
            url, {"name": name, "signature": base64.b64encode(PNG).decode()}
        )

    def test_sign_route(self):
        self.visit_a.sudo().write({"satisfaction": "satisfied"})
        token_b = self.visit_b._portal_ensure_token()
        for login, token in (
            (None, None),
            (None, "wrong"),
            (None, token_b),
            ("asq_portal_b", None),
        ):
            result = self._sign(self.visit_a, login, token)
            self.assertEqual(
                result, {"error": "You may not sign this service report."}, token
            )
        missing = self.visit_a.browse(999999999)
        self.assertEqual(
            self._sign(missing, "asq_portal_a"),
            {"error": "This service report does not exist."},
        )
        self.assertEqual(self.visit_a.state, "done")

    def test_customer_posts_on_own_complaint_only(self):
        page = self._get(self.complaint_a.access_url, "asq_portal_a")
        self.assertIn(f'data-token="{self.complaint_a.access_token}"', page.text)
        self.make_jsonrpc_request(
            "/mail/message/post",
            {
                "thread_model": "asq.complaint",
                "thread_id": self.complaint_a.id,
                "post_data": {"body": "Any news?", "message_type": "comment"},
                "token": self.complaint_a.access_token,
            },
        )
        message = self.complaint_a.message_ids.filtered(lambda m: "Any news?" in m.body)
        self.assertEqual(message.author_id, self.customer_contact)
        self._login("asq_portal_b")
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(
                "/mail/message/post",
                {
                    "thread_model": "asq.complaint",
                    "thread_id": self.complaint_a.id,
                    "post_data": {"body": "Intruder", "message_type": "comment"},
                    "token": "wrong",
                },
            )
        self.assertFalse(
            self.complaint_a.message_ids.filtered(lambda m: "Intruder" in m.body)
        )

    def test_counters(self):
        self._login("asq_portal_a")
        counters = self.make_jsonrpc_request(
            "/my/counters",
            {
                "counters": [
                    "asq_complaint_count",
                    "asq_return_count",
                    "asq_visit_count",
                    "asq_survey_count",
                ]
            },
        )
        self.assertEqual(
            counters,
            {
                "asq_complaint_count": 1,
                "asq_return_count": 1,
                "asq_visit_count": 1,
                "asq_survey_count": 0,
            },
        )

    def test_record_rules(self):
        for model, mine, other in (
            ("asq.complaint", self.complaint_a, self.complaint_b),
            ("asq.return", self.return_a, self.return_b),
            ("asq.service.visit", self.visit_a, self.visit_b),
            (
                "asq.complaint.line",
                self.complaint_a.line_ids,
                self.complaint_b.line_ids,
            ),
            ("asq.return.line", self.return_a.line_ids, self.return_b.line_ids),
        ):
            Model = self.env[model].with_user(self.portal_a)
            found = Model.search([("id", "in", (mine | other).ids)])
            self.assertEqual(found, mine.with_user(self.portal_a), model)
            with self.assertRaises(AccessError, msg=model):
                other.with_user(self.portal_a).check_access("read")
            with self.assertRaises(AccessError, msg=model):
                mine.with_user(self.portal_a).check_access("write")
        delivered = (
            self.env["asq.delivered.line"]
            .with_user(self.portal_a)
            .search([("id", "in", (self.delivered | self.delivered_b).ids)])
        )
        self.assertEqual(delivered.ids, self.delivered.ids)
        with self.assertRaises(AccessError):
            self.env["asq.complaint"].with_user(self.portal_a).create(
                {"partner_id": self.customer.id, "description": "direct"}
            )


@tagged("post_install", "-at_install", "asq_portal")
class TestPortalComplaint(HttpCase, AsqPortalCommon):
    def _file_complaint(self, files, login="asq_portal_a", delivered=None):
        delivered = delivered or self.delivered_product
        return self._post(
            "/my/complaints/new",
            {
                "category": "quality",
                "description": "The display flickers",
                "customer_request": "exchange",
                "delivered_line_id": str(delivered.id),
                f"quantity_{delivered.id}": "2",
            },
            files=files,
            login=login,
        )

    def _portal_complaints(self):
        return self.env["asq.complaint"].search(
            [
                ("commercial_partner_id", "=", self.customer.id),
                ("channel", "=", "portal"),
            ]
        )

    def test_photo_accepted_and_evidence_for_back_office(self):
        response = self._file_complaint(
            [("attachments", ("meter.png", PNG, "image/png"))]
        )
        self.assertEqual(response.status_code, 303, response.text[:500])
        complaint = self._portal_complaints()
        self.assertEqual(len(complaint), 1)
        self.assertIn(f"/my/complaints/{complaint.id}", response.headers["Location"])
        self.assertEqual(complaint.channel, "portal")
        self.assertEqual(complaint.state, "draft")
        self.assertEqual(complaint.partner_id, self.customer)
        self.assertEqual(complaint.contact_id, self.customer_contact)
        self.assertEqual(complaint.user_id, self.users["asq_sales"])
        self.assertEqual(complaint.line_ids.lot_id.name, "CC-LOT-1")
        self.assertEqual(complaint.line_ids.quantity, 2)
        self.assertEqual(complaint.evidence_ids.mapped("name"), ["meter.png"])
        self.assertEqual(complaint.evidence_ids.mimetype, "image/png")
        self.assertEqual(base64.b64decode(complaint.evidence_ids.datas), PNG)
        self.assertIn(self.customer_contact, complaint.message_partner_ids)
        activity = complaint.activity_ids
        self.assertEqual(activity.user_id, self.users["asq_sales"])
        self.assertIn("New portal complaint", activity.summary)
        # The back office (own documents) sees it with its channel "Portal".
        own = complaint.with_user(self.users["asq_sales"])
        self.assertEqual(own.channel, "portal")
        self.assertEqual(
            dict(own._fields["channel"]._description_selection(own.env))["portal"],
            "Portal",
        )
        # The customer sees the photo on its page.
        page = self._get(complaint.access_url, "asq_portal_a")
        self.assertIn("meter.png", page.text)

    def test_file_over_the_cap_refused(self):
        big = PNG + b"\0" * (5 * 1024 * 1024)
        response = self._file_complaint(
            [("attachments", ("big.png", big, "image/png"))]
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn(
            "big.png is too large: files may not exceed 5.0 MB.", response.text
        )
        self.assertFalse(self._portal_complaints())

    def test_cap_from_the_setting(self):
        self.env["ir.config_parameter"].set_param(
            "after_sales_quality.portal_upload_max_mb", "0.00001"
        )
        response = self._file_complaint(
            [("attachments", ("meter.png", PNG, "image/png"))]
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("meter.png is too large", response.text)
        self.assertFalse(self._portal_complaints())

    def test_disallowed_types_refused(self):
        for name, content in (
            ("photo.png", b"<html><script>alert(1)</script></html>"),
            ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"),
        ):
            response = self._file_complaint(
                [("attachments", (name, content, "image/png"))]
            )
            self.assertEqual(response.status_code, 400, name)
            self.assertIn(
                f"{name} is not a photo or PDF: only JPEG, PNG, WebP images and "
                "PDF documents are accepted.",
                response.text,
            )
        self.assertFalse(self._portal_complaints())
        self.assertFalse(
            self.env["ir.attachment"].search(
                [("name", "in", ("photo.png", "setup.exe"))]
            )
        )

    def test_too_many_files_refused(self):
        files = [
            ("attachments", (f"p{index}.png", PNG, "image/png")) for index in range(6)
        ]
        response = self._file_complaint(files)
        self.assertEqual(response.status_code, 400)
        self.assertIn("You can attach at most 5 files.", response.text)
        self.assertFalse(self._portal_complaints())

    def test_other_customers_goods_refused(self):
        response = self._file_complaint([], delivered=self.delivered_b)
        self.assertEqual(response.status_code, 400)
        self.assertIn("Choose goods that were delivered to you.", response.text)
        self.assertFalse(self._portal_complaints())

    def test_reply_mail_carries_the_token_link(self):
        response = self._file_complaint([])
        self.assertEqual(response.status_code, 303)
        complaint = self._portal_complaints()
        self._walk(complaint, "replied")
        self.assertEqual(complaint.state, "replied")
        reply = complaint.message_ids.filtered(
            lambda m: m.message_type == "comment" and "our reply" in (m.subject or "")
        )
        self.assertTrue(reply)
        self.assertIn(f"access_token={complaint.access_token}", reply.body)
        # ... and the customer reads the reply in the chatter of the portal.
        self._login("asq_portal_a")
        messages = self.make_jsonrpc_request(
            "/mail/thread/messages",
            {"thread_model": "asq.complaint", "thread_id": complaint.id},
        )
        bodies = " ".join(m["body"] for m in messages["data"]["mail.message"])
        self.assertIn("Exchange the 2 meters", bodies)
        # (the root cause is the quality department's, not in the reply)
        self.assertNotIn("Sensor calibration drift", bodies)


@tagged("post_install", "-at_install", "asq_portal")
class TestPortalReturn(HttpCase, AsqPortalCommon):
    def _request(self, delivered, quantity, reason="Damaged in transport"):
        return self._post(
            "/my/returns/new",
            {
                "delivered_line_id": str(delivered.id),
                f"quantity_{delivered.id}": str(quantity),
                f"kind_{delivered.id}": "quality",
                f"resolution_{delivered.id}": "refund",
                f"reason_{delivered.id}": reason,
            },
        )

    def _new_returns(self):
        return self.env["asq.return"].search(
            [("partner_id", "in", (self.customer | self.customer_b).ids)]
        ) - (self.return_a | self.return_b)

    def test_request_submitted(self):
        response = self._request(self.delivered_product, 3)
        self.assertEqual(response.status_code, 303, response.text[:500])
        ret = self._new_returns()
        self.assertEqual(len(ret), 1)
        self.assertEqual(ret.state, "submitted")
        self.assertEqual(ret.partner_id, self.customer)
        self.assertEqual(ret.user_id, self.users["asq_sales"])
        self.assertEqual(ret.line_ids.quantity, 3)
        self.assertEqual(ret.line_ids.kind, "quality")
        self.assertEqual(ret.line_ids.resolution, "refund")
        self.assertEqual(ret.approval_ids.step, "submit")
        self.assertEqual(ret.approval_ids.user_id, self.portal_a)
        # Among the reviewers' to-dos the request waits for.
        self.assertIn(
            "New portal return request", " ".join(ret.activity_ids.mapped("summary"))
        )
        self.assertEqual(self._get(ret.access_url, "asq_portal_a").status_code, 200)

    def test_other_customers_line_refused(self):
        response = self._request(self.delivered_b, 1)
        self.assertEqual(response.status_code, 400)
        self.assertIn("Choose goods that were delivered to you.", response.text)
        self.assertFalse(self._new_returns())

    def test_more_than_delivered_refused(self):
        response = self._request(self.delivered_product, 11)
        self.assertEqual(response.status_code, 400)
        self.assertIn("the quantity still with you", response.text)
        self.assertFalse(self._new_returns())

    def test_more_than_left_after_open_requests_refused(self):
        # 10 delivered; an open request already asks for 8.
        self.return_a.line_ids.quantity = 8
        self.return_a.with_user(self.users["asq_aftersales"]).action_submit()
        response = self._request(self.delivered_product, 3)
        self.assertEqual(response.status_code, 400)
        self.assertIn("requested in open return requests", response.text)
        self.assertFalse(self._new_returns())

    def test_reason_required(self):
        response = self._request(self.delivered_product, 1, reason=" ")
        self.assertEqual(response.status_code, 400)
        self.assertIn("Give the reason for returning", response.text)
        self.assertFalse(self._new_returns())

    def test_return_note_carries_the_token_link(self):
        self.env["asq.return"].search([("note_sent_date", "=", False)])._workflow_write(
            {"note_sent_date": "2020-01-01 00:00:00"}
        )
        self.return_a._workflow_write(
            {
                "state": "done",
                "booked_date": "2025-03-07 10:00:00",
                "note_check_date": "2025-03-07 11:00:00",
                "note_sent_date": False,
            }
        )
        self.env["asq.return"]._cron_send_return_notes()
        mail = self.env["mail.mail"].search(
            [("model", "=", "asq.return"), ("res_id", "=", self.return_a.id)]
        )
        self.assertTrue(mail)
        self.assertIn(f"access_token={self.return_a.access_token}", mail.body_html)


@tagged("post_install", "-at_install", "asq_portal")
class TestPortalSignature(HttpCase, AsqPortalCommon):
    def test_sign_service_report(self):
        token = self.visit_a._portal_ensure_token()
        response = self._post(
            f"{self.visit_a.access_url}/satisfaction",
            {"satisfaction": "not_satisfied", "comment": ""},
        )
        self.assertEqual(response.status_code, 303)
        # Not satisfied without a comment: the visit's own check refuses.
        result = self.make_jsonrpc_request(
            f"{self.visit_a.access_url}/sign?access_token={token}",
            {"name": "Li Test", "signature": base64.b64encode(PNG).decode()},
        )
        self.assertIn("cannot be signed yet", result["error"])
        self.assertEqual(self.visit_a.state, "done")
        response = self._post(
            f"{self.visit_a.access_url}/satisfaction", {"satisfaction": "satisfied"}
        )
        self.assertEqual(response.status_code, 303)
        result = self.make_jsonrpc_request(
            f"{self.visit_a.access_url}/sign",
            {"name": "Li Test", "signature": base64.b64encode(PNG).decode()},
        )
        self.assertTrue(result["force_refresh"])
        self.assertEqual(self.visit_a.state, "signed")
        self.assertEqual(self.visit_a.signer_name, "Li Test")
        self.assertEqual(self.visit_a.signed_user_id, self.portal_a)
        self.assertTrue(self.visit_a.signed_date)
        self.assertEqual(base64.b64decode(self.visit_a.signature), PNG)
        self.assertTrue(
            self.visit_a.message_ids.filtered(
                lambda m: "signed on the customer portal by Li Test" in m.body
                and m.author_id == self.customer_contact
            )
        )
        # The signed report shows who signed; a second signature is refused.
        page = self._get(self.visit_a.access_url, "asq_portal_a")
        self.assertIn("Li Test", page.text)
        result = self.make_jsonrpc_request(
            f"{self.visit_a.access_url}/sign",
            {"name": "Somebody Else", "signature": base64.b64encode(PNG).decode()},
        )
        self.assertIn("error", result)
        self.assertEqual(self.visit_a.signer_name, "Li Test")
        response = self._post(
            f"{self.visit_a.access_url}/satisfaction",
            {"satisfaction": "not_satisfied", "comment": "changed my mind"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.visit_a.satisfaction, "satisfied")

    def test_sign_with_token_as_anonymous(self):
        self.visit_b.sudo().write({"satisfaction": "satisfied"})
        token = self.visit_b._portal_ensure_token()
        self._login(None)
        result = self.make_jsonrpc_request(
            f"{self.visit_b.access_url}/sign?access_token={token}",
            {"name": "Wang B", "signature": base64.b64encode(PNG).decode()},
        )
        self.assertTrue(result.get("force_refresh"), result)
        self.assertEqual(self.visit_b.state, "signed")
        self.assertEqual(self.visit_b.signer_name, "Wang B")


@tagged("post_install", "-at_install", "asq_portal")
class TestPortalSurvey(HttpCase, AsqPortalCommon):
    def test_open_survey_listed_with_its_start_url(self):
        tag = self.env["res.partner.category"].create({"name": "ASQ portal survey"})
        self.customer.category_id = [Command.link(tag.id)]
        campaign = self.env["asq.survey.campaign"].create(
            {
                "name": "Portal survey campaign",
                "survey_id": self.env.ref(
                    "after_sales_quality.asq_survey_satisfaction"
                ).id,
                "partner_category_ids": [Command.set(tag.ids)],
            }
        )
        campaign.action_draw_sample()
        campaign.action_send_invitations()
        user_input = campaign.target_ids.user_input_id
        self.assertEqual(campaign.target_ids.partner_id, self.customer)
        response = self._get("/my/surveys", "asq_portal_a")
        self.assertEqual(response.status_code, 200)
        self.assertIn(campaign.survey_id.title, response.text)
        self.assertIn(user_input.get_start_url().replace("&", "&amp;"), response.text)
        self.assertNotIn(
            user_input.access_token, self._get("/my/surveys", "asq_portal_b").text
        )
        # Answered: no longer listed.
        user_input.sudo()._mark_done()
        self.assertNotIn(
            user_input.access_token, self._get("/my/surveys", "asq_portal_a").text
        )
