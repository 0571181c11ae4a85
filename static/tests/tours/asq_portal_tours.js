import { registry } from "@web/core/registry";

// A real 1x1 PNG photo.
const PNG_B64 =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9" +
    "awAAAABJRU5ErkJggg==";

registry.category("web_tour.tours").add("asq_portal_complaint_tour", {
    steps: () => [
        {
            content: "File a new complaint",
            trigger: "a.o_asq_new_complaint",
            run: "click",
        },
        {
            content: "Category: product quality",
            trigger: "select[name='category']",
            run: "selectByLabel Product Quality",
        },
        {
            content: "Describe the problem",
            trigger: "textarea[name='description']",
            run: "edit The meter display stays blank",
        },
        {
            content: "Ask for an exchange",
            trigger: "select[name='customer_request']",
            run: "selectByLabel Exchange",
        },
        {
            content: "Pick the delivered lot concerned",
            trigger: "input[name='delivered_line_id'][data-lot='CC-LOT-1']",
            run: "click",
        },
        {
            content: "Attach a photo",
            trigger: "input[name='attachments']",
            run() {
                const bytes = Uint8Array.from(atob(PNG_B64), (c) => c.charCodeAt(0));
                const transfer = new DataTransfer();
                transfer.items.add(new File([bytes], "blank_display.png", { type: "image/png" }));
                document.querySelector("input[name='attachments']").files = transfer.files;
            },
        },
        {
            content: "Send the complaint",
            trigger: "button.o_asq_submit_complaint",
            run: "click",
        },
        {
            content: "The complaint is registered",
            trigger: "#asq_complaint_content .alert-success",
        },
        {
            content: "The photo is shown as evidence",
            trigger: ".o_asq_portal_evidence a:contains(blank_display.png)",
        },
        {
            content: "The status is New",
            trigger: ".o_asq_portal_state:contains(New)",
        },
    ],
});

registry.category("web_tour.tours").add("asq_portal_complaint_reply_tour", {
    steps: () => [
        {
            content: "Open the complaint from the list",
            trigger: ".o_portal_my_doc_table a:contains(CC/)",
            run: "click",
        },
        {
            content: "The timeline shows the reply",
            trigger: ".o_asq_portal_timeline li:contains(Replied)",
        },
        {
            content: "The status is Replied",
            trigger: ".o_asq_portal_state:contains(Replied)",
        },
        {
            content: "The reply is in the communication history",
            trigger: "#chatterRoot:shadow .o-mail-Message:contains(Exchange the 2 meters)",
        },
    ],
});

registry.category("web_tour.tours").add("asq_portal_return_tour", {
    steps: () => [
        {
            content: "Request a return",
            trigger: "a.o_asq_new_return",
            run: "click",
        },
        {
            content: "Pick the strips lot",
            trigger: "tr[data-lot='CC-LOT-2'] input[name='delivered_line_id']",
            run: "click",
        },
        {
            content: "Quantity",
            trigger: "tr[data-lot='CC-LOT-2'] input[name^='quantity_']",
            run: "edit 2",
        },
        {
            content: "Unsaleable goods, exchanged",
            trigger: "tr[data-lot='CC-LOT-2'] select[name^='kind_']",
            run: "select unsaleable",
        },
        {
            content: "Reason",
            trigger: "tr[data-lot='CC-LOT-2'] input[name^='reason_']",
            run: "edit Slow seller in our shop",
        },
        {
            content: "Submit the request",
            trigger: "button.o_asq_submit_return",
            run: "click",
        },
        {
            content: "The request is submitted",
            trigger: "#asq_return_content .alert-success",
        },
        {
            content: "It waits for the after-sales review",
            trigger: ".o_asq_portal_state:contains(After-Sales Review)",
        },
    ],
});

registry.category("web_tour.tours").add("asq_portal_return_approved_tour", {
    steps: () => [
        {
            content: "Open the request from the list",
            trigger: ".o_portal_my_doc_table a:contains(RET/)",
            run: "click",
        },
        {
            content: "The request is approved",
            trigger: ".o_asq_portal_state:contains(Approved)",
        },
        {
            content: "The timeline shows the business head approval",
            trigger: ".o_asq_portal_timeline li:contains(Business Head Approval)",
        },
    ],
});
