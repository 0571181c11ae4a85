import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("asq_dashboard_tour", {
    steps: () => [
        {
            content: "The dashboard shows the open complaints",
            trigger: ".o_asq_dashboard_tile[data-tile='open_complaints'] .o_asq_dashboard_count",
        },
        {
            content: "The CAPA actions due",
            trigger: ".o_asq_dashboard_tile[data-tile='capa_due']",
        },
        {
            content: "Approvals waiting for me",
            trigger: ".o_asq_dashboard_approvals [data-tile='my_returns']",
        },
        {
            content: "Overdue complaints are shown in red",
            trigger: ".o_asq_dashboard_tile.text-bg-danger[data-tile='overdue_complaints']",
            run: "click",
        },
        {
            content: "The overdue complaint list opens",
            trigger: ".o_last_breadcrumb_item:contains(Overdue Complaints)",
        },
        {
            content: "with the late complaint in it",
            trigger: ".o_list_view .o_data_row:contains(Dash Tour Late Customer)",
        },
    ],
});
