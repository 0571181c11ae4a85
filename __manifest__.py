{
    "name": "After-Sales Quality",
    "summary": "Complaints, return approvals, quality holds, CAPA, satisfaction "
    "surveys and after-sales statistics for ISO 9001 / ISO 13485 / IATF 16949",
    "version": "18.0.1.0.0",
    "category": "Inventory/Quality",
    "website": "https://github.com/after-sales-quality/after_sales_quality",
    "author": "After-Sales Quality contributors",
    "license": "LGPL-3",
    "depends": ["sale_stock", "survey", "hr"],
    "external_dependencies": {"python": ["xlsxwriter"]},
    "data": [
        "security/after_sales_quality_groups.xml",
        "security/after_sales_quality_security.xml",
        "security/asq_capa_security.xml",
        "security/ir.model.access.csv",
        "data/asq_capa_data.xml",
        "views/asq_delivered_line_views.xml",
        "views/asq_capa_views.xml",
        "wizards/asq_capa_cancel_views.xml",
        "report/asq_capa_reports.xml",
        "report/asq_capa_templates.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
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
