# cm2gc build, test and demo. Every target installs the system libraries it needs first.
SWIFT ?= swift
APT_PACKAGES := libarchive-dev libcurl4-openssl-dev libxml2-dev libsqlite3-dev libssl-dev pkg-config
OUT ?= out

.PHONY: deps build release test demo bench bench-upload clean

# Installs the -dev packages with apt only when one is missing (CI and fresh machines).
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

demo: build
	bash scripts/demo.sh "$(OUT)"

# Uploads a generated bundle of 20 000+ steps into the in-process sandbox (limit 30 000 requests/min
# per token) in a release build; prints and writes bench-results/upload.json.
bench-upload: deps
	$(SWIFT) build -c release --build-tests -Xswiftc -enable-testing
	CM2GC_BENCH=1 $(SWIFT) test -c release -Xswiftc -enable-testing --skip-build --filter UploadBenchmark

clean:
	rm -rf .build $(OUT)
