from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import PoFileReader, TranslationModuleReader


@tagged("post_install", "-at_install", "asq_foundation")
class TestChineseTranslation(TransactionCase):
    def test_zh_cn_po_is_complete(self):
        """Every user-facing term of the addon has a Chinese translation."""
        reader = TranslationModuleReader(self.env.cr, modules=["after_sales_quality"])
        sources = {
            src
            for module, _type, _name, _res_id, src, _value, _comments in reader
            if module == "after_sales_quality" and src and src.strip()
        }
        path = f"{get_module_path('after_sales_quality')}/i18n/zh_CN.po"
        with open(path, "rb") as po_file:
            translated = {
                entry["src"] for entry in PoFileReader(po_file) if entry["value"]
            }
        missing = sorted(sources - translated)
        self.assertFalse(
            missing, f"{len(missing)} terms lack a zh_CN translation: {missing[:20]}"
        )
        self.assertGreater(len(sources), 100)

    def test_chinese_labels_load(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["after_sales_quality"], ["zh_CN"], overwrite=True
        )
        fields = (
            self.env["res.partner"]
            .with_context(lang="zh_CN")
            .fields_get(["asq_customer_class"], ["string", "selection"])
        )
        self.assertEqual(fields["asq_customer_class"]["string"], "客户类别")
        self.assertIn(
            ["a", "A - 重点客户"],
            [list(s) for s in fields["asq_customer_class"]["selection"]],
        )
