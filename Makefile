# optocom task runner. `make help` lists the targets.
SHELL := /bin/bash
CARGO ?= cargo
PYTHON ?= python3
PYDIR := bindings-python
BUILD_VENV := $(PYDIR)/.venv-build
TEST_VENV := $(PYDIR)/.venv-test
WHEEL_DIR := target/wheels
NODEDIR := bindings-node

.PHONY: peers-venv help demo test test-rust test-python test-node node test-wasm wasm bench-js wheel quality bench bench-python bench-quick bench-peers bench-replicates fixtures fmt lint

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-14s %s\n", $$1, $$2}'

demo: ## Train on the built-in demo data: purchase report, forecasts, top patients; campaign uplift
	$(CARGO) run --release -q -p optocom-examples --example purchase_forecast
	@echo
	$(CARGO) run --release -q -p optocom-examples --example campaign_uplift

test: test-rust test-python test-node test-wasm ## Run every test of every crate and language

test-rust: ## Rust unit, integration and doc tests (optimised build)
	$(CARGO) test --release
	$(CARGO) build --release --benches --examples

wheel: ## Build the Python wheel (abi3, CPython >= 3.9) into target/wheels
	@test -x $(BUILD_VENV)/bin/maturin || { $(PYTHON) -m venv $(BUILD_VENV) && $(BUILD_VENV)/bin/pip install -q -r $(PYDIR)/requirements-build.txt; }
	rm -f $(WHEEL_DIR)/optocom-*.whl
	cd $(PYDIR) && .venv-build/bin/maturin build --release --out ../$(WHEEL_DIR)

test-python: wheel ## Install the fresh wheel in a fresh venv: dependency check, pytest, then pyflakes' checks (ruff: undefined names, unused imports)
	rm -rf $(TEST_VENV)
	$(PYTHON) -m venv $(TEST_VENV)
	$(TEST_VENV)/bin/pip install -q $(WHEEL_DIR)/optocom-*.whl
	$(TEST_VENV)/bin/python $(PYDIR)/tests/check_install.py
	$(TEST_VENV)/bin/pip install -q -r $(PYDIR)/requirements-test.txt
	cd $(PYDIR) && .venv-test/bin/python -m pytest tests -q -p no:cacheprovider
	$(TEST_VENV)/bin/ruff check --isolated --select E9,F $(PYDIR)/python $(PYDIR)/tests examples/python benches/peers

# `npm install` (with the committed lock), not `npm ci`: @napi-rs/cli's dependency @napi-rs/lzma
# lists platform packages that no lock file can record, so `npm ci` refuses any lock (npm/cli#4828).
node: ## Build the Node addon (napi-rs) into bindings-node/ (index.js, index.d.ts, the .node file)
	cd $(NODEDIR) && npm install --no-audit --no-fund && npx napi build --platform --release

test-node: node ## Node addon tests (node's built-in runner), README Node tour and Node example
	cd $(NODEDIR) && npm test

wasm: ## Build the WASM module (wasm-bindgen) into bindings-wasm/pkg-web (browsers) and pkg-node; installs its toolchain if missing
	bindings-wasm/build.sh

test-wasm: ## WASM tests: type check, Node tests on pkg-node/, headless Chromium on pkg-web/ (builds first)
	bindings-wasm/test.sh

bench-js: node wasm ## The Node addon and the WASM module side by side (fit, score records/CSV, one patient); README figures
	node benches/js/bindings.mjs

quality: ## Measure model quality against the demo generators' known truth (README figures)
	$(CARGO) run --release -q -p optocom-examples --example quality

bench: ## Criterion benches (full sizes; takes a while)
	$(CARGO) bench -p optocom-benches

bench-python: wheel ## Python-binding overhead: 100k-row predict vs Rust-native, one-row latency
	@test -x $(PYDIR)/.venv-bench/bin/python || $(PYTHON) -m venv $(PYDIR)/.venv-bench
	$(PYDIR)/.venv-bench/bin/pip install -q --force-reinstall --no-deps $(WHEEL_DIR)/optocom-*.whl
	$(PYDIR)/.venv-bench/bin/pip install -q $(WHEEL_DIR)/optocom-*.whl
	$(PYDIR)/.venv-bench/bin/python benches/python/bindings_overhead.py

PEERS_VENV := benches/peers/.venv

peers-venv: wheel
	@test -x $(PEERS_VENV)/bin/python || $(PYTHON) -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/pip install -q --only-binary :all: -r benches/peers/requirements.txt
	$(PEERS_VENV)/bin/pip install -q --force-reinstall --no-deps $(WHEEL_DIR)/optocom-*.whl
	$(PEERS_VENV)/bin/pip check

bench-quick: peers-venv ## optocom vs scikit-learn, causalml, EconML at small sizes (minutes); writes benches/peers/QUICK.md (not committed; BENCHMARKS.md is the full run)
	$(PEERS_VENV)/bin/python benches/peers/run.py --quick --out benches/peers/QUICK.md

bench-peers: peers-venv ## The full peer benchmark (10k-1M appointments, 5k-50k doctors; ~20 min on a quiet 2-core machine); writes BENCHMARKS.md
	$(PEERS_VENV)/bin/python benches/peers/run.py --out BENCHMARKS.md --json benches/peers/full_run.json

bench-replicates: peers-venv ## Quality over 6 data draws: uplift vs EconML, both nuisance set-ups (5k, 50k doctors), purchase forest vs scikit-learn (10k appointments) (~7 min); writes benches/peers/REPLICATES.md
	$(PEERS_VENV)/bin/python benches/peers/replicates.py

fixtures: ## Regenerate the golden artifacts and expected predictions under fixtures/
	$(CARGO) run --release -q -p optocom-examples --example make_fixtures

fmt: ## Format the code
	$(CARGO) fmt --all

lint: ## Clippy on the default members
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p optocom-python --release -- -D warnings
	$(CARGO) clippy -p optocom-node --release -- -D warnings
	$(CARGO) clippy -p optocom-wasm --release -- -D warnings
