#!/usr/bin/env bash
# Every counterexample `synfin check` finds, replayed against the Linux kernel in both roles, and
# compared with tests/live/counterexamples.txt (docs/conformance.md, "Counterexamples against the
# kernel"). Each replay runs in fresh namespaces (tests/live/run.sh).
#
#   tests/live/counterexamples.sh SYNFIN [--simulate] [--traces DIR] [TABLE]
#   tests/live/counterexamples.sh SYNFIN --generate DIR
#
# --simulate: no network and no privileges; the model plays the live host. Checks only that every
# trace converts and replays in both roles (exit 0 or 1), and that the refused ones refuse.
# --generate DIR: only run `synfin check` and write the counterexamples to DIR/traces; --traces DIR
# then replays those instead of running the check again (ctest runs the check once, as a fixture
# shared by the live and the simulated replay). A complete set there that is newer than SYNFIN
# is kept: scripts/test's suite stage writes it before ctest runs.
#
# Exit: 0 every outcome is the table's, 1 one is not (or a counterexample is not in the table),
# 77 skipped (no CAP_NET_ADMIN/CAP_NET_RAW): ctest reports it as skipped, never as passed.
set -uo pipefail

usage() {
    echo "usage: $0 SYNFIN [--simulate] [--traces DIR] [TABLE]" >&2
    echo "       $0 SYNFIN --generate DIR" >&2
    exit 2
}
(($# >= 1)) || usage
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
synfin=$1
shift
simulate=0
generate=
traces=
while (($#)); do
    case $1 in
    --simulate) simulate=1 ;;
    --generate) (($# >= 2)) || usage; generate=$2; shift ;;
    --traces) (($# >= 2)) || usage; traces=$2; shift ;;
    -*) usage ;;
    *) break ;;
    esac
    shift
done
(($# <= 1)) || usage
table=${1:-$here/counterexamples.txt}
[[ -x $synfin ]] || { echo "$0: no synfin binary at '$synfin'" >&2; exit 2; }
[[ -r $table ]] || { echo "$0: cannot read '$table'" >&2; exit 2; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# Refinement finds no counterexample the table would not list under its cell's own name, and
# doubles the run time: it is left to the suite.
# Only the cells expected violated give counterexamples: the holding ones (the largest spaces)
# are left to the suite.
run_check() { # out-dir
    local configs=() c
    while read -r c; do configs+=(--config "$c"); done < <("$synfin" list | awk '/^cells:/ {c = 1; next} c && $3 == "expect" && $4 == "violated" {print $2}' | sort -u)
    ((${#configs[@]})) || { echo "$0: synfin list names no violated cell" >&2; return 1; }
    rm -rf "$1/traces"
    mkdir -p "$1/traces"
    "$synfin" check --quiet --refine-states 0 --threads "${JOBS:-2}" "${configs[@]}" --trace-dir "$1/traces" >"$1/check.out" 2>&1
    case $? in 0 | 1) ;; *) echo "$0: synfin check failed:" >&2; cat "$1/check.out" >&2; return 1 ;; esac
    # The replays check that this exists: a check stopped half way leaves no stale set behind.
    touch "$1/traces/.complete"
}
if [[ -n $generate ]]; then
    # A complete set newer than the binary (scripts/test has the suite write it) is the same set.
    if [[ $generate/traces/.complete -nt $synfin ]]; then
        echo "counterexamples of this binary already in $generate/traces ($(find "$generate/traces" -name '*.trace' | wc -l) traces): not checking again"
        exit 0
    fi
    run_check "$generate" || exit 1
    echo "counterexamples written to $generate/traces ($(find "$generate/traces" -name '*.trace' | wc -l) traces)"
    exit 0
fi
if [[ -n $traces ]]; then
    [[ -e $traces/traces/.complete ]] || { echo "$0: no complete set of traces in '$traces' (run --generate first)" >&2; exit 1; }
    ln -s "$(cd "$traces" && pwd)/traces" "$dir/traces"
else
    run_check "$dir" || exit 1
fi

fail=0
declare -A listed=()
while read -r trace role outcome class; do
    [[ -z $trace || $trace == \#* ]] && continue
    listed["$trace $role"]=1
    case $outcome in
    reproduced | diverges | varies | refused) ;;
    *) echo "FAIL $trace ($role): unknown outcome '$outcome' in $(basename "$table")"; fail=1; continue ;;
    esac
    file="$dir/traces/$trace.trace"
    if [[ ! -r $file ]]; then
        echo "FAIL $trace ($role): synfin check no longer finds this counterexample"
        fail=1
        continue
    fi
    log="$dir/$trace.$role.log"
    if [[ $outcome == refused ]]; then
        "$synfin" replay "$file" --simulate --role "$role" >"$log" 2>&1
        status=$?
        if [[ $status == 2 ]] && grep -q "cannot be crashed" "$log"; then
            echo "ok   $trace ($role): refused, as it must be"
        else
            echo "FAIL $trace ($role): expected a refusal, got exit $status"; cat "$log"; fail=1
        fi
        continue
    fi
    if ((simulate)); then
        "$synfin" replay "$file" --simulate --role "$role" >"$log" 2>&1
        status=$?
        if [[ $status == 0 || $status == 1 ]]; then
            echo "ok   $trace ($role): replays on the model ($(grep -E '^(reproduced|NOT reproduced)' "$log" | cut -c1-40))"
        else
            echo "FAIL $trace ($role): exit $status"; cat "$log"; fail=1
        fi
        continue
    fi
    expect=conforms
    [[ $outcome == diverges || $outcome == varies ]] && expect=diverges
    # A busy machine can move the kernel's timers past the tolerance: a replay whose outcome is
    # not the table's is run once more, and only a second miss counts.
    reproduced=0
    for attempt in 1 2; do
        bash "$here/run.sh" "$synfin" "$file" "$role" "$expect" >"$log" 2>&1
        status=$?
        if [[ $status == 77 ]]; then
            cat "$log" >&2
            exit 77
        fi
        seen=$(sed -n 's/^divergence class: //p' "$log" | head -1)
        # varies: reproduced, or diverges as CLASS says (see the table's head).
        if [[ $outcome == varies && $status != 0 ]] && grep -q '^== outcome: conforms' "$log"; then
            status=0
            reproduced=1
            break
        fi
        if [[ $status == 0 && (($outcome != diverges && $outcome != varies) || $seen =~ ^($class)$) ]]; then
            break
        fi
        ((attempt == 1)) && echo "note $trace ($role): outcome '${seen:-reproduced}' not the table's; running it again"
    done
    if [[ $status != 0 ]]; then
        echo "FAIL $trace ($role): expected $outcome${class:+ ($class)}, got ${seen:-reproduced}"; cat "$log"; fail=1
    elif ((reproduced)); then
        echo "ok   $trace ($role): varies, reproduced this time"
    elif [[ ($outcome == diverges || $outcome == varies) && ! $seen =~ ^($class)$ ]]; then
        echo "FAIL $trace ($role): diverges as expected, but as '$seen', not '$class'"; cat "$log"; fail=1
    else
        echo "ok   $trace ($role): $outcome${class:+ ($class)}"
    fi
done <"$table"

for f in "$dir"/traces/*.trace; do
    [[ $f == *.dead_end.trace ]] && continue # a bound's witness, not a counterexample
    t=$(basename "$f" .trace)
    for role in client server; do
        if [[ -z ${listed["$t $role"]:-} ]]; then
            echo "FAIL $t ($role): a counterexample not in $(basename "$table"): replay it and record the outcome"
            fail=1
        fi
    done
done
exit $fail
