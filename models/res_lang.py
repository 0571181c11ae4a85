from odoo import api, models


class ResLang(models.Model):
    _inherit = "res.lang"

    @api.model_create_multi
    def create(self, vals_list):
        langs = super().create(vals_list)
        langs.filtered("active")._asq_name_return_types()
        return langs

    def write(self, vals):
        activated = (
            self.filtered(lambda lang: not lang.active)
            if vals.get("active")
            else self.browse()
        )
        result = super().write(vals)
        activated._asq_name_return_types()
        return result

    def _asq_name_return_types(self):
        """A language installed after the warehouses were made (Settings >
        Languages, res.lang _activate_lang, toggle_active): their "Customer
        Returns" operation types are named in it as well, as those made
        after it are (stock.picking.type _asq_translate_name)."""
        if not self:
            return
        Warehouse = self.env["stock.warehouse"].sudo().with_context(active_test=False)
        if "asq_return_type_id" not in Warehouse._fields:
            return
        types = Warehouse.search(
            [("asq_return_type_id", "!=", False)]
        ).asq_return_type_id
        types._asq_translate_name(self.mapped("code"), renamed=False)
