"""Refresh i18n/zh_CN.po from a fresh Odoo export, keeping translations.

Usage: po_merge.py EXPORTED_PO TARGET_PO [EXTRA_JSON ...]

EXPORTED_PO is what ``odoo-bin --i18n-export=... --language=zh_CN
--modules=after_sales_quality`` writes; TARGET_PO is i18n/zh_CN.po. Existing
translations of TARGET_PO and the {source: translation} objects of the JSON
files fill the export's entries. Untranslated sources are listed on stderr.
"""

import json
import sys

import polib


def main(exported, target, *extra):
    known = {}
    try:
        known.update(
            {
                entry.msgid: entry.msgstr
                for entry in polib.pofile(target)
                if entry.msgstr
            }
        )
    except OSError:
        pass
    for path in extra:
        with open(path, encoding="utf-8") as handle:
            known.update(json.load(handle))
    po = polib.pofile(exported)
    missing = []
    for entry in po:
        entry.msgstr = known.get(entry.msgid, entry.msgstr)
        if not entry.msgstr:
            missing.append(entry.msgid)
    po.metadata["Language"] = "zh_CN"
    po.save(target)
    for msgid in missing:
        print(f"untranslated: {msgid!r}", file=sys.stderr)
    print(f"{len(po)} entries, {len(missing)} untranslated", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
