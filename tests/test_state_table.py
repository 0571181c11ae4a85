"""Every (state x public action) pair of every workflow, called as RPC.

The public actions are read from each form view (``<button type="object"
name="action_...">`` outside one2many sub-views); the states from the state
field's selection. The documented transitions are data below (model
docstrings, state help and README); every pair not listed is illegal and
must be refused with the state unchanged. The caller has every after-sales
role, so only the state check is under test.

A copy put straight into a state lacks what the user entered on the way
there. Before a legal step, a prepare hook (PREPARE) fills in exactly that
(the form's fields, or an earlier step done for real), so that every legal
pair walks to its documented next state; a step that keeps the state shows
its effect (EFFECT). A step that only applies to some records (SCOPE) gets
that data in every state, so that its illegal pairs are refused for their
state and not for the missing data.
"""

import contextlib
import inspect
import logging
from datetime import timedelta

from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tests.common import TransactionCase

from odoo.addons.after_sales_quality.models.asq_workflow_mixin import (
    AsqStateError,
    asq_step,
)

_logger = logging.getLogger(__name__)

ASQ = "after_sales_quality."
# The after-sales roles (group_asq_<role>).
ASQ_ROLES = (
    "user",
    "user_all",
    "inspector",
    "manager",
    "warehouse",
    "finance",
    "business_head",
    "general_manager",
    "mgmt_rep",
)
ALL_ROLES = ",".join(
    [
        "base.group_user",
        "stock.group_stock_user",
        "account.group_account_invoice",
        "sales_team.group_sale_salesman_all_leads",
    ]
    + [f"{ASQ}group_asq_{role}" for role in ASQ_ROLES]
)
CLEAR = (UserError, ValidationError, AccessError)
SAME = "same"  # legal, the state does not move (a signature, a document made)
# Wizards, smart buttons, prints and exports: they open something and change
# nothing, in any state.
NEUTRAL = {
    "action_print",
    "action_print_transport",
    "action_open_cancel_wizard",
    "action_open_sign",
    "action_reopen",
    "action_export_xlsx",
    "action_open_file",
    "action_view_results",
    "action_view_capa",
    "action_view_returns",
    "action_view_holds",
    "action_view_pickings",
    "action_view_refunds",
}
# The hand-written table this test used before the engine (kept until every
# document declares its steps; compared with the declarations below).
LEGACY_TRANSITIONS = {
    "asq.complaint": {
        ("draft", "action_submit"): "review",
        ("review", "action_judge_valid"): "investigating",
        ("review", "action_judge_invalid"): SAME,
        ("investigating", "action_onsite_verified"): SAME,
        ("investigating", "action_record_findings"): SAME,
        ("investigating", "action_decide"): "decided",
        ("review", "action_reply"): "replied",
        ("decided", "action_reply"): "replied",
        ("replied", "action_customer_satisfied"): "confirmed",
        ("replied", "action_customer_not_satisfied"): "investigating",
        ("replied", "action_close"): "closed",
        ("confirmed", "action_close"): "closed",
        ("draft", "action_plan_onsite_visit"): SAME,
        ("review", "action_plan_onsite_visit"): SAME,
        ("investigating", "action_plan_onsite_visit"): SAME,
        # Other feedback (not a complaint): answered or recorded closes it,
        # pending with the departments keeps it open.
        ("draft", "action_feedback_answer"): "closed",
        ("draft", "action_feedback_pending"): SAME,
        ("draft", "action_feedback_record"): "closed",
        **{
            (state, "action_propose_capa"): SAME
            for state in (
                "review",
                "investigating",
                "decided",
                "replied",
                "confirmed",
                "closed",
            )
        },
        **{
            (state, "action_asq_quality_hold"): SAME
            for state in (
                "draft",
                "review",
                "investigating",
                "decided",
                "replied",
                "confirmed",
                "closed",
            )
        },
    },
    "asq.return": {
        ("draft", "action_submit"): "submitted",
        **{
            (state, "action_create_receipt"): SAME
            for state in ("finance", "business", "gm", "approved")
        },
        ("received", "action_qc_sign"): "inspected",
    },
    "asq.capa": {
        ("draft", "action_start_analysis"): "analysis",
        ("analysis", "action_plan"): "action",
        ("action", "action_department_signoff"): SAME,
        ("verification", "action_department_signoff"): SAME,
        ("action", "action_request_verification"): "verification",
        ("verification", "action_verify_effective"): "closed",
        ("verification", "action_verify_not_effective"): "action",
    },
    "asq.hold": {
        ("draft", "action_activate"): "active",
        ("active", "action_verify"): SAME,
        ("active", "action_release"): "released",
        ("active", "action_refresh_buyers"): SAME,
        ("nonconforming", "action_refresh_buyers"): SAME,
        ("active", "action_send_notices"): SAME,
        ("nonconforming", "action_send_notices"): SAME,
    },
    "asq.service.visit": {
        ("planned", "action_start"): "in_progress",
        ("planned", "action_done"): "done",
        ("in_progress", "action_done"): "done",
        ("done", "action_sign"): "signed",
        ("in_progress", "action_consume_parts"): SAME,
        ("done", "action_consume_parts"): SAME,
        ("signed", "action_consume_parts"): SAME,
    },
    "asq.vendor.rectification": {
        ("open", "action_rectified"): "rectified",
        ("overdue", "action_rectified"): "rectified",
        ("rectified", "action_verify_compliant"): "verified",
        ("rectified", "action_not_compliant"): "open",
        ("overdue", "action_submit_escalation"): SAME,
        ("overdue", "action_approve_escalation"): "escalated",
    },
    "asq.survey.campaign": {
        ("draft", "action_draw_sample"): "sampled",
        ("sampled", "action_send_invitations"): "running",
        ("running", "action_send_invitations"): "running",
        ("running", "action_send_reminders"): SAME,
        ("running", "action_close"): "closed",
    },
    "asq.kpi.pack": {
        ("draft", "action_generate"): "generated",
        ("generated", "action_generate"): "generated",
        ("generated", "action_send"): "sent",
    },
}
# The documents the state table walks (a template record of each is made
# below; the others' steps are walked by their own tests).
STATE_MODELS = (
    "asq.complaint",
    "asq.return",
    "asq.capa",
    "asq.hold",
    "asq.service.visit",
    "asq.vendor.rectification",
    "asq.survey.campaign",
    "asq.kpi.pack",
)
# Every document with a workflow (the engine's declarations are the table).
ENGINE_MODELS = (
    "asq.complaint",
    "asq.complaint.alert",
    "asq.return",
    "asq.capa",
    "asq.capa.action",
    "asq.hold",
    "asq.service.visit",
    "asq.survey.campaign",
    "asq.kpi.pack",
    "asq.vendor.score",
    "asq.vendor.maintenance",
    "asq.vendor.rectification",
)
# Steps whose method is not a button of the document's form: they are run
# from another screen and tested there.
ELSEWHERE = {
    ("asq.return", "action_sign"): "the signing dialog (test_return, matrix)",
    ("asq.return", "button_validate"): "the receipt in Inventory (test_return)",
    ("asq.return", "_reopen"): "the reopen dialog (test_return, matrix)",
    ("asq.complaint", "_action_cancel"): "the cancel dialog (test_complaint, matrix)",
    ("asq.capa", "action_cancel"): "the cancel dialog (test_capa)",
    ("asq.service.visit", "action_cancel"): "the cancel dialog (test_service)",
}


def step_arguments(record, method):
    """A reason for each argument ``method`` requires (a cancellation's,
    say): what its dialog would pass."""
    params = inspect.signature(getattr(record, method)).parameters.values()
    return [
        "Given in the dialog"
        for param in params
        if param.default is param.empty
        and param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD)
    ]


def declared_transitions(env):
    """{model: {(state, method): next state}}: every pair the documents'
    declarations (``_asq_transitions``) make legal; any other is illegal."""
    tables = {}
    for model in ENGINE_MODELS:
        table = {}
        for t in env[model]._asq_transitions:
            expected = t.to_state or (t.branches[0] if t.branches else SAME)
            for state in t.from_states:
                table[state, t.method] = expected
        if table:
            tables[model] = table
    return tables


FEEDBACK = {
    "feedback_type": "inquiry",
    "answer": "State table: the answer given to the customer.",
    "departments_involved": "Sales, Quality",
}
# (model, action) -> what makes the action apply to the record at all,
# written as history in every state: its illegal pairs must then be refused
# for their state.
SCOPE = {
    ("asq.complaint", "action_plan_onsite_visit"): {"onsite_required": True},
    ("asq.complaint", "action_feedback_answer"): FEEDBACK,
    ("asq.complaint", "action_feedback_pending"): FEEDBACK,
    ("asq.complaint", "action_feedback_record"): FEEDBACK,
}
# (model, state, action) -> the method filling in, before the step, what the
# user enters on the way to it (see the hooks below).
PREPARE = {
    "asq.complaint": {
        ("review", "action_judge_invalid"): "_prep_complaint_invalid_reason",
        ("review", "action_reply"): "_prep_complaint_judged_invalid",
        ("investigating", "action_onsite_verified"): "_prep_complaint_onsite",
        ("investigating", "action_record_findings"): "_prep_complaint_findings",
        ("investigating", "action_decide"): "_prep_complaint_disposition",
        ("replied", "action_customer_satisfied"): "_prep_complaint_replied_valid",
        ("replied", "action_customer_not_satisfied"): "_prep_complaint_replied_valid",
        ("replied", "action_close"): "_prep_complaint_replied_invalid",
    },
    "asq.return": {
        ("received", "action_qc_sign"): "_prep_return_qc",
    },
    "asq.capa": {
        ("analysis", "action_plan"): "_prep_capa_plan",
        ("action", "action_request_verification"): "_prep_capa_actions_done",
        ("verification", "action_verify_effective"): "_prep_capa_verification",
        ("verification", "action_verify_not_effective"): "_prep_capa_verification",
    },
    "asq.hold": {
        ("active", "action_verify"): "_prep_hold_verification",
        ("active", "action_release"): "_prep_hold_verified",
        ("active", "action_send_notices"): "_prep_hold_buyers",
        ("nonconforming", "action_send_notices"): "_prep_hold_buyers",
    },
    "asq.service.visit": {
        ("planned", "action_done"): "_prep_visit_report",
        ("in_progress", "action_done"): "_prep_visit_report",
        ("done", "action_sign"): "_prep_visit_signature",
        ("in_progress", "action_consume_parts"): "_prep_visit_parts",
        ("done", "action_consume_parts"): "_prep_visit_parts",
        ("signed", "action_consume_parts"): "_prep_visit_parts",
    },
    "asq.vendor.rectification": {
        ("open", "action_rectified"): "_prep_rectification_evidence",
        ("overdue", "action_rectified"): "_prep_rectification_evidence",
        ("overdue", "action_submit_escalation"): "_prep_rectification_evaluation",
        ("overdue", "action_approve_escalation"): "_prep_rectification_submitted",
    },
    "asq.survey.campaign": {
        ("sampled", "action_send_invitations"): "_prep_survey_sample",
        ("running", "action_send_invitations"): "_prep_survey_sample",
        ("running", "action_send_reminders"): "_prep_survey_invited",
    },
}
# (model, state, action) -> the method checking what a legal step did besides
# its state (a step keeping the state must still have done something).
EFFECT = {
    "asq.complaint": {
        ("draft", "action_feedback_answer"): "_check_feedback_answered",
        ("draft", "action_feedback_pending"): "_check_feedback_pending",
        ("draft", "action_feedback_record"): "_check_feedback_recorded",
        ("review", "action_judge_invalid"): "_check_complaint_judged_invalid",
        ("review", "action_reply"): "_check_complaint_replied",
        ("investigating", "action_onsite_verified"): "_check_complaint_onsite",
        ("investigating", "action_record_findings"): "_check_complaint_findings",
        ("investigating", "action_decide"): "_check_complaint_decided",
        ("replied", "action_customer_satisfied"): "_check_complaint_satisfied",
        ("replied", "action_customer_not_satisfied"): "_check_complaint_reopened",
        **{
            (state, "action_plan_onsite_visit"): "_check_complaint_visit"
            for state in ("draft", "review", "investigating")
        },
        **{
            (state, "action_propose_capa"): "_check_complaint_capa"
            for state in (
                "review",
                "investigating",
                "decided",
                "replied",
                "confirmed",
                "closed",
            )
        },
        **{
            (state, "action_asq_quality_hold"): "_check_complaint_holds"
            for state in (
                "draft",
                "review",
                "investigating",
                "decided",
                "replied",
                "confirmed",
                "closed",
            )
        },
    },
    "asq.return": {
        **{
            (state, "action_create_receipt"): "_check_return_receipt"
            for state in ("finance", "business", "gm", "approved")
        },
        ("received", "action_qc_sign"): "_check_return_qc",
    },
    "asq.capa": {
        ("action", "action_department_signoff"): "_check_capa_signoff",
        ("verification", "action_department_signoff"): "_check_capa_signoff",
        ("verification", "action_verify_effective"): "_check_capa_effective",
        ("verification", "action_verify_not_effective"): "_check_capa_new_round",
    },
    "asq.hold": {
        ("active", "action_verify"): "_check_hold_verified",
        ("active", "action_release"): "_check_hold_released",
        ("active", "action_refresh_buyers"): "_check_hold_buyers",
        ("nonconforming", "action_refresh_buyers"): "_check_hold_buyers",
        ("active", "action_send_notices"): "_check_hold_notices",
        ("nonconforming", "action_send_notices"): "_check_hold_notices",
    },
    "asq.service.visit": {
        ("planned", "action_done"): "_check_visit_done",
        ("in_progress", "action_done"): "_check_visit_done",
        ("done", "action_sign"): "_check_visit_signed",
        ("in_progress", "action_consume_parts"): "_check_visit_parts",
        ("done", "action_consume_parts"): "_check_visit_parts",
        ("signed", "action_consume_parts"): "_check_visit_parts",
    },
    "asq.vendor.rectification": {
        ("open", "action_rectified"): "_check_rectification_rectified",
        ("overdue", "action_rectified"): "_check_rectification_rectified",
        ("overdue", "action_submit_escalation"): "_check_rectification_submitted",
        ("overdue", "action_approve_escalation"): "_check_rectification_approved",
    },
    "asq.survey.campaign": {
        ("draft", "action_draw_sample"): "_check_survey_sample",
        ("sampled", "action_send_invitations"): "_check_survey_invited",
        ("running", "action_send_invitations"): "_check_survey_invited",
        ("running", "action_send_reminders"): "_check_survey_reminded",
    },
    "asq.kpi.pack": {
        ("draft", "action_generate"): "_check_kpi_files",
        ("generated", "action_generate"): "_check_kpi_files",
        ("generated", "action_send"): "_check_kpi_sent",
    },
}
# A 1x1 PNG: the customer's drawn signature.
SIGNATURE = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8A"
    "AAAASUVORK5CYII="
)


class _Rollback(Exception):
    pass


@tagged("post_install", "-at_install", "asq_security")
class TestStateTable(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env,
            login="asq_state_table_all_roles",
            groups=ALL_ROLES,
            email="all.roles@example.com",
        )

    def _actions(self, model):
        """The object buttons named action_* of the form view (not those of
        its one2many sub-views), role groups ignored."""
        arch, _view = self.env[model]._get_view(None, "form")
        if isinstance(arch, str):
            arch = etree.fromstring(arch)
        names = []
        for button in arch.xpath("//button[@type='object'][not(ancestor::field)]"):
            name = button.get("name")
            if name.startswith("action_") and name not in names:
                names.append(name)
        return names

    def _template(self, model):
        """A record of ``model`` to copy for every state: a demo record when
        there is one, else one made from the required fields."""
        Model = self.env[model].sudo()
        if model == "asq.complaint":
            return Model.search([("feedback_type", "=", "complaint")], limit=1)
        if model == "asq.return":
            return Model.search([("line_ids", "!=", False)], limit=1)
        record = Model.search([], limit=1)
        if record:
            return record
        if model == "asq.hold":
            # Goods some customers received: the hold has buyers to notify.
            delivered = (
                self.env["asq.delivered.line"]
                .sudo()
                .search([("partner_id", "!=", False)], limit=1)
            )
            return Model.create(
                {
                    "product_id": delivered.product_id.id,
                    "company_id": delivered.company_id.id,
                    "reason": "State table",
                }
            )
        vals = {}
        for name, field in Model._fields.items():
            if not field.required or field.default or name == "state":
                continue
            if field.type == "many2one":
                vals[name] = self.env[field.comodel_name].sudo().search([], limit=1).id
            elif field.type in ("char", "text"):
                vals[name] = "State table"
            elif field.type == "selection":
                vals[name] = field._description_selection(self.env)[0][0]
            elif field.type in ("date", "datetime"):
                vals[name] = fields.Date.today().replace(month=1, day=1)
            elif field.type in ("integer", "float", "monetary"):
                vals[name] = 1
        return Model.create(vals)

    @staticmethod
    def _workflow_key(record):
        return getattr(record, "_asq_workflow_key", "asq_complaint_step")

    def _history(self, record, vals):
        """Write what earlier steps recorded (signatures, states passed)."""
        record.sudo().with_context(**asq_step(self._workflow_key(record))).write(vals)

    def _in_state(self, template, state):
        self.copies += 1
        default = {"name": f"State table {self.copies}"}
        if "name" not in template._fields or template._fields["name"].compute:
            default = {}
        if template._name == "asq.kpi.pack":
            # One pack per period: each copy its own year.
            default["date_from"] = fields.Date.today().replace(
                year=1990 + self.copies, month=1, day=1
            )
        if template._name == "asq.vendor.score":
            # One scorecard per vendor and month: each copy its own month.
            default["month"] = fields.Date.today().replace(
                year=1990 + self.copies // 12, month=1 + self.copies % 12, day=1
            )
        record = template.with_context(**asq_step(self._workflow_key(template))).copy(
            default
        )
        self._history(record, {"state": state})
        record.flush_recordset()
        # (the copy's environment carries the step's mark: what follows runs
        # as a caller would, without it)
        return record.with_env(self.env)

    def _db_state(self, record):
        self.env.flush_all()
        self.env.cr.execute(
            f'SELECT state FROM "{record._table}" WHERE id = %s', [record.id]
        )
        return self.env.cr.fetchone()[0]

    def test_state_action_table(self):
        self.copies = 0
        counts = {"pairs": 0, "illegal": 0, "legal": 0, "data": 0, "neutral": 0}
        failures = []
        unwalked = []
        declared = declared_transitions(self.env)
        for model in STATE_MODELS:
            table = declared.get(model) or LEGACY_TRANSITIONS[model]
            actions = self._actions(model)
            self.assertTrue(actions, f"{model}: no action button found")
            for _state, action in table:
                if (model, action) not in ELSEWHERE:
                    self.assertIn(action, actions, f"{model}: {action} not on the form")
            for key in (*PREPARE.get(model, {}), *EFFECT.get(model, {})):
                self.assertIn(key, table, f"{model}: {key} is no legal pair")
            states = [s for s, _l in self.env[model]._fields["state"].selection]
            template = self._template(model)
            self.assertTrue(template, f"{model}: no record to start from")
            for state in states:
                for action in actions:
                    counts["pairs"] += 1
                    expected = table.get((state, action))
                    outcome = self._call(template, state, action, expected)
                    label = f"{model} [{state}] {action}"
                    if outcome["problem"]:
                        failures.append(f"{label}: {outcome['problem']}")
                        continue
                    if self._judge(label, action, expected, outcome, counts, failures):
                        unwalked.append(f"{label}: {outcome['error']}")
        _logger.info("state table: %s", counts)
        self.assertFalse(failures, "\n".join(failures))
        self.assertEqual(
            counts["data"],
            0,
            "Legal pairs not walked to their next state:\n" + "\n".join(unwalked),
        )
        self.assertGreater(counts["pairs"], 300)
        self.assertGreater(counts["illegal"], 200)

    @staticmethod
    def _button_shown(caller, action):
        """Whether the form shows the button of ``action`` (its steps'
        ``can_<step>``); None when no declared step runs it."""
        names = [
            f"can_{t.step}"
            for t in caller._asq_transitions
            if t.method == action and f"can_{t.step}" in caller._fields
        ]
        return any(caller[name] for name in names) if names else None

    @staticmethod
    def _judge_button(label, expected, outcome, failures):
        """The button is shown exactly when the server runs the step."""
        can, error = outcome["can"], outcome["error"]
        if can and isinstance(error, AsqStateError | AccessError):
            failures.append(f"{label}: button shown, step refused: {error}")
        if can is False and error is None and outcome["after"] != outcome["before"]:
            failures.append(f"{label}: button hidden, yet the step ran")
        if can and expected is None:
            failures.append(f"{label}: button shown on an illegal pair")

    def _judge(self, label, action, expected, outcome, counts, failures):
        """Classify one pair's outcome in ``counts`` or ``failures``; return
        True for a legal pair refused for missing data."""
        before, after, error = outcome["before"], outcome["after"], outcome["error"]
        self._judge_button(label, expected, outcome, failures)
        if error is not None and not isinstance(error, CLEAR):
            failures.append(f"{label}: raw error {error!r}")
            return False
        if after != before:
            if action in NEUTRAL:
                failures.append(f"{label}: a wizard/view changed {after}")
            elif expected is None:
                failures.append(f"{label}: illegal pair reached {after}")
            elif expected != SAME and after != expected:
                failures.append(f"{label}: {after} instead of {expected}")
            elif expected == SAME:
                failures.append(f"{label}: moved to {after}")
            else:
                counts["legal"] += 1
            return False
        if action in NEUTRAL:
            counts["neutral"] += 1
        elif expected is None:
            if error is None:
                failures.append(f"{label}: illegal pair accepted")
            elif not isinstance(error, AsqStateError):
                failures.append(
                    f"{label}: illegal pair refused, not for its state: {error!r}"
                )
            else:
                counts["illegal"] += 1
        elif error is None:
            if expected not in (SAME, before):
                failures.append(f"{label}: stayed in {before}")
            else:
                counts["legal"] += 1
        elif isinstance(error, AsqStateError):
            failures.append(f"{label}: legal pair refused: {error}")
        else:
            # Legal in this state; refused for missing data.
            counts["data"] += 1
            return True
        return False

    def _call(self, template, state, action, expected):
        """Put a copy of ``template`` in ``state``, fill in what the step
        needs, call ``action`` as the all-roles user, re-read the state from
        the database, check the step's effect, roll back."""
        model = template._name
        outcome = {
            "before": state,
            "after": state,
            "error": None,
            "problem": None,
            "can": None,
        }
        prepare = PREPARE.get(model, {}).get((state, action)) if expected else None
        check = EFFECT.get(model, {}).get((state, action)) if expected else None
        # The step runs in a savepoint that is always rolled back (_Rollback).
        with contextlib.suppress(_Rollback), self.env.cr.savepoint():
            record = self._in_state(template, state)
            caller = record.with_user(self.user).with_context(lang="en_US")
            if (model, action) in SCOPE:
                self._history(record, SCOPE[model, action])
            if prepare:
                try:
                    getattr(self, prepare)(caller)
                except Exception as error:
                    outcome["problem"] = f"{prepare} failed: {error!r}"
                    raise _Rollback from error
            outcome["can"] = self._button_shown(caller, action)
            result = None
            try:
                with self.env.cr.savepoint():
                    result = getattr(caller, action)()
            except Exception as error:
                outcome["error"] = error
            self.env.invalidate_all()
            outcome["after"] = self._db_state(record)
            if check and outcome["error"] is None:
                try:
                    getattr(self, check)(record, result)
                except self.failureException as error:
                    outcome["problem"] = f"{check}: {error}"
            raise _Rollback
        self.env.invalidate_all()
        return outcome

    # ------------------------------------------------------------------
    # Prepare hooks: what the user enters before pressing the button. They
    # get the copy as the all-roles user; earlier steps are done for real,
    # what the state jump skipped is written as history.
    # ------------------------------------------------------------------
    def _prep_complaint_invalid_reason(self, complaint):
        complaint.write({"invalid_reason": "State table: used beyond its shelf life."})

    def _prep_complaint_judged_invalid(self, complaint):
        """Under review, the reply explains a complaint judged not valid."""
        self._prep_complaint_invalid_reason(complaint)
        complaint.action_judge_invalid()

    def _prep_complaint_onsite(self, complaint):
        complaint.write(
            {
                "onsite_required": True,
                "onsite_result": "State table: defect seen at the customer.",
            }
        )

    def _prep_complaint_findings(self, complaint):
        department = self.env["hr.department"].search(
            [("company_id", "in", (complaint.company_id.id, False))], limit=1
        )
        complaint.write(
            {
                "responsibility": "internal",
                "responsible_department_id": department.id,
                "root_cause": "State table: wrong sealing temperature.",
            }
        )

    def _prep_complaint_disposition(self, complaint):
        self._prep_complaint_findings(complaint)
        complaint.action_record_findings()
        complaint.write(
            {"disposition": "repair", "disposition_note": "State table: repair."}
        )

    def _prep_complaint_replied_valid(self, complaint):
        """Replied after a valid judgement: the customer's comment."""
        self._history(complaint, {"validity": "valid"})
        complaint.write({"satisfaction_note": "State table: the customer's word."})

    def _prep_complaint_replied_invalid(self, complaint):
        """Replied with the explanation of a complaint not valid."""
        self._history(
            complaint,
            {"validity": "invalid", "invalid_reason": "State table: misuse."},
        )

    def _prep_return_qc(self, ret):
        """Received through its approvals and its receipt; the inspector
        then records the result of every line."""
        self._history(ret, {"state": "draft"})
        ret.action_submit()
        while ret.state in ("submitted", "finance", "business", "gm"):
            ret.action_sign("State table", expected_state=ret.state)
        ret.action_create_receipt()
        ret.picking_ids.filtered(
            lambda p: p.asq_return_role == "receipt"
        ).button_validate()
        self.assertEqual(ret.state, "received")
        ret.line_ids.write({"qc_result": "accept", "qc_disposition": "stock"})

    def _capa_action(self, capa):
        return capa.env["asq.capa.action"].create(
            {
                "capa_id": capa.id,
                "name": "State table action",
                "user_id": self.user.id,
                "date_due": fields.Date.context_today(capa) + timedelta(days=7),
            }
        )

    def _prep_capa_plan(self, capa):
        capa.write(
            {
                "why_1": "State table: why",
                "cause_category": "method",
                "root_cause": "State table: no work instruction.",
            }
        )
        self._capa_action(capa)

    def _prep_capa_actions_done(self, capa):
        action = self._capa_action(capa)
        action.write({"evidence": "State table: instruction WI-1 issued."})
        action.action_done()
        if capa.department_id:
            capa.action_department_signoff()

    def _prep_capa_verification(self, capa):
        capa.write(
            {
                "verification_date": fields.Date.context_today(capa),
                "verification_note": "State table: no recurrence in 3 months.",
            }
        )

    def _prep_hold_verification(self, hold):
        hold.write(
            {
                "proposed_result": "conforming",
                "verification_note": "State table: retained samples conform.",
            }
        )

    def _prep_hold_verified(self, hold):
        self._prep_hold_verification(hold)
        hold.action_verify()

    def _prep_hold_buyers(self, hold):
        """The activation listed the buyers of the held goods."""
        hold.sudo()._compute_buyers()

    def _prep_visit_report(self, visit):
        visit.write(
            {
                "work_done": "State table: pump recalibrated.",
                "result": "State table: works.",
            }
        )

    def _prep_visit_signature(self, visit):
        visit.write(
            {
                "signer_name": "State Table Customer",
                "signature": SIGNATURE,
                "satisfaction": "satisfied",
            }
        )

    def _prep_visit_parts(self, visit):
        """A part used on the visit, entered before the customer signed."""
        signed = visit.state == "signed"
        if signed:
            self._history(visit, {"state": "done"})
        product = self.env["product.product"].search(
            [
                ("type", "=", "consu"),
                ("tracking", "=", "none"),
                ("company_id", "in", (visit.company_id.id, False)),
            ],
            limit=1,
        )
        visit.env["asq.service.visit.part"].create(
            {"visit_id": visit.id, "product_id": product.id, "quantity": 1.0}
        )
        if signed:
            self._history(visit, {"state": "signed"})

    def _prep_rectification_evidence(self, notice):
        notice.write({"evidence": "State table: new calibration report."})

    def _prep_rectification_evaluation(self, notice):
        notice.write(
            {
                "escalation_evaluation": "State table: late twice this year.",
                "escalation_conclusion": "keep",
            }
        )

    def _prep_rectification_submitted(self, notice):
        self._prep_rectification_evaluation(notice)
        notice.action_submit_escalation()

    def _prep_survey_sample(self, campaign):
        """The sample drawn when the campaign left its draft."""
        state = campaign.state
        self._history(campaign, {"state": "draft"})
        campaign.action_draw_sample()
        self._history(campaign, {"state": state})

    def _prep_survey_invited(self, campaign):
        self._history(campaign, {"state": "draft"})
        campaign.action_draw_sample()
        campaign.action_send_invitations()

    # ------------------------------------------------------------------
    # Effects: what a legal step did besides its state (record as superuser,
    # the step's return value).
    # ------------------------------------------------------------------
    def _check_feedback_answered(self, complaint, _result):
        self.assertEqual(complaint.feedback_status, "answered")
        self.assertEqual(complaint.closed_user_id, self.user)

    def _check_feedback_pending(self, complaint, _result):
        self.assertEqual(complaint.feedback_status, "pending")
        self.assertEqual(complaint.submitted_user_id, self.user)

    def _check_feedback_recorded(self, complaint, _result):
        self.assertEqual(complaint.feedback_status, "recorded")
        self.assertEqual(complaint.closed_user_id, self.user)

    def _check_complaint_judged_invalid(self, complaint, _result):
        self.assertEqual(complaint.validity, "invalid")
        self.assertEqual(complaint.judged_user_id, self.user)

    def _check_complaint_replied(self, complaint, _result):
        self.assertEqual(complaint.replied_user_id, self.user)
        self.assertTrue(
            complaint.message_ids.filtered(lambda m: m.message_type == "comment"),
            "no reply posted to the customer",
        )

    def _check_complaint_onsite(self, complaint, _result):
        self.assertEqual(complaint.onsite_user_id, self.user)
        self.assertTrue(complaint.onsite_date)

    def _check_complaint_findings(self, complaint, _result):
        self.assertEqual(complaint.investigated_user_id, self.user)

    def _check_complaint_decided(self, complaint, _result):
        self.assertEqual(complaint.decided_user_id, self.user)

    def _check_complaint_satisfied(self, complaint, _result):
        self.assertEqual(complaint.satisfaction, "satisfied")
        self.assertEqual(complaint.confirmed_user_id, self.user)

    def _check_complaint_reopened(self, complaint, _result):
        self.assertEqual(complaint.satisfaction, "not_satisfied")
        self.assertEqual(complaint.reopen_count, 1)
        self.assertFalse(complaint.decided_user_id)

    def _check_complaint_visit(self, complaint, result):
        visit = complaint.visit_ids
        self.assertEqual(len(visit), 1)
        self.assertEqual(
            (visit.visit_type, visit.state, result["res_id"]),
            ("onsite", "planned", visit.id),
        )

    def _check_complaint_capa(self, complaint, result):
        self.assertTrue(complaint.capa_ids)
        self.assertEqual(result["res_model"], "asq.capa")
        self.assertIn(result.get("res_id"), complaint.capa_ids.ids)

    def _check_complaint_holds(self, complaint, _result):
        holds = complaint.hold_ids
        self.assertEqual(holds.product_id, complaint.line_ids.product_id)
        self.assertEqual(set(holds.mapped("state")), {"draft"})

    def _check_return_receipt(self, ret, _result):
        receipts = ret.picking_ids.filtered(lambda p: p.asq_return_role == "receipt")
        self.assertTrue(receipts, "no receipt made")
        self.assertNotIn("cancel", receipts.mapped("state"))

    def _check_return_qc(self, ret, _result):
        self.assertEqual(ret.qc_user_id, self.user)
        self.assertTrue(
            ret.picking_ids.filtered(lambda p: p.asq_return_role == "putaway"),
            "no put-away made",
        )

    def _check_capa_signoff(self, capa, _result):
        self.assertEqual(capa.signoff_user_id, self.user)

    def _check_capa_effective(self, capa, _result):
        self.assertEqual(capa.effectiveness, "effective")
        self.assertEqual(capa.verified_user_id, self.user)
        self.assertEqual(capa.review_ids.mapped("result"), ["effective"])

    def _check_capa_new_round(self, capa, _result):
        self.assertEqual(capa.effectiveness, "not_effective")
        self.assertEqual(capa.review_ids.mapped("result"), ["not_effective"])
        self.assertEqual(capa.round, capa.review_ids.round + 1)

    def _check_hold_verified(self, hold, _result):
        self.assertEqual(hold.verification_result, "conforming")
        self.assertEqual(hold.verified_user_id, self.user)

    def _check_hold_released(self, hold, _result):
        self.assertEqual(hold.released_user_id, self.user)

    def _check_hold_buyers(self, hold, _result):
        self.assertTrue(hold.buyer_ids, "no buyer listed")

    def _check_hold_notices(self, hold, _result):
        notices = hold.notice_ids
        self.assertTrue(notices, "no notice sent")
        self.assertEqual(notices.partner_id, hold.buyer_ids.partner_id)
        self.assertTrue(all(notices.mapped("mail_id")), "a notice has no mail")

    def _check_visit_done(self, visit, _result):
        self.assertEqual(visit.done_user_id, self.user)

    def _check_visit_signed(self, visit, _result):
        self.assertEqual(visit.signed_user_id, self.user)

    def _check_visit_parts(self, visit, _result):
        moves = visit.part_ids.move_id
        self.assertEqual(len(moves), len(visit.part_ids))
        self.assertEqual(set(moves.mapped("state")), {"done"})

    def _check_rectification_rectified(self, notice, _result):
        self.assertEqual(notice.rectified_user_id, self.user)

    def _check_rectification_submitted(self, notice, _result):
        self.assertEqual(notice.escalation_submitted_user_id, self.user)

    def _check_rectification_approved(self, notice, _result):
        self.assertEqual(notice.escalation_approved_user_id, self.user)

    def _check_survey_sample(self, campaign, _result):
        self.assertTrue(campaign.target_ids, "no customer sampled")

    def _check_survey_invited(self, campaign, _result):
        targets = campaign.target_ids
        self.assertTrue(targets, "no customer sampled")
        self.assertTrue(all(targets.mapped("user_input_id")), "a target not invited")

    def _check_survey_reminded(self, campaign, _result):
        self.assertEqual(set(campaign.target_ids.mapped("reminder_count")), {1})

    def _check_kpi_files(self, pack, _result):
        self.assertTrue(pack.xlsx_attachment_id and pack.pdf_attachment_id)

    def _check_kpi_sent(self, pack, _result):
        self.assertEqual(pack.sent_user_id, self.user)
        self.assertTrue(pack.sent_to_ids)


@tagged("post_install", "-at_install", "asq_security")
class TestEngineDeclarations(TransactionCase):
    """The declarations themselves, and everything derived from them: the
    buttons, the roles, the README tables."""

    ROLE_XMLIDS = ASQ_ROLES

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.role_users = {
            role: new_test_user(
                cls.env,
                login=f"asq_engine_{role}",
                groups=f"base.group_user,{ASQ}group_asq_{role}",
            )
            for role in cls.ROLE_XMLIDS
        }
        cls.role_users["employee"] = new_test_user(
            cls.env, login="asq_engine_employee", groups="base.group_user"
        )

    def _declared(self):
        for model in ENGINE_MODELS:
            for transition in self.env[model]._asq_transitions:
                yield model, transition

    def test_every_document_declares_its_steps(self):
        for model in ENGINE_MODELS:
            Model = self.env[model]
            with self.subTest(model=model):
                self.assertTrue(Model._asq_transitions, f"{model} declares no step")
                steps = [t.step for t in Model._asq_transitions]
                self.assertEqual(len(steps), len(set(steps)), f"{model}: {steps}")
        for model, t in self._declared():
            Model = self.env[model]
            states = {key for key, _label in Model._fields["state"].selection}
            label = f"{model}.{t.step}"
            with self.subTest(step=label):
                self.assertTrue(t.from_states, label)
                self.assertLessEqual(
                    {*t.from_states, *t.branches, *filter(None, [t.to_state])},
                    states,
                    label,
                )
                for group in t.groups:
                    self.assertTrue(self.env.ref(group, raise_if_not_found=False))
                for method in filter(None, (t.check, t.signer)):
                    self.assertTrue(callable(getattr(Model, method, None)), method)
                if (model, t.method) not in ELSEWHERE:
                    self.assertTrue(callable(getattr(Model, t.method, None)), label)
                for fname in t.stamp_fields + t.freezes:
                    self.assertIn(fname, Model._fields, label)
                can = Model._fields.get(f"can_{t.step}")
                if can:
                    self.assertEqual(can.compute, "_compute_asq_can", label)

    def test_buttons_read_the_declaration(self):
        """A form button running a declared step is shown by that step's
        ``can_<step>`` alone: no role or state restated in the view."""
        checked = 0
        for model in ENGINE_MODELS:
            Model = self.env[model]
            methods = {t.method: t for t in Model._asq_transitions}
            arch, _view = Model._get_view(None, "form")
            for button in arch.xpath("//button[@type='object'][not(ancestor::field)]"):
                name = button.get("name")
                invisible = button.get("invisible") or ""
                label = f"{model} {name} {button.get('string')}"
                if name in methods or "can_" in invisible:
                    checked += 1
                    self.assertRegex(invisible, r"^not can_\w+$", label)
                    self.assertIn(invisible[4:], Model._fields, label)
                    self.assertFalse(button.get("groups"), label)
                if name in methods:
                    steps = {
                        f"not can_{t.step}"
                        for t in Model._asq_transitions
                        if t.method == name
                    }
                    self.assertIn(invisible, steps, label)
        self.assertGreater(checked, 30)

    def _role_record(self, model, state):
        """A record of ``model`` in ``state`` (as its history wrote it)."""
        table = TestStateTable("test_state_action_table")
        table.env = self.env
        table.copies = getattr(self, "_copies", 0)
        self._copies = table.copies + 1
        return table._in_state(table._template(model), state)

    def test_roles_from_declaration(self):
        """Every declared step with a button, pressed by every role that does
        not sign it, in the state where it is legal: refused for the role
        (AccessError), the state unchanged, the button hidden."""
        refused = 0
        for model in STATE_MODELS:
            for t in self.env[model]._asq_transitions:
                if not t.groups or not callable(
                    getattr(self.env[model], t.method, None)
                ):
                    continue  # (anyone who may edit it; run from a receipt)
                record = self._role_record(model, t.from_states[0])
                for role, user in self.role_users.items():
                    if any(user.has_group(group) for group in t.groups):
                        continue
                    caller = record.with_user(user).with_context(lang="en_US")
                    label = f"{model}.{t.step} as {role}"
                    with self.subTest(step=label):
                        if f"can_{t.step}" in caller._fields:
                            self.assertFalse(caller[f"can_{t.step}"], label)
                        with self.assertRaises(AccessError, msg=label):
                            with self.env.cr.savepoint():
                                getattr(caller, t.method)(
                                    *step_arguments(caller, t.method)
                                )
                        self.env.invalidate_all()
                        self.assertEqual(record.state, t.from_states[0], label)
                        refused += 1
        _logger.info("engine: %s role refusals from the declarations", refused)
        self.assertGreater(refused, 100)

    def test_readme_tables_are_the_declarations(self):
        """README.md shows each document's steps as the code declares them."""
        from pathlib import Path

        readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(
            encoding="utf-8"
        )
        for model in ENGINE_MODELS:
            marker = f"<!-- transitions:{model} -->"
            with self.subTest(model=model):
                self.assertTrue(marker in readme, f"README.md lacks {marker}")
                block = readme.split(marker)[1].split("<!-- /transitions -->")[0]
                self.assertEqual(
                    block.strip(),
                    self.env[model]._asq_transition_table(),
                    f"README.md's table of {model} differs from its declaration",
                )
