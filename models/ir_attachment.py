import re
import unicodedata

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools.mimetypes import guess_mimetype

from .asq_document import asq_refuse

# What a customer may upload from the portal (the complaint form and the
# chatter of the complaint, return and service report pages), checked on the
# content: the detected type and the file name extensions it may keep (the
# first one is given to a file whose name says otherwise).
PORTAL_FILE_TYPES = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
}
PORTAL_MIMETYPES = tuple(PORTAL_FILE_TYPES)
PORTAL_MAX_FILES = 5
PORTAL_MAX_MB_PARAM = "after_sales_quality.portal_upload_max_mb"
PORTAL_MAX_MB_DEFAULT = 5
# Documents whose portal chatter takes the customer's files.
PORTAL_THREAD_MODELS = ("asq.complaint", "asq.return", "asq.service.visit")
PORTAL_NAME_MAX = 120


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent_kpi_pack(self):
        """The files of a sent statistics pack are the auditor's record."""
        pack_ids = {
            attachment.res_id
            for attachment in self
            if attachment.res_model == "asq.kpi.pack" and attachment.res_id
        }
        if not pack_ids:
            return
        sent = (
            self.env["asq.kpi.pack"]
            .sudo()
            .search([("id", "in", list(pack_ids)), ("state", "=", "sent")])
        )
        asq_refuse(
            sent,
            self.env._(
                "The files of %(names)s were sent to management: they are "
                "a record for the auditors and cannot be deleted."
            ),
        )

    # ------------------------------------------------------------------
    # Customer uploads from the portal
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
    def _asq_portal_plain_name(self, name):
        """The file name without folders and without the characters that can
        disguise it: control and format characters (right-to-left override
        and the other bidi controls, zero-width characters, NUL)."""
        name = unicodedata.normalize("NFKC", str(name or ""))
        name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
        name = re.split(r"[\\/]", name)[-1].strip(" .")
        return name[:PORTAL_NAME_MAX] or "file"

    @api.model
    def _asq_portal_file_name(self, name, mimetype):
        """The name a checked file is kept under: the plain name whose
        extension is the one of its detected type."""
        plain = self._asq_portal_plain_name(name)
        extensions = PORTAL_FILE_TYPES[mimetype]
        stem, dot, extension = plain.rpartition(".")
        if not dot:
            stem, extension = plain, ""
        if f".{extension.lower()}" in extensions:
            return f"{stem}.{extension.lower()}"
        return f"{stem.strip(' .') or 'file'}{extensions[0]}"

    @api.model
    def _asq_portal_check_files(self, files):
        """Refuse more than 5 files, a file over the size cap, or a file whose
        content is not a JPEG, PNG, WebP image or a PDF (whatever its name).
        ``files`` is a list of (file name, content bytes); returns them as
        (name to keep, content, detected type)."""
        if len(files) > PORTAL_MAX_FILES:
            raise UserError(
                self.env._(
                    "You can attach at most %(count)s files.", count=PORTAL_MAX_FILES
                )
            )
        max_bytes = self._asq_portal_max_bytes()
        checked = []
        for name, content in files:
            shown = self._asq_portal_plain_name(name)
            if len(content) > max_bytes:
                raise UserError(
                    self.env._(
                        "%(file)s is too large: files may not exceed %(size)s MB.",
                        file=shown,
                        size=round(max_bytes / 1024 / 1024, 1),
                    )
                )
            mimetype = guess_mimetype(content)
            if mimetype not in PORTAL_FILE_TYPES:
                raise UserError(
                    self.env._(
                        "%(file)s is not a photo or PDF: only JPEG, PNG, WebP "
                        "images and PDF documents are accepted.",
                        file=shown,
                    )
                )
            checked.append(
                (self._asq_portal_file_name(name, mimetype), content, mimetype)
            )
        return checked

    @api.model
    def _asq_portal_check_post(self, attachment_ids):
        """Called by the portal documents' ``message_post`` and
        ``_message_update_content``: a customer's files obey the form's rules
        (the back office and incoming mail are not limited)."""
        if attachment_ids and not self.env.user._is_internal():
            self.browse(attachment_ids)._asq_portal_check_posted()

    def _asq_portal_check_posted(self):
        """The files a customer links to a message on a portal page obey the
        complaint form's rules, checked again on their stored content (they
        may come from elsewhere than the checked upload); their names are
        made to tell their type."""
        attachments = self.sudo()
        checked = self._asq_portal_check_files(
            [(attachment.name, attachment.raw or b"") for attachment in attachments]
        )
        for attachment, (name, _content, mimetype) in zip(
            attachments, checked, strict=True
        ):
            if attachment.name != name or attachment.mimetype != mimetype:
                attachment.write({"name": name, "mimetype": mimetype})
