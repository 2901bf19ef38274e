#!/usr/bin/env bash
# install-deps.sh GROUP... — installs the Debian/Ubuntu packages a make target
# needs, but only those that are missing, and checks the Go toolchain.
#
# Groups:
#   build  the Go toolchain (>= 1.25) and git
#   lab    what the built-in lab endpoint needs: openvpn, iproute2, ping
#   gui    the C compiler and X11/OpenGL/Wayland headers the desktop app
#          (cmd/cvpn-gui, Fyne with cgo) builds against
#   test   lab + gui + what the test suite needs (Xvfb, xdotool and
#          ImageMagick for the GUI tests), and an unpacked (not installed)
#          systemd-resolved for the resolved e2e test (see below), and
#          package + rpm and msitools to inspect the installers
#   package what make package needs besides gui: wixl (the MSI),
#          mingw-w64 (the Windows desktop app), unzip (wintun's zip), and
#          the arm64 cross compiler with arm64 X11/OpenGL headers (the
#          arm64 desktop app; this adds arm64 as a dpkg architecture)
set -euo pipefail

want_go_minor=25

# The resolved e2e test (e2e/resolved_test.go) runs a real systemd-resolved on
# a private bus in a mount namespace. Installing the package would point the
# machine's /etc/resolv.conf at a stub nothing serves where PID 1 is not
# systemd, so it is only downloaded and unpacked here; CVPN_RESOLVED_ROOT
# overrides the place, as it does for the test.
resolved_root=${CVPN_RESOLVED_ROOT:-/var/cache/cvpn-test/systemd-resolved}
want_resolved=

# What Fyne's desktop driver (GLFW, OpenGL) compiles against.
gui_pkgs=(gcc pkg-config libgl1-mesa-dev libx11-dev libxrandr-dev libxxf86vm-dev libxi-dev libxcursor-dev
	libxinerama-dev libxkbcommon-dev libwayland-dev)

# What make package needs (the gui group's packages too).
package_pkgs=(wixl gcc-mingw-w64-x86-64 unzip gcc-aarch64-linux-gnu libc6-dev:arm64)
for p in "${gui_pkgs[@]}"; do
	case "$p" in gcc | pkg-config) ;; *) package_pkgs+=("$p:arm64") ;; esac
done
want_arm64=

pkgs=()
for group in "$@"; do
	case "$group" in
	build) pkgs+=(git ca-certificates) ;;
	lab) pkgs+=(openvpn iproute2 iputils-ping iperf3 tinyproxy dante-server) ;;
	gui) pkgs+=("${gui_pkgs[@]}") ;;
	test)
		pkgs+=(openvpn iproute2 iputils-ping iperf3 dbus gnome-keyring tinyproxy dante-server openssl bsdutils util-linux systemd chromium fontconfig fonts-ipaexfont-gothic zsh fish groff-base)
		pkgs+=("${gui_pkgs[@]}" xvfb xdotool imagemagick)
		want_resolved=1
		pkgs+=("${gui_pkgs[@]}" "${package_pkgs[@]}" rpm msitools)
		want_arm64=1
		;;
	package)
		pkgs+=("${gui_pkgs[@]}" "${package_pkgs[@]}")
		want_arm64=1
		;;
	*) echo "install-deps: unknown group $group" >&2; exit 2 ;;
	esac
done

# Debian's mirrors carry every architecture, so adding arm64 just works.
# Ubuntu keeps arm64 on ports.ubuntu.com: adding the architecture without
# sources for it makes apt-get update fail. There the :arm64 packages are
# left out, and make package builds the arm64 packages without the desktop
# app (dist/NOTES.txt says why).
os_id=$(. /etc/os-release 2>/dev/null && echo "${ID:-}")
if [ -n "$want_arm64" ] && [ "$os_id" != debian ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
	echo "install-deps: not adding arm64 as a dpkg architecture on ${os_id:-this system} (its arm64 packages need their own apt sources); the arm64 packages will have no desktop app"
	kept=()
	for p in "${pkgs[@]}"; do
		case "$p" in *:arm64) ;; *) kept+=("$p") ;; esac
	done
	pkgs=("${kept[@]}")
	want_arm64=
fi

# arm64 packages (the :arm64 -dev packages above) need arm64 as a dpkg
# architecture; apt-get update below then reads its package lists.
if [ -n "$want_arm64" ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
	if [ "$(id -u)" != 0 ]; then
		echo "install-deps: arm64 is not a dpkg architecture here; run as root, or: dpkg --add-architecture arm64" >&2
		exit 1
	fi
	echo "install-deps: adding arm64 as a dpkg architecture (for the arm64 desktop app)"
	dpkg --add-architecture arm64
fi

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

# systemd-resolved, unpacked: its binary loads libsystemd-shared-NNN.so from
# the installed systemd package (in the list above), which never runs here.
if [ -n "$want_resolved" ] && [ ! -x "$resolved_root/lib/systemd/systemd-resolved" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "install-deps: no unpacked systemd-resolved in $resolved_root; run as root to fetch it" >&2
		exit 1
	fi
	echo "install-deps: unpacking systemd-resolved into $resolved_root (not installing it)"
	tmp=$(mktemp -d)
	chmod 755 "$tmp" # apt-get download drops privileges to _apt
	if ! (cd "$tmp" && apt-get download -qq systemd-resolved >/dev/null 2>&1); then
		apt-get update -qq
		(cd "$tmp" && apt-get download -qq systemd-resolved >/dev/null)
	fi
	rm -rf "$resolved_root.new"
	mkdir -p "$resolved_root.new"
	dpkg-deb -x "$tmp"/systemd-resolved_*.deb "$resolved_root.new"
	rm -rf "$tmp" "$resolved_root"
	mv "$resolved_root.new" "$resolved_root"
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
