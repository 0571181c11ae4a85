"""Query budgets: the lists, forms and counters of the addon cost the same
number of queries for 1, 10 and 100 records.

Each measurement warms the caches once (views, access rules, groups), then
invalidates the record cache and counts the queries of the same call for
1, 10 and 100 records, as the quality manager (``asq_qm``) reading through
the web client's ``web_search_read`` / ``web_read`` / computed counters.
Each measurement is logged at INFO. Measured (queries, same for 1/10/100):
complaint list 7, form 21 (1/10/100 lines), counters 1-2; complaint line
list 1, form 16; return list 6, form 17, line list 9, counters 1-7; CAPA
list 4, form 15, action list 5; hold list 7, form 11; service visit list 5,
form 13; vendor score list 3, rectification list 3; survey campaign list 4,
form 10, target list 4; partner counters 2-4, after-sales tab 12; sale order
and picking "Complaints" 1, hold warning 2; delivered lines 11, return ratio
report 7, complaint report 1, CAPA report 3.
"""

import logging

from lxml import etree

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.after_sales_quality.models.asq_workflow_mixin import asq_step
from odoo.addons.after_sales_quality.tests.complaint_common import (
    AsqComplaintCommon,
)

_logger = logging.getLogger(__name__)

SIZES = (1, 10, 100)


@tagged("post_install", "-at_install", "asq_perf")
class TestAsqQueryBudget(AsqComplaintCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        n = max(SIZES)
        cls.qm = cls.users["asq_qm"]
        cls.partners = env["res.partner"].create(
            [
                {"name": f"Perf Customer {i}", "is_company": True, "email": "p@e.com"}
                for i in range(n)
            ]
        )
        # One delivery, its delivered line reused by every complaint line.
        line = cls.delivered_product
        cls.complaints = env["asq.complaint"].create(
            [
                {
                    "partner_id": cls.customer.id,
                    "category": "quality",
                    "description": f"Perf complaint {i}",
                    "line_ids": [
                        Command.create({"delivered_line_id": line.id, "quantity": 1})
                    ],
                }
                for i in range(n)
            ]
        )
        # Complaints of 1, 10 and 100 lines, for the form.
        cls.complaint_by_lines = {
            size: env["asq.complaint"].create(
                {
                    "partner_id": cls.customer.id,
                    # (100 lines share the 10 delivered: 0.05 each)
                    "line_ids": [
                        Command.create({"delivered_line_id": line.id, "quantity": 0.05})
                        for _i in range(size)
                    ],
                }
            )
            for size in SIZES
        }
        cls.returns = env["asq.return"].create(
            [
                {
                    "partner_id": cls.customer.id,
                    "line_ids": [
                        Command.create(
                            {
                                "delivered_line_id": line.id,
                                "quantity": 1,
                                "reason": "Broken",
                            }
                        )
                    ],
                }
                for _i in range(n)
            ]
        )
        cls.return_by_lines = {
            size: env["asq.return"].create(
                {
                    "partner_id": cls.customer.id,
                    "line_ids": [
                        Command.create(
                            {
                                "delivered_line_id": line.id,
                                "quantity": 0.05,
                                "reason": "Broken",
                            }
                        )
                        for _i in range(size)
                    ],
                }
            )
            for size in SIZES
        }
        cls.capas = env["asq.capa"].create(
            [
                {
                    "problem": f"Perf CAPA {i}",
                    "partner_ids": [Command.link(cls.customer.id)],
                    "complaint_ids": [Command.link(cls.complaints[i].id)],
                    "action_ids": [
                        Command.create({"name": "Recalibrate", "user_id": cls.qm.id})
                    ],
                }
                for i in range(n)
            ]
        )
        cls.capa_by_actions = {
            size: env["asq.capa"].create(
                {
                    "problem": f"Perf CAPA of {size}",
                    "complaint_ids": [Command.set(cls.complaints[:size].ids)],
                    "action_ids": [
                        Command.create({"name": f"Action {i}", "user_id": cls.qm.id})
                        for i in range(size)
                    ],
                }
            )
            for size in SIZES
        }
        cls.lots = env["stock.lot"].create(
            [{"name": f"PERF-LOT-{i}", "product_id": cls.product.id} for i in range(n)]
        )
        cls.holds = env["asq.hold"].create(
            [
                {
                    "product_id": cls.product.id,
                    "reason": "Suspect sensor",
                    "lot_ids": [Command.link(cls.lots[i].id)],
                }
                for i in range(n)
            ]
        )
        cls.hold_by_lots = {
            size: env["asq.hold"].create(
                {
                    "product_id": cls.product.id,
                    "reason": "Suspect sensor",
                    "lot_ids": [Command.set(cls.lots[:size].ids)],
                }
            )
            for size in SIZES
        }
        cls.visits = env["asq.service.visit"].create(
            [{"partner_id": cls.customer.id} for _i in range(n)]
        )
        cls.visit_by_parts = {
            size: env["asq.service.visit"].create(
                {
                    "partner_id": cls.customer.id,
                    "part_ids": [
                        Command.create({"product_id": cls.product_b.id})
                        for _i in range(size)
                    ],
                }
            )
            for size in SIZES
        }
        cls.scores = env["asq.vendor.score"].create(
            [{"vendor_id": partner.id} for partner in cls.partners]
        )
        cls.rectifications = env["asq.vendor.rectification"].create(
            [
                {
                    "vendor_id": partner.id,
                    "findings": "Late spare parts",
                    "deadline": fields.Date.today(),
                }
                for partner in cls.partners
            ]
        )
        cls.campaigns = env["asq.survey.campaign"].create(
            [{"name": f"Perf Campaign {i}"} for i in range(n)]
        )
        cls.campaign_by_targets = {
            size: env["asq.survey.campaign"]
            .with_context(**asq_step("asq_survey_workflow"))
            .create(
                {
                    "name": f"Perf Campaign of {size}",
                    "target_ids": [
                        Command.create(
                            {"partner_id": partner.id, "customer_class": "a"}
                        )
                        for partner in cls.partners[:size]
                    ],
                }
            )
            for size in SIZES
        }
        cls.targets = cls.campaign_by_targets[n].target_ids
        env.flush_all()

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _count(self, call):
        """Queries of ``call()`` with warm registry caches and a cold record
        cache."""
        self.env.invalidate_all()
        call()
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        call()
        return self.env.cr.sql_log_count - start

    def _assert_flat(self, label, call_for_size, sizes=SIZES):
        """``call_for_size(n)`` costs as many queries for every n in ``sizes``."""
        counts = {size: self._count(lambda s=size: call_for_size(s)) for size in sizes}
        _logger.info("%s: queries %s", label, counts)
        self.assertEqual(
            len(set(counts.values())),
            1,
            f"{label}: queries grow with the number of records: {counts}",
        )
        return counts[SIZES[0]]

    def _spec(self, model, node):
        """The ``web_read`` specification the web client builds from the
        field nodes under ``node`` (sub-views of x2many fields included)."""
        spec = {}
        for child in node:
            if not isinstance(child.tag, str):
                continue
            if child.tag != "field":
                spec.update(self._spec(model, child))
                continue
            field = model._fields[child.get("name")]
            sub = {}
            if field.type == "many2one":
                sub = {"fields": {"display_name": {}}}
            elif field.type in ("one2many", "many2many"):
                comodel = self.env[field.comodel_name]
                inner = {}
                for view in child:
                    if isinstance(view.tag, str) and view.tag in ("list", "kanban"):
                        inner.update(self._spec(comodel, view))
                sub = {"fields": inner or {"display_name": {}}}
            spec.setdefault(field.name, sub)
        return spec

    def _view_spec(self, model, view_type):
        arch = model.get_views([(False, view_type)])["views"][view_type]["arch"]
        return self._spec(model, etree.fromstring(arch))

    def _assert_list_flat(self, records, login="asq_qm", sizes=SIZES):
        model = records.with_user(self.users[login])
        spec = self._view_spec(model, "list")
        self.assertTrue(spec)

        def load(size):
            result = model.web_search_read(
                [("id", "in", records[:size].ids)], spec, limit=80 * 2
            )
            self.assertEqual(result["length"], size)

        return self._assert_flat(f"{records._name} list", load, sizes)

    def _assert_form_flat(self, by_size, login="asq_qm", fnames=None):
        model = next(iter(by_size.values())).with_user(self.users[login])
        spec = self._view_spec(model, "form")
        if fnames:
            spec = {name: spec.get(name, {}) for name in fnames}

        def read(size):
            model.browse(by_size[size].id).web_read(spec)

        return self._assert_flat(f"{model._name} form", read)

    def _assert_counters_flat(self, records, fnames, login="asq_qm"):
        records = records.with_user(self.users[login])
        for fname in fnames:
            self._assert_flat(
                f"{records._name}.{fname}",
                lambda size, f=fname: records[:size].mapped(f),
            )

    # ------------------------------------------------------------------
    # Documents: their lists and forms
    # ------------------------------------------------------------------
    def _documents(self):
        """The 100 records of each document and line model."""
        return [
            self.complaints,
            self.complaints.line_ids,
            self.returns,
            self.returns.line_ids,
            self.capas,
            self.capas.action_ids,
            self.holds,
            self.visits,
            self.scores,
            self.rectifications,
            self.campaigns,
            self.targets,
        ]

    def test_document_lists(self):
        for records in self._documents():
            with self.subTest(model=records._name):
                self._assert_list_flat(records)

    def test_document_forms(self):
        lines = self.complaints.line_ids
        for by_size in (
            self.complaint_by_lines,
            {size: lines[size - 1] for size in SIZES},
            self.return_by_lines,
            self.capa_by_actions,
            self.hold_by_lots,
            self.visit_by_parts,
            self.campaign_by_targets,
        ):
            with self.subTest(model=by_size[SIZES[0]]._name):
                self._assert_form_flat(by_size)

    def test_complaint_counters(self):
        self._assert_counters_flat(
            self.complaints,
            ["capa_count", "return_count", "hold_count", "is_overdue", "can_reply"],
        )

    # ------------------------------------------------------------------
    # Customers, orders, deliveries
    # ------------------------------------------------------------------
    def test_partner_counters(self):
        partners = self.partners
        self.env["asq.complaint"].create(
            [{"partner_id": partner.id} for partner in partners]
        )
        self._assert_counters_flat(
            partners,
            [
                "asq_complaint_count",
                "asq_return_count",
                "asq_capa_count",
                "asq_service_visit_count",
                "asq_survey_target_count",
                "asq_delivered_line_count",
                "asq_period_return_ratio",
                "asq_effective_return_days",
                "asq_can_edit_contract_terms",
            ],
        )

    def test_sale_order_and_picking_counters(self):
        orders = self.env["sale.order"].create(
            [
                {"partner_id": partner.id, "user_id": self.users["asq_sales"].id}
                for partner in self.partners
            ]
        )
        self._assert_counters_flat(
            orders, ["asq_complaint_count", "asq_hold_warning"], login="asq_sales"
        )
        pickings = self.env["stock.picking"].create(
            [
                {
                    "partner_id": partner.id,
                    "picking_type_id": self.warehouse.out_type_id.id,
                }
                for partner in self.partners
            ]
        )
        self._assert_counters_flat(pickings, ["asq_complaint_count"])

    def test_all_computed_fields(self):
        """Every non-stored computed field the addon adds, on every model."""
        self.env["asq.complaint"].create(
            [{"partner_id": partner.id} for partner in self.partners]
        )
        for records in [*self._documents(), self.partners]:
            fnames = [
                name
                for name, field in records._fields.items()
                if field.compute
                and not field.store
                and field._module == "after_sales_quality"
                and not field.related
            ]
            self.assertTrue(fnames, records._name)
            self._assert_counters_flat(records, fnames)

    def test_partner_after_sales_tab(self):
        """The customer form's after-sales figures, for 1, 10, 100 complaints."""
        by_size = {}
        for size, partner in zip(SIZES, self.partners, strict=False):
            self.env["asq.complaint"].create(
                [{"partner_id": partner.id} for _i in range(size)]
            )
            by_size[size] = partner
        model = self.partners.with_user(self.qm)
        fnames = [
            name
            for name, field in model._fields.items()
            if field._module == "after_sales_quality" and name.startswith("asq_")
        ]
        spec = self._view_spec(model, "form")
        self.assertIn("asq_complaint_count", spec)
        self._assert_form_flat(by_size, fnames=[f for f in fnames if f in spec])

    # ------------------------------------------------------------------
    # Reports and dashboard
    # ------------------------------------------------------------------
    def test_report_lists(self):
        for model in (
            "asq.delivered.line",
            "asq.return.ratio.report",
            "asq.complaint.report",
            "asq.capa.report",
        ):
            records = self.env[model].search([], limit=100)
            # The demo history has fewer return ratio rows than 100.
            sizes = (1, 10, len(records))
            self.assertGreater(len(records), 10, model)
            self._assert_list_flat(records, sizes=sizes)

    def test_dashboard(self):
        dashboard = self.env["asq.dashboard"].with_user(self.qm)
        before = self._count(dashboard.retrieve_dashboard)
        self.env["asq.complaint"].create(
            [{"partner_id": partner.id} for partner in self.partners]
        )
        self.assertEqual(self._count(dashboard.retrieve_dashboard), before)


@tagged("post_install", "-at_install", "asq_perf")
class TestComplaintBatchCreation(AsqComplaintCommon):
    def test_batch_skips_the_created_note_a_single_complaint_keeps_it(self):
        # the tests' environment disables chatter notes: restore a user's
        quiet = (
            "mail_create_nolog",
            "mail_create_nosubscribe",
            "tracking_disable",
            "mail_notrack",
        )
        env = self.env(
            user=self.users["asq_sales"],
            context={k: v for k, v in self.env.context.items() if k not in quiet},
        )
        Message = self.env["mail.message"]

        def notes(complaints):
            return Message.search_count(
                [
                    ("model", "=", "asq.complaint"),
                    ("res_id", "in", complaints.ids),
                    ("message_type", "=", "notification"),
                ]
            )

        single = env["asq.complaint"].create(
            {
                "partner_id": self.customer.id,
                "channel": "email",
                "category": "quality",
                "description": "One",
            }
        )
        self.assertEqual(notes(single), 1)
        values = {
            "partner_id": self.customer.id,
            "channel": "email",
            "category": "quality",
            "description": "Batch",
            "line_ids": [
                Command.create(
                    {"delivered_line_id": self.delivered_product.id, "quantity": 1}
                )
            ],
        }
        batch = env["asq.complaint"].create([dict(values) for _index in range(20)])
        self.assertEqual(len(batch), 20)
        self.assertEqual(notes(batch), 0)
        # Creator and owner follow each of them, as one complaint would have.
        sales = self.users["asq_sales"]
        for complaint in batch:
            self.assertEqual(complaint.sudo().message_partner_ids, sales.partner_id)
        section = self.users["asq_aftersales"]
        assigned = env(user=section)["asq.complaint"].create(
            [
                dict(values, user_id=sales.id if index % 2 else section.id)
                for index in range(4)
            ]
        )
        for complaint in assigned:
            self.assertEqual(
                complaint.sudo().message_partner_ids,
                section.partner_id | complaint.user_id.partner_id,
            )
        self.assertEqual(assigned.user_id, sales | section)
        self.assertEqual(set(batch.mapped("create_uid")), {self.users["asq_sales"]})
        self.assertEqual(len(set(batch.mapped("name"))), 20)
        # registering stamps who and when on each of them
        batch.action_submit()
        self.assertEqual(set(batch.mapped("state")), {"review"})
        self.assertEqual(
            set(batch.mapped("submitted_user_id")), {self.users["asq_sales"]}
        )
        self.assertTrue(all(batch.mapped("submitted_date")))
