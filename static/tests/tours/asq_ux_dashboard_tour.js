import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("asq_ux_dashboard_tour", {
    steps: () => [
        {
            content: "The complaints per month are drawn by Odoo's graph view",
            trigger:
                ".o_asq_dashboard_chart[data-chart='complaints_month'] .o_graph_renderer canvas",
        },
        {
            content: "and the open CAPA by age",
            trigger: ".o_asq_dashboard_chart[data-chart='capa_age'] .o_graph_renderer canvas",
        },
        {
            content: "Open the overdue complaints",
            trigger: ".o_asq_dashboard_tile[data-tile='overdue_complaints']",
            run: "click",
        },
        {
            content: "The tile's filter is a facet of the search",
            trigger: ".o_searchview_facet:contains(Overdue)",
        },
        {
            content: "the late complaint is listed",
            trigger: ".o_list_view .o_data_row:contains(UX Tour Late Customer)",
        },
        {
            content: "the on-time one is not",
            trigger: ".o_list_view:not(:has(.o_data_row:contains(UX Tour On Time Customer)))",
        },
        {
            content: "Remove the facet",
            trigger: ".o_searchview_facet:contains(Overdue) .o_facet_remove",
            run: "click",
        },
        {
            content: "The facet is gone",
            trigger: ".o_searchview:not(:has(.o_searchview_facet:contains(Overdue)))",
        },
        {
            content: "and the open complaints on time show",
            trigger: ".o_list_view .o_data_row:contains(UX Tour On Time Customer)",
        },
    ],
});

registry.category("web_tour.tours").add("asq_ux_complaint_rate_tour", {
    steps: () => [
        {
            content: "The complaint rate opens on the last 12 months, a facet",
            trigger: ".o_searchview_facet:contains(Last 12 Months)",
        },
        {
            content: "Switch to the pivot",
            trigger: ".o_switch_view.o_pivot",
            run: "click",
        },
        {
            content: "Complaints and no delivery: no rate, not 0 %",
            trigger: ".o_pivot .o_pivot_cell_value:contains(no deliveries)",
        },
        {
            content: "Remove the period",
            trigger: ".o_searchview_facet:contains(Last 12 Months) .o_facet_remove",
            run: "click",
        },
        {
            content: "The facet is gone",
            trigger: ".o_searchview:not(:has(.o_searchview_facet))",
        },
        {
            content: "Switch to the graph",
            trigger: ".o_switch_view.o_graph",
            run: "click",
        },
        {
            content: "The month without deliveries is a gap in the line, not 0 %",
            trigger: ".o_graph_renderer canvas",
            run() {
                const chart = window.Chart.getChart(
                    document.querySelector(".o_graph_renderer canvas")
                );
                const data = chart.data.datasets.flatMap((dataset) => dataset.data);
                if (!data.length || data.some((value) => value !== null && value !== undefined)) {
                    throw new Error(
                        `Complaints and no delivery drawn as ${JSON.stringify(data)}`
                    );
                }
            },
        },
    ],
});
