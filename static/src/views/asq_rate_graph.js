import { registry } from "@web/core/registry";
import { graphView } from "@web/views/graph/graph_view";
import { GraphModel } from "@web/views/graph/graph_model";

/**
 * The complaint rate's graph: a month with complaints and no delivery has no
 * rate (the report answers false, the pivot reads "no deliveries"). Drawn as
 * 0 it would look like a month without complaints: it is left out instead,
 * a gap in the line and no bar (Chart.js skips null values).
 */
export class AsqRateGraphModel extends GraphModel {
    async _loadDataPoints(metaData) {
        const dataPoints = await super._loadDataPoints(metaData);
        for (const dataPoint of dataPoints) {
            if (dataPoint.value === false) {
                dataPoint.value = null;
            }
        }
        return dataPoints;
    }
}

registry.category("views").add("asq_rate_graph", {
    ...graphView,
    Model: AsqRateGraphModel,
});
