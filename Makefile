# cm2gc build, test and demo. Every target installs the system libraries it needs first.
SWIFT ?= swift
APT_PACKAGES := libarchive-dev libcurl4-openssl-dev libxml2-dev libsqlite3-dev libssl-dev pkg-config
# Only the tests need these: headless Chromium renders the review page (ReviewTests); PostgreSQL's
# server binaries run a throwaway cluster for the PostgreSQL staging tests (CMExtractTests).
TEST_APT_PACKAGES := chromium postgresql
OUT ?= out

.PHONY: deps test-deps pydeps build release test demo bench-review bench-read bench-build bench-extract bench-sandbox bench-upload bench-hostile clean

# Installs the Debian packages of $(1) with apt, only those that are missing (CI and fresh machines).
define apt_install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
endef

deps:
	$(call apt_install_missing,$(APT_PACKAGES))

test-deps: deps
	$(call apt_install_missing,$(TEST_APT_PACKAGES))

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# The credentials-process tests drive the real AWS CLI against moto's Secrets Manager emulator
# on loopback. Installed with pip into .build/pytools when not already on PATH (fresh machines, CI);
# the tests fail, never skip, without them.
PYTOOLS := $(CURDIR)/.build/pytools
pydeps:
	@if command -v aws >/dev/null 2>&1 && command -v moto_server >/dev/null 2>&1; then :; \
	elif [ -x "$(PYTOOLS)/bin/aws" ] && [ -x "$(PYTOOLS)/bin/moto_server" ]; then :; \
	else \
	  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then \
	    SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3 python3-venv; \
	  fi; \
	  echo "installing with pip into $(PYTOOLS): moto[server] awscli"; \
	  python3 -m venv "$(PYTOOLS)" && "$(PYTOOLS)/bin/pip" install --quiet --no-compile --disable-pip-version-check 'moto[server]' awscli; \
	fi

test: test-deps pydeps
	$(SWIFT) build --build-tests
	PATH="$(PYTOOLS)/bin:$$PATH" $(SWIFT) test --skip-build

# Stage-one benchmark (release build): generate a 100,000-station site and build a bundle from it.
bench-build: deps
	$(SWIFT) build -c release --product cm2gc
	OUT=$(OUT) bash scripts/bench-build.sh

# Review page benchmark: a generated 20,000-station site (STATIONS=… to change), built in a release
# build; page size, render time and headless Chromium load time (docs/review.md has the figures).
STATIONS ?= 20000
bench-review: test-deps
	$(SWIFT) build -c release --product cm2gc
	OUT=$(OUT) bash scripts/bench-review.sh $(STATIONS)

# Extraction benchmark (release build): a generated site served by the CM sandbox, pulled over
# both REST shapes; records/s, requests, peak memory.
bench-extract: deps
	OUT=$(OUT) bash scripts/bench-extract.sh

# Avaya reader benchmark (release build): 100k stations + 20k agents in SAT, OSSI and SMGR XML.
# Override the size with BENCH_ARGS="--stations 10000 --agents 2000".
BENCH_ARGS ?= --stations 100000 --agents 20000
bench-read: deps
	$(SWIFT) build -c release --product cm2gc-bench
	.build/release/cm2gc-bench $(BENCH_ARGS)

demo: build
	bash scripts/demo.sh "$(OUT)"

# Loopback load test of the Genesys sandbox (release build; installs wrk with apt if missing).
bench-sandbox: deps
	@command -v wrk >/dev/null 2>&1 || { SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk; }
	$(SWIFT) build -c release --product cm2gc-sandbox
	bash scripts/bench-sandbox.sh

# Uploads a generated bundle of 20 000+ steps into the in-process sandbox (limit 30 000 requests/min
# per token) in a release build; prints and writes bench-results/upload.json. Environment:
# CM2GC_BENCH_LIMIT (the sandbox's limit; client rate 97 % of it), CM2GC_BENCH_WORKERS, CM2GC_BENCH_USERS.
bench-upload: deps
	$(SWIFT) build -c release --build-tests -Xswiftc -enable-testing
	CM2GC_BENCH=1 $(SWIFT) test -c release -Xswiftc -enable-testing --skip-build --filter UploadBenchmark

# Peak memory on hostile input (unlisted bundle members, OSSI lines of TABs) and the local work
# before an upload's first request, with /usr/bin/time -v (release build).
bench-hostile: deps
	$(SWIFT) build -c release --product cm2gc
	$(SWIFT) build -c release --product cm2gc-upload
	bash scripts/bench-hostile.sh

clean:
	rm -rf .build $(OUT)
