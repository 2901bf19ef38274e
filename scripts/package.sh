#!/usr/bin/env bash
# package.sh — builds cvpn's installers into dist/ (make package runs it;
# packaging/README.md says what each holds and how to sign them):
#
#   cvpn_VERSION_{amd64,arm64}.deb, cvpn-VERSION-1.{x86_64,aarch64}.rpm
#   cvpn-VERSION-x64.msi
#   darwin-{amd64,arm64}/cvpn   for packaging/macos/build-pkg.sh on a Mac
#   with PRECONFIG=DIR: cvpn-config_VERSION_all.deb, cvpn-config-VERSION-1.noarch.rpm,
#                       and the policy and profiles inside the MSI
#   NOTES.txt                   what was left out of which installer, and why
#
# Environment: VERSION (default: git describe), PRECONFIG (a directory with
# policy.json and/or profiles/*.ovpn), WINTUN (wintun.dll or the official
# wintun-0.14.1.zip; its SHA-256 must be in packaging/windows/wintun.sha256),
# DIST (default dist), NFPM (default bin/tools/nfpm), GO (default go),
# PKG_TARGETS (default "linux windows darwin": build only some).
# Signing hooks (packaging/README.md): SIGN_WINDOWS, SIGN_DEB and SIGN_RPM
# are commands that sign the file named as their last argument in place;
# SIGN_WINDOWS runs on cvpn.exe and cvpn-gui.exe before they go into the
# MSI, and on the MSI.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
GO=${GO:-go}
NFPM=${NFPM:-$root/bin/tools/nfpm}
DIST=${DIST:-$root/dist}
VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
PRECONFIG=${PRECONFIG:-}
WINTUN=${WINTUN:-}
PKG_TARGETS=${PKG_TARGETS:-linux windows darwin}
ldflags="-s -w -X main.version=$VERSION"

started=$SECONDS
notes=()
note() {
	echo "make package: NOTE: $*" >&2
	notes+=("$*")
}
has_target() { [[ " $PKG_TARGETS " == *" $1 "* ]]; }
# sign HOOK FILE... — runs the signing command in $HOOK on each file.
sign() {
	local hook=${!1:-} f
	[ -n "$hook" ] || return 0
	for f in "${@:2}"; do
		echo "  $1 $(basename "$f")"
		bash -c "$hook \"\$1\"" sign "$f"
	done
}

# pkg_version turns git describe into a version dpkg and rpm both order
# correctly: v1.2.3 → 1.2.3; v1.2.3-rc1 → 1.2.3~rc1 (before 1.2.3);
# v1.2.3-4-gabc1234 → 1.2.3+git4.abc1234 (after it); an untagged abc1234
# → 0.0.0~gitN.abc1234 (N commits); -dirty → .dirty.
pkg_version() {
	local v=${1#v} d="" pv
	if [[ $v == *-dirty ]]; then
		d=.dirty
		v=${v%-dirty}
	fi
	if [[ $v =~ ^([0-9]+(\.[0-9]+)*)(-([A-Za-z][A-Za-z0-9.]*))?(-([0-9]+)-g([0-9a-f]+))?$ ]]; then
		pv=${BASH_REMATCH[1]}
		[ -n "${BASH_REMATCH[4]}" ] && pv+="~${BASH_REMATCH[4]}"
		[ -n "${BASH_REMATCH[6]}" ] && pv+="+git${BASH_REMATCH[6]}.${BASH_REMATCH[7]}"
	elif [[ $v =~ ^[0-9a-f]{4,40}$ ]]; then
		pv="0.0.0~git$(git rev-list --count HEAD 2>/dev/null || echo 0).$v"
	else
		pv="0.0.0~$v"
	fi
	pv+=$d
	# dpkg and rpm both accept letters, digits, . + ~ in a version.
	printf '%s' "$pv" | tr -c 'A-Za-z0-9.+~' '.'
}
pv=$(pkg_version "$VERSION")

# msi_version: MSI's ProductVersion is three numbers (255.255.65535);
# untagged builds count commits in the third.
msi_version() {
	local base=${pv%%[~+]*}
	if [[ $pv == 0.0.0~git* ]]; then
		base=0.0.$(git rev-list --count HEAD 2>/dev/null || echo 0)
	fi
	IFS=. read -r a b c _ <<<"$base.0.0.0"
	echo "$((a > 255 ? 255 : a)).$((b > 255 ? 255 : b)).$((c > 65535 ? 65535 : c))"
}

echo "make package: version $VERSION → package version $pv"
# Only what an earlier run made goes: DIST may be a directory of the caller's.
mkdir -p "$DIST"
rm -rf "$DIST/.work" "$DIST"/darwin-amd64 "$DIST"/darwin-arm64 "$DIST"/NOTES.txt \
	"$DIST"/cvpn*.deb "$DIST"/cvpn*.rpm "$DIST"/cvpn*.msi
work=$DIST/.work
mkdir -p "$work"
chmod 755 "$DIST" "$work"

# build GOOS GOARCH OUT PKG [VAR=VALUE...] — one Go binary.
build() {
	local goos=$1 goarch=$2 out=$3 pkg=$4
	shift 4
	echo "  go build $goos/$goarch $(basename "$out")"
	env CGO_ENABLED=0 "$@" GOOS="$goos" GOARCH="$goarch" \
		"$GO" build -trimpath -ldflags "$ldflags" -o "$out" "$pkg"
}

# WINTUN is checked before anything is built: a wrong DLL must not ship.
if [ -n "$WINTUN" ]; then
	sum=$(sha256sum "$WINTUN" | cut -d' ' -f1)
	if ! grep -v '^#' packaging/windows/wintun.sha256 | grep -q "^$sum "; then
		echo "make package: WINTUN=$WINTUN has SHA-256 $sum, which packaging/windows/wintun.sha256 does not list; refusing it" >&2
		exit 1
	fi
fi

# preconfig checks preconfigurations and writes the MSI's optional parts.
CGO_ENABLED=0 "$GO" build -o "$work/preconfig" ./packaging/build/preconfig
if [ -n "$PRECONFIG" ]; then
	[ -d "$PRECONFIG" ] || { echo "make package: PRECONFIG=$PRECONFIG is not a directory" >&2; exit 2; }
	PRECONFIG=$(cd "$PRECONFIG" && pwd)
	# Refuses a policy or profile cvpn would refuse, before building anything.
	"$work/preconfig" check "$PRECONFIG"
fi

# ---- Linux: .deb and .rpm per architecture -------------------------------
# recipe FILE ARCH STAGE — an nfpm recipe with its ${PKG_...} placeholders
# filled in (nfpm itself expands only some fields, not contents' paths).
recipe() {
	sed -e "s|\${PKG_VERSION}|$pv|g" -e "s|\${PKG_ARCH}|$2|g" \
		-e "s|\${PKG_STAGE}|$3|g" -e "s|\${PKG_LINUX}|$root/packaging/linux|g" "$1"
}
if has_target linux; then
	[ -x "$NFPM" ] || { echo "make package: no nfpm at $NFPM (make package installs it)" >&2; exit 1; }
	for arch in amd64 arm64; do
		stage=$work/linux-$arch
		mkdir -p "$stage"
		build linux "$arch" "$stage/cvpn" ./cmd/cvpn
		cp ui/desktop/licenses.txt "$stage/licenses.txt"
	done
	# The desktop app needs cgo: natively for amd64 (as make gui), with
	# Debian's cross compiler and arm64 libraries for arm64 (deps-package).
	echo "  go build linux/amd64 cvpn-gui (cgo)"
	CGO_ENABLED=1 "$GO" build -trimpath -ldflags "$ldflags" -o "$work/linux-amd64/cvpn-gui" ./cmd/cvpn-gui
	if command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 &&
		dpkg-query -W -f='${Status}' libgl1-mesa-dev:arm64 2>/dev/null | grep -q "install ok installed"; then
		echo "  go build linux/arm64 cvpn-gui (cgo, aarch64-linux-gnu-gcc)"
		CGO_ENABLED=1 GOOS=linux GOARCH=arm64 CC=aarch64-linux-gnu-gcc \
			PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig \
			"$GO" build -trimpath -ldflags "$ldflags" -o "$work/linux-arm64/cvpn-gui" ./cmd/cvpn-gui
	else
		note "arm64 .deb/.rpm: no desktop app (cvpn-gui): the arm64 cross toolchain is missing (scripts/install-deps.sh package installs gcc-aarch64-linux-gnu and the arm64 X11/GL headers)"
	fi

	# Completions and the man page come from the command definitions,
	# through the amd64 cvpn just built (this machine runs it).
	gen=$work/generated
	mkdir -p "$gen"
	cvpn=$work/linux-amd64/cvpn
	for sh in bash zsh fish; do
		if "$cvpn" completion "$sh" >"$gen/completion.$sh" 2>/dev/null && [ -s "$gen/completion.$sh" ]; then :; else
			rm -f "$gen/completion.$sh"
			note "no $sh completion in the .deb/.rpm: 'cvpn completion $sh' does not work in this build"
		fi
	done
	if "$cvpn" man >"$gen/cvpn.1" 2>/dev/null && [ -s "$gen/cvpn.1" ]; then
		gzip -9n <"$gen/cvpn.1" >"$gen/cvpn.1.gz"
	else
		rm -f "$gen/cvpn.1"
		note "no man page in the .deb/.rpm: 'cvpn man' does not work in this build"
	fi

	for arch in amd64 arm64; do
		stage=$work/linux-$arch
		cfg=$work/nfpm-$arch.yaml
		recipe packaging/linux/nfpm.yaml "$arch" "$stage" >"$cfg"
		# add SRC DST — an optional file, appended to the recipe's contents.
		add() { printf '  - src: %s\n    dst: %s\n    file_info: {mode: 0%s}\n' "$1" "$2" "$3" >>"$cfg"; }
		[ -f "$stage/cvpn-gui" ] && add "$stage/cvpn-gui" /usr/bin/cvpn-gui 755
		[ -f "$gen/completion.bash" ] && add "$gen/completion.bash" /usr/share/bash-completion/completions/cvpn 644
		[ -f "$gen/completion.zsh" ] && add "$gen/completion.zsh" /usr/share/zsh/vendor-completions/_cvpn 644
		[ -f "$gen/completion.fish" ] && add "$gen/completion.fish" /usr/share/fish/vendor_completions.d/cvpn.fish 644
		[ -f "$gen/cvpn.1.gz" ] && add "$gen/cvpn.1.gz" /usr/share/man/man1/cvpn.1.gz 644
		for fmt in deb rpm; do
			"$NFPM" package --config "$cfg" --packager "$fmt" --target "$DIST/" >/dev/null
		done
	done

	if [ -n "$PRECONFIG" ]; then
		cfg=$work/nfpm-config.yaml
		recipe packaging/linux/nfpm-config.yaml all "" >"$cfg"
		# Managed profiles are read by each user's app (profile.Store), so
		# they are world-readable like the policy; see packaging/README.md.
		if [ -f "$PRECONFIG/policy.json" ]; then
			printf '  - src: %s\n    dst: /etc/cvpn/policy.json\n    file_info: {mode: 0644, owner: root, group: root}\n' \
				"$PRECONFIG/policy.json" >>"$cfg"
		fi
		if compgen -G "$PRECONFIG/profiles/*.ovpn" >/dev/null; then
			printf '  - dst: /etc/cvpn/profiles\n    type: dir\n    file_info: {mode: 0755, owner: root, group: root}\n' >>"$cfg"
			for p in "$PRECONFIG"/profiles/*.ovpn; do
				printf '  - src: %s\n    dst: /etc/cvpn/profiles/%s\n    file_info: {mode: 0644, owner: root, group: root}\n' \
					"$p" "$(basename "$p")" >>"$cfg"
			done
		fi
		for fmt in deb rpm; do
			"$NFPM" package --config "$cfg" --packager "$fmt" --target "$DIST/" >/dev/null
		done
	fi
fi

# ---- Windows: the MSI ----------------------------------------------------
if has_target windows; then
	stage=$work/windows-amd64
	mkdir -p "$stage"
	build windows amd64 "$stage/cvpn.exe" ./cmd/cvpn
	wixl_defs=(-D Version="$(msi_version)" -D SourceDir=.)
	if command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
		echo "  go build windows/amd64 cvpn-gui.exe (cgo, mingw-w64)"
		CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
			"$GO" build -trimpath -ldflags "$ldflags -H windowsgui" -o "$stage/cvpn-gui.exe" ./cmd/cvpn-gui
		wixl_defs+=(-D Gui=1)
	else
		note "MSI: no desktop app (cvpn-gui.exe) and no Start-menu entry: x86_64-w64-mingw32-gcc is missing (scripts/install-deps.sh package installs it)"
	fi

	if [ -n "$WINTUN" ]; then
		case "$WINTUN" in
		*.zip) unzip -p "$WINTUN" wintun/bin/amd64/wintun.dll >"$stage/wintun.dll" ;;
		*) cp "$WINTUN" "$stage/wintun.dll" ;;
		esac
		[ -s "$stage/wintun.dll" ] || { echo "make package: no wintun/bin/amd64/wintun.dll in $WINTUN" >&2; exit 1; }
		wixl_defs+=(-D Wintun=1)
	else
		note "MSI: no wintun.dll (pass WINTUN=path/to/wintun-0.14.1.zip or wintun.dll): the service installs and runs, but connecting fails with 'wintun.dll (the Wintun driver) was not found in C:\\Program Files\\cvpn …' until wintun.dll is put there"
	fi

	# wixl takes only relative paths, so the optional files join the
	# binaries in the stage directory.
	wxi_args=()
	if compgen -G "packaging/windows/policy/*.admx" >/dev/null; then
		cp -R packaging/windows/policy "$stage/policy"
		wxi_args+=(-templates policy)
	else
		note "MSI: no ADMX template (packaging/windows/policy/*.admx is not there)"
	fi
	if [ -n "$PRECONFIG" ]; then
		mkdir -p "$stage/preconfig"
		cp -R "$PRECONFIG"/. "$stage/preconfig/"
		wxi_args+=(-preconfig preconfig)
	fi
	sign SIGN_WINDOWS "$stage"/*.exe
	msi=$DIST/cvpn-$pv-x64.msi
	echo "  wixl $(basename "$msi")"
	(
		cd "$stage"
		"$work/preconfig" wxi "${wxi_args[@]}" -o .
		wixl -a x64 "${wixl_defs[@]}" -I . -o "$msi" "$root/packaging/windows/cvpn.wxs"
	)
	sign SIGN_WINDOWS "$msi"
fi

# ---- macOS: the non-GUI binaries for build-pkg.sh -----------------------
if has_target darwin; then
	for arch in amd64 arm64; do
		mkdir -p "$DIST/darwin-$arch"
		build darwin "$arch" "$DIST/darwin-$arch/cvpn" ./cmd/cvpn
	done
	note "macOS: only dist/darwin-{amd64,arm64}/cvpn are built here (the GUI needs cgo and the macOS SDK); run packaging/macos/build-pkg.sh on a Mac for the .pkg"
fi

if has_target linux; then
	sign SIGN_DEB "$DIST"/*.deb
	sign SIGN_RPM "$DIST"/*.rpm
fi
rm -rf "$work"
{
	echo "cvpn $VERSION (package version $pv), built $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	for n in "${notes[@]}"; do echo "- $n"; done
} >"$DIST/NOTES.txt"
echo "make package: done in $((SECONDS - started)) s:"
(cd "$DIST" && find . -type f ! -name NOTES.txt | sort | xargs ls -l | awk '{printf "  %10d  %s\n", $5, $9}')
