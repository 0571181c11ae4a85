import random

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

DEMO_CUSTOMERS = (
    "kangtai",
    "huaxin",
    "ruibang",
    "jinlong",
    "beifang",
    "xinda",
    "anjie",
    "mingde",
    "yongsheng",
    "hengtong",
    "lianhe",
    "dongfang",
    "pacific",
    "nordic",
    "zhongshan",
)
DEMO_PRODUCTS = (
    "glucometer",
    "strips",
    "infusion_pump",
    "oximeter",
    "brake_pad",
    "sensor",
)
# Orders per customer class over the 18 months of history.
ORDERS_PER_CLASS = {"a": 6, "b": 4, "c": 2}


class AsqDemo(models.AbstractModel):
    """Builds the demo company's sales history (demo data only)."""

    _name = "asq.demo"
    _description = "After-Sales Quality Demo Loader"

    @api.model
    def _load_demo_sales(self):
        """Confirmed sale orders with done, lot-tracked deliveries spread over
        the last 18 months, and a few customer returns, so that every feature
        has history to work on."""
        rng = random.Random(18)
        env = self.env
        env.ref("base.group_user").implied_ids |= env.ref("stock.group_production_lot")
        customers = [
            env.ref(f"after_sales_quality.asq_demo_customer_{xid}")
            for xid in DEMO_CUSTOMERS
        ]
        products = [
            env.ref(f"after_sales_quality.asq_demo_product_{xid}")
            for xid in DEMO_PRODUCTS
        ]
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", env.company.id)], limit=1
        )
        now = fields.Datetime.now()
        pickings = env["stock.picking"]
        for customer in customers:
            count = ORDERS_PER_CLASS[customer.asq_customer_class]
            for _index in range(count):
                date = now - relativedelta(
                    days=rng.randint(3, 540), hours=rng.randint(0, 8)
                )
                lines = rng.sample(products, rng.randint(1, 3))
                pickings |= self._demo_sell(customer, lines, date, warehouse, rng)
        self._demo_returns(pickings.sorted("date_done")[:40:8])
        complaints = self._demo_complaints()
        self._demo_capa(complaints)
        self._demo_complaint_history(complaints["department"], rng)
        return True

    @api.model
    def _demo_complaint_history(self, department, rng):
        """A year and a half of closed complaints, so that the statistics
        (complaint rate, timeliness, loss, handling time) have a history:
        each is walked through the real workflow, then its step times are
        moved back to when it was received (some answers come late)."""
        env = self.env
        Complaint = env["asq.complaint"]
        now = fields.Datetime.now()
        delivered = env["asq.delivered.line"].search(
            [("date", "<", now - relativedelta(days=40))]
        )
        categories = ["quality"] * 5 + [
            "late",
            "not_as_ordered",
            "packaging",
            "transport",
            "tolerance",
            "documentation",
        ]
        bearers = {
            "internal": "company",
            "supplier": "supplier",
            "carrier": "carrier",
            "customer": "customer",
        }
        liable = {
            "supplier": env["res.partner"].create(
                {"name": "Suzhou Jingrui Plating Co., Ltd.", "is_company": True}
            ),
            "carrier": env["res.partner"].create(
                {"name": "Huayun Express Logistics Co., Ltd.", "is_company": True}
            ),
        }
        history = Complaint
        for line in rng.sample(list(delivered), min(16, len(delivered))):
            received = line.date + relativedelta(days=rng.randint(5, 30))
            responsibility = rng.choice(
                ["internal"] * 4 + ["supplier", "supplier", "carrier", "customer"]
            )
            complaint = Complaint.create(
                {
                    "partner_id": line.partner_id.id,
                    "channel": rng.choice(["phone", "email", "fax", "letter"]),
                    "category": rng.choice(categories),
                    "severity": "major" if rng.random() < 0.15 else "minor",
                    "received_date": received,
                    "description": f"{line.product_id.name}: nonconformity "
                    f"found at the customer's incoming inspection.",
                    "customer_request": rng.choice(
                        ["exchange", "return", "explanation"]
                    ),
                    "line_ids": [
                        fields.Command.create(
                            {
                                "delivered_line_id": line.id,
                                "quantity": min(
                                    float(rng.randint(1, 5)), line.remaining_qty or 1.0
                                ),
                            }
                        )
                    ],
                }
            )
            complaint.action_submit()
            complaint.action_judge_valid()
            complaint.write(
                {
                    "responsibility": responsibility,
                    "responsible_department_id": department.id
                    if responsibility == "internal"
                    else False,
                    "responsible_partner_id": liable.get(
                        responsibility, env["res.partner"]
                    ).id,
                    "root_cause": "Found at the investigation.",
                    "disposition": rng.choice(["exchange", "return", "discount"]),
                    "loss_freight": rng.choice([0, 80, 150, 300]),
                    "loss_replacement": rng.choice([0, 200, 500, 1200]),
                    "loss_bearer": bearers[responsibility],
                }
            )
            complaint.action_record_findings()
            complaint.action_decide()
            complaint._asq_send_reply()
            complaint.action_customer_satisfied()
            if complaint.is_repeat and not complaint.capa_ids:
                complaint.action_propose_capa()
            complaint.action_close()
            history |= complaint
        # Move each complaint's steps back to after its receipt: answers take
        # 2 to 120 hours, so that some miss the 3 working days.
        for complaint in history:
            hours = rng.choice([2, 6, 20, 30, 50, 70, 120])
            env.cr.execute(
                """UPDATE asq_complaint
                      SET submitted_date = received_date + interval '1 hour',
                          judged_date = received_date + interval '2 hours',
                          investigated_date = received_date + %(h)s * interval '1 hour',
                          decided_date = received_date + %(h)s * interval '1 hour',
                          replied_date = received_date
                                         + (%(h)s + 4) * interval '1 hour',
                          confirmed_date = received_date
                                           + (%(h)s + 48) * interval '1 hour',
                          closed_date = received_date + (%(h)s + 72) * interval '1 hour'
                    WHERE id = %(id)s""",
                {"h": hours, "id": complaint.id},
            )
        history.invalidate_recordset()
        for fname in (
            "disposition_deadline",
            "onsite_deadline",
            "answer_deadline",
            "next_deadline",
            "disposition_on_time",
            "onsite_on_time",
            "answer_on_time",
        ):
            env.add_to_compute(Complaint._fields[fname], history)
        history.flush_recordset()

    @api.model
    def _demo_complaints(self):
        """Complaints in every stage, a repeat complaint and a feedback item;
        returns them by key for the CAPA demo."""
        env = self.env
        now = fields.Datetime.now()
        department = env["hr.department"].create(
            {"name": "Production", "company_id": env.company.id}
        )
        Complaint = env["asq.complaint"]

        def register(customer_xid, product_xid, days_ago, **vals):
            customer = env.ref(f"after_sales_quality.asq_demo_customer_{customer_xid}")
            product = env.ref(f"after_sales_quality.asq_demo_product_{product_xid}")
            Delivered = env["asq.delivered.line"]
            delivered = Delivered.search(
                [("partner_id", "=", customer.id), ("product_id", "=", product.id)],
                limit=1,
            ) or Delivered.search([("partner_id", "=", customer.id)], limit=1)
            values = {
                "partner_id": customer.id,
                "channel": "phone",
                "category": "quality",
                "received_date": now - relativedelta(days=days_ago),
                "line_ids": [
                    fields.Command.create(
                        {
                            "delivered_line_id": delivered.id,
                            "quantity": min(2.0, delivered.remaining_qty or 1.0),
                        }
                    )
                ]
                if delivered
                else [],
                **vals,
            }
            complaint = Complaint.create(values)
            complaint.action_submit()
            return complaint

        def investigate(complaint, disposition, **vals):
            complaint.action_judge_valid()
            complaint.write(
                {
                    "responsibility": "internal",
                    "responsible_department_id": department.id,
                    "disposition": disposition,
                    **vals,
                }
            )
            complaint.action_record_findings()

        closed = register(
            "kangtai",
            "glucometer",
            40,
            description="Meters show error E-3 after two weeks of use.",
            customer_request="exchange",
            sample_returned=True,
        )
        investigate(
            closed,
            "exchange",
            root_cause="Battery contact plating too thin.",
            disposition_note="Exchange the affected meters.",
        )
        closed.action_decide()
        closed._asq_send_reply()
        closed.action_customer_satisfied()
        closed.action_close()

        major = register(
            "ruibang",
            "brake_pad",
            3,
            description="Brake pads squeal on the customer's test bench; "
            "their line is stopped.",
            severity="major",
            customer_request="onsite",
        )
        major.action_judge_valid()

        register(
            "jinlong",
            "strips",
            6,
            description="Strips read 10 % high against the lab analyser.",
            customer_request="explanation",
        )
        repeat = register(
            "kangtai",
            "glucometer",
            5,
            description="E-3 errors again on meters of a newer lot.",
            customer_request="return",
        )
        feedback = Complaint.create(
            {
                "partner_id": env.ref(
                    "after_sales_quality.asq_demo_customer_beifang"
                ).id,
                "feedback_type": "suggestion",
                "channel": "email",
                "description": "Please print the lot number on the outer carton.",
            }
        )
        return {
            "closed": closed,
            "major": major,
            "repeat": repeat,
            "feedback": feedback,
            "department": department,
        }

    @api.model
    def _demo_capa(self, complaints):
        """Three CAPA: one closed after a second action round, one with an
        overdue action, and the one the repeat complaint proposed."""
        env = self.env
        today = fields.Date.context_today(self)
        kangtai = env.ref("after_sales_quality.asq_demo_customer_kangtai")
        ruibang = env.ref("after_sales_quality.asq_demo_customer_ruibang")
        meter = env.ref("after_sales_quality.asq_demo_product_glucometer")
        pads = env.ref("after_sales_quality.asq_demo_product_brake_pad")
        inspector = env.ref("after_sales_quality.asq_demo_user_inspector")
        manager = env.ref("after_sales_quality.asq_demo_user_quality_manager")
        department = complaints["department"]
        Capa = env["asq.capa"]
        closed = Capa.create(
            {
                "source": "complaint",
                "origin": complaints["closed"].name,
                "complaint_ids": [fields.Command.set(complaints["closed"].ids)],
                "problem": "Blood glucose meters show error E-3 after two weeks.",
                "partner_ids": [fields.Command.set(kangtai.ids)],
                "product_ids": [fields.Command.set(meter.ids)],
                "containment": "Stock of the suspect lots blocked, customer "
                "supplied with meters from another lot.",
                "why_1": "Battery contact oxidised",
                "why_2": "Contact plating too thin",
                "why_3": "Supplier changed its plating bath",
                "cause_category": "material",
                "root_cause": "Plating thickness not controlled at incoming "
                "inspection.",
                "user_id": inspector.id,
                "verification_date": today,
                "date_open": today - relativedelta(months=4),
            }
        )
        closed.action_start_analysis()
        self._demo_capa_action(
            closed, "Add plating thickness to incoming inspection", inspector
        )
        closed.action_plan()
        closed.action_ids.evidence = "Inspection instruction QI-17 rev. B"
        closed.action_ids.action_done()
        closed.action_request_verification()
        closed.verification_note = "Two more E-3 returns in the following month."
        closed.action_verify_not_effective()
        self._demo_capa_action(
            closed, "Supplier audit and plating specification", manager, "preventive"
        )
        closed.action_ids.filtered(
            lambda a: a.state == "open"
        ).evidence = "Audit report SA-2026-03, specification signed by the supplier"
        closed.action_ids.filtered(lambda a: a.state == "open").action_done()
        closed.action_request_verification()
        closed.verification_note = "No E-3 return for three months."
        closed.action_verify_effective()

        running = Capa.create(
            {
                "source": "return_qc",
                "origin": complaints["major"].name,
                "complaint_ids": [fields.Command.set(complaints["major"].ids)],
                "problem": "Brake pads squeal at low speed on the customer's "
                "test bench.",
                "partner_ids": [fields.Command.set(ruibang.ids)],
                "product_ids": [fields.Command.set(pads.ids)],
                "department_id": department.id,
                "why_1": "Chamfer missing on some pads",
                "cause_category": "machine",
                "root_cause": "Worn chamfer tool on line 2.",
                "user_id": inspector.id,
                "customer_report": True,
                "customer_report_deadline": today + relativedelta(days=10),
            }
        )
        running.action_start_analysis()
        self._demo_capa_action(
            running, "Replace chamfer tool", inspector, "correction", -2
        )
        self._demo_capa_action(
            running, "Tool life counter on line 2", manager, "corrective", 12
        )
        running.action_plan()

    @api.model
    def _demo_capa_action(self, capa, name, user, action_type="corrective", days=7):
        self.env["asq.capa.action"].create(
            {
                "capa_id": capa.id,
                "name": name,
                "user_id": user.id,
                "action_type": action_type,
                "date_due": fields.Date.context_today(self) + relativedelta(days=days),
            }
        )

    @api.model
    def _demo_sell(self, customer, products, date, warehouse, rng):
        env = self.env
        order_lines = []
        for product in products:
            qty = 1 if product.tracking == "serial" else rng.choice((10, 20, 50, 100))
            self._demo_stock(product, qty, date, warehouse, rng)
            order_lines.append(
                fields.Command.create(
                    {
                        "product_id": product.id,
                        "product_uom_qty": qty,
                        "price_unit": round(
                            product.list_price * rng.uniform(0.85, 1.0), 2
                        ),
                    }
                )
            )
        order = env["sale.order"].create(
            {
                "partner_id": customer.id,
                "warehouse_id": warehouse.id,
                "order_line": order_lines,
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        picking.action_assign()
        picking.move_ids.picked = True
        picking.with_context(skip_backorder=True).button_validate()
        order.date_order = date
        picking.date_done = date
        picking.move_ids.write({"date": date})
        picking.move_line_ids.write({"date": date})
        return picking

    @api.model
    def _demo_stock(self, product, qty, date, warehouse, rng):
        """Put a new lot in stock as a user would: an applied inventory
        adjustment, which moves the goods and books their value."""
        prefix = product.default_code or "LOT"
        lot = self.env["stock.lot"].create(
            {
                "name": f"{prefix}-{date:%y%m%d}-{rng.randint(100, 999)}",
                "product_id": product.id,
            }
        )
        quant = (
            self.env["stock.quant"]
            .with_context(inventory_mode=True)
            .create(
                {
                    "product_id": product.id,
                    "location_id": warehouse.lot_stock_id.id,
                    "lot_id": lot.id,
                    "inventory_quantity": qty,
                }
            )
        )
        quant.action_apply_inventory()

    @api.model
    def _demo_returns(self, pickings):
        """Take back part of a few deliveries as 001 has it: a return request
        signed by each approver (the demo users of the roles), its receipt
        booked by the warehouse into the Return QC location (no customer
        return without the signatures: stock_move.py)."""
        env = self.env

        def user(xid):
            return env.ref(f"after_sales_quality.asq_demo_user_{xid}")

        signers = [user(x) for x in ("aftersales", "finance", "business_head")]
        warehouse = user("warehouse")
        Delivered = env["asq.delivered.line"]
        for picking in pickings:
            goods = Delivered.search([("picking_id", "=", picking.id)])
            ret = (
                env["asq.return"]
                .with_user(user("sales"))
                .create(
                    {
                        "partner_id": picking.partner_id.commercial_partner_id.id,
                        "date_request": picking.date_done + relativedelta(days=3),
                        "line_ids": [
                            fields.Command.create(
                                {
                                    "delivered_line_id": line.id,
                                    "quantity": max(1, line.quantity // 10),
                                    "reason": "Slow seller in the customer's "
                                    "region: exchanged like for like.",
                                }
                            )
                            for line in goods
                        ],
                    }
                )
            )
            ret.action_submit()
            for signer in signers:
                ret.with_user(signer).action_sign(comment="Checked.")
            if ret.state == "gm":
                ret.with_user(user("general_manager")).action_sign(
                    comment="Long-standing customer: special case accepted."
                )
            ret.with_user(warehouse).action_create_receipt()
            for receipt in ret.picking_ids:
                receipt.move_ids.picked = True
                receipt.with_user(warehouse).button_validate()
                receipt.date_done = picking.date_done + relativedelta(days=10)
            # History: the return note went out by fax at the time.
            ret._workflow_write({"note_sent_date": fields.Datetime.now()})
