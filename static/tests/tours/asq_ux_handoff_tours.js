import { registry } from "@web/core/registry";

// Each signer of a return request finds it among their own activities
// (the systray's activity menu), opens it from there and signs.
const openFromActivityMenu = [
    {
        content: "Open my activities",
        trigger: ".o_menu_systray i[aria-label='Activities']",
        run: "click",
    },
    {
        content: "The return requests waiting for me",
        trigger: ".o-mail-ActivityMenu .o-mail-ActivityGroup[data-model_name='asq.return']",
        run: "click",
    },
    {
        content: "Open the request from the list of my to-dos",
        trigger: ".o_data_row:contains(Handoff Tour Customer) td[name='name']",
        run: "click",
    },
];

registry.category("web_tour.tours").add("asq_ux_handoff_sign_tour", {
    steps: () => [
        ...openFromActivityMenu,
        {
            content: "Sign the step waiting for me",
            trigger: ".o_statusbar_buttons button.btn-primary[name='action_open_sign']",
            run: "click",
        },
        {
            content: "Write a comment",
            trigger: ".modal .o_field_widget[name='comment'] textarea",
            run: "edit Agreed from my activities",
        },
        {
            content: "Confirm the signature",
            trigger: ".modal footer button.btn-primary[name='action_confirm']",
            run: "click",
        },
        {
            content: "The dialog closes",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "My to-do is marked done in the chatter",
            trigger: ".o-mail-Message:contains(Signed:)",
        },
    ],
});

registry.category("web_tour.tours").add("asq_ux_handoff_receive_tour", {
    steps: () => [
        ...openFromActivityMenu,
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
            trigger: ".o_list_view .o_data_row:contains(Handoff Tour Customer) td[name='name']",
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

registry.category("web_tour.tours").add("asq_ux_handoff_qc_tour", {
    steps: () => [
        ...openFromActivityMenu,
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

// The sales clerk asks the goods back from the sale order itself: the
// request opens prefilled with what is still at the customer.
registry.category("web_tour.tours").add("asq_ux_handoff_from_order_tour", {
    steps: () => [
        {
            content: "Ask the order's goods back",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_asq_new_return']",
            run: "click",
        },
        {
            content: "The request lists the delivered lot",
            trigger: ".o_field_widget[name='line_ids'] .o_data_row:contains(HANDOFF-1)",
        },
        {
            content: "Edit the line",
            trigger: ".o_field_widget[name='line_ids'] .o_data_row td[name='quantity']",
            run: "click",
        },
        {
            content: "Six to exchange",
            trigger: ".o_field_widget[name='line_ids'] .o_data_row [name='quantity'] input",
            run: "edit 6",
        },
        {
            content: "Why",
            trigger: ".o_field_widget[name='line_ids'] .o_data_row [name='reason'] textarea",
            run: "edit Does not sell in this region",
        },
        {
            content: "Save the request",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "Submit it",
            trigger: ".o_form_view .o_form_saved",
        },
        {
            content: "Submit it",
            trigger: ".o_statusbar_buttons button[name='action_submit']",
            run: "click",
        },
        {
            content: "Submitted: the button is gone",
            trigger: ".o_form_view:not(:has(.o_statusbar_buttons button[name='action_submit']))",
        },
    ],
});
