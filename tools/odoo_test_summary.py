"""Read the log of Odoo's own test runner (odoo-bin --test-enable) and print
its result as one closing line; fail on any failure, error or skip.

Usage: odoo_test_summary.py LOGFILE ODOO_EXIT_CODE TESTS_DIR

Prints the log's "FAIL:" / "ERROR:" blocks and skipped tests, then
``N tests, N failed, N error(s), N skipped`` (Odoo's own counts, from the
final "N failed, N error(s) of N tests when loading database" line). Odoo's
runner only runs the test modules tests/__init__.py imports: a tests/test_*.py
it does not import is reported as an error too (pytest would run it, Odoo's
runner silently not).
"""

import os
import re
import sys

FINAL = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests")
ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) ")
SKIP = re.compile(r"\.tests\b[.\w]*: skipped (.*)$")


def not_imported(tests_dir):
    init = open(os.path.join(tests_dir, "__init__.py"), encoding="utf8").read()
    imported = set(re.findall(r"^from \. import (\w+)", init, re.M))
    return sorted(
        name[:-3]
        for name in os.listdir(tests_dir)
        if name.startswith("test_")
        and name.endswith(".py")
        and name[:-3] not in imported
    )


def main(path, rc, tests_dir):
    try:
        lines = open(path, encoding="utf8", errors="replace").read().splitlines()
    except OSError as exc:
        print(f"error: no test log ({exc})", file=sys.stderr)
        print("0 tests, 1 failed, 0 error(s), 0 skipped")
        return 1
    final, skipped, shown = None, [], 0
    block = False
    for line in lines:
        entry = ENTRY.match(line)
        if entry:
            # a test's "FAIL:" / "ERROR:" report, not the errors a test
            # provokes on purpose (a refused query logs "bad query")
            block = entry.group(1) == "CRITICAL" or (
                entry.group(1) == "ERROR"
                and any(key in line for key in (": FAIL: ", ": ERROR: ", "tests when"))
            )
            if block and shown < 400:
                print(line)
                shown += 1
            if FINAL.search(line) and "when loading database" in line:
                final = FINAL.search(line)
            skip = SKIP.search(line)
            if skip and entry.group(1) == "INFO":
                skipped.append(skip.group(1))
        elif block and shown < 400:
            print(line)  # the traceback of a FAIL: / ERROR:
            shown += 1
    for skip in skipped:
        print("SKIPPED (counts as failed):", skip)
    missing = not_imported(tests_dir)
    for name in missing:
        print(f"ERROR: tests/{name}.py is not imported by tests/__init__.py")
    if final is None:
        print("error: no final test count in the log (Odoo did not run the tests)")
        failed, errors, total = 0, 1, 0
    else:
        failed, errors, total = map(int, final.groups())
    errors += len(missing)
    if rc and not (failed or errors):
        print(f"error: odoo-bin exited with {rc}")
        errors += 1
    print(f"{total} tests, {failed} failed, {errors} error(s), {len(skipped)} skipped")
    return 0 if total and not (failed or errors or skipped) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
