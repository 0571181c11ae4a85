# The demo data is written in Chinese, with its full-width punctuation.
# ruff: noqa: RUF001, RUF003
import random
from datetime import date, datetime, time, timedelta

import pytz
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
# What each customer's trade buys (a distributor of home-care devices no
# infusion pumps, a monitor maker only SpO2 sensors); the first product of
# each list is in its first order.
DEMO_CUSTOMER_PRODUCTS = {
    "kangtai": ("glucometer", "strips", "oximeter"),
    "huaxin": ("infusion_pump", "brake_pad", "oximeter"),
    "ruibang": ("sensor", "oximeter"),
    "jinlong": ("strips", "glucometer"),
    "beifang": ("glucometer", "strips", "brake_pad"),
    "xinda": ("sensor",),
    "anjie": ("glucometer", "oximeter", "strips"),
    "mingde": ("oximeter", "sensor", "infusion_pump"),
    "yongsheng": ("glucometer", "strips", "oximeter"),
    "hengtong": ("brake_pad", "infusion_pump"),
    "lianhe": ("glucometer", "strips", "oximeter"),
    "dongfang": ("brake_pad", "oximeter"),
    "pacific": ("glucometer", "strips"),
    "nordic": ("strips", "oximeter"),
    "zhongshan": ("infusion_pump", "brake_pad"),
}
# The Chinese names of the demo records whose names Odoo translates.
DEMO_PRODUCT_NAMES_ZH = {
    "glucometer": "血糖仪 GM-300",
    "strips": "血糖试纸（50 条装）",
    "infusion_pump": "输液泵 IP-2",
    "oximeter": "指夹式脉搏血氧仪 PO-10",
    "brake_pad": "一次性使用输液器 IS-20（50 套装）",
    "sensor": "重复使用血氧探头 SP-8",
}
DEMO_DEPARTMENT_NAMES_ZH = {
    "quality": "质量部",
    "production": "生产部",
}
# China's public holidays (days off, Shanghai time), as the State Council's
# notices publish them: 国办发明电〔2024〕12号 for 2025 and the notice of
# 4 November 2025 for 2026.
CN_PUBLIC_HOLIDAYS = (
    ("元旦", date(2025, 1, 1), date(2025, 1, 1)),
    ("春节", date(2025, 1, 28), date(2025, 2, 4)),
    ("清明节", date(2025, 4, 4), date(2025, 4, 6)),
    ("劳动节", date(2025, 5, 1), date(2025, 5, 5)),
    ("端午节", date(2025, 5, 31), date(2025, 6, 2)),
    ("国庆节、中秋节", date(2025, 10, 1), date(2025, 10, 8)),
    ("元旦", date(2026, 1, 1), date(2026, 1, 3)),
    ("春节", date(2026, 2, 15), date(2026, 2, 23)),
    ("清明节", date(2026, 4, 4), date(2026, 4, 6)),
    ("劳动节", date(2026, 5, 1), date(2026, 5, 5)),
    ("端午节", date(2026, 6, 19), date(2026, 6, 21)),
    ("中秋节", date(2026, 9, 25), date(2026, 9, 27)),
    ("国庆节", date(2026, 10, 1), date(2026, 10, 7)),
    # 2027: the State Council's notice is not known here. The days the law
    # itself fixes are in, 《全国年节及纪念日放假办法》(2024年修订) 第二条:
    # 「（一）元旦，放假1天（1月1日）；（二）春节，放假4天（农历除夕、正月初一
    # 至初三）；（三）清明节，放假1天（农历清明当日）；（四）劳动节，放假2天
    # （5月1日、2日）；（五）端午节，放假1天（农历端午当日）；（六）中秋节，
    # 放假1天（农历中秋当日）；（七）国庆节，放假3天（10月1日至3日）。」
    # The notice's bridging arrangement (the days joined to a weekend and
    # the 调休 working weekend days, CN_MAKEUP_WORKDAYS) is to be added when
    # it is published.
    ("元旦", date(2027, 1, 1), date(2027, 1, 1)),
    # 除夕 to 初三 (2027-02-05 to 2027-02-08).
    ("春节", date(2027, 2, 5), date(2027, 2, 8)),
    ("清明节", date(2027, 4, 5), date(2027, 4, 5)),
    ("劳动节", date(2027, 5, 1), date(2027, 5, 2)),
    ("端午节", date(2027, 6, 9), date(2027, 6, 9)),
    ("中秋节", date(2027, 9, 15), date(2027, 9, 15)),
    ("国庆节", date(2027, 10, 1), date(2027, 10, 3)),
)
# The weekend days worked instead (调休, "上班") by the same notices: on the
# demo calendar a dated attendance of that day alone (resource.calendar.
# attendance date_from = date_to), which Odoo's work intervals count and its
# average hours per day leave out.
CN_MAKEUP_WORKDAYS = (
    ("春节", date(2025, 1, 26)),
    ("春节", date(2025, 2, 8)),
    ("劳动节", date(2025, 4, 27)),
    ("国庆节、中秋节", date(2025, 9, 28)),
    ("国庆节、中秋节", date(2025, 10, 11)),
    ("元旦", date(2026, 1, 4)),
    ("春节", date(2026, 2, 14)),
    ("春节", date(2026, 2, 28)),
    ("劳动节", date(2026, 5, 9)),
    ("国庆节", date(2026, 9, 20)),
    ("国庆节", date(2026, 10, 10)),
)
# What the customers of the history wrote: by product for a quality
# complaint, by category otherwise; and what the investigation found.
QUALITY_PROBLEMS = {
    "GM-300": ("开机后显示 E-3 错误。", "屏幕显示缺笔画，读数无法辨认。"),
    "TS-50": ("吸样缓慢，同一样本两次结果相差超过 15%。", "铝箔袋封口不严，试纸受潮。"),
    "IP-2": ("无堵塞时频繁误报“管路堵塞”。", "流速偏差超过 ±5%。"),
    "PO-10": ("读数跳动，静止状态下血氧值波动 4%。", "按键失灵，无法开机。"),
    "IS-20": ("滴斗内有注塑毛刺。", "流量调节器卡滞，无法调节滴速。"),
    "SP-8": ("探头线缆接头松动，信号时有时无。", "读数较参考探头偏低 3%。"),
}
HISTORY_PROBLEMS = {
    "late": ("到货晚于合同交期 5 天。",),
    "not_as_ordered": ("到货规格与订单不符。", "到货数量比订单少一箱。"),
    "packaging": ("外箱破损，内包装受潮。",),
    "transport": ("运输途中受挤压，部分产品外壳破裂。",),
    "tolerance": ("抽检尺寸超出图纸公差。",),
    "documentation": ("随货缺少产品合格证和检验报告。",),
}
HISTORY_CAUSES = {
    "internal": "生产过程控制不到位，出厂检验未能检出。",
    "supplier": "供应商来料不良，来料检验抽样未覆盖。",
    "carrier": "承运商装卸不当造成损坏。",
    "customer": "客户使用或储存不当，产品本身无缺陷。",
}
# Orders per customer class over the 18 months of history.
ORDERS_PER_CLASS = {"a": 6, "b": 4, "c": 2}


class AsqDemo(models.AbstractModel):
    """Builds the demo company's sales history (demo data only)."""

    _name = "asq.demo"
    _description = "After-Sales Quality Demo Loader"

    @api.model
    def _load_demo_company(self):
        """The demo company as its users know it: China's public holidays on
        its calendar, Chinese names on the products and departments (English
        kept as the source). Its currency is not set here: Odoo refuses
        another one once journal items exist ("You cannot change the currency
        of the company since some journal items already exist"), and Odoo's
        own demo invoices are posted as Accounting installs. `make demo` puts
        the company in China before that, so Accounting loads China's chart
        of accounts in CNY (tools/harness.sh demo_company_in_china)."""
        env = self.env
        company = env.ref("base.main_company")
        calendar = env.ref("after_sales_quality.asq_demo_calendar")
        shanghai = pytz.timezone("Asia/Shanghai")

        def utc(day, at):
            moment = shanghai.localize(datetime.combine(day, at))
            return moment.astimezone(pytz.utc).replace(tzinfo=None)

        Leave = env["resource.calendar.leaves"]
        for name, first, last in CN_PUBLIC_HOLIDAYS:
            date_from = utc(first, time.min)
            if Leave.search_count(
                [("calendar_id", "=", calendar.id), ("date_from", "=", date_from)]
            ):
                continue
            Leave.create(
                {
                    "name": f"{name} {first.year}",
                    "calendar_id": calendar.id,
                    "company_id": company.id,
                    "date_from": date_from,
                    "date_to": utc(last + timedelta(days=1), time.min)
                    - timedelta(seconds=1),
                    "time_type": "leave",
                }
            )
        self._load_demo_makeup_days(calendar)
        for xid, name in DEMO_PRODUCT_NAMES_ZH.items():
            env.ref(
                f"after_sales_quality.asq_demo_product_{xid}"
            ).product_tmpl_id.update_field_translations("name", {"zh_CN": name})
        for xid, name in DEMO_DEPARTMENT_NAMES_ZH.items():
            env.ref(
                f"after_sales_quality.asq_demo_department_{xid}"
            ).update_field_translations("name", {"zh_CN": name})
        return True

    @api.model
    def _load_demo_makeup_days(self, calendar):
        """The 调休 working weekend days on the demo ``calendar``: the
        calendar's working hours of a weekday (morning and afternoon), on
        that day only. Those already there are kept (idempotent)."""
        Attendance = self.env["resource.calendar.attendance"]
        hours = calendar.attendance_ids.filtered(
            lambda a: a.dayofweek == "0" and not a.date_from and not a.resource_id
        )
        for name, day in CN_MAKEUP_WORKDAYS:
            if Attendance.search_count(
                [("calendar_id", "=", calendar.id), ("date_from", "=", day)]
            ):
                continue
            Attendance.create(
                [
                    {
                        "name": f"{name}调休上班 {day.isoformat()}",
                        "calendar_id": calendar.id,
                        "dayofweek": str(day.weekday()),
                        "hour_from": attendance.hour_from,
                        "hour_to": attendance.hour_to,
                        "day_period": attendance.day_period,
                        "date_from": day,
                        "date_to": day,
                    }
                    for attendance in hours
                ]
            )
        return True

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
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", env.company.id)], limit=1
        )
        now = fields.Datetime.now()
        pickings = env["stock.picking"]
        for xid, customer in zip(DEMO_CUSTOMERS, customers, strict=True):
            products = [
                env.ref(f"after_sales_quality.asq_demo_product_{product}")
                for product in DEMO_CUSTOMER_PRODUCTS[xid]
            ]
            count = ORDERS_PER_CLASS[customer.asq_customer_class]
            for index in range(count):
                day = now - relativedelta(
                    days=rng.randint(3, 540), hours=rng.randint(0, 8)
                )
                lines = rng.sample(products, rng.randint(1, len(products)))
                if not index and products[0] not in lines:
                    lines.insert(0, products[0])
                pickings |= self._demo_sell(customer, lines, day, warehouse, rng)
        self._demo_returns(pickings.sorted("date_done")[:40:8])
        complaints = self._demo_complaints()
        self._demo_capa(complaints)
        self._demo_warranty()
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
        general_manager = env.ref("after_sales_quality.asq_demo_user_general_manager")
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
                {"name": "苏州精锐电镀有限公司", "is_company": True}
            ),
            "carrier": env["res.partner"].create(
                {"name": "华运快递物流有限公司", "is_company": True}
            ),
        }
        history = Complaint
        owner = env.ref("after_sales_quality.asq_demo_user_aftersales")

        def product_zh(product):
            return product.with_context(lang="zh_CN").name

        for line in rng.sample(list(delivered), min(16, len(delivered))):
            received = line.date + relativedelta(days=rng.randint(5, 30))
            category = rng.choice(categories)
            problems = HISTORY_PROBLEMS.get(category) or QUALITY_PROBLEMS.get(
                line.product_id.default_code, QUALITY_PROBLEMS["GM-300"]
            )
            responsibility = rng.choice(
                ["internal"] * 4 + ["supplier", "supplier", "carrier", "customer"]
            )
            complaint = Complaint.create(
                {
                    "partner_id": line.partner_id.id,
                    "user_id": owner.id,
                    "channel": rng.choice(["phone", "email", "fax", "letter"]),
                    "category": category,
                    "severity": "major" if rng.random() < 0.15 else "minor",
                    "received_date": received,
                    "description": f"{product_zh(line.product_id)}："
                    f"{rng.choice(problems)}",
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
                    "root_cause": HISTORY_CAUSES[responsibility],
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
            # 003 §3.8: the general manager signs the final report
            complaint.with_user(general_manager).action_final_signoff()
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
                          signoff_date = received_date
                                         + (%(h)s + 60) * interval '1 hour',
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
        department = env.ref("after_sales_quality.asq_demo_department_production")
        Complaint = env["asq.complaint"]
        # The after-sales section registers what customers report.
        owner = env.ref("after_sales_quality.asq_demo_user_aftersales")

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
                "user_id": owner.id,
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
            description="血糖仪使用两周后显示 E-3 错误，无法测量。",
            customer_request="exchange",
            sample_returned=True,
        )
        investigate(
            closed,
            "exchange",
            root_cause="电池触片镀层过薄，受潮后氧化接触不良。",
            disposition_note="更换受影响批次的血糖仪。",
        )
        closed.action_decide()
        closed._asq_send_reply()
        closed.action_customer_satisfied()
        closed.with_user(
            env.ref("after_sales_quality.asq_demo_user_general_manager")
        ).action_final_signoff()
        closed.action_close()

        major = register(
            "ruibang",
            "sensor",
            3,
            description="SP-8 血氧探头在客户整机出厂检验中读数偏低 3%~5%，"
            "其监护仪生产线已停线待料。",
            severity="major",
            customer_request="onsite",
        )
        major.action_judge_valid()

        register(
            "jinlong",
            "strips",
            6,
            description="试纸测量值较检验科生化分析仪偏高约 10%。",
            customer_request="explanation",
        )
        repeat = register(
            "kangtai",
            "glucometer",
            5,
            description="新批次血糖仪再次出现 E-3 错误。",
            customer_request="return",
        )
        feedback = Complaint.create(
            {
                "partner_id": env.ref(
                    "after_sales_quality.asq_demo_customer_beifang"
                ).id,
                "user_id": owner.id,
                "feedback_type": "suggestion",
                "channel": "email",
                "description": "建议在外箱上印刷批号，便于我方入库核对。",
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
        probe = env.ref("after_sales_quality.asq_demo_product_sensor")
        inspector = env.ref("after_sales_quality.asq_demo_user_inspector")
        manager = env.ref("after_sales_quality.asq_demo_user_quality_manager")
        department = complaints["department"]
        Capa = env["asq.capa"]
        closed = Capa.create(
            {
                "source": "complaint",
                "origin": complaints["closed"].name,
                "complaint_ids": [fields.Command.set(complaints["closed"].ids)],
                "problem": "血糖仪使用两周后显示 E-3 错误。",
                "partner_ids": [fields.Command.set(kangtai.ids)],
                "product_ids": [fields.Command.set(meter.ids)],
                "containment": "冻结可疑批次库存，以其他批次的血糖仪向客户补货。",
                "why_1": "电池触片氧化",
                "why_2": "触片镀层过薄",
                "why_3": "供应商更换了电镀槽液",
                "cause_category": "material",
                "root_cause": "来料检验未控制镀层厚度。",
                "user_id": inspector.id,
                "verification_date": today,
                "date_open": today - relativedelta(months=4),
            }
        )
        closed.action_start_analysis()
        self._demo_capa_action(closed, "来料检验增加镀层厚度检测", inspector)
        closed.action_plan()
        closed.action_ids.evidence = "检验指导书 QI-17 B 版"
        closed.action_ids.action_done()
        closed.action_request_verification()
        closed.verification_note = "次月又有两台 E-3 退货。"
        closed.action_verify_not_effective()
        self._demo_capa_action(
            closed, "供应商审核并签订镀层技术规范", manager, "preventive"
        )
        closed.action_ids.filtered(
            lambda a: a.state == "open"
        ).evidence = "审核报告 SA-2026-03，供应商已签署技术规范"
        closed.action_ids.filtered(lambda a: a.state == "open").action_done()
        closed.action_request_verification()
        closed.verification_note = "连续三个月无 E-3 退货。"
        closed.action_verify_effective()

        running = Capa.create(
            {
                "source": "return_qc",
                "origin": complaints["major"].name,
                "complaint_ids": [fields.Command.set(complaints["major"].ids)],
                "problem": "SP-8 血氧探头在客户整机检验中读数偏低。",
                "partner_ids": [fields.Command.set(ruibang.ids)],
                "product_ids": [fields.Command.set(probe.ids)],
                "department_id": department.id,
                "why_1": "部分探头透光窗厚度超差",
                "cause_category": "machine",
                "root_cause": "2 号线透光窗注塑模具磨损，未按寿命更换。",
                "user_id": inspector.id,
                "customer_report": True,
                "customer_report_deadline": today + relativedelta(days=10),
            }
        )
        running.action_start_analysis()
        self._demo_capa_action(
            running, "更换 2 号线透光窗模具", inspector, "correction", -2
        )
        self._demo_capa_action(
            running, "2 号线模具寿命计数管理", manager, "corrective", 12
        )
        running.action_plan()

    @api.model
    def _demo_warranty(self):
        """Warranty claim parts 「三包索赔件」 (002 §6.2.8), signed by the demo
        roles: one found at our fault (its CAPA open, the credit accepted,
        the draft credit note made, closed), one not our fault (explained to
        the customer by mail), one just registered, parts on their way."""
        env = self.env
        today = fields.Date.context_today(self)

        def user(xid):
            return env.ref(f"after_sales_quality.asq_demo_user_{xid}")

        def claim(customer, product, days_ago, **vals):
            return (
                env["asq.warranty.claim"]
                .with_user(user("aftersales"))
                .create(
                    {
                        "partner_id": env.ref(
                            f"after_sales_quality.asq_demo_customer_{customer}"
                        ).id,
                        "product_id": env.ref(
                            f"after_sales_quality.asq_demo_product_{product}"
                        ).id,
                        "claim_date": today - relativedelta(days=days_ago),
                        **vals,
                    }
                )
            )

        ours = claim(
            "kangtai",
            "glucometer",
            40,
            quantity=6,
            customer_reference="KT-SB-2026-031",
            claimed_amount=1800.0,
            description="保修期内 6 台血糖仪开机显示 E-3,客户寄回故障件索赔。",
        )
        ours.action_receive()
        ours = ours.with_user(user("inspector"))
        ours.write(
            {
                "analysis": "拆解确认电池触片镀层过薄导致氧化,属来料不良,为我方责任。",
                "verdict": "ours",
            }
        )
        ours.action_analyse()
        ours.with_user(user("quality_manager")).accepted_amount = 1500.0
        ours.with_user(user("finance")).action_credit_note()
        ours.with_user(user("quality_manager")).action_close()

        not_ours = claim(
            "ruibang",
            "sensor",
            12,
            quantity=2,
            customer_reference="RB-WC-118",
            claimed_amount=520.0,
            description="2 只血氧探头线缆断裂。",
        )
        not_ours.action_receive()
        not_ours.with_user(user("inspector")).write(
            {
                "analysis": "线缆外皮有明显挤压和拉扯痕迹,产品本身无缺陷,非我方责任。",
                "verdict": "not_ours",
            }
        )
        not_ours.with_user(user("inspector")).action_analyse()
        not_ours.with_context(asq_mail_step="explain").message_post_with_source(
            env.ref("after_sales_quality.asq_warranty_claim_mail_explanation"),
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

        claim(
            "huaxin",
            "infusion_pump",
            2,
            quantity=1,
            claimant_type="oem",
            description="整机厂反馈 1 台输液泵流速偏差超差,故障件已寄出。",
        )

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
        return without the signatures: stock_move.py). The latest requests
        stop on the way, so that each signer of the demo finds one waiting:
        the after-sales review, finance, the business head, the warehouse
        (to receive) and the inspectors (QC)."""
        env = self.env

        def user(xid):
            return env.ref(f"after_sales_quality.asq_demo_user_{xid}")

        signers = [user(x) for x in ("aftersales", "finance", "business_head")]
        warehouse = user("warehouse")
        Delivered = env["asq.delivered.line"]
        # How far each request goes, the newest last: received (QC), then
        # approved (to receive), waiting for the business head, for finance
        # and for the after-sales review.
        last = ["approved", "business", "finance", "review"]
        stops = (["received"] * max(1, len(pickings) - len(last)) + last)[
            : len(pickings)
        ]
        for picking, stop in zip(pickings, stops, strict=True):
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
                                    "reason": "该区域滞销，同型号调换。",
                                }
                            )
                            for line in goods
                        ],
                    }
                )
            )
            ret.action_submit()
            waiting = {"review": 0, "finance": 1, "business": 2}.get(stop)
            for signer in signers[:waiting]:
                ret.with_user(signer).action_sign(comment="已核对。")
            if waiting is not None:
                continue
            if ret.state == "gm":
                ret.with_user(user("general_manager")).action_sign(
                    comment="长期合作客户，特殊情况同意。"
                )
            ret.with_user(warehouse).action_create_receipt()
            if stop == "approved":
                continue
            for receipt in ret.picking_ids:
                receipt.move_ids.picked = True
                receipt.with_user(warehouse).button_validate()
                receipt.date_done = picking.date_done + relativedelta(days=10)
            # History: the return note went out by fax at the time.
            ret._workflow_write({"note_sent_date": fields.Datetime.now()})
