#!/usr/bin/env bash
# Rhythm: the one command that runs the whole test suite on a fresh machine.
#
#   scripts/test.sh                 fmt check, clippy, cargo deny, all tests (nextest), doc tests
#   scripts/test.sh --quick         skip fmt, clippy and cargo deny (local iteration)
#   scripts/test.sh [ARGS...]       any other argument goes to `cargo nextest run`,
#                                   e.g. a filter: scripts/test.sh --quick browser::
#   RHYTHM_TEST_SETUP_ONLY=1 scripts/test.sh
#                                   set up packages, PostgreSQL and npm deps, print the
#                                   environment the tests read, and stop (no cargo)
#
# Setup is idempotent and fast on a second run: apt-get runs only when a package is
# missing, npm only when axe-core is missing or not at the locked version, pip and
# cargo install only when Schemathesis or cargo-deny (in target/) is missing or not at
# its pinned version, and PostgreSQL is started only when it does not answer on
# 127.0.0.1:5432.
#
# Contract with the Rust tests (all exported below):
#   RHYTHM_TEST_PG_URL        admin URL; tests create and drop their own databases
#   RHYTHM_TEST_CHROMEDRIVER  chromedriver binary
#   RHYTHM_TEST_CHROMIUM      chromium binary
#   RHYTHM_TEST_AXE           axe.min.js injected into pages for accessibility checks
#   RHYTHM_TEST_SCHEMATHESIS  the schemathesis CLI (PyPI, in target/schemathesis) for the API contract test
#   RHYTHM_TEST_REQUIRE_ALL=1 a missing service is a test FAILURE, never a skip
#   RHYTHM_TEST_ARTIFACTS     where screenshots and logs go
#   RHYTHM_FIXTURES           the shared real scanner fixtures (the folder holding facts.json),
#                             kept outside the repository; when not set already, the first of
#                             $ROOT/../shared/fixtures/real, then, when origin is a local path (CI
#                             runs on a clean clone of main), <origin>/../shared/fixtures/real,
#                             then shared/fixtures/real beside a parent folder up to three levels up
# shellcheck disable=SC2317  # functions run via trap / run_step
set -euo pipefail

START_SECONDS=$SECONDS
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PG_HOST=127.0.0.1
PG_PORT=5432
PG_WAIT_SECONDS=30

QUICK=0
NEXTEST_ARGS=()
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=1 ;;
        -h | --help)
            awk 'NR == 1 || /shellcheck/ { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "${BASH_SOURCE[0]}"
            exit 0
            ;;
        *) NEXTEST_ARGS+=("$arg") ;;
    esac
done

if [[ -t 2 ]]; then BOLD=$'\033[1m' RED=$'\033[1;31m' RESET=$'\033[0m'; else BOLD='' RED='' RESET=''; fi
log() { printf '%s==> %s%s\n' "$BOLD" "$*" "$RESET" >&2; }
die() {
    printf '%stest.sh: ERROR: %s%s\n' "$RED" "$*" "$RESET" >&2
    exit 1
}

fmt_elapsed() {
    local s=$(( SECONDS - START_SECONDS ))
    printf '%dm%02ds' $(( s / 60 )) $(( s % 60 ))
}

# One line at the very end, whatever happened.
FINAL_REPORTED=0
on_exit() {
    local rc=$?
    if [[ $FINAL_REPORTED -eq 0 ]]; then
        if [[ $rc -eq 0 ]]; then
            echo "test.sh: finished in $(fmt_elapsed)" >&2
        else
            echo "test.sh: FAILED (exit $rc) after $(fmt_elapsed)" >&2
        fi
    fi
}
trap on_exit EXIT

# cargo may not be on PATH in a bare CI environment.
if ! command -v cargo >/dev/null 2>&1 && [[ -x "${HOME:-/root}/.cargo/bin/cargo" ]]; then
    export PATH="${HOME:-/root}/.cargo/bin:$PATH"
fi

as_root() {
    if [[ $EUID -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        die "need root (or passwordless sudo) to run: $*"
    fi
}

# ---------------------------------------------------------------------------
# 0. The shared real fixtures (never in the repository; the tests read RHYTHM_FIXTURES)
# ---------------------------------------------------------------------------
ensure_fixtures() {
    if [[ -n "${RHYTHM_FIXTURES:-}" ]]; then
        [[ -f "$RHYTHM_FIXTURES/facts.json" ]] || die "RHYTHM_FIXTURES=$RHYTHM_FIXTURES holds no facts.json"
        return 0
    fi
    local candidates=("$ROOT/../shared/fixtures/real") origin c
    # A clean `git clone` of main (CI) may live anywhere; the fixtures then sit beside the
    # repository it was cloned from, when that is a local path (not a URL).
    origin="$(git -C "$ROOT" config --get remote.origin.url 2>/dev/null || true)"
    origin="${origin#file://}"
    if [[ -n "$origin" ]] && origin="$(cd "$ROOT" && cd "$origin" 2>/dev/null && pwd)"; then
        [[ "$(basename "$origin")" == .git ]] && origin="$(dirname "$origin")"
        candidates+=("$origin/../shared/fixtures/real")
    fi
    # Else a `shared/` folder beside one of the checkout's parent folders.
    local up="$ROOT/.."
    for _ in 1 2 3; do
        up="$up/.."
        candidates+=("$up/shared/fixtures/real")
    done
    for c in "${candidates[@]}"; do
        if [[ -f "$c/facts.json" ]]; then
            RHYTHM_FIXTURES="$(cd "$c" && pwd)"
            export RHYTHM_FIXTURES
            return 0
        fi
    done
    die "the real scanner fixtures (a folder holding facts.json) are not at ${candidates[*]}; set RHYTHM_FIXTURES to that folder"
}

# ---------------------------------------------------------------------------
# 1. Debian packages
# ---------------------------------------------------------------------------
deb_installed() { dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'; }
pg_server_present() { compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; }

INSTALLED_PG=0
ensure_apt_packages() {
    local missing=()
    # The tests use Debian's builds at these exact paths (see the exports below).
    { [[ -x /usr/bin/chromium ]] && deb_installed chromium; } || missing+=(chromium)
    { [[ -x /usr/bin/chromedriver ]] && deb_installed chromium-driver; } || missing+=(chromium-driver)
    if ! pg_server_present; then
        missing+=(postgresql)
        INSTALLED_PG=1
    fi
    command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
    if [[ ${#missing[@]} -eq 0 ]]; then
        return 0
    fi

    log "installing Debian packages: ${missing[*]}"
    local aptlog
    aptlog="$(mktemp -t rhythm-apt.XXXXXX.log)"
    export DEBIAN_FRONTEND=noninteractive
    if ! as_root apt-get -qq update </dev/null >"$aptlog" 2>&1 ||
        ! as_root apt-get -y -qq -o DPkg::Lock::Timeout=300 install "${missing[@]}" </dev/null >>"$aptlog" 2>&1; then
        tail -n 40 "$aptlog" >&2
        die "apt-get install ${missing[*]} failed (full log: $aptlog)"
    fi
    rm -f "$aptlog"
}

# ---------------------------------------------------------------------------
# 2. PostgreSQL on 127.0.0.1:5432
# ---------------------------------------------------------------------------
pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" >/dev/null 2>&1; }

pg_wait() {
    local i
    for (( i = 0; i < PG_WAIT_SECONDS; i++ )); do
        pg_ready && return 0
        sleep 1
    done
    pg_ready
}

pg_start_cluster() {
    [[ -d /etc/postgresql ]] || return 1
    command -v pg_ctlcluster >/dev/null 2>&1 || return 1
    local ver
    ver="$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)"
    [[ -n "$ver" && -d "/etc/postgresql/$ver/main" ]] || return 1
    log "starting PostgreSQL cluster $ver/main"
    as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start </dev/null >&2 || true
    pg_wait
}

# Last resort: a throwaway cluster (trust auth) in a temp dir, owned by postgres.
pg_start_throwaway() {
    local initdb bindir datadir
    initdb="$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1 || true)"
    [[ -n "$initdb" ]] || initdb="$(command -v initdb || true)"
    [[ -n "$initdb" ]] || return 1
    bindir="$(dirname "$initdb")"
    datadir="$(mktemp -d -t rhythm-pg.XXXXXX)"
    local -a as_pg=()
    if [[ $EUID -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || return 1
        chown postgres: "$datadir"
        as_pg=(runuser -u postgres --)
    fi
    log "starting a throwaway PostgreSQL in $datadir (log: $datadir/server.log)"
    "${as_pg[@]}" "$bindir/initdb" -D "$datadir/data" -U postgres --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 >"$datadir/initdb.log" 2>&1 ||
        { cat "$datadir/initdb.log" >&2; return 1; }
    "${as_pg[@]}" "$bindir/pg_ctl" -D "$datadir/data" -l "$datadir/server.log" -w -t "$PG_WAIT_SECONDS" \
        -o "-p $PG_PORT -c listen_addresses=$PG_HOST -k $datadir" start </dev/null >&2 ||
        { tail -n 20 "$datadir/server.log" >&2 || true; return 1; }
    pg_wait
}

# A cluster that apt-get just created uses password auth on TCP; the tests
# connect as postgres without one. Only ever done to a cluster this run installed.
pg_trust_localhost() {
    local hba
    hba="$(cd / && as_root runuser -u postgres -- psql -XAtqc 'SHOW hba_file' 2>/dev/null)" || return 1
    [[ -f "$hba" ]] || return 1
    log "allowing trust auth from $PG_HOST in $hba (cluster installed by this run)"
    as_root sed -i "1i host all all $PG_HOST/32 trust" "$hba"
    (cd / && as_root runuser -u postgres -- psql -XAtqc 'SELECT pg_reload_conf()' >/dev/null)
    sleep 1
}

pg_connect_ok() { psql "$RHYTHM_TEST_PG_URL" -w -XAtqc 'SELECT 1' >/dev/null 2>&1; }

ensure_postgres() {
    command -v pg_isready >/dev/null 2>&1 || die "pg_isready not found (is postgresql-client installed?)"
    if ! pg_ready; then
        pg_start_cluster || true
    fi
    if ! pg_ready; then
        log "PostgreSQL cluster did not come up; trying a throwaway cluster"
        pg_start_throwaway || true
    fi
    pg_ready || die "PostgreSQL is not answering on $PG_HOST:$PG_PORT after ${PG_WAIT_SECONDS}s (pg_isready -h $PG_HOST -p $PG_PORT)"

    if ! pg_connect_ok; then
        if [[ $INSTALLED_PG -eq 1 ]]; then
            pg_trust_localhost || true
        fi
        if ! pg_connect_ok; then
            psql "$RHYTHM_TEST_PG_URL" -w -XAtqc 'SELECT 1' >&2 || true
            die "PostgreSQL answers on $PG_HOST:$PG_PORT but '$RHYTHM_TEST_PG_URL' cannot log in (need trust auth for postgres from $PG_HOST)"
        fi
    fi
}

# ---------------------------------------------------------------------------
# 3. npm deps for browser tests (axe-core)
# ---------------------------------------------------------------------------
ensure_browser_npm() {
    local dir=tests/browser want have
    [[ -f "$dir/package-lock.json" ]] || die "$dir/package-lock.json is missing"
    want="$(node -p "require('./$dir/package-lock.json').packages['node_modules/axe-core'].version")"
    have="$(node -p "require('./$dir/node_modules/axe-core/package.json').version" 2>/dev/null || true)"
    if [[ -f "$dir/node_modules/axe-core/axe.min.js" && "$have" == "$want" ]]; then
        return 0
    fi
    log "installing browser-test npm deps (axe-core $want)"
    npm ci --no-audit --no-fund --no-update-notifier --loglevel=error --prefix "$dir" </dev/null >&2 ||
        die "npm ci in $dir failed"
    [[ -f "$dir/node_modules/axe-core/axe.min.js" ]] || die "npm ci succeeded but axe.min.js is missing"
}

# ---------------------------------------------------------------------------
# 4. Schemathesis (PyPI) for the API contract test, in its own virtualenv
# ---------------------------------------------------------------------------
SCHEMATHESIS_VERSION=4.32.5
SCHEMATHESIS_VENV="$ROOT/target/schemathesis"
ensure_schemathesis() {
    local st="$SCHEMATHESIS_VENV/bin/schemathesis"
    if [[ -x "$st" ]] && "$st" --version 2>/dev/null | grep -qF "$SCHEMATHESIS_VERSION"; then
        return 0
    fi
    command -v python3 >/dev/null 2>&1 || die "python3 is needed for Schemathesis (the API contract test)"
    log "installing Schemathesis $SCHEMATHESIS_VERSION from PyPI into $SCHEMATHESIS_VENV"
    rm -rf "$SCHEMATHESIS_VENV"
    python3 -m venv "$SCHEMATHESIS_VENV" >&2 || die "python3 -m venv $SCHEMATHESIS_VENV failed (is python3-venv installed?)"
    "$SCHEMATHESIS_VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" </dev/null >&2 ||
        die "pip install schemathesis==$SCHEMATHESIS_VERSION failed"
    "$st" --version >/dev/null 2>&1 || die "Schemathesis installed but $st does not run"
}

# ---------------------------------------------------------------------------
# 5. cargo-deny (crates.io) for the dependency rules in deny.toml, in target/tools
# ---------------------------------------------------------------------------
CARGO_DENY_VERSION=0.20.2
CARGO_TOOLS="$ROOT/target/tools"
CARGO_DENY="$CARGO_TOOLS/bin/cargo-deny"
cargo_deny_current() { [[ -x "$CARGO_DENY" && "$("$CARGO_DENY" --version 2>/dev/null)" == "cargo-deny $CARGO_DENY_VERSION" ]]; }
ensure_cargo_deny() {
    cargo_deny_current && return 0
    # A cold build of cargo-deny takes minutes on two cores; only the first run pays it.
    # Built in cargo's own temporary directory, never in the workspace's target dir.
    log "installing cargo-deny $CARGO_DENY_VERSION from crates.io into $CARGO_TOOLS (a cold build: minutes, once)"
    env -u CARGO_TARGET_DIR cargo install cargo-deny --locked --version "$CARGO_DENY_VERSION" \
        --root "$CARGO_TOOLS" --force </dev/null >&2 ||
        die "cargo install cargo-deny --version $CARGO_DENY_VERSION failed"
    cargo_deny_current || die "cargo-deny installed but $CARGO_DENY --version is not cargo-deny $CARGO_DENY_VERSION"
}

# ---------------------------------------------------------------------------
# Setup
# ---------------------------------------------------------------------------
export RHYTHM_TEST_PG_URL="postgres://postgres@$PG_HOST:$PG_PORT/postgres"
export RHYTHM_TEST_CHROMEDRIVER=/usr/bin/chromedriver
export RHYTHM_TEST_CHROMIUM=/usr/bin/chromium
export RHYTHM_TEST_AXE="$PWD/tests/browser/node_modules/axe-core/axe.min.js"
export RHYTHM_TEST_SCHEMATHESIS="$SCHEMATHESIS_VENV/bin/schemathesis"
export RHYTHM_TEST_REQUIRE_ALL=1
export RHYTHM_TEST_ARTIFACTS="$PWD/artifacts"

ensure_fixtures
ensure_apt_packages
ensure_postgres
ensure_browser_npm
ensure_schemathesis
mkdir -p "$RHYTHM_TEST_ARTIFACTS"

CHROMIUM_VERSION="$("$RHYTHM_TEST_CHROMIUM" --version 2>/dev/null)" || die "$RHYTHM_TEST_CHROMIUM --version failed"
CHROMEDRIVER_VERSION="$("$RHYTHM_TEST_CHROMEDRIVER" --version 2>/dev/null)" || die "$RHYTHM_TEST_CHROMEDRIVER --version failed"
PG_VERSION="$(psql "$RHYTHM_TEST_PG_URL" -w -XAtqc 'SHOW server_version')"
log "ready: PostgreSQL $PG_VERSION, $CHROMIUM_VERSION, ${CHROMEDRIVER_VERSION%% (*}, axe-core $(node -p "require('./tests/browser/node_modules/axe-core/package.json').version"), Schemathesis $SCHEMATHESIS_VERSION, fixtures $RHYTHM_FIXTURES"

if [[ "${RHYTHM_TEST_SETUP_ONLY:-0}" == "1" ]]; then
    for v in RHYTHM_TEST_PG_URL RHYTHM_TEST_CHROMEDRIVER RHYTHM_TEST_CHROMIUM RHYTHM_TEST_AXE \
        RHYTHM_TEST_SCHEMATHESIS RHYTHM_TEST_REQUIRE_ALL RHYTHM_TEST_ARTIFACTS RHYTHM_FIXTURES; do
        printf 'export %s=%q\n' "$v" "${!v}"
    done
    FINAL_REPORTED=1
    echo "test.sh: setup only (RHYTHM_TEST_SETUP_ONLY=1), done in $(fmt_elapsed)" >&2
    exit 0
fi

# ---------------------------------------------------------------------------
# Checks and tests. Every step runs; the script fails at the end if any failed.
# ---------------------------------------------------------------------------
command -v cargo >/dev/null 2>&1 || die "cargo not found"
if ! cargo nextest --version >/dev/null 2>&1; then
    log "installing cargo-nextest"
    cargo install cargo-nextest --locked || die "cargo install cargo-nextest failed"
fi

FAILED_STEPS=()
PASSED_STEPS=()
run_step() {
    local name="$1"
    shift
    [[ "$(type -t "$1")" == function ]] || log "$name: $*"
    if "$@"; then
        PASSED_STEPS+=("$name")
    else
        FAILED_STEPS+=("$name")
        printf '%s==> %s FAILED%s\n' "$RED" "$name" "$RESET" >&2
    fi
}

if [[ $QUICK -eq 0 ]]; then
    run_step fmt cargo fmt --all -- --check
    run_step clippy cargo clippy --workspace --all-targets --locked -- -D warnings
    # bans, licenses and sources (deny.toml; advisories need the network). Duplicate versions
    # are warnings; `cargo tree -i CRATE` shows who pulls a banned crate in.
    ensure_cargo_deny
    run_step deny "$CARGO_DENY" --locked check --hide-inclusion-graph bans licenses sources
fi

# Output is also kept in artifacts/ so the counts can be summed up at the end.
NEXTEST_LOG="$RHYTHM_TEST_ARTIFACTS/nextest.log"
DOCTEST_LOG="$RHYTHM_TEST_ARTIFACTS/doctest.log"
COLOR=never
[[ -t 2 ]] && COLOR=always
nextest() {
    log "nextest: cargo nextest run --workspace --locked --no-fail-fast ${NEXTEST_ARGS[*]}"
    cargo nextest run --workspace --locked --no-fail-fast --color "$COLOR" "${NEXTEST_ARGS[@]}" 2>&1 |
        tee "$NEXTEST_LOG"
}
doctest() {
    log "doctest: cargo test --workspace --doc --locked"
    cargo test --workspace --doc --locked --color "$COLOR" 2>&1 | tee "$DOCTEST_LOG"
}
: >"$NEXTEST_LOG"
: >"$DOCTEST_LOG"
run_step nextest nextest
run_step doctest doctest

strip_ansi() { sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' "$@"; }
sum_of() { # sum_of REGEX: add up the leading numbers of every match of REGEX on stdin
    { grep -oE "$1" || true; } | { grep -oE '^[0-9]+' || true; } | awk '{ s += $1 } END { print s + 0 }'
}
NX_SUMMARY="$(strip_ansi "$NEXTEST_LOG" | { grep -E '^ *Summary \[' || true; } | tail -n 1)"
NX_PASSED="$(sum_of '[0-9]+ passed' <<<"$NX_SUMMARY")"
NX_FAILED="$(sum_of '[0-9]+ (failed|timed out|exec failed)' <<<"$NX_SUMMARY")"
NX_SKIPPED="$(sum_of '[0-9]+ skipped' <<<"$NX_SUMMARY")"
DT_PASSED="$(strip_ansi "$DOCTEST_LOG" | sum_of '[0-9]+ passed;')"
DT_FAILED="$(strip_ansi "$DOCTEST_LOG" | sum_of '[0-9]+ failed;')"
DT_IGNORED="$(strip_ansi "$DOCTEST_LOG" | sum_of '[0-9]+ ignored;')"
TOTAL_PASSED=$(( NX_PASSED + DT_PASSED ))
TOTAL_FAILED=$(( NX_FAILED + DT_FAILED ))
TOTAL_SKIPPED=$(( NX_SKIPPED + DT_IGNORED ))

FINAL_REPORTED=1
if [[ ${#FAILED_STEPS[@]} -eq 0 ]]; then
    echo "test.sh: PASSED in $(fmt_elapsed) (steps: ${PASSED_STEPS[*]}; nextest $NX_PASSED passed, doc tests $DT_PASSED passed)"
    STATUS=0
else
    echo "test.sh: FAILED in $(fmt_elapsed) (failed steps: ${FAILED_STEPS[*]}; passed: ${PASSED_STEPS[*]:-none})"
    STATUS=1
fi
echo "tests: $TOTAL_PASSED passed, $TOTAL_FAILED failed, $TOTAL_SKIPPED skipped"
exit "$STATUS"
