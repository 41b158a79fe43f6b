# The two commands: `make run` brings the whole system up, `make test` runs
# every test against real PostgreSQL and Kafka. Both install what is missing.
SHELL := /bin/bash
.DEFAULT_GOAL := help
GO ?= go
SERVICES := intake adjudication payout
# Services with fault-injection builds (-tags faults) in bin/faults.
FAULT_SERVICES := adjudication payout
LOCAL := deployments/local
WEB := console/web

# Ports of `make run` and of `make test`; they do not collide.
PG_PORT ?= 55432
KAFKA_PORT ?= 59092
TEST_PG_PORT ?= 55442
TEST_KAFKA_PORT ?= 59192

.PHONY: help install build web run test demo infra-up infra-down bench clean

help:
	@echo "make run    install what is missing, start PostgreSQL, Kafka and the services (Ctrl-C stops all)"
	@echo "make test   install what is missing and run every test against real PostgreSQL and Kafka"
	@echo "make build  build the binaries into bin/ and the web console into console/web/dist"
	@echo "make demo   drive one claim from report to payout event (needs make run in another terminal)"

install:
	@bash $(LOCAL)/infra.sh install

build:
	@mkdir -p bin
	@for s in $(SERVICES); do (cd services/$$s && $(GO) build -o ../../bin/$$s ./cmd/$$s) || exit 1; done
	@# Fault-injection builds for the end-to-end crash tests only (never deployed).
	@mkdir -p bin/faults
	@for s in $(FAULT_SERVICES); do (cd services/$$s && $(GO) build -tags faults -o ../../bin/faults/$$s ./cmd/$$s) || exit 1; done
	@if [ -d cli/cmd/claimsctl ]; then (cd cli && $(GO) build -o ../bin/claimsctl ./cmd/claimsctl); fi
	@(cd console && $(GO) build -o ../bin/console ./cmd/console)
	@$(MAKE) --no-print-directory web

# The web console: npm ci only when the lock file changed, then the build
# into console/web/dist (served by bin/console).
web: $(WEB)/node_modules/.installed
	@cd $(WEB) && npm run --silent build

$(WEB)/node_modules/.installed: $(WEB)/package.json $(WEB)/package-lock.json
	@cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

run: install build
	@PG_PORT=$(PG_PORT) KAFKA_PORT=$(KAFKA_PORT) bash $(LOCAL)/run.sh

test: install build
	@TEST_PG_PORT=$(TEST_PG_PORT) TEST_KAFKA_PORT=$(TEST_KAFKA_PORT) bash $(LOCAL)/test.sh

demo:
	@bash $(LOCAL)/demo.sh

infra-up: install
	@bash $(LOCAL)/infra.sh start .local/dev $(PG_PORT) $(KAFKA_PORT)

infra-down:
	@bash $(LOCAL)/infra.sh stop .local/dev

bench: install build
	@TEST_PG_PORT=$(TEST_PG_PORT) TEST_KAFKA_PORT=$(TEST_KAFKA_PORT) BENCH=1 bash $(LOCAL)/test.sh

clean:
	@bash $(LOCAL)/infra.sh stop .local/dev || true
	@bash $(LOCAL)/infra.sh stop .local/test || true
	rm -rf bin .local/dev .local/test console/web/dist
