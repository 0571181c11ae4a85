"""Print Odoo's requirements.txt resolved for Python 3.12+ pins.

Odoo 18.0 pins, for Python 3.11, old source packages (cryptography 3.4.8, ...)
that no longer build with current setuptools. The versions it pins for
Python >= 3.12 ship wheels that install and run on Python 3.11, so this script
evaluates every environment marker as if the interpreter were 3.12 and prints
plain requirement lines for pip.
"""

import sys

from pip._vendor.packaging.markers import Marker

# Packages that need system headers and serve modules this addon never loads.
SKIP = {"python-ldap", "pypiwin32", "rl-renderpm"}
ENV = {"python_version": "3.12", "python_full_version": "3.12.0"}


def main(path):
    for raw in open(path, encoding="utf-8"):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        req, _sep, marker = line.partition(";")
        name = req.split("=")[0].strip().lower()
        if name in SKIP:
            continue
        if marker.strip() and not Marker(marker.strip()).evaluate(ENV):
            continue
        print(req.strip())


if __name__ == "__main__":
    main(sys.argv[1])
