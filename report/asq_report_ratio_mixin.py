from odoo import api, models
from odoo.osv.expression import TRUE_LEAF


class AsqReportRatioMixin(models.AbstractModel):
    """Ratios that stay right once grouped.

    A rate is a quotient of two totals: averaging the per-row rates of a
    group would weigh a customer with one delivery like one with a thousand.
    Report models list their rates in ``_asq_ratios`` as
    ``rate field -> (numerator, denominator, factor, independent)``: when a
    pivot, graph or grouped list asks for a rate, the numerator and the
    denominator are summed by PostgreSQL with the group and the rate is
    their quotient. ``independent`` names the groupbys the denominator does
    not depend on (complaint rows carry no deliveries, so a complaint
    category's rate divides by every delivery of the other groupbys): the
    denominator then comes from one more grouped read without them.
    """

    _name = "asq.report.ratio.mixin"
    # groups named in one query (models/asq_orm_speed.py)
    _inherit = ["asq.read.group.names"]
    _description = "After-Sales Report Rates"

    # rate field -> (numerator, denominator, factor, independent groupbys)
    _asq_ratios = {}

    @api.model
    def read_group(
        self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True
    ):
        wanted = [
            spec.split(":")[0]
            for spec in fields
            if spec.split(":")[0] in self._asq_ratios
        ]
        if not wanted:
            return super().read_group(
                domain, fields, groupby, offset, limit, orderby, lazy
            )
        fields = [spec for spec in fields if spec.split(":")[0] not in wanted]
        for rate in wanted:
            for term in self._asq_ratios[rate][:2]:
                if term not in fields:
                    fields.append(term)
        if orderby and orderby.split()[0] in wanted:
            orderby = False
        groups = super().read_group(
            domain, fields, groupby, offset, limit, orderby, lazy
        )
        groupby = [groupby] if isinstance(groupby, str) else list(groupby)
        lazy_groupby = groupby[:1] if lazy else groupby
        for rate in wanted:
            numerator, denominator, factor, independent = self._asq_ratios[rate]
            denominators = self._asq_independent_denominators(
                super().read_group, domain, denominator, lazy_groupby, independent
            )
            for group in groups:
                if denominators is None:
                    total = group.get(denominator) or 0
                else:
                    key = tuple(
                        group.get(spec)
                        for spec in lazy_groupby
                        if spec.split(":")[0] not in independent
                    )
                    total = denominators.get(key, 0)
                group[rate] = (
                    (group.get(numerator) or 0) * factor / total if total else 0.0
                )
        return groups

    def _asq_independent_denominators(
        self, read_group, domain, denominator, groupby, independent
    ):
        """Denominators grouped without the groupbys they don't depend on, or
        None when the groupby holds none of those."""
        if not independent or not any(
            spec.split(":")[0] in independent for spec in groupby
        ):
            return None
        kept = [spec for spec in groupby if spec.split(":")[0] not in independent]
        # Conditions on those groupbys hold on no delivery row: neutralised,
        # not removed, so that the domain's operators keep their arity.
        domain = [
            TRUE_LEAF
            if isinstance(leaf, list | tuple) and leaf[0] in independent
            else leaf
            for leaf in domain
        ]
        if not kept:
            totals = read_group(domain, [denominator], [], lazy=False)
            return {(): totals[0].get(denominator) or 0 if totals else 0}
        return {
            tuple(group.get(spec) for spec in kept): group.get(denominator) or 0
            for group in read_group(domain, [denominator], kept, lazy=False)
        }

    @api.model
    def _asq_rates(self, domain, groupby, rates, aggregates=()):
        """The rates and their terms, grouped, for code (packs, dashboards):
        one dict per group, keyed by the groupby specs and field names.
        ``aggregates`` adds other measures ("loss_amount:sum") to the same
        grouped read."""
        fields = [term for rate in rates for term in self._asq_ratios[rate][:2]]
        return self.read_group(
            domain,
            list(dict.fromkeys([*fields, *rates, *aggregates])),
            groupby,
            lazy=False,
        )
