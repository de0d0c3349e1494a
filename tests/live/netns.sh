# shellcheck shell=bash disable=SC2034  # the variables are for the scripts that source this
# Two throw-away network namespaces joined by a veth, for the live tests; sourced by run.sh
# (synfin replay) and pkt.sh (synfin pkt run --live).
#
#   netns "stack"  s0 192.0.2.1/24   <-- veth -->   d0 (no address)  netns "drv"
#                  Linux TCP, the live host          the raw-socket driver, 192.0.2.2
#
# The driver's namespace has no address on d0, so its kernel neither answers ARP for 192.0.2.2
# nor resets the connection; the stack's namespace has a permanent neighbour entry for it. IPv6
# is off on both ends so nothing else crosses the link. One segment per frame (gso_max_segs 1).
#
# The caller defines skip() (prints why and exits 77) before sourcing, then calls netns_up.
# Sets: ns_stack ns_drv stack_ip drv_ip stack_port drv_port, and prio (a real-time priority
# prefix for the driver's command, empty where not allowed). The namespaces are removed on exit,
# whatever happens.

command -v ip >/dev/null 2>&1 || skip "iproute2 (ip) is not installed"

# Unique names: ctest may run several live tests at once.
tag="$$-${RANDOM}"
ns_stack="synfin-stack-$tag"
ns_drv="synfin-drv-$tag"
stack_ip=192.0.2.1
drv_ip=192.0.2.2
stack_port=8080
drv_port=40000

netns_cleanup() {
    ip netns del "$ns_stack" 2>/dev/null
    ip netns del "$ns_drv" 2>/dev/null
}

netns_setup() {
    local n
    for n in "$ns_stack" "$ns_drv"; do
        ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
        ip netns exec "$n" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
        ip -n "$n" link set lo up || return 1
    done
    ip -n "$ns_stack" link add s0 type veth peer name d0 netns "$ns_drv" || return 1
    # One segment per frame: no GSO super-packets on the veth (segments are compared one by one).
    ip -n "$ns_stack" link set s0 gso_max_segs 1 2>/dev/null || true
    ip -n "$ns_stack" addr add "$stack_ip/24" dev s0 || return 1
    ip -n "$ns_stack" link set s0 up || return 1
    ip -n "$ns_drv" link set d0 up || return 1
    local drv_mac
    drv_mac=$(ip -n "$ns_drv" -br link show d0 | awk '{print $3}')
    [[ $drv_mac =~ ^([0-9a-f]{2}:){5}[0-9a-f]{2}$ ]] || { echo "cannot read d0's MAC" >&2; return 1; }
    ip -n "$ns_stack" neigh replace "$drv_ip" lladdr "$drv_mac" dev s0 nud permanent || return 1
    # Wait for carrier on both ends (veth comes up at once, but be sure).
    local _
    for _ in $(seq 50); do
        if ip -n "$ns_drv" -br link show d0 | grep -q ' UP ' && ip -n "$ns_stack" -br link show s0 | grep -q ' UP '; then
            return 0
        fi
        sleep 0.1
    done
    echo "veth did not come up" >&2
    return 1
}

# Creates and wires the namespaces: skips without CAP_NET_ADMIN, exits 1 if wiring fails.
netns_up() {
    trap netns_cleanup EXIT
    trap 'exit 130' INT TERM
    if ! err=$(ip netns add "$ns_stack" 2>&1); then
        skip "cannot create a network namespace (needs CAP_NET_ADMIN): $err"
    fi
    ip netns add "$ns_drv" || skip "cannot create a second network namespace"
    if ! netns_setup; then
        echo "$0: could not set up the namespaces" >&2
        exit 1
    fi
    # Real-time priority for the driver, where allowed: its timing is what is measured, and the
    # machine may be busy compiling. Its loops sleep in poll(), so it cannot starve the machine.
    prio=()
    if command -v chrt >/dev/null 2>&1 && chrt -f 10 true 2>/dev/null; then
        prio=(chrt -f 10)
    fi
}
