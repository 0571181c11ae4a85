"""The addon's roles (security/after_sales_quality_groups.xml), by xmlid: the
workflow steps, the editable tables and the dashboard name them from here."""

GROUP_USER = "after_sales_quality.group_asq_user"
GROUP_USER_ALL = "after_sales_quality.group_asq_user_all"
GROUP_INSPECTOR = "after_sales_quality.group_asq_inspector"
GROUP_MANAGER = "after_sales_quality.group_asq_manager"
GROUP_WAREHOUSE = "after_sales_quality.group_asq_warehouse"
GROUP_FINANCE = "after_sales_quality.group_asq_finance"
GROUP_HEAD = "after_sales_quality.group_asq_business_head"
GROUP_GM = "after_sales_quality.group_asq_general_manager"
GROUP_MGMT_REP = "after_sales_quality.group_asq_mgmt_rep"
