# Registry: two commands for a newcomer, `make run` and `make test` (see README.md).
SHELL := /bin/bash
DOTNET ?= dotnet
URL ?= http://127.0.0.1:5080

.PHONY: run test bench build deps test-deps assets clean

build: assets
	$(DOTNET) build Registry.sln -c Release -nologo -v minimal

## Builds and starts the portal + API on $(URL); embedded PostgreSQL unless ConnectionStrings__Registry is set.
run: deps assets
	ASPNETCORE_ENVIRONMENT=Development $(DOTNET) run --project src/Registry.Web -c Release --urls $(URL)

## Installs what the tests need on a fresh machine, then runs the whole suite.
test: test-deps assets
	$(DOTNET) build Registry.sln -c Release -nologo -v minimal
	scripts/test.sh

## Benchmarks; figures in bench-results/*.json and bench-results/summary.md.
bench: deps assets
	$(DOTNET) run --project tests/Registry.Benchmarks -c Release -- --out bench-results

deps:
	scripts/install-deps.sh run

test-deps:
	scripts/install-deps.sh test

assets:
	scripts/assets.sh

clean:
	rm -rf src/*/bin src/*/obj tests/*/bin tests/*/obj
