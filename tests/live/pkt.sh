#!/usr/bin/env bash
# Runs one packetdrill script against the Linux kernel's TCP, in two throw-away network
# namespaces (tests/live/netns.sh): `synfin pkt run SCRIPT --live`, the kernel as the stack
# under test, the raw-socket driver as the remote side (docs/packetdrill.md).
#
#   tests/live/pkt.sh SYNFIN SCRIPT [-- EXTRA...]
#
#   SYNFIN    the synfin binary
#   SCRIPT    a tests/pkt/*.pkt file
#   EXTRA     more options for `synfin pkt run`, such as --tolerance_usecs 50000 or --verbose
#
# Exit: 0 the script passed against the kernel, 1 it did not (or could not run), 77 skipped
# (no CAP_NET_ADMIN/CAP_NET_RAW, or no network namespaces): ctest reports it as skipped
# (SKIP_RETURN_CODE 77), never as passed.
set -uo pipefail

if (($# < 2)) || { (($# > 2)) && [[ $3 != -- ]]; }; then
    echo "usage: $0 SYNFIN SCRIPT [-- EXTRA...]" >&2
    exit 2
fi
synfin=$1 script=$2
shift 2
(($# > 0)) && shift
[[ -x $synfin ]] || { echo "$0: no synfin binary at '$synfin'" >&2; exit 2; }
[[ -r $script ]] || { echo "$0: cannot read '$script'" >&2; exit 2; }

skip() {
    printf '\n*** SKIPPED: %s ***\n*** live test %s did not run: it is NOT a pass ***\n\n' "$1" "$(basename "$script")" >&2
    exit 77
}

# shellcheck source=netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/netns.sh"
netns_up

echo "== $(basename "$script") against the kernel $(uname -r)"
status=0
ip netns exec "$ns_drv" "${prio[@]}" "$synfin" pkt run "$script" --live --iface d0 --peer "$stack_ip:$stack_port" \
    --local "$drv_ip:$drv_port" --netns "$ns_stack" "$@" || status=$?
case $status in
0) exit 0 ;;
1) exit 1 ;;
*)
    echo "$0: synfin pkt run --live failed to run (exit $status)" >&2
    exit 1
    ;;
esac
