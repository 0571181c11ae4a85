from odoo.tests import HttpCase, tagged

from odoo.addons.after_sales_quality.tests.test_portal import AsqPortalCommon


@tagged("post_install", "-at_install", "asq_portal")
class TestPortalTour(HttpCase, AsqPortalCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Only the records the tours create are listed for customer A.
        cls.complaint_a.unlink()
        cls.return_a.unlink()

    def test_complaint_with_photo_to_its_reply(self):
        self.start_tour(
            "/my/complaints", "asq_portal_complaint_tour", login="asq_portal_a"
        )
        complaint = self.env["asq.complaint"].search(
            [("commercial_partner_id", "=", self.customer.id)]
        )
        self.assertEqual(complaint.channel, "portal")
        self.assertEqual(complaint.description, "The meter display stays blank")
        self.assertEqual(complaint.customer_request, "exchange")
        self.assertEqual(complaint.line_ids.lot_id.name, "CC-LOT-1")
        self.assertEqual(complaint.evidence_ids.mapped("name"), ["blank_display.png"])
        self.assertEqual(complaint.evidence_ids.mimetype, "image/png")
        # The back office registers, investigates, decides and replies.
        self._walk(complaint, "replied")
        self.assertEqual(complaint.state, "replied")
        self.start_tour(
            "/my/complaints", "asq_portal_complaint_reply_tour", login="asq_portal_a"
        )

    def test_return_request_to_its_approval(self):
        self.start_tour("/my/returns", "asq_portal_return_tour", login="asq_portal_a")
        ret = self.env["asq.return"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(ret.state, "submitted")
        self.assertEqual(ret.line_ids.lot_id.name, "CC-LOT-2")
        self.assertEqual(ret.line_ids.quantity, 2)
        self.assertEqual(ret.line_ids.kind, "unsaleable")
        self.assertEqual(ret.line_ids.resolution, "exchange")
        for login, state in (
            ("asq_aftersales", "finance"),
            ("asq_finance", "business"),
            ("asq_business", "approved"),
        ):
            ret.with_user(self.users[login]).action_sign(comment="OK")
            self.assertEqual(ret.state, state, login)
        self.start_tour(
            "/my/returns", "asq_portal_return_approved_tour", login="asq_portal_a"
        )
