#!/usr/bin/env bash
# build-pkg.sh — builds the cvpn macOS installer (.pkg) on a Mac with Xcode's
# command line tools and Go:
#
#   packaging/macos/build-pkg.sh [-o OUT.pkg]
#
# It builds universal (amd64 + arm64) binaries of cvpn and cvpn-gui (cgo,
# macOS SDK), or takes them: CVPN_BIN=path/to/universal/cvpn and
# CVPN_GUI_BIN=path/to/universal/cvpn-gui (make package on Linux leaves the
# per-architecture CLIs in dist/darwin-*/cvpn; the GUI can only be built on
# a Mac). The payload:
#
#   /usr/local/bin/cvpn                           the CLI and the service
#   /Applications/cvpn.app                        the desktop app (cvpn-gui)
#   /Library/LaunchDaemons/com.cvpn.service.plist the launchd daemon
#   /Library/Application Support/cvpn/profiles    PRECONFIG's profiles, if any
#
# and a postinstall that creates /Library/Logs/cvpn and
# /Library/Application Support/cvpn (root:wheel 0700, as the service wants),
# then (re)loads the daemon.
#
# Environment:
#   VERSION          default: git describe (sanitized to numbers and dots)
#   PRECONFIG=DIR    DIR/profiles/*.ovpn go into the payload; DIR/policy.json
#                    is for Linux and Windows: on macOS the policy is a
#                    configuration profile (packaging/macos/com.cvpn.mobileconfig)
#                    that MDM pushes, so it is copied next to the .pkg
#   CODESIGN_ID      "Developer ID Application: …": codesign the binaries and
#                    the app (hardened runtime, timestamp) before packaging
#   PKGSIGN_ID       "Developer ID Installer: …": productsign the .pkg
#   NOTARY_PROFILE   a notarytool keychain profile: notarize and staple
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
out=dist/cvpn.pkg
while getopts o: opt; do
	case $opt in
	o) out=$OPTARG ;;
	*) echo "usage: $0 [-o OUT.pkg]" >&2; exit 2 ;;
	esac
done
[ "$(uname -s)" = Darwin ] || { echo "build-pkg.sh: runs on macOS (pkgbuild, productbuild, lipo)" >&2; exit 1; }
VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
# Installer versions are numbers and dots: v1.2.3-4-gabc → 1.2.3.4.
pkgver=$(printf '%s' "${VERSION#v}" | sed -E 's/-([0-9]+)-g[0-9a-f]+/.\1/; s/-dirty$//; s/[^0-9.].*$//')
[ -n "$pkgver" ] || pkgver=0.0.0
ldflags="-s -w -X main.version=$VERSION"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
payload=$work/payload
scripts=$work/scripts
mkdir -p "$payload/usr/local/bin" "$payload/Applications" "$payload/Library/LaunchDaemons" "$scripts"

# universal PKG OUT — a fat binary of both architectures (cgo for the GUI).
universal() {
	local pkg=$1 out=$2 cgo=$3 arch
	for arch in amd64 arm64; do
		CGO_ENABLED=$cgo GOOS=darwin GOARCH=$arch MACOSX_DEPLOYMENT_TARGET=11.0 \
			go build -trimpath -ldflags "$ldflags" -o "$work/$(basename "$out").$arch" "$pkg"
	done
	lipo -create -output "$out" "$work/$(basename "$out").amd64" "$work/$(basename "$out").arm64"
}

if [ -n "${CVPN_BIN:-}" ]; then cp "$CVPN_BIN" "$payload/usr/local/bin/cvpn"; else
	universal ./cmd/cvpn "$payload/usr/local/bin/cvpn" 0
fi

app=$payload/Applications/cvpn.app
mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources"
if [ -n "${CVPN_GUI_BIN:-}" ]; then cp "$CVPN_GUI_BIN" "$app/Contents/MacOS/cvpn-gui"; else
	universal ./cmd/cvpn-gui "$app/Contents/MacOS/cvpn-gui" 1
fi
sed -e "s/@VERSION@/$pkgver/g" packaging/macos/Info.plist >"$app/Contents/Info.plist"
# The icon: the Linux SVG rendered to .icns when the tools are there.
if command -v rsvg-convert >/dev/null 2>&1 && command -v iconutil >/dev/null 2>&1; then
	set_dir=$work/cvpn.iconset
	mkdir -p "$set_dir"
	for s in 16 32 128 256 512; do
		rsvg-convert -w $s -h $s packaging/linux/cvpn.svg >"$set_dir/icon_${s}x${s}.png"
		rsvg-convert -w $((s * 2)) -h $((s * 2)) packaging/linux/cvpn.svg >"$set_dir/icon_${s}x${s}@2x.png"
	done
	iconutil -c icns -o "$app/Contents/Resources/cvpn.icns" "$set_dir"
else
	echo "build-pkg.sh: no rsvg-convert/iconutil, so cvpn.app has the default icon (brew install librsvg)" >&2
fi

install -m 0644 packaging/macos/com.cvpn.service.plist "$payload/Library/LaunchDaemons/com.cvpn.service.plist"

if [ -n "${PRECONFIG:-}" ]; then
	if compgen -G "$PRECONFIG/profiles/*.ovpn" >/dev/null; then
		mkdir -p "$payload/Library/Application Support/cvpn/profiles"
		# Managed profiles are read by each user's app: world-readable,
		# writable by root alone (the service's own state stays 0700).
		install -m 0644 "$PRECONFIG"/profiles/*.ovpn "$payload/Library/Application Support/cvpn/profiles/"
	fi
	if [ -f "$PRECONFIG/policy.json" ]; then
		echo "build-pkg.sh: macOS reads the policy from managed preferences, not policy.json: push packaging/macos/com.cvpn.mobileconfig (with the same keys) with your MDM" >&2
	fi
fi

if [ -n "${CODESIGN_ID:-}" ]; then
	codesign --force --options runtime --timestamp --sign "$CODESIGN_ID" "$payload/usr/local/bin/cvpn"
	codesign --force --options runtime --timestamp --sign "$CODESIGN_ID" "$app/Contents/MacOS/cvpn-gui"
	codesign --force --options runtime --timestamp --sign "$CODESIGN_ID" "$app"
fi

cp packaging/macos/postinstall "$scripts/postinstall"
cp packaging/macos/preinstall "$scripts/preinstall"
chmod 0755 "$scripts/postinstall" "$scripts/preinstall"

# Ownership in the payload is root:wheel whoever builds it.
pkgbuild --root "$payload" --scripts "$scripts" --identifier com.cvpn.pkg \
	--version "$pkgver" --install-location / --ownership recommended "$work/cvpn-component.pkg"
sed -e "s/@VERSION@/$pkgver/g" packaging/macos/distribution.xml >"$work/distribution.xml"
mkdir -p "$(dirname "$out")"
productbuild --distribution "$work/distribution.xml" --package-path "$work" "$work/cvpn-unsigned.pkg"
if [ -n "${PKGSIGN_ID:-}" ]; then
	productsign --sign "$PKGSIGN_ID" --timestamp "$work/cvpn-unsigned.pkg" "$out"
else
	cp "$work/cvpn-unsigned.pkg" "$out"
fi
if [ -n "${NOTARY_PROFILE:-}" ]; then
	xcrun notarytool submit "$out" --keychain-profile "$NOTARY_PROFILE" --wait
	xcrun stapler staple "$out"
fi
echo "build-pkg.sh: $out ($pkgver)"
