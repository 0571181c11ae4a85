from odoo.tests import HttpCase, tagged

from odoo.addons.after_sales_quality.tests.complaint_common import AsqComplaintCommon


@tagged("post_install", "-at_install", "asq_complaint")
class TestComplaintTour(HttpCase, AsqComplaintCommon):
    def test_complaint_from_registration_to_closing(self):
        self.env.ref("base.user_admin").email = "admin@example.com"
        department = self.env["hr.department"].create({"name": "Tour Assembly"})
        customer = self.env["res.partner"].create(
            {
                "name": "Tour Complaint Customer",
                "is_company": True,
                "customer_rank": 1,
                "email": "tour.customer@example.com",
            }
        )
        self.start_tour("/odoo/asq-complaints", "asq_complaint_tour", login="admin")
        complaint = self.env["asq.complaint"].search([("partner_id", "=", customer.id)])
        self.assertEqual(complaint.state, "closed")
        admin = self.env.ref("base.user_admin")
        self.assertEqual(complaint.judged_user_id, admin)
        self.assertEqual(complaint.root_cause, "Loose connector")
        self.assertEqual(complaint.responsible_department_id, department)
        self.assertTrue(complaint.replied_date)
        self.assertEqual(complaint.satisfaction, "satisfied")
