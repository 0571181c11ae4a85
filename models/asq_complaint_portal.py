import base64
import hashlib
from datetime import timedelta

from markupsafe import Markup
from psycopg2 import errors

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError

# Hidden from customers by an explicit check rather than ``groups``: the back
# office list and form colour and ribbon overdue complaints with it, and a
# field with ``groups`` may not drive what every reader of the view sees.
PORTAL_HIDDEN_FIELDS = ("is_overdue",)
# A complaint filed again with the same content within this time, without
# its form token, is the same complaint (a double click, a resent page).
PORTAL_RESEND_MINUTES = 10


class AsqPortalDuplicate(Exception):
    """The same portal form was filed by a concurrent request that has just
    committed: its complaint is found by ``key`` in the next request."""

    def __init__(self, key):
        super().__init__(key)
        self.key = key


class AsqComplaint(models.Model):
    """Customer complaints on the customer portal."""

    _name = "asq.complaint"
    _inherit = ["asq.complaint", "portal.mixin", "asq.portal.chatter", "mail.thread"]

    # What the back office keeps for itself: the portal pages do not show
    # them, so a portal customer may not read them over RPC either.
    onsite_result = fields.Text(groups="base.group_user")
    disposition_note = fields.Text(groups="base.group_user")
    disposition_deadline = fields.Datetime(groups="base.group_user")
    onsite_deadline = fields.Datetime(groups="base.group_user")
    answer_deadline = fields.Datetime(groups="base.group_user")
    next_deadline = fields.Datetime(groups="base.group_user")
    overdue_escalated = fields.Boolean(groups="base.group_user")
    disposition_on_time = fields.Boolean(groups="base.group_user")
    onsite_on_time = fields.Boolean(groups="base.group_user")
    answer_on_time = fields.Boolean(groups="base.group_user")
    portal_submission_key = fields.Char(
        readonly=True,
        copy=False,
        groups="base.group_user",
        help="Technical: the portal form this complaint was filed with; the "
        "same form sent again files no second complaint.",
    )

    _sql_constraints = [
        (
            "portal_submission_key_uniq",
            "UNIQUE(portal_submission_key)",
            "This portal form was already filed.",
        ),
    ]

    @api.model
    def check_field_access_rights(self, operation, field_names):
        checked = super().check_field_access_rights(operation, field_names)
        if self.env.su or self.env.user._is_internal():
            return checked
        if not field_names:
            # Every field the user may read: without the hidden ones.
            return [fname for fname in checked if fname not in PORTAL_HIDDEN_FIELDS]
        hidden = [fname for fname in checked if fname in PORTAL_HIDDEN_FIELDS]
        if hidden:
            raise AccessError(
                self.env._(
                    'You do not have enough rights to access the fields "%(fields)s" '
                    "on %(document_kind)s (%(document_model)s): the customer portal "
                    "does not show them.",
                    fields=",".join(hidden),
                    document_kind=self._description,
                    document_model=self._name,
                )
            )
        return checked

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        res = super().fields_get(allfields=allfields, attributes=attributes)
        if not (self.env.su or self.env.user._is_internal()):
            for fname in PORTAL_HIDDEN_FIELDS:
                res.pop(fname, None)
        return res

    def _compute_access_url(self):
        for complaint in self:
            complaint.access_url = f"/my/complaints/{complaint.id}"

    def _asq_portal_timeline(self):
        """The workflow steps reached, with their date, for the portal."""
        self.ensure_one()
        steps = [
            (self.env._("Received"), self.received_at),
            (self.env._("Registered"), self.submitted_at),
            (
                self.env._("Judged valid")
                if self.validity == "valid"
                else self.env._("Judged not valid"),
                self.judged_at,
            ),
            (self.env._("Verified on site"), self.onsite_at),
            (self.env._("Investigated"), self.investigated_at),
            (self.env._("Disposition decided"), self.decided_at),
            (self.env._("Replied"), self.replied_at),
            (self.env._("Satisfaction confirmed"), self.confirmed_at),
            (self.env._("Closed"), self.closed_at),
            (self.env._("Cancelled"), self.cancelled_at),
        ]
        return [{"label": label, "date": date} for label, date in steps if date]

    # ------------------------------------------------------------------
    # Portal intake
    # ------------------------------------------------------------------
    @api.model
    def _asq_portal_responsible(self, partner):
        """The internal user answering a portal customer: the customer's
        salesperson when they handle complaints, else the after-sales section."""
        salesperson = partner.commercial_partner_id.user_id
        if salesperson and salesperson.has_group("after_sales_quality.group_asq_user"):
            return salesperson
        return (
            self.env.ref("after_sales_quality.group_asq_user_all")
            .sudo()
            .users.filtered(
                lambda u: not u.share and self.env.company in u.company_ids
            )[:1]
        )

    @api.model
    def _asq_portal_submission_key(self, contact, form_token, vals, lines, files):
        """The key of one filing of the portal form: its one-time form token,
        or else its content (recognised for ``PORTAL_RESEND_MINUTES``)."""
        if form_token:
            return hashlib.sha256(
                f"{contact.id}:form:{form_token}".encode()
            ).hexdigest()
        digest = hashlib.sha256(f"{contact.id}:content".encode())
        for key in sorted(vals):
            digest.update(f"\0{key}={vals[key]}".encode())
        for delivered, quantity in sorted(lines, key=lambda line: line[0].id):
            digest.update(f"\0line={delivered.id}:{quantity!r}".encode())
        for name, content in files:
            digest.update(f"\0file={name}:".encode())
            digest.update(hashlib.sha256(content).digest())
        key = digest.hexdigest()
        # Filed earlier than that: the same content is a new complaint.
        limit = fields.Datetime.now() - timedelta(minutes=PORTAL_RESEND_MINUTES)
        while True:
            earlier = self._asq_portal_submitted(contact, key)
            if not earlier or earlier.create_date >= limit:
                return key
            key = hashlib.sha256(f"{key}:{earlier.id}".encode()).hexdigest()

    @api.model
    def _asq_portal_submitted(self, contact, key):
        """The complaint of the customer filed with this submission key."""
        if not key:
            return self.browse()
        return self.search(
            [
                ("portal_submission_key", "=", key),
                ("commercial_partner_id", "=", contact.commercial_partner_id.id),
            ],
            limit=1,
        )

    @api.model
    def _asq_portal_create(self, contact, vals, lines, files, key=None):
        """Create the complaint a portal customer filed (call it with sudo,
        after the controller checked the user): channel Portal, the photos as
        evidence, the after-sales owner gets a to-do. ``lines`` are
        (delivered line, quantity), ``files`` (file name, content bytes).
        The same submission ``key`` files one complaint: the one already
        filed is returned, or :class:`AsqPortalDuplicate` raised when a
        concurrent request filed it and committed after this one started."""
        files = self.env["ir.attachment"]._asq_portal_check_files(files)
        earlier = self._asq_portal_submitted(contact, key)
        if earlier:
            return earlier
        customer = contact.commercial_partner_id
        responsible = self._asq_portal_responsible(customer)
        try:
            # The unique key makes a concurrent filing of the same form wait
            # here for this one, then fail: one complaint per form.
            with self.env.cr.savepoint():
                complaint = self.create(
                    {
                        **vals,
                        "partner_id": customer.id,
                        "contact_id": contact.id,
                        "channel": "portal",
                        "feedback_type": "complaint",
                        "user_id": responsible.id,
                        "received_at": fields.Datetime.now(),
                        "portal_submission_key": key or False,
                        "line_ids": [
                            Command.create(
                                {
                                    "delivered_line_id": delivered.id,
                                    "quantity": quantity,
                                }
                            )
                            for delivered, quantity in lines
                        ],
                    }
                )
                complaint.flush_recordset(["portal_submission_key"])
        except errors.UniqueViolation as error:
            if "portal_submission_key_uniq" not in str(error):
                raise
            raise AsqPortalDuplicate(key) from error
        if files:
            attachments = self.env["ir.attachment"].create(
                [
                    {
                        "name": name,
                        "datas": base64.b64encode(content),
                        "mimetype": mimetype,
                        "res_model": self._name,
                        "res_id": complaint.id,
                    }
                    for name, content, mimetype in files
                ]
            )
            complaint.evidence_ids = [Command.set(attachments.ids)]
        complaint.message_subscribe(partner_ids=contact.ids)
        complaint.message_post(
            body=Markup("<p>%s</p>")
            % self.env._(
                "Complaint filed by %(contact)s on the customer portal.",
                contact=contact.display_name,
            ),
            author_id=contact.id,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        if responsible:
            complaint.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._(
                    "New portal complaint %(name)s: check and register it",
                    name=complaint.name,
                ),
                user_id=responsible.id,
            )
        return complaint
