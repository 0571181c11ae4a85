"""Private ORM overrides made for speed, in one place.

Every method here overrides or calls a private method of the Odoo ORM (or
of ``mail``) because a measured operation was too slow without it; each
says which ``make bench`` row (tools/bench.py, README "Performance") or
which query budget of tests/test_perf.py justifies it. These are the first
things to check on an Odoo upgrade: a changed signature or behaviour of the
private method breaks them first (README "Private ORM overrides and why").
Removing one leaves the addon correct, only slower.

This module is imported right after ``asq_delivered_line`` (models/__init__.py):
the ``asq.delivered.line`` section extends a model that must exist already.
"""

from odoo import api, models
from odoo.tools import SQL

from .asq_workflow_mixin import AsqMark, asq_carried

# ----------------------------------------------------------------------
# Batch create: defaults once per batch (ORM ``_add_missing_default_values``)
# and followers in one insert per owner (``mail.followers._insert_followers``)
# ----------------------------------------------------------------------


def fill_batch_defaults(model, vals_list):
    """The defaults are the same for every record of a batch: compute them
    once, not once per record as the ORM does (a fifth of the cost of
    creating 1,000 complaints). Returns the model to create with, which
    skips the ORM's own per-record lookup (``_add_missing_default_values``),
    and the filled values.

    Bench rows: "create 1,000 complaints" and "import 1,000 complaints".
    """
    if len(vals_list) < 2:
        return model, vals_list
    defaults = model._add_missing_default_values({})
    return (
        model.with_context(asq_defaults_filled=AsqMark(model._name)),
        [{**defaults, **vals} for vals in vals_list],
    )


class AsqBatchDefaults(models.AbstractModel):
    """Batch creation helpers of the documents created by the thousand
    (complaints and their lines: imports, legacy ledgers, the API)."""

    _name = "asq.batch.defaults"
    _description = "Batch Defaults"

    # Overrides the private BaseModel._add_missing_default_values.
    # Bench rows: "create 1,000 complaints", "import 1,000 complaints".
    @api.model
    def _add_missing_default_values(self, values):
        """Skip the per-record default lookup of a batch whose defaults
        :func:`fill_batch_defaults` already filled."""
        if asq_carried(self.env, "asq_defaults_filled") == self._name:
            return values
        return super()._add_missing_default_values(values)

    # Calls the private mail.followers._insert_followers.
    # Bench row: "create 1,000 complaints" (949-991 per second before, see
    # README); tests/test_perf.py
    # test_batch_skips_the_created_note_a_single_complaint_keeps_it checks the
    # followers equal those of one-by-one creation.
    def _asq_follow_batch(self, owner_field="user_id"):
        """The followers ``mail.thread`` gives each new record (its creator,
        its owner ``owner_field``), for a batch in one insert per owner."""
        creator = self.env["res.partner"]
        if self.env.user.active and not self.env.context.get("mail_create_nosubscribe"):
            creator = self.env.user.partner_id
        for owner, records in self.grouped(owner_field).items():
            partners = creator | owner.sudo().filtered("active").partner_id
            if partners:
                self.env["mail.followers"]._insert_followers(
                    self._name, records.ids, partners.ids, check_existing=False
                )


# ----------------------------------------------------------------------
# res.company: reference numbers by raw ``nextval`` (bypasses ir.sequence)
# ----------------------------------------------------------------------


class ResCompany(models.Model):
    _inherit = "res.company"

    # Reads ir.sequence's PostgreSQL sequence directly (its private naming
    # ``ir_sequence_%03d`` and ``_get_prefix_suffix``).
    # Bench rows: "create 1,000 complaints", "import 1,000 complaints".
    def _asq_next_references(self, code, count):
        """``count`` references of the sequence ``code`` of this company:
        what ``count`` calls to ``next_by_code`` give, in one query for a
        standard (gap-allowed) sequence instead of two per reference."""
        self.ensure_one()
        Sequence = self.env["ir.sequence"].with_company(self)
        Sequence.check_access("read")
        sequence = Sequence.search(
            [("code", "=", code), ("company_id", "in", [self.id, False])],
            order="company_id",
            limit=1,
        )
        if not sequence:
            return [False] * count
        if sequence.implementation != "standard" or sequence.use_date_range:
            return [sequence._next() for _i in range(count)]
        self.env.cr.execute(
            SQL(
                "SELECT nextval(%s) FROM generate_series(1, %s)",
                f"ir_sequence_{sequence.id:03d}",
                count,
            )
        )
        prefix, suffix = sequence._get_prefix_suffix()
        return [
            f"{prefix}{number:0{sequence.padding}d}{suffix}"
            for number in sorted(number for (number,) in self.env.cr.fetchall())
        ]


# ----------------------------------------------------------------------
# asq.delivered.line: the SQL view grouped over the rows asked for only
# (ORM ``_search`` and ``_as_query``)
# ----------------------------------------------------------------------


class AsqDeliveredLine(models.Model):
    _inherit = "asq.delivered.line"

    # Reading given rows (forms, many2one names, computed fields) or one
    # customer's goods (partner counters, pickers) needs only their moves:
    # the grouping is restricted to them instead of grouping every delivery
    # ever made and then filtering the result.
    # Bench row: "partner form counters (one customer)" (0.69 s -> 0.02 s at
    # 100,000 moves); tests/test_perf.py test_partner_counters,
    # test_report_lists; tests/test_kpi.py
    # test_delivered_rows_read_by_id_match_the_full_report (same rows).
    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        restriction = self._asq_restriction(domain)
        model = self.with_context(**restriction) if restriction else self
        return super(AsqDeliveredLine, model)._search(
            domain, offset=offset, limit=limit, order=order
        )

    def _as_query(self, ordered=True):
        ids = tuple(id_ for id_ in self._ids if isinstance(id_, int))
        records = self.with_context(asq_delivered_ids=AsqMark(ids)) if ids else self
        return super(AsqDeliveredLine, records)._as_query(ordered)

    @staticmethod
    def _asq_restriction(domain):
        """Context keys restricting the grouping, from the conditions every
        row of ``domain`` meets: ``id`` or ``partner_id`` in given ids (a
        domain of leaves joined by AND only)."""
        if any(not isinstance(term, list | tuple) and term != "&" for term in domain):
            return {}
        restriction = {}
        for term in domain:
            if not isinstance(term, list | tuple) or len(term) != 3:
                continue
            fname, operator, value = term
            key = {"id": "asq_delivered_ids", "partner_id": "asq_delivered_partner_ids"}
            if fname not in key or operator not in ("in", "="):
                continue
            values = value if isinstance(value, list | tuple) else [value]
            ids = tuple(id_ for id_ in values if isinstance(id_, int))
            if ids and len(ids) == len(values) and key[fname] not in restriction:
                restriction[key[fname]] = AsqMark(ids)
        return restriction


# ----------------------------------------------------------------------
# Grouped reports: the groups' records named in one query per comodel
# (ORM ``_read_group_format_result``); asq.report.ratio.mixin inherits it
# ----------------------------------------------------------------------


class AsqReadGroupNames(models.AbstractModel):
    """Report models grouped by many2one (customer, product, ...)."""

    _name = "asq.read.group.names"
    _description = "Grouped Reports Named in One Query"

    # Overrides the private BaseModel._read_group_format_result.
    # Bench row: "return-ratio report by customer" (the same number of
    # queries for 1,000 and 10,000 customers: README "Reading the table").
    def _read_group_format_result(self, rows_dict, lazy_groupby):
        """Name the groups' records in one query per comodel, however many
        groups (the ORM would read their names 1,000 at a time): the query
        count of a report grouped by customer does not grow with them."""
        for spec in lazy_groupby:
            field = self._fields[spec.split(":")[0].split(".")[0]]
            if field.type != "many2one":
                continue
            comodel = self.env[field.comodel_name].sudo()
            records = comodel.browse({row[spec].id for row in rows_dict if row[spec]})
            # the columns the ORM would prefetch anyway, all rows at once
            columns = [
                name
                for name, column in comodel._fields.items()
                if column.store and column.column_type and column.prefetch is True
            ]
            if records:
                records.fetch(columns)
        return super()._read_group_format_result(rows_dict, lazy_groupby)
