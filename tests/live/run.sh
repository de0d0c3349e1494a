#!/usr/bin/env bash
# Replays one live scenario against the Linux kernel's TCP, in two throw-away network namespaces.
#
#   tests/live/run.sh SYNFIN SCENARIO ROLE [EXPECT]
#
#   SYNFIN    the synfin binary
#   SCENARIO  a tests/live/scenarios/*.live file
#   ROLE      client|server: the role the driver plays; the kernel plays the other
#   EXPECT    conforms (default) or diverges: a divergence that docs/conformance.md records as a
#             finding is expected, and this test checks that it is still there
#
# Topology (addresses from 192.0.2.0/24, TEST-NET-1; no route anywhere else):
#
#   netns "stack"  s0 192.0.2.1/24   <-- veth -->   d0 (no address)  netns "drv"
#                  Linux TCP, the live host          synfin replay on AF_PACKET, 192.0.2.2
#
# The driver's namespace has no address on d0, so its kernel neither answers ARP for 192.0.2.2
# nor resets the connection; the stack's namespace has a permanent neighbour entry for it. IPv6
# is off on both ends so nothing else crosses the link. The namespaces are removed on exit,
# whatever happens.
#
# Exit: 0 the outcome is EXPECT, 1 it is not, 77 skipped (no CAP_NET_ADMIN/CAP_NET_RAW, or no
# network namespaces): ctest reports it as skipped (SKIP_RETURN_CODE 77), never as passed.
set -uo pipefail

if (($# < 3 || $# > 4)); then
    echo "usage: $0 SYNFIN SCENARIO client|server [conforms|diverges]" >&2
    exit 2
fi
synfin=$1 scenario=$2 role=$3 expect=${4:-conforms}
case $role in client | server) ;; *) echo "$0: ROLE is client or server" >&2; exit 2 ;; esac
case $expect in conforms | diverges) ;; *) echo "$0: EXPECT is conforms or diverges" >&2; exit 2 ;; esac
[[ -x $synfin ]] || { echo "$0: no synfin binary at '$synfin'" >&2; exit 2; }
[[ -r $scenario ]] || { echo "$0: cannot read '$scenario'" >&2; exit 2; }

skip() {
    printf '\n*** SKIPPED: %s ***\n*** live test %s (%s) did not run: it is NOT a pass ***\n\n' "$1" "$(basename "$scenario")" "$role" >&2
    exit 77
}

command -v ip >/dev/null 2>&1 || skip "iproute2 (ip) is not installed"

# Unique names: ctest may run several live tests at once.
tag="$$-${RANDOM}"
ns_stack="synfin-stack-$tag"
ns_drv="synfin-drv-$tag"
stack_ip=192.0.2.1
drv_ip=192.0.2.2
stack_port=8080
drv_port=40000

cleanup() {
    ip netns del "$ns_stack" 2>/dev/null
    ip netns del "$ns_drv" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! err=$(ip netns add "$ns_stack" 2>&1); then
    skip "cannot create a network namespace (needs CAP_NET_ADMIN): $err"
fi
ip netns add "$ns_drv" || skip "cannot create a second network namespace"

setup() {
    local n
    for n in "$ns_stack" "$ns_drv"; do
        ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
        ip netns exec "$n" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
        ip -n "$n" link set lo up || return 1
    done
    ip -n "$ns_stack" link add s0 type veth peer name d0 netns "$ns_drv" || return 1
    # One segment per frame: no GSO super-packets on the veth (the model compares segments).
    ip -n "$ns_stack" link set s0 gso_max_segs 1 2>/dev/null || true
    ip -n "$ns_stack" addr add "$stack_ip/24" dev s0 || return 1
    ip -n "$ns_stack" link set s0 up || return 1
    ip -n "$ns_drv" link set d0 up || return 1
    local drv_mac
    drv_mac=$(ip -n "$ns_drv" -br link show d0 | awk '{print $3}')
    [[ $drv_mac =~ ^([0-9a-f]{2}:){5}[0-9a-f]{2}$ ]] || { echo "cannot read d0's MAC" >&2; return 1; }
    ip -n "$ns_stack" neigh replace "$drv_ip" lladdr "$drv_mac" dev s0 nud permanent || return 1
    # Wait for carrier on both ends (veth comes up at once, but be sure).
    local i
    for i in $(seq 50); do
        if ip -n "$ns_drv" -br link show d0 | grep -q ' UP ' && ip -n "$ns_stack" -br link show s0 | grep -q ' UP '; then
            return 0
        fi
        sleep 0.1
    done
    echo "veth did not come up" >&2
    return 1
}

if ! setup; then
    echo "$0: could not set up the namespaces" >&2
    exit 1
fi

# Real-time priority for the replay, where allowed: its timing is what is measured, and the
# machine may be busy compiling. Its loops sleep in poll(), so it cannot starve the machine.
prio=()
if command -v chrt >/dev/null 2>&1 && chrt -f 10 true 2>/dev/null; then
    prio=(chrt -f 10)
fi

echo "== $(basename "$scenario"), driver plays the $role; kernel $(uname -r); expecting: $expect"
status=0
ip netns exec "$ns_drv" "${prio[@]}" "$synfin" replay "$scenario" --iface d0 --peer "$stack_ip:$stack_port" \
    --local "$drv_ip:$drv_port" --role "$role" --netns "$ns_stack" || status=$?

case $status in
0) outcome=conforms ;;
1) outcome=diverges ;;
*)
    echo "$0: synfin replay failed to run (exit $status)" >&2
    exit 1
    ;;
esac
if [[ $outcome == "$expect" ]]; then
    if [[ $expect == diverges ]]; then
        echo "== known divergence reproduced (recorded in docs/conformance.md)"
    fi
    exit 0
fi
echo "== outcome: $outcome, expected: $expect" >&2
exit 1
