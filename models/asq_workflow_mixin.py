from typing import NamedTuple

from psycopg2.errors import LockNotAvailable, SerializationFailure

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL


class AsqStateError(UserError):
    """A step refused because of the document's state: done already (a
    double click, a second tab, a replayed call) or not reached yet. Tests
    tell it from a refusal for a role or for missing data."""


class AsqMark:
    """A value only this process can put in a context.

    The write guards of the after-sales documents let a workflow step through
    when the step's context key holds :data:`STEP`; data the addon passes to
    itself through a context (the lots a hold excludes, the figures a pack
    prints, ...) travels in an :class:`AsqMark` too. A caller over JSON-RPC
    chooses its own context, but JSON carries strings, numbers, lists and
    dicts, never an instance of this class: no value it sends unlocks a guard
    or stands in for the addon's own data (``asq_security`` tests, for every
    key the code reads). Compared by identity.
    """

    __slots__ = ("value",)

    def __init__(self, value=True):
        self.value = value

    def __repr__(self):
        return "<after-sales step>"


# The mark of a workflow step (one object: equal contexts share their env).
STEP = AsqMark()


def asq_step(*keys):
    """Context that marks a write as made by a workflow step."""
    return dict.fromkeys(keys, STEP)


def asq_in_step(env, key):
    """Whether ``env`` comes from a workflow step (set by :func:`asq_step`)."""
    return env.context.get(key) is STEP


def asq_carried(env, key, default=None):
    """The value the addon passed itself under ``key`` (an :class:`AsqMark`);
    ``default`` for anything else a caller may have put there."""
    mark = env.context.get(key)
    return mark.value if isinstance(mark, AsqMark) else default


def asq_lock_rows(records, names=None):
    """Lock the rows of ``records`` without waiting and re-read them.

    A second transaction firing the same step at the same time (double click,
    second tab, replayed call, two users) does not wait for the first one and
    never sees a raw database error: the row lock held by the other
    transaction (``LockNotAvailable``) or the row it has just committed under
    REPEATABLE READ (``SerializationFailure``) become one readable UserError.
    """
    if not records.ids:
        return records
    names = names or ", ".join(records.sudo().mapped("display_name"))
    try:
        records.env.cr.execute(
            SQL(
                "SELECT id FROM %s WHERE id IN %s ORDER BY id FOR UPDATE NOWAIT",
                SQL.identifier(records._table),
                tuple(records.ids),
            )
        )
    except (LockNotAvailable, SerializationFailure) as error:
        raise UserError(
            records.env._(
                "%(names)s is being processed by someone else right now. Reload "
                "the page to see what was done, then try again if needed.",
                names=names,
            )
        ) from error
    records.invalidate_recordset()
    return records


class AsqCompanyFixed(models.AbstractModel):
    """A document stays in the company it was created in: its customer, its
    lines and its deliveries belong to that company (``_check_company``), and
    moving it elsewhere afterwards would take them out of their company's
    sight (and into one its author may not even access)."""

    _name = "asq.company.fixed"
    _description = "After-Sales Document Kept in Its Company"

    def write(self, vals):
        if "company_id" in vals:
            moved = self.filtered(
                lambda record: record.company_id.id != vals["company_id"]
            )
            if moved:
                raise UserError(
                    self.env._(
                        "%(names)s cannot move to another company: create it "
                        "again in that company instead.",
                        names=", ".join(moved.sudo().mapped("display_name")),
                    )
                )
        return super().write(vals)


class AsqEditable(NamedTuple):
    """When a field a person fills in may still change: in ``states``, by
    ``group`` (an xmlid; None: whoever may write the document), until the
    step stamping ``frozen_by`` is done."""

    states: tuple
    group: str | None = None
    frozen_by: str | None = None


class AsqEditableMixin(models.AbstractModel):
    """One table, ``_asq_editable``, says which field may change in which
    state: :meth:`_asq_ensure_editable` refuses any other write (RPC
    included), and the form's ``readonly=`` is generated from the same table
    (:meth:`_get_view`), so that the two cannot disagree. Outside the table,
    a document in one of ``_asq_closed_states`` changes only the fields of
    ``_asq_closed_writable``."""

    _name = "asq.editable.mixin"
    _description = "After-Sales Editable Fields by State"

    _asq_editable = {}
    _asq_closed_states = ()
    _asq_closed_writable = frozenset()

    @api.model
    def _asq_readonly_expr(self, fname):
        """The form's ``readonly=`` of ``fname``, or None (the view's own)."""
        rule = self._asq_editable.get(fname)
        if rule:
            expr = f"state not in {list(rule.states)!r}"
            return f"{expr} or {rule.frozen_by}" if rule.frozen_by else expr
        field = self._fields.get(fname)
        if (
            field is None
            or field.readonly
            or fname in self._asq_closed_writable
            or not self._asq_closed_states
        ):
            return None
        return f"state in {list(self._asq_closed_states)!r}"

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type == "form":
            # The document's own fields (not those of its line sub-views); a
            # field shown read-only everywhere (readonly="1") stays so.
            for node in arch.xpath("//field[@name][not(ancestor::field)]"):
                if node.get("readonly") == "1":
                    continue
                expr = self._asq_readonly_expr(node.get("name"))
                if expr:
                    node.set("readonly", expr)
        return arch, view

    def _asq_ensure_editable(self, vals):
        """Refuse ``vals`` where the table says the field no longer changes
        (a closed document; its state, its role, its freezing step), naming
        the field."""
        frozen = set(vals) - set(self._asq_closed_writable)
        ended = self.filtered(lambda record: record.state in self._asq_closed_states)
        if ended and frozen:
            raise UserError(
                self.env._(
                    "%(names)s is closed: %(fields)s can no longer be changed.",
                    names=", ".join(ended.mapped("display_name")),
                    fields=", ".join(
                        self._fields[fname].get_description(self.env)["string"]
                        for fname in sorted(frozen)
                        if fname in self._fields
                    ),
                )
            )
        for fname in vals:
            rule = self._asq_editable.get(fname)
            if not rule:
                continue
            label = self._fields[fname].get_description(self.env)["string"]
            if (
                rule.group
                and not self.env.su
                and not self.env.user.has_group(rule.group)
            ):
                raise AccessError(
                    self.env._(
                        "%(field)s may only be changed by the role %(group)s.",
                        field=label,
                        group=self.env.ref(rule.group).sudo().name,
                    )
                )
            locked = self.filtered(
                lambda record, rule=rule: record.state not in rule.states
                or (rule.frozen_by and record[rule.frozen_by])
            )
            if locked:
                raise UserError(
                    self.env._(
                        "%(field)s can no longer be changed on %(names)s: that "
                        "step is done.",
                        field=label,
                        names=", ".join(locked.mapped("display_name")),
                    )
                )


class AsqWorkflowMixin(models.AbstractModel):
    """The guard every after-sales workflow step goes through: the role, a row
    lock, the state re-read after the lock, and writes marked as coming from
    a workflow button so that the models' write guards let them through."""

    _name = "asq.workflow.mixin"
    _inherit = ["asq.company.fixed"]
    _description = "After-Sales Workflow Step Guard"

    # Context key the model's write guard accepts (set by _workflow_write).
    _asq_workflow_key = "asq_workflow"
    # Who/when fields only the workflow buttons write.
    _asq_signature_fields = ()
    # Fields a plain create may not set (the workflow sets them).
    _asq_workflow_fields = ()
    # ir.sequence code numbering new records ("/" until then), if any.
    _asq_sequence_code = None

    @api.model_create_multi
    def create(self, vals_list):
        if self._asq_sequence_code:
            for vals in vals_list:
                if vals.get("name", "/") == "/":
                    company = self.env["res.company"].browse(
                        vals.get("company_id") or self.env.company.id
                    )
                    vals["name"] = (
                        self.env["ir.sequence"]
                        .with_company(company)
                        .next_by_code(self._asq_sequence_code)
                        or "/"
                    )
        if self._asq_workflow_fields and not asq_in_step(
            self.env, self._asq_workflow_key
        ):
            self._ensure_no_signature(vals_list)
            for vals in vals_list:
                for fname in self._asq_workflow_fields:
                    vals.pop(fname, None)
        return super().create(vals_list)

    def _asq_ensure_role(self, groups, step):
        """Refuse the step unless the user has one of ``groups`` (xmlids)."""
        groups = (groups,) if isinstance(groups, str) else tuple(groups or ())
        if (
            groups
            and not self.env.su
            and not any(self.env.user.has_group(group) for group in groups)
        ):
            raise AccessError(
                self.env._(
                    "You are not allowed to do this step (%(step)s): it needs the "
                    "role %(group)s.",
                    step=step,
                    group=" / ".join(
                        self.env.ref(group).sudo().name for group in groups
                    ),
                )
            )

    def _asq_lock_in_states(self, states, step):
        """Lock the rows and re-read their state: a double click, a second tab
        or a replayed call finds the step already done and is refused."""
        states = (states,) if isinstance(states, str) else tuple(states)
        asq_lock_rows(self)
        wrong = self.filtered(lambda record: record.state not in states)
        if wrong or not self:
            selection = dict(self._fields["state"]._description_selection(self.env))
            raise AsqStateError(
                self.env._(
                    "%(step)s is not possible on %(names)s in its current status "
                    "(%(status)s). Reload the page: someone may have done it "
                    "already.",
                    step=step,
                    names=", ".join(wrong.mapped("display_name")),
                    status=", ".join(selection[s] for s in set(wrong.mapped("state"))),
                )
            )
        self._check_company()
        return self

    def _asq_workflow_step(self, states, groups, step, access="write"):
        """Role, access right, lock and state: the records the step may run on."""
        self._asq_ensure_role(groups, step)
        if access and not self.env.su:
            self.check_access(access)
        return self._asq_lock_in_states(states, step)

    def _workflow_write(self, vals):
        return self.with_context(**asq_step(self._asq_workflow_key)).write(vals)

    def _workflow_stamp(self, step, vals):
        """Write a step with who and when did it (``<step>_by``/``_at``)."""
        stamp = {f"{step}_by": self.env.user.id, f"{step}_at": fields.Datetime.now()}
        return self._workflow_write({**stamp, **vals})

    def _ensure_no_signature(self, vals_list):
        signed = {
            fname
            for vals in vals_list
            for fname in vals
            if fname in self._asq_signature_fields
        }
        if signed:
            raise UserError(
                self.env._(
                    "%(fields)s are signed by the workflow buttons and cannot be "
                    "written directly.",
                    fields=", ".join(sorted(signed)),
                )
            )

    def _asq_ensure_fields_unsigned(self, vals, protected_fields, initial_state):
        """Refuse ``vals`` that set workflow-only fields, naming them by label;
        the state may only be written as its initial value."""
        protected = set(protected_fields).intersection(vals)
        if vals.get("state", initial_state) == initial_state:
            protected -= {"state"}
        if protected:
            raise UserError(
                self.env._(
                    "These fields are set by the workflow buttons and cannot be "
                    "written directly: %(fields)s.",
                    fields=", ".join(
                        sorted(
                            self._fields[f].get_description(self.env)["string"]
                            for f in protected
                        )
                    ),
                )
            )
