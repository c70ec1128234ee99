# Tapedeck — make targets. Everything installs what it needs on a fresh Debian machine.
SWIFT ?= swift
BUILD_FLAGS ?=
BIN := .build/debug/tapedeck
RELEASE_BIN := .build/release/tapedeck

.PHONY: all deps pydeps build release test demo bench clean

all: build

# System packages: liblz4-dev and zlib1g-dev for the CLZ4 and CZlib modules, lz4 and curl for tests.
deps:
	@scripts/ensure-deps.sh

# Python SDKs (openai, anthropic, mcp, openai-agents) in .venv for the interop tests.
pydeps:
	@scripts/ensure-pyenv.sh

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

release: deps
	$(SWIFT) build -c release $(BUILD_FLAGS)

test: deps pydeps
	$(SWIFT) build $(BUILD_FLAGS)
	TAPEDECK_BIN=$(CURDIR)/$(BIN) TAPEDECK_PYTHON=$(CURDIR)/.venv/bin/python $(SWIFT) test $(BUILD_FLAGS) --no-parallel

demo: deps
	@scripts/demo.sh

clean:
	rm -rf .build
