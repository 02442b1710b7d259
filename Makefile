.PHONY: all build test unit demo bench clean

all: build

node_modules: package.json package-lock.json
	npm ci
	@touch node_modules

# dist/wasm/wire-encoder.wasm: the dump's row loop (assembly/, AssemblyScript with SIMD); then the TypeScript
build: node_modules
	npx asc assembly/wire-encoder.ts -O3 --runtime stub --noAssert --enable simd -o dist/wasm/wire-encoder.wasm
	npx tsc -p tsconfig.json

# The whole suite: unit tests and integration tests against a throwaway server
# (started by test/support/global-setup.ts; TSDUMP_TEST_URL=mysql://... uses an existing one).
test: build
	npx vitest run

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
