import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { formatFloat } from "@web/views/fields/formatters";

/**
 * A complaint rate: complaints per 100 deliveries. The report answers false
 * for a group with complaints and no delivery: "no deliveries", not 0 %.
 * Used as ``widget="asq_rate"`` on the pivot's rate measure.
 */
export function formatAsqRate(value, options = {}) {
    if (value === false) {
        return _t("no deliveries");
    }
    return formatFloat(value, options);
}

registry.category("formatters").add("asq_rate", formatAsqRate);
