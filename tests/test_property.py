"""Seeded random property test: whatever the order of splits, partial
receipts, cancellations, reopenings and direct returns, no delivered move is
ever returned beyond what was delivered and open requests never ask for more
than is still at the customer."""

import logging
import os
import random
import time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.after_sales_quality.models.asq_delivered_line import (
    asq_delivered_move_lines,
    asq_received_by_receipt,
    asq_returned_move_lines,
)
from odoo.addons.after_sales_quality.tests.common import (
    ASQ,
    GATE_EXCEPTION,
    AsqCommon,
)

_logger = logging.getLogger(__name__)

# ASQ_PROPERTY_SEQUENCES shortens a debugging run; the suite runs 1,000.
SEQUENCES = int(os.environ.get("ASQ_PROPERTY_SEQUENCES") or 1000)
BATCH = 20


def returned_beyond_delivered(moves):
    """The delivered ``moves`` (a tuple of ids) returned beyond what was
    delivered: (move, delivered, returned), from the one definition of each
    (models/asq_delivered_line.py)."""
    return SQL(
        """
        WITH delivered AS (
            SELECT move_id, SUM(quantity) AS qty FROM (%s) d GROUP BY move_id
        ), returned AS (
            SELECT move_id, SUM(quantity) AS qty FROM (%s) r GROUP BY move_id
        )
        SELECT r.move_id, COALESCE(d.qty, 0), r.qty
          FROM returned r LEFT JOIN delivered d ON d.move_id = r.move_id
         WHERE r.qty > COALESCE(d.qty, 0) + 0.0001
        """,
        asq_delivered_move_lines(SQL("AND sml.move_id IN %s", moves)),
        asq_returned_move_lines(SQL("AND rm.origin_returned_move_id IN %s", moves)),
    )


def open_pending(moves):
    """Open requests ask, per request and delivered line, for a quantity;
    what their own receipts brought back of that move and lot is no longer
    pending: (delivered line, pending)."""
    return SQL(
        """
        WITH asked AS (
            SELECT rl.return_id, rl.delivered_line_id, rl.move_id, rl.lot_id,
                   SUM(rl.quantity) AS qty
              FROM asq_return_line rl
              JOIN asq_return r ON r.id = rl.return_id
             WHERE r.state IN ('submitted', 'finance', 'business', 'gm', 'approved')
               AND rl.move_id IN %s
          GROUP BY rl.return_id, rl.delivered_line_id, rl.move_id, rl.lot_id
        )
        SELECT a.delivered_line_id,
               SUM(GREATEST(a.qty - COALESCE(b.qty, 0), 0))
          FROM asked a
     LEFT JOIN (%s) b
            ON b.return_id = a.return_id AND b.move_id = a.move_id
           AND b.lot_id IS NOT DISTINCT FROM a.lot_id
      GROUP BY a.delivered_line_id
        """,
        moves,
        asq_received_by_receipt(SQL("AND rm.origin_returned_move_id IN %s", moves)),
    )


class _Rollback(Exception):
    """Ends a batch: its savepoint is rolled back."""


@tagged("post_install", "-at_install", "asq_security")
class TestReturnProperty(AsqCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sales = cls.users["asq_sales"]
        cls.warehouse_user = cls.users["asq_warehouse"]
        # Direct returns without a request: the gate's logged exception.
        cls.gate_user = new_test_user(
            cls.env,
            login="asq_prop_gate",
            groups=f"{ASQ}group_asq_warehouse,{GATE_EXCEPTION}",
        )
        cls.qm = cls.users["asq_qm"]
        cls.signers = {
            "submitted": cls.users["asq_aftersales"],
            "finance": cls.users["asq_finance"],
            "business": cls.users["asq_business"],
            "gm": cls.users["asq_gm"],
        }
        cls.deliveries = cls.env["stock.picking"]
        for index in range(2):
            cls.deliveries |= cls._deliver(
                cls.customer,
                [
                    (cls.product, 12, 100.0, f"L-PROP-{index}-A"),
                    (cls.product_b, 8, 10.0, f"L-PROP-{index}-B"),
                ],
                date=cls._months_ago(1),
            )
        cls.moves = cls.deliveries.move_ids

    # ------------------------------------------------------------------
    # The invariant
    # ------------------------------------------------------------------
    def _check_invariant(self, trace):
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(returned_beyond_delivered(tuple(self.moves.ids)))
        rows = cr.fetchall()
        self.assertFalse(
            rows,
            f"returned > delivered (move, delivered, returned) {rows} after {trace}",
        )
        # What the asq.delivered.line report shows, read straight from its
        # query for these moves only.
        cr.execute(
            SQL(
                "SELECT id, remaining_qty FROM (%s) v WHERE v.move_id IN %s",
                self.env["asq.delivered.line"]._table_query,
                tuple(self.moves.ids),
            )
        )
        remaining = dict(cr.fetchall())
        negative = {key: qty for key, qty in remaining.items() if qty < -0.0001}
        self.assertFalse(negative, f"remaining < 0 {negative} after {trace}")
        cr.execute(open_pending(tuple(self.moves.ids)))
        beyond = [
            (line_id, pending, remaining.get(line_id, 0.0))
            for line_id, pending in cr.fetchall()
            if pending > remaining.get(line_id, 0.0) + 0.0001
        ]
        self.assertFalse(
            beyond,
            f"open requests ask beyond what remains (line, pending, remaining) "
            f"{beyond} after {trace}",
        )

    # ------------------------------------------------------------------
    # Operations
    # ------------------------------------------------------------------
    def _delivered_lines(self):
        return self.env["asq.delivered.line"].search(
            [("move_id", "in", self.moves.ids)]
        )

    def _requests(self, states=None):
        domain = [("line_ids.move_id", "in", self.moves.ids)]
        if states:
            domain.append(("state", "in", states))
        return self.env["asq.return"].search(domain)

    def _pick(self, rng, states):
        """A request in ``states`` drawn by ``rng``; None when there is none."""
        rets = self._requests(states)
        return rng.choice(list(rets)) if rets else None

    def _receipts(self):
        return self.env["stock.picking"].search(
            [
                ("move_ids.origin_returned_move_id", "in", self.moves.ids),
                ("state", "not in", ("done", "cancel")),
            ]
        )

    def op_create(self, rng):
        lines = self._delivered_lines()
        chosen = rng.sample(list(lines), rng.randint(1, min(2, len(lines))))
        vals = [
            Command.create(
                {
                    "delivered_line_id": line.id,
                    "quantity": rng.randint(1, int(line.remaining_qty) + 3),
                    "kind": rng.choice(("unsaleable", "quality")),
                    "resolution": "exchange",
                    "reason": "Property test",
                }
            )
            for line in chosen
        ]
        ret = (
            self.env["asq.return"]
            .with_user(self.sales)
            .create({"partner_id": self.customer.id, "line_ids": vals})
        )
        if rng.random() < 0.6:
            ret.action_submit()
        return f"create {ret.name}"

    def op_split(self, rng):
        ret = self._pick(rng, ["draft"])
        if not ret:
            return None
        ret = ret.with_user(self.sales)
        line = rng.choice(list(ret.line_ids))
        part = rng.randint(1, max(1, int(line.quantity)))
        ret.write(
            {
                "line_ids": [
                    Command.update(line.id, {"quantity": line.quantity - part}),
                    Command.create(
                        {
                            "delivered_line_id": line.delivered_line_id.id,
                            "quantity": part + rng.choice((0, 0, 1)),
                            "kind": line.kind,
                            "resolution": line.resolution,
                            "reason": "Split",
                        }
                    ),
                ]
            }
        )
        return f"split {ret.name}"

    def op_submit(self, rng):
        ret = self._pick(rng, ["draft"])
        if not ret:
            return None
        ret.with_user(self.sales).action_submit()
        return f"submit {ret.name}"

    def op_sign(self, rng):
        ret = self._pick(rng, list(self.signers))
        if not ret:
            return None
        step = ret.state
        ret.with_user(self.signers[step]).action_sign("Special case OK")
        return f"sign {step} {ret.name}"

    def op_approve_all(self, rng):
        ret = self._pick(rng, list(self.signers))
        if not ret:
            return None
        while ret.state in self.signers:
            ret.with_user(self.signers[ret.state]).action_sign("Special case OK")
        return f"approve {ret.name}"

    def op_create_receipt(self, rng):
        ret = self._pick(rng, ["approved"])
        if not ret:
            return None
        ret.with_user(self.warehouse_user).action_create_receipt()
        return f"receipt {ret.name}"

    def op_receive(self, rng):
        receipts = self._receipts()
        if not receipts:
            return None
        receipt = rng.choice(list(receipts)).with_user(self.warehouse_user)
        if receipt.state == "draft":
            receipt.action_confirm()
        for move in receipt.move_ids:
            wanted = move.product_uom_qty
            qty = rng.choice((wanted, max(wanted - 1, 0), wanted + 1, 1))
            if move.move_line_ids:
                move.move_line_ids[1:].unlink()
                move.move_line_ids.quantity = qty
            move.picked = True
        backorder = rng.random() < 0.5
        ctx = {"skip_backorder": True}
        if not backorder:
            ctx["picking_ids_not_to_backorder"] = receipt.ids
        receipt.with_context(**ctx).button_validate()
        return f"validate {receipt.name} backorder={backorder}"

    def op_cancel(self, rng):
        receipts = self._receipts()
        if not receipts:
            return None
        receipt = rng.choice(list(receipts))
        receipt.with_user(self.warehouse_user).action_cancel()
        return f"cancel {receipt.name}"

    def op_reopen(self, rng):
        ret = self._pick(
            rng, ["submitted", "finance", "business", "gm", "approved", "refused"]
        )
        if not ret:
            return None
        self.env["asq.return.sign"].with_user(self.qm).create(
            {"return_id": ret.id, "reopen": True, "comment": "Wrong quantity"}
        ).action_confirm()
        return f"reopen {ret.name}"

    def op_direct_return(self, rng):
        delivery = rng.choice(list(self.deliveries)).with_user(self.gate_user)
        wizard = (
            self.env["stock.return.picking"]
            .with_user(self.gate_user)
            .with_context(active_id=delivery.id, active_model="stock.picking")
            .create({})
        )
        line = rng.choice(list(wizard.product_return_moves))
        line.quantity = rng.randint(1, 6)
        action = wizard.action_create_returns()
        picking = self.env["stock.picking"].browse(action["res_id"])
        picking.move_ids.picked = True
        picking.with_user(self.gate_user).button_validate()
        return f"direct return {line.quantity} of {delivery.name}"

    # ------------------------------------------------------------------
    # The property
    # ------------------------------------------------------------------
    def test_returned_never_exceeds_delivered(self):
        seed = int(os.environ.get("ASQ_PROPERTY_SEED") or random.randrange(10**9))
        print(f"ASQ_PROPERTY_SEED={seed}")  # pylint: disable=print-used
        _logger.info("Return property test seed: ASQ_PROPERTY_SEED=%s", seed)
        rng = random.Random(seed)
        ops = [
            (self.op_create, 4),
            (self.op_split, 2),
            (self.op_submit, 2),
            (self.op_sign, 3),
            (self.op_approve_all, 2),
            (self.op_create_receipt, 3),
            (self.op_receive, 3),
            (self.op_cancel, 1),
            (self.op_reopen, 1),
            (self.op_direct_return, 1),
        ]
        functions = [op for op, _weight in ops]
        weights = [weight for _op, weight in ops]
        stats = {"sequences": 0, "ops": 0, "refused": 0, "skipped": 0}
        start = time.time()
        for _batch in range(SEQUENCES // BATCH):
            try:
                with self.env.cr.savepoint():
                    for _sequence in range(BATCH):
                        trace = []
                        for _step in range(rng.randint(3, 6)):
                            op = rng.choices(functions, weights)[0]
                            try:
                                with self.env.cr.savepoint():
                                    done = op(rng)
                            except AccessError as error:
                                self.fail(
                                    f"seed {seed}: {op.__name__} refused to the "
                                    f"right role: {error} after {trace}"
                                )
                            except (UserError, ValidationError) as error:
                                stats["refused"] += 1
                                self.env.invalidate_all()
                                trace.append(f"{op.__name__} refused: {error}")
                            else:
                                if done is None:
                                    stats["skipped"] += 1
                                    continue
                                stats["ops"] += 1
                                trace.append(done)
                            self._check_invariant(f"seed {seed}: {trace}")
                        stats["sequences"] += 1
                    raise _Rollback()
            except _Rollback:
                self.env.invalidate_all()
        _logger.info(
            "Return property (seed %s): %s in %.0f s", seed, stats, time.time() - start
        )
        print(f"Return property: {stats} in {time.time() - start:.0f} s")  # pylint: disable=print-used
        self.assertEqual(stats["sequences"], SEQUENCES)
        # The generator reaches every kind of outcome.
        self.assertGreater(stats["ops"], stats["sequences"])
        self.assertGreater(stats["refused"], 0)
