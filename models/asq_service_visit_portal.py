from markupsafe import Markup

from odoo import models
from odoo.exceptions import UserError


class AsqServiceVisit(models.Model):
    """Service reports signed by the customer on the portal."""

    _name = "asq.service.visit"
    _inherit = [
        "asq.service.visit",
        "portal.mixin",
        "asq.portal.chatter",
        "mail.thread",
    ]

    def _compute_access_url(self):
        for visit in self:
            visit.access_url = f"/my/service_visits/{visit.id}"

    def _asq_portal_timeline(self):
        self.ensure_one()
        steps = [
            (self.env._("Planned"), self.planned_date),
            (self.env._("Started"), self.started_at),
            (self.env._("Done"), self.done_at),
            (self.env._("Signed by the customer"), self.signed_on),
            (self.env._("Cancelled"), self.cancelled_at),
        ]
        return [{"label": label, "date": date} for label, date in steps if date]

    def _asq_portal_set_satisfaction(self, satisfaction, comment):
        """The customer answers the satisfaction question before signing
        (call it with sudo after checking the token or the ownership); the
        visit's write guard refuses it unless the visit is done."""
        self.ensure_one()
        if satisfaction not in ("satisfied", "not_satisfied"):
            raise UserError(self.env._("Tell us whether you are satisfied."))
        self.write(
            {
                "satisfaction": satisfaction,
                "satisfaction_comment": (comment or "").strip() or False,
            }
        )

    def _asq_portal_sign(self, signer_name, signature, author):
        """The customer's representative signs the service report on the
        portal: the fields are filled and the visit's own workflow button
        (state and checks) records the signature. Call it with sudo after
        checking the token or the ownership."""
        self.ensure_one()
        if not (signer_name or "").strip():
            raise UserError(self.env._("Give your name to sign."))
        if not signature:
            raise UserError(self.env._("The signature is missing."))
        self.write({"signer_name": signer_name.strip(), "signature": signature})
        self.action_sign()
        self.message_post(
            body=Markup("<p>%s</p>")
            % self.env._(
                "Service report signed on the customer portal by %(name)s.",
                name=self.signer_name,
            ),
            author_id=author.id,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
