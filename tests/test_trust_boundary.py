"""The trust boundary: what a caller sends never writes a state, a signature
or a frozen record.

A caller over JSON-RPC chooses its own context, values and arguments. Every
context key the addon's code reads (found in its source, so that a new key is
covered without a new test row) is sent, all at once and one by one, with
every write of a protected field, as every role, in every state of every
document; each must be refused and the record re-read from the database
unchanged. The concrete forgeries found from outside are replayed over real
JSON-RPC (``TestTrustBoundaryRpc``).
"""

import json
import re
from pathlib import Path

from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

from odoo.addons.after_sales_quality.models import (
    asq_capa,
    asq_complaint,
    asq_hold,
    asq_kpi_pack,
    asq_return,
    asq_rework_notice,
    asq_service_visit,
    asq_vendor_rectification,
    asq_warranty_claim,
)
from odoo.addons.after_sales_quality.models.asq_workflow_mixin import asq_step
from odoo.addons.after_sales_quality.tests import test_state_table
from odoo.addons.after_sales_quality.tests.common import ROLE_GROUPS, db_state
from odoo.addons.after_sales_quality.tests.test_state_table import (
    ALL_ROLES,
    ENGINE_MODELS,
    STATE_MODELS,
)

ADDON = Path(__file__).resolve().parent.parent
CLEAR = (UserError, ValidationError, AccessError)
# What a refusal of a forged write says (the guard's own words, or Odoo's
# access refusal): refused for the boundary, not for some other reason.
GUARD_WORDS = re.compile(
    r"workflow|read-only|cannot be (written|changed|edited|deleted)|can no longer"
    r"|only new|only draft|signed|frozen|not allowed|use the .* button"
    r"|cannot move to another company|generated|no longer be changed|status"
    r"|set by (its|the) .*button",
    re.IGNORECASE,
)

# Who/when fields and verdicts per document: only a step writes them.
PROTECTED = {
    "asq.complaint": asq_complaint.SIGNATURE_FIELDS,
    "asq.return": asq_return.SIGNATURE_FIELDS,
    "asq.capa": (*asq_capa.SIGNATURE_FIELDS, "effectiveness", "round"),
    "asq.hold": asq_hold.SIGNATURE_FIELDS,
    "asq.service.visit": asq_service_visit.SIGNATURE_FIELDS,
    "asq.vendor.rectification": asq_vendor_rectification.SIGNATURE_FIELDS,
    "asq.survey.campaign": (),
    "asq.kpi.pack": asq_kpi_pack.SIGNATURE_FIELDS,
    "asq.warranty.claim": asq_warranty_claim.SIGNATURE_FIELDS,
    "asq.rework.notice": asq_rework_notice.SIGNATURE_FIELDS,
}
# Content a person typed that freezes with a step: (state, field, value).
FROZEN = {
    "asq.complaint": [("closed", "description", "Rewritten after closing")],
    "asq.return": [("approved", "partner_id", False)],
    "asq.capa": [("closed", "problem", "Rewritten after closing")],
    "asq.hold": [("released", "reason", "Rewritten after release")],
    "asq.service.visit": [("signed", "work_done", "Rewritten after signing")],
    "asq.kpi.pack": [("generated", "date_from", "2001-01-01")],
    "asq.vendor.rectification": [("verified", "findings", "Rewritten")],
    "asq.warranty.claim": [("closed", "analysis", "Rewritten after closing")],
}


def addon_context_keys():
    """Every context key the addon's code reads or sets: constants named
    *KEY* / *CONTEXT*, ``context.get("…")`` / ``context["…"]``, the keyword
    and dict forms of ``with_context``, and ``env.context`` in templates."""
    keys = set()
    patterns = (
        r"(?:KEY|CONTEXT)\w* = \"(\w+)\"",
        r"context(?:\.get\(|\[)\s*[\"'](\w+)[\"']",
        r"with_context\(\s*(\w+)=",
        r"with_context\(\s*\*\*\{\s*[\"'](\w+)[\"']",
        r"asq_carried\(\s*self\.env,\s*[\"'](\w+)[\"']",
    )
    for folder in ("models", "wizards", "controllers", "report"):
        for path in (ADDON / folder).glob("*.py"):
            text = path.read_text(encoding="utf-8")
            for pattern in patterns:
                keys.update(re.findall(pattern, text))
        for path in (ADDON / folder).glob("*.xml"):
            keys.update(
                re.findall(r"context\.get\([\"'](\w+)[\"']", path.read_text("utf-8"))
            )
    return sorted(key for key in keys if key.startswith("asq_"))


def forged_contexts(keys):
    """What a caller may send under those keys: all at once (True, a list of
    ids), for every role; and each alone, for the user holding every role
    (a guard a key unlocks would let that user through first).
    [(label, context, all roles or not)]"""
    return [
        ("every key", dict.fromkeys(keys, True), True),
        ("every key (ids)", {key: [1, 2, 3] for key in keys}, True),
        *((key, {key: True}, False) for key in keys),
    ]


@tagged("post_install", "-at_install", "asq_security")
class TestTrustBoundary(test_state_table.TestStateTable):
    """Each forged write, in each state, as each role: refused, unchanged."""

    test_state_action_table = None  # (the state table runs in its own class)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.keys = addon_context_keys()
        cls.roles = {
            login: new_test_user(
                cls.env, login=f"tb_{login}", groups=groups, lang="en_US"
            )
            for login, groups in ROLE_GROUPS.items()
        }
        cls.roles["all_roles"] = new_test_user(
            cls.env, login="tb_all_roles", groups=ALL_ROLES, lang="en_US"
        )

    def _snapshot(self, record, names):
        self.env.flush_all()
        self.env.invalidate_all()
        stored = [
            name
            for name in names
            if record._fields[name].store and record._fields[name].column_type
        ]
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM %s WHERE id = %s",
                SQL(", ").join(SQL.identifier(name) for name in stored),
                SQL.identifier(record._table),
                record.id,
            )
        )
        return dict(zip(stored, self.env.cr.fetchone(), strict=True))

    def _forged_value(self, record, name, user):
        """A value a forger would write into ``name``."""
        field = record._fields[name]
        if field.type == "many2one":
            return user.id if field.comodel_name == "res.users" else False
        if field.type in ("datetime", "date"):
            return "2001-01-01 00:00:00" if field.type == "datetime" else "2001-01-01"
        if field.type == "selection":
            values = [v for v, _l in field._description_selection(self.env)]
            current = record[name]
            return next((v for v in reversed(values) if v != current), values[0])
        if field.type == "boolean":
            return not record[name]
        if field.type in ("integer", "float", "monetary"):
            return (record[name] or 0) + 7
        return "forged"

    def _assert_refused(self, label, record, vals, context, before, names, roles=True):
        """``vals`` written with ``context`` as each role (``roles``) or as
        the user holding them all is refused, for the boundary, and the row
        is unchanged."""
        users = self.roles if roles else {"all_roles": self.roles["all_roles"]}
        for login, user in users.items():
            caller = record.with_user(user).with_context(**context, lang="en_US")
            error = None
            try:
                with self.env.cr.savepoint():
                    caller.write(vals)
                    caller.flush_recordset()
            except CLEAR as exc:
                error = exc
            with self.subTest(label=label, role=login):
                self.assertIsNotNone(
                    error, f"{label}: {login} wrote {sorted(vals)} {context}"
                )
                if not isinstance(error, AccessError):
                    self.assertRegex(str(error), GUARD_WORDS, f"{label} as {login}")
                self.assertEqual(self._snapshot(record, names), before, label)

    def test_context_keys_found(self):
        """The scan finds the keys the addon uses to mark its own steps and
        to pass itself data (a scan finding nothing would prove nothing)."""
        for key in (
            "asq_complaint_step",
            "asq_return_workflow",
            "asq_capa_workflow",
            "asq_hold_workflow",
            "asq_service_visit_workflow",
            "asq_survey_workflow",
            "asq_kpi_pack_workflow",
            "asq_vendor_workflow",
            "asq_vendor_score_workflow",
            "asq_vendor_rectification_workflow",
            "asq_hold_excluded_lot_ids",
            "asq_return_location_dest_id",
            "asq_defaults_filled",
            "asq_delivered_ids",
        ):
            self.assertIn(key, self.keys)

    def test_state_and_signatures_never_written_by_a_caller(self):
        """State and who/when, in every state, every role, every key."""
        self.copies = 0
        contexts = forged_contexts(self.keys)
        for model in STATE_MODELS:
            template = self._template(model)
            states = [s for s, _l in self.env[model]._fields["state"].selection]
            for state in states:
                record = self._in_state(template, state)
                names = ["state", *PROTECTED[model]]
                before = self._snapshot(record, names)
                forged = {
                    name: self._forged_value(record, name, self.roles["all_roles"])
                    for name in names
                }
                for label, context, every_role in contexts:
                    # all of them at once, then one by one
                    for vals in (forged, *({n: v} for n, v in forged.items())):
                        self._assert_refused(
                            f"{model} [{state}] {sorted(vals)} ({label})",
                            record,
                            vals,
                            context,
                            before,
                            names,
                            roles=every_role and len(vals) > 1,
                        )

    def test_frozen_content_never_rewritten(self):
        self.copies = 0
        for model, rows in FROZEN.items():
            template = self._template(model)
            for state, name, value in rows:
                record = self._in_state(template, state)
                before = self._snapshot(record, [name])
                for label, context, every_role in forged_contexts(self.keys):
                    self._assert_refused(
                        f"{model} [{state}] {name} ({label})",
                        record,
                        {name: value},
                        context,
                        before,
                        [name],
                        roles=every_role,
                    )

    def test_signed_create_refused(self):
        """A crafted create with a state or a signature: refused, or the new
        record starts where the form starts, unsigned."""
        self.copies = 0
        for model in STATE_MODELS:
            template = self._template(model)
            initial = self.env[model].default_get(["state"]).get("state")
            names = [n for n in PROTECTED[model] if n in template._fields]
            for label, context, every_role in forged_contexts(self.keys):
                for name in ("state", *names) if every_role else ("state",):
                    value = self._forged_value(template, name, self.roles["all_roles"])
                    caller = template.with_user(self.roles["all_roles"]).with_context(
                        **context, lang="en_US"
                    )
                    self.copies += 1
                    default = {"name": f"Forged {self.copies}", name: value}
                    if model == "asq.kpi.pack":
                        default["date_from"] = fields.Date.today().replace(
                            year=1900 + self.copies % 90, month=1, day=1
                        )
                    try:
                        with self.env.cr.savepoint():
                            copy = caller.copy(default)
                            copy.flush_recordset()
                            row = self._snapshot(copy, ["state", name])
                    except CLEAR as error:
                        if not isinstance(error, AccessError):
                            self.assertRegex(str(error), GUARD_WORDS, label)
                        continue
                    with self.subTest(model=model, field=name, context=label):
                        self.assertEqual(row["state"], initial)
                        if name != "state":
                            self.assertNotEqual(row[name], value)

    def test_company_fixed(self):
        """No document moves to another company once created, whoever asks."""
        company_b = self.env["res.company"].create({"name": "Trust Co B"})
        self.roles["all_roles"].company_ids |= company_b
        self.copies = 0
        for model in STATE_MODELS:
            first = self.env[model]._fields["state"].get_values(self.env)[0]
            record = self._in_state(self._template(model), first)
            before = self._snapshot(record, ["company_id"])
            for label, context, every_role in forged_contexts(self.keys):
                self._assert_refused(
                    f"{model} company ({label})",
                    record,
                    {"company_id": company_b.id},
                    context,
                    before,
                    ["company_id"],
                    roles=every_role,
                )


@tagged("post_install", "-at_install", "asq_security")
class TestTrustBoundaryRpc(HttpCase):
    """The forgeries found from outside, replayed over JSON-RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.keys = addon_context_keys()
        cls.forged = dict.fromkeys(cls.keys, True)
        cls.users = {
            login: new_test_user(
                cls.env,
                login=f"rpc_{login}",
                password=f"rpc_{login}_pw1",
                groups=groups,
                lang="en_US",
            )
            for login, groups in ROLE_GROUPS.items()
        }

    def _rpc(self, login, model, method, args, kwargs=None):
        """Call ``model.method`` over /web/dataset/call_kw as ``login`` with
        every context key set; the JSON-RPC error, or None."""
        self.authenticate(f"rpc_{login}", f"rpc_{login}_pw1")
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "model": model,
                        "method": method,
                        "args": args,
                        "kwargs": {
                            **(kwargs or {}),
                            "context": {**self.forged, "lang": "en_US"},
                        },
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200, "never an HTTP error")
        return response.json().get("error")

    def _in_state(self, model, state, key):
        """A record of ``model`` put in ``state`` as an earlier step would
        have (a copy of one the demo has)."""
        domain = [("line_ids", "!=", False)] if model == "asq.return" else []
        template = self.env[model].search(domain, limit=1)
        if not template and model == "asq.hold":
            template = self.env[model].create(
                {
                    "product_id": self.env["asq.delivered.line"]
                    .search([], limit=1)
                    .product_id.id,
                    "reason": "Suspect lot",
                }
            )
        self.assertTrue(template, f"the demo has a {model}")
        record = template.with_context(**asq_step(key)).copy()
        record.with_context(**asq_step(key)).write({"state": state})
        record.flush_recordset()
        return record.with_env(self.env)

    def test_sales_cannot_approve_its_own_return(self):
        ret = self._in_state("asq.return", "submitted", "asq_return_workflow")
        approvals = len(ret.approval_ids)
        for login in ROLE_GROUPS:
            error = self._rpc(
                login,
                "asq.return",
                "write",
                [ret.ids, {"state": "approved", "gm_user_id": self.users[login].id}],
            )
            self.assertTrue(error, f"{login} approved {ret.name}")
            self.assertRegex(
                error["data"]["message"],
                r"workflow|not allowed|access|read-only|signed",
            )
        self.assertEqual(db_state(ret), "submitted")
        self.assertEqual(len(ret.approval_ids), approvals)
        # and the warehouse cannot make the receipt of an unapproved request
        error = self._rpc(
            "asq_warehouse", "asq.return", "action_create_receipt", [ret.ids]
        )
        self.assertTrue(error)
        self.assertFalse(
            ret.picking_ids.filtered(lambda p: p.asq_return_role == "receipt")
        )

    def test_inspector_cannot_close_capa_or_release_hold(self):
        capa = self._in_state("asq.capa", "verification", "asq_capa_workflow")
        state = db_state(capa)
        error = self._rpc(
            "asq_inspector",
            "asq.capa",
            "write",
            [capa.ids, {"state": "closed", "effectiveness": "effective"}],
        )
        self.assertTrue(error)
        self.assertEqual(db_state(capa), state)
        hold = self._in_state("asq.hold", "active", "asq_hold_workflow")
        error = self._rpc(
            "asq_inspector", "asq.hold", "write", [hold.ids, {"state": "released"}]
        )
        self.assertTrue(error)
        self.assertEqual(db_state(hold), "active")

    def test_closed_complaint_not_rewritten(self):
        complaint = self.env["asq.complaint"].search(
            [("state", "=", "closed")], limit=1
        )
        self.assertTrue(complaint)
        description = complaint.description
        for login in ("asq_aftersales", "asq_qm", "asq_inspector"):
            error = self._rpc(
                login,
                "asq.complaint",
                "write",
                [complaint.ids, {"description": "Rewritten", "state": "draft"}],
            )
            self.assertTrue(error)
        self.env.invalidate_all()
        self.assertEqual(complaint.description, description)
        self.assertEqual(db_state(complaint), "closed")

    def test_own_documents_stay_in_their_company(self):
        company_b = self.env["res.company"].create({"name": "RPC Co B"})
        sales = self.users["asq_sales"]
        complaint = (
            self.env["asq.complaint"]
            .with_user(sales)
            .create(
                {
                    "partner_id": self.env["res.partner"]
                    .search([("customer_rank", ">", 0)], limit=1)
                    .id,
                    "description": "Moved?",
                }
            )
        )
        error = self._rpc(
            "asq_sales",
            "asq.complaint",
            "write",
            [complaint.ids, {"company_id": company_b.id}],
        )
        self.assertTrue(error)
        self.assertIn("another company", error["data"]["message"])
        self.env.invalidate_all()
        self.assertEqual(complaint.company_id, self.env.company)
        self.assertNotEqual(complaint.company_id, company_b)


@tagged("post_install", "-at_install", "asq_security")
class TestEditableTable(test_state_table.TestStateTable):
    """A form's read-only fields are those write() refuses: in every state, a
    field the form shows editable is accepted and a field it shows read-only
    is refused, over the same call a client makes."""

    test_state_action_table = None

    def _form_rules(self, model):
        """{field: readonly expression} of the form as the web client gets
        it (get_views), the document's own fields only."""
        views = self.env[model].with_user(self.user).get_views([(False, "form")])
        arch = views["views"]["form"]["arch"]
        rules = {}
        for node in etree.fromstring(arch).xpath(
            "//field[@name][not(ancestor::field)]"
        ):
            if node.get("invisible") in ("1", "True"):
                continue  # (a hidden field promises the user nothing)
            rules.setdefault(node.get("name"), node.get("readonly") or "False")
        return rules

    def test_form_and_write_agree(self):
        """Every document with a workflow keeps its editable fields in one
        table (asq.editable.mixin), read by write() and by the form."""
        Editable = type(self.env["asq.editable.mixin"])
        without = [
            name for name in ENGINE_MODELS if not isinstance(self.env[name], Editable)
        ]
        self.assertFalse(without, f"no editable table: {without}")
        checked = 0
        for model in ENGINE_MODELS:
            checked += self._check_form_and_write(model)
        self.assertGreater(checked, 300)

    def _check_form_and_write(self, model):
        self.copies = 0
        Model = self.env[model]
        rules = self._form_rules(model)
        # (the company is shown to multi-company users only, the survey to
        # survey users only)
        for fname in set(Model._asq_editable) - {"company_id", "survey_id"}:
            self.assertIn(
                fname, rules, f"{model}.{fname}: in the table, not on the form"
            )
        frozen_by = {r.frozen_by for r in Model._asq_editable.values() if r.frozen_by}
        template = self._template(model)
        checked = 0
        for state, _label in Model._fields["state"].selection:
            stamp_sets = [{}]
            if "investigated_date" in frozen_by:
                stamp_sets.append({"investigated_date": fields.Datetime.now()})
            for stamps in stamp_sets:
                record = self._in_state(template, state)
                if stamps:
                    self._history(record, stamps)
                caller = record.with_user(self.user).with_context(lang="en_US")
                for fname, expr in rules.items():
                    field = Model._fields[fname]
                    if fname == "state" or field.readonly or not field.store:
                        continue
                    if expr == "1":
                        continue
                    readonly = safe_eval(
                        expr,
                        {"state": state, **{f: record[f] for f in frozen_by}},
                    )
                    value = field.convert_to_write(record[fname], record)
                    if field.type in ("one2many", "many2many"):
                        value = [Command.set(record[fname].ids)]
                    try:
                        with self.env.cr.savepoint():
                            caller.write({fname: value})
                            caller.flush_recordset()
                        refused = None
                    except CLEAR as error:
                        refused = error
                    checked += 1
                    with self.subTest(
                        model=model, state=state, field=fname, stamps=bool(stamps)
                    ):
                        if readonly:
                            self.assertIsNotNone(
                                refused,
                                f"{model}.{fname} is read-only on the form in "
                                f"{state}, but write() accepts it",
                            )
                            self.assertRegex(str(refused), GUARD_WORDS)
                        else:
                            self.assertIsNone(
                                refused,
                                f"{model}.{fname} is editable on the form in "
                                f"{state}, but write() refuses it: {refused}",
                            )
        return checked

    def test_readme_tables_are_the_code_tables(self):
        """The README's table of what may change on each document is the
        table write() and the form read."""
        readme = (ADDON / "README.md").read_text(encoding="utf-8")
        for model in ENGINE_MODELS:
            marker = f"<!-- editable:{model} -->"
            with self.subTest(model=model):
                self.assertTrue(marker in readme, f"README.md lacks {marker}")
                block = readme.split(marker)[1].split("<!-- /editable -->")[0]
                self.assertEqual(block.strip(), self.env[model]._asq_editable_table())
