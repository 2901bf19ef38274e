#!/usr/bin/env bash
# demo.sh — the main job against the built-in lab endpoint. cvpn-lab runs it
# with the lab's facts in CVPN_LAB_* variables and tears the lab down after.
set -euo pipefail
bin=$(cd "$(dirname "$0")/../bin" && pwd)
: "${CVPN_LAB_PROFILE:?run me through: bin/cvpn-lab run -- scripts/demo.sh}"

# Keep the demo's profile store apart from the user's own.
export CVPN_CONFIG_DIR=$(mktemp -d)
trap 'rm -rf "$CVPN_CONFIG_DIR"' EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "cvpn version"
"$bin/cvpn" version
step "cvpn profile check $CVPN_LAB_PROFILE"
"$bin/cvpn" profile check "$CVPN_LAB_PROFILE"
step "cvpn profile import $CVPN_LAB_PROFILE --name lab"
"$bin/cvpn" profile import "$CVPN_LAB_PROFILE" --name lab
step "cvpn profile list"
"$bin/cvpn" profile list
step "cvpn profile show lab"
"$bin/cvpn" profile show lab
step "a broken profile is refused with the line and the fix"
bad="$CVPN_CONFIG_DIR/bad.ovpn"
{ cat "$CVPN_LAB_PROFILE"; echo "up /tmp/evil.sh"; } >"$bad"
"$bin/cvpn" profile check "$bad" || echo "(exit status $? — refused, as it should be)"
