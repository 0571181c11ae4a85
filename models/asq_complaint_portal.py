import base64

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.mimetypes import guess_mimetype

# What a customer may upload from the portal, checked on the content.
PORTAL_MIMETYPES = ("image/jpeg", "image/png", "image/webp", "application/pdf")
PORTAL_MAX_FILES = 5
PORTAL_MAX_MB_PARAM = "after_sales_quality.portal_upload_max_mb"
PORTAL_MAX_MB_DEFAULT = 5


class AsqComplaint(models.Model):
    """Customer complaints on the customer portal."""

    _name = "asq.complaint"
    _inherit = ["asq.complaint", "portal.mixin"]

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
    def _asq_portal_max_bytes(self):
        param = self.env["ir.config_parameter"].sudo().get_param(PORTAL_MAX_MB_PARAM)
        try:
            megabytes = float(param) if param else PORTAL_MAX_MB_DEFAULT
        except ValueError:
            megabytes = PORTAL_MAX_MB_DEFAULT
        return int(megabytes * 1024 * 1024)

    @api.model
    def _asq_portal_check_files(self, files):
        """Refuse more than 5 files, a file over the size cap, or a file whose
        content is not a JPEG, PNG, WebP image or a PDF (whatever its name).
        ``files`` is a list of (file name, content bytes)."""
        if len(files) > PORTAL_MAX_FILES:
            raise UserError(
                self.env._(
                    "You can attach at most %(count)s files.", count=PORTAL_MAX_FILES
                )
            )
        max_bytes = self._asq_portal_max_bytes()
        for name, content in files:
            if len(content) > max_bytes:
                raise UserError(
                    self.env._(
                        "%(file)s is too large: files may not exceed %(size)s MB.",
                        file=name,
                        size=round(max_bytes / 1024 / 1024, 1),
                    )
                )
            if guess_mimetype(content) not in PORTAL_MIMETYPES:
                raise UserError(
                    self.env._(
                        "%(file)s is not a photo or PDF: only JPEG, PNG, WebP "
                        "images and PDF documents are accepted.",
                        file=name,
                    )
                )

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
    def _asq_portal_create(self, contact, vals, lines, files):
        """Create the complaint a portal customer filed (call it with sudo,
        after the controller checked the user): channel Portal, the photos as
        evidence, the after-sales owner gets a to-do. ``lines`` are
        (delivered line, quantity), ``files`` (file name, content bytes)."""
        self._asq_portal_check_files(files)
        customer = contact.commercial_partner_id
        responsible = self._asq_portal_responsible(customer)
        complaint = self.create(
            {
                **vals,
                "partner_id": customer.id,
                "contact_id": contact.id,
                "channel": "portal",
                "feedback_type": "complaint",
                "user_id": responsible.id,
                "received_at": fields.Datetime.now(),
                "line_ids": [
                    Command.create(
                        {"delivered_line_id": delivered.id, "quantity": quantity}
                    )
                    for delivered, quantity in lines
                ],
            }
        )
        if files:
            attachments = self.env["ir.attachment"].create(
                [
                    {
                        "name": name,
                        "datas": base64.b64encode(content),
                        "res_model": self._name,
                        "res_id": complaint.id,
                    }
                    for name, content in files
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
