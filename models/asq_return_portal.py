from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from .asq_workflow_mixin import asq_step


class AsqReturn(models.Model):
    """Return requests on the customer portal."""

    _name = "asq.return"
    _inherit = ["asq.return", "portal.mixin", "asq.portal.chatter", "mail.thread"]

    # The back office's own clock: not on the portal pages, not over RPC.
    note_deadline = fields.Datetime(groups="base.group_user")

    def _compute_access_url(self):
        for ret in self:
            ret.access_url = f"/my/returns/{ret.id}"

    def _portal_ensure_token(self):
        # The token is no content of the request: a submitted (read-only)
        # request gets one too.
        return super(
            AsqReturn, self.with_context(**asq_step(self._asq_workflow_key))
        )._portal_ensure_token()

    def _asq_portal_timeline(self):
        """The approval steps reached, with their date, for the portal."""
        self.ensure_one()
        results = dict(
            self.env["asq.return.approval"]
            ._fields["result"]
            ._description_selection(self.env)
        )
        timeline = [
            {
                "label": self.env._("Reopened")
                if approval.step == "reopen"
                else self._step_label(approval.step),
                "result": results[approval.result],
                "date": approval.date,
            }
            for approval in self.sudo().approval_ids
        ]
        if self.received_date:
            timeline.append(
                {
                    "label": self.env._("Goods received"),
                    "result": "",
                    "date": self.received_date,
                }
            )
        if self.note_sent_date:
            timeline.append(
                {
                    "label": self.env._("Return note sent"),
                    "result": "",
                    "date": self.note_sent_date,
                }
            )
        return sorted(timeline, key=lambda step: step["date"])

    @api.model
    def _asq_portal_create(self, contact, lines):
        """Create and submit the return request a portal customer filed (call
        it with sudo, after the controller checked the user). ``lines`` are
        dicts: delivered_line_id (a record), quantity, kind, resolution,
        reason. The back office rules apply: goods delivered to this customer,
        a reason on every line, no more than what is still at the customer."""
        customer = contact.commercial_partner_id
        if not lines:
            raise UserError(self.env._("Choose at least one delivered item."))
        for line in lines:
            delivered = line["delivered_line_id"]
            if delivered.partner_id != customer:
                raise UserError(
                    self.env._(
                        "%(product)s was not delivered to %(customer)s.",
                        product=delivered.product_id.display_name,
                        customer=customer.display_name,
                    )
                )
            if not (line.get("reason") or "").strip():
                raise UserError(
                    self.env._(
                        "Give the reason for returning %(product)s.",
                        product=delivered.product_id.display_name,
                    )
                )
            rounding = delivered.product_uom_id.rounding or 0.01
            if (
                float_compare(line["quantity"], 0, precision_rounding=rounding) <= 0
                or float_compare(
                    line["quantity"],
                    delivered.remaining_qty,
                    precision_rounding=rounding,
                )
                > 0
            ):
                raise UserError(
                    self.env._(
                        "%(product)s (lot %(lot)s): you may return between 0 and "
                        "%(remaining)s, the quantity still with you.",
                        product=delivered.product_id.display_name,
                        lot=delivered.lot_id.name or "-",
                        remaining=delivered.remaining_qty,
                    )
                )
        responsible = self.env["asq.complaint"]._asq_portal_responsible(customer)
        ret = self.create(
            {
                "partner_id": customer.id,
                "user_id": responsible.id,
                "company_id": lines[0]["delivered_line_id"].company_id.id,
                "line_ids": [
                    Command.create(
                        {
                            "delivered_line_id": line["delivered_line_id"].id,
                            "quantity": line["quantity"],
                            "kind": line["kind"],
                            "resolution": line["resolution"],
                            "reason": line["reason"].strip(),
                        }
                    )
                    for line in lines
                ],
            }
        )
        ret.message_subscribe(partner_ids=contact.ids)
        # The customer submits the detail form: the after-sales review starts.
        ret.action_submit()
        ret.message_post(
            body=Markup("<p>%s</p>")
            % self.env._(
                "Return request submitted by %(contact)s on the customer portal.",
                contact=contact.display_name,
            ),
            author_id=contact.id,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        if responsible:
            ret.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._(
                    "New portal return request %(name)s: review it",
                    name=ret.name,
                ),
                user_id=responsible.id,
            )
        return ret
