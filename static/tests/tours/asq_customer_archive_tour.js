import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("asq_customer_archive_tour", {
    steps: () => [
        {
            content: "Open the customer from the After-Sales customer archive",
            trigger: ".o_kanban_record:contains(Tour Customer Ltd)",
            run: "click",
        },
        {
            content: "Open the After-Sales tab",
            trigger: ".o_notebook .nav-link:contains(After-Sales)",
            run: "click",
        },
        {
            content: "The customer class is shown",
            trigger: ".o_field_widget[name='asq_customer_class']:contains(A - Key customer)",
        },
        {
            content: "The locality is shown",
            trigger: ".o_field_widget[name='asq_locality']:contains(Remote)",
        },
        {
            content: "The credit level is not the sales user's to change",
            trigger: ".o_field_widget[name='asq_credit_level'].o_readonly_modifier:contains(II)",
        },
        {
            content: "The return ratio of the contract period is shown",
            trigger: ".o_field_widget[name='asq_period_return_ratio']:contains(10.00)",
        },
        {
            content: "The delivered lot is listed on the tab",
            trigger: ".o_field_widget[name='asq_delivered_line_ids'] .o_data_row:contains(TOUR-LOT-1)",
        },
        {
            content: "Open the delivered goods from the smart button",
            trigger: "button[name='action_asq_view_delivered_lines']:contains(Delivered)",
            run: "click",
        },
        {
            content: "The delivered goods list shows the lot",
            trigger: ".o_list_view .o_data_row:contains(TOUR-LOT-1)",
        },
    ],
});
