"""Two real transactions firing the same step at the same time.

Every fixture is committed through its own cursor (the test transaction is
never used: it would hold locks on what it wrote and hide it from the other
transactions) and everything committed is deleted at the end, so the database
is left as found. Each race runs two threads, each with its own cursor and
environment as a user of the right role, released together by a barrier right
after their snapshot is taken, then committing. The winner does the step, the
loser gets a clear UserError (or finds nothing to do), never a raw database
error and never a second document.
"""

import logging
import threading
import time
from contextlib import contextmanager

from odoo import Command, api
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules.registry import Registry
from odoo.tests import new_test_user, tagged
from odoo.tests.common import BaseCase, get_db_name
from odoo.tools import mute_logger

from odoo.addons.after_sales_quality.models.asq_workflow_mixin import asq_step
from odoo.addons.after_sales_quality.tests.common import (
    registry_reachable,
    validate_picking,
)

_logger = logging.getLogger(__name__)

ASQ = "after_sales_quality."
ROUNDS = 20
CLEAR_ERRORS = (UserError, ValidationError, AccessError)


def state_changes(record, to=None):
    """The changes of ``record``'s state its chatter tracked (to the state
    labelled ``to`` only, if given)."""
    return record.message_ids.tracking_value_ids.filtered(
        lambda t: t.field_id.name == "state" and to in (None, t.new_value_char)
    )


ROLES = {
    "finance": f"{ASQ}group_asq_finance",
    "business": f"{ASQ}group_asq_business_head",
    "warehouse": f"{ASQ}group_asq_warehouse",
    "inspector": f"{ASQ}group_asq_inspector",
    "qm": f"{ASQ}group_asq_manager",
}


@tagged("post_install", "-at_install", "asq_security")
class TestRaces(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Each side of a race is a thread of its own reaching the registry.
        cls.startClassPatcher(registry_reachable())
        cls.registry = Registry(get_db_name())
        cls.snapshot = cls._take_snapshot()
        cls.addClassCleanup(cls._restore_snapshot)
        with cls._env() as env:
            cls._build_fixtures(env)

    # ------------------------------------------------------------------
    # Committed fixtures and their removal
    # ------------------------------------------------------------------
    @classmethod
    @contextmanager
    def _env(cls, uid=api.SUPERUSER_ID):
        """A separate committed transaction (like the ir.sequence tests)."""
        with cls.registry.cursor() as cr:
            yield api.Environment(cr, uid, {"lang": "en_US", "tracking_disable": False})

    @classmethod
    def _take_snapshot(cls):
        """The highest id of every table: what is above was made by this test."""
        with cls.registry.cursor() as cr:
            cr.execute(
                """SELECT c.table_name FROM information_schema.columns c
                   JOIN information_schema.tables t
                     ON t.table_name = c.table_name AND t.table_schema = c.table_schema
                   WHERE c.table_schema = 'public' AND c.column_name = 'id'
                     AND t.table_type = 'BASE TABLE'
                     AND c.data_type IN ('integer', 'bigint')"""
            )
            tables = [row[0] for row in cr.fetchall()]
            cr.execute(
                " UNION ALL ".join(
                    f"SELECT '{table}', COALESCE(MAX(id), 0) FROM \"{table}\""
                    for table in tables
                )
            )
            return dict(cr.fetchall())

    @classmethod
    def _restore_snapshot(cls):
        """Delete every row committed by the test: rows above the snapshot and
        relation rows pointing at them (foreign keys are not enforced during
        the clean-up, every new row goes)."""
        with cls.registry.cursor() as cr:
            cr.execute(
                """SELECT tc.table_name, kcu.column_name, ccu.table_name
                   FROM information_schema.table_constraints tc
                   JOIN information_schema.key_column_usage kcu
                     ON tc.constraint_name = kcu.constraint_name
                    AND tc.table_schema = kcu.table_schema
                   JOIN information_schema.constraint_column_usage ccu
                     ON ccu.constraint_name = tc.constraint_name
                    AND ccu.table_schema = tc.table_schema
                   WHERE tc.constraint_type = 'FOREIGN KEY'
                     AND tc.table_schema = 'public' AND ccu.column_name = 'id'"""
            )
            relations = [
                (table, column, target)
                for table, column, target in cr.fetchall()
                if table not in cls.snapshot and target in cls.snapshot
            ]
            cr.execute("SET LOCAL session_replication_role = replica")
            for table, max_id in cls.snapshot.items():
                cr.execute(f'DELETE FROM "{table}" WHERE id > %s', [max_id])
            for table, column, target in relations:
                cr.execute(
                    f'DELETE FROM "{table}" WHERE "{column}" > %s',
                    [cls.snapshot[target]],
                )

    @classmethod
    def _build_fixtures(cls, env):
        company = env.ref("base.main_company")
        cls.company_id = company.id
        cls.uids = {
            role: [
                new_test_user(
                    env,
                    login=f"asq_race_{role}_{n}",
                    groups=f"base.group_user,{group}",
                    company_id=company.id,
                    company_ids=[Command.set(company.ids)],
                ).id
                for n in (1, 2)
            ]
            for role, group in ROLES.items()
        }
        customer = env["res.partner"].create(
            {
                "name": "Race Test Customer",
                "is_company": True,
                "email": "race.customer@example.com",
                "lang": "en_US",
            }
        )
        cls.customer_id = customer.id
        product = env["product.product"].create(
            {
                "name": "Race Test Meter",
                "type": "consu",
                "is_storable": True,
                "tracking": "lot",
                "list_price": 100.0,
            }
        )
        cls.product_id = product.id
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        )
        lot = env["stock.lot"].create(
            {"name": "RACE-1", "product_id": product.id, "company_id": company.id}
        )
        cls.lot_id = lot.id
        env["stock.quant"]._update_available_quantity(
            product, warehouse.lot_stock_id, 10000, lot_id=lot
        )
        order = env["sale.order"].create(
            {
                "partner_id": customer.id,
                "warehouse_id": warehouse.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": 10000,
                            "price_unit": 100.0,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        delivery = order.picking_ids
        delivery.action_assign()
        validate_picking(delivery)
        env.flush_all()
        cls.delivered_line_id = (
            env["asq.delivered.line"].search([("picking_id", "=", delivery.id)]).id
        )
        assert cls.delivered_line_id, "the delivery is not listed as delivered"

    # ------------------------------------------------------------------
    # The race
    # ------------------------------------------------------------------
    @contextmanager
    def _raced(self, role, model, res_id, call):
        """:meth:`_race` ``call`` on the record, then yield the record as a
        new transaction reads it."""
        self._race(role, model, res_id, call)
        with self._env() as env:
            yield env[model].browse(res_id)

    def _race(self, role, model, res_id, call, prepare=None):
        """Fire ``call(record)`` from two transactions at once, each as a
        different user of ``role``; return the two outcomes ("ok", or the
        exception raised). ``prepare(record)``, committed before the race,
        returns what ``call`` receives (a dialog saved by its own request, as
        the web client does before calling its button)."""
        barrier = threading.Barrier(2, timeout=60)
        outcomes = [None, None]

        def fire(index):
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, self.uids[role][index], {"lang": "en_US"})
                    record = env[model].browse(res_id)
                    if prepare:
                        record = prepare(record)
                        # Two real transactions: each commits its own step.
                        cr.commit()  # pylint: disable=invalid-commit
                    # Both snapshots are taken before either transaction
                    # writes: the loser meets the winner's lock or commit.
                    cr.execute("SELECT 1")
                    barrier.wait()
                    try:
                        call(record)
                        # Two real transactions: each commits its own step.
                        cr.commit()  # pylint: disable=invalid-commit
                        outcomes[index] = "ok"
                    except Exception as error:
                        cr.rollback()
                        outcomes[index] = error
            except Exception as error:
                outcomes[index] = error

        threads = [threading.Thread(target=fire, args=(i,)) for i in (0, 1)]
        with mute_logger("odoo.sql_db"):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
        wins = [o for o in outcomes if o == "ok"]
        self.assertTrue(wins, f"nobody won the race: {outcomes}")
        for outcome in outcomes:
            if outcome != "ok":
                self.assertIsInstance(
                    outcome,
                    CLEAR_ERRORS,
                    f"the loser got a raw error instead of a clear message: "
                    f"{outcome!r}",
                )
                self.assertNotIn("psycopg2", str(outcome))
        for outcome in outcomes:
            key = (
                "won"
                if outcome == "ok"
                else f"{type(outcome).__name__}: {outcome}"[:70]
            )
            self.outcomes[key] = self.outcomes.get(key, 0) + 1
        return outcomes

    def setUp(self):
        super().setUp()
        self.outcomes = {}
        self.addCleanup(
            lambda: _logger.info("%s outcomes: %s", self._testMethodName, self.outcomes)
        )

    # ------------------------------------------------------------------
    # Return request: approval, receipt, validation, credit note, refusal
    # ------------------------------------------------------------------
    def _new_return(self, env, kind="quality", resolution="refund"):
        return env["asq.return"].create(
            {
                "partner_id": self.customer_id,
                "line_ids": [
                    Command.create(
                        {
                            "delivered_line_id": self.delivered_line_id,
                            "quantity": 1.0,
                            "kind": kind,
                            "resolution": resolution,
                            "reason": "Race test",
                        }
                    )
                ],
            }
        )

    def _counts(self, ret_id):
        with self._env() as env:
            ret = env["asq.return"].browse(ret_id)
            return {
                "state": ret.state,
                "approvals": {
                    step: len(ret.approval_ids.filtered(lambda a, s=step: a.step == s))
                    for step in ("submit", "review", "finance", "business", "qc")
                },
                "receipts": len(
                    ret.picking_ids.filtered(
                        lambda p: p.asq_return_role == "receipt" and p.state != "cancel"
                    )
                ),
                "done_receipt_moves": len(
                    ret.picking_ids.filtered(
                        lambda p: p.asq_return_role == "receipt"
                    ).move_ids.filtered(lambda m: m.state == "done")
                ),
                "refunds": env["account.move"].search_count(
                    [
                        ("invoice_origin", "=", ret.name),
                        ("move_type", "=", "out_refund"),
                    ]
                ),
                "refund_ids": len(ret.refund_ids),
                "returned_qty": env["asq.delivered.line"]
                .browse(self.delivered_line_id)
                .returned_qty,
            }

    def test_return_chain_races(self):
        """20 rounds of: finance check, receipt creation, receipt validation
        and QC sign-off (the credit note) fired twice at once."""
        started = time.time()
        for _round in range(ROUNDS):
            with self._env() as env:
                ret = self._new_return(env)
                ret.action_submit()
                ret.action_sign("OK")
                ret_id = ret.id
                returned_before = (
                    env["asq.delivered.line"]
                    .browse(self.delivered_line_id)
                    .returned_qty
                )
            # The finance check, both opened the dialog in "Finance Check".
            self._race(
                "finance",
                "asq.return",
                ret_id,
                lambda wizard: wizard.action_confirm(),
                prepare=lambda r: r.env["asq.return.sign"]
                .with_context(**r.action_open_sign()["context"])
                .create({"comment": "Checked"}),
            )
            counts = self._counts(ret_id)
            self.assertEqual(counts["state"], "business")
            self.assertEqual(counts["approvals"]["finance"], 1)
            self.assertEqual(counts["approvals"]["business"], 0)
            with self._env() as env:
                ret = env["asq.return"].browse(ret_id)
                ret.action_sign("OK")
                if ret.state == "gm":
                    ret.action_sign("Special case for the race test")
                self.assertEqual(ret.state, "approved")
            # The receipt into QC.
            self._race(
                "warehouse", "asq.return", ret_id, lambda r: r.action_create_receipt()
            )
            counts = self._counts(ret_id)
            self.assertEqual(counts["receipts"], 1)
            with self._env() as env:
                receipt = env["asq.return"].browse(ret_id).picking_ids
                receipt.move_ids.picked = True
                receipt_id = receipt.id
            # Two validations of the receipt.
            self._race(
                "warehouse", "stock.picking", receipt_id, lambda p: p.button_validate()
            )
            counts = self._counts(ret_id)
            self.assertEqual(counts["state"], "received")
            self.assertEqual(counts["done_receipt_moves"], 1)
            self.assertEqual(counts["returned_qty"], returned_before + 1.0)
            with self._env() as env:
                env["asq.return"].browse(ret_id).line_ids.write(
                    {"qc_result": "accept", "qc_disposition": "stock"}
                )
            # The QC sign-off that creates the credit note.
            self._race("inspector", "asq.return", ret_id, lambda r: r.action_qc_sign())
            counts = self._counts(ret_id)
            self.assertEqual(counts["state"], "inspected")
            self.assertEqual(counts["refunds"], 1)
            self.assertEqual(counts["refund_ids"], 1)
            self.assertEqual(counts["approvals"]["qc"], 1)
        _logger.info("return races: %s in %.1fs", 4 * ROUNDS, time.time() - started)

    def test_return_refusal_races(self):
        """Two business heads refuse the same request at once: one refusal,
        one mail to the customer."""
        for _round in range(ROUNDS):
            with self._env() as env:
                ret = self._new_return(env, kind="unsaleable", resolution="exchange")
                ret._workflow_write({"state": "business"})
                ret_id = ret.id
            with self._raced(
                "business",
                "asq.return",
                ret_id,
                lambda r: r.action_sign(
                    "Not in the contract", approve=False, expected_state="business"
                ),
            ) as ret:
                self.assertEqual(ret.state, "refused")
                self.assertEqual(
                    len(ret.approval_ids.filtered(lambda a: a.result == "refused")), 1
                )
                mails = ret.env["mail.mail"].search(
                    [("model", "=", "asq.return"), ("res_id", "=", ret_id)]
                )
                self.assertEqual(len(mails), 1, "exactly one refusal mail")

    # ------------------------------------------------------------------
    # Complaint, CAPA, hold
    # ------------------------------------------------------------------
    def test_complaint_judge_races(self):
        """Two quality managers judge the same complaint valid at once."""
        for _round in range(ROUNDS):
            with self._env() as env:
                complaint = env["asq.complaint"].create(
                    {
                        "partner_id": self.customer_id,
                        "channel": "email",
                        "category": "quality",
                        "severity": "minor",
                        "description": "Race test",
                        "customer_request": "exchange",
                    }
                )
                complaint.with_context(**asq_step("asq_complaint_step")).write(
                    {"state": "review"}
                )
                complaint_id = complaint.id
            with self._raced(
                "qm", "asq.complaint", complaint_id, lambda c: c.action_judge_valid()
            ) as complaint:
                self.assertEqual(complaint.state, "investigating")
                self.assertEqual(complaint.validity, "valid")
                self.assertIn(complaint.judged_user_id.id, self.uids["qm"])
                tracked = state_changes(complaint, "Investigating")
                self.assertEqual(len(tracked), 1)

    def test_capa_step_races(self):
        """Two inspectors start the analysis of the same CAPA at once."""
        for _round in range(ROUNDS):
            with self._env() as env:
                capa = env["asq.capa"].create(
                    {"title": "Race test", "problem": "Readings drift"}
                    if "title" in env["asq.capa"]._fields
                    else {"problem": "Readings drift"}
                )
                capa_id = capa.id
            with self._raced(
                "inspector", "asq.capa", capa_id, lambda c: c.action_start_analysis()
            ) as capa:
                self.assertEqual(capa.state, "analysis")
                self.assertEqual(len(state_changes(capa)), 1)

    def test_hold_release_races(self):
        """Two quality managers release the same hold at once: one release,
        one resume notice (and its mail) per buyer."""
        for _round in range(ROUNDS):
            with self._env() as env:
                hold = env["asq.hold"].create(
                    {
                        "product_id": self.product_id,
                        "lot_ids": [Command.set([self.lot_id])],
                        "reason": "Race test",
                    }
                )
                hold._workflow_write(
                    {
                        "state": "active",
                        "verification_result": "conforming",
                        "verified_user_id": api.SUPERUSER_ID,
                    }
                )
                hold._compute_buyers()
                self.assertEqual(hold.buyer_ids.partner_id.id, self.customer_id)
                hold_id = hold.id
            with self._raced(
                "qm", "asq.hold", hold_id, lambda h: h.action_release()
            ) as hold:
                self.assertEqual(hold.state, "released")
                notices = hold.notice_ids.filtered(lambda n: n.kind == "resume")
                self.assertEqual(len(notices), 1)
                self.assertEqual(len(notices.mail_id), 1)

    def test_every_declared_step_fails_fast_on_a_locked_row(self):
        """Every step a document declares (read from the declarations, so a
        new step is covered without a new row), fired while another
        transaction holds the document's row: refused at once with the
        "being processed by someone else" message, nothing written. A step
        that wrote before locking would wait for the lock and time out."""
        from odoo.addons.after_sales_quality.tests.test_state_table import (
            STATE_MODELS,
            TestStateTable,
            step_arguments,
        )

        table = TestStateTable("test_state_action_table")
        table.copies = 0
        targets = []
        with self._env() as env:
            table.env = env
            for model in STATE_MODELS:
                template = table._template(model)
                for t in env[model]._asq_transitions:
                    if not callable(getattr(env[model], t.method, None)):
                        continue  # (run from another model: a receipt)
                    record = table._in_state(template, t.from_states[0])
                    targets.append((model, record._table, record.id, t))
        checked = []
        for model, sql_table, res_id, t in targets:
            with self._env() as locker:
                locker.cr.execute(
                    f'SELECT id FROM "{sql_table}" WHERE id = %s FOR UPDATE',
                    [res_id],
                )
                with self._env() as env:
                    env.cr.execute("SET LOCAL lock_timeout = '3s'")
                    record = env[model].browse(res_id)
                    label = f"{model}.{t.step} ({t.method})"
                    with (
                        self.subTest(step=label),
                        mute_logger("odoo.sql_db"),
                        self.assertRaisesRegex(
                            UserError, "being processed by someone else", msg=label
                        ),
                    ):
                        getattr(record, t.method)(*step_arguments(record, t.method))
                    env.cr.rollback()
                locker.cr.rollback()
            checked.append(label)
        _logger.info("locked-row refusals: %s declared steps", len(checked))
        self.assertGreater(len(checked), 30)
