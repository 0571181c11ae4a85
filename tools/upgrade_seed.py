"""Seeds the database of ``make test-upgrade`` with documents in every state
they can reach, before the upgrade (run in ``odoo-bin shell`` on the install
of the *older* commit, with that commit's code):

  odoo-bin shell -c OLD.conf -d DB < tools/upgrade_seed.py

Each after-sales document with a workflow (``documents``) is walked from a fresh
draft through its steps by real calls of a user holding every after-sales
role, breadth first: every state a step reaches gets a document that reached
it that way, with the signatures, step records, mails and stock moves the
steps wrote. The steps are the document's declarations (``_asq_transitions``,
18.0.1.2.0) or, before the engine, the transition table of that commit's
state-table test; what a button needs first (the findings before Record
Findings, a signature before Sign) is prepared as that test prepares it
(its ``PREPARE``). The steps run from elsewhere are walked here as their
screen runs them (DIALOG_STEPS): a dialog (sign, refuse, cancel), the
warehouse validating a receipt or a put-away, the daily job escalating an
overdue notice.

Ends with a table of the documents per model and state (made by the walk,
and in the whole database), and "seed: done" once committed. A state of the
selection that no walk reached (and that UNREACHABLE does not explain) makes
it end with "seed: FAILED ..." instead, without committing.
"""

import logging
import socket

_logger = logging.getLogger("asq.upgrade_seed")

# Documents walked as part of another one: a CAPA's actions are added while
# its plan is drafted and done while it is in action, so copies of one
# cannot be walked on their own (its CAPA's walk makes them, marks them done
# and cancels them).
WALKED_WITH = {"asq.capa.action": "asq.capa"}

# (model, state) -> why no walk reaches it at the seeded commit (none: every
# state of every document is reached at 33317dd and 3f85930).
UNREACHABLE = {}

# Methods run from a dialog or another screen, with arguments the button's
# call does not give: walked by DIALOG_STEPS below, not as buttons.
DIALOG_METHODS = {
    "asq.return": {"action_sign", "button_validate", "_reopen"},
    "asq.complaint": {"_action_cancel"},
    "asq.capa": {"action_cancel"},
    "asq.service.visit": {"action_cancel"},
}

# Buttons of the documents the state-table test of 33317dd does not walk
# (tested elsewhere then): (from states, method).
LEGACY_BUTTONS = {
    "asq.complaint.alert": [(("open",), "action_close")],
    "asq.capa.action": [],  # walked with its CAPA (WALKED_WITH)
    "asq.vendor.score": [(("draft",), "action_confirm")],
    "asq.vendor.maintenance": [(("draft",), "action_verify")],
}

SEED = "Upgrade seed"


# ----------------------------------------------------------------------
# What a button needs first, where the walk's document differs from the
# state table's (which forces the state and so prepares the whole way
# there): the walk did the earlier steps for real.
# ----------------------------------------------------------------------
def _prep_return_qc(request):
    """A request really received only needs the inspector's results."""
    request.line_ids.write({"qc_result": "accept", "qc_disposition": "stock"})


def _prep_capa_actions_done(capa):
    """Every open action of the round done by its owner, with its evidence;
    the responsible department signs off."""
    for action in capa.action_ids.filtered(
        lambda a: a.round == capa.round and a.state == "open"
    ):
        action.write({"evidence": f"{SEED}: instruction WI-1 issued."})
        action.action_done()
    if capa.department_id and not capa.signoff_by_id:
        capa.action_department_signoff()


def _prep_alert_note(alert):
    alert.write({"note": f"{SEED}: the reports share one lot."})


def _nothing(_record):
    """The walk did for real what the state table prepares (the sample
    drawn, the invitations sent, the buyers listed by the activation)."""


OWN_PREPARE = {
    ("asq.return", "received", "action_qc_sign"): _prep_return_qc,
    ("asq.capa", "action", "action_request_verification"): _prep_capa_actions_done,
    ("asq.complaint.alert", "open", "action_close"): _prep_alert_note,
    ("asq.survey.campaign", "sampled", "action_send_invitations"): _nothing,
    ("asq.survey.campaign", "running", "action_send_invitations"): _nothing,
    ("asq.survey.campaign", "running", "action_send_reminders"): _nothing,
    ("asq.hold", "active", "action_send_notices"): _nothing,
    ("asq.hold", "nonconforming", "action_send_notices"): _nothing,
}


# ----------------------------------------------------------------------
# The steps run from a dialog or another screen, as that screen runs them.
# Each gets the document as the all-roles user.
# ----------------------------------------------------------------------
def validate(pickings):
    """The warehouse validates ``pickings`` for everything they expect."""
    pickings = pickings.filtered(lambda p: p.state not in ("done", "cancel"))
    if not pickings:
        raise ValueError("no transfer to validate")
    for move in pickings.move_ids:
        move.quantity = move.product_uom_qty
        move.picked = True
    pickings.with_context(skip_backorder=True).button_validate()


def receive(request):
    """The warehouse receives everything the request's open receipts expect
    (the receipt created first, as its button does)."""
    if not request.picking_ids:
        request.action_create_receipt()
    validate(request.picking_ids.filtered(lambda p: p.picking_type_code == "incoming"))


def put_away(request):
    """The warehouse books the put-aways the inspection made: the request
    is done."""
    validate(
        request.picking_ids.filtered(
            lambda p: p.asq_return_role in ("putaway", "reject")
        )
    )


def sign_dialog(request, refuse=False, comment=""):
    """The signing dialog of a request (sign or refuse the current step)."""
    request.env["asq.return.sign"].create(
        {
            "return_id": request.id,
            "opened_state": request.state,
            "refuse": refuse,
            "comment": comment,
        }
    ).action_confirm()


def sign(request):
    sign_dialog(request, comment=f"{SEED}: approved.")


def refuse(request):
    sign_dialog(request, refuse=True, comment=f"{SEED}: beyond what we accept.")


def reopen(request):
    request.env["asq.return.sign"].create(
        {"return_id": request.id, "reopen": True, "comment": f"{SEED}: reopened."}
    ).action_confirm()


def beyond_contract(request):
    """A request for unsaleable goods beyond the customer's contract (its
    ratio cap at 0 while finance checks it): the business head's signature
    sends it to the general manager."""
    request.line_ids.write({"kind": "unsaleable", "resolution": "exchange"})
    request.action_submit()
    sign(request)
    partner = request.partner_id.commercial_partner_id
    terms = {
        name: partner[name]
        for name in ("asq_custom_terms", "asq_exchange_ratio_cap", "asq_return_days")
    }
    partner.write({"asq_custom_terms": True, "asq_exchange_ratio_cap": 0.0})
    sign(request)  # finance: beyond the contract
    partner.write(terms)
    if not request.finance_beyond:
        raise ValueError("finance did not find the request beyond the contract")
    sign(request)  # the business head: to the general manager


def cancel_complaint(complaint):
    complaint.env["asq.complaint.cancel"].create(
        {"complaint_ids": [(6, 0, complaint.ids)], "reason": f"{SEED}: duplicate."}
    ).action_cancel()


def cancel_capa(capa):
    capa.env["asq.capa.cancel"].create(
        {"capa_ids": [(6, 0, capa.ids)], "reason": f"{SEED}: merged."}
    ).action_confirm()


def cancel_visit(visit):
    visit.env["asq.service.visit.cancel"].create(
        {"visit_ids": [(6, 0, visit.ids)], "reason": f"{SEED}: customer away."}
    ).action_confirm()


def verify_nonconforming(hold):
    hold.write(
        {
            "proposed_result": "nonconforming",
            "verification_note": f"{SEED}: retained samples fail.",
        }
    )
    hold.action_verify()


def overdue(notice):
    """The deadline passes; the daily job escalates the notice."""
    notice.write({"deadline": "2000-01-01"})
    notice.sudo()._escalate_overdue()


# model -> [(from states, label, run)]
DIALOG_STEPS = {
    "asq.return": [
        (("submitted", "finance", "business", "gm"), "sign", sign),
        (("submitted", "finance", "business", "gm"), "refuse", refuse),
        (("draft",), "beyond the contract", beyond_contract),
        (("approved",), "validate the return receipt", receive),
        (("inspected",), "validate the put-away", put_away),
        (
            ("submitted", "finance", "business", "gm", "approved", "refused"),
            "reopen",
            reopen,
        ),
    ],
    "asq.complaint": [
        (
            ("draft", "review", "investigating", "decided", "replied"),
            "cancel",
            cancel_complaint,
        ),
    ],
    "asq.capa": [
        (("draft", "analysis", "action", "verification"), "cancel", cancel_capa),
    ],
    "asq.service.visit": [
        (("planned", "in_progress"), "cancel", cancel_visit),
    ],
    "asq.hold": [
        (("active",), "verify nonconforming", verify_nonconforming),
    ],
    "asq.vendor.rectification": [
        (("open",), "the daily job: overdue", overdue),
    ],
}


def return_template(env, copy, template):
    """A draft request of one unit on goods no other request asks for, so
    that every walk's copy can be submitted (each open copy asks for its
    unit of what is still at the customer)."""
    asked = env["asq.return.line"].search([]).mapped("delivered_line_id").ids
    delivered = env["asq.delivered.line"].search(
        [("id", "not in", asked), ("remaining_qty", ">=", 30)],
        order="remaining_qty desc",
        limit=1,
    )
    if not delivered:
        return template
    request = copy(template, "draft")
    line = request.line_ids[:1]
    (request.line_ids - line).unlink()
    request.partner_id = delivered.partner_id
    line.write({"delivered_line_id": delivered.id, "quantity": 1})
    return request


def signed_fields(record):
    """The who/when fields of the document's steps (declared as a tuple of
    fields before 18.0.1.3.0, as the prefix since) and its workflow-only
    fields."""
    names = set(getattr(record, "_asq_signature_fields", ()))
    for transition in getattr(record, "_asq_transitions", ()):
        names.update(
            getattr(transition, "stamp_fields", None) or transition.stamp or ()
        )
    return names & set(record._fields)


def free_port():
    """A local port nothing listens on (wkhtmltopdf fetching the report's
    assets from it is refused at once, instead of reaching another server)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Seeder:
    def __init__(self, env, table_mod):
        from odoo.tests import new_test_user

        self.env = env
        self.table_mod = table_mod
        self.user = env["res.users"].search([("login", "=", "asq_upgrade_seed")])
        self.user = self.user or new_test_user(
            env,
            login="asq_upgrade_seed",
            groups=table_mod.ALL_ROLES,
            email="upgrade.seed@example.com",
        )
        self.table = table_mod.TestStateTable("test_state_action_table")
        self.table.env = env
        self.table.user = self.user
        self.table.copies = 0
        self.copies = 0
        from odoo.addons.after_sales_quality.models.asq_workflow_mixin import asq_step

        self.asq_step = asq_step
        self.prepare = getattr(table_mod, "PREPARE", {})
        self.step_arguments = getattr(table_mod, "step_arguments", None)

    # the steps of a document ------------------------------------------
    def steps(self, name):
        """[(from states, label, run)] of the document ``name``."""
        Model = self.env[name]
        dialog = DIALOG_METHODS.get(name, set())
        buttons = [
            (t.from_states, t.action or f"action_{t.step}")
            for t in getattr(Model, "_asq_transitions", ())
        ]
        if not buttons:
            legacy = getattr(self.table_mod, "TRANSITIONS", {}).get(name, {})
            buttons = [((state,), method) for state, method in legacy]
            buttons += LEGACY_BUTTONS.get(name, [])
        steps = [
            (from_states, method, self.button(name, method))
            for from_states, method in buttons
            if method not in dialog and callable(getattr(Model, method, None))
        ]
        return steps + DIALOG_STEPS.get(name, [])

    def button(self, name, method):
        scope = getattr(self.table_mod, "SCOPE", {}).get((name, method))

        def run(caller):
            if scope:  # what makes the button apply (feedback, on-site)
                caller.write(scope)
            prep = OWN_PREPARE.get((name, caller.state, method))
            if not prep:
                prep = self.prepare.get(name, {}).get((caller.state, method))
                prep = prep and getattr(self.table, prep)
            if prep:
                prep(caller)
            args = self.step_arguments(caller, method) if self.step_arguments else []
            getattr(caller, method)(*args)

        return run

    # the walk -----------------------------------------------------------
    def step(self, record, label, run):
        """Run one step on ``record`` as the all-roles user; False when
        refused (rolled back)."""
        caller = record.with_user(self.user).with_context(lang="en_US")
        state = record.state
        try:
            with self.env.cr.savepoint():
                run(caller)
                self.env.flush_all()
        except Exception as error:  # a step refused: not walked
            _logger.info("seed: %s %s from %s refused: %s", record, label, state, error)
            self.env.invalidate_all()
            return False
        self.env.invalidate_all()
        return True

    def copy(self, template, state):
        """A copy of ``template`` put in ``state`` (as the state table's
        ``_in_state`` of 18.0.1.2.0: each copy its own name, pack period and
        scorecard month)."""
        self.copies += 1
        default = {"name": f"{SEED} {self.copies}"}
        if "name" not in template._fields or template._fields["name"].compute:
            default = {}
        if template._name == "asq.kpi.pack":
            default["date_from"] = f"{1500 + self.copies}-01-01"
        if template._name == "asq.vendor.score":
            default["month"] = (
                f"{1500 + self.copies // 12}-{1 + self.copies % 12:02}-01"
            )
        key = self.table._workflow_key(template)
        record = template.with_context(**self.asq_step(key)).copy(default)
        if record.state != state:
            self.table._history(record, {"state": state})
        record.flush_recordset()
        return record.with_env(self.env)

    def walk(self, template, initial, path):
        """A new document walked along ``path`` [(label, run)], or None."""
        record = self.copy(template, initial)
        # A fresh draft: none of the template's signatures (a copy kept them
        # before 18.0.1.3.0).
        signed = [name for name in signed_fields(record) if record[name]]
        if signed:
            self.table._history(record, dict.fromkeys(signed, False))
        for label, run in path:
            if not self.step(record, label, run):
                return None
        return record

    def template(self, name):
        template = self.table._template(name)
        if name == "asq.return":
            template = return_template(self.env, self.copy, template)
        return template

    def seed_model(self, name):
        """Walk ``name`` breadth first; {state: path} of the states reached."""
        Model = self.env[name]
        template = self.template(name)
        if not template:
            return {}
        initial = Model._fields["state"].selection
        initial = (initial(Model) if callable(initial) else initial)[0][0]
        paths = {initial: []}
        queue = [initial]
        self.walk(template, initial, [])
        steps = self.steps(name)
        while queue:
            state = queue.pop(0)
            for from_states, label, run in steps:
                if state not in from_states:
                    continue
                record = self.walk(template, initial, paths[state])
                if not record:
                    continue
                if self.step(record, label, run) and record.state not in paths:
                    paths[record.state] = [*paths[state], (label, run)]
                    queue.append(record.state)
        return paths


def state_counts(env, name, since):
    """{state: (made by the walk, in the database)} of ``name``."""
    Model = env[name].sudo().with_context(active_test=False)
    counts = {}
    for state, total in Model._read_group([], ["state"], ["__count"]):
        counts[state] = [0, total]
    for state, made in Model._read_group([("id", ">", since)], ["state"], ["__count"]):
        counts[state][0] = made
    return counts


def documents(env, table_mod):
    """The documents with a workflow: those declaring ``_asq_transitions``;
    before the engine, those of the state-table test and LEGACY_BUTTONS."""
    names = {
        name
        for name, model in env.registry.items()
        if not model._abstract and getattr(model, "_asq_transitions", ())
    }
    return sorted(names or {*getattr(table_mod, "TRANSITIONS", {}), *LEGACY_BUTTONS})


def seed(env):
    from odoo.addons.after_sales_quality.tests import test_state_table as table_mod

    workflows = documents(env, table_mod)
    names = [
        name
        for name in workflows
        if "state" in env[name]._fields
        and env[name]._fields["state"].type == "selection"
    ]

    params = env["ir.config_parameter"].sudo()
    report_url = params.get_param("report.url")
    params.set_param("report.url", f"http://127.0.0.1:{free_port()}")
    before = {}
    for name in names:
        env.cr.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{env[name]._table}"')
        before[name] = env.cr.fetchone()[0]
    seeder = Seeder(env, table_mod)
    for name in names:
        if name in WALKED_WITH:
            continue
        try:
            with env.cr.savepoint():
                seeder.seed_model(name)
        except Exception:
            _logger.exception("seed: the walk of %s failed", name)
            print(f"seed: the walk of {name} failed (see the log)")
    params.set_param("report.url", report_url or False)
    env.flush_all()

    missing, made_all = [], 0
    for name in sorted(set(workflows) - set(names)):
        print(f"seed: {name}: no such document with a state at this version")
    print(f"seed: {'model':26} {'state':16} {'walked':>7} {'in db':>6}")
    for name in names:
        states = [
            key
            for key, _label in env[name]._fields["state"]._description_selection(env)
        ]
        counts = state_counts(env, name, before[name])
        for state in states:
            made, total = counts.get(state, (0, 0))
            made_all += made
            note = ""
            if not made:
                note = UNREACHABLE.get((name, state))
                note = f"  unreachable: {note}" if note else "  NOT REACHED"
                if (name, state) not in UNREACHABLE:
                    missing.append(f"{name} {state}")
            print(f"seed: {name:26} {state:16} {made:>7} {total:>6}{note}")
    if missing:
        env.cr.rollback()
        print(f"seed: FAILED: no document reached {', '.join(missing)}")
        return
    env.cr.commit()
    print(
        f"seed: done: {made_all} documents walked, every state of the "
        f"{len(names)} documents reached"
    )


seed(env)  # noqa: F821 (the shell's environment)
