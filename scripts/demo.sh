#!/usr/bin/env bash
# demo.sh — the main job against the built-in lab endpoint. cvpn-lab runs it
# with the lab's facts in CVPN_LAB_* variables and tears the lab down after.
set -euo pipefail
bin=$(cd "$(dirname "$0")/../bin" && pwd)
: "${CVPN_LAB_PROFILE:?run me through: bin/cvpn-lab run -- scripts/demo.sh}"

# Keep the demo's profile store apart from the user's own.
CVPN_CONFIG_DIR=$(mktemp -d)
export CVPN_CONFIG_DIR
cvpn_pid=
cleanup() {
	[ -n "$cvpn_pid" ] && kill "$cvpn_pid" 2>/dev/null && wait "$cvpn_pid" 2>/dev/null
	rm -rf "$CVPN_CONFIG_DIR"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
in_client() { ip netns exec "$CVPN_LAB_CLIENT_NS" "$@"; }

step "cvpn version"
"$bin/cvpn" version
step "cvpn profile check $CVPN_LAB_PROFILE"
"$bin/cvpn" profile check "$CVPN_LAB_PROFILE"
step "cvpn profile import $CVPN_LAB_PROFILE --name lab"
"$bin/cvpn" profile import "$CVPN_LAB_PROFILE" --name lab
step "cvpn profile list"
"$bin/cvpn" profile list

step "cvpn service   (the privileged daemon, in the lab's client namespace)"
CVPN_SOCKET="$CVPN_CONFIG_DIR/cvpn.sock"
CVPN_STATE_DIR="$CVPN_CONFIG_DIR/state"
CVPN_LOG_DIR="$CVPN_CONFIG_DIR/logs"
export CVPN_SOCKET CVPN_STATE_DIR CVPN_LOG_DIR
svclog="$CVPN_CONFIG_DIR/service.log"
# Started directly (not through in_client) so that $! is cvpn itself.
ip netns exec "$CVPN_LAB_CLIENT_NS" "$bin/cvpn" service >"$svclog" 2>&1 &
cvpn_pid=$!
for _ in $(seq 1 100); do
	[ -S "$CVPN_SOCKET" ] && break
	kill -0 "$cvpn_pid" 2>/dev/null || { cat "$svclog"; echo "the service exited" >&2; exit 1; }
	sleep 0.1
done
cat "$svclog"

step "cvpn connect lab   (through the service; returns once connected)"
"$bin/cvpn" connect lab

step "routes cvpn installed"
in_client ip route
step "ping the server through the tunnel"
in_client ping -n -c 3 -i 0.2 "$CVPN_LAB_SERVER_TUN_IP"
step "20 MB each way through the tunnel (iperf3)"
ip netns exec "$CVPN_LAB_SERVER_NS" iperf3 -s -1 >/dev/null 2>&1 &
sleep 0.3
in_client iperf3 -c "$CVPN_LAB_SERVER_TUN_IP" -n 20M | grep -E 'sender|receiver'
ip netns exec "$CVPN_LAB_SERVER_NS" iperf3 -s -1 >/dev/null 2>&1 &
sleep 0.3
in_client iperf3 -c "$CVPN_LAB_SERVER_TUN_IP" -n 20M -R | grep -E 'sender|receiver'

step "cvpn status   (traffic counters)"
"$bin/cvpn" status

step "cvpn disconnect lab: cvpn says goodbye and removes what it added"
"$bin/cvpn" disconnect lab
in_client ip route
step "cvpn logs --connections   (one line per attempt)"
"$bin/cvpn" logs --connections
if [ -x "$bin/cvpn-gui" ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
	step "the desktop app   (connect lab from its window or tray; quit it from its menu to end the demo)"
	# In the client namespace, so a browser sign-in's 127.0.0.1:35001 and
	# the tunnel are where the app is; the display and bus are the user's.
	if ! ip netns exec "$CVPN_LAB_CLIENT_NS" "$bin/cvpn-gui"; then
		echo "cvpn-gui could not open a window on $DISPLAY$WAYLAND_DISPLAY. Under sudo, keep the display's"
		echo "authority: sudo --preserve-env=DISPLAY,XAUTHORITY,WAYLAND_DISPLAY,XDG_RUNTIME_DIR make demo"
	fi
else
	step "the desktop app"
	echo "No display here, so the app was not opened. On a desktop, run make demo there (it builds"
	echo "bin/cvpn-gui and opens it on this lab), or run make screenshots to drive the real app on a"
	echo "virtual display (Xvfb) and see it in docs/screenshots."
fi

step "stop the service"
kill -TERM "$cvpn_pid"
wait "$cvpn_pid" || true
cvpn_pid=

step "a broken profile is refused with the line and the fix"
bad="$CVPN_CONFIG_DIR/bad.ovpn"
{ cat "$CVPN_LAB_PROFILE"; echo "up /tmp/evil.sh"; } >"$bad"
"$bin/cvpn" profile check "$bad" || echo "(exit status $? — refused, as it should be)"
