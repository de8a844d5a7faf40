# The index of every command. `make run` and `make test` work on a fresh Debian/Ubuntu machine:
# they install what is missing first (scripts/setup.sh).

export CARGO_TARGET_DIR ?= $(HOME)/.cache/folio-target
# Debug info for dependencies doubles the build directory and is rarely read.
export CARGO_PROFILE_DEV_DEBUG ?= line-tables-only
CARGO ?= cargo
SHELL := bash
TEST_LOG := $(CARGO_TARGET_DIR)/folio-test.log

.PHONY: relay bundle bench-shopify bench-dropbox audit fuzz test-crash bench-many-sites bench-scale bench-app screenshots bindings help run app ui test test-rust test-ui lint fmt bench-convert bench-sync convert clean

help:
	@echo "make run            build and start the desktop app"
	@echo "make test           every test: lints, Rust (with real WordPress), the app window (WebDriver), UI (Vitest)"
	@echo "make bundle         the Linux .deb (app + folio command) in \$$CARGO_TARGET_DIR/release/bundle/deb; DEBUG=1 from the debug build"
	@echo "make screenshots    run the window test and keep its screenshots in docs/screenshots"
	@echo "make lint           rustfmt --check, clippy -D warnings and luacheck of the Lightroom plug-in"
	@echo "make fmt            format the Rust code"
	@echo "make fuzz           fuzz every parser and convert() for FUZZ_SECS (default 120) each; make test runs 3 s each"
	@echo "make audit          cargo audit of Cargo.lock (AUDIT_DB=DIR: an advisory-db checkout, offline)"
	@echo "make test-crash     the SIGKILL test at scale: 200 photos, 50 kills, plain and companion WordPress"
	@echo "make bindings       regenerate ui/src/bindings.ts from the app's commands"
	@echo "make bench-convert  folio convert vs libvips vs cwebp on 24 MP photos (release build)"
	@echo "make bench-app      the app window, debug and release: launch, first screen of thumbnails, scrolling 10,000 photos, memory"
	@echo "make bench-sync     folio sync vs curl into a real WordPress; watch latency; many sites; idle CPU; re-sync"
	@echo "make bench-dropbox  the Dropbox part of bench-sync alone: change → served at the same URL; 10,000-entry re-sync"
	@echo "make bench-shopify  the Shopify part of bench-sync alone: photos/s into the fake store under a standard bucket, THROTTLED answers"
	@echo "make bench-many-sites  one album to 4 sites, one slow: fast sites' time vs one site, conversions"
	@echo "make bench-scale    one album to 100 sites (memory, fds, fast sites vs one); a 100,000-photo album's status, grid, re-sync"
	@echo "make convert ARGS=… run 'folio convert' from source"
	@echo "make relay          the sign-in relay from source, with RELAY_CONFIG (default relay.toml; see deploy/relay)"

# The sign-in relay (README, "Sign-in relay") with a configuration such as
# deploy/relay/relay.example.toml.
RELAY_CONFIG ?= relay.toml
relay:
	$(CARGO) run -q -p folio-relay -- --config $(RELAY_CONFIG)

# The Linux package (.deb), with the app and the `folio` command; DEBUG=1 builds it from the
# debug build the tests use (as `make test` does), else from a release build. The macOS and
# Windows bundles are configured in tauri.conf.json and built on those systems.
PROFILE = $(if $(DEBUG),debug,release)
bundle:
	scripts/setup.sh run
	$(MAKE) ui
	$(CARGO) build $(if $(DEBUG),,--release) -q -p folio-cli
	mkdir -p src-tauri/bundle-bin
	cp $(CARGO_TARGET_DIR)/$(PROFILE)/folio src-tauri/bundle-bin/folio
	ui/node_modules/.bin/tauri build $(if $(DEBUG),--debug) --bundles deb -- -p folio-app
	scripts/check-deb.sh $(CARGO_TARGET_DIR)/$(PROFILE)/bundle/deb/Folio_*_amd64.deb

run:
	scripts/setup.sh run
	$(MAKE) ui
	$(CARGO) run -p folio-app

ui:
	cd ui && npm run --silent build

screenshots:
	$(MAKE) ui
	FOLIO_UPDATE_SCREENSHOTS=1 tests/with-wordpress.sh $(CARGO) test -p folio-app --test app

# ui/src/bindings.ts from the commands and events in src-tauri/src/ipc.rs (a test checks it).
bindings:
	UPDATE_BINDINGS=1 $(CARGO) test -q -p folio-app ui_bindings_match_the_commands

test:
	scripts/setup.sh test
	$(MAKE) ui
	$(MAKE) lint
	$(MAKE) test-rust
	$(MAKE) test-ui
	$(MAKE) bundle DEBUG=1
	@# One closing total, so a reader (or CI) need not find the last of many cargo summaries.
	@awk '/^test result:/ { p += $$4; f += $$6 } END { printf "tests: %d passed, %d failed\n", p, f }' $(TEST_LOG)

test-rust:
	@mkdir -p $(CARGO_TARGET_DIR)
	set -o pipefail; tests/with-wordpress.sh $(CARGO) test --workspace --all-targets --no-fail-fast 2>&1 | tee $(TEST_LOG)

test-ui:
	cd ui && npm run --silent check
	@# Vitest's totals in cargo's words, so the closing line counts the UI tests too.
	cd ui && npx vitest run --reporter=default --reporter=json --outputFile=$(CARGO_TARGET_DIR)/vitest.json
	node -e 'const r = require(process.argv[1]); console.log(`test result: $${r.success ? "ok" : "FAILED"}. $${r.numPassedTests} passed; $${r.numFailedTests} failed (ui, vitest)`)' $(CARGO_TARGET_DIR)/vitest.json | tee -a $(TEST_LOG)

fuzz:
	FOLIO_FUZZ_SECS=$${FUZZ_SECS:-120} $(CARGO) test -p folio-convert --lib fuzz -- --nocapture --test-threads 2

audit:
	command -v cargo-audit >/dev/null || $(CARGO) install --locked cargo-audit
	$(CARGO) audit $(if $(AUDIT_DB),--db $(AUDIT_DB) --no-fetch --stale)

test-crash:
	scripts/setup.sh test
	FOLIO_CRASH_PHOTOS=200 FOLIO_CRASH_KILLS=50 tests/with-wordpress.sh $(CARGO) test -p folio-cli --test crash -- --nocapture --test-threads 1

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	cd lightroom-plugin && luacheck --no-color -q .

fmt:
	$(CARGO) fmt --all

bench-convert:
	scripts/setup.sh bench
	scripts/bench-convert.sh

bench-app:
	scripts/setup.sh test
	$(MAKE) ui
	$(CARGO) build -q -p folio-app -p folio-cli
	$(CARGO) run -q -p folio-app --example bench_app
	@# The same in a release build, as people run it.
	$(CARGO) build -q --release -p folio-app
	FOLIO_APP_BUILD=release $(CARGO) run -q -p folio-app --example bench_app

bench-sync:
	scripts/setup.sh bench
	$(CARGO) build --release -q -p folio-cli
	$(CARGO) build --release -q -p folio-sources --features testing --example fake_dropbox
	$(CARGO) build --release -q -p folio-sites --features testing --example fake_shopify
	tests/with-wordpress.sh python3 scripts/bench_sync.py

bench-shopify:
	scripts/setup.sh bench
	$(CARGO) build --release -q -p folio-cli
	$(CARGO) build --release -q -p folio-sites --features testing --example fake_shopify
	python3 scripts/bench_sync.py shopify

bench-dropbox:
	scripts/setup.sh bench
	$(CARGO) build --release -q -p folio-cli
	$(CARGO) build --release -q -p folio-sources --features testing --example fake_dropbox
	tests/with-wordpress.sh python3 scripts/bench_sync.py dropbox

bench-many-sites:
	scripts/setup.sh bench
	$(CARGO) build --release -q -p folio-cli
	python3 scripts/bench_sync.py many-sites

bench-scale:
	scripts/setup.sh bench
	$(CARGO) build --release -q -p folio-cli
	$(CARGO) build --release -q -p folio-engine --example grid_page
	python3 scripts/bench_scale.py

convert:
	$(CARGO) run -q -p folio-cli -- convert $(ARGS)

clean:
	$(CARGO) clean
	rm -rf ui/dist
