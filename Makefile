# Classroom Pulse: `make run` serves the app, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Every install is from a lock with hashes (docs/deploy.md, "Dependencies").
PIP_INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check --require-hashes
# Locks are compiled against PyPI alone, whatever mirror or wheel folder this machine's pip is set up with.
LOCK_ENV := env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null \
	CUSTOM_COMPILE_COMMAND="make lock"
LOCK_ARGS ?=
PIP_COMPILE := $(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links $(LOCK_ARGS)

.PHONY: install install-dev run test test-fast lint typecheck audit check-deploy static lock browser-deps \
	demo bench bench-load messages clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# Serving only (no TensorFlow, Keras or matplotlib): what `make run` and every production process need.
$(VENV)/.serving: requirements.txt requirements-nodeps.txt | $(PY)
	$(PIP_INSTALL) -r requirements.txt
	$(PIP_INSTALL) --no-deps -r requirements-nodeps.txt
	touch $@

# Serving + training + dev tools: the dev lock holds all three, serving at the serving lock's versions.
$(VENV)/.dev: requirements-dev.txt requirements-nodeps.txt | $(PY)
	$(PIP_INSTALL) -r requirements-dev.txt
	$(PIP_INSTALL) --no-deps -r requirements-nodeps.txt
	touch $@ $(VENV)/.serving

install: $(VENV)/.serving

install-dev: $(VENV)/.dev

# Hashed, compressed static files (WhiteNoise's manifest storage); redone when a file under static/ changes.
STATIC_MANIFEST := staticfiles/staticfiles.json
$(STATIC_MANIFEST): $(shell find static -type f 2>/dev/null) | $(VENV)/.serving
	$(PY) manage.py collectstatic --noinput -v 0

static: $(STATIC_MANIFEST)

run: install static
	$(PY) manage.py migrate --noinput
	$(PY) manage.py ensure_demo_teacher --port $(PORT)
	$(PY) manage.py runserver $(HOST):$(PORT)

demo: install static
	$(PY) manage.py migrate --noinput
	$(PY) manage.py ensure_demo_teacher --port $(PORT)
	$(PY) manage.py demo --host $(HOST) --port $(PORT)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) tools/i18n_lint.py

# The translation catalogues (docs/i18n.md): gathers every marked string into locale/<lang>/LC_MESSAGES/*.po,
# then compiles the .mo files, which are committed (so `make run` and `make test` need no gettext tools).
# Needs GNU gettext (Debian: apt-get install gettext). Translate what is new in the .po files, then run it again.
MESSAGE_LANGUAGES := -l hi
MESSAGES_ARGS := $(MESSAGE_LANGUAGES) --no-obsolete --add-location=file --ignore='staticfiles/*' \
	--ignore='tests/*' --ignore='artifacts/*' --ignore='runs/*' --ignore='deploy/*' --ignore='docs/*' --ignore='static/vendor/*'
messages: install-dev
	$(PY) manage.py makemessages $(MESSAGES_ARGS)
	$(PY) manage.py makemessages -d djangojs $(MESSAGES_ARGS)
	$(PY) manage.py compilemessages --ignore='.venv/*'

typecheck: install-dev
	$(VENV)/bin/mypy

# Audits every locked package (the dev lock holds serving and training too) and names each one it could not
# check. A known vulnerability always fails. An unreachable vulnerability service fails where AUDIT_REQUIRED=1
# (the default when CI is set) and only warns elsewhere (offline laptops); see tools/audit.py.
audit: install-dev
	$(PY) tools/audit.py requirements-dev.txt requirements-nodeps.txt

# Django's deployment checks in production mode; any warning fails (W021 is silenced in settings, with why).
check-deploy: install
	env DEBUG=false SECRET_KEY=check-deploy-$$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n') \
	  ALLOWED_HOSTS=pulse.example.org DATABASE_URL=postgres://pulse@db.invalid/pulse \
	  REDIS_URL=redis://redis.invalid:6379/0 PROMETHEUS_MULTIPROC_DIR=$$(mktemp -d) \
	  $(PY) manage.py check --deploy --fail-level WARNING

# Recompiles the locks from the .in files, keeping every pin that still fits; LOCK_ARGS="--upgrade-package
# django" (or --upgrade) moves pins on purpose. Serving first: the other two are constrained to its versions.
lock: install-dev
	$(LOCK_ENV) $(PIP_COMPILE) -o requirements.txt requirements.in
	$(LOCK_ENV) $(PIP_COMPILE) -o requirements-training.txt requirements-training.in
	$(LOCK_ENV) $(PIP_COMPILE) -o requirements-dev.txt requirements-dev.in
	$(PY) tools/nodeps_lock.py requirements-nodeps.in requirements-nodeps.txt

browser-deps: install-dev
	@{ command -v chromium >/dev/null && fc-list :lang=hi | grep -q . ; } || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-core >/dev/null; } || \
	  echo "Chromium or its Devanagari fonts (fonts-noto-core) not installed: the browser tests will skip (and fail when PULSE_REQUIRE_SERVICES=1)."

# The whole suite on the embedded default (SQLite, in-memory layer). Tests that need
# Redis, PostgreSQL or Chromium skip when those are missing, unless PULSE_REQUIRE_SERVICES=1
# (set by .ci/run), which turns a missing service into a failure.
test: install-dev browser-deps lint typecheck audit check-deploy static
	$(PY) -m pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== database-backed tests again on PostgreSQL ($$TEST_DATABASE_URL)"; \
	  DATABASE_URL=$$TEST_DATABASE_URL $(PY) -m pytest -m "not browser" tests/classroom tests/live tests/engagement tests/security; \
	fi

test-fast: install-dev static
	$(PY) -m pytest -x -q -m "not browser and not slow"

bench: install-dev
	$(PY) -m inference bench

# The simulated class on the embedded default and on Redis + 2 Daphne + 2 workers (needs Redis; PostgreSQL if
# reachable), 50 and 200 students, 60 s each. `make bench-load BENCH_LOAD_ARGS=--quick` is a 2-minute smoke run.
bench-load: install static
	$(PY) manage.py bench_load $(BENCH_LOAD_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache
