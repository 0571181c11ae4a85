import { registry } from "@web/core/registry";

const openRequest = [
    {
        content: "Open the return request from the list",
        trigger: ".o_list_view .o_data_row:contains(Tour Return Customer) td[name='name']",
        run: "click",
    },
];

registry.category("web_tour.tours").add("asq_return_submit_tour", {
    steps: () => [
        ...openRequest,
        {
            content: "The requested line shows its lot",
            trigger: ".o_field_widget[name='line_ids'] .o_data_row:contains(TOUR-RET-1)",
        },
        {
            content: "Submit the detail form",
            trigger: ".o_statusbar_buttons button[name='action_submit']",
            run: "click",
        },
        {
            content: "The request waits for the after-sales review",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(After-Sales Review)",
        },
    ],
});

registry.category("web_tour.tours").add("asq_return_sign_tour", {
    steps: () => [
        ...openRequest,
        {
            content: "Sign the current step",
            trigger: ".o_statusbar_buttons button.btn-primary[name='action_open_sign']",
            run: "click",
        },
        {
            content: "Write a comment",
            trigger: ".modal .o_field_widget[name='comment'] textarea",
            run: "edit Checked in the tour",
        },
        {
            content: "Confirm the signature",
            trigger: ".modal footer button.btn-primary[name='action_confirm']",
            run: "click",
        },
        {
            content: "The dialog closes and the approval is logged",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "The approval is in the chatter",
            trigger: ".o-mail-Message:contains(Checked in the tour)",
        },
    ],
});

registry.category("web_tour.tours").add("asq_return_warehouse_tour", {
    steps: () => [
        ...openRequest,
        {
            content: "The warehouse creates the return receipt",
            trigger: ".o_statusbar_buttons button[name='action_create_receipt']",
            run: "click",
        },
        {
            content: "Open the transfers of the request",
            trigger: "button[name='action_view_pickings']:contains(Transfers)",
            run: "click",
        },
        {
            content: "Open the return receipt",
            trigger: ".o_list_view .o_data_row:contains(Tour Return Customer) td[name='name']",
            run: "click",
        },
        {
            content: "Validate the receipt into the QC location",
            trigger: ".o_form_view .o_statusbar_buttons button[name='button_validate']",
            run: "click",
        },
        {
            content: "The receipt is done",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains(Done)",
        },
    ],
});

registry.category("web_tour.tours").add("asq_return_qc_tour", {
    steps: () => [
        ...openRequest,
        {
            content: "The goods are in QC",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Received for QC)",
        },
        {
            content: "Edit the QC result of the line",
            trigger: ".o_field_widget[name='line_ids'] .o_data_row td[name='qc_result']",
            run: "click",
        },
        {
            content: "Accept the returned goods",
            trigger: ".o_field_widget[name='line_ids'] .o_data_row .o_field_widget[name='qc_result'] select",
            run: "selectByLabel Accepted",
        },
        {
            content: "Book them back to stock",
            trigger: ".o_field_widget[name='line_ids'] .o_data_row .o_field_widget[name='qc_disposition'] select",
            run: "selectByLabel Back to stock",
        },
        {
            content: "Sign the QC inspection (the form saves first)",
            trigger: ".o_statusbar_buttons button[name='action_qc_sign']",
            run: "click",
        },
        {
            content: "The request is inspected",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Inspected)",
        },
    ],
});
