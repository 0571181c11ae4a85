"""Seeds the database of ``make test-upgrade`` with documents in every state
they can reach, before the upgrade (run in ``odoo-bin shell`` on the install
of the *older* commit, with that commit's code):

  odoo-bin shell -c OLD.conf -d DB < tools/upgrade_seed.py

Each document of the workflow engine (a model declaring ``_asq_transitions``)
is walked from a fresh draft through its declared steps by real button calls
of a user holding every after-sales role, breadth first: every state a step
reaches gets a document that reached it that way, with the signatures, step
records, mails and stock moves the steps wrote. What a step needs first (the
findings before Record Findings, a signature before Sign) is prepared as the
state-table test of that commit prepares it (its ``PREPARE``), so the walk
only uses what that version's own tests do. Steps run from elsewhere (a
receipt's validation) and steps only some users sign (a CAPA action's
department head) are not walked; states reached only that way are listed as
not seeded. A version without the engine seeds nothing and says so.

Ends with one line per model, "seed: <model>: <n> documents, states <...>",
and commits.
"""

import logging

_logger = logging.getLogger("asq.upgrade_seed")


# The warehouse validating a return receipt (the "receive" step runs from the
# receipt, not from a button of the request).
RECEIVE = "validate the return receipt"


# What a step needs first where the walk's document differs from the state
# table's (which forces the state and so prepares the whole way there): a
# request really received only needs the inspector's results.
OWN_PREPARE = {
    ("asq.return", "received", "action_qc_sign"): lambda request: (
        request.line_ids.write({"qc_result": "accept", "qc_disposition": "stock"})
    ),
}


def receive(request):
    """The warehouse receives everything the request's open receipts expect
    (the receipt created first, as its button does)."""
    if not request.picking_ids:
        request.action_create_receipt()
    receipts = request.picking_ids.filtered(
        lambda p: p.picking_type_code == "incoming"
        and p.state not in ("done", "cancel")
    )
    if not receipts:
        raise ValueError("no receipt to validate")
    for move in receipts.move_ids:
        move.quantity = move.product_uom_qty
        move.picked = True
    receipts.with_context(skip_backorder=True).button_validate()


def return_template(env, table, template):
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
    request = table._in_state(template, "draft")
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
    for transition in record._asq_transitions:
        names.update(
            getattr(transition, "stamp_fields", None) or transition.stamp or ()
        )
    return names


def seed(env):  # noqa: C901 (one walk, read top to bottom)
    models = sorted(
        name
        for name, model in env.registry.items()
        if not model._abstract and getattr(model, "_asq_transitions", ())
    )
    if not models:
        print("seed: no workflow declarations at this version: nothing seeded")
        return
    from odoo.tests import new_test_user

    from odoo.addons.after_sales_quality.tests import test_state_table as table_mod

    user = env["res.users"].search([("login", "=", "asq_upgrade_seed")]) or (
        new_test_user(
            env,
            login="asq_upgrade_seed",
            groups=table_mod.ALL_ROLES,
            email="upgrade.seed@example.com",
        )
    )
    table = table_mod.TestStateTable("test_state_action_table")
    table.env = env
    table.user = user
    table.copies = 0
    prepare = getattr(table_mod, "PREPARE", {})

    def walk(template, initial, path):
        """A new document walked along ``path`` [(state, method)], or None."""
        record = table._in_state(template, initial)
        # A fresh draft: none of the template's signatures (a copy kept them
        # before 18.0.1.3.0).
        table._history(record, dict.fromkeys(signed_fields(record), False))
        for state, method in path:
            if not step(record, state, method):
                return None
        return record

    def step(record, state, method):
        caller = record.with_user(user).with_context(lang="en_US")
        prep = prepare.get(record._name, {}).get((state, method))
        prep = OWN_PREPARE.get((record._name, state, method)) or (
            prep and getattr(table, prep)
        )
        try:
            with env.cr.savepoint():
                if prep:
                    prep(caller)
                if method == RECEIVE:
                    receive(caller)
                else:
                    getattr(caller, method)(*table_mod.step_arguments(caller, method))
        except Exception as error:  # a step refused: not walked
            _logger.info(
                "seed: %s %s from %s refused: %s", record, method, state, error
            )
            env.invalidate_all()
            return False
        env.invalidate_all()
        return True

    for name in models:
        Model = env[name]
        if "state" not in Model._fields:
            continue
        template = table._template(name)
        if name == "asq.return":
            template = return_template(env, table, template)
        initial = Model._fields["state"].selection
        initial = (initial(Model) if callable(initial) else initial)[0][0]
        paths = {initial: []}
        queue = [initial]
        documents = Model.browse()
        first = walk(template, initial, [])
        documents |= first
        while queue:
            state = queue.pop(0)
            steps = [
                (
                    transition.from_states,
                    transition.action or f"action_{transition.step}",
                )
                for transition in Model._asq_transitions
            ]
            if name == "asq.return":
                steps.append((("approved",), RECEIVE))
            for from_states, method in steps:
                if state not in from_states or not (
                    method == RECEIVE or callable(getattr(Model, method, None))
                ):
                    continue
                record = walk(template, initial, paths[state])
                if not record:
                    continue
                documents |= record
                if step(record, state, method) and record.state not in paths:
                    paths[record.state] = [*paths[state], (state, method)]
                    queue.append(record.state)
        states = {
            key for key, _label in Model._fields["state"]._description_selection(env)
        }
        print(
            f"seed: {name}: {len(documents)} documents, states "
            f"{', '.join(sorted(paths))}; not seeded: "
            f"{', '.join(sorted(states - set(paths))) or 'none'}"
        )
    env.cr.commit()


seed(env)  # noqa: F821 (the shell's environment)
