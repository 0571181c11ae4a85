from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    asq_exchange_ratio_cap = fields.Float(
        related="company_id.asq_exchange_ratio_cap", readonly=False
    )
    asq_return_days = fields.Integer(
        related="company_id.asq_return_days", readonly=False
    )
    asq_return_period_months = fields.Integer(
        related="company_id.asq_return_period_months", readonly=False
    )
    asq_complaint_disposition_days = fields.Float(
        related="company_id.asq_complaint_disposition_days", readonly=False
    )
    asq_complaint_onsite_local_hours = fields.Float(
        related="company_id.asq_complaint_onsite_local_hours", readonly=False
    )
    asq_complaint_onsite_remote_days = fields.Float(
        related="company_id.asq_complaint_onsite_remote_days", readonly=False
    )
    asq_complaint_answer_days = fields.Float(
        related="company_id.asq_complaint_answer_days", readonly=False
    )
    # Elapsed or working time, clock by clock (res.company).
    asq_complaint_disposition_basis = fields.Selection(
        related="company_id.asq_complaint_disposition_basis", readonly=False
    )
    asq_complaint_onsite_local_basis = fields.Selection(
        related="company_id.asq_complaint_onsite_local_basis", readonly=False
    )
    asq_complaint_onsite_remote_basis = fields.Selection(
        related="company_id.asq_complaint_onsite_remote_basis", readonly=False
    )
    asq_complaint_answer_basis = fields.Selection(
        related="company_id.asq_complaint_answer_basis", readonly=False
    )
    asq_complaint_repeat_days = fields.Integer(
        related="company_id.asq_complaint_repeat_days", readonly=False
    )
    asq_warning_customer_count = fields.Integer(
        related="company_id.asq_warning_customer_count", readonly=False
    )
    asq_warning_window_days = fields.Integer(
        related="company_id.asq_warning_window_days", readonly=False
    )
    asq_complaint_rate_own_only = fields.Boolean(
        related="company_id.asq_complaint_rate_own_only", readonly=False
    )
    asq_capa_verifier = fields.Selection(
        related="company_id.asq_capa_verifier", readonly=False
    )
    asq_complaint_signoff_group_id = fields.Many2one(
        related="company_id.asq_complaint_signoff_group_id", readonly=False
    )
    asq_quality_head_id = fields.Many2one(
        related="company_id.asq_quality_head_id", readonly=False
    )
    asq_review_department_ids = fields.Many2many(
        related="company_id.asq_review_department_ids", readonly=False
    )
    asq_resource_calendar_id = fields.Many2one(
        related="company_id.resource_calendar_id", readonly=False
    )
    asq_portal_upload_max_mb = fields.Float(
        string="Portal Upload Limit (MB)",
        config_parameter="after_sales_quality.portal_upload_max_mb",
        default=5.0,
        help="Largest photo or PDF a customer may attach to a complaint on the "
        "portal (at most 5 files).",
    )
