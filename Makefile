# after_sales_quality: two commands from a fresh checkout (see README.md).
#   make demo   - virtualenv, database with the addon and demo data, served on :8069
#   make test   - fresh database, every test (browser tours included), one closing line
#   make test-core - Odoo's own stock suites on a database with the addon,
#                    failing on any failure beyond shared/tools' baseline
#   make test-odoo - fresh database, the addon's tests under Odoo's own runner
#                    (odoo-bin --test-enable, as odoo.sh / runbot / OCA CI run them)
#   make test-upgrade - install the addon as of FROM=<commits> (default 33317dd and
#                    3f85930) with demo data, walk documents into every state
#                    they reach there, upgrade to the checkout, check every
#                    document kept its state, stamps and figures, audit clean
#   make lint   - ruff (check + format), prettier's XML check and pylint-odoo
#   make format - ruff and prettier rewrite what make lint would refuse
#   make bench  - benchmarks against hand-written SQL (SCALES="0.1 1"; 1 = 1M moves)
#   make audit  - the auditor's queries (tools/audit.sql) on DB=<database>
#   make populate - a large dataset in asq_populate (SCALE=1: 1M moves, 10k customers)
#   make fetch-odoo - only make sure Odoo 18.0 is there (what every target does first)
# Odoo 18.0: ODOO_PATH, else /opt/odoo/18.0, else fetched by the harness (a
# shallow clone of the 18.0 branch of ODOO_GIT_URL, default Odoo's official
# repository, into ~/.cache/after_sales_quality/odoo-18.0).

.PHONY: demo test test-core test-odoo test-upgrade lint format bench populate venv clean audit fetch-odoo

demo:
	@bash tools/harness.sh demo

test:
	@bash tools/harness.sh test

test-core:
	@bash tools/harness.sh test-core

test-odoo:
	@bash tools/harness.sh test-odoo

test-upgrade:
	@UPGRADE_FROM="$(FROM)" bash tools/harness.sh test-upgrade

lint:
	@bash tools/harness.sh lint

format:
	@bash tools/harness.sh format

bench:
	@SCALES="$(SCALES)" bash tools/harness.sh bench

populate:
	@SCALE=$(SCALE) bash tools/harness.sh populate

audit:
	@awk '/^-- name: /{print "\\echo " $$3} {print}' tools/audit.sql | psql -h $${PGHOST:-127.0.0.1} -d $${DB:-asq_demo} -X -q -v ON_ERROR_STOP=1 -f -

venv:
	@bash tools/harness.sh venv

fetch-odoo:
	@bash tools/harness.sh fetch-odoo >/dev/null

clean:
	rm -rf .pgdata "$${ASQ_HOME:-$${XDG_CACHE_HOME:-$$HOME/.cache}/after_sales_quality}"
