# `make install` installs everything `make dev` and `make test` use (Python, the Node packages
# of the root, clients/web and tests/e2e, Debian's chromium and javac); after it nothing is downloaded:
# the tests never install, and `make dev` works offline. `make dev` and `make test` run it first.
SHELL := /bin/bash
VENV := functions/venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: install venv-here node-packages debian-packages dev test test-under-load test-domain test-random-order lint format lock bench ledger-check try deploy clean

install: venv-here $(STAMP) node-packages debian-packages functions/.secret.local

# A venv copied from another checkout still runs that checkout's Python: its scripts' first
# line and bin/activate (which firebase-tools sources to start the functions) name the old
# path, so the emulator's workers would run the other checkout's interpreter and packages.
venv-here:
	@if [ -d $(VENV) ] && ! grep -qs '"$(CURDIR)/$(VENV)"' $(VENV)/bin/activate; then \
	  echo "$(VENV) was made for another checkout: rebuilding it"; rm -rf $(VENV); fi

# Python 3.11 is the Cloud Functions runtime we deploy (python311); the emulator needs the
# venv at functions/venv. requirements.lock pins the whole dependency tree (`make lock`
# writes it from requirements.txt), so every machine and CI install the same versions.
# phoenix.pth puts the repo root and functions/ on the venv's path: `python -m ops`,
# devstack, bench and the stand-ins import the functions' packages without sys.path edits.
$(STAMP): requirements.lock
	@command -v python3.11 >/dev/null || { echo "python3.11 is required"; exit 1; }
	test -x $(PY) || python3.11 -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.lock
	printf '%s\n%s\n' "$(CURDIR)" "$(CURDIR)/functions" > "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/phoenix.pth"
	touch $@

# Re-pins the whole tree after a change to requirements.txt or functions/requirements.in, and
# writes functions/requirements.txt (what `firebase deploy` installs) from the new lock.
lock:
	rm -rf .lockenv && python3.11 -m venv .lockenv
	.lockenv/bin/python -m pip install --quiet -r requirements.txt
	{ echo "# The whole dependency tree, pinned: written by \`make lock\` from requirements.txt; used by \`make install\`."; \
	  .lockenv/bin/python -m pip freeze --exclude-editable | LC_ALL=C sort -f; } > requirements.lock
	.lockenv/bin/python -m ops.pin_requirements
	rm -rf .lockenv

# npm ci in each directory whose lock changed since its last install (devstack/node_install.py:
# the stamps the tests and `make dev` check instead of installing).
node-packages: $(STAMP)
	$(PY) -m devstack.node_install

# From Debian: the Chromium the browser tests drive (never a downloaded browser) and javac, which
# builds the local Storage rules runtime's launcher. Installed only when missing.
DEBIAN_PACKAGES := $(if $(wildcard $(CHROMIUM)),,chromium) $(if $(shell command -v javac),,openjdk-17-jdk-headless)
debian-packages:
	@test -z "$(strip $(DEBIAN_PACKAGES))" || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(DEBIAN_PACKAGES); \
	  else echo "missing Debian packages: sudo apt-get install $(DEBIAN_PACKAGES)"; exit 1; fi; }

# Local values for the R2 secrets (the S3 stand-in accepts any key). Never used in deploys.
functions/.secret.local:
	printf 'R2_ACCESS_KEY_ID=local\nR2_SECRET_ACCESS_KEY=local\n' > $@

dev: install
	$(PY) -m devstack dev

# One pytest-xdist worker per core, each with a whole stack in its own network namespace
# (tests/support/parallel.py); a test file runs on one worker. Without the right to make a
# namespace, `-n auto` is 0 workers: the suite runs in one process. The files are handed out
# in the order tests/conftest.py sets (the long ones first), not by their number of tests.
PARALLEL := -n auto --dist loadfile --no-loadscope-reorder

test: install
	$(PY) -m pytest $(PARALLEL)

# The whole suite three times in a row while two CPU-burning processes run beside it: proof
# that no test depends on winning a race against the clock (see tests/support/load.py).
test-under-load: install
	$(PY) -m tests.support.load --runs 3 --burners 2 -- $(PY) -m pytest $(PARALLEL) $(PYTEST_ARGS)

# The same suite in a random order, to prove no test depends on another's leftovers.
test-random-order: install
	$(PY) -m pytest --random-order

# ruff includes the complexity gate (C901, limit in pyproject.toml); vulture the dead-code
# check (reviewed exceptions in vulture_allow.py).
lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m vulture

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

test-domain: install
	$(PY) -m pytest tests/domain

clean:
	rm -rf .devstack firestore-debug.log pubsub-debug.log

PROMPT ?= a paper boat on a rainy street
# Needs `make dev` running in another terminal.
# Without the stack it says so in one line and exits 3 (devstack/preflight.py).
try:
	@$(PY) -m devstack.try_it --prompt "$(PROMPT)"

# Audits the ledger of the emulator (`make dev` running) or, with PROJECT=id, a real project.
ledger-check:
	@$(PY) -m ops $(if $(PROJECT),--project $(PROJECT),--emulator) ledger-check

# Ships functions, Firestore rules and indexes, and Storage rules to a real project: make deploy PROJECT=my-project
# Refuses the local demo-* projects (they exist only in the emulator), and a Veo model that
# Google has retired or never had (every generation would fail): see ops/deploy_check.py.
deploy: install
	@test -n "$(PROJECT)" || { echo "usage: make deploy PROJECT=<firebase project id>"; exit 2; }
	@case "$(PROJECT)" in demo-*) echo "refusing to deploy to $(PROJECT): demo-* projects are emulator-only"; exit 2;; esac
	$(PY) -m ops.deploy_check --project "$(PROJECT)" $(if $(ALLOW_R2_DEV),--allow-r2-dev)
	$(PY) -m ops.pin_requirements --check
	$(PY) -m ops indexes --check
	node_modules/.bin/firebase deploy --project "$(PROJECT)" --only functions,firestore:rules,firestore:indexes,storage
	$(PY) -m ops --project "$(PROJECT)" monitoring apply $(if $(NOTIFY_CHANNEL),--notify-channel "$(NOTIFY_CHANNEL)")
	$(PY) -m ops --project "$(PROJECT)" smoke

# A benchmark, not a test: figures in bench/results.json, explained in docs/performance.md and
# docs/capacity.md (their figures: python -m bench.report --write-docs). Starts its own stack
# (production poll settings); budgets on 2 idle cores: 20 min in full, BENCH_ARGS=--quick 8 min,
# BENCH_ARGS=--model-only 60 s and no stack.
bench: install
	$(PY) -m bench.run $(BENCH_ARGS)
