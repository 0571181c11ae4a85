from odoo import fields, models


class AsqVendorRecord(models.AbstractModel):
    """What a record of the equipment vendors' follow-up is about: the
    vendor, for a company (maintenance records, scorecards, rectification
    notices)."""

    _name = "asq.vendor.record"
    _description = "Equipment Vendor Record"

    vendor_id = fields.Many2one(
        "res.partner",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda s: s.env.company
    )
