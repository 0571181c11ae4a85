from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    asq_portal_upload_max_mb = fields.Float(
        string="Portal Upload Limit (MB)",
        config_parameter="after_sales_quality.portal_upload_max_mb",
        default=5.0,
        help="Largest photo or PDF a customer may attach to a complaint on the "
        "portal (at most 5 files).",
    )
