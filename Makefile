# ctr: small container tools. `make help` lists the targets.
GO ?= go
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=
# No gpgme or btrfs C library is needed with these tags.
BUILDTAGS ?= containers_image_openpgp exclude_graphdriver_btrfs urfave_cli_no_docs
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
GOFLAGS_BUILD = -tags "$(BUILDTAGS)" -ldflags "-s -w -X github.com/ctr-project/ctr/cmd/internal/cli.Version=$(VERSION)"

TOOLS := ctr-copy ctr-pull ctr-runtime ctr-run ctr-monitor ctr-build ctr-inspect ctr-image ctr-login ctr-cri
BINS := $(TOOLS:%=bin/%)
MANS := $(patsubst %.md,%,$(wildcard man/*.[0-9].md))
BATS ?= bats
GOLANGCI_LINT ?= $(or $(shell $(GO) env GOBIN),$(shell $(GO) env GOPATH)/bin)/golangci-lint
SHELL_SCRIPTS = $(wildcard hack/*.sh hack/vm/*.sh bench/*.sh tests/*.sh) tests/bats/helpers.bash $(wildcard tests/bats/*.bats)

# What the bats tests run besides the tools.
TEST_BINS := bin/mkimage bin/faultproxy bin/ctrtest bin/crictl
# What make demo runs (hack/demo.sh), and no more.
DEMO_BINS := $(addprefix bin/,ctr-copy ctr-pull ctr-run ctr-runtime ctr-monitor ctr-build mkimage)
BENCHES := $(filter-out bench/lib.sh,$(wildcard bench/*.sh))

.PHONY: all check test test-smoke machine-check test-unit test-bats test-runtime test-cri test-v2 deps check-deps demo-deps install man validate bench demo clean help FORCE

all: $(BINS) ## build bin/ctr-*

bin/%: FORCE
	$(GO) build $(GOFLAGS_BUILD) -o $@ ./cmd/$*

# The runtime links libcontainer (cgo: nsenter) and enforces seccomp with
# libseccomp; nothing from containers/image or storage. urfave_cli_no_docs
# drops the man page generator (and its markdown package init, run twice
# per container start).
RUNTIME_TAGS ?= seccomp urfave_cli_no_docs
bin/ctr-runtime: FORCE
	CGO_ENABLED=1 $(GO) build -tags "$(RUNTIME_TAGS)" -ldflags "-s -w -X main.Version=$(VERSION)" -o $@ ./cmd/ctr-runtime

# Test helpers, built like the tools but never installed.
bin/mkimage: FORCE
	$(GO) build -o $@ ./tests/mkimage

bin/faultproxy: FORCE
	$(GO) build -o $@ ./tests/faultproxy

bin/ctrtest: FORCE
	CGO_ENABLED=0 $(GO) build -o $@ ./tests/ctrtest

bin/crictl:
	./hack/build-cri-tools.sh crictl $@

bin/critest:
	./hack/build-cri-tools.sh critest $@

deps: ## install what the tests, the demo and the benches need (Debian packages, golangci-lint), if missing
	./hack/install-deps.sh

# make check needs no root: golangci-lint is built if missing, a missing
# Debian package is named (make deps installs it).
check-deps:
	./hack/install-deps.sh --no-apt check

demo-deps:
	./hack/install-deps.sh demo

# The quick lane, before each commit and first in make test (and so in
# CI): no root, no apt, under 2 minutes once the Go caches are warm. Its
# two halves run side by side (validate is mostly one core's shell
# scripts), their output kept apart.
CHECK_JOBS ?= 2
check: ## gofmt, vet, golangci-lint, shellcheck, man and flag checks, unit tests (no root)
	$(MAKE) --no-print-directory -j$(CHECK_JOBS) -O validate test-unit

# What the machine must have, the state it starts from (as after a boot or
# warmed by earlier runs: the suite passes from either), and what the suite
# leaves: anything a container or a test can leave behind fails make test.
MACHINE_STATE ?= $(or $(TMPDIR),/tmp)/ctr-machine-state.$(shell id -u)
test: deps ## the whole suite, CI's gate: make check (stops there on failure), runtime-tools, bats, critest, the cgroup part on cgroup v2 in a VM (installs what they need first; checks the machine before and what is left after)
	./hack/machine-state.sh check
	./hack/machine-state.sh snapshot $(MACHINE_STATE)
	$(MAKE) check
	$(MAKE) test-runtime test-bats test-cri test-v2
	./hack/machine-state.sh compare $(MACHINE_STATE)

machine-check: ## what make test needs of the machine, and the state it starts from
	./hack/machine-state.sh check

test-unit: check-deps ## go test for every package
	$(GO) test -tags "$(BUILDTAGS) seccomp" -count=1 ./...

test-bats: $(BINS) $(TEST_BINS) ## bats system tests against real registries on loopback
	$(BATS) tests/bats

# One test of each bats file, tagged "# bats test_tags=smoke": a quick
# look at every tool before a commit (make test runs them all).
test-smoke: $(BINS) $(TEST_BINS) ## one quick bats test of each file (tagged smoke), as root
	$(BATS) --filter-tags smoke tests/bats

test-runtime: bin/ctr-runtime ## the OCI runtime-tools suite against ctr-runtime (hack/runtime-tools.expected)
	./hack/runtime-tools.sh bin/ctr-runtime

test-cri: $(BINS) bin/mkimage bin/crictl bin/critest ## cri-tools' critest against ctr-cri (hack/critest.expected)
	./hack/critest.sh

test-v2: $(BINS) bin/mkimage bin/faultproxy bin/ctrtest ## runtime-tools and the bats tests tagged cgroup, on cgroup v2 with systemd, in a VM (hack/vm)
	./hack/vm/test-v2.sh

man: $(MANS) ## build man pages from man/*.md

man/%: man/%.md
	go-md2man -in $< -out $@

install: $(BINS) man ## install binaries and man pages (PREFIX, DESTDIR)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	install -m 644 $(filter %.1,$(MANS)) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(filter %.7,$(MANS)) $(DESTDIR)$(MANDIR)/man7
	install -m 644 $(filter %.8,$(MANS)) $(DESTDIR)$(MANDIR)/man8

validate: check-deps $(BINS) man ## no tracked binary, gofmt, go vet, golangci-lint, shellcheck, man pages checked against --help, every flag tested
	./hack/check-tracked.sh
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "not gofmt-formatted" >&2; exit 1; }
	$(GO) vet -tags "$(BUILDTAGS)" ./...
	$(GOLANGCI_LINT) run ./...
	shellcheck $(SHELL_SCRIPTS)
	./hack/check-man.sh $(TOOLS)
	./hack/check-flag-tests.sh $(TOOLS)

# Every bench/*.sh (a list of names kept 5 of 10), one after the other:
# they time things, never at once. bench/cri.sh drives both CRIs with crictl.
bench: deps $(BINS) bin/mkimage bin/crictl ## compare ctr with its peers (every bench/*.sh; results in bench/RESULTS.md)
	set -e; for b in $(BENCHES); do echo "== $$b" >&2; ./$$b; done

demo: demo-deps $(DEMO_BINS) ## the tools end to end on loopback: pipelines, run, build, a network, a pod, kube play (installs only what it needs)
	./hack/demo.sh

clean: ## remove what the build made
	rm -rf bin $(MANS)

help: ## list the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-13s %s\n", $$1, $$2}'
