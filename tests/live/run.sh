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
# Topology (addresses from 192.0.2.0/24, TEST-NET-1; no route anywhere else; tests/live/netns.sh):
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

# shellcheck source=netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/netns.sh"
netns_up

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
