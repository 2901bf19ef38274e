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
	lab) pkgs+=(openvpn iproute2 iputils-ping iperf3) ;;
	test) pkgs+=(openvpn iproute2 iputils-ping iperf3 dbus gnome-keyring) ;;
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
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
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
