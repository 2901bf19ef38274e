# cvpn — the two commands a newcomer needs on a fresh Debian/Ubuntu machine (as root):
#   make demo   installs what is missing, builds, and runs cvpn against the built-in lab endpoint
#   make test   installs what the tests need and runs them all
# Everything else here is a building block of those two.

SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
BIN := $(CURDIR)/bin
TOOLS := $(BIN)/tools
STATICCHECK_VERSION := v0.8.2
# nfpm builds the .deb and .rpm; a tool, not a module dependency.
NFPM_VERSION := v2.48.0
FUZZTIME ?= 2m
SOAK_TIME ?= 30m
CROSS_PKGS := ./cmd/cvpn ./service/... ./credstore/... ./tunnel/... ./tun/... ./netcfg/... ./profile/... ./logs/... ./openvpn/... ./saml/... ./usersession/... ./ui/viewmodel/... ./ui/i18n/... ./policy/... ./ui/autostart/...

.PHONY: all build gui demo demo-gui screenshots test lint unit fuzz bench soak package clean deps-build deps-lab deps-gui deps-test deps-package

all: build

deps-build:
	@scripts/install-deps.sh build
deps-lab:
	@scripts/install-deps.sh build lab
deps-gui:
	@scripts/install-deps.sh build gui
deps-test:
	@scripts/install-deps.sh build test
deps-package:
	@scripts/install-deps.sh build gui package

# GUI-free binaries build without cgo, so they cross-compile and build fast.
build: deps-build
	@mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/cvpn ./cmd/cvpn
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/cvpn-lab ./e2e/cmd/cvpn-lab
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/cvpn-bench ./e2e/cmd/cvpn-bench

# gui is the desktop app: Fyne's desktop driver needs cgo and the X11,
# OpenGL and Wayland headers (deps-gui). The first build compiles GLFW and
# takes a few minutes; later ones take seconds.
gui: deps-gui
	@mkdir -p $(BIN)
	CGO_ENABLED=1 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/cvpn-gui ./cmd/cvpn-gui

# demo shows the CLI against the lab, then, when there is a display
# ($$DISPLAY or $$WAYLAND_DISPLAY), opens the desktop app on the same lab.
demo: deps-lab build demo-gui
	$(BIN)/cvpn-lab run -- scripts/demo.sh
demo-gui:
	@if [ -n "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then $(MAKE) --no-print-directory gui; \
	else echo "make demo: no display here, so the desktop app is not built; see the end of the demo"; fi

# screenshots runs the GUI end-to-end test (real app, Xvfb, the lab) and
# keeps its screenshots in docs/screenshots, which the README shows.
screenshots: deps-test
	CVPN_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run '^TestGUI$$' -v ./e2e

$(TOOLS)/staticcheck:
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) GOFLAGS= $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

lint: deps-build $(TOOLS)/staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	CGO_ENABLED=0 $(GO) vet ./...
	CGO_ENABLED=0 $(TOOLS)/staticcheck ./...
	@# The product packages must stay buildable (and vet-clean) for Windows and macOS.
	for os in windows darwin; do GOOS=$$os CGO_ENABLED=0 $(GO) vet $(CROSS_PKGS) || exit 1; done

unit: deps-build
	CGO_ENABLED=0 $(GO) test -count=1 ./...

# test runs every test. Tests that need root, namespaces or openvpn skip on a
# laptop but fail under CI=true, so CI can never pass by skipping them.
test: deps-test lint
	$(GO) test -count=1 -timeout 20m ./...
	CGO_ENABLED=0 $(GO) test -run '^$$' -bench . -benchtime 1x ./openvpn/datachannel ./openvpn/transport
	$(GO) test -count=1 -race -timeout 10m ./openvpn/... ./tunnel/... ./service/... ./credstore/... ./ui/...

# fuzz runs each parser of untrusted input for FUZZTIME: profiles, CRLs,
# PKCS#12 bundles, what proxies answer, what a server sends (control
# packets, tls-auth/tls-crypt wrapping, the reliability layer, CRV1,
# AUTH_PENDING, INFO_PRE, pushed options, key-method 2 in both framings),
# what a caller sends the local API, what a browser posts to the sign-in
# listener, and the files the OS layer reads (resolv.conf, scutil output,
# login records). Pick some with FUZZ="pkg:Target ...".
FUZZ ?= ./profile:FuzzParse ./profile:FuzzParseCRL ./profile:FuzzOpenPKCS12 \
	./openvpn/transport/proxy:FuzzParseResponse ./openvpn/transport/proxy:FuzzSOCKSReply \
	./openvpn/transport/proxy:FuzzStripUDPHeader \
	./openvpn/packet:FuzzDecode ./openvpn/tlswrap:FuzzUnwrapTLSAuth ./openvpn/tlswrap:FuzzUnwrapTLSCrypt \
	./openvpn/tlswrap:FuzzUnwrapTLSCryptV2 ./openvpn/reliable:FuzzChannel \
	./openvpn/push:FuzzParseRecord ./openvpn/push:FuzzParseOptions \
	./openvpn/push:FuzzAuthMessages ./openvpn/push:FuzzPushReplyParts ./openvpn:FuzzPendingPrompt \
	./openvpn/keymethod2:FuzzParseServerMessage ./openvpn/keymethod2:FuzzParseClientMessage \
	./service:FuzzDecodeRequest ./saml:FuzzAssertionFromBody \
	./netcfg:FuzzRenderResolvConf ./netcfg:FuzzParseSCUtilShow \
	./service/userguard:FuzzParseUtmp ./service/userguard:FuzzParseUtmpx
fuzz: deps-build
	@for t in $(FUZZ); do \
		echo "fuzz $$t for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) "$${t%%:*}" || exit 1; \
	done

# bench measures cvpn against the stock openvpn client on the same lab server,
# UDP and TCP, alternating, medians of 3 rounds (about 10 minutes on 2 cores),
# and prints a markdown table: CPU-s per GB full speed and paced, throughput,
# connect time and its phases, ping under load, memory, idle wake-ups; then
# the Go micro-benchmarks of the data path. See docs/performance.md.
# BENCH_ARGS picks less, e.g. "-quick" or "-proto udp -only connect,cpu".
BENCH_ARGS ?=
bench: deps-test build
	$(BIN)/cvpn-bench -cvpn $(BIN)/cvpn $(BENCH_ARGS)
	CGO_ENABLED=0 $(GO) test -run '^$$' -bench . -benchmem ./openvpn/datachannel ./openvpn/transport

# soak runs the engine for SOAK_TIME (30m) under continuous traffic against
# the lab server, which renegotiates every minute (reneg-sec 60), prints a
# row a minute, and fails on a stall of more than 3 s, RSS more than 10%
# above its value after the warm-up, or growing goroutines. Not in CI.
SOAK_ARGS ?=
soak: deps-lab
	$(GO) run ./e2e/cmd/cvpn-soak -time $(SOAK_TIME) $(SOAK_ARGS)

$(TOOLS)/nfpm:
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) GOFLAGS= $(GO) install github.com/goreleaser/nfpm/v2/cmd/nfpm@$(NFPM_VERSION)

# package builds the installers into dist/ (scripts/package.sh; what they
# hold, and signing: packaging/README.md): .deb and .rpm for amd64 and
# arm64, the Windows x64 .msi, and the darwin binaries for the macOS .pkg
# that packaging/macos/build-pkg.sh makes on a Mac.
#   PRECONFIG=DIR  bake DIR/policy.json and DIR/profiles/*.ovpn in (and build
#                  the cvpn-config .deb/.rpm)
#   WINTUN=FILE    wintun-0.14.1.zip or wintun.dll for the MSI, checked
#                  against packaging/windows/wintun.sha256
#   DIST=DIR       where to put them instead of dist/
#   SIGN_WINDOWS, SIGN_DEB, SIGN_RPM  signing hooks (packaging/README.md)
PRECONFIG ?=
WINTUN ?=
DIST ?= $(CURDIR)/dist
package: deps-package $(TOOLS)/nfpm
	VERSION='$(VERSION)' PRECONFIG='$(PRECONFIG)' WINTUN='$(WINTUN)' DIST='$(DIST)' NFPM=$(TOOLS)/nfpm GO=$(GO) \
		SIGN_WINDOWS='$(SIGN_WINDOWS)' SIGN_DEB='$(SIGN_DEB)' SIGN_RPM='$(SIGN_RPM)' scripts/package.sh

clean:
	rm -rf $(BIN) dist
