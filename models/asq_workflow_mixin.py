from datetime import datetime
from typing import NamedTuple

from markupsafe import Markup
from psycopg2.errors import LockNotAvailable, SerializationFailure

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
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


def asq_signature(who, when):
    """The (who, when) fields a step stamps, "<stamp>_user_id" and
    "<stamp>_date" (see :attr:`AsqTransition.stamp`): read-only, written by
    the step only and never copied; the signer shown to the back office."""
    return (
        fields.Many2one(
            "res.users",
            string=who,
            readonly=True,
            copy=False,
            groups="base.group_user",
        ),
        fields.Datetime(string=when, readonly=True, copy=False),
    )


# Locking rule. A step a user fires (a button, a portal action, an RPC call)
# locks its rows with NOWAIT: a second transaction on the same document fails
# at once with a readable error (reload and see what the other one did)
# instead of queueing behind it. Work that must happen whatever the contention
# waits with FOR UPDATE (``wait=True``): scheduled jobs (the return note
# mailing) and quantity checks that serialise concurrent returns of the same
# delivered moves (``asq.return._lock_and_check_quantities``,
# ``stock.move._action_done``), where refusing would lose a legitimate
# operation and the wait is short. Both go through :func:`asq_lock_rows`.
def asq_lock_rows(records, names=None, wait=False):
    """Lock the rows of ``records`` and re-read them.

    Without ``wait`` (user-facing steps), a second transaction firing the same
    step at the same time (double click, second tab, replayed call, two users)
    does not wait for the first one and never sees a raw database error: the
    row lock held by the other transaction (``LockNotAvailable``) or the row it
    has just committed under REPEATABLE READ (``SerializationFailure``) become
    one readable UserError. With ``wait`` (jobs, quantity checks), it waits
    for the other transaction (``FOR UPDATE``, ids in order: no deadlock
    between two callers locking the same rows).
    """
    if not records.ids:
        return records
    if wait:
        records.env.cr.execute(
            SQL(
                "SELECT id FROM %s WHERE id IN %s ORDER BY id FOR UPDATE",
                SQL.identifier(records._table),
                tuple(records.ids),
            )
        )
        records.invalidate_recordset()
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


def asq_engine_models(env):
    """The documents declaring their steps (the engine's), by model name."""
    return sorted(
        name
        for name, model in env.registry.items()
        if not model._abstract and getattr(model, "_asq_transitions", ())
    )


class AsqTransition(NamedTuple):
    """One step of a document, declared once in its ``_asq_transitions``.

    Everything else is derived from it by :class:`AsqWorkflowMixin`: the
    server check of the button's method (role, access, row lock, state,
    precondition), the ``can_<step>`` boolean the form's button reads, the
    "waiting for me" counts of the dashboard, the to-do of whoever signs next
    and the transition tables of the README (tested against these)."""

    step: str
    # The step's name as users read it (an ``_lt`` term).
    label: object
    from_states: tuple
    # Who signs it: any of these roles (xmlids); () = whoever may write the
    # document (``access``), narrowed by ``signer`` when given.
    groups: tuple = ()
    # The state reached; None: the state stays, or the step chooses one of
    # ``branches`` (listed for the table and the tests).
    to_state: str | None = None
    branches: tuple = ()
    # The who/when fields the step stamps with the signer and the time, named
    # by the one scheme every document follows: "<stamp>_user_id" and
    # "<stamp>_date" (None: the step stamps nothing).
    stamp: str | None = None
    # Fields that no longer change once the step is done (see AsqEditable).
    freezes: tuple = ()
    # Method of the document returning, for one record, why the step is not
    # possible yet ("" when it is): the server refuses with it, the button
    # hides.
    check: str | None = None
    # Method returning the domain of the documents the current user signs
    # this step for beyond the state (None: none); default: every document
    # in ``from_states`` when the user holds one of ``groups``.
    signer: str | None = None
    # The button's method ("action_<step>" when None).
    action: str | None = None
    # The access right the step needs on the document besides its role.
    access: str = "write"
    # Whether whoever signs it gets a to-do when the document waits for it,
    # due on the date of the document's field ``deadline`` (today if none).
    todo: bool = True
    deadline: str | None = None
    # Method of the document returning, for one record, the users whose
    # to-do the step is, for a step signed by a person rather than a role
    # (the owner of a line, their department head); None: every user of
    # the company holding one of ``groups`` who signs it (``signer``).
    assignee: str | None = None
    # A step signed by sending a mail from Odoo's composer (asq.mail.step):
    # the method of the document that checks the mail about to go (its
    # message_post arguments) and returns the values the step writes.
    mail: str | None = None

    @property
    def method(self):
        return self.action or f"action_{self.step}"

    @property
    def stamp_fields(self):
        """(who, when) field names of ``stamp``, () when it stamps nothing."""
        return (f"{self.stamp}_user_id", f"{self.stamp}_date") if self.stamp else ()


class AsqCompanyFixed(models.AbstractModel):
    """A document stays in the company it was created in: its customer, its
    lines and its deliveries belong to that company (``_check_company``), and
    moving it elsewhere afterwards would take them out of their company's
    sight (and into one its author may not even access)."""

    _name = "asq.company.fixed"
    _description = "After-Sales Document Kept in Its Company"

    def _asq_names(self):
        """The names of ``self``, for messages."""
        return ", ".join(self.mapped("display_name"))

    def _asq_field_labels(self, fnames):
        """The labels of the fields ``fnames``, in the user's language, for
        messages (never the English ``string`` inside a Chinese sentence)."""
        return [self._fields[f]._description_string(self.env) for f in fnames]

    def _asq_empty_fields(self, fnames):
        """The labels (:meth:`_asq_field_labels`) of the fields of ``fnames``
        left empty on this record."""
        self.ensure_one()
        return self._asq_field_labels([f for f in fnames if not self[f]])

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
                        names=moved.sudo()._asq_names(),
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
    def _asq_editable_table(self):
        """The table as the README shows it (Markdown), rendered from
        ``_asq_editable``: README.md carries it between
        ``<!-- editable:<model> -->`` markers and a test keeps them equal."""
        env = self.with_context(lang="en_US").env
        rows = [
            "| field | states | role | frozen once |",
            "| --- | --- | --- | --- |",
        ]
        for fname, rule in self._asq_editable.items():
            role = (
                env.ref(rule.group).sudo().name
                if rule.group
                else env._("whoever may edit it")
            )
            frozen = f"`{rule.frozen_by}`" if rule.frozen_by else ""
            rows.append(f"| `{fname}` | {', '.join(rule.states)} | {role} | {frozen} |")
        if self._asq_closed_states:
            rows.append("")
            rows.append(
                "Once {}: only {} may still change.".format(
                    " or ".join(f"`{state}`" for state in self._asq_closed_states),
                    ", ".join(f"`{f}`" for f in sorted(self._asq_closed_writable))
                    or "nothing",
                )
            )
        return "\n".join(rows)

    @api.model
    def _asq_apply_readonly(self, nodes):
        """Set the ``readonly=`` of the field ``nodes`` (of this model) from
        the table; a field shown read-only everywhere (readonly="1") stays so."""
        for node in nodes:
            if node.get("readonly") == "1":
                continue
            expr = self._asq_readonly_expr(node.get("name"))
            if expr:
                node.set("readonly", expr)

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type == "form":
            # The document's own fields (not those of its line sub-views).
            self._asq_apply_readonly(arch.xpath("//field[@name][not(ancestor::field)]"))
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
                        self._asq_field_labels(
                            f for f in sorted(frozen) if f in self._fields
                        )
                    ),
                )
            )
        for fname in vals:
            rule = self._asq_editable.get(fname)
            if not rule:
                continue
            [label] = self._asq_field_labels([fname])
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

    def copy_data(self, default=None):
        """A copy is a new document: what the original's steps signed (every
        who/when stamp, every field only the workflow writes) stays with it,
        whatever the fields' ``copy``."""
        vals_list = super().copy_data(default=default)
        stamps = {
            *(fname for t in self._asq_transitions for fname in t.stamp_fields),
            *self._asq_signature_fields,
        } - set(default or ())
        for vals in vals_list:
            for fname in stamps:
                vals.pop(fname, None)
        return vals_list

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
                    names=wrong._asq_names(),
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

    def _asq_caller_write(self, vals):
        """Whether ``vals`` come from a caller rather than a step: then refuse
        a signature or a status in them (the workflow buttons write those),
        naming the documents, and return True (the model goes on with its
        own checks of a caller's write)."""
        if asq_in_step(self.env, self._asq_workflow_key):
            return False
        self._ensure_no_signature([vals])
        if "state" in vals:
            raise UserError(
                self.env._(
                    "Use the workflow buttons to change the status of %(names)s.",
                    names=self._asq_names(),
                )
            )
        return True

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
                    fields=", ".join(sorted(self._asq_field_labels(signed))),
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
                    fields=", ".join(sorted(self._asq_field_labels(protected))),
                )
            )

    @api.model
    def _asq_company_users(self, group_xmlid, company):
        """The internal users of ``company`` holding the role ``group_xmlid``."""
        return (
            self.env.ref(group_xmlid)
            .sudo()
            .users.filtered(lambda u: not u.share and company in u.company_ids)
        )

    @api.model
    def _asq_portal_responsible(self, partner):
        """The internal user answering a portal customer: the customer's
        salesperson when they handle after-sales, else the after-sales section."""
        salesperson = partner.commercial_partner_id.user_id
        if salesperson and salesperson.has_group("after_sales_quality.group_asq_user"):
            return salesperson
        return self._asq_company_users(
            "after_sales_quality.group_asq_user_all", self.env.company
        )[:1]

    @api.model
    def _asq_list_action(self, xmlid, domain, context=None):
        """The window action ``xmlid`` (its name, views and search) listing
        the records of ``domain``, with ``context`` instead of its own."""
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action.update(domain=domain, context=context or {})
        return action

    @api.model
    def _asq_records_action(self, xmlid, records):
        """The window action ``xmlid`` opened on ``records``: their form when
        there is one, else the list of them."""
        if len(records) != 1:
            return self._asq_list_action(xmlid, [("id", "in", records.ids)])
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action.update(context={}, views=[(False, "form")], res_id=records.id)
        return action

    def _asq_todo(self, users, summary):
        """A to-do ``summary``, due today, for each of ``users`` on the
        document (one)."""
        self.ensure_one()
        for user in users:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=fields.Date.context_today(self),
                summary=summary,
                user_id=user.id,
            )

    def _asq_notify_internal(self, partners, subject, body):
        """Log ``body`` on the document (one) and e-mail it to ``partners``."""
        self.ensure_one()
        self.message_post(
            subject=subject,
            body=body,
            partner_ids=partners.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )

    def _asq_post_portal_filing(self, contact, body, responsible, summary):
        """A document the customer's ``contact`` filed on the portal: ``body``
        in its chatter as the contact's note, and a to-do ``summary`` for the
        ``responsible`` user who takes it from there (none: nobody)."""
        self.ensure_one()
        self.message_post(
            body=Markup("<p>%s</p>") % body,
            author_id=contact.id,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        if responsible:
            self.activity_schedule(
                "mail.mail_activity_data_todo", summary=summary, user_id=responsible.id
            )

    # ------------------------------------------------------------------
    # The engine: everything below reads ``_asq_transitions``
    # ------------------------------------------------------------------
    # The document's steps (AsqTransition), in the order of the workflow.
    _asq_transitions = ()

    @api.model
    def _asq_transition(self, step):
        """The declaration of ``step`` (KeyError for a step not declared)."""
        for transition in self._asq_transitions:
            if transition.step == step:
                return transition
        raise KeyError(f"{self._name} declares no step {step!r}")

    @api.model
    def _asq_label(self, step):
        """The step's name in the user's language."""
        return self.env._(self._asq_transition(step).label)

    @api.model
    def _asq_may_sign(self, transition):
        """Whether the current user holds the step's role."""
        return (
            self.env.su
            or not transition.groups
            or any(self.env.user.has_group(group) for group in transition.groups)
        )

    def _asq_why_not(self, step):
        """{record: why} of the records ``step``'s precondition refuses."""
        transition = self._asq_transition(step)
        if not transition.check:
            return {}
        reasons = {}
        for record in self:
            why = getattr(record, transition.check)()
            if why:
                reasons[record] = why
        return reasons

    def _asq_begin(self, step):
        """The server check every step runs first, from its declaration: the
        role, the access right, the row lock and the state re-read after it
        (a double click, a second tab or a replayed call is refused with
        :class:`AsqStateError`), the signer and the precondition. Returns
        the locked records."""
        transition = self._asq_transition(step)
        label = self.env._(transition.label)
        if not self:
            raise UserError(
                self.env._("Select a document first (%(step)s).", step=label)
            )
        records = self._asq_workflow_step(
            transition.from_states, transition.groups, label, transition.access
        )
        records._asq_ensure_progress(step)
        if transition.signer and not self.env.su:
            allowed = records.filtered_domain(
                getattr(records, transition.signer)() or expression.FALSE_DOMAIN
            )
            if allowed != records:
                # A step done already or not ready: say so rather than "not
                # yours" (a second click on a signed step, say).
                reasons = (records - allowed)._asq_why_not(step)
                if reasons:
                    raise UserError("\n".join(dict.fromkeys(reasons.values())))
                raise AccessError(
                    self.env._(
                        "You are not allowed to do this step (%(step)s) on "
                        "%(names)s.",
                        step=label,
                        names=(records - allowed)._asq_names(),
                    )
                )
        reasons = records._asq_why_not(step)
        if reasons:
            raise UserError("\n".join(dict.fromkeys(reasons.values())))
        return records

    def _asq_refuse_done(self, signer_field, message):
        """Refuse a step these records already had done (a double click, a
        second tab, a replayed call) with ``message(names=, user=)``: the
        step's own words, naming the records and who did it (the users of
        ``signer_field``). Nothing when ``self`` is empty."""
        if self:
            raise AsqStateError(
                message(
                    names=self._asq_names(),
                    user=", ".join(self.mapped(signer_field).mapped("name")),
                )
            )

    def _asq_ensure_progress(self, step):
        """Hook of :meth:`_asq_begin`, once the records are locked in a
        from-state: refuse ``step`` for what the document's progress says
        (done already, not ready yet) in the document's own words, before
        the signer and the precondition are checked."""

    def _asq_finish(self, step, vals=None):
        """Write the step's outcome: its next state (unless ``vals`` choose
        one of its branches), who and when signed, then the to-dos: the
        signer's own is done, whoever signs next gets one."""
        transition = self._asq_transition(step)
        vals = dict(vals or {})
        now = fields.Datetime.now()
        if transition.to_state:
            vals.setdefault("state", transition.to_state)
        if transition.stamp:
            who, when = transition.stamp_fields
            vals.setdefault(who, self.env.uid)
            vals.setdefault(when, now)
        before = {record.id: record.state for record in self}
        self._workflow_write(vals)
        self._asq_record_step(transition, before, now)
        self._asq_update_todos()
        return True

    def _asq_record_step(self, transition, before, now):
        """The auditor's line of each record's step (``asq.step.record``):
        the signer, the time, the states and the roles held right now."""
        user = self.env.user
        held = [group for group in transition.groups if user.has_group(group)]
        self.env["asq.step.record"].sudo().create(
            [
                {
                    "res_model": self._name,
                    "res_id": record.id,
                    "step": transition.step,
                    "label": self.with_context(lang="en_US").env._(transition.label),
                    "from_state": before.get(record.id),
                    "to_state": record.state,
                    "user_id": user.id,
                    "date": now,
                    "roles_held": ",".join(held),
                    # The system itself (installation, scheduled jobs)
                    # signs as OdooBot, as the audit queries always allowed.
                    "role_ok": bool(held)
                    or not transition.groups
                    or user.id == SUPERUSER_ID,
                    "company_id": record.company_id.id,
                }
                for record in self
            ]
        )

    @api.model
    def _asq_transition_table(self):
        """The document's steps as the README shows them (Markdown, in
        English), rendered from the declaration: README.md carries this
        text between ``<!-- transitions:<model> -->`` markers and a test
        keeps the two equal."""
        env = self.with_context(lang="en_US").env

        def cell(values):
            return ", ".join(f"`{value}`" for value in values) or "—"

        rows = [
            "| Step | Method | From | Signed by | To | Stamps | Precondition | To-do |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for t in self._asq_transitions:
            roles = " / ".join(
                env.ref(group).sudo().name for group in t.groups
            ) or env._("whoever may edit it")
            if t.signer:
                roles += f" (`{t.signer}`)"
            to = (
                cell(filter(None, (t.to_state, *t.branches)))
                if (t.to_state or t.branches)
                else "(stays)"
            )
            rows.append(
                f"| {env._(t.label)} | `{t.method}` | {cell(t.from_states)} "
                f"| {roles} | {to} | {cell(t.stamp_fields)} "
                f"| {f'`{t.check}`' if t.check else '—'} "
                f"| {'yes' if t.todo else 'no'} |"
            )
        return "\n".join(rows)

    # ------------------------------------------------------------------
    # Derived: the buttons (can_<step>)
    # ------------------------------------------------------------------
    # Fields the steps' preconditions and signers read besides the state:
    # the buttons follow them as the user types (a document extends it).
    _asq_can_depends = ("state",)

    @api.depends(lambda self: self._asq_can_depends)
    @api.depends_context("uid")
    def _compute_asq_can(self):
        """``can_<step>``: the user holds the role, may access the document,
        the document is in a from-state, is the user's to sign (``signer``)
        and meets the precondition: the form shows the button exactly when
        the server would run the step."""
        for transition in self._asq_transitions:
            fname = f"can_{transition.step}"
            if fname not in self._fields:
                continue
            allowed = self.browse()
            if self._asq_may_sign(transition):
                allowed = self.filtered(
                    lambda record, t=transition: record.state in t.from_states
                )
                if allowed and not self.env.su:
                    # per record: an owner may edit only their own lines
                    allowed = allowed._filtered_access(transition.access or "read")
                if transition.signer and not self.env.su and allowed:
                    allowed = allowed.filtered_domain(
                        getattr(allowed, transition.signer)() or expression.FALSE_DOMAIN
                    )
                if transition.check and allowed:
                    allowed -= self.browse(
                        record.id for record in allowed._asq_why_not(transition.step)
                    )
            for record in self:
                record[fname] = record in allowed

    # ------------------------------------------------------------------
    # Derived: "waiting for me" and the to-dos of the next signer
    # ------------------------------------------------------------------
    @api.model
    def _asq_waiting_domain(self, steps=None):
        """The documents waiting for one of the current user's steps (of
        ``steps``, default all with a to-do), or None when the user signs
        none of them: the dashboard counts it and opens it."""
        parts = []
        for transition in self._asq_transitions:
            if not transition.todo or (steps and transition.step not in steps):
                continue
            if not self._asq_may_sign(transition):
                continue
            domain = [("state", "in", transition.from_states)]
            if transition.signer:
                extra = getattr(self, transition.signer)()
                if extra is None:
                    continue
                domain = expression.AND([domain, extra])
            # A step given to a person (``assignee``) waits for the user on
            # the documents that give it to them (``<assignee>_domain``).
            assigned = transition.assignee and getattr(
                self, f"{transition.assignee}_domain", None
            )
            if assigned:
                domain = expression.AND([domain, assigned()])
            parts.append(domain)
        return expression.OR(parts) if parts else None

    def _asq_next_signers(self):
        """{step: users} who sign the steps this document now waits for."""
        self.ensure_one()
        result = {}
        for transition in self._asq_transitions:
            if not transition.todo or self.state not in transition.from_states:
                continue
            users = self._asq_signers(transition)
            if users:
                result[transition.step] = users
        return result

    def _asq_signers(self, transition):
        """The users of the document's company holding the step's role (and
        signing it for this document, ``signer``); none for a step anybody
        may do."""
        self.ensure_one()
        if transition.assignee:
            users = getattr(self, transition.assignee)().filtered(
                lambda user: not user.share and self.company_id in user.company_ids
            )
        elif not transition.groups:
            return self.env["res.users"]
        else:
            users = (
                self.env["res.users"]
                .sudo()
                .search(
                    [
                        ("share", "=", False),
                        ("company_ids", "in", self.company_id.ids),
                        (
                            "groups_id",
                            "in",
                            [self.env.ref(group).id for group in transition.groups],
                        ),
                    ]
                )
            )
        if transition.signer:
            users = users.filtered(
                lambda user: self.sudo().filtered_domain(
                    getattr(self.with_user(user), transition.signer)()
                    or expression.FALSE_DOMAIN
                )
            )
        return users

    def _asq_todo_date(self, step, user):
        """The day the signer's to-do is due, where the signer is (not the
        server's UTC date): the step's ``deadline`` field, else today."""
        transition = self._asq_transition(step)
        local = self.with_user(user).with_context(tz=user.tz)
        when = transition.deadline and self[transition.deadline]
        if not when:
            return fields.Date.context_today(local)
        if isinstance(when, datetime):
            return fields.Datetime.context_timestamp(local, when).date()
        return when

    def _asq_todo_holder(self):
        """The document whose chatter carries the to-dos of this one's steps
        (one): itself, or the document a line without a chatter belongs to."""
        self.ensure_one()
        return self

    def _asq_todo_activities(self, activity_type):
        """The step to-dos of this document (one) on its holder: on a holder
        that is not the document itself, only those about the document
        (``asq_source``)."""
        holder = self._asq_todo_holder()
        source = False if holder == self else f"{self._name},{self.id}"
        return holder.activity_ids.filtered(
            lambda activity: activity.activity_type_id == activity_type
            and (activity.asq_source or False) == source
        )

    def _asq_update_todos(self):
        """Close the to-dos of the steps the documents no longer wait for and
        give one to each user who signs a step they wait for now: the
        summary in that user's language, due on a day where that user is."""
        activity_type = self.env.ref(
            "after_sales_quality.mail_activity_type_asq_sign",
            raise_if_not_found=False,
        )
        if not activity_type:
            return
        # mail.activity makes whoever it is assigned to a follower: the
        # signers' to-dos must not put them on the document's mails to the
        # customer, so the followers stay who they were.
        holder_of = {
            record: holder
            for record in self.sudo()
            if "activity_ids" in (holder := record._asq_todo_holder())._fields
        }
        followers = {
            holder: holder.message_partner_ids
            for holder in set(holder_of.values())
            if "message_partner_ids" in holder._fields
        }
        for record, holder in holder_of.items():
            waiting = record._asq_next_signers()
            expected = {
                (user.id, step) for step, users in waiting.items() for user in users
            }
            existing = record._asq_todo_activities(activity_type)
            for activity in existing:
                key = (activity.user_id.id, activity.asq_step)
                if key in expected:
                    expected.discard(key)
                elif activity.user_id == self.env.user:
                    # (the signer's own to-do: in the signer's language)
                    signer = record.with_context(lang=self.env.user.lang or "en_US")
                    activity.action_feedback(
                        feedback=signer.env._(
                            "Signed: %(step)s.",
                            step=signer._asq_label(activity.asq_step),
                        )
                        if activity.asq_step
                        in {t.step for t in record._asq_transitions}
                        else False
                    )
                else:
                    # Someone else signed, or the step is no longer due.
                    activity.unlink()
            for user_id, step in sorted(expected):
                user = self.env["res.users"].browse(user_id)
                # The signer reads the to-do: in the signer's language.
                holder.with_context(lang=user.lang or "en_US").activity_schedule(
                    activity_type_id=activity_type.id,
                    summary=record.with_context(
                        lang=user.lang or "en_US"
                    )._asq_todo_summary(step),
                    user_id=user_id,
                    date_deadline=record._asq_todo_date(step, user),
                    asq_step=step,
                    asq_source=False
                    if holder == record
                    else f"{record._name},{record.id}",
                )
        for holder, before in followers.items():
            added = holder.message_partner_ids - before
            if added:
                holder.message_unsubscribe(added.ids)

    def _asq_todo_summary(self, step):
        """The summary of the to-do of ``step`` (in the context's language):
        the step's name, and the line's when the to-do is on its holder."""
        self.ensure_one()
        label = self._asq_label(step)
        if self._asq_todo_holder() == self:
            return label
        return f"{label}: {self.display_name}"


class AsqMailStep(models.AbstractModel):
    """A step signed by the mail that says it: the reply to the customer,
    the CAPA report, the explanation of a warranty claim. The button opens
    Odoo's composer on the step's template; the step is signed when the
    mail is sent from it, by :meth:`message_post`, which runs the step's
    whole server check first (role, state, progress, precondition) and the
    step's own check of the mail (``AsqTransition.mail``): the composer's
    context only says which step the mail is for, it unlocks nothing."""

    _name = "asq.mail.step"
    _inherit = ["mail.thread"]
    _description = "After-Sales Step Signed by a Mail"

    # The context key naming the step the composer's mail signs.
    _asq_mail_step_key = "asq_mail_step"

    def _asq_mail_step_action(self, step, template):
        """The composer of the mail that signs ``step``, on ``template`` (in
        the recipient's language, editable). The caller ran the step's
        check (:meth:`_asq_begin`): the button is refused there already with
        the words the step gives when the mail is sent."""
        record = self
        record.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": record._asq_label(step),
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": record._name,
                "default_res_ids": record.ids,
                "default_composition_mode": "comment",
                "default_template_id": template.id,
                "default_email_layout_xmlid": (
                    "mail.mail_notification_layout_with_responsible_signature"
                ),
                "force_email": True,
                self._asq_mail_step_key: step,
            },
        }

    def _asq_mail_step_to(self, partner, kwargs, message):
        """Refuse a mail of the step that does not go to ``partner``
        (``message``: the step's own words, already translated)."""
        if partner.id not in (kwargs.get("partner_ids") or []):
            raise UserError(message)

    def _asq_mail_step_finish(self, step, vals):
        """Sign ``step`` once its mail is posted (a hook: the CAPA report is
        signed by staff who only read the CAPA)."""
        return self._asq_finish(step, vals)

    def message_post(self, **kwargs):
        step = self.env.context.get(self._asq_mail_step_key)
        if not step or len(self) != 1:
            return super().message_post(**kwargs)
        try:
            transition = self._asq_transition(step)
        except KeyError:
            transition = None
        record = self.with_context(**{self._asq_mail_step_key: False})
        if not transition or not transition.mail:
            # Not a step signed by a mail: an ordinary message.
            return super(AsqMailStep, record).message_post(**kwargs)
        record = record._asq_begin(step)
        vals = getattr(record, transition.mail)(kwargs)
        message = super(AsqMailStep, record).message_post(**kwargs)
        record._asq_mail_step_finish(step, vals)
        return message
