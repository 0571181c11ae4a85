"""Issue 14: early warnings and CAPA as the documents write them (000, 002,
004), walked by the users who hold the roles."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.after_sales_quality.models.asq_kpi_pack import (
    asq_last_complete_period,
)
from odoo.addons.after_sales_quality.tests.complaint_common import AsqComplaintCommon

ASQ = "after_sales_quality."


@tagged("post_install", "-at_install", "asq_fidelity")
class TestFidelityCapa(AsqComplaintCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep = cls.users["asq_mgmt_rep"]
        cls.inspector = cls.users["asq_inspector"]
        cls.qm = cls.users["asq_qm"]
        cls.today = fields.Date.context_today(cls.env["asq.capa"].with_user(cls.rep))
        # The demo's complaints and warnings out of the 30-day window: the
        # clusters below are the only reports of it.
        cls.env.cr.execute(
            "UPDATE asq_complaint SET received_date = received_date - interval "
            "'90 days'; UPDATE asq_complaint_alert SET date = date - interval "
            "'90 days'"
        )
        cls.env.invalidate_all()

    # ------------------------------------------------------------------
    # 1. One cluster, one warning
    # ------------------------------------------------------------------
    def _cluster(self, count=3, category="quality", prefix="CL"):
        complaints = self.env["asq.complaint"]
        for index in range(count):
            customer = self.env["res.partner"].create(
                {"name": f"{prefix} Customer {index}", "is_company": True}
            )
            picking = self._deliver(
                customer, [(self.product_b, 5, 10.0, f"{prefix}-LOT-{index}")]
            )
            delivered = self.env["asq.delivered.line"].search(
                [("picking_id", "=", picking.id)]
            )
            complaints |= self._walk(
                self._create_complaint(
                    partner=customer, lines=[(delivered, 1.0)], category=category
                ),
                "review",
            )
        return complaints

    def test_one_cluster_raises_one_warning(self):
        """002: 《顾客信息与产品质量早期报警表》 — three customers report the
        same product with the same defect category within 30 days: one
        warning, one to-do per quality manager and management representative."""
        complaints = self._cluster()
        alerts = self.env["asq.complaint.alert"].search(
            [("complaint_ids", "in", complaints.ids)]
        )
        self.assertEqual(len(alerts), 1, "the same complaints raise one warning")
        self.assertEqual(alerts.complaint_ids, complaints)
        self.assertEqual(alerts.customer_count, 3)
        recipients = (
            self.env.ref(f"{ASQ}group_asq_manager").users
            | self.env.ref(f"{ASQ}group_asq_mgmt_rep").users
        )
        rep_todos = alerts.activity_ids.filtered(lambda a: a.user_id == self.rep)
        self.assertEqual(len(rep_todos), 1, "notified once")
        self.assertEqual(alerts.activity_ids.user_id, recipients)
        # A fourth complaint of the same cluster joins the same warning.
        complaints |= self._cluster(count=1, prefix="CL4")
        alerts = self.env["asq.complaint.alert"].search(
            [("complaint_ids", "in", complaints.ids)]
        )
        self.assertEqual(len(alerts), 1)
        self.assertEqual(alerts.customer_count, 4)

    # ------------------------------------------------------------------
    # 2. The department head signs off with an own-documents role
    # ------------------------------------------------------------------
    def _head(self, groups):
        user = new_test_user(
            self.env,
            login=f"head_{groups.replace('.', '_').replace(',', '_')}",
            groups=groups,
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        department = self.env["hr.department"].create(
            {
                "name": "Assembly",
                "manager_id": self.env["hr.employee"]
                .create({"name": "Head of Assembly", "user_id": user.id})
                .id,
            }
        )
        return user, department

    def _capa_in_action(self, department):
        capa = (
            self.env["asq.capa"]
            .with_user(self.inspector)
            .create(
                {
                    "problem": "Strips read 20 % low",
                    "source": "complaint",
                    "origin": "CMP/FID",
                    "department_id": department.id,
                    "why_1": "Enzyme layer too thin",
                    "cause_category": "method",
                    "root_cause": "Coating speed changed",
                }
            )
        )
        capa.action_start_analysis()
        self.env["asq.capa.action"].with_user(self.inspector).create(
            {
                "capa_id": capa.id,
                "name": "Restore coating speed",
                "user_id": self.inspector.id,
                "date_due": self.today + timedelta(days=5),
            }
        )
        capa.action_plan()
        action = capa.action_ids.with_user(self.inspector)
        action.evidence = "Speed restored, line record 12"
        action.action_done()
        return capa

    def _signoff_by_head(self, groups):
        head, department = self._head(groups)
        capa = self._capa_in_action(department)
        todo = capa.activity_ids.filtered(lambda a: a.asq_step == "department_signoff")
        self.assertIn(head, todo.user_id, "the head gets the sign-off to-do")
        as_head = capa.with_user(head)
        # The head opens the CAPA form from the to-do and reads the plan.
        form = Form(as_head)
        self.assertEqual(form.department_id, capa.department_id)
        self.assertEqual(as_head.action_ids.mapped("name"), ["Restore coating speed"])
        self.assertTrue(as_head.can_department_signoff)
        as_head.action_department_signoff()
        self.assertEqual(capa.signoff_user_id, head)
        self.assertIn(
            "Signed off by the responsible department.",
            capa.message_ids.mapped("body")[0],
        )
        # Only the CAPA of their own department.
        other = self._capa_in_action(
            self.env["hr.department"].create({"name": "Moulding"})
        )
        # (a CAPA the head may not even read is refused as such)
        with self.assertRaisesRegex(
            AccessError, r"Only the head of Moulding|\(asq\.capa\)"
        ):
            other.with_user(head).action_department_signoff()
        capa.with_user(self.inspector).action_request_verification()
        self.assertEqual(capa.state, "verification")

    def test_department_head_with_own_documents_role_signs_off(self):
        self._signoff_by_head(f"{ASQ}group_asq_user")

    def test_department_head_employee_signs_off(self):
        self._signoff_by_head("base.group_user")

    # ------------------------------------------------------------------
    # 3. The management representative opens CAPA
    # ------------------------------------------------------------------
    def _pack(self, period_type):
        start, _end = asq_last_complete_period(period_type, self.today)
        return self.env["asq.kpi.pack"]._asq_get_or_create(
            self.company, period_type, start
        )

    def test_rep_opens_capa_after_quarterly_summary(self):
        """000 4.6.10: 营销中心每季度对销售记录进行汇总,将汇总信息传递给管理者代表,
        由其组织进行原因分析,以《纠正与预防措施处理单》的形式传递给责任部门."""
        pack = self._pack("quarter")
        self.assertFalse(pack.with_user(self.rep).can_open_capa, "generate first")
        pack = pack.with_user(self.rep)
        pack.action_generate()
        self.assertTrue(pack.can_open_capa)
        action = pack.action_view_capa()
        capa = self.env["asq.capa"].browse(action["res_id"])
        self.assertEqual(capa.source, "quarterly")
        self.assertEqual(capa.origin, pack.name)
        pack.invalidate_recordset(["capa_id", "can_open_capa"])  # the form reloads
        self.assertEqual(pack.capa_id, capa)
        self.assertFalse(pack.can_open_capa, "its CAPA button opens it now")
        # The representative describes it and hands it to the department.
        as_rep = capa.with_user(self.rep)
        as_rep.write({"problem": "Complaint rate up in Q3", "department_id": False})
        self.assertEqual(capa.problem, "Complaint rate up in Q3")
        # A second click opens the same CAPA.
        self.assertEqual(pack.action_view_capa()["res_id"], capa.id)
        # A monthly pack is not the quarterly summary.
        monthly = self._pack("month").with_user(self.rep)
        monthly.action_generate()
        self.assertFalse(monthly.can_open_capa)
        with self.assertRaisesRegex(UserError, "quarterly summary"):
            monthly.action_view_capa()
        with self.assertRaisesRegex(AccessError, "Only the management representative"):
            pack.with_user(self.users["asq_sales"]).action_view_capa()

    def test_rep_proposes_capa_from_early_warning(self):
        """000 4.6.8: 营销中心建立信息反馈系统以提供质量问题的早期报警,
        及时作为纠正、预防措施的输入."""
        complaints = self._cluster()
        alert = self.env["asq.complaint.alert"].search(
            [("complaint_ids", "in", complaints.ids)], limit=1
        )
        as_rep = alert.with_user(self.rep)
        self.assertTrue(as_rep.can_propose_capa)
        action = as_rep.action_propose_capa()
        capa = self.env["asq.capa"].browse(action["res_id"])
        self.assertEqual(alert.capa_id, capa)
        self.assertEqual(capa.complaint_ids, complaints)
        with self.assertRaisesRegex(AccessError, "management representative"):
            alert.with_user(self.users["asq_sales"]).action_propose_capa()

    # ------------------------------------------------------------------
    # 4. Who verifies the effectiveness
    # ------------------------------------------------------------------
    def _capa_in_verification(self):
        capa = self._capa_in_action(self.department)
        capa.with_user(self.qm).action_department_signoff()
        capa.with_user(self.inspector).write({"verification_date": self.today})
        capa.with_user(self.inspector).action_request_verification()
        return capa

    def test_rep_verifies_by_default(self):
        """000 4.6.11: 由管理者代表对实施结果进行跟踪验证."""
        self.assertEqual(self.company.asq_capa_verifier, "mgmt_rep")
        capa = self._capa_in_verification()
        todo = capa.activity_ids.filtered(lambda a: a.asq_step == "verify_effective")
        self.assertEqual(todo.user_id, self.env.ref(f"{ASQ}group_asq_mgmt_rep").users)
        self.assertFalse(capa.with_user(self.inspector).can_verify_effective)
        with self.assertRaisesRegex(AccessError, "role Management Representative"):
            capa.with_user(self.inspector).action_verify_effective()
        capa.with_user(self.rep).action_verify_effective()
        self.assertEqual(capa.verified_user_id, self.rep)
        self.assertEqual(capa.state, "closed")

    def test_quality_department_verifies_when_set(self):
        """003 3.2.3: (品质管理部) 负责对纠正预防措施的制定和效果验证."""
        self.company.asq_capa_verifier = "quality"
        capa = self._capa_in_verification()
        todo = capa.activity_ids.filtered(lambda a: a.asq_step == "verify_effective")
        self.assertTrue(todo)
        self.assertNotIn(self.rep, todo.user_id)
        self.assertIn(self.qm, todo.user_id)
        self.assertFalse(capa.with_user(self.rep).can_verify_effective)
        with self.assertRaisesRegex(AccessError, "role Quality Inspector"):
            capa.with_user(self.rep).action_verify_effective()
        capa.with_user(self.qm).action_verify_effective()
        self.assertEqual(capa.verified_user_id, self.qm)
        self.assertEqual(capa.state, "closed")
