#!/usr/bin/env bash
# synfin replay's refusals: each must exit 2 with a clear message and send nothing.
#
#   tests/live/errors.sh SYNFIN
#
# Without privileges: a scenario that does not parse, bad usage, a role the scenario is not
# for, and (as an unprivileged user, or as root with the capability dropped) no CAP_NET_RAW.
# With CAP_NET_ADMIN, in a throw-away namespace with a veth pair (removed on exit): an interface
# that does not exist, one that is down, and a live namespace that does not exist -- and the
# veth's transmit counter must still read 0 afterwards.
# Exit 0 all passed, 1 one failed, 77 the namespace part could not run (reported as skipped).
set -uo pipefail
synfin=${1:?usage: $0 SYNFIN}
work=$(mktemp -d)
ns="synfin-err-$$-${RANDOM}"
cleanup() {
    ip netns del "$ns" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

failures=0
# expect_refusal NAME PATTERN COMMAND...: exit 2 and PATTERN in stderr.
expect_refusal() {
    local what=$1 pattern=$2
    shift 2
    local status=0
    "$@" >"$work/out" 2>"$work/err" || status=$?
    if [[ $status -eq 2 ]] && grep -qE "$pattern" "$work/err"; then
        echo "ok: $what: $(head -n1 "$work/err")"
    else
        echo "FAIL: $what: exit $status, stderr:" >&2
        cat "$work/err" >&2
        failures=$((failures + 1))
    fi
}

cat >"$work/bad.live" <<'EOF'
synfin-live 1
at 0 server listen
at 10 client conect
end 100
EOF
cat >"$work/good.live" <<'EOF'
synfin-live 1
roles client
at 0 server listen
at 100 client connect
end 300
EOF

expect_refusal "scenario does not parse" 'bad\.live:3:14: unknown action' \
    "$synfin" replay "$work/bad.live" --iface lo --peer 192.0.2.1:8080 --role client
expect_refusal "no role" 'role' "$synfin" replay "$work/good.live" --iface lo --peer 192.0.2.1:8080
expect_refusal "role the scenario is not for" 'not meant to be played in role server' \
    "$synfin" replay "$work/good.live" --iface lo --peer 192.0.2.1:8080 --role server
expect_refusal "bad --peer" 'needs IP:PORT' "$synfin" replay "$work/good.live" --iface lo --peer 192.0.2.1 --role client

# No CAP_NET_RAW: as root, drop it from the bounding set for the child.
if [[ $(id -u) -ne 0 ]]; then
    expect_refusal "no CAP_NET_RAW" 'CAP_NET_RAW' \
        "$synfin" replay "$work/good.live" --iface lo --peer 192.0.2.1:8080 --local 192.0.2.2:40000 --role client
elif command -v capsh >/dev/null 2>&1; then
    expect_refusal "no CAP_NET_RAW" 'CAP_NET_RAW' \
        capsh --drop=cap_net_raw -- -c "exec \"\$0\" replay \"\$1\" --iface lo --peer 192.0.2.1:8080 --local 192.0.2.2:40000 --role client" \
        "$synfin" "$work/good.live"
else
    echo "note: capsh not installed: the missing-CAP_NET_RAW case was not run" >&2
fi

if ! ip netns add "$ns" 2>/dev/null; then
    printf '\n*** SKIPPED (in part): cannot create a network namespace (needs CAP_NET_ADMIN) ***\n' >&2
    printf '*** the interface and namespace refusals did not run: NOT a pass ***\n\n' >&2
    [[ $failures -eq 0 ]] && exit 77
    exit 1
fi
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
ip -n "$ns" link add d0 type veth peer name s0 || { echo "cannot create veth" >&2; exit 1; }
ip -n "$ns" addr add 192.0.2.1/24 dev s0
ip -n "$ns" link set s0 up

in_ns=(ip netns exec "$ns")
# d0 is down.
expect_refusal "interface down" "'d0' is down" \
    "${in_ns[@]}" "$synfin" replay "$work/good.live" --iface d0 --peer 192.0.2.1:8080 --local 192.0.2.2:40000 --role client
expect_refusal "no such interface" "no interface 'nosuch0'" \
    "${in_ns[@]}" "$synfin" replay "$work/good.live" --iface nosuch0 --peer 192.0.2.1:8080 --local 192.0.2.2:40000 --role client
ip -n "$ns" link set d0 up
expect_refusal "no such live namespace" "no network namespace 'synfin-no-such-ns'" \
    "${in_ns[@]}" "$synfin" replay "$work/good.live" --iface d0 --peer 192.0.2.1:8080 --local 192.0.2.2:40000 \
    --role client --netns synfin-no-such-ns
tx=$("${in_ns[@]}" cat /sys/class/net/d0/statistics/tx_packets)
if [[ $tx == 0 ]]; then
    echo "ok: nothing was sent on d0 by the refused runs (tx_packets 0)"
else
    echo "FAIL: d0 sent $tx frames during refused runs" >&2
    failures=$((failures + 1))
fi

[[ $failures -eq 0 ]] || { echo "$failures refusal check(s) failed" >&2; exit 1; }
echo "all refusal checks passed"
