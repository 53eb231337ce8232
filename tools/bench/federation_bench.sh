#!/usr/bin/env bash
# Issue 5's end-to-end benchmark: a federated monthly ratio query over separate cairnd
# processes on loopback. Figures and how to read them: docs/BENCHMARKS.md, "Issue 5".
#
#   tools/bench/federation_bench.sh [--daemons N] [--runs N] [--min-cohort N] [--scratch DIR]
#
# Builds with `bazel build -c opt`, then in a scratch directory:
#   1. initialises and starts N cairnd (default 10), each with its own data directory and a
#      partner listener on 127.0.0.1 (port chosen by the kernel);
#   2. gives each one year of data: cairn-datagen --sites 1 --lines 2 --products 3
#      --interval 1h --from 2026-01-01 --days 365, seed = the daemon's number (157,680
#      records each), imported with cairnctl import;
#   3. writes one roster with every member's fingerprint, endpoint and certificate, and on
#      each daemon imports it (cairnctl consortium add) and applies a policy whose grant
#      answers federated rounds of that consortium for the requester (member m01) with
#      min_cohort = --min-cohort (default 3);
#   4. runs the query once, keeps the result (--out), checks it with cairnctl verify and
#      checks every month's totals against the sum of the members' own local answers;
#   5. times --runs (default 20) runs of
#        cairnctl federate --consortium bench --metric co2e_scope1 --ratio-to units_produced
#                          --group-by month --from 2026-01 --to 2027-01
#      against m01: wall time of the cairnctl process, and per run the CPU time of all
#      cairnd processes together (/proc/PID/task/TID/schedstat, cross-checked over the whole
#      phase with /proc/PID/stat), and the time their threads spent runnable but waiting for
#      a CPU, summed over threads (it exceeds the wall time when the members' threads queue
#      for the 2 CPUs together); also the daemons' idle CPU over 2 s before the runs.
# Every run uses the whole roster as its cohort: an identical cohort passes each member's
# differencing rule (federation/cohort_memory.h), so repeating the query is allowed.
# Prints p50 / p90 / max of the wall time and the CPU per query. Leaves nothing running and
# removes the scratch directory, also when interrupted or when a step fails. Needs about
# 400 MB of disk at the default size (mostly the daemons' write-ahead logs); takes under a
# minute after the build.
set -euo pipefail
SCRIPT=$(readlink -f "$0")
cd "$(dirname "$SCRIPT")/../.."
source tools/bench/common.sh  # run, run_to, calc, now, machine_line, plant_csv
ROOT=$(pwd)

COMMAND="tools/bench/federation_bench.sh $*"
DAEMONS=10
RUNS=20
MIN_COHORT=3
SCRATCH_PARENT=${TMPDIR:-/tmp}
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$SCRIPT"; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --daemons) DAEMONS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --min-cohort) MIN_COHORT=$2; shift 2 ;;
    --scratch) SCRATCH_PARENT=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "federation_bench.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
for n in "$DAEMONS" "$RUNS" "$MIN_COHORT"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "federation_bench.sh: '$n' is not a positive integer" >&2; exit 2; }
done
((DAEMONS >= 2 && DAEMONS <= 50)) || { echo "federation_bench.sh: --daemons 2..50" >&2; exit 2; }
((RUNS <= 1000)) || { echo "federation_bench.sh: --runs at most 1000" >&2; exit 2; }
((MIN_COHORT <= DAEMONS)) || { echo "federation_bench.sh: --min-cohort above --daemons" >&2; exit 2; }

BAZEL=${BAZEL:-bazel}
TARGETS=(//daemon:cairnd //tools/cairnctl:cairnctl //tools/datagen:cairn-datagen)
echo "== build: $BAZEL build -c opt ${TARGETS[*]}"
"$BAZEL" build -c opt "${TARGETS[@]}"
BIN=$("$BAZEL" info -c opt bazel-bin 2>/dev/null)
CAIRND=$BIN/daemon/cairnd
CAIRNCTL=$BIN/tools/cairnctl/cairnctl
DATAGEN=$BIN/tools/datagen/cairn-datagen
[[ -x /usr/bin/time ]] || { echo "federation_bench.sh: /usr/bin/time is not installed" >&2; exit 1; }

WORK=$(mktemp -d "$SCRATCH_PARENT/cairn-fedbench.XXXXXX")
PIDS=()    # the cairnd processes, in member order
cleanup() {
  local p
  if [[ -n $CHILD ]]; then
    kill -TERM "$CHILD" 2>/dev/null || true
    wait "$CHILD" 2>/dev/null || true
  fi
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# daemon_stats: "run_s wait_s" summed over every thread of every cairnd, from each thread's
# schedstat: time on a CPU (nanosecond resolution; /proc/PID/stat counts 10 ms ticks, too
# coarse for one query) and time runnable but waiting for a CPU that others held.
daemon_stats() {
  local p files=()
  for p in "${PIDS[@]}"; do files+=(/proc/"$p"/task/*/schedstat); done
  cat "${files[@]}" 2>/dev/null | awk '{ r += $1; w += $2 } END { printf "%.6f %.6f", r / 1e9, w / 1e9 }'
}
# daemon_cpu: user + system CPU seconds of all cairnd, from /proc/PID/stat (includes threads
# that have exited): the cross-check of daemon_stats over the whole timed phase.
daemon_cpu() {
  local p
  for p in "${PIDS[@]}"; do cat "/proc/$p/stat"; done |
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); c += $12 + $13 } END { printf "%.2f", c / hz }'
}
# percentile P FILE: the P-th percentile (nearest rank) of the numbers in FILE, one a line.
percentile() {
  sort -g "$2" | awk -v p="$1" '{ v[NR] = $1 } END { r = int((p * NR + 99) / 100); if (r < 1) r = 1; print v[r] }'
}

echo "== machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load average $(cut -d' ' -f1-3 /proc/loadavg); commit $(git describe --always --dirty 2>/dev/null || echo '?')"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- 1-2. Daemons and their data. ----
NAMES=()
for ((i = 1; i <= DAEMONS; i++)); do NAMES+=("$(printf 'm%02d' "$i")"); done
REQUESTER=${NAMES[0]}
DATAGEN_FLAGS=(--sites 1 --lines 2 --products 3 --interval 1h --from 2026-01-01 --days 365)
echo "== $DAEMONS daemons; data per daemon: cairn-datagen ${DATAGEN_FLAGS[*]} --seed <i>"
RECORDS_TOTAL=0
T0=$(now)
for ((i = 1; i <= DAEMONS; i++)); do
  n=${NAMES[i - 1]}
  "$CAIRNCTL" init --data-dir "$WORK/$n" --name "$n" --listen 127.0.0.1:0 >/dev/null
  "$CAIRND" --data-dir "$WORK/$n" --log-level warning >"$WORK/$n.log" 2>&1 &
  PIDS+=($!)
  up=0
  for _ in $(seq 1 100); do
    if "$CAIRNCTL" --data-dir "$WORK/$n" status >/dev/null 2>&1; then up=1; break; fi
    kill -0 "${PIDS[i - 1]}" 2>/dev/null || break
    sleep 0.1
  done
  ((up)) || { echo "federation_bench.sh: cairnd $n did not start" >&2; cat "$WORK/$n.log" >&2; exit 1; }
  run "$DATAGEN" --plant "$n" "${DATAGEN_FLAGS[@]}" --seed "$i" --output "$WORK/$n.csv" >/dev/null
  run "$CAIRNCTL" --data-dir "$WORK/$n" import --no-progress "$WORK/$n.csv" >/dev/null
  stored=$("$CAIRNCTL" --data-dir "$WORK/$n" status --format json | jq -r .records)
  RECORDS_TOTAL=$((RECORDS_TOTAL + stored))
  rm -f "$WORK/$n.csv"
done
printf '   %d records in all (%d per daemon), set up in %.1f s\n' "$RECORDS_TOTAL" \
  "$((RECORDS_TOTAL / DAEMONS))" "$(calc "$(now) - $T0")"

# ---- 3. Roster, consortium and grants. ----
ROSTER=$WORK/roster.toml
{
  echo 'version = 1'
  echo 'consortium = "bench"'
  for n in "${NAMES[@]}"; do
    fp=$("$CAIRNCTL" --data-dir "$WORK/$n" identity --format json | jq -r .fingerprint)
    ep=$("$CAIRNCTL" --data-dir "$WORK/$n" status --format json | jq -r .listen)
    [[ -n $fp && -n $ep ]] || { echo "federation_bench.sh: no fingerprint or endpoint for $n" >&2; exit 1; }
    echo
    echo '[[member]]'
    echo "name = \"$n\""
    echo "fingerprint = \"$fp\""
    echo "endpoint = \"$ep\""
    echo 'certificate = """'
    "$CAIRNCTL" --data-dir "$WORK/$n" identity --cert
    echo '"""'
  done
} >"$ROSTER"
cat >"$WORK/policy.toml" <<EOF
version = 1
[[grant]]
name = "bench"
partner = "$REQUESTER"
purpose = "consortium benchmark"
release = "exact"
metrics = ["co2e_scope1", "units_produced"]
aggregates = ["sum"]
ratios = ["co2e_scope1/units_produced"]
finest = "month"
federation = { consortium = "bench", min_cohort = $MIN_COHORT }
EOF
for n in "${NAMES[@]}"; do
  "$CAIRNCTL" --data-dir "$WORK/$n" consortium add "$ROSTER" >/dev/null
  "$CAIRNCTL" --data-dir "$WORK/$n" policy apply "$WORK/policy.toml" >/dev/null
done
echo "== consortium 'bench': $DAEMONS members, requester $REQUESTER, grant min_cohort = $MIN_COHORT"

QUERY=(--metric co2e_scope1 --ratio-to units_produced --group-by month --from 2026-01 --to 2027-01)
FEDERATE=("$CAIRNCTL" --data-dir "$WORK/$REQUESTER" federate --consortium bench "${QUERY[@]}")

# ---- 4. Once, checked: verify, and the totals against the members' own answers. ----
echo "== cairnctl federate --consortium bench ${QUERY[*]} --out result -f csv (checked run)"
run "${FEDERATE[@]}" --out "$WORK/fed.result" -f csv >"$WORK/fed.csv"
run "$CAIRNCTL" verify "$WORK/fed.result" >"$WORK/verify.txt"
head -1 "$WORK/verify.txt" | sed 's/^/   /'
grep -q '^verified: ' "$WORK/verify.txt" || { echo "federation_bench.sh: cairnctl verify failed" >&2; exit 1; }
for n in "${NAMES[@]}"; do
  for metric in co2e_scope1 units_produced; do
    "$CAIRNCTL" --data-dir "$WORK/$n" query --metric "$metric" --group-by month \
      --from 2026-01 --to 2027-01 -f csv >"$WORK/local_${n}_$metric.csv"
  done
done
# Sum the members' own answers per month and compare with the federated row: every member
# contributes, the group is released, and the pooled ratio sum(co2e_scope1) / sum(units_produced)
# equals the ratio of the summed local answers within 1e-9 relative (the round adds figures
# rounded to 1e-6 per member; the CSV of a federated result shows the ratio, not the totals).
awk -F, -v daemons="$DAEMONS" '
  function col(name,   i) { for (i = 1; i <= NF; i++) if ($i == name) return i; return 0 }
  FNR == 1 {
    if (FILENAME ~ /fed\.csv$/) { fed = 1; fm = col("month"); fn = col("members"); fr = col("released"); fv = col("value") }
    else { fed = 0; lm = col("month"); lv = col("value"); metric = (FILENAME ~ /co2e_scope1/) ? "a" : "b" }
    next
  }
  fed { months[$fm] = 1; members[$fm] = $fn; released[$fm] = $fr; value[$fm] = $fv; next }
  { if (metric == "a") a[$lm] += $lv; else b[$lm] += $lv }
  END {
    bad = 0; n = 0
    printf "   %-8s %-8s %-22s %-16s %-16s %-22s %s\n", "month", "members", "federated ratio", "sum co2e_scope1", "sum units", "ratio of the sums", "rel. diff"
    for (m in months) order[++n] = m
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (order[j] < order[i]) { t = order[i]; order[i] = order[j]; order[j] = t }
    for (i = 1; i <= n; i++) {
      m = order[i]; r = a[m] / b[m]; d = (value[m] - r) / r; if (d < 0) d = -d
      ok = (members[m] == daemons && released[m] == "true" && d <= 1e-9)
      if (!ok) bad++
      printf "   %-8s %-8s %-22s %-16.6f %-16.6f %-22.15g %.1e%s\n", m, members[m], value[m], a[m], b[m], r, d, ok ? "" : "  MISMATCH"
    }
    printf "RESULT groups=%d bad=%d\n", n, bad
  }' "$WORK/fed.csv" "$WORK"/local_*_co2e_scope1.csv "$WORK"/local_*_units_produced.csv \
  >"$WORK/check.txt"
grep -v '^RESULT' "$WORK/check.txt"
CHECK_GROUPS=$(sed -n 's/^RESULT groups=\([0-9]*\).*/\1/p' "$WORK/check.txt")
CHECK_BAD=$(sed -n 's/^RESULT.* bad=\([0-9]*\).*/\1/p' "$WORK/check.txt")
((CHECK_GROUPS == 12 && CHECK_BAD == 0)) || {
  echo "federation_bench.sh: the federated answer differs from the members' local answers" \
    "($CHECK_BAD of $CHECK_GROUPS months; 12 expected)" >&2
  exit 1
}
echo "   sanity: in all 12 months the federated ratio equals the ratio of the summed local answers"

# ---- 5. Timed runs. ----
echo "== $RUNS timed runs of cairnctl federate --consortium bench ${QUERY[*]}"
: >"$WORK/wall.txt"
: >"$WORK/cpu.txt"
: >"$WORK/wait.txt"
: >"$WORK/ctl_cpu.txt"
# The daemons' own CPU while nobody asks (2 s): the background that the per-query figures
# below include.
read -r I0 _ <<<"$(daemon_stats)"
sleep 2
read -r I1 _ <<<"$(daemon_stats)"
IDLE_CPU=$(calc "($I1 - $I0) / 2")
printf '   idle: all %d cairnd together use %.4f s of CPU per second\n' "$DAEMONS" "$IDLE_CPU"
CPU_BEFORE=$(daemon_cpu)
for ((r = 1; r <= RUNS; r++)); do
  read -r C0 W0 <<<"$(daemon_stats)"
  S=$(now)
  /usr/bin/time -f '%U %S' -o "$WORK/ctl_time.txt" "${FEDERATE[@]}" >"$WORK/run.txt" 2>&1 &
  CHILD=$!
  if ! wait "$CHILD"; then
    CHILD=""
    echo "federation_bench.sh: run $r failed:" >&2
    cat "$WORK/run.txt" >&2
    exit 1
  fi
  CHILD=""
  E=$(now)
  grep -q "^round .*: $DAEMONS members contributed" "$WORK/run.txt" || {
    echo "federation_bench.sh: run $r did not have all $DAEMONS members contributing:" >&2
    cat "$WORK/run.txt" >&2
    exit 1
  }
  read -r C1 W1 <<<"$(daemon_stats)"
  echo "$(calc "$E - $S")" >>"$WORK/wall.txt"
  echo "$(calc "$C1 - $C0")" >>"$WORK/cpu.txt"
  echo "$(calc "$W1 - $W0")" >>"$WORK/wait.txt"
  awk '{ print $1 + $2 }' "$WORK/ctl_time.txt" >>"$WORK/ctl_cpu.txt"
  printf '   run %2d: %.3f s wall, cairnd CPU %.3f s, runnable wait (all threads) %.3f s\n' "$r" \
    "$(tail -1 "$WORK/wall.txt")" "$(tail -1 "$WORK/cpu.txt")" "$(tail -1 "$WORK/wait.txt")"
done
CPU_TICKS=$(calc "($(daemon_cpu) - $CPU_BEFORE) / $RUNS")
# Repeating the round with the same cohort must not grow a member's cohort memory (bounded at
# 10,000 entries, then every round is refused): one entry per metric, not per run.
REMEMBERED=$("$CAIRNCTL" --data-dir "$WORK/${NAMES[1]}" consortium list |
  sed -n 's/.*; \([0-9]*\) answered cohorts remembered.*/\1/p')
echo "   ${NAMES[1]} remembers $REMEMBERED answered cohorts after $((RUNS + 1)) rounds"
mean() { awk '{ s += $1 } END { printf "%.6f", s / NR }' "$1"; }

# ---- Summary. ----
P50=$(percentile 50 "$WORK/wall.txt")
P90=$(percentile 90 "$WORK/wall.txt")
MAX=$(percentile 100 "$WORK/wall.txt")
CPU_MEAN=$(mean "$WORK/cpu.txt")
CPU_P50=$(percentile 50 "$WORK/cpu.txt")
WAIT_MEAN=$(mean "$WORK/wait.txt")
CTL_MEAN=$(mean "$WORK/ctl_cpu.txt")
row() { printf '%-52s %s\n' "$@"; }
echo
echo "== Summary of $COMMAND ($(date -u +%Y-%m-%dT%H:%MZ), commit $(git describe --always --dirty 2>/dev/null || echo '?'))"
echo "   $DAEMONS cairnd on loopback, $RECORDS_TOTAL records (1 year each), $(nproc) shared CPUs," \
  "load average at start $LOAD_START, now $(cut -d' ' -f1-3 /proc/loadavg)"
row "federated monthly ratio, wall p50 / p90 / max" \
  "$(printf '%.3f / %.3f / %.3f s (%d runs)' "$P50" "$P90" "$MAX" "$RUNS")"
row "  CPU per query, all $DAEMONS cairnd, mean / p50" "$(printf '%.3f / %.3f s' "$CPU_MEAN" "$CPU_P50")"
row "  same from /proc/PID/stat (10 ms ticks), mean" "$(printf '%.3f s' "$CPU_TICKS")"
row "  cairnctl CPU per query, mean" "$(printf '%.3f s' "$CTL_MEAN")"
row "  cairnd idle CPU per second (background)" "$(printf '%.4f s' "$IDLE_CPU")"
row "  cairnd threads' runnable wait per query, summed" "$(printf '%.3f s' "$WAIT_MEAN")"
row "  sanity: totals = sum of members' local answers" "yes ($CHECK_GROUPS months), result verifies"
row "  cohorts a member remembers after all rounds" "$REMEMBERED"
echo "RESULT daemons=$DAEMONS runs=$RUNS records=$RECORDS_TOTAL p50_s=$P50 p90_s=$P90 max_s=$MAX" \
  "daemon_cpu_mean_s=$CPU_MEAN daemon_cpu_p50_s=$CPU_P50 cairnctl_cpu_mean_s=$CTL_MEAN" \
  "daemon_wait_mean_s=$WAIT_MEAN daemon_cpu_ticks_mean_s=$CPU_TICKS daemon_idle_cpu_per_s=$IDLE_CPU remembered_cohorts=$REMEMBERED"
