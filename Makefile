# The index of every command. `make run` and `make test` work on a fresh Debian/Ubuntu machine:
# they install what is missing first (scripts/setup.sh).

export CARGO_TARGET_DIR ?= $(HOME)/.cache/folio-target
# Debug info for dependencies doubles the build directory and is rarely read.
export CARGO_PROFILE_DEV_DEBUG ?= line-tables-only
CARGO ?= cargo
SHELL := bash
TEST_LOG := $(CARGO_TARGET_DIR)/folio-test.log

.PHONY: help run app ui test test-rust test-ui lint fmt bench-convert bench-sync convert clean

help:
	@echo "make run            build and start the desktop app"
	@echo "make test           every test: lints, Rust unit + integration tests, UI type check"
	@echo "make lint           rustfmt --check and clippy -D warnings"
	@echo "make fmt            format the Rust code"
	@echo "make bench-convert  folio convert vs libvips vs cwebp on 24 MP photos (release build)"
	@echo "make bench-sync     folio sync vs curl into a real WordPress; watch latency; idle CPU; re-sync"
	@echo "make convert ARGS=… run 'folio convert' from source"

run:
	scripts/setup.sh run
	$(MAKE) ui
	$(CARGO) run -p folio-app

ui:
	cd ui && npm run --silent build

test:
	scripts/setup.sh test
	$(MAKE) ui
	$(MAKE) lint
	$(MAKE) test-rust
	$(MAKE) test-ui
	@# One closing total, so a reader (or CI) need not find the last of many cargo summaries.
	@awk '/^test result:/ { p += $$4; f += $$6 } END { printf "tests: %d passed, %d failed\n", p, f }' $(TEST_LOG)

test-rust:
	@mkdir -p $(CARGO_TARGET_DIR)
	set -o pipefail; tests/with-wordpress.sh $(CARGO) test --workspace --all-targets 2>&1 | tee $(TEST_LOG)

test-ui:
	cd ui && npm run --silent check

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

bench-convert:
	scripts/setup.sh bench
	scripts/bench-convert.sh

bench-sync:
	scripts/setup.sh bench
	$(CARGO) build --release -q -p folio-cli
	tests/with-wordpress.sh python3 scripts/bench_sync.py

convert:
	$(CARGO) run -q -p folio-cli -- convert $(ARGS)

clean:
	$(CARGO) clean
	rm -rf ui/dist
