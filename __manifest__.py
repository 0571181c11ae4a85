{
    "name": "After-Sales Quality",
    "summary": "Complaints, return approvals, quality holds, CAPA, satisfaction "
    "surveys and after-sales statistics for ISO 9001 / ISO 13485 / IATF 16949",
    "version": "18.0.1.0.0",
    "category": "Inventory/Quality",
    "website": "https://github.com/after-sales-quality/after_sales_quality",
    "author": "After-Sales Quality contributors",
    "license": "LGPL-3",
    "depends": ["sale_stock", "survey", "resource"],
    "external_dependencies": {"python": ["xlsxwriter"]},
    "data": [
        "security/after_sales_quality_groups.xml",
        "security/after_sales_quality_security.xml",
        "security/ir.model.access.csv",
        "views/asq_delivered_line_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "security/asq_complaint_security.xml",
        "data/asq_complaint_data.xml",
        "report/asq_complaint_reports.xml",
        "report/asq_complaint_templates.xml",
        "wizards/asq_complaint_cancel_views.xml",
        "wizards/asq_complaint_ledger_views.xml",
        "views/asq_complaint_views.xml",
        "views/res_partner_complaint_views.xml",
        "views/after_sales_quality_menus.xml",
    ],
    "demo": [
        "data/after_sales_quality_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "after_sales_quality/static/tests/tours/**/*",
        ],
    },
    "application": True,
    "installable": True,
}
