import { registry } from "@web/core/registry";

const statusIs = (label) => ({
    content: `The claim is now ${label}`,
    trigger: `.o_statusbar_status [aria-checked="true"]:contains(${label})`,
});

const clickButton = (name, content) => ({
    content,
    trigger: `.o_form_view .o_statusbar_buttons button[name='${name}']`,
    run: "click",
});

// 002 §6.2.8 「三包索赔件」: from the parts received to the quality
// department's verdict and the explanation to the customer.
registry.category("web_tour.tours").add("asq_procedures_warranty", {
    steps: () => [
        {
            content: "Record a new warranty claim",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Pick the OEM",
            trigger: ".o_field_widget[name='partner_id'] input",
            run: "edit Tour Warranty OEM",
        },
        {
            content: "Select the OEM in the dropdown",
            trigger: ".o-autocomplete--dropdown-item:contains(Tour Warranty OEM)",
            run: "click",
        },
        {
            content: "Claimed by an OEM",
            trigger: ".o_field_widget[name='claimant_type'] select",
            run: "selectByLabel OEM",
        },
        {
            content: "The customer's claim reference",
            trigger: ".o_field_widget[name='customer_reference'] input",
            run: "edit TOUR-WC-1",
        },
        {
            content: "Pick the product",
            trigger: ".o_field_widget[name='product_id'] input",
            run: "edit Tour Warranty Sensor",
        },
        {
            content: "Select the product in the dropdown",
            trigger: ".o-autocomplete--dropdown-item:contains(Tour Warranty Sensor)",
            run: "click",
        },
        {
            content: "Two parts claimed",
            trigger: ".o_field_widget[name='quantity'] input",
            run: "edit 2",
        },
        clickButton("action_receive", "The parts are received"),
        statusIs("Parts Received"),
        {
            content: "The quality department records its analysis",
            trigger: ".o_field_widget[name='analysis'] textarea",
            run: "edit Terminal bent by the installer",
        },
        {
            content: "Verdict: not our fault",
            trigger: ".o_field_widget[name='verdict'] select",
            run: "selectByLabel Not Our Fault",
        },
        clickButton("action_analyse", "Sign the analysis"),
        statusIs("Analysed"),
        clickButton("action_explain", "Send the explanation to the customer"),
        {
            content: "The explanation opens in the mail composer, prefilled",
            trigger: ".modal .o_field_widget[name='body']:contains(Terminal bent)",
        },
        {
            content: "Send it",
            trigger: ".modal footer button.o_mail_send",
            run: "click",
        },
        {
            content: "The explanation is signed",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_close']",
        },
    ],
});
