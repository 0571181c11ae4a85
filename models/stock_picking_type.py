from odoo import fields, models

# The transfers that take returned goods out of the return QC location.
PUTAWAY_ROLES = ("putaway", "reject")
# A put-away not yet to do (draft) or no longer to do.
NOT_TO_DO = ("draft", "done", "cancel")


class StockPickingType(models.Model):
    _inherit = "stock.picking.type"

    asq_customer_return = fields.Boolean(
        string="Customer Returns",
        compute="_compute_asq_customer_return",
        help="The operation type of a warehouse's customer returns: its "
        "Overview card counts the goods waiting for QC and to put away.",
    )
    asq_count_waiting_qc = fields.Integer(
        string="Waiting for QC", compute="_compute_asq_return_counts"
    )
    asq_count_to_putaway = fields.Integer(
        string="To Put Away", compute="_compute_asq_return_counts"
    )

    def _compute_asq_customer_return(self):
        types = (
            self.env["stock.warehouse"]
            .sudo()
            .search([("asq_return_type_id", "in", self.ids)])
            .asq_return_type_id
        )
        for picking_type in self:
            picking_type.asq_customer_return = picking_type in types

    def _compute_asq_return_counts(self):
        """Overview card "Customer Returns": what waits for QC and what is
        to put away, one grouped read each for all the cards (not a count
        per warehouse)."""
        returns = self.filtered("asq_customer_return")
        waiting = {}
        putaway = {}
        if returns:
            if self.env["asq.return"].has_access("read"):
                # The requests received through each type (a request counted
                # once however many of its transfers are of the type); the
                # user's rights on the requests apply to the subquery.
                waiting = {
                    picking_type.id: count
                    for picking_type, count in self.env["stock.picking"]._read_group(
                        [
                            ("picking_type_id", "in", returns.ids),
                            ("asq_return_id.state", "=", "received"),
                        ],
                        ["picking_type_id"],
                        ["asq_return_id:count_distinct"],
                    )
                }
            qc_locations = returns.default_location_dest_id
            by_location = self.env["stock.picking"]._read_group(
                [
                    ("asq_return_role", "in", PUTAWAY_ROLES),
                    ("state", "not in", NOT_TO_DO),
                    ("location_id", "child_of", qc_locations.ids),
                ],
                ["location_id"],
                ["__count"],
            )
            # Each transfer counts on the card of every type whose QC
            # location holds its source location (parent_path: "1/7/12/").
            for location, count in by_location:
                ancestors = {
                    int(i) for i in location.sudo().parent_path.split("/")[:-1]
                }
                for picking_type in returns:
                    if picking_type.default_location_dest_id.id in ancestors:
                        putaway[picking_type.id] = (
                            putaway.get(picking_type.id, 0) + count
                        )
        for picking_type in self:
            picking_type.asq_count_waiting_qc = waiting.get(picking_type.id, 0)
            picking_type.asq_count_to_putaway = putaway.get(picking_type.id, 0)

    def _asq_translate_name(self, langs=None, renamed=True):
        """Name the "Customer Returns" types in every installed language (or
        in ``langs``): the type is made in one language (the installer's),
        and the Overview card of a Chinese user must read 客户退货 all the
        same. ``renamed=False`` (a language installed later, res.lang) keeps
        the names the users gave: only a type still named "Customer Returns"
        in English, and in a language it has no name of its own in, is
        named."""
        installed = [code for code, _name in self.env["res.lang"].get_installed()]
        langs = [lang for lang in langs or installed if lang in installed]
        if not langs:
            return
        for picking_type in self:
            english = picking_type.with_context(lang="en_US").name
            if not renamed and english != "Customer Returns":
                continue
            names = {
                lang: picking_type.with_context(lang=lang).env._("Customer Returns")
                for lang in langs
                if renamed or picking_type.with_context(lang=lang).name == english
            }
            if names:
                picking_type.update_field_translations("name", names)

    def _asq_waiting_qc_domain(self):
        """Requests whose goods are in the QC location, not yet inspected."""
        return [
            ("state", "=", "received"),
            ("picking_ids.picking_type_id", "in", self.ids),
        ]

    def _asq_to_putaway_domain(self):
        """The open transfers out of this type's return QC location."""
        self.ensure_one()
        return [
            ("asq_return_role", "in", PUTAWAY_ROLES),
            ("state", "not in", NOT_TO_DO),
            ("location_id", "child_of", self.default_location_dest_id.id),
        ]

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_asq_waiting_qc(self):
        """Overview card link "Waiting for QC": the requests received into
        QC through this type, waiting for the inspectors."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_quality.asq_return_action"
        )
        action.update(
            display_name=self.env._("Waiting for QC"),
            domain=self._asq_waiting_qc_domain(),
            context={},
        )
        return action

    def action_asq_to_putaway(self):
        """Overview card link "To Put Away": the transfers taking inspected
        goods out of the QC location (to stock, rework, scrap or back to the
        customer)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock.action_picking_tree_all"
        )
        action.update(
            display_name=self.env._("To Put Away"),
            domain=self._asq_to_putaway_domain(),
            context={"create": False},
        )
        return action
