# after_sales_quality: two commands from a fresh checkout (see README.md).
#   make demo   - virtualenv, database with the addon and demo data, served on :8069
#   make test   - fresh database, every test (browser tours included), one closing line
#   make lint   - ruff (check + format) and pylint-odoo
#   make bench  - benchmarks against hand-written SQL (ROWS=100000)
export ODOO_PATH ?= /opt/odoo/18.0

.PHONY: demo test lint bench venv clean

demo:
	@bash tools/harness.sh demo

test:
	@bash tools/harness.sh test

lint:
	@bash tools/harness.sh lint

bench:
	@bash tools/harness.sh bench

venv:
	@bash tools/harness.sh venv

clean:
	rm -rf .pgdata "$${ASQ_HOME:-$${XDG_CACHE_HOME:-$$HOME/.cache}/after_sales_quality}"
