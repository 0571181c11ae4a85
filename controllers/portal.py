import binascii
import re
import uuid
from decimal import Decimal

from werkzeug.exceptions import Forbidden, NotFound
from werkzeug.urls import url_encode

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request
from odoo.tools import consteq

from odoo.addons.mail.controllers.attachment import AttachmentController
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..models.asq_complaint import AsqPortalDuplicate
from ..models.ir_attachment import PORTAL_THREAD_MODELS

COMPLAINT_FIELDS = ("category", "severity", "description", "customer_request")
# A quantity as the forms' number inputs send it: digits, a dot for decimals.
QUANTITY_RE = re.compile(r"(?:[0-9]{1,9}(?:\.[0-9]{0,6})?|\.[0-9]{1,6})")
RECORD_ID_RE = re.compile(r"[0-9]{1,9}")
FORM_TOKEN_RE = re.compile(r"[0-9a-f]{32}")
SUBMISSION_KEY_RE = re.compile(r"[0-9a-f]{64}")
# Characters no portal text takes (NUL and the other C0 controls but tab,
# line feed and carriage return): the database refuses NUL.
FORBIDDEN_TEXT_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The customer's documents the portal lists, by page name: model, list URL,
# the date the newest come first by, the domain method, the session key that
# keeps the list's order (the record page's previous/next links), the list
# and record templates, and the states a record page shows.
PORTAL_DOCUMENTS = {
    "asq_complaint": {
        "model": "asq.complaint",
        "url": "/my/complaints",
        "date": "received_date",
        "domain": "_asq_complaint_domain",
        "history": "my_asq_complaints_history",
        "list": "after_sales_quality.portal_my_asq_complaints",
        "page": "after_sales_quality.portal_asq_complaint_page",
    },
    "asq_return": {
        "model": "asq.return",
        "url": "/my/returns",
        "date": "date_request",
        "domain": "_asq_return_domain",
        "history": "my_asq_returns_history",
        "list": "after_sales_quality.portal_my_asq_returns",
        "page": "after_sales_quality.portal_asq_return_page",
    },
    "asq_visit": {
        "model": "asq.service.visit",
        "url": "/my/service_visits",
        "date": "planned_date",
        "domain": "_asq_visit_domain",
        "history": "my_asq_visits_history",
        "list": "after_sales_quality.portal_my_asq_visits",
        "page": "after_sales_quality.portal_asq_visit_page",
        "states": ("done", "signed"),
    },
}


def asq_check_text(env, values):
    """Refuse a form whose text carries control characters (NUL bytes)."""
    if any(
        isinstance(value, str) and FORBIDDEN_TEXT_RE.search(value) for value in values
    ):
        raise UserError(
            env._(
                "Your entry contains characters that are not allowed (control "
                "characters such as NUL): remove them and send it again."
            )
        )


def asq_quantity(env, value, product):
    """The quantity typed for ``product``: a positive decimal number written
    with digits and a dot, else a readable refusal (never a silent default)."""
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        raise UserError(
            env._("Give the quantity of %(product)s.", product=product.display_name)
        )
    if not QUANTITY_RE.fullmatch(text):
        raise UserError(
            env._(
                "The quantity of %(product)s must be a number written with digits "
                "and a dot for decimals, such as 1.5 (not %(value)s).",
                product=product.display_name,
                value=repr(text[:20]),
            )
        )
    quantity = float(Decimal(text))
    if quantity <= 0:
        raise UserError(
            env._(
                "The quantity of %(product)s must be more than 0.",
                product=product.display_name,
            )
        )
    return quantity


class AsqAttachmentController(AttachmentController):
    """The chatter of the portal's after-sales pages takes the files the
    complaint form takes (type, size), named after their checked type."""

    @http.route()
    def mail_attachment_upload(
        self, ufile, thread_id, thread_model, is_pending=False, **kwargs
    ):
        if thread_model in PORTAL_THREAD_MODELS and not request.env.user._is_internal():
            content = ufile.read()
            ufile.seek(0)
            try:
                ((name, _content, _mimetype),) = request.env[
                    "ir.attachment"
                ]._asq_portal_check_files([(ufile.filename, content)])
            except UserError as error:
                return request.make_json_response({"error": error.args[0]})
            ufile.filename = name
        return super().mail_attachment_upload(
            ufile, thread_id, thread_model, is_pending=is_pending, **kwargs
        )


class AsqCustomerPortal(CustomerPortal):
    """Complaints, return requests, surveys and service reports of the
    customer's company on the portal."""

    # ------------------------------------------------------------------
    # Home page counters
    # ------------------------------------------------------------------
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        partner = request.env.user.partner_id
        for counter, model, domain in (
            ("asq_complaint_count", "asq.complaint", self._asq_complaint_domain),
            ("asq_return_count", "asq.return", self._asq_return_domain),
            ("asq_visit_count", "asq.service.visit", self._asq_visit_domain),
        ):
            if counter in counters:
                Model = request.env[model]
                values[counter] = (
                    Model.search_count(domain(partner))
                    if Model.has_access("read")
                    else 0
                )
        if "asq_survey_count" in counters:
            values["asq_survey_count"] = (
                request.env["asq.survey.target"]
                .sudo()
                .search_count(self._asq_survey_domain(partner))
            )
        return values

    # ------------------------------------------------------------------
    # Domains: the commercial partner's records (the record rules agree)
    # ------------------------------------------------------------------
    def _asq_complaint_domain(self, partner):
        return [
            ("commercial_partner_id", "=", partner.commercial_partner_id.id),
            ("feedback_type", "=", "complaint"),
        ]

    def _asq_return_domain(self, partner):
        return [("partner_id", "child_of", partner.commercial_partner_id.id)]

    def _asq_visit_domain(self, partner):
        return [
            ("commercial_partner_id", "=", partner.commercial_partner_id.id),
            ("state", "in", ("done", "signed")),
        ]

    def _asq_survey_domain(self, partner):
        return [
            ("partner_id", "=", partner.commercial_partner_id.id),
            ("campaign_id.state", "=", "running"),
            ("user_input_id", "!=", False),
            ("user_input_id.state", "!=", "done"),
        ]

    def _asq_delivered_domain(self, partner):
        return [
            ("partner_id", "=", partner.commercial_partner_id.id),
            ("company_id", "=", request.env.company.id),
        ]

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _asq_check_document(self, model, record_id, access_token):
        """(record sudoed, None) when the user may read the record or the
        token is the record's own; (None, login redirect) for an anonymous
        visitor without token; else 404 (no such record) or 403."""
        try:
            record = self._document_check_access(model, record_id, access_token)
        except MissingError as error:
            raise NotFound() from error
        except AccessError as error:
            if request.env.user._is_public() and not access_token:
                query = url_encode({"redirect": request.httprequest.full_path})
                return None, request.redirect(f"/web/login?{query}")
            raise Forbidden() from error
        return record, None

    def _asq_render_list(self, page_name, page, sortby):
        """The portal list ``page_name`` (a PORTAL_DOCUMENTS key): the
        customer's documents, ``page`` by ``page``, sorted by ``sortby``."""
        document = PORTAL_DOCUMENTS[page_name]
        sortings = {
            "date": {
                "label": request.env._("Newest"),
                "order": f"{document['date']} desc",
            },
            "name": {"label": request.env._("Reference"), "order": "name desc"},
            "state": {"label": request.env._("Status"), "order": "state, id desc"},
        }
        sortby = sortby if sortby in sortings else "date"
        Model = request.env[document["model"]]
        domain = getattr(self, document["domain"])(request.env.user.partner_id)
        pager = portal_pager(
            url=document["url"],
            total=Model.search_count(domain),
            page=page,
            step=self._items_per_page,
            url_args={"sortby": sortby},
        )
        records = Model.search(
            domain,
            order=sortings[sortby]["order"],
            limit=self._items_per_page,
            offset=pager["offset"],
        )
        request.session[document["history"]] = records.ids[:100]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                # sudo: read what the page shows of the records found above.
                "records": records.sudo(),
                "pager": pager,
                "default_url": document["url"],
                "searchbar_sortings": sortings,
                "sortby": sortby,
                "page_name": page_name,
            }
        )
        return request.render(document["list"], values)

    def _asq_document_page(self, page_name, record_id, access_token, kwargs):
        """The page of one document of the list ``page_name``: 404 for a
        record in a state the portal does not show."""
        document = PORTAL_DOCUMENTS[page_name]
        record, redirect = self._asq_check_document(
            document["model"], record_id, access_token
        )
        if redirect:
            return redirect
        if record.state not in document.get("states", (record.state,)):
            raise NotFound()
        return self._asq_render_page(page_name, record, access_token, kwargs)

    def _asq_render_page(self, page_name, record, access_token, kwargs, error=None):
        """Render ``record``'s page; with ``error`` shown, as a 400."""
        document = PORTAL_DOCUMENTS[page_name]
        values = {"record": record, "timeline": record._asq_portal_timeline()}
        values = self._get_page_view_values(
            record, access_token, values, document["history"], False, **kwargs
        )
        # The customer only reads these records: the chatter posts with the
        # record's token (the user was checked above).
        values.setdefault("token", record._portal_ensure_token())
        values["page_name"] = page_name
        values["asq_comment"] = kwargs.get("asq_comment") or ""
        if error:
            values["asq_error"] = error
            return request.render(document["page"], values, status=400)
        return request.render(document["page"], values)

    def _asq_render_form(self, template, values, create, post):
        """``create(post)`` the document the form ``template`` files: its
        record, or the response to send (the form as it was on GET, the form
        with the refusal as a 400)."""
        if request.httprequest.method != "POST":
            return None, request.render(template, values)
        try:
            return create(post), None
        except (UserError, ValidationError) as error:
            values["asq_error"] = error.args[0]
            # The form comes back as the customer left it: the goods ticked
            # (and their quantities, in ``post``) and the photos sent.
            values["asq_chosen_ids"] = {
                int(i)
                for i in request.httprequest.form.getlist("delivered_line_id")
                if RECORD_ID_RE.fullmatch(i)
            }
            # The files kept from an earlier try are kept anew with the
            # new ones (once each).
            self._asq_kept_attachments(
                request.httprequest.form.getlist("asq_kept_file")
            ).unlink()
            values["asq_kept_files"] = self._asq_keep_files(values.get("asq_files"))
            return None, request.render(template, values, status=400)

    # Files of a refused form kept for the next try, as the chatter keeps a
    # file uploaded before its message is sent: pending attachments of the
    # composer (res_id 0, collected after a day by its _gc_lost_attachments),
    # shown to the customer who sent them by their access token.
    ASQ_PENDING_MODEL = "mail.compose.message"

    def _asq_form_files(self, post):
        """The files the form sends: those kept from a refused try (the
        customer's own, by id and token) then the new uploads, as (file
        name, content bytes)."""
        files = []
        kept = self._asq_kept_attachments(
            request.httprequest.form.getlist("asq_kept_file")
        )
        files += [(attachment.name, attachment.raw) for attachment in kept]
        files += [
            (upload.filename or "file", upload.read())
            for upload in request.httprequest.files.getlist("attachments")
            if upload.filename
        ]
        return files

    def _asq_kept_attachments(self, refs):
        """The pending attachments ``refs`` ("id:token") name that this user
        uploaded; anything else is ignored."""
        wanted = {}
        for ref in refs:
            record_id, _sep, token = str(ref).partition(":")
            if RECORD_ID_RE.fullmatch(record_id) and token:
                wanted[int(record_id)] = token
        if not wanted:
            return request.env["ir.attachment"]
        # sudo: pending attachments belong to no record; the owner and the
        # token are checked here.
        attachments = (
            request.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("id", "in", list(wanted)),
                    ("res_model", "=", self.ASQ_PENDING_MODEL),
                    ("res_id", "=", 0),
                    ("create_uid", "=", request.env.uid),
                ]
            )
        )
        return attachments.filtered(
            lambda a: a.access_token and consteq(a.access_token, wanted[a.id])
        )

    def _asq_keep_files(self, files):
        """Keep the files of a refused form as pending attachments (only
        files the form accepts: a refused file is not kept); returns
        [{id, token, name}] for the form to send back."""
        if not files:
            return []
        Attachment = request.env["ir.attachment"].sudo()
        try:
            checked = Attachment._asq_portal_check_files(files)
        except UserError:
            return []
        kept = []
        for name, content, mimetype in checked:
            attachment = Attachment.create(
                {
                    "name": name,
                    "raw": content,
                    "mimetype": mimetype,
                    "res_model": self.ASQ_PENDING_MODEL,
                    "res_id": 0,
                }
            )
            kept.append(
                {
                    "ref": f"{attachment.id}:{attachment.generate_access_token()[0]}",
                    "name": name,
                }
            )
        return kept

    def _asq_posted_goods(self, post):
        """(delivered line, quantity) for each delivered line the form posts:
        the customer's own, with a valid quantity, else a readable refusal."""
        env = request.env
        posted = request.httprequest.form.getlist("delivered_line_id")
        allowed = self._asq_delivered_lines(ids=posted)
        goods = []
        for delivered_id in posted:
            delivered = allowed.filtered(lambda d, i=delivered_id: str(d.id) == i)
            if not delivered:
                raise UserError(env._("Choose goods that were delivered to you."))
            quantity = asq_quantity(
                env, post.get(f"quantity_{delivered.id}"), delivered.product_id
            )
            goods.append((delivered, quantity))
        return goods

    def _asq_goods_shown(self, post, returnable=False):
        """The goods a filing form lists: those matching its search box
        (``goods_search``), and those the customer ticked in any case."""
        search = post.get("goods_search")
        shown = self._asq_delivered_lines(returnable=returnable, search=search)
        chosen = request.httprequest.form.getlist("delivered_line_id")
        if chosen:
            shown = self._asq_delivered_lines(ids=chosen, returnable=returnable) | shown
        return shown

    def _asq_delivered_lines(self, ids=None, returnable=False, search=None):
        """The customer's own delivered goods (the newest 200 for the forms,
        those matching ``search``: product, internal reference, lot or
        delivery, or the posted ``ids`` among them)."""
        domain = self._asq_delivered_domain(request.env.user.partner_id)
        if returnable:
            domain.append(("remaining_qty", ">", 0))
        if ids is not None:
            ids = [int(i) for i in ids if RECORD_ID_RE.fullmatch(str(i))]
            domain.append(("id", "in", ids))
        Delivered = request.env["asq.delivered.line"]
        if isinstance(search, str) and search.strip():
            # The record rule limits the search to the customer's goods;
            # the names searched (lot, delivery) are read in sudo, within
            # the goods of that first search.
            mine = Delivered.search(domain)
            return Delivered.sudo().search(
                [
                    ("id", "in", mine.ids),
                    ("display_name", "ilike", search.strip()[:100]),
                ],
                limit=200,
            )
        # The record rule limits the search to the customer's goods; sudo
        # then reads the delivery, lot and product names for display.
        return Delivered.search(domain, limit=None if ids is not None else 200).sudo()

    # ------------------------------------------------------------------
    # Complaints
    # ------------------------------------------------------------------
    @http.route(
        ["/my/complaints", "/my/complaints/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_asq_complaints(self, page=1, sortby=None, **kwargs):
        return self._asq_render_list("asq_complaint", page, sortby)

    @http.route(
        ["/my/complaints/<int:complaint_id>"], type="http", auth="public", website=True
    )
    def portal_asq_complaint_page(self, complaint_id, access_token=None, **kwargs):
        return self._asq_document_page(
            "asq_complaint", complaint_id, access_token, kwargs
        )

    @http.route(
        ["/my/complaints/<int:complaint_id>/capa/<int:capa_id>"],
        type="http",
        auth="public",
        website=True,
    )
    def portal_asq_complaint_capa_report(
        self, complaint_id, capa_id, access_token=None, **kwargs
    ):
        """The CAPA report (PDF) sent to the customer for their complaint, as
        they received it (000 §4.6.10 「将实施结果反馈给顾客」): only a
        report sent to this complaint's customer, of a CAPA taken on it."""
        complaint, redirect = self._asq_check_document(
            "asq.complaint", complaint_id, access_token
        )
        if redirect:
            return redirect
        capa = complaint._asq_portal_capa_reports().filtered(lambda c: c.id == capa_id)
        if not capa:
            raise NotFound()
        return (
            request.env["ir.binary"]
            ._get_stream_from(capa.customer_report_attachment_id.sudo())
            .get_response(as_attachment=True)
        )

    @http.route(
        ["/my/complaints/<int:complaint_id>/satisfaction"],
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def portal_asq_complaint_satisfaction(
        self, complaint_id, satisfaction=None, comment=None, **kwargs
    ):
        """The customer answers the reply: satisfied, or not with a comment.
        Only a portal user of the complaint's company, on a complaint
        replied and not answered yet; a second answer (another tab, a
        replayed post) is refused on the page."""
        complaint, redirect = self._asq_check_document(
            "asq.complaint", complaint_id, None
        )
        if redirect:
            return redirect
        user = request.env.user
        if complaint.feedback_type != "complaint":
            raise NotFound()
        if complaint.commercial_partner_id != user.partner_id.commercial_partner_id:
            raise Forbidden()
        try:
            asq_check_text(request.env, (satisfaction, comment))
            if not complaint._asq_portal_can_answer(user):
                raise UserError(
                    request.env._(
                        "%(name)s is not waiting for your answer (any more): "
                        "reload the page to see where it stands.",
                        name=complaint.name,
                    )
                )
            with request.env.cr.savepoint():
                # sudo as the customer (the company was checked above): the
                # engine's step stamps who answered.
                complaint.with_user(user).sudo()._asq_portal_answer_satisfaction(
                    satisfaction if isinstance(satisfaction, str) else None,
                    comment if isinstance(comment, str) else None,
                )
        except UserError as error:
            return self._asq_render_page(
                "asq_complaint",
                complaint,
                None,
                {"asq_comment": comment if isinstance(comment, str) else ""},
                error=error.args[0],
            )
        return request.redirect(
            f"{complaint.access_url}?{url_encode({'message': 'answered'})}"
        )

    @http.route(
        ["/my/complaints/new"],
        type="http",
        auth="user",
        website=True,
        methods=["GET", "POST"],
    )
    def portal_asq_complaint_new(self, submitted=None, **post):
        if submitted and SUBMISSION_KEY_RE.fullmatch(str(submitted)):
            # A concurrent filing of the same form won: show its complaint.
            complaint = (
                request.env["asq.complaint"]
                .sudo()
                ._asq_portal_submitted(request.env.user.partner_id, submitted)
            )
            if complaint:
                return self._asq_complaint_created(complaint)
        token = post.get("asq_form_token")
        is_post = request.httprequest.method == "POST"
        files = self._asq_form_files(post) if is_post else []
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "asq_complaint_new",
                "delivered_lines": self._asq_goods_shown(post),
                "asq_files": files,
                "complaint_model": request.env["asq.complaint"],
                "post": post,
                "asq_error": False,
                # One token per form shown: the same form filed twice (double
                # click, resent page) files one complaint.
                "asq_form_token": token
                if token and FORM_TOKEN_RE.fullmatch(str(token))
                else uuid.uuid4().hex,
            }
        )
        try:
            complaint, response = self._asq_render_form(
                "after_sales_quality.portal_asq_complaint_new",
                values,
                lambda post: self._asq_create_complaint(post, files),
                post,
            )
        except AsqPortalDuplicate as duplicate:
            # Its complaint is committed but not visible to this transaction:
            # the next request finds it.
            return request.redirect(
                f"/my/complaints/new?{url_encode({'submitted': duplicate.key})}"
            )
        return response or self._asq_complaint_created(complaint)

    def _asq_complaint_created(self, complaint):
        return request.redirect(
            f"/my/complaints/{complaint.id}?{url_encode({'message': 'created'})}"
        )

    def _asq_create_complaint(self, post, files):
        env = request.env
        asq_check_text(env, post.values())
        if not (post.get("description") or "").strip():
            raise UserError(env._("Describe the problem you met."))
        Complaint = env["asq.complaint"]
        selections = {
            fname: dict(Complaint._fields[fname].selection)
            for fname in ("category", "customer_request")
        }
        vals = {
            "description": post["description"].strip(),
            "category": post.get("category")
            if post.get("category") in selections["category"]
            else False,
            "customer_request": post.get("customer_request")
            if post.get("customer_request") in selections["customer_request"]
            else False,
        }
        lines = self._asq_posted_goods(post)
        contact = env.user.partner_id
        token = post.get("asq_form_token")
        # sudo: the portal user may not create complaints; the controller
        # checked the goods are theirs and the model checks the uploads.
        Complaint = Complaint.sudo()
        key = Complaint._asq_portal_submission_key(
            contact,
            token if token and FORM_TOKEN_RE.fullmatch(str(token)) else None,
            vals,
            lines,
            files,
        )
        with env.cr.savepoint():
            complaint = Complaint._asq_portal_create(contact, vals, lines, files, key)
        # The files kept from a refused try are now the complaint's evidence.
        self._asq_kept_attachments(
            request.httprequest.form.getlist("asq_kept_file")
        ).unlink()
        return complaint

    # ------------------------------------------------------------------
    # Return requests
    # ------------------------------------------------------------------
    @http.route(
        ["/my/returns", "/my/returns/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_asq_returns(self, page=1, sortby=None, **kwargs):
        return self._asq_render_list("asq_return", page, sortby)

    @http.route(
        ["/my/returns/<int:return_id>"], type="http", auth="public", website=True
    )
    def portal_asq_return_page(self, return_id, access_token=None, **kwargs):
        return self._asq_document_page("asq_return", return_id, access_token, kwargs)

    @http.route(
        ["/my/returns/new"],
        type="http",
        auth="user",
        website=True,
        methods=["GET", "POST"],
    )
    def portal_asq_return_new(self, **post):
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "asq_return_new",
                "delivered_lines": self._asq_goods_shown(post, returnable=True),
                "post": post,
                "asq_error": False,
            }
        )
        ret, response = self._asq_render_form(
            "after_sales_quality.portal_asq_return_new",
            values,
            self._asq_create_return,
            post,
        )
        return response or request.redirect(
            f"/my/returns/{ret.id}?{url_encode({'message': 'created'})}"
        )

    def _asq_create_return(self, post):
        env = request.env
        asq_check_text(env, post.values())
        # Every line the customer selects; the model re-checks the customer,
        # the reason and the quantity still at the customer.
        lines = []
        for delivered, quantity in self._asq_posted_goods(post):
            kind = post.get(f"kind_{delivered.id}")
            kind = kind if kind in ("unsaleable", "quality") else "quality"
            resolution = post.get(f"resolution_{delivered.id}")
            if kind == "unsaleable" or resolution not in ("exchange", "refund"):
                resolution = "exchange"
            lines.append(
                {
                    "delivered_line_id": delivered,
                    "quantity": quantity,
                    "kind": kind,
                    "resolution": resolution,
                    "reason": post.get(f"reason_{delivered.id}") or "",
                }
            )
        # sudo: portal users may not create return requests; the model method
        # enforces the back office rules before anything is kept.
        with env.cr.savepoint():
            return (
                env["asq.return"].sudo()._asq_portal_create(env.user.partner_id, lines)
            )

    # ------------------------------------------------------------------
    # Surveys
    # ------------------------------------------------------------------
    @http.route(["/my/surveys"], type="http", auth="user", website=True)
    def portal_my_asq_surveys(self, **kwargs):
        values = self._prepare_portal_layout_values()
        # sudo: survey targets carry the customer's internal class; only the
        # survey title and its personal link are shown.
        targets = (
            request.env["asq.survey.target"]
            .sudo()
            .search(self._asq_survey_domain(request.env.user.partner_id))
        )
        values.update({"page_name": "asq_survey", "targets": targets})
        return request.render("after_sales_quality.portal_my_asq_surveys", values)

    # ------------------------------------------------------------------
    # Service reports
    # ------------------------------------------------------------------
    @http.route(
        ["/my/service_visits", "/my/service_visits/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_asq_visits(self, page=1, sortby=None, **kwargs):
        return self._asq_render_list("asq_visit", page, sortby)

    @http.route(
        ["/my/service_visits/<int:visit_id>"],
        type="http",
        auth="public",
        website=True,
    )
    def portal_asq_visit_page(self, visit_id, access_token=None, **kwargs):
        return self._asq_document_page("asq_visit", visit_id, access_token, kwargs)

    @http.route(
        ["/my/service_visits/<int:visit_id>/satisfaction"],
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
    )
    def portal_asq_visit_satisfaction(
        self, visit_id, access_token=None, satisfaction=None, comment=None, **kwargs
    ):
        visit, redirect = self._asq_check_document(
            "asq.service.visit", visit_id, access_token
        )
        if redirect:
            return redirect
        try:
            asq_check_text(request.env, (satisfaction, comment))
            with request.env.cr.savepoint():
                visit.with_user(request.env.user).sudo()._asq_portal_set_satisfaction(
                    satisfaction, comment
                )
        except UserError as error:
            return self._asq_render_page(
                "asq_visit", visit, access_token, {}, error=error.args[0]
            )
        query = {"access_token": access_token} if access_token else {}
        return request.redirect(f"{visit.access_url}?{url_encode(query)}#sign")

    @http.route(
        ["/my/service_visits/<int:visit_id>/sign"],
        type="json",
        auth="public",
        website=True,
    )
    def portal_asq_visit_sign(
        self, visit_id, access_token=None, name=None, signature=None
    ):
        # The token comes in the query string of the signature form's URL.
        access_token = access_token or request.httprequest.args.get("access_token")
        try:
            visit = self._document_check_access(
                "asq.service.visit", visit_id, access_token=access_token
            )
        except MissingError:
            return {"error": request.env._("This service report does not exist.")}
        except AccessError:
            return {"error": request.env._("You may not sign this service report.")}
        user = request.env.user
        author = visit.partner_id if user._is_public() else user.partner_id
        name = name if isinstance(name, str) else None
        try:
            asq_check_text(request.env, (name,))
            with request.env.cr.savepoint():
                # sudo as the requesting user (the token or ownership is
                # checked): the visit records who signed.
                visit.with_user(user).sudo()._asq_portal_sign(name, signature, author)
        except (UserError, ValidationError) as error:
            return {"error": error.args[0]}
        except (TypeError, binascii.Error):
            return {"error": request.env._("Invalid signature data.")}
        return {
            "force_refresh": True,
            "redirect_url": visit.get_portal_url(query_string="&message=sign_ok"),
        }
