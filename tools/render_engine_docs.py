"""Rewrite the generated parts of README.md and tools/audit.sql from the
engine's declarations (the tests compare them and fail on any drift).

Run in an Odoo shell on a database with the addon up to date:
    odoo-bin shell -c <odoo.conf> -d <db> < tools/render_engine_docs.py
"""

# ruff: noqa: F821  (env is the Odoo shell's)
import importlib.util
import re
from pathlib import Path

from odoo.modules.module import get_module_path

from odoo.addons.after_sales_quality.models.asq_workflow_mixin import asq_engine_models

root = Path(get_module_path("after_sales_quality"))
# tests/audit.py by path: importing the tests package would load Odoo's test
# framework into the shell
spec = importlib.util.spec_from_file_location("asq_audit", root / "tests" / "audit.py")
audit_module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit_module)
readme = (root / "README.md").read_text(encoding="utf-8")
for model in asq_engine_models(env):
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
query = audit_module.stamp_audit_sql(env)
audit = re.sub(
    r"(-- name: step_stamp_without_record\n-- why: [^\n]*\n).*?;",
    lambda m: f"{m[1]}{query};",
    audit,
    flags=re.DOTALL,
)
(root / "tools" / "audit.sql").write_text(audit, encoding="utf-8")
print("README.md and tools/audit.sql rendered from the declarations")
