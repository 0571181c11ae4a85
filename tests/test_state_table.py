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
from odoo.addons.after_sales_quality.tests.common import db_state
from odoo.addons.after_sales_quality.tests.complaint_common import asq_send_composer

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
    "action_customer_feedback",
    "action_view_returns",
    "action_view_holds",
    "action_view_review_meeting",
    "action_view_pickings",
    "action_view_refunds",
    "action_view_rework_notices",
    "action_view_return",
    "action_view_picking",
    "action_open_adverse_event",
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
    "asq.warranty.claim",
    "asq.rework.notice",
)
# Every document with a workflow (the engine's declarations are the table).
ENGINE_MODELS = (
    "asq.complaint",
    "asq.complaint.alert",
    "asq.return",
    "asq.capa",
    "asq.capa.action",
    "asq.hold",
    "asq.hold.supplier.query",
    "asq.service.visit",
    "asq.survey.campaign",
    "asq.kpi.pack",
    "asq.vendor.score",
    "asq.vendor.maintenance",
    "asq.vendor.rectification",
    "asq.warranty.claim",
    "asq.customer.application",
    "asq.adverse.event",
    "asq.credit.level",
    "asq.customer.feedback",
    "asq.equipment.patrol",
    "asq.complaint.review",
    "asq.quality.report",
    "asq.rework.notice",
)
# Steps whose method is not a button of the document's form: they are run
# from another screen and tested there.
ELSEWHERE = {
    ("asq.return", "action_sign"): "the signing dialog (test_return, matrix)",
    ("asq.return", "button_validate"): "the receipt in Inventory (test_return)",
    ("asq.rework.notice", "button_validate"): (
        "the transfer back to stock in Inventory (test_procedures_rework)"
    ),
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
    # 004 §5.3.5: a major complaint convenes the department heads.
    ("asq.complaint", "action_convene_review"): {
        "severity": "major",
        "validity": "valid",
    },
    ("asq.complaint", "action_feedback_answer"): FEEDBACK,
    ("asq.complaint", "action_feedback_pending"): FEEDBACK,
    ("asq.complaint", "action_feedback_record"): FEEDBACK,
}
# A 1x1 PNG: the customer's drawn signature.
SIGNATURE = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8A"
    "AAAASUVORK5CYII="
)
# The states of a registered complaint (a CAPA may be proposed in them).
COMPLAINT_REGISTERED = (
    "review",
    "investigating",
    "decided",
    "replied",
    "confirmed",
    "closed",
)
# In EFFECT: the user who pressed the button (the all-roles user).
SIGNER = object()
INVALID_REASON = {"invalid_reason": "State table: used beyond its shelf life."}
HOLD_VERIFICATION = {
    "proposed_result": "conforming",
    "verification_note": "State table: retained samples conform.",
}
RECTIFICATION_EVALUATION = {
    "escalation_evaluation": "State table: late twice this year.",
    "escalation_conclusion": "keep",
}
# (model, state, action) -> what the user enters on the way to the step,
# filled in before it: the values the all-roles user writes, or the hook
# (a method below) that does it.
PREPARE = {
    "asq.complaint": {
        ("review", "action_judge_invalid"): INVALID_REASON,
        ("review", "action_reply"): "_prep_complaint_judged_invalid",
        ("investigating", "action_onsite_verified"): {
            "onsite_required": True,
            "onsite_result": "State table: defect seen at the customer.",
        },
        ("investigating", "action_record_findings"): "_prep_complaint_findings",
        ("investigating", "action_decide"): "_prep_complaint_disposition",
        ("replied", "action_customer_satisfied"): "_prep_complaint_replied_valid",
        ("replied", "action_customer_not_satisfied"): "_prep_complaint_replied_valid",
        ("replied", "action_close"): "_prep_complaint_replied_invalid",
        # 003 §3.8: the final report signed before the close
        ("confirmed", "action_close"): "_prep_complaint_signed",
    },
    "asq.return": {
        ("received", "action_qc_sign"): "_prep_return_qc",
        ("done", "action_check_note"): "_prep_return_booked",
    },
    "asq.capa": {
        ("analysis", "action_plan"): "_prep_capa_plan",
        ("action", "action_request_verification"): "_prep_capa_actions_done",
        **{
            ("verification", action): "_prep_capa_verification"
            for action in ("action_verify_effective", "action_verify_not_effective")
        },
        **{
            (state, "action_send_customer_report"): "_prep_capa_report"
            for state in ("action", "verification", "closed")
        },
    },
    "asq.hold": {
        ("active", "action_verify"): HOLD_VERIFICATION,
        ("active", "action_release"): "_prep_hold_verified",
        **{
            (state, "action_send_notices"): "_prep_hold_buyers"
            for state in ("active", "nonconforming")
        },
        **{
            (state, "action_report_head"): {"report_content": "State table: report."}
            for state in ("active", "nonconforming")
        },
        **{
            (state, "action_acknowledge_report"): "_prep_hold_reported"
            for state in ("active", "nonconforming", "released")
        },
        **{
            (state, "action_query_suppliers"): "_prep_hold_supplier"
            for state in ("active", "nonconforming")
        },
        **{
            (state, "action_decide_recall"): {"recall_level_proposed": "2"}
            for state in ("active", "nonconforming")
        },
    },
    "asq.service.visit": {
        **{
            (state, "action_done"): {
                "work_done": "State table: pump recalibrated.",
                "result": "State table: works.",
            }
            for state in ("planned", "in_progress")
        },
        ("done", "action_sign"): {
            "signer_name": "State Table Customer",
            "signature": SIGNATURE,
            "satisfaction": "satisfied",
        },
        **{
            (state, "action_consume_parts"): "_prep_visit_parts"
            for state in ("in_progress", "done", "signed")
        },
    },
    "asq.vendor.rectification": {
        **{
            (state, "action_rectified"): {
                "evidence": "State table: new calibration report."
            }
            for state in ("open", "overdue")
        },
        ("overdue", "action_submit_escalation"): RECTIFICATION_EVALUATION,
        ("overdue", "action_approve_escalation"): "_prep_rectification_submitted",
    },
    "asq.warranty.claim": {
        ("received", "action_analyse"): {
            "analysis": "State table: the seal was cut by the customer's tool.",
            "verdict": "not_ours",
        },
        ("analysed", "action_explain"): "_prep_warranty_not_ours",
        ("analysed", "action_close"): "_prep_warranty_explained",
        **{
            (state, "action_credit_note"): "_prep_warranty_ours"
            for state in ("analysed", "closed")
        },
        **{
            (state, "action_cancel"): {"cancel_reason": "State table: sent in error."}
            for state in ("draft", "received", "analysed")
        },
    },
    "asq.rework.notice": {
        ("draft", "action_issue"): "_prep_rework_instructions",
        ("issued", "action_accept"): "_prep_rework_production",
        ("accepted", "action_rework"): "_prep_rework_quantities",
        ("reworked", "action_reinspect"): "_prep_rework_reinspection",
        # The quality manager's reason, written on the form before cancelling.
        **{
            (state, "action_cancel"): {"cancel_reason": "State table: issued twice."}
            for state in ("draft", "issued", "accepted", "reworked", "reinspected")
        },
    },
    "asq.survey.campaign": {
        ("sampled", "action_send_invitations"): "_prep_survey_sample",
        ("running", "action_send_invitations"): "_prep_survey_sample",
        ("running", "action_send_reminders"): "_prep_survey_invited",
    },
}
# (model, state, action) -> what a legal step did besides its state (a step
# keeping the state must still have done something): the values its record
# then holds (SIGNER: signed by the caller), or the method checking it.
EFFECT = {
    "asq.complaint": {
        ("draft", "action_feedback_answer"): {
            "feedback_status": "answered",
            "closed_user_id": SIGNER,
        },
        ("draft", "action_feedback_pending"): {
            "feedback_status": "pending",
            "submitted_user_id": SIGNER,
        },
        ("draft", "action_feedback_record"): {
            "feedback_status": "recorded",
            "closed_user_id": SIGNER,
        },
        ("review", "action_judge_invalid"): {
            "validity": "invalid",
            "judged_user_id": SIGNER,
        },
        ("review", "action_reply"): "_check_complaint_replied",
        ("investigating", "action_onsite_verified"): "_check_complaint_onsite",
        ("investigating", "action_record_findings"): {"investigated_user_id": SIGNER},
        ("investigating", "action_decide"): {"decided_user_id": SIGNER},
        ("replied", "action_customer_satisfied"): {
            "satisfaction": "satisfied",
            "confirmed_user_id": SIGNER,
        },
        ("replied", "action_customer_not_satisfied"): "_check_complaint_reopened",
        ("confirmed", "action_final_signoff"): {"signoff_user_id": SIGNER},
        **{
            (state, "action_convene_review"): {"convened_user_id": SIGNER}
            for state in COMPLAINT_REGISTERED
            if state != "closed"
        },
        **{
            (state, "action_plan_onsite_visit"): "_check_complaint_visit"
            for state in ("draft", "review", "investigating")
        },
        **{
            (state, "action_propose_capa"): "_check_complaint_capa"
            for state in COMPLAINT_REGISTERED
        },
        **{
            (state, "action_asq_quality_hold"): "_check_complaint_holds"
            for state in ("draft", *COMPLAINT_REGISTERED)
        },
    },
    "asq.return": {
        **{
            (state, "action_create_receipt"): "_check_return_receipt"
            for state in ("approved",)
        },
        ("received", "action_qc_sign"): "_check_return_qc",
        ("done", "action_check_note"): "_check_return_note",
    },
    "asq.capa": {
        **{
            (state, "action_department_signoff"): {"signoff_user_id": SIGNER}
            for state in ("action", "verification")
        },
        ("verification", "action_verify_effective"): "_check_capa_effective",
        ("verification", "action_verify_not_effective"): "_check_capa_new_round",
        **{
            (state, "action_send_customer_report"): {"customer_report_user_id": SIGNER}
            for state in ("action", "verification", "closed")
        },
    },
    "asq.hold": {
        ("active", "action_verify"): {
            "verification_result": "conforming",
            "verified_user_id": SIGNER,
        },
        ("active", "action_release"): {"released_user_id": SIGNER},
        **{
            (state, "action_decide_recall"): {
                "recall_level": "2",
                "recall_user_id": SIGNER,
            }
            for state in ("active", "nonconforming")
        },
        **{
            (state, action): check
            for state in ("active", "nonconforming")
            for action, check in (
                ("action_refresh_buyers", "_check_hold_buyers"),
                ("action_send_notices", "_check_hold_notices"),
            )
        },
    },
    "asq.service.visit": {
        **{
            (state, "action_done"): {"done_user_id": SIGNER}
            for state in ("planned", "in_progress")
        },
        ("done", "action_sign"): {"signed_user_id": SIGNER},
        **{
            (state, "action_consume_parts"): "_check_visit_parts"
            for state in ("in_progress", "done", "signed")
        },
    },
    "asq.vendor.rectification": {
        **{
            (state, "action_rectified"): {"rectified_user_id": SIGNER}
            for state in ("open", "overdue")
        },
        ("overdue", "action_submit_escalation"): {
            "escalation_submitted_user_id": SIGNER
        },
        ("overdue", "action_approve_escalation"): {
            "escalation_approved_user_id": SIGNER
        },
    },
    "asq.survey.campaign": {
        ("draft", "action_draw_sample"): "_check_survey_sample",
        **{
            (state, "action_send_invitations"): "_check_survey_invited"
            for state in ("sampled", "running")
        },
        ("running", "action_send_reminders"): "_check_survey_reminded",
    },
    "asq.warranty.claim": {
        ("analysed", "action_explain"): "_check_warranty_explained",
        **{
            (state, "action_credit_note"): "_check_warranty_credit_note"
            for state in ("analysed", "closed")
        },
    },
    "asq.kpi.pack": {
        **{
            (state, "action_generate"): "_check_kpi_files"
            for state in ("draft", "generated")
        },
        ("generated", "action_send"): "_check_kpi_sent",
    },
}


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
        if model == "asq.capa":
            # The department signs off its actions: a CAPA with one (the
            # demo's first may have none yet).
            return Model.search([("department_id", "!=", False)], limit=1)
        if model == "asq.credit.level":
            # The row of the callers' company (one per level and company).
            return Model.search([("company_id", "=", self.env.company.id)], limit=1)
        if model == "asq.warranty.claim":
            return self._template_warranty_claim(Model)
        record = Model.search([], limit=1)
        if record:
            return record
        maker = {
            "asq.rework.notice": self._template_rework_notice,
            "asq.hold": self._template_hold,
            "asq.hold.supplier.query": self._template_supplier_query,
        }.get(model)
        if maker:
            return maker(Model)
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
        if model == "asq.vendor.maintenance":
            # (only a call-out starts without the work done: from a patrol)
            vals["work"] = "State table"
        return Model.create(vals)

    def _delivered(self):
        """A line of goods a customer received."""
        return (
            self.env["asq.delivered.line"]
            .sudo()
            .search([("partner_id", "!=", False)], limit=1)
        )

    def _template_warranty_claim(self, Model):
        """Parts of goods a customer received, claimed by that customer."""
        delivered = self._delivered()
        return Model.create(
            {
                "partner_id": delivered.partner_id.id,
                "product_id": delivered.product_id.id,
                "company_id": delivered.company_id.id,
                "quantity": 2,
                "claimed_amount": 300.0,
                "description": "State table: the pump leaks.",
            }
        )

    def _template_rework_notice(self, Model):
        """Issued by a return's QC only (its create refuses any caller)."""
        ret = self.env["asq.return"].sudo().search([("line_ids", "!=", False)])[:1]
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", ret.company_id.id)], limit=1
        )
        notice = Model.with_context(**asq_step(self._workflow_key(Model))).create(
            {
                "return_id": ret.id,
                "company_id": ret.company_id.id,
                "warehouse_id": warehouse.id,
                "product_id": ret.line_ids[0].product_id.id,
                "quantity": 1.0,
            }
        )
        # (without the step's mark: what follows runs as a caller would)
        return notice.with_env(Model.env)

    def _template_hold(self, Model):
        """Goods some customers received: the hold has buyers to notify."""
        delivered = self._delivered()
        return Model.create(
            {
                "product_id": delivered.product_id.id,
                "company_id": delivered.company_id.id,
                "reason": "State table",
            }
        )

    def _template_supplier_query(self, Model):
        """(made by the hold's step "Query Suppliers")"""
        partner = self.env["res.partner"].search([("email", "!=", False)], limit=1)
        query = Model.with_context(**asq_step(Model._asq_workflow_key)).create(
            {
                "hold_id": self._template("asq.hold").id,
                "partner_id": partner.id,
                "question": "State table: what did you find?",
            }
        )
        return query.with_env(Model.env)

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
        if template._name == "asq.complaint.review":
            # One review per company and month: each copy its own month.
            default["date_from"] = fields.Date.today().replace(
                year=1990 + self.copies // 12, month=1 + self.copies % 12, day=1
            )
        if template._name == "asq.quality.report":
            # One report per company and year: each copy its own year.
            default["year"] = 1900 + self.copies
        if template._name == "asq.equipment.patrol":
            # One patrol per equipment and day: each copy its own day.
            default["date"] = fields.Date.today().replace(
                year=1990, month=1, day=1
            ) + timedelta(days=self.copies)
        if template._name == "asq.adverse.event":
            # One per complaint: each copy on a complaint without one.
            default["complaint_id"] = (
                self.env["asq.complaint"]
                .sudo()
                .search([("adverse_event_ids", "=", False)], limit=1)
                .id
            )
        if template._name == "asq.credit.level":
            # One row per level and company: the row itself, put in the
            # state (the callers roll back what they do to it).
            record = template
        else:
            record = template.with_context(
                **asq_step(self._workflow_key(template))
            ).copy(default)
        self._history(record, {"state": state})
        record.flush_recordset()
        # (the copy's environment carries the step's mark: what follows runs
        # as a caller would, without it)
        return record.with_env(self.env)

    def test_state_action_table(self):
        self.copies = 0
        counts = {"pairs": 0, "illegal": 0, "legal": 0, "data": 0, "neutral": 0}
        failures = []
        unwalked = []
        declared = declared_transitions(self.env)
        for model in STATE_MODELS:
            self.assertIn(model, declared, f"{model} declares no step")
            table = declared[model]
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
                    if isinstance(prepare, dict):
                        caller.write(prepare)
                    else:
                        getattr(self, prepare)(caller)
                except Exception as error:
                    outcome["problem"] = f"{prepare} failed: {error!r}"
                    raise _Rollback from error
            outcome["can"] = self._button_shown(caller, action)
            result = None
            try:
                with self.env.cr.savepoint():
                    result = getattr(caller, action)()
                    # A button opening the mail composer (Send Reply) does
                    # its step when the mail is sent from it.
                    asq_send_composer(caller.env, result)
            except Exception as error:
                outcome["error"] = error
            self.env.invalidate_all()
            outcome["after"] = db_state(record)
            if check and outcome["error"] is None:
                try:
                    self._check_effect(record, result, check)
                except self.failureException as error:
                    outcome["problem"] = f"{check}: {error}"
            raise _Rollback
        self.env.invalidate_all()
        return outcome

    def _check_effect(self, record, result, check):
        """The step's effect as EFFECT states it: ``check`` a method name or
        the values ``record`` holds."""
        if isinstance(check, str):
            getattr(self, check)(record, result)
            return
        for fname, expected in check.items():
            expected = self.user if expected is SIGNER else expected
            self.assertEqual(record[fname], expected, fname)

    # ------------------------------------------------------------------
    # Prepare hooks: what the user enters before pressing the button. They
    # get the copy as the all-roles user; earlier steps are done for real,
    # what the state jump skipped is written as history.
    # ------------------------------------------------------------------
    def _prep_complaint_judged_invalid(self, complaint):
        """Under review, the reply explains a complaint judged not valid."""
        complaint.write(INVALID_REASON)
        complaint.action_judge_invalid()

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

    def _prep_complaint_signed(self, complaint):
        """Satisfaction confirmed, the final report signed (003 §3.8)."""
        self._history(
            complaint,
            {
                "validity": "valid",
                "signoff_user_id": self.user.id,
                "signoff_date": fields.Datetime.now(),
            },
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

    def _prep_return_booked(self, ret):
        """Done: QC accepted its goods and the warehouse booked them into
        stock, so the return note waits for a sales clerk's check."""
        self._prep_return_qc(ret)
        ret.action_qc_sign()
        ret.picking_ids.filtered(
            lambda p: p.asq_return_role == "putaway"
        ).button_validate()
        self.assertEqual(ret.state, "done")
        self.assertTrue(ret.booked_date)

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

    def _prep_capa_report(self, capa):
        """The customer the report goes to (what the CAPA's form asks)."""
        partner = self.env["res.partner"].create(
            {"name": "State Table Customer", "email": "state.table@example.com"}
        )
        capa.sudo().with_context(**asq_step("asq_capa_workflow")).write(
            {"customer_report_partner_id": partner.id}
        )

    def _prep_warranty_not_ours(self, claim):
        """Analysed as not our fault: the explanation to send, to a customer
        with an e-mail address."""
        claim.partner_id.sudo().email = "warranty.customer@example.com"
        self._history(
            claim,
            {
                "analysis": "State table: dropped in transport.",
                "verdict": "not_ours",
                "explanation": "State table: the housing broke in a fall.",
            },
        )

    def _prep_warranty_explained(self, claim):
        """Not our fault, the explanation sent: the claim closes."""
        self._prep_warranty_not_ours(claim)
        asq_send_composer(claim.env, claim.action_explain())

    def _prep_warranty_ours(self, claim):
        """Our fault, with the credit the quality manager accepted."""
        self._history(
            claim,
            {
                "analysis": "State table: the seal was under size.",
                "verdict": "ours",
                "accepted_amount": 120.0,
            },
        )

    def _prep_hold_verified(self, hold):
        hold.write(HOLD_VERIFICATION)
        hold.action_verify()

    def _prep_hold_buyers(self, hold):
        """The activation listed the buyers of the held goods."""
        hold.sudo()._compute_buyers()

    def _prep_hold_reported(self, hold):
        """The inspector reported the hold to the quality managers."""
        self._history(
            hold,
            {
                "report_content": "State table: report.",
                "reported_user_id": self.user.id,
                "reported_date": fields.Datetime.now(),
            },
        )

    def _prep_hold_supplier(self, hold):
        """A done receipt of the held goods from a supplier (001 §4.6)."""
        env = self.env
        company = hold.company_id
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        )
        product = hold.product_id
        lot = hold.lot_ids[:1]
        if not lot and product.tracking != "none":
            lot = env["stock.lot"].create(
                {
                    "name": f"ST-SUP-{self.copies}",
                    "product_id": product.id,
                    "company_id": company.id,
                }
            )
        supplier = env["res.partner"].create({"name": "State Table Supplier"})
        src = env.ref("stock.stock_location_suppliers")
        dest = warehouse.lot_stock_id
        picking = (
            env["stock.picking"]
            .with_company(company)
            .create(
                {
                    "partner_id": supplier.id,
                    "picking_type_id": warehouse.in_type_id.id,
                    "location_id": src.id,
                    "location_dest_id": dest.id,
                    "company_id": company.id,
                }
            )
        )
        move = env["stock.move"].create(
            {
                "name": product.name,
                "product_id": product.id,
                "product_uom_qty": 1.0,
                "product_uom": product.uom_id.id,
                "location_id": src.id,
                "location_dest_id": dest.id,
                "picking_id": picking.id,
                "company_id": company.id,
            }
        )
        move._action_confirm()
        move.move_line_ids.unlink()
        env["stock.move.line"].create(
            {
                "move_id": move.id,
                "picking_id": picking.id,
                "product_id": product.id,
                "lot_id": lot.id,
                "quantity": 1.0,
                "product_uom_id": product.uom_id.id,
                "location_id": src.id,
                "location_dest_id": dest.id,
                "company_id": company.id,
            }
        )
        move.picked = True
        move._action_done()

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

    def _prep_rectification_submitted(self, notice):
        notice.write(RECTIFICATION_EVALUATION)
        notice.action_submit_escalation()

    def _prep_rework_instructions(self, notice):
        """QC writes the instructions and names production (the caller)."""
        notice.write(
            {"instructions": "State table: polish.", "user_id": notice.env.uid}
        )

    def _prep_rework_production(self, notice):
        """Issued to the caller as the production responsible."""
        self._history(notice, {"user_id": notice.env.uid})

    def _prep_rework_quantities(self, notice):
        self._prep_rework_production(notice)
        notice.write({"qty_ok": notice.quantity})

    def _prep_rework_reinspection(self, notice):
        """Production reworked it all OK; QC writes its findings."""
        self._history(notice, {"qty_ok": notice.quantity})
        notice.write({"reinspection_note": "State table: OK."})

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
    def _assert_signed_and_made(self, record, who, made, what):
        """``record`` signed (``who``) by the caller, and the step made
        ``what`` (``made``, not empty)."""
        self.assertEqual(record[who], self.user, who)
        self.assertTrue(made, f"no {what}")

    def _check_complaint_replied(self, complaint, _result):
        replies = complaint.message_ids.filtered(lambda m: m.message_type == "comment")
        self._assert_signed_and_made(
            complaint, "replied_user_id", replies, "reply posted to the customer"
        )

    def _check_warranty_explained(self, claim, _result):
        mails = claim.message_ids.filtered(lambda m: m.message_type == "comment")
        self._assert_signed_and_made(
            claim, "explained_user_id", mails, "explanation sent to the customer"
        )

    def _check_warranty_credit_note(self, claim, _result):
        move = claim.credit_note_id.sudo()
        self.assertEqual((move.move_type, move.state), ("out_refund", "draft"))
        self.assertEqual(move.amount_untaxed, 120.0)

    def _check_complaint_onsite(self, complaint, _result):
        self._assert_signed_and_made(
            complaint, "onsite_user_id", complaint.onsite_date, "on-site date"
        )

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
        putaways = ret.picking_ids.filtered(lambda p: p.asq_return_role == "putaway")
        self._assert_signed_and_made(ret, "qc_user_id", putaways, "put-away made")

    def _check_return_note(self, ret, _result):
        self.assertEqual(ret.note_check_user_id, self.user)
        self.assertTrue(ret.note_sent_date, "the checked note is sent")

    def _check_capa_effective(self, capa, _result):
        self.assertEqual(capa.effectiveness, "effective")
        self.assertEqual(capa.verified_user_id, self.user)
        self.assertEqual(capa.review_ids.mapped("result"), ["effective"])

    def _check_capa_new_round(self, capa, _result):
        self.assertEqual(capa.effectiveness, "not_effective")
        self.assertEqual(capa.review_ids.mapped("result"), ["not_effective"])
        self.assertEqual(capa.round, capa.review_ids.round + 1)

    def _check_hold_buyers(self, hold, _result):
        self.assertTrue(hold.buyer_ids, "no buyer listed")

    def _check_hold_notices(self, hold, _result):
        notices = hold.notice_ids
        self.assertTrue(notices, "no notice sent")
        self.assertEqual(notices.partner_id, hold.buyer_ids.partner_id)
        self.assertTrue(all(notices.mapped("mail_id")), "a notice has no mail")

    def _check_visit_parts(self, visit, _result):
        moves = visit.part_ids.move_id
        self.assertEqual(len(moves), len(visit.part_ids))
        self.assertEqual(set(moves.mapped("state")), {"done"})

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
