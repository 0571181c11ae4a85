import publicWidget from "@web/legacy/js/public/public_widget";

/**
 * The goods table of the portal's complaint and return request forms:
 * the search box hides the rows whose product, internal reference, lot,
 * delivery or date do not match what the customer types (ticked goods stay
 * shown); Enter in the box does not send the form.
 */
publicWidget.registry.AsqPortalGoodsSearch = publicWidget.Widget.extend({
    selector: ".o_asq_complaint_form, .o_asq_return_form",
    events: {
        "input .o_asq_goods_search": "_onSearch",
        "keydown .o_asq_goods_search": "_onKeydown",
    },

    start() {
        this._filter();
        return this._super(...arguments);
    },

    _onKeydown(ev) {
        if (ev.key === "Enter") {
            ev.preventDefault();
        }
    },

    _onSearch() {
        this._filter();
    },

    _filter() {
        const box = this.el.querySelector(".o_asq_goods_search");
        const term = ((box && box.value) || "").trim().toLowerCase();
        for (const row of this.el.querySelectorAll(".o_asq_goods_row")) {
            const text = (row.dataset.asqSearch || "").toLowerCase();
            const ticked = row.querySelector("input[name='delivered_line_id']:checked");
            row.classList.toggle("d-none", Boolean(term && !ticked && !text.includes(term)));
        }
    },
});
