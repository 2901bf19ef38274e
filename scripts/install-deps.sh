#!/usr/bin/env bash
# install-deps.sh GROUP... — installs the Debian/Ubuntu packages a make target
# needs, but only those that are missing, and checks the Go toolchain.
#
# Groups:
#   build  the Go toolchain (>= 1.24) and git
#   lab    what the built-in lab endpoint needs: openvpn, iproute2, ping
#   test   lab + what the test suite needs
set -euo pipefail

want_go_minor=24

pkgs=()
for group in "$@"; do
	case "$group" in
	build) pkgs+=(git ca-certificates) ;;
	lab) pkgs+=(openvpn iproute2 iputils-ping iperf3 tinyproxy dante-server) ;;
	test) pkgs+=(openvpn iproute2 iputils-ping iperf3 dbus gnome-keyring tinyproxy dante-server openssl bsdutils util-linux) ;;
	*) echo "install-deps: unknown group $group" >&2; exit 2 ;;
	esac
done

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "install-deps: missing packages: ${missing[*]}" >&2
		echo "install-deps: run as root (sudo make ...) or install them yourself: apt-get install ${missing[*]}" >&2
		exit 1
	fi
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# Packages such as tinyproxy and dante-server start a system daemon on
	# install (invoke-rc.d); the lab starts its own copies in namespaces, so
	# forbid that with a temporary policy-rc.d unless one is already there.
	policy=/usr/sbin/policy-rc.d
	own_policy=
	was_running=$(pidof tinyproxy danted 2>/dev/null || true)
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\n# install-deps.sh: no daemons started on install\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		own_policy=1
		trap 'rm -f "$policy"' EXIT
	fi
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	if [ -n "$own_policy" ]; then
		rm -f "$policy"
		trap - EXIT
	fi
	# Stop any that the install started anyway (an existing policy-rc.d
	# that allowed it), but not one that was running before.
	for d in tinyproxy danted; do
		if [ -z "$was_running" ] && [ -x "/etc/init.d/$d" ] && pidof "$d" >/dev/null 2>&1; then
			"/etc/init.d/$d" stop >/dev/null 2>&1 || true
		fi
	done
fi

# Go: use the one on PATH or the usual /usr/local/go; Debian's golang-go is
# too old on bookworm, so it is only tried when nothing else is there.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH=/usr/local/go/bin:$PATH
fi
if ! command -v go >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null 2>&1 || true
fi
if ! command -v go >/dev/null 2>&1; then
	echo "install-deps: no Go toolchain found; install Go 1.$want_go_minor or newer (https://go.dev/dl) and put it on PATH" >&2
	exit 1
fi
minor=$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
if [ "${minor:-0}" -lt "$want_go_minor" ]; then
	echo "install-deps: $(go env GOVERSION) is too old; cvpn needs Go 1.$want_go_minor or newer" >&2
	exit 1
fi
