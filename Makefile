# The single entry point for developers and CI. `make run` and `make test` find (or start) a
# PostgreSQL server the same way:
#   1. DATABASE_URL, when set;
#   2. else a server answering on 127.0.0.1:5432 (user postgres, trust auth);
#   3. else a private cluster under .paylink/postgres (git-ignored) on port $(PG_PORT), made with
#      initdb and started with pg_ctl; Debian's postgresql package is installed first when missing
#      and we are root.
# The browser tests need Debian's Chromium and its WebDriver; `make chromium` finds or installs them.
# Their accessibility checks need axe-core; `make axe` installs the pinned version from npm.
# The shared rate limit's tests need Redis: `make redis` uses PAYLINK_TEST_REDIS_URL, else a server
# on 127.0.0.1:6379, else starts Debian's redis-server there (installing it when missing and root).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CARGO ?= cargo
PG_PORT ?= 54329
STATE := $(CURDIR)/.paylink
PG_HOME := $(STATE)/postgres
ADMIN_URL_FILE := $(STATE)/admin-database-url
# The browser tests read these two from the environment too, with the same defaults.
PAYLINK_TEST_CHROMIUM ?= /usr/bin/chromium
PAYLINK_TEST_CHROMEDRIVER ?= /usr/bin/chromedriver
export PAYLINK_TEST_CHROMIUM PAYLINK_TEST_CHROMEDRIVER
# axe-core's browser build, which the browser tests inject into each page; the same default there.
AXE_DIR := $(CURDIR)/tests/axe
PAYLINK_TEST_AXE ?= $(AXE_DIR)/node_modules/axe-core/axe.min.js
export PAYLINK_TEST_AXE

.PHONY: help run test build fmt lint unit-tests schema-check contract-check postgres postgres-stop chromium axe redis graphiql-assets clean

help:
	@echo "make run    build, set up a local database and serve http://127.0.0.1:8080/graphql"
	@echo "make test   everything CI checks: fmt, clippy, tests against PostgreSQL, schema and contract checks"
	@echo "make bench  build release binaries, seed a database, load-test paylink; table + target/bench/results.json"
	@echo "make postgres-stop   stop the private PostgreSQL cluster, if one was started"
	@echo "make chromium        find or install headless Chromium and chromedriver for the browser tests"
	@echo "make axe             install the pinned axe-core the browser tests check accessibility with"
	@echo "make redis           find or start the Redis the shared rate limit's tests use"
	@echo "make graphiql-assets fetch the pinned GraphiQL and React builds from npm into crates/paylink-graphiql/assets"

build:
	$(CARGO) build --bin paylink

# Writes the URL of a maintenance database (one we may CREATE DATABASE from) to $(ADMIN_URL_FILE).
postgres:
	@mkdir -p "$(STATE)"
	@if [ -n "$${DATABASE_URL:-}" ]; then \
	  echo "$$DATABASE_URL" > "$(ADMIN_URL_FILE)"; \
	  echo "postgres: using DATABASE_URL"; \
	elif (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then \
	  echo "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable" > "$(ADMIN_URL_FILE)"; \
	  echo "postgres: using the server on 127.0.0.1:5432"; \
	else \
	  $(MAKE) --no-print-directory private-postgres; \
	  echo "postgres://postgres@127.0.0.1:$(PG_PORT)/postgres?sslmode=disable" > "$(ADMIN_URL_FILE)"; \
	fi

.PHONY: private-postgres
private-postgres:
	@bindir=$$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1); \
	if [ -z "$$bindir" ]; then \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "PostgreSQL is not installed and we are not root: install Debian's postgresql package or set DATABASE_URL" >&2; \
	    exit 1; \
	  fi; \
	  echo "postgres: installing Debian's postgresql package"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  bindir=$$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1); \
	fi; \
	as_owner() { if [ "$$(id -u)" = 0 ]; then runuser -u postgres -- "$$@"; else "$$@"; fi; }; \
	mkdir -p "$(PG_HOME)"; \
	if [ "$$(id -u)" = 0 ]; then chown postgres: "$(PG_HOME)"; fi; \
	if [ ! -f "$(PG_HOME)/data/PG_VERSION" ]; then \
	  echo "postgres: creating a private cluster in $(PG_HOME)"; \
	  as_owner "$$bindir/initdb" -D "$(PG_HOME)/data" -U postgres --auth=trust -E UTF8 >/dev/null; \
	fi; \
	if ! as_owner "$$bindir/pg_ctl" -D "$(PG_HOME)/data" status >/dev/null 2>&1; then \
	  echo "postgres: starting the private cluster on 127.0.0.1:$(PG_PORT)"; \
	  as_owner "$$bindir/pg_ctl" -D "$(PG_HOME)/data" -l "$(PG_HOME)/server.log" -w \
	    -o "-p $(PG_PORT) -c listen_addresses=127.0.0.1 -k $(PG_HOME)" start >/dev/null; \
	fi

postgres-stop:
	@bindir=$$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1); \
	if [ -n "$$bindir" ] && [ -f "$(PG_HOME)/data/PG_VERSION" ]; then \
	  if [ "$$(id -u)" = 0 ]; then runuser -u postgres -- "$$bindir/pg_ctl" -D "$(PG_HOME)/data" stop; \
	  else "$$bindir/pg_ctl" -D "$(PG_HOME)/data" stop; fi; \
	fi

# Headless Chromium and chromedriver for the browser tests (tests/api/browser.rs): Debian's
# chromium and chromium-driver packages, installed when missing and we are root.
chromium:
	@if [ -x "$(PAYLINK_TEST_CHROMIUM)" ] && [ -x "$(PAYLINK_TEST_CHROMEDRIVER)" ]; then \
	  echo "chromium: using $(PAYLINK_TEST_CHROMIUM) and $(PAYLINK_TEST_CHROMEDRIVER)"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "chromium: installing Debian's chromium and chromium-driver packages"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  if [ ! -x "$(PAYLINK_TEST_CHROMIUM)" ] || [ ! -x "$(PAYLINK_TEST_CHROMEDRIVER)" ]; then \
	    echo "chromium: installed, but $(PAYLINK_TEST_CHROMIUM) or $(PAYLINK_TEST_CHROMEDRIVER) is still missing" >&2; \
	    exit 1; \
	  fi; \
	else \
	  echo "Chromium is not installed and we are not root: install Debian's chromium and chromium-driver packages, or set PAYLINK_TEST_CHROMIUM and PAYLINK_TEST_CHROMEDRIVER" >&2; \
	  exit 1; \
	fi

# axe-core for the browser tests' accessibility checks (tests/api/axe.rs): the version pinned in
# tests/axe/package-lock.json, installed by `npm ci` into tests/axe/node_modules (git-ignored), again
# only when the installed version differs. PAYLINK_TEST_AXE set in the environment or on make's
# command line names another axe.min.js and installs nothing.
axe:
	@if [ "$(origin PAYLINK_TEST_AXE)" != file ]; then \
	  if [ ! -f "$(PAYLINK_TEST_AXE)" ]; then echo "axe: PAYLINK_TEST_AXE names $(PAYLINK_TEST_AXE), which is missing" >&2; exit 1; fi; \
	  echo "axe: using $(PAYLINK_TEST_AXE)"; \
	  exit 0; \
	fi; \
	if ! command -v npm >/dev/null; then \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "npm is not installed and we are not root: install Debian's npm package, or set PAYLINK_TEST_AXE to an axe.min.js" >&2; \
	    exit 1; \
	  fi; \
	  echo "axe: installing Debian's npm package"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	fi; \
	version() { node -p "require('$$1').version" 2>/dev/null || true; }; \
	pinned=$$(node -p "require('$(AXE_DIR)/package-lock.json').packages['node_modules/axe-core'].version"); \
	if [ "$$(version "$(AXE_DIR)/node_modules/axe-core/package.json")" != "$$pinned" ]; then \
	  echo "axe: installing axe-core $$pinned from the npm registry into tests/axe/node_modules"; \
	  npm ci --prefix "$(AXE_DIR)" --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null; \
	fi; \
	echo "axe: using axe-core $$pinned"

# Redis for the shared rate limit's tests (tests/api/shared_rate_limit.rs). It keeps nothing on
# disk: the tests need no state across runs.
redis:
	@if [ -n "$${PAYLINK_TEST_REDIS_URL:-}" ]; then \
	  echo "redis: using PAYLINK_TEST_REDIS_URL"; \
	elif (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then \
	  echo "redis: using the server on 127.0.0.1:6379"; \
	else \
	  if ! command -v redis-server >/dev/null; then \
	    if [ "$$(id -u)" != 0 ]; then \
	      echo "Redis is not installed and we are not root: install Debian's redis-server package, or set PAYLINK_TEST_REDIS_URL" >&2; \
	      exit 1; \
	    fi; \
	    echo "redis: installing Debian's redis-server package"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	  fi; \
	  echo "redis: starting redis-server on 127.0.0.1:6379"; \
	  redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize yes >/dev/null; \
	  for _ in $$(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && break; sleep 0.1; done; \
	fi

# Refreshes GraphiQL's files from the npm registry (versions pinned in the script); not part of
# `make test`: the files are checked in, and the binary embeds them.
graphiql-assets:
	crates/paylink-graphiql/fetch-assets.sh

# The app's own database is `paylink` on the discovered server, unless DATABASE_URL names one.
run: build postgres
	@admin=$$(cat "$(ADMIN_URL_FILE)"); \
	base="$${admin%%\?*}"; params="$${admin#"$$base"}"; \
	export DATABASE_URL="$${DATABASE_URL:-$${base%/*}/paylink$$params}"; \
	./target/debug/paylink dev setup; \
	echo; \
	exec ./target/debug/paylink serve

fmt:
	$(CARGO) fmt --all -- --check

# The second line builds the service alone: in a workspace build the benchmark's and the tests'
# features are on too, so only this shows that the service needs no `paylink-store/direct`.
lint:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) clippy --package paylink --lib --bins --locked -- -D warnings

unit-tests: postgres chromium axe redis
	@export PAYLINK_TEST_DATABASE_URL=$$(cat "$(ADMIN_URL_FILE)"); \
	if $(CARGO) nextest --version >/dev/null 2>&1; then \
	  $(CARGO) nextest run --workspace --locked --no-fail-fast; \
	else \
	  $(CARGO) test --workspace --locked --no-fail-fast; \
	fi

schema-check:
	$(CARGO) run --quiet --locked --bin paylink -- schema check

# The released contract (schema/released/) against schema/: a BREAKING change fails unless its
# coordinate is listed in schema/released/ACCEPTED_BREAKS (see the README, "Schema contract").
contract-check:
	$(CARGO) run --quiet --locked --bin paylink -- schema diff schema/released schema \
	  --accept schema/released/ACCEPTED_BREAKS

test: fmt lint unit-tests schema-check contract-check

# The load benchmark (README, "Benchmarks"); not part of `make test`. BENCH_* variables configure it.
.PHONY: bench
bench: postgres
	$(CARGO) build --release --locked -p paylink --bin paylink -p paylink-bench --bin paylink-bench
	./target/release/paylink-bench --server ./target/release/paylink \
	  --admin-url "$$(cat "$(ADMIN_URL_FILE)")"

clean:
	$(CARGO) clean
