from odoo import models


class AsqPortalChatter(models.AbstractModel):
    """The chatter of a document the customer sees on the portal: the files
    a customer posts there obey the portal complaint form's rules (type
    checked on the content, size, count; ``ir.attachment``)."""

    _name = "asq.portal.chatter"
    _description = "After-Sales Portal Chatter"
    _inherit = ["mail.thread"]

    def message_post(self, **kwargs):
        self.env["ir.attachment"]._asq_portal_check_post(kwargs.get("attachment_ids"))
        return super().message_post(**kwargs)

    def _message_update_content(self, message, body, attachment_ids=None, **kwargs):
        self.env["ir.attachment"]._asq_portal_check_post(attachment_ids)
        return super()._message_update_content(
            message, body, attachment_ids=attachment_ids, **kwargs
        )
