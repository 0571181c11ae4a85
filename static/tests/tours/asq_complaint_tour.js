import { registry } from "@web/core/registry";

const statusIs = (label) => ({
    content: `The complaint is now ${label}`,
    trigger: `.o_statusbar_status [aria-checked="true"]:contains(${label})`,
});

const clickButton = (name, content) => ({
    content,
    trigger: `.o_form_view .o_statusbar_buttons button[name='${name}']`,
    run: "click",
});

registry.category("web_tour.tours").add("asq_complaint_tour", {
    steps: () => [
        {
            content: "Register a new complaint",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Pick the customer",
            trigger: ".o_field_widget[name='partner_id'] input",
            run: "edit Tour Complaint Customer",
        },
        {
            content: "Select the customer in the dropdown",
            trigger: ".o-autocomplete--dropdown-item:contains(Tour Complaint Customer)",
            run: "click",
        },
        {
            content: "Category: product quality",
            trigger: ".o_field_widget[name='category'] select",
            run: "selectByLabel Product Quality",
        },
        {
            content: "Describe the problem",
            trigger: ".o_field_widget[name='description'] textarea",
            run: "edit The meter does not switch on",
        },
        clickButton("action_submit", "Register the complaint"),
        statusIs("Under Review"),
        clickButton("action_judge_valid", "The quality manager judges it valid"),
        statusIs("Investigating"),
        {
            content: "Open the investigation",
            trigger: ".o_notebook .nav-link:contains(Investigation)",
            run: "click",
        },
        {
            content: "Responsibility: internal department",
            trigger: ".o_field_widget[name='responsibility'] select",
            run: "selectByLabel Internal Department",
        },
        {
            content: "Responsible department",
            trigger: ".o_field_widget[name='responsible_department_id'] input",
            run: "edit Tour Assembly",
        },
        {
            content: "Select the department in the dropdown",
            trigger: ".o-autocomplete--dropdown-item:contains(Tour Assembly)",
            run: "click",
        },
        {
            content: "Root cause",
            trigger: ".o_field_widget[name='root_cause'] textarea",
            run: "edit Loose connector",
        },
        {
            content: "Open the disposition",
            trigger: ".o_notebook .nav-link:contains(Disposition)",
            run: "click",
        },
        {
            content: "Disposition: concession discount",
            trigger: ".o_field_widget[name='disposition'] select",
            run: "selectByLabel Concession Discount",
        },
        clickButton("action_record_findings", "The inspector records the findings"),
        {
            content: "The findings are signed",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_decide']",
        },
        clickButton("action_decide", "The quality manager approves the disposition"),
        statusIs("Disposition Decided"),
        clickButton("action_reply", "Send the reply to the customer"),
        {
            content: "The reply opens in the mail composer, prefilled and editable",
            trigger: ".modal .o_field_widget[name='body']:contains(What we will do)",
        },
        {
            content: "Send it",
            trigger: ".modal footer button.o_mail_send",
            run: "click",
        },
        statusIs("Replied"),
        clickButton("action_customer_satisfied", "The customer is satisfied"),
        statusIs("Satisfaction Confirmed"),
        // 003 §3.8: the factory manager signs the final report (the admin
        // holds the general manager role, the default signer)
        clickButton("action_final_signoff", "Sign the final report"),
        {
            content: "Confirm the signature",
            trigger: ".modal footer button.btn-primary",
            run: "click",
        },
        clickButton("action_close", "Close the complaint"),
        statusIs("Closed"),
    ],
});
