from odoo import api, models
from odoo.exceptions import UserError


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
        if sent:
            raise UserError(
                self.env._(
                    "The files of %(names)s were sent to management: they are "
                    "a record for the auditors and cannot be deleted.",
                    names=", ".join(sent.mapped("name")),
                )
            )
