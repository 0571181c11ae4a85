"""Print pytest's result as one closing line and fail on any failure or skip.

Usage: junit_summary.py JUNIT_XML PYTEST_EXIT_CODE

The closing line is ``N passed, N failed, N skipped``. A skipped test counts
as a failure of the run: a browser tour that Odoo skips for want of Chromium
has proven nothing.
"""

import sys
import xml.etree.ElementTree as ET


def main(path, pytest_rc):
    passed = failed = skipped = 0
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        print(f"error: no test report ({exc})", file=sys.stderr)
        print("0 passed, 1 failed, 0 skipped")
        return 1
    for case in root.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None:
            skipped += 1
            print(
                "SKIPPED (counts as failed):", case.get("classname"), case.get("name")
            )
        else:
            passed += 1
    if pytest_rc not in (0, 1) and not failed:
        # Interrupted, internal error, usage error or no test collected.
        print(f"error: pytest exited with {pytest_rc}", file=sys.stderr)
        failed += 1
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 0 if passed and not failed and not skipped else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
