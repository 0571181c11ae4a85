import { registry } from "@web/core/registry";

// The customer answers the reply to a complaint on the portal: satisfied.
registry.category("web_tour.tours").add("asq_ux_portal_satisfied_tour", {
    steps: () => [
        {
            content: "The reply asks whether the customer is satisfied",
            trigger: ".o_asq_satisfaction .card-title",
        },
        {
            content: "Leave a comment",
            trigger: ".o_asq_satisfaction textarea[name='comment']",
            run: "edit Fast and clear answer, thank you",
        },
        {
            content: "Answer: satisfied",
            trigger: ".o_asq_satisfaction button.o_asq_satisfied",
            run: "click",
        },
        {
            content: "The answer is recorded",
            trigger: ".o_asq_answered",
        },
        {
            content: "The buttons are gone; the answer is shown",
            trigger: ".o_asq_satisfaction_given:not(:has(.o_asq_satisfied))",
        },
    ],
});
