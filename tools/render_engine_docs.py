"""Rewrite the generated parts of README.md and tools/audit.sql from the
engine's declarations (the tests compare them and fail on any drift).

Run in an Odoo shell on a database with the addon up to date:
    odoo-bin shell -c <odoo.conf> -d <db> < tools/render_engine_docs.py
"""

# ruff: noqa: F821  (env is the Odoo shell's)
import re
from pathlib import Path

from odoo.modules.module import get_module_path

root = Path(get_module_path("after_sales_quality"))
readme = (root / "README.md").read_text(encoding="utf-8")
for model in env["asq.audit"]._asq_engine_models():
    for kind, table in (
        ("transitions", env[model]._asq_transition_table()),
        ("editable", env[model]._asq_editable_table()),
    ):
        readme = re.sub(
            rf"(<!-- {kind}:{re.escape(model)} -->\n).*?(<!-- /{kind} -->)",
            lambda m, t=table: f"{m[1]}{t}\n{m[2]}",
            readme,
            flags=re.DOTALL,
        )
(root / "README.md").write_text(readme, encoding="utf-8")
audit = (root / "tools" / "audit.sql").read_text(encoding="utf-8")
query = env["asq.audit"]._asq_stamp_audit_sql()
audit = re.sub(
    r"(-- name: step_stamp_without_record\n-- why: [^\n]*\n).*?;",
    lambda m: f"{m[1]}{query};",
    audit,
    flags=re.DOTALL,
)
(root / "tools" / "audit.sql").write_text(audit, encoding="utf-8")
print("README.md and tools/audit.sql rendered from the declarations")
