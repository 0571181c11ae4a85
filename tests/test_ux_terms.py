# The terms are Chinese, with their full-width punctuation.
# ruff: noqa: RUF001, RUF003
import importlib.util
import re

from odoo.modules.module import get_module_path
from odoo.tests import BaseCase, TransactionCase, tagged
from odoo.tools.translate import PoFileReader

MODULE = "after_sales_quality"
CAPA = "纠正预防措施"
# 品质 is the other word for quality; 产品质量 (product quality) holds the
# same two characters and is not it.
OTHER_QUALITY = re.compile(r"(?<!产)品质|质管部")


def _po_entries():
    """(msgid, msgstr) of every translated entry of i18n/zh_CN.po."""
    path = f"{get_module_path(MODULE)}/i18n/zh_CN.po"
    seen = set()
    for entry in PoFileReader(path):
        key = (entry["src"], entry["value"])
        if entry["value"] and key not in seen:
            seen.add(key)
            yield key


def _demo_chinese():
    """The Chinese text of the demo data (XML and its loader)."""
    root = get_module_path(MODULE)
    for name in ("demo/after_sales_quality_demo.xml", "models/asq_demo.py"):
        with open(f"{root}/{name}", encoding="utf8") as handle:
            for number, line in enumerate(handle, 1):
                if re.search(r"[\u4e00-\u9fff]", line):
                    yield f"{name}:{number}", line


@tagged("post_install", "-at_install", "asq_ux")
class TestChineseTerms(BaseCase):
    """The words a Chinese quality department uses, one for each thing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.entries = list(_po_entries())

    def _where(self, test):
        return [(src[:60], value) for src, value in self.entries if test(src, value)]

    def test_severity_reads_minor_serious_fatal(self):
        labels = dict(self.entries)
        self.assertEqual(
            [labels["Minor"], labels["Major"], labels["Critical"]],
            ["轻微", "严重", "致命"],
        )
        self.assertEqual(labels["Major or Critical"], "严重或致命")
        # 重大 (the old word for major) is gone from every severity text.
        self.assertFalse(
            self._where(
                lambda src, value: re.search(r"\b(major|critical)\b", src, re.I)
                and "customer" not in src.lower()
                and ("重大" in value or "一般" in value)
            )
        )

    def test_incident_rate_is_buliang_rate(self):
        rates = self._where(lambda src, value: "incident rate" in src.lower())
        self.assertTrue(rates)
        self.assertFalse([r for r in rates if "不良率" not in r[1]], "不良率")
        self.assertFalse(self._where(lambda src, value: "事故" in value), "事故")

    def test_dashboard_is_yibiaoban_kanban_stays_kanban(self):
        boards = self._where(lambda src, value: "dashboard" in src.lower())
        self.assertTrue(boards)
        self.assertFalse([b for b in boards if "仪表板" not in b[1]], "仪表板")
        self.assertFalse(
            self._where(
                lambda src, value: "看板" in value and "kanban" not in src.lower()
            ),
            "看板 only for a Kanban view",
        )

    def test_one_capa_term(self):
        capa = self._where(
            lambda src, value: re.search(
                r"\bCAPA\b|corrective and preventive", src, re.I
            )
        )
        self.assertTrue(capa)
        self.assertFalse([c for c in capa if CAPA not in c[1]], CAPA)
        self.assertFalse(
            self._where(
                lambda src, value: "CAPA" in value
                or "纠正与预防" in value
                or "纠正和预防" in value
            ),
            "one CAPA term",
        )

    def test_one_quality_term(self):
        self.assertFalse(
            self._where(lambda src, value: OTHER_QUALITY.search(value)), "质量"
        )
        self.assertTrue(self._where(lambda src, value: "质量部" in value))

    def test_demo_data_speaks_the_same(self):
        wrong = [
            (where, line.strip())
            for where, line in _demo_chinese()
            if OTHER_QUALITY.search(line)
            or re.search("事故|看板|纠正与预防|纠正和预防|重大", line)
        ]
        self.assertFalse(wrong)


@tagged("post_install", "-at_install", "asq_ux")
class TestChineseTermsLoaded(TransactionCase):
    """What a Chinese user reads once the translations are loaded."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"].search(
            [("name", "=", MODULE)]
        )._update_translations(["zh_CN"], overwrite=True)
        cls.zh = cls.env(context=dict(cls.env.context, lang="zh_CN"))

    def test_severity_selection_in_order(self):
        severity = self.zh["asq.complaint"].fields_get(["severity"])["severity"]
        self.assertEqual(
            severity["selection"],
            [("minor", "轻微"), ("major", "严重"), ("critical", "致命")],
        )

    def test_upgrade_rewords_an_existing_database(self):
        """An existing database read the old words (重大 for major): the
        18.0.1.5.0 migration reloads the addon's Chinese terms over them."""
        selection = (
            self.env["ir.model.fields"]
            ._get("asq.complaint", "severity")
            .selection_ids.filtered(lambda s: s.value == "major")
        )
        selection.with_context(lang="zh_CN").name = "重大"
        self.env.invalidate_all()
        self.assertEqual(selection.with_context(lang="zh_CN").name, "重大")
        path = f"{get_module_path(MODULE)}/migrations/18.0.1.5.0/post-terms.py"
        spec = importlib.util.spec_from_file_location("asq_post_terms", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, "18.0.1.4.0")
        self.env.invalidate_all()
        self.assertEqual(selection.with_context(lang="zh_CN").name, "严重")

    def test_menus_say_dashboard_and_capa(self):
        dashboard = self.zh.ref(f"{MODULE}.asq_menu_dashboard")
        self.assertEqual(dashboard.name, "仪表板")
        menus = (
            self.env["ir.ui.menu"]
            .with_context(**{"ir.ui.menu.full_list": True}, lang="en_US")
            .search(
                [
                    (
                        "id",
                        "child_of",
                        self.env.ref(f"{MODULE}.after_sales_quality_menu_root").id,
                    )
                ]
            )
        )
        capa_menus = menus.filtered(lambda m: re.search(r"\bCAPA\b", m.name))
        self.assertGreaterEqual(len(capa_menus), 3, "CAPA, CAPA Actions, Statistics")
        for menu in capa_menus.with_env(self.zh):
            self.assertIn(CAPA, menu.name)
            self.assertNotIn("CAPA", menu.name)
