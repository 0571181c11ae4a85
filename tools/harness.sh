#!/usr/bin/env bash
# The after_sales_quality harness: virtualenv, PostgreSQL, Odoo config, and the
# demo / test / lint commands the Makefile exposes. Run from the checkout root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODULE=after_sales_quality
# Modules `make test` and `make test-odoo` install beside the addon (not
# dependencies of it): the quality hold reads the lots' expiry dates when
# product_expiry is installed (001 §4.6 「該批號產品未超過有效期的」), and its
# tests run with it (the code also runs without it).
TEST_EXTRA_MODULES="${TEST_EXTRA_MODULES-product_expiry}"
# Odoo 18.0: ODOO_PATH, else /opt/odoo/18.0 when it holds Odoo, else a copy
# the harness fetches itself (a shallow clone of the 18.0 branch from
# ODOO_GIT_URL) into $ASQ_HOME/odoo-18.0 (see check_odoo).
ODOO_GIT_URL="${ODOO_GIT_URL:-https://github.com/odoo/odoo.git}"
# The virtualenv and the build folder (Odoo config, filestore, test reports)
# live outside the checkout: the checkout is the addon, and Odoo walks every
# file of an addon (following links) when it extracts translatable terms.
ASQ_HOME="${ASQ_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/after_sales_quality}"
if [ -z "${ODOO_PATH:-}" ]; then
    ODOO_PATH=/opt/odoo/18.0
    [ -f "$ODOO_PATH/odoo-bin" ] || ODOO_PATH="$ASQ_HOME/odoo-18.0"
fi
VENV="${VENV:-$ASQ_HOME/venv}"
BUILD="${ASQ_BUILD:-$ASQ_HOME/build-$(printf %s "$ROOT" | sha1sum | cut -c1-12)}"
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER="${PGUSER:-$(id -un)}"
DEMO_DB="${DEMO_DB:-asq_demo}"
TEST_DB="${TEST_DB:-asq_test}"
HTTP_PORT="${HTTP_PORT:-8069}"
TEST_HTTP_PORT="${TEST_HTTP_PORT:-8169}"
PY="$VENV/bin/python"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

is_root() { [ "$(id -u)" = 0 ]; }
may_install_system() { is_root || [ "${CI:-}" = true ]; }

check_odoo() {
    # A fresh machine has no Odoo: fetch it rather than stop.
    [ -f "$ODOO_PATH/odoo-bin" ] || fetch_odoo
    if [ ! -d "$ODOO_PATH/addons/sale_stock" ]; then
        die "ODOO_PATH=$ODOO_PATH has no addons/sale_stock: set ODOO_PATH to an Odoo 18.0 tree"
    fi
    grep -q "version_info = (18, 0" "$ODOO_PATH/odoo/release.py" \
        || die "ODOO_PATH=$ODOO_PATH is not Odoo 18.0; set ODOO_PATH to an Odoo 18.0 tree"
}

fetch_odoo() {
    # A shallow clone of the 18.0 branch into a temporary folder beside
    # ODOO_PATH, moved into place once complete: an interrupted clone never
    # passes for an Odoo tree.
    local partial
    if [ -e "$ODOO_PATH" ] && [ -n "$(ls -A "$ODOO_PATH" 2>/dev/null)" ]; then
        die "ODOO_PATH=$ODOO_PATH is not empty but holds no odoo-bin: empty it, or set ODOO_PATH to an Odoo 18.0 tree or to a new folder to fetch Odoo into"
    fi
    command -v git >/dev/null \
        || die "no Odoo 18.0 at ODOO_PATH=$ODOO_PATH and no git to fetch it (install git, or set ODOO_PATH to an Odoo 18.0 tree)"
    mkdir -p "$(dirname "$ODOO_PATH")" 2>/dev/null \
        || die "cannot create $(dirname "$ODOO_PATH") to fetch Odoo into: set ODOO_PATH to a writable folder"
    partial="$(mktemp -d "$ODOO_PATH.partial-XXXXXX" 2>/dev/null)" \
        || die "cannot write beside ODOO_PATH=$ODOO_PATH to fetch Odoo: set ODOO_PATH to a writable folder"
    say "no Odoo 18.0 at ODOO_PATH=$ODOO_PATH: fetching it (git clone --depth 1 -b 18.0 $ODOO_GIT_URL, a few hundred MB)"
    if ! git clone --quiet --depth 1 --branch 18.0 "$ODOO_GIT_URL" "$partial/odoo"; then
        rm -rf "$partial"
        die "fetching Odoo 18.0 from ODOO_GIT_URL=$ODOO_GIT_URL failed (git's message above): set ODOO_GIT_URL to a reachable Odoo repository, or ODOO_PATH to an Odoo 18.0 tree"
    fi
    rmdir "$ODOO_PATH" 2>/dev/null || true
    mv "$partial/odoo" "$ODOO_PATH"
    rm -rf "$partial"
    [ -f "$ODOO_PATH/odoo-bin" ] \
        || die "ODOO_GIT_URL=$ODOO_GIT_URL gave no odoo-bin in its 18.0 branch: it is not an Odoo repository"
    say "Odoo $(git -C "$ODOO_PATH" log -1 --format='18.0 at %h (%cs)') fetched into $ODOO_PATH"
}

cmd_fetch_odoo() {
    # Only what every command does first: make sure Odoo 18.0 is at
    # ODOO_PATH (fetched when absent); prints its path.
    check_odoo
    say "Odoo $(sed -n "s/^version_info = (\([0-9]*\), \([0-9]*\).*/\1.\2/p" "$ODOO_PATH/odoo/release.py") at $ODOO_PATH"
    printf '%s\n' "$ODOO_PATH"
}

# Debian's wkhtmltopdf is built without the patched Qt: it ignores the
# --header-html/--footer-html Odoo passes, so the letterhead (logo, address)
# and the "page x / y" footer of web.external_layout are missing from every
# PDF. The forms still print the company, number, date and signatures in
# their body (after_sales_quality.asq_form_heading) and number their pages
# themselves; say once which build gives the full letterhead, do not fail.
wkhtmltopdf_note() {
    local version
    version="$(wkhtmltopdf --version 2>/dev/null || true)"
    case "$version" in
        *"with patched qt"*) ;;
        *) say "wkhtmltopdf ${version##* } lacks the patched Qt: PDFs print without the letterhead (logo, address) and footer; install wkhtmltox 0.12.6.1-3 (with patched qt) from https://github.com/wkhtmltopdf/packaging/releases" ;;
    esac
}

check_system() {
    # $1: "test" needs the browser and PDF tools too
    local missing=() pkgs=()
    command -v wkhtmltopdf >/dev/null || { missing+=(wkhtmltopdf); pkgs+=(wkhtmltopdf); }
    # (no grep -q: with pipefail, fc-list killed by SIGPIPE would fail the test)
    [ -n "$(fc-list 2>/dev/null | grep -i "cjk\|wenquanyi")" ] \
        || { missing+=("CJK fonts"); pkgs+=(fonts-noto-cjk); }
    if [ "${1:-}" = test ]; then
        command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
            || command -v google-chrome >/dev/null || { missing+=(chromium); pkgs+=(chromium); }
    fi
    command -v pg_config >/dev/null || pkgs+=(libpq-dev)
    if command -v wkhtmltopdf >/dev/null; then wkhtmltopdf_note; fi
    [ ${#pkgs[@]} -eq 0 ] && return 0
    if may_install_system && command -v apt-get >/dev/null; then
        say "installing system packages: ${pkgs[*]}"
        local sudo=""; is_root || sudo="sudo -n"
        $sudo apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${pkgs[@]}" >/dev/null
    elif [ ${#missing[@]} -gt 0 ]; then
        die "missing system programs: ${missing[*]} (install the Debian packages: ${pkgs[*]})"
    fi
}

venv() {
    check_odoo
    local stamp="$VENV/.asq-stamp" want
    want="$(cat "$ODOO_PATH/requirements.txt" "$ROOT/requirements-dev.txt" "$ROOT/tools/odoo_requirements.py" | sha1sum | cut -c1-40)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    say "preparing the virtualenv $VENV (Odoo's and the addon's Python dependencies)"
    [ -x "$PY" ] || { mkdir -p "$(dirname "$VENV")" && python3 -m venv "$VENV"; }
    mkdir -p "$BUILD"
    python3 "$ROOT/tools/odoo_requirements.py" "$ODOO_PATH/requirements.txt" > "$BUILD/odoo-requirements.txt"
    "$PY" -m pip install -q --disable-pip-version-check \
        -r "$BUILD/odoo-requirements.txt" -r "$ROOT/requirements-dev.txt" 2>&1 \
        | grep -v "is ignored: it is neither a file nor a directory" || true
    "$PY" - <<'PYEOF' || die "the virtualenv is incomplete (pip install failed above)"
import importlib.util, sys
mods = ["psycopg2", "lxml", "werkzeug", "xlsxwriter", "websocket", "pytest_odoo"]
sys.exit(any(importlib.util.find_spec(m) is None for m in mods))
PYEOF
    echo "$want" > "$stamp"
}

pg_ready() {
    "$PY" - "$PGHOST" "$PGPORT" "$PGUSER" <<'PYEOF' 2>/dev/null
import sys, psycopg2
host, port, user = sys.argv[1:]
psycopg2.connect(host=host, port=int(port), user=user, dbname="postgres", connect_timeout=3).close()
PYEOF
}

postgres() {
    [ "$PGUSER" = postgres ] && die "Odoo refuses the postgres role: set PGUSER to another role"
    if pg_ready; then
        return 0
    fi
    local bindir
    bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
    [ -x "$bindir/initdb" ] || die "no PostgreSQL at $PGHOST:$PGPORT and no PostgreSQL programs to start one; set PGHOST/PGPORT/PGUSER"
    local data="$ROOT/.pgdata" run=()
    PGHOST=127.0.0.1
    PGPORT="${ASQ_PRIVATE_PGPORT:-54329}"
    if is_root; then
        id postgres >/dev/null 2>&1 || die "private PostgreSQL: run as a normal user, or create the system user postgres"
        run=(runuser -u postgres --)
    fi
    say "no PostgreSQL reachable: starting a private cluster in $data on 127.0.0.1:$PGPORT (embedded default)"
    if [ ! -f "$data/PG_VERSION" ]; then
        mkdir -p "$data"
        is_root && chown postgres "$data"
        "${run[@]}" "$bindir/initdb" -D "$data" -U "$PGUSER" -A trust >/dev/null
    fi
    is_root && chown -R postgres "$data"
    "${run[@]}" "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w \
        -o "-h 127.0.0.1 -p $PGPORT -k /tmp" start >/dev/null
    pg_ready || die "the private PostgreSQL cluster did not start; see $data/server.log"
    export PGHOST PGPORT
}

config() {
    mkdir -p "$BUILD/addons"
    ln -sfn "$ROOT" "$BUILD/addons/$MODULE"
    cat > "$BUILD/odoo.conf" <<CONF
[options]
addons_path = $ODOO_PATH/addons,$ODOO_PATH/odoo/addons,$BUILD/addons
data_dir = $BUILD/data
db_host = $PGHOST
db_port = $PGPORT
db_user = $PGUSER
db_password = False
http_interface = 127.0.0.1
http_port = $1
admin_passwd = admin
list_db = True
without_demo = False
max_cron_threads = 1
CONF
}

odoo() { PYTHONPATH="$ODOO_PATH" "$PY" "$ODOO_PATH/odoo-bin" -c "$BUILD/odoo.conf" "$@"; }

dropdb_if_exists() {
    "$PY" - "$PGHOST" "$PGPORT" "$PGUSER" "$1" <<'PYEOF'
import sys, psycopg2
host, port, user, name = sys.argv[1:]
conn = psycopg2.connect(host=host, port=int(port), user=user, dbname="postgres")
conn.autocommit = True
with conn.cursor() as cr:
    cr.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
    cr.execute('DROP DATABASE IF EXISTS "%s"' % name.replace('"', ''))
PYEOF
    rm -rf "$BUILD/data/filestore/$1"
}

demo_shell() {
    PYTHONPATH="$ODOO_PATH" "$PY" "$ODOO_PATH/odoo-bin" shell -c "$BUILD/odoo.conf" \
        -d "$DEMO_DB" --no-http --log-level warn
}

demo_company_in_china() {
    # The demo company keeps its books in CNY. A company's currency is set
    # when Accounting loads its chart of accounts, from the company's
    # country, and Odoo refuses to change it once journal items exist (its
    # own demo invoices are posted as Accounting installs). So the company
    # is put in China first, on a database with only Odoo's base: installing
    # the addon then installs Accounting, which installs China's chart of
    # accounts (l10n_cn, for companies in China) and its currency, CNY.
    say "preparing $DEMO_DB: Odoo's base, the company in China (books in CNY)"
    odoo -d "$DEMO_DB" -i base --stop-after-init --log-level warn
    demo_shell <<'PYEOF' >/dev/null
env.ref("base.main_company").country_id = env.ref("base.cn")
env.cr.commit()
PYEOF
}

demo_check_currency() {
    local currency
    currency="$(printf '%s\n' 'print("currency:", env.ref("base.main_company").currency_id.name)' \
        | demo_shell 2>/dev/null | sed -n 's/^currency: //p')"
    [ "$currency" = CNY ] \
        || die "the demo company keeps its books in ${currency:-an unknown currency}, not CNY (see demo_company_in_china in tools/harness.sh)"
    say "the demo company keeps its books in CNY (China's chart of accounts)"
}

cmd_demo() {
    venv; check_system; postgres; config "$HTTP_PORT"
    if [ "${FRESH:-0}" = 1 ]; then dropdb_if_exists "$DEMO_DB"; fi
    if ! "$PY" - "$PGHOST" "$PGPORT" "$PGUSER" "$DEMO_DB" <<'PYEOF' 2>/dev/null
import sys, psycopg2
host, port, user, name = sys.argv[1:]
conn = psycopg2.connect(host=host, port=int(port), user=user, dbname=name)
with conn.cursor() as cr:
    cr.execute("SELECT 1 FROM ir_module_module WHERE name = 'after_sales_quality' AND state = 'installed'")
    sys.exit(0 if cr.fetchone() else 1)
PYEOF
    then
        dropdb_if_exists "$DEMO_DB"
        demo_company_in_china
        say "building the demo database $DEMO_DB (Odoo, the addon, demo data, Chinese)"
        odoo -d "$DEMO_DB" -i "$MODULE" --load-language zh_CN --stop-after-init --log-level warn
        demo_check_currency
    else
        say "updating the addon in the demo database $DEMO_DB"
        odoo -d "$DEMO_DB" -u "$MODULE" --stop-after-init --log-level warn
    fi
    cat >&2 <<MSG

  After-Sales Quality demo: http://localhost:$HTTP_PORT  (database $DEMO_DB)
  Logins (password = login):
    admin            administrator (password admin)
    sales            after-sales / sales user (own documents)
    aftersales       after-sales section (all documents)
    inspector        quality inspector
    quality_manager  quality manager
    warehouse        warehouse supervisor
    finance          finance reviewer
    business_head    business head
    general_manager  general manager
    management_rep   management representative
    customer         portal user of the customer 深圳市康泰医疗器械有限公司 (/my)
  Stop with Ctrl-C.

MSG
    exec env PYTHONPATH="$ODOO_PATH" "$PY" "$ODOO_PATH/odoo-bin" -c "$BUILD/odoo.conf" \
        -d "$DEMO_DB" --db-filter "^$DEMO_DB\$" --http-interface 0.0.0.0
}

cmd_test() {
    venv; check_system test; postgres; config "$TEST_HTTP_PORT"
    dropdb_if_exists "$TEST_DB"
    say "installing $MODULE (and $TEST_EXTRA_MODULES) in a fresh database $TEST_DB"
    odoo -d "$TEST_DB" -i "$MODULE${TEST_EXTRA_MODULES:+,$TEST_EXTRA_MODULES}" --stop-after-init --log-level warn
    say "running the tests (pytest-odoo, browser tours included)"
    rm -f "$BUILD/junit.xml"
    local rc=0
    printf '[pytest]\naddopts = -p no:cacheprovider\n' > "$BUILD/addons/pytest.ini"
    (cd "$BUILD/addons" && PYTHONPATH="$ODOO_PATH" "$PY" -m pytest \
        -c pytest.ini --rootdir . --odoo-config "$BUILD/odoo.conf" --odoo-database "$TEST_DB" \
        --odoo-http --junitxml "$BUILD/junit.xml" -o junit_family=xunit2 \
        -rfEs ${PYTEST_ARGS:-} "$MODULE/tests") || rc=$?
    "$PY" "$ROOT/tools/junit_summary.py" "$BUILD/junit.xml" "$rc"
}

shared_tools() {
    # The shared tools: beside the checkout (CI puts a read-only copy of
    # shared/ next to the clone), else $ASQ_SHARED, else /work/shared.
    local dir
    for dir in "$ROOT/../shared" "${ASQ_SHARED:-}" /work/shared; do
        if [ -n "$dir" ] && [ -f "$dir/tools/odoo_core_suites.py" ]; then
            (cd "$dir/tools" && pwd)
            return 0
        fi
    done
    die "odoo_core_suites.py not found: looked in $ROOT/../shared/tools, \$ASQ_SHARED/tools (${ASQ_SHARED:-unset}) and /work/shared/tools; set ASQ_SHARED to the shared folder"
}

cmd_test_core() {
    # Odoo's own stock suites on a database with the addon: any failure
    # beyond the baseline (tests failing without the addon too) fails, but
    # for the tests the warehouse gate refuses (listed, counted, accepted).
    local tools db="${CORE_DB:-${TEST_DB}_odoo}" port="${CORE_HTTP_PORT:-$TEST_HTTP_PORT}"
    local modules="stock,sale_stock,purchase_stock,stock_account,sale_management"
    local min="${CORE_MIN_TESTS:-1000}" start rc=0 count
    tools="$(shared_tools)"
    [ -f "$tools/core_baseline_failures.txt" ] \
        || die "no core_baseline_failures.txt beside $tools/odoo_core_suites.py"
    venv; check_system test; postgres; config "$port"
    start=$SECONDS
    dropdb_if_exists "$db"
    say "installing $modules and $MODULE with demo data in a fresh database $db"
    odoo -d "$db" -i "$modules,$MODULE" --stop-after-init --log-level warn
    say "running Odoo's stock, sale_stock, purchase_stock and stock_account suites (log: $BUILD/core.log)"
    rm -f "$BUILD/core_results.jsonl" "$BUILD/core.log"
    # Odoo exits non-zero on the baseline failures: the comparison decides.
    CORE_RESULTS="$BUILD/core_results.jsonl" ODOO_PATH="$ODOO_PATH" PYTHONPATH="$ODOO_PATH" \
        "$PY" "$tools/odoo_core_suites.py" -c "$BUILD/odoo.conf" -d "$db" \
        --http-port="$port" --stop-after-init --logfile="$BUILD/core.log" \
        --test-enable --test-tags /stock,/sale_stock,/purchase_stock,/stock_account || true
    count="$("$PY" - "$BUILD/core_results.jsonl" <<'PYEOF' 2>/dev/null || echo 0
import json, sys
print(len({json.loads(line)["id"] for line in open(sys.argv[1], encoding="utf8")}))
PYEOF
)"
    if [ "$count" -lt "$min" ]; then
        tail -n 40 "$BUILD/core.log" >&2 || true
        die "the core suites ran $count tests (fewer than $min): Odoo did not run them (see $BUILD/core.log)"
    fi
    "$PY" "$tools/odoo_core_suites.py" --compare "$BUILD/core_results.jsonl" \
        "$tools/core_baseline_failures.txt" || rc=$?
    if [ "$rc" -ne 0 ]; then
        # The warehouse gate (models/stock_move.py): Odoo's own tests that book
        # a customer return without a return request are refused by design.
        # A failure beyond the baseline is accepted only when every traceback
        # of that test is the gate's refusal (it quotes 001, 4.2.7, the same
        # in every language); any other failure still fails.
        rc=0
        "$PY" - "$BUILD/core_results.jsonl" "$tools/core_baseline_failures.txt" <<'PYEOF' >&2 || rc=$?
import json, sys
MARKER = "倉庫一律不予辦理入庫手續"
REASON = ("refused by the warehouse gate, 001: 「如沒有以上各部門的簽字確認,"
          "倉庫一律不予辦理入庫手續」 (a customer return booked without a signed "
          "return request)")
baseline = {line.strip() for line in open(sys.argv[2], encoding="utf8") if line.strip()}
failures = {}
for line in open(sys.argv[1], encoding="utf8"):
    rec = json.loads(line)
    tid = rec["id"]
    if not tid.startswith(("setUpClass", "tearDownClass")):
        tid = tid.split(" ")[0]
    if rec["event"] in ("error", "fail") and tid not in baseline:
        failures.setdefault(tid, []).append(rec)
gated = sorted(t for t, recs in failures.items() if all(MARKER in r.get("tb", "") for r in recs))
other = sorted(set(failures) - set(gated))
for tid in gated:
    print(f"GATED {tid}")
print(f"core suites: {len(gated)} failing beyond the baseline {REASON}: accepted")
for tid in other:
    for rec in failures[tid]:
        print(f"--- {rec['event'].upper()} {rec['id']}\n{rec.get('tb', '')}")
print(f"core suites: {len(other)} other failures beyond the baseline")
sys.exit(1 if other else 0)
PYEOF
    fi
    say "core suites took $(( (SECONDS - start) / 60 )) min $(( (SECONDS - start) % 60 )) s"
    return "$rc"
}

manifest_depends() {
    "$PY" - "$ROOT/__manifest__.py" <<'PYEOF'
import ast, sys
print(",".join(ast.literal_eval(open(sys.argv[1], encoding="utf8").read())["depends"]))
PYEOF
}

cmd_test_odoo() {
    # The addon's tests under Odoo's own runner, the way odoo.sh, runbot and
    # OCA CI run them: the dependencies installed first, then the addon
    # installed with its demo data and --test-enable (at_install tests run
    # right after its install, post_install tests once the registry is loaded).
    local db="${ODOO_TEST_DB:-${TEST_DB}_runner}" port="${ODOO_TEST_HTTP_PORT:-$TEST_HTTP_PORT}"
    local start=$SECONDS rc=0 log
    venv; check_system test; postgres; config "$port"
    log="$BUILD/test-odoo.log"
    dropdb_if_exists "$db"
    say "installing the dependencies of $MODULE with demo data in a fresh database $db"
    odoo -d "$db" -i "$(manifest_depends)" --stop-after-init --log-level warn
    say "installing $MODULE and running its tests with Odoo's runner (log: $log)"
    rm -f "$log"
    odoo -d "$db" -i "$MODULE${TEST_EXTRA_MODULES:+,$TEST_EXTRA_MODULES}" --http-port="$port" --test-enable \
        --test-tags "/$MODULE" \
        --stop-after-init --logfile="$log" || rc=$?
    say "test-odoo took $(( (SECONDS - start) / 60 )) min $(( (SECONDS - start) % 60 )) s"
    "$PY" "$ROOT/tools/odoo_test_summary.py" "$log" "$rc" "$ROOT/tests"
}

# The releases test-upgrade starts from: 33317dd, the release before the
# workflow engine (18.0.1.1.x); 3f85930, the engine's first release
# (18.0.1.2.0), before the who/when renames of 18.0.1.3.0.
UPGRADE_FROM_DEFAULT="33317dd 3f85930"
UPGRADE_TREES=()

cmd_test_upgrade() {
    # For each older commit: install the addon as of it (with its demo data),
    # walk documents into every state they reach there (tools/upgrade_seed.py,
    # with that commit's code), snapshot every after-sales document, upgrade
    # with the checkout (-u), and check that every record kept its state,
    # stamps and figures and that the auditor's queries (tools/audit.sql) find
    # nothing.
    local from rc=0
    venv; check_system; postgres; config "$TEST_HTTP_PORT"
    for from in ${UPGRADE_FROM:-$UPGRADE_FROM_DEFAULT}; do
        upgrade_from "$from" || rc=1
    done
    return "$rc"
}

upgrade_from() {
    local from="$1" db="${UPGRADE_DB:-${TEST_DB}_upgrade}"
    local start=$SECONDS old_tree old_conf dsn log rc=0 sha
    local seed_out="$BUILD/upgrade-seed.out" seed_log="$BUILD/upgrade-seed.log"
    sha="$(git -C "$ROOT" rev-parse --verify --quiet "$from^{commit}")" \
        || die "commit $from is not in this clone (a shallow clone? git fetch --unshallow)"
    old_tree="$(mktemp -d "${TMPDIR:-/tmp}/asq-upgrade-XXXXXX")"
    UPGRADE_TREES+=("$old_tree")
    trap 'rm -rf "${UPGRADE_TREES[@]}"' EXIT
    mkdir -p "$old_tree/addons/$MODULE"
    git -C "$ROOT" archive "$sha" | tar -x -C "$old_tree/addons/$MODULE"
    old_conf="$old_tree/odoo.conf"
    sed "s|^addons_path = .*|addons_path = $ODOO_PATH/addons,$ODOO_PATH/odoo/addons,$old_tree/addons|" \
        "$BUILD/odoo.conf" > "$old_conf"
    dsn="host=$PGHOST port=$PGPORT user=$PGUSER dbname=$db"
    log="$BUILD/test-upgrade.log"
    rm -f "$log"
    dropdb_if_exists "$db"
    say "installing $MODULE as of $from (${sha:0:12}) with demo data and Chinese in a fresh database $db"
    PYTHONPATH="$ODOO_PATH" "$PY" "$ODOO_PATH/odoo-bin" -c "$old_conf" -d "$db" \
        -i "$MODULE" --load-language zh_CN --stop-after-init --log-level warn
    say "walking documents of $from into every state they reach (tools/upgrade_seed.py, log: $seed_log)"
    # (the seed points report.url at a closed port while it renders PDFs:
    # wkhtmltopdf never waits for, nor reaches, another server)
    PYTHONPATH="$ODOO_PATH" "$PY" "$ODOO_PATH/odoo-bin" shell -c "$old_conf" -d "$db" \
        --no-http --log-level warn --log-handler asq.upgrade_seed:INFO \
        < "$ROOT/tools/upgrade_seed.py" > "$seed_out" 2> "$seed_log" || true
    grep '^seed: ' "$seed_out" || true
    if ! grep -q '^seed: done' "$seed_out"; then
        tail -n 30 "$seed_log" >&2
        echo "seeding the database of $from failed (no \"seed: done\"; see $seed_log)"
        return 1
    fi
    "$PY" "$ROOT/tools/upgrade_check.py" snapshot "$dsn" "$BUILD/upgrade-before.json"
    say "upgrading $db to the checkout (-u $MODULE, log: $log)"
    odoo -d "$db" -u "$MODULE" --stop-after-init --logfile="$log" || rc=$?
    if [ "$rc" -ne 0 ] || grep -qE '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$log"; then
        grep -E -A30 '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$log" | head -80 >&2
        echo "upgrade from $from failed: odoo-bin -u exited with $rc, errors in $log"
        return 1
    fi
    "$PY" - "$dsn" "$ROOT/__manifest__.py" <<'PYEOF' || rc=$?
import ast, sys, psycopg2
want = ast.literal_eval(open(sys.argv[2], encoding="utf8").read())["version"]
with psycopg2.connect(sys.argv[1]) as conn, conn.cursor() as cr:
    cr.execute("SELECT state, latest_version FROM ir_module_module WHERE name = 'after_sales_quality'")
    state, version = cr.fetchone()
if (state, version) != ("installed", want):
    print(f"the addon is {state} at {version} after the upgrade, not installed at {want}")
    sys.exit(1)
PYEOF
    say "install, snapshot and upgrade took $(( (SECONDS - start) / 60 )) min $(( (SECONDS - start) % 60 )) s"
    # the closing line: upgrade check: N records ... audit: N/N queries ...
    "$PY" "$ROOT/tools/upgrade_check.py" compare "$dsn" "$BUILD/upgrade-before.json" \
        "$ROOT/tools/audit.sql" || rc=$?
    return "$rc"
}

cmd_bench() {
    venv; check_system; postgres; config "$TEST_HTTP_PORT"
    local db="${BENCH_DB:-asq_bench}"
    dropdb_if_exists "$db"
    say "installing $MODULE (without demo data) in $db, the template of the benchmark databases"
    odoo -d "$db" -i "$MODULE" --without-demo=all --stop-after-init --log-level warn
    # shellcheck disable=SC2086
    PYTHONPATH="$ODOO_PATH" "$PY" "$ROOT/tools/bench.py" "$BUILD/odoo.conf" "$db" \
        ${SCALES:-0.1 1}
}

cmd_populate() {
    venv; postgres; config "$TEST_HTTP_PORT"
    local db="${POPULATE_DB:-asq_populate}"
    dropdb_if_exists "$db"
    say "installing $MODULE (without demo data) in $db"
    odoo -d "$db" -i "$MODULE" --without-demo=all --stop-after-init --log-level warn
    say "populating $db at SCALE=${SCALE:-1}"
    PYTHONPATH="$ODOO_PATH" "$PY" "$ROOT/tools/populate.py" "$BUILD/odoo.conf" "$db" \
        "${SCALE:-1}"
}

# The XML formatter OCA repositories run (prettier + @prettier/plugin-xml, the
# settings in .prettierrc.yml), installed with npm outside the checkout.
PRETTIER_VERSIONS="prettier@2.8.8 @prettier/plugin-xml@2.2.0"
prettier_xml() {
    local node="$ASQ_HOME/node" mode="$1"
    if [ ! -x "$node/node_modules/.bin/prettier" ]; then
        command -v npm >/dev/null || die "the XML formatter needs Node.js and npm (apt-get install npm)"
        say "installing $PRETTIER_VERSIONS in $node"
        mkdir -p "$node"
        (cd "$node" && npm install --no-audit --no-fund --silent $PRETTIER_VERSIONS)
    fi
    # One file a call: prettier's --write is not atomic over a list.
    (cd "$ROOT" && git ls-files '*.xml' | xargs -n 1 "$node/node_modules/.bin/prettier" \
        --plugin="$node/node_modules/@prettier/plugin-xml/dist/plugin.js" "$mode" \
        --loglevel warn)
}

cmd_lint() {
    venv
    "$VENV/bin/ruff" check "$ROOT"
    "$VENV/bin/ruff" format --check "$ROOT"
    prettier_xml --check || die "XML not formatted: run tools/harness.sh format"
    mkdir -p "$BUILD/addons" && ln -sfn "$ROOT" "$BUILD/addons/$MODULE"
    (cd "$BUILD/addons" && PYTHONPATH="$ODOO_PATH" "$VENV/bin/pylint" \
        --rcfile="$ROOT/.pylintrc" --ignore=tools "$MODULE")
    say "lint clean"
}

cmd_format() {
    venv
    "$VENV/bin/ruff" check --fix "$ROOT"
    "$VENV/bin/ruff" format "$ROOT"
    prettier_xml --write >/dev/null
    say "formatted (ruff, prettier)"
}

case "${1:-}" in
    demo) cmd_demo ;;
    test) cmd_test ;;
    test-core) cmd_test_core ;;
    test-odoo) cmd_test_odoo ;;
    test-upgrade) cmd_test_upgrade ;;
    lint) cmd_lint ;;
    format) cmd_format ;;
    bench) cmd_bench ;;
    populate) cmd_populate ;;
    fetch-odoo) cmd_fetch_odoo ;;
    venv) venv ;;
    pg) venv; postgres; say "PostgreSQL ready at $PGHOST:$PGPORT as $PGUSER" ;;
    *) die "usage: tools/harness.sh demo|test|test-core|test-odoo|test-upgrade|lint|format|bench|populate|fetch-odoo|venv|pg" ;;
esac
