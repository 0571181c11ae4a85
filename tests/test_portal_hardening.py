"""The portal under attack over HTTP: what JSON-RPC reveals to a customer,
what files its chatter takes, malformed numbers and text in its forms, and
the same complaint form sent ten times at once. Every refusal is a readable
message and leaves nothing written; nothing answers HTTP 500."""

import base64
import json
import re
import threading
from contextlib import contextmanager

import requests

from odoo import api, fields, http
from odoo.modules.registry import Registry
from odoo.tests import HttpCase, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME, BaseCase, get_db_name
from odoo.tools import mute_logger

from odoo.addons.after_sales_quality.models.asq_complaint import AsqPortalDuplicate
from odoo.addons.after_sales_quality.tests import test_races as races
from odoo.addons.after_sales_quality.tests.common import registry_reachable
from odoo.addons.after_sales_quality.tests.test_portal import PNG, AsqPortalCommon

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 64
# Bidi controls a file name may hide an extension with.
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"

# What the portal pages never show of a complaint, a return request and the
# customer's own partner record (the back office reads them).
COMPLAINT_HIDDEN = (
    "onsite_result",
    "disposition_note",
    "disposition_deadline",
    "onsite_deadline",
    "answer_deadline",
    "next_deadline",
    "overdue_escalated",
    "is_overdue",
    "disposition_on_time",
    "onsite_on_time",
    "answer_on_time",
)
RETURN_HIDDEN = ("note_deadline",)
PARTNER_HIDDEN = (
    "asq_locality",
    "asq_custom_terms",
    "asq_exchange_ratio_cap",
    "asq_return_days",
    "asq_effective_exchange_ratio_cap",
    "asq_effective_return_days",
    "asq_period_delivered_amount",
    "asq_period_returned_amount",
    "asq_period_return_ratio",
)
FIELD_REFUSED = "You do not have enough rights to access the fields"


class AsqHardeningCommon(AsqPortalCommon):
    def _complaints(self):
        """The complaints customer A filed on the portal."""
        return self.env["asq.complaint"].search(
            [
                ("commercial_partner_id", "=", self.customer.id),
                ("channel", "=", "portal"),
            ]
        )

    def _rpc(self, route, params, login="asq_portal_a"):
        """The decoded JSON-RPC answer (result or error), never a 500."""
        self._login(login)
        response = self.url_open(
            route,
            data=json.dumps(
                {"id": 0, "jsonrpc": "2.0", "method": "call", "params": params}
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200, response.text[:300])
        return response.json()

    def _call_kw(self, model, method, args, kwargs=None, login="asq_portal_a"):
        return self._rpc(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
            login=login,
        )

    def assertRpcRefused(self, answer, text, msg=None):
        self.assertIn("error", answer, msg)
        self.assertIn(text, answer["error"]["data"]["message"], msg)


@tagged("post_install", "-at_install", "asq_security")
class TestPortalRpcFields(HttpCase, AsqHardeningCommon):
    """JSON-RPC reads what the portal pages show, nothing more."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Secrets in the hidden fields (set by the back office).
        cls.env.cr.execute(
            """UPDATE asq_complaint SET onsite_result = 'SECRET-ONSITE',
                      disposition_note = 'SECRET-NOTE', overdue_escalated = TRUE
                WHERE id = %s""",
            [cls.complaint_a.id],
        )
        cls.complaint_a.invalidate_recordset()
        cls.customer.sudo().write(
            {
                "asq_locality": "remote",
                "asq_custom_terms": True,
                "asq_exchange_ratio_cap": 12.5,
                "asq_return_days": 45,
            }
        )

    def _check_hidden(self, model, record, hidden, shown):
        # The fields the page shows are read.
        answer = self._call_kw(model, "read", [record.ids, list(shown)])
        self.assertEqual(answer.get("result", [{}])[0].get("id"), record.id, answer)
        for fname in hidden:
            with self.subTest(model=model, field=fname):
                for method, args, kwargs in (
                    ("read", [record.ids, [fname]], {}),
                    ("search_read", [[("id", "=", record.id)], [fname]], {}),
                    ("search_read", [[(fname, "!=", False)], ["id"]], {}),
                    ("search", [[(fname, "=", False)]], {}),
                    ("search_count", [[(fname, "!=", False)]], {}),
                    ("read_group", [[], ["__count"], [fname]], {}),
                ):
                    field = record._fields[fname]
                    if method != "read" and not field.store:
                        if method == "read_group" or not field.search:
                            continue  # Odoo searches and groups stored fields
                    answer = self._call_kw(model, method, args, kwargs)
                    self.assertRpcRefused(answer, FIELD_REFUSED, f"{method} {fname}")
                    if field.store or method == "read":
                        self.assertIn(fname, answer["error"]["data"]["message"])
        # The field descriptions do not offer them.
        answer = self._call_kw(model, "search_read", [[("id", "=", record.id)], shown])
        self.assertEqual(len(answer["result"]), 1, answer)
        described = self._call_kw(model, "fields_get", [], {"attributes": ["type"]})
        self.assertFalse(set(hidden) & set(described["result"]))
        # The back office still reads them.
        record.with_user(self.users["asq_aftersales"]).read(list(hidden))
        return answer["result"][0]

    def test_complaint_hides_result_note_deadlines_and_escalation(self):
        values = self._check_hidden(
            "asq.complaint",
            self.complaint_a,
            COMPLAINT_HIDDEN,
            ("name", "state", "category", "description", "received_date"),
        )
        self.assertNotIn("SECRET", json.dumps(values, default=str))
        page = self._get(self.complaint_a.access_url, "asq_portal_a")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("SECRET", page.text)

    def test_return_hides_its_note_deadline(self):
        self.return_a._workflow_write({"booked_date": fields.Datetime.now()})
        self.assertTrue(self.return_a.note_deadline)
        self._check_hidden(
            "asq.return",
            self.return_a,
            RETURN_HIDDEN,
            ("name", "state", "date_request", "refusal_reason"),
        )
        self.assertEqual(
            self._get(self.return_a.access_url, "asq_portal_a").status_code, 200
        )

    def test_partner_hides_return_terms_ratio_and_locality(self):
        self.assertEqual(self.customer_contact.asq_return_days, 45)
        for partner in (self.customer_contact, self.customer):
            values = self._check_hidden(
                "res.partner", partner, PARTNER_HIDDEN, ("name", "email", "city")
            )
            self.assertNotIn("45", [str(v) for v in values.values()])
        # Their own account page still opens and saves.
        self.assertEqual(self._get("/my/account", "asq_portal_a").status_code, 200)


@tagged("post_install", "-at_install", "asq_security")
class TestPortalChatterFiles(HttpCase, AsqHardeningCommon):
    """The complaint form's file rules hold in the chatter of the portal
    page too: type, size, count, and a name that tells the truth."""

    def _upload(self, record, name, content, login="asq_portal_a"):
        self._login(login)
        response = self.url_open(
            "/mail/attachment/upload",
            data={
                "thread_id": str(record.id),
                "thread_model": record._name,
                "is_pending": "true",
                "token": record._portal_ensure_token(),
                "csrf_token": http.Request.csrf_token(self),
            },
            files={"ufile": (name, content, "application/octet-stream")},
        )
        self.assertEqual(response.status_code, 200, response.text[:300])
        return response.json()

    def _post(self, record, attachments, body="Photos of the damage"):
        return self._rpc(
            "/mail/message/post",
            {
                "thread_model": record._name,
                "thread_id": record.id,
                "post_data": {
                    "body": body,
                    "message_type": "comment",
                    "attachment_ids": attachments.ids,
                },
                "attachment_tokens": attachments.mapped("access_token"),
                "token": record._portal_ensure_token(),
            },
        )

    def _uploaded(self, answer):
        data = answer["data"]["ir.attachment"]
        return self.env["ir.attachment"].browse([a["id"] for a in data])

    def test_upload_refuses_other_types_and_oversize(self):
        not_allowed = (
            "%s is not a photo or PDF: only JPEG, PNG, WebP images and PDF "
            "documents are accepted."
        )
        for record in (self.complaint_a, self.return_a, self.visit_a):
            for name, content, reason in (
                ("setup.exe", EXE, not_allowed % "setup.exe"),
                (
                    "page.png",
                    b"<html><script>x</script></html>",
                    not_allowed % "page.png",
                ),
                (
                    "big.png",
                    PNG + b"\0" * (5 * 1024 * 1024),
                    "big.png is too large: files may not exceed 5.0 MB.",
                ),
            ):
                with self.subTest(model=record._name, name=name):
                    answer = self._upload(record, name, content)
                    self.assertEqual(answer.get("error"), reason)
                    self.assertFalse(
                        self.env["ir.attachment"].search([("name", "=", name)])
                    )

    def test_post_refuses_more_files_than_the_form(self):
        attachments = self.env["ir.attachment"]
        for index in range(6):
            answer = self._upload(self.complaint_a, f"p{index}.png", PNG)
            self.assertNotIn("error", answer)
            attachments |= self._uploaded(answer)
        self.assertEqual(len(attachments), 6)
        before = self.complaint_a.message_ids
        answer = self._post(self.complaint_a, attachments)
        self.assertRpcRefused(answer, "You can attach at most 5 files.")
        self.assertEqual(self.complaint_a.message_ids, before)
        # Five go through.
        answer = self._post(self.complaint_a, attachments[:5])
        self.assertNotIn("error", answer)
        message = self.complaint_a.message_ids - before
        self.assertEqual(len(message.attachment_ids), 5)

    def test_post_rechecks_the_content_of_what_it_links(self):
        # A file stored by another way than the checked upload (another
        # thread's chatter, an older version) is checked again when posted.
        self._login("asq_portal_a")
        smuggled = (
            self.env["ir.attachment"]
            .with_user(self.portal_a)
            .sudo()
            .create(
                {
                    "name": "invoice.pdf",
                    "raw": EXE,
                    "res_model": "mail.compose.message",
                    "res_id": 0,
                    "access_token": "smuggled-token",
                }
            )
        )
        before = self.return_a.message_ids
        answer = self._post(self.return_a, smuggled)
        self.assertRpcRefused(answer, "invoice.pdf is not a photo or PDF")
        self.assertEqual(self.return_a.message_ids, before)
        self.assertEqual(smuggled.res_model, "mail.compose.message")

    def test_bidi_name_cannot_hide_the_extension(self):
        name = "photo\u202egnp.exe"  # shows as "photoexe.png"
        answer = self._upload(self.complaint_a, name, PNG)
        self.assertNotIn("error", answer)
        attachment = self._uploaded(answer)
        self.assertEqual(attachment.name, "photognp.png")
        self.assertEqual(attachment.mimetype, "image/png")
        answer = self._post(self.complaint_a, attachment)
        self.assertNotIn("error", answer)
        self.assertEqual(attachment.res_model, "asq.complaint")
        self.assertEqual(attachment.name, "photognp.png")


@tagged("post_install", "-at_install", "asq_security")
class TestPortalFormInput(HttpCase, AsqHardeningCommon):
    """Malformed numbers, text and file names in the portal forms."""

    def _new_returns(self):
        return self.env["asq.return"].search(
            [("partner_id", "=", self.customer.id), ("id", "!=", self.return_a.id)]
        )

    def _complaint_form(self, quantity="2", files=None, **extra):
        delivered = self.delivered_product
        return self._post(
            "/my/complaints/new",
            {
                "category": "quality",
                "description": "The display flickers",
                "delivered_line_id": str(delivered.id),
                f"quantity_{delivered.id}": quantity,
                **extra,
            },
            files=files,
        )

    @mute_logger("odoo.http")
    def test_bad_quantities_refused_on_the_complaint_form(self):
        for value in (
            "abc",
            "0x10",
            "1,5",
            "NaN",
            "nan",
            "inf",
            "-inf",
            "1e308",
            "1e3",
            "1\x00",
            "",
            " ",
            "-1",
            "0",
            "99999999999999999999",
        ):
            with self.subTest(value=value):
                response = self._complaint_form(value)
                self.assertEqual(response.status_code, 400, response.text[:300])
                self.assertIn("o_asq_portal_error", response.text)
                error = re.search(
                    r'o_asq_portal_error" role="alert">([^<]*)<', response.text
                ).group(1)
                self.assertTrue(
                    "quantity" in error.lower()
                    or "characters that are not allowed" in error,
                    error,
                )
                self.assertFalse(self._complaints())
        # Year 9999 or a date of any kind is no input of the form: ignored.
        response = self._complaint_form("1.5", received_date="9999-12-31 23:59:59")
        self.assertEqual(response.status_code, 303, response.text[:300])
        complaint = self._complaints()
        self.assertEqual(complaint.line_ids.quantity, 1.5)
        self.assertLess(complaint.received_date.year, 9999)

    def test_refusal_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.portal_a.lang = "zh_CN"
        response = self._complaint_form("1,5")
        self.assertEqual(response.status_code, 400, response.text[:300])
        self.assertIn("的数量必须是用数字书写、以小数点表示小数的数值", response.text)
        response = self._complaint_form(description="Broken\x00display")
        self.assertIn("您的输入包含不允许的字符", response.text)
        self.assertFalse(self._complaints())

    @mute_logger("odoo.http")
    def test_bad_quantities_refused_on_the_return_form(self):
        delivered = self.delivered_product
        for value in ("abc", "0x10", "1,5", "NaN", "inf", "1e308", "1\x00", "", "0"):
            with self.subTest(value=value):
                response = self._post(
                    "/my/returns/new",
                    {
                        "delivered_line_id": str(delivered.id),
                        f"quantity_{delivered.id}": value,
                        f"kind_{delivered.id}": "quality",
                        f"resolution_{delivered.id}": "refund",
                        f"reason_{delivered.id}": "Cracked",
                    },
                )
                self.assertEqual(response.status_code, 400, response.text[:300])
                self.assertIn("o_asq_portal_error", response.text)
                self.assertIn("quantity", response.text.lower())
                self.assertFalse(self._new_returns())

    @mute_logger("odoo.http")
    def test_nul_bytes_and_huge_ids_refused(self):
        delivered = self.delivered_product
        response = self._complaint_form(description="Broken\x00display")
        self.assertEqual(response.status_code, 400, response.text[:300])
        self.assertIn("characters that are not allowed", response.text)
        response = self._complaint_form(delivered_line_id="99999999999999999999")
        self.assertEqual(response.status_code, 400, response.text[:300])
        self.assertIn("Choose goods that were delivered to you.", response.text)
        self.assertFalse(self._complaints())
        response = self._post(
            "/my/returns/new",
            {
                "delivered_line_id": str(delivered.id),
                f"quantity_{delivered.id}": "1",
                f"reason_{delivered.id}": "Cracked\x00",
            },
        )
        self.assertEqual(response.status_code, 400, response.text[:300])
        self.assertIn("characters that are not allowed", response.text)
        self.assertFalse(self._new_returns())
        # The service report's satisfaction and signature.
        response = self._post(
            f"{self.visit_a.access_url}/satisfaction",
            {"satisfaction": "not_satisfied", "comment": "Late\x00"},
        )
        self.assertEqual(response.status_code, 400, response.text[:300])
        self.assertIn("characters that are not allowed", response.text)
        self.assertFalse(self.visit_a.satisfaction)
        self.visit_a.sudo().write({"satisfaction": "satisfied"})
        answer = self._rpc(
            f"{self.visit_a.access_url}/sign",
            {"name": "Li\x00Test", "signature": base64.b64encode(PNG).decode()},
        )
        self.assertIn("characters that are not allowed", answer["result"]["error"])
        self.assertEqual(self.visit_a.state, "done")

    def test_form_file_names_tell_the_truth(self):
        response = self._complaint_form(
            files=[
                ("attachments", ("invoice\u202efdp.exe", PNG, "image/png")),
                ("attachments", ("setup.exe", PNG, "image/png")),
                ("attachments", ("report.png", PDF, "image/png")),
                ("attachments", (f"{BIDI}..\\..\\etc/passwd", PNG, "image/png")),
            ]
        )
        self.assertEqual(response.status_code, 303, response.text[:300])
        evidence = self._complaints().evidence_ids.sorted("id")
        self.assertEqual(
            evidence.mapped("name"),
            ["invoicefdp.png", "setup.png", "report.pdf", "passwd.png"],
        )
        self.assertEqual(
            evidence.mapped("mimetype"),
            ["image/png", "image/png", "application/pdf", "image/png"],
        )


@tagged("post_install", "-at_install", "asq_security")
class TestPortalDoubleSubmit(HttpCase, AsqHardeningCommon):
    """The same complaint form sent ten times at once files one complaint."""

    def _fire(self, data, count=10):
        """Post ``data`` ``count`` times at once with the same session and CSRF
        token; the responses."""
        url = self.base_url() + "/my/complaints/new"
        cookies = {
            "session_id": self.session.sid,
            TEST_CURSOR_COOKIE_NAME: self.canonical_tag,
        }
        barrier = threading.Barrier(count)
        responses = [None] * count

        def send(index):
            barrier.wait()
            try:
                responses[index] = requests.post(
                    url,
                    data=data,
                    files=[("attachments", ("meter.png", PNG, "image/png"))],
                    cookies=cookies,
                    allow_redirects=False,
                    timeout=60,
                )
            except requests.RequestException as error:
                responses[index] = error

        self.env.cr.flush()
        self.env.cr.clear()
        threads = [threading.Thread(target=send, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return responses

    def test_ten_identical_posts_file_one_complaint(self):
        self._login("asq_portal_a")
        form = self.url_open("/my/complaints/new")
        token = re.search(r'name="asq_form_token" value="([^"]+)"', form.text)
        self.assertTrue(token, "the form carries a one-time token")
        delivered = self.delivered_product
        data = {
            "csrf_token": http.Request.csrf_token(self),
            "asq_form_token": token.group(1),
            "category": "quality",
            "description": "The display flickers",
            "delivered_line_id": str(delivered.id),
            f"quantity_{delivered.id}": "2",
        }
        responses = self._fire(data)
        complaint = self._complaints()
        self.assertEqual(len(complaint), 1)
        self.assertEqual(len(complaint.evidence_ids), 1)
        for response in responses:
            self.assertIsInstance(response, requests.Response, response)
            self.assertEqual(response.status_code, 303, response.text[:300])
            self.assertIn(
                f"/my/complaints/{complaint.id}", response.headers["Location"]
            )

    def test_ten_identical_posts_without_token_file_one_complaint(self):
        """A form posted without its token (an old page, a script) is
        recognised by its content for a few minutes."""
        self._login("asq_portal_a")
        delivered = self.delivered_product
        data = {
            "csrf_token": http.Request.csrf_token(self),
            "category": "quality",
            "description": "The display flickers",
            "delivered_line_id": str(delivered.id),
            f"quantity_{delivered.id}": "2",
        }
        self._fire(data)
        self.assertEqual(len(self._complaints()), 1)
        # Another complaint (other text) is another complaint.
        self._fire({**data, "description": "And now it is dark"}, count=2)
        self.assertEqual(len(self._complaints()), 2)


@tagged("post_install", "-at_install", "asq_security")
class TestPortalDoubleSubmitRace(BaseCase):
    """The same form filed by two real transactions at once (REPEATABLE READ,
    each blind to the other's insert): one complaint, the loser told which
    key finds it once the winner committed. The HTTP test above runs its
    requests one after the other in the test's own transaction."""

    ROUNDS = 4

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.startClassPatcher(registry_reachable())
        cls.registry = Registry(get_db_name())
        cls.snapshot = races.TestRaces._take_snapshot.__func__(cls)
        cls.addClassCleanup(races.TestRaces._restore_snapshot.__func__, cls)
        with cls._env() as env:
            customer = env["res.partner"].create(
                {"name": "Portal Race Customer", "is_company": True}
            )
            cls.contact_id = (
                env["res.partner"]
                .create({"name": "Portal Race Contact", "parent_id": customer.id})
                .id
            )

    @classmethod
    @contextmanager
    def _env(cls):
        with cls.registry.cursor() as cr:
            yield api.Environment(cr, api.SUPERUSER_ID, {"lang": "en_US"})

    def _file(self, key, barrier, outcomes):
        try:
            with self._env() as env:
                env.cr.execute("SELECT 1")  # the snapshot is taken here
                barrier.wait(timeout=30)
                contact = env["res.partner"].browse(self.contact_id)
                try:
                    complaint = env["asq.complaint"]._asq_portal_create(
                        contact,
                        {"description": "Both tabs at once", "category": "quality"},
                        [],
                        [],
                        key,
                    )
                    outcomes.append(("filed", complaint.id))
                except AsqPortalDuplicate as duplicate:
                    outcomes.append(("duplicate", duplicate.key))
        except Exception as error:  # reported by the test
            outcomes.append(("error", repr(error)))

    def test_two_transactions_file_one_complaint(self):
        for round_ in range(self.ROUNDS):
            key = f"{round_:064x}"
            barrier = threading.Barrier(2)
            outcomes = []
            threads = [
                threading.Thread(target=self._file, args=(key, barrier, outcomes))
                for _ in range(2)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            kinds = sorted(kind for kind, _value in outcomes)
            self.assertEqual(kinds, ["duplicate", "filed"], outcomes)
            with self._env() as env:
                contact = env["res.partner"].browse(self.contact_id)
                complaints = env["asq.complaint"].search(
                    [("portal_submission_key", "=", key)]
                )
                self.assertEqual(len(complaints), 1)
                filed = dict(outcomes)["filed"]
                self.assertEqual(complaints.id, filed)
                # The loser's next request finds the winner's complaint.
                self.assertEqual(
                    env["asq.complaint"]._asq_portal_submitted(contact, key).id, filed
                )
