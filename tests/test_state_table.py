"""Every (state x public action) pair of every workflow, called as RPC.

The public actions are read from each form view (``<button type="object"
name="action_...">`` outside one2many sub-views); the states from the state
field's selection. The documented transitions are data below (model
docstrings, state help and README); every pair not listed is illegal and
must be refused with the state unchanged. The caller has every after-sales
role, so only the state check is under test.
"""

import logging

from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tests.common import TransactionCase

_logger = logging.getLogger(__name__)

ASQ = "after_sales_quality."
ALL_ROLES = ",".join(
    [
        "base.group_user",
        "stock.group_stock_user",
        "account.group_account_invoice",
        "sales_team.group_sale_salesman_all_leads",
    ]
    + [
        f"{ASQ}group_asq_{role}"
        for role in (
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
    ]
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
# (state, action) -> documented next state; any other pair is illegal.
TRANSITIONS = {
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
        ("draft", "action_feedback_answer"): SAME,
        ("draft", "action_feedback_pending"): SAME,
        ("draft", "action_feedback_record"): SAME,
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
# The refusal of a stale or replayed step says so.
STATE_REFUSAL = ("current status", "waits for no approval")


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

    def _in_state(self, template, state):
        key = getattr(template, "_asq_workflow_key", "asq_complaint_step")
        self.copies += 1
        default = {"name": f"State table {self.copies}"}
        if template._name == "asq.kpi.pack":
            # One pack per period: each copy its own year.
            default["date_from"] = fields.Date.today().replace(
                year=1990 + self.copies, month=1, day=1
            )
        record = template.with_context(**{key: True}).copy(default)
        if record._name == "asq.complaint":
            record.with_context(asq_complaint_step=True).write({"state": state})
        else:
            record._workflow_write({"state": state})
        record.flush_recordset()
        return record

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
        for model, table in TRANSITIONS.items():
            actions = self._actions(model)
            self.assertTrue(actions, f"{model}: no action button found")
            for _state, action in table:
                self.assertIn(action, actions, f"{model}: {action} not on the form")
            states = [s for s, _l in self.env[model]._fields["state"].selection]
            template = self._template(model)
            self.assertTrue(template, f"{model}: no record to start from")
            for state in states:
                for action in actions:
                    counts["pairs"] += 1
                    expected = table.get((state, action))
                    outcome = self._call(template, state, action)
                    self._judge(
                        f"{model} [{state}] {action}",
                        action,
                        expected,
                        outcome,
                        counts,
                        failures,
                    )
        _logger.info("state table: %s", counts)
        self.assertFalse(failures, "\n".join(failures))
        self.assertGreater(counts["pairs"], 300)
        self.assertGreater(counts["illegal"], 200)

    def _judge(self, label, action, expected, outcome, counts, failures):
        """Classify one pair's outcome in ``counts`` or ``failures``."""
        before, after, _result, error = outcome
        if error is not None and not isinstance(error, CLEAR):
            failures.append(f"{label}: raw error {error!r}")
            return
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
            return
        if action in NEUTRAL:
            counts["neutral"] += 1
        elif expected is None:
            if error is None:
                failures.append(f"{label}: illegal pair accepted")
            else:
                counts["illegal"] += 1
        elif error is None:
            if expected not in (SAME, before):
                failures.append(f"{label}: stayed in {before}")
            else:
                counts["legal"] += 1
        elif any(text in str(error) for text in STATE_REFUSAL):
            failures.append(f"{label}: legal pair refused: {error}")
        else:
            # Legal in this state; refused for missing data.
            counts["data"] += 1

    def _call(self, template, state, action):
        """Put a copy of ``template`` in ``state``, call ``action`` as the
        all-roles user, re-read the state from the database, roll back."""
        outcome = [state, state, None, None]
        try:
            with self.env.cr.savepoint():
                record = self._in_state(template, state)
                try:
                    with self.env.cr.savepoint():
                        outcome[2] = getattr(
                            record.with_user(self.user).with_context(lang="en_US"),
                            action,
                        )()
                except Exception as error:
                    outcome[3] = error
                self.env.invalidate_all()
                outcome[1] = self._db_state(record)
                raise _Rollback
        except _Rollback:
            pass
        self.env.invalidate_all()
        return outcome
