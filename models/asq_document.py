from odoo import fields, models
from odoo.exceptions import UserError


def asq_state_field(selection, **kwargs):
    """The ``state`` of a workflow document: ``selection``, its ``default``
    and a ``help`` saying what each state means; only the workflow buttons
    write it (readonly, not copied), tracked and indexed."""
    return fields.Selection(
        selection=selection,
        string="Status",
        required=True,
        copy=False,
        readonly=True,
        tracking=True,
        index=True,
        **kwargs,
    )


def asq_refuse(records, message):
    """Refuse with ``message`` (already translated; its ``%(names)s`` names
    the records) when there are ``records``; nothing otherwise."""
    if records:
        raise UserError(message % {"names": ", ".join(records.mapped("name"))})


class AsqDocument(models.AbstractModel):
    """What every numbered after-sales document has: a reference, numbered by
    the ``_asq_sequence_code`` of asq.workflow.mixin, and a company."""

    _name = "asq.document"
    _description = "After-Sales Document"

    name = fields.Char(
        string="Reference", required=True, copy=False, readonly=True, default="/"
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda s: s.env.company
    )

    def _asq_ensure_states_allow(self, vals, editable_states):
        """Refuse ``vals`` that change a field of ``editable_states`` (field:
        the states in which it may change) on a document in another state."""
        for fname in set(vals) & set(editable_states):
            locked = self.filtered(lambda r, f=fname: r.state not in editable_states[f])
            if locked:
                raise UserError(
                    self.env._(
                        "%(field)s cannot be changed on %(names)s in its current "
                        "status.",
                        field=self._asq_field_labels([fname])[0],
                        names=", ".join(locked.mapped("name")),
                    )
                )
