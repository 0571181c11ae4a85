import { registry } from "@web/core/registry";

// The sales user registers a complaint from a delivery, in the Sales app.
registry.category("web_tour.tours").add("asq_ux_sales_complaint_tour", {
    steps: () => [
        {
            content: "Open the home menu (the apps)",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: "Open the Sales app",
            trigger: ".o_app[data-menu-xmlid='sale.sale_menu_root']",
            run: "click",
        },
        {
            content: "The Sales app shows its After-Sales menu",
            trigger: ".o_main_navbar [data-menu-xmlid='after_sales_quality.asq_sale_menu']",
        },
        {
            content: "Open the customer's order",
            trigger: ".o_list_view .o_data_row:contains(UX Sales Customer) td[name='name']",
            run: "click",
        },
        {
            content: "The confirmed order offers a return request",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_asq_new_return']",
        },
        {
            content: "Open its delivery",
            trigger: ".o_form_view button[name='action_view_delivery']",
            run: "click",
        },
        {
            content: "Register a complaint about the delivered goods",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_asq_register_complaint']",
            run: "click",
        },
        {
            content: "The complaint is prefilled with the delivered lot",
            trigger: ".o_field_widget[name='line_ids'] .o_data_row:contains(UX-LOT-1)",
        },
        {
            content: "Category: product quality",
            trigger: ".o_field_widget[name='category'] select",
            run: "selectByLabel Product Quality",
        },
        {
            content: "Describe the problem",
            trigger: ".o_field_widget[name='description'] textarea",
            run: "edit Screen cracked on arrival",
        },
        {
            content: "Save the complaint",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "The complaint is saved",
            trigger: ".o_form_view .o_form_saved",
        },
    ],
});

// The warehouse receives a customer return from the Inventory Overview.
registry.category("web_tour.tours").add("asq_ux_warehouse_receipt_tour", {
    steps: () => [
        {
            content: "The Customer Returns card has a receipt to receive",
            trigger: ".o_kanban_record:contains(Customer Returns) button[name='get_action_picking_tree_ready']:contains(To Receive)",
            run: "click",
        },
        {
            content: "Open the return receipt",
            trigger: ".o_list_view .o_data_row:contains(UX Return Customer) td[name='name']",
            run: "click",
        },
        {
            content: "Validate the receipt",
            trigger: ".o_form_view .o_statusbar_buttons button[name='button_validate']",
            run: "click",
        },
        {
            content: "The receipt is done",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains(Done)",
        },
    ],
});
