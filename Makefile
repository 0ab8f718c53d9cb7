# optocom task runner. `make help` lists the targets.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: help demo test test-rust quality bench fixtures fmt lint

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-14s %s\n", $$1, $$2}'

demo: ## Train on the built-in demo data: purchase report, forecasts, top patients; campaign uplift
	$(CARGO) run --release -q -p optocom-examples --example purchase_forecast
	@echo
	$(CARGO) run --release -q -p optocom-examples --example campaign_uplift

test: test-rust ## Run every test of every crate and language

test-rust: ## Rust unit, integration and doc tests (optimised build)
	$(CARGO) test --release
	$(CARGO) build --release --benches --examples

quality: ## Measure model quality against the demo generators' known truth (README figures)
	$(CARGO) run --release -q -p optocom-examples --example quality

bench: ## Criterion benches (full sizes; takes a while)
	$(CARGO) bench -p optocom-benches

fixtures: ## Regenerate the golden artifacts and expected predictions under fixtures/
	$(CARGO) run --release -q -p optocom-examples --example make_fixtures

fmt: ## Format the code
	$(CARGO) fmt --all

lint: ## Clippy on the default members
	$(CARGO) clippy --workspace --all-targets -- -D warnings
