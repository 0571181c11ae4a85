import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { Layout } from "@web/search/layout";
import { View } from "@web/views/view";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

/**
 * The quality managers' landing page (After-Sales > Dashboard): the figures
 * come from ``asq.dashboard.retrieve_dashboard``, one tile per list the user
 * may open; a click opens that list filtered as the tile counts it.
 */
export class AsqQualityDashboard extends Component {
    static template = "after_sales_quality.QualityDashboard";
    static components = { Layout, View };
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ data: null });
        onWillStart(() => this.load());
    }

    get display() {
        return { controlPanel: {} };
    }

    get labels() {
        return {
            approvals: _t("Approvals Waiting for Me"),
            approvalsHelp: _t("Steps one of your roles signs next"),
            satisfaction: _t("Satisfaction Index"),
            target: _t("Target"),
            vsPrevious: _t("vs previous campaign"),
            noPrevious: _t("No previous campaign to compare with"),
            noCampaign: _t("No satisfaction survey closed yet."),
            refresh: _t("Refresh"),
        };
    }

    /**
     * Props of Odoo's graph view for a chart of ``retrieve_dashboard``: the
     * report model's own grouped read, a click opens the rows behind a bar.
     */
    chartProps(chart) {
        return {
            resModel: chart.model,
            type: "graph",
            viewId: chart.view,
            views: [
                [chart.view, "graph"],
                [false, "search"],
            ],
            domain: chart.domain,
            context: chart.context,
            display: { controlPanel: false, searchPanel: false },
            useSampleModel: false,
        };
    }

    async load() {
        this.state.data = await this.orm.call("asq.dashboard", "retrieve_dashboard");
        // A new key remounts the charts: they read their figures again.
        this.state.loads = (this.state.loads || 0) + 1;
    }

    async openTile(key) {
        const action = await this.orm.call("asq.dashboard", "action_open_tile", [key]);
        await this.action.doAction(action);
    }

    /** Bootstrap text colour of the index against its target. */
    get satisfactionClass() {
        const figures = this.state.data.satisfaction;
        return figures.met ? "text-success" : "text-danger";
    }

    formatTrend(trend) {
        return `${trend > 0 ? "+" : ""}${trend.toFixed(1)}`;
    }
}

registry.category("actions").add("asq_quality_dashboard", AsqQualityDashboard);
