from odoo.tests import HttpCase, tagged

from odoo.addons.after_sales_quality.tests.common import AsqCommon


@tagged("post_install", "-at_install", "asq_foundation")
class TestFoundationTour(HttpCase, AsqCommon):
    def test_sales_user_opens_the_customer_archive(self):
        customer = self.env["res.partner"].create(
            {
                "name": "Tour Customer Ltd",
                "is_company": True,
                "customer_rank": 1,
                "asq_customer_class": "a",
                "asq_locality": "remote",
                "asq_credit_level": "2",
            }
        )
        picking = self._deliver(customer, [(self.product, 10, 100.0, "TOUR-LOT-1")])
        self._return(picking, {self.product: 1})
        self.start_tour(
            "/odoo/asq-customers", "asq_customer_archive_tour", login="asq_sales"
        )
