"""Refresh i18n/zh_CN.po from a fresh Odoo export, keeping translations.

Usage: po_merge.py EXPORTED_PO TARGET_PO [EXTRA_JSON_OR_PO ...]

EXPORTED_PO is what ``odoo-bin --i18n-export=... --language=zh_CN
--modules=after_sales_quality`` writes; TARGET_PO is i18n/zh_CN.po. Existing
translations of TARGET_PO, the {source: translation} objects of the JSON
files, and (for terms Odoo itself translates, such as the chatter fields) the
entries of other .po files, for example Odoo's own addons/mail/i18n/zh_CN.po,
fill the export's entries; earlier sources win. Untranslated sources are
listed on stderr.
"""

import json
import sys

import polib


def main(exported, target, *extra):
    known = {}
    for path in reversed((target, *extra)):
        if path.endswith(".json"):
            with open(path, encoding="utf-8") as handle:
                known.update(json.load(handle))
            continue
        try:
            entries = polib.pofile(path)
        except OSError:
            continue
        known.update({entry.msgid: entry.msgstr for entry in entries if entry.msgstr})
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
