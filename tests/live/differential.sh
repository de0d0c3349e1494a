#!/usr/bin/env bash
# The differential run: random scenarios (tests/live/gen.cpp, RapidCheck generators) replayed
# against the Linux kernel in both roles; every divergence is grouped by its class.
#
#   tests/live/differential.sh SYNFIN GEN SEED COUNT [safe|all] [OUTDIR]
#
#   SYNFIN  the synfin binary;  GEN  the synfin_live_gen binary
#   SEED, COUNT  scenarios gen-SEED-0 .. gen-SEED-(COUNT-1); a run is reproduced from these
#   safe|all     the generator's mode (safe leaves out the recorded findings; see gen.cpp)
#   OUTDIR       where scenarios, logs and summary.txt go (default: a temporary directory)
#
# Each (scenario, role) runs through tests/live/run.sh in its own pair of namespaces. The
# smallest example of each divergence class is then shrunk: events are taken out one at a time,
# and a removal is kept while the replay still diverges with the same class, until none can go
# (OUTDIR/minimal/*.live; the summary lists their events).
# Divergence classes are checked against tests/live/known-divergences.txt (one extended regex
# per line, '#' comments): the run passes (exit 0) when every divergence is a known one, fails
# (1) when one is not, and is skipped (77) without CAP_NET_ADMIN/CAP_NET_RAW.
set -uo pipefail
if (($# < 4 || $# > 6)); then
    echo "usage: $0 SYNFIN GEN SEED COUNT [safe|all] [OUTDIR]" >&2
    exit 2
fi
synfin=$1 gen=$2 seed=$3 count=$4 mode=${5:-safe} out=${6:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
known="$here/known-divergences.txt"
tmp=""
if [[ -z $out ]]; then
    tmp=$(mktemp -d)
    out=$tmp
fi
trap '[[ -n $tmp ]] && rm -rf "$tmp"' EXIT
mkdir -p "$out/scenarios" "$out/logs"
rm -f "$out/scenarios"/*.live "$out/logs"/*.log
"$gen" --seed "$seed" --count "$count" --mode "$mode" --out "$out/scenarios" || { echo "generator failed" >&2; exit 1; }

runs=0 conforms=0 diverges=0 failed=0 skipped=0
: >"$out/classes.tsv"
start=$(date +%s)
for f in "$out"/scenarios/*.live; do
    b=$(basename "$f" .live)
    for role in client server; do
        log="$out/logs/$b.$role.log"
        status=0
        "$here/run.sh" "$synfin" "$f" "$role" >"$log" 2>&1 || status=$?
        runs=$((runs + 1))
        if [[ $status -eq 77 ]]; then
            skipped=$((skipped + 1))
            cat "$log" >&2
            break 2
        fi
        if grep -q '^conforms:' "$log"; then
            conforms=$((conforms + 1))
        elif cls=$(grep -m1 '^divergence class: ' "$log"); then
            diverges=$((diverges + 1))
            printf '%s\t%s\t%s\t%s\n' "${cls#divergence class: }" "$role" "$(grep -c '^at ' "$f")" "$b" >>"$out/classes.tsv"
        else
            failed=$((failed + 1))
            echo "run failed: $b $role (see $log)" >&2
            tail -n 5 "$log" >&2
        fi
    done
done
if ((skipped)); then
    printf '\n*** SKIPPED: the differential run needs CAP_NET_ADMIN and CAP_NET_RAW: NOT a pass ***\n\n' >&2
    exit 77
fi
elapsed=$(($(date +%s) - start))

is_known() { # CLASS: matches a regex of known-divergences.txt
    local re
    [[ -r $known ]] || return 1
    while IFS= read -r re; do
        [[ $re =~ ^[[:space:]]*(#|$) ]] && continue
        [[ $1 =~ $re ]] && return 0
    done <"$known"
    return 1
}

# class \t role \t events \t name  ->  count \t roles \t class \t smallest example
sort -t$'\t' -k1,1 -k3,3n "$out/classes.tsv" | awk -F'\t' '
    { n[$1]++; if (index(roles[$1], $2) == 0) roles[$1] = roles[$1] (roles[$1] ? "," : "") $2;
      if (!($1 in ex)) ex[$1] = $4 " (" $3 " events, " $2 ")" }
    END { for (c in n) printf "%d\t%s\t%s\t%s\n", n[c], roles[c], c, ex[c] }' | sort -t$'\t' -k1,1nr >"$out/grouped.tsv"
# class_of FILE ROLE: the divergence class of one replay ('' if it conforms or fails to run)
class_of() {
    "$here/run.sh" "$synfin" "$1" "$2" >"$out/shrink.log" 2>&1
    sed -n 's/^divergence class: //p' "$out/shrink.log" | head -1
}

# shrink FILE ROLE CLASS OUT: the scenario without every event it can lose and keep CLASS
shrink() {
    local cur=$out/shrink.cur.live cand=$out/shrink.cand.live changed=1 n i
    cp "$1" "$cur"
    while ((changed)); do
        changed=0
        n=$(grep -c '^at ' "$cur")
        for ((i = n; i >= 1; i--)); do
            awk -v k="$i" '/^at / { if (++j == k) next } { print }' "$cur" >"$cand"
            if [[ $(class_of "$cand" "$2") == "$3" ]]; then
                cp "$cand" "$cur"
                changed=1
            fi
        done
    done
    cp "$cur" "$4"
}

mkdir -p "$out/minimal"
m=0
while IFS=$'\t' read -r n r c ex; do
    m=$((m + 1))
    name=${ex%% *}
    role=${ex##*, }
    role=${role%)}
    shrink "$out/scenarios/$name.live" "$role" "$c" "$out/minimal/$m-$name.$role.live"
done <"$out/grouped.tsv"

unknown=0
{
    echo "differential run: kernel $(uname -r), generator mode $mode, seed $seed, $count scenarios x 2 roles"
    echo "runs: $runs, conform: $conforms, diverge: $diverges, failed to run: $failed ($elapsed s)"
    if ((diverges)); then
        echo "divergence classes (runs, roles, known or NEW, class, smallest example):"
    fi
} >"$out/summary.txt"
m=0
while IFS=$'\t' read -r n r c ex; do
    m=$((m + 1))
    mark=NEW
    if is_known "$c"; then mark=known; else unknown=$((unknown + 1)); fi
    printf '  %4d  %-13s  %-5s  %s\n          e.g. %s\n' "$n" "$r" "$mark" "$c" "$ex" >>"$out/summary.txt"
    mins=("$out/minimal/$m-"*.live)
    min=${mins[0]}
    if [[ -e $min ]]; then
        printf '          shrunk to %d events (%s):\n' "$(grep -c '^at ' "$min")" "minimal/$(basename "$min")" >>"$out/summary.txt"
        grep '^at ' "$min" | sed 's/^/            /' >>"$out/summary.txt"
    fi
done <"$out/grouped.tsv"
cat "$out/summary.txt"
[[ -n $tmp ]] || echo "scenarios, logs and summary in $out"
if ((failed)); then exit 1; fi
if ((unknown)); then
    echo "$unknown divergence class(es) not in $known: see docs/conformance.md" >&2
    exit 1
fi
exit 0
