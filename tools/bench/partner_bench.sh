#!/usr/bin/env bash
# Issues 3 and 4: the partner round trip, its throughput, the cost of its security, and the
# cost of policy and audit. Figures and how to read them: docs/BENCHMARKS.md.
#
#   tools/bench/partner_bench.sh [--records N] [--rounds N] [--latency-queries N]
#       [--latency-block N] [--throughput-seconds S] [--in-flight N] [--connections N] [--dials N]
#       [--phase-iterations N] [--decisions N] [--scratch DIR] [--perf DIR]
#
# Builds with `bazel build -c opt`, generates a year of plant data (default 10,000,000
# records, issue 2's data set), and sets up, in a scratch directory:
#   - an owner: `cairnctl init`, cairnd, `cairnctl import`, and the requester (a data dir with
#     its own identity, no daemon) registered as partner "bench" with energy on its allow-list;
#     the owner's [partners] limits are raised to 64 connections per partner and 32 calls in
#     flight per connection so that the load below stays within them;
#   - four copies of that data dir, each served by its own cairnd, all at once:
#       allow          no policy: the partner's allow-list decides (as before issue 4);
#       policy         a policy of 1,000 grants, one of which (exact figures) admits the query;
#       allow-nosync   as allow, with [storage] sync = false (diagnostic only: no fsync);
#       policy-nosync  as policy, with sync = false (diagnostic only);
#     and a fifth copy served by clear_query_server: the same query over the same Cap'n Proto
#     RPC without TLS, signatures, sealing, policy or audit (the baseline);
# then measures, all owners in the same run, in rounds that visit them in rotated order:
#   1. partner_bench: round trips one at a time (p50, p99), 32 requests in flight (answers/s),
#      and new connections per second; CPU of the requester and of each owner per call;
#   2. partner_phases (owners stopped), on the allow and policy copies: each step of the
#      partner path timed in one process, beside the pre-issue-4 path and the baseline's work,
#      the cryptographic primitives alone, and a synced-write probe (1 entry vs 32 in one batch);
#   3. policy_bench: Decide() with 1,000 grants.
# --perf DIR (a diagnostic; its run's figures are disturbed by the profiler): `perf record -g`
# of the 'allow' owner during partner_bench, and `perf report` of it, kept in DIR.
# Prints a summary table with the targets. Leaves nothing running and removes the scratch
# directory, also when interrupted or when a step fails. Needs about 1.6 GB of disk at the
# default size (CSV, five copies of the store).
set -euo pipefail
SCRIPT=$(readlink -f "$0")
cd "$(dirname "$SCRIPT")/../.."
source tools/bench/common.sh  # run, run_to, calc, now, machine_line, plant_csv

COMMAND="tools/bench/partner_bench.sh $*"
RECORDS=10000000
ROUNDS=10
LATENCY_QUERIES=100
LATENCY_BLOCK=20
THROUGHPUT_SECONDS=1
IN_FLIGHT=32
CONNECTIONS=4
DIALS=50
PHASE_ITERATIONS=300
DECISIONS=200000
SCRATCH_PARENT=${TMPDIR:-/tmp}
PERF_DIR=""
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$SCRIPT"; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --records) RECORDS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --latency-queries) LATENCY_QUERIES=$2; shift 2 ;;
    --latency-block) LATENCY_BLOCK=$2; shift 2 ;;
    --throughput-seconds) THROUGHPUT_SECONDS=$2; shift 2 ;;
    --in-flight) IN_FLIGHT=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --dials) DIALS=$2; shift 2 ;;
    --phase-iterations) PHASE_ITERATIONS=$2; shift 2 ;;
    --decisions) DECISIONS=$2; shift 2 ;;
    --scratch) SCRATCH_PARENT=$2; shift 2 ;;
    --perf) PERF_DIR=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "partner_bench.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
for n in "$RECORDS" "$ROUNDS" "$LATENCY_QUERIES" "$LATENCY_BLOCK" "$THROUGHPUT_SECONDS" \
  "$IN_FLIGHT" "$CONNECTIONS" "$PHASE_ITERATIONS" "$DECISIONS"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || {
    echo "partner_bench.sh: '$n' is not a positive integer" >&2
    exit 2
  }
done
[[ $DIALS =~ ^[0-9]+$ ]] || { echo "partner_bench.sh: '$DIALS' is not a number" >&2; exit 2; }

BAZEL=${BAZEL:-bazel}
TARGETS=(//daemon:cairnd //tools/cairnctl:cairnctl //tools/datagen:cairn-datagen
  //bench:partner_bench //bench:clear_query_server //bench:partner_phases
  //tools/bench:policy_bench)
echo "== build: $BAZEL build -c opt ${TARGETS[*]}"
"$BAZEL" build -c opt "${TARGETS[@]}"
BIN=$("$BAZEL" info -c opt bazel-bin 2>/dev/null)
CAIRND=$BIN/daemon/cairnd
CAIRNCTL=$BIN/tools/cairnctl/cairnctl
DATAGEN=$BIN/tools/datagen/cairn-datagen

WORK=$(mktemp -d "$SCRATCH_PARENT/cairn-partner-bench.XXXXXX")
declare -A PID      # owner name -> pid of its server
declare -A ENDPOINT  # owner name -> HOST:PORT
PERF_PID=""
stop() {  # stop NAME: SIGTERM the owner's server and wait for it
  local pid=${PID[$1]:-}
  if [[ -n $pid ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset "PID[$1]"
  fi
}
stop_perf() {
  if [[ -n $PERF_PID ]]; then
    kill -INT "$PERF_PID" 2>/dev/null || true
    wait "$PERF_PID" 2>/dev/null || true
    PERF_PID=""
  fi
}
cleanup() {
  if [[ -n $CHILD ]]; then
    kill -TERM "$CHILD" 2>/dev/null || true
    wait "$CHILD" 2>/dev/null || true
  fi
  stop_perf
  local name
  for name in "${!PID[@]}"; do stop "$name"; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# value KEY FILE [SELECTOR]: KEY=... from the RESULT line of FILE that contains SELECTOR.
value() {
  grep "^RESULT ${3:-}" "$2" | head -1 | tr ' ' '\n' | sed -n "s/^$1=//p"
}

machine_line

# ---- Data: issue 2's plant (tools/bench/common.sh). ----
CSV=$WORK/plant.csv
plant_csv "$RECORDS" "$CSV"

# ---- The owner and the requester. ----
OWNER=$WORK/allow
ME=$WORK/requester
"$CAIRNCTL" init --data-dir "$OWNER" --name "Bench Owner" --listen 127.0.0.1:0 >/dev/null
"$CAIRNCTL" init --data-dir "$ME" --name "Bench Requester" >/dev/null
set_config() {  # set_config DIR KEY VALUE: uncomment and set one setting of cairnd.toml
  sed -i -E "s|^#? ?$2 = .*|$2 = $3|" "$1/cairnd.toml"
  grep -q "^$2 = $3\$" "$1/cairnd.toml" || { echo "partner_bench.sh: no setting $2" >&2; exit 1; }
}
set_config "$OWNER" max_connections_per_partner 64
set_config "$OWNER" max_calls_in_flight 32

start_cairnd() {  # start_cairnd NAME: cairnd on $WORK/NAME; sets PID and ENDPOINT
  local dir=$WORK/$1
  : >"$dir/cairnd.log"
  "$CAIRND" --data-dir "$dir" >>"$dir/cairnd.log" 2>&1 &
  PID[$1]=$!
  for _ in $(seq 1 100); do
    "$CAIRNCTL" --data-dir "$dir" status >/dev/null 2>&1 && break
    kill -0 "${PID[$1]}" 2>/dev/null || { cat "$dir/cairnd.log" >&2; exit 1; }
    sleep 0.1
  done
  "$CAIRNCTL" --data-dir "$dir" status >/dev/null
  ENDPOINT[$1]=$(grep -o 'partners on [0-9.]*:[0-9]*' "$dir/cairnd.log" | head -1 | cut -d' ' -f3)
  [[ -n ${ENDPOINT[$1]} ]] || { echo "partner_bench.sh: $1 has no partner listener" >&2; exit 1; }
}
cpu_of() {  # cpu_of PID: user + system CPU seconds of a process, from /proc
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) / hz }' "/proc/$1/stat"
}
wait_idle() {  # wait_idle PID: until the process uses < 3% of a CPU (up to 60 s)
  local c0
  for _ in $(seq 1 120); do
    c0=$(cpu_of "$1")
    sleep 0.5
    [[ $(calc "$(cpu_of "$1") - $c0 < 0.015") == 1 ]] && break
  done
}

echo "== owner: cairnd, cairnctl import ($N records), cairnctl partner add bench"
start_cairnd allow
run "$CAIRNCTL" --data-dir "$OWNER" import --no-progress "$CSV"
FP=$("$CAIRNCTL" --data-dir "$ME" identity --format json | jq -r .fingerprint)
"$CAIRNCTL" --data-dir "$OWNER" partner add bench --cert "$ME/identity.crt" --fingerprint "$FP" \
  --allow-metric energy
wait_idle "${PID[allow]}"
stop allow
rm -f "$CSV"

# ---- The copies. ----
for name in policy allow-nosync policy-nosync clear; do cp -a "$OWNER" "$WORK/$name"; done
set_config "$WORK/allow-nosync" sync false
set_config "$WORK/policy-nosync" sync false

# The policy: the grant that admits the benchmark's query (exact figures, as a contract with a
# customer grants them), 9 more grants for the same partner that do not match it, and 990
# grants for 400 other partners.
POLICY=$WORK/policy.toml
awk 'BEGIN {
  print "version = 1\n"
  print "[[grant]]\nname = \"bench-exact\"\npartner = \"bench\""
  print "purpose = \"attested monthly energy per product (benchmark)\"\nrelease = \"exact\""
  print "metrics = [\"energy\"]\naggregates = [\"sum\"]\ngroup_tags = [\"product\"]"
  print "finest = \"month\"\nmin_records = 1\nmin_series = 1\n"
  for (i = 1; i < 1000; i++) {
    printf "[[grant]]\nname = \"grant-%d\"\npartner = \"%s\"\n", i,
      (i % 100 == 0) ? "bench" : sprintf("partner-%d", i % 400)
    print "purpose = \"filler\"\nrelease = \"exact\""
    print "metrics = [\"co2e_scope1\", \"units_produced\"]\naggregates = [\"sum\", \"mean\"]"
    print "filter_tags = [\"site\"]\ngroup_tags = [\"product\"]\nfinest = \"quarter\"\n"
  }
}' >"$POLICY"

echo "== owners: cairnd on allow, policy, allow-nosync, policy-nosync; clear_query_server on clear"
for name in allow policy allow-nosync policy-nosync; do start_cairnd "$name"; done
for name in policy policy-nosync; do
  "$CAIRNCTL" --data-dir "$WORK/$name" policy apply "$POLICY" >"$WORK/$name/applied.txt" 2>&1
  echo "   $name: $(grep -m1 '^applied' "$WORK/$name/applied.txt")" \
    "($(grep -c 'is not registered' "$WORK/$name/applied.txt") warnings: unregistered partners)"
done
"$BIN/bench/clear_query_server" --data-dir "$WORK/clear" >"$WORK/clear/server.out" 2>&1 &
PID[clear]=$!
for _ in $(seq 1 100); do
  grep -q '^listening on ' "$WORK/clear/server.out" && break
  kill -0 "${PID[clear]}" 2>/dev/null || { cat "$WORK/clear/server.out" >&2; exit 1; }
  sleep 0.1
done
ENDPOINT[clear]=$(sed -n 's/^listening on //p' "$WORK/clear/server.out")
for name in allow policy allow-nosync policy-nosync; do wait_idle "${PID[$name]}"; done

# ---- 1. The round trip, throughput and connections, every owner in the same run. ----
SPECS=()
for name in allow policy allow-nosync policy-nosync; do
  SPECS+=(--target "$name=secured,${ENDPOINT[$name]},${PID[$name]},$WORK/$name/identity.crt")
done
SPECS+=(--target "clear=clear,${ENDPOINT[clear]},${PID[clear]}")
LOAD_BEFORE=$(load)
BENCH_FLAGS=(--rounds "$ROUNDS" --latency-queries "$LATENCY_QUERIES"
  --latency-block "$LATENCY_BLOCK" --throughput-seconds "$THROUGHPUT_SECONDS"
  --in-flight "$IN_FLIGHT" --connections "$CONNECTIONS"
  --dials "$DIALS")
echo "== partner_bench ${BENCH_FLAGS[*]} (load average $LOAD_BEFORE)"
B=$WORK/partner_bench.txt
if [[ -n $PERF_DIR ]]; then
  mkdir -p "$PERF_DIR"
  perf record -F 999 -g -o "$PERF_DIR/allow.perf.data" -p "${PID[allow]}" \
    >"$PERF_DIR/allow.perf.log" 2>&1 &
  PERF_PID=$!
fi
run_to "$B" "$BIN/bench/partner_bench" --me "$ME" "${SPECS[@]}" "${BENCH_FLAGS[@]}"
LOAD_AFTER=$(load)
if [[ -n $PERF_DIR ]]; then
  stop_perf
  # Threads by id: the main thread (the event loop, TLS and RPC) has the process's id; the
  # daemon starts RocksDB's threads (named), then the writer, then the readers.
  for task in /proc/"${PID[allow]}"/task/*; do
    echo "$(basename "$task") $(cat "$task/comm")"
  done >"$PERF_DIR/allow.threads.txt"
  for sort in dso pid dso,sym; do
    perf report -i "$PERF_DIR/allow.perf.data" --stdio --no-children --sort "$sort" \
      --percent-limit 0.3 -g none >"$PERF_DIR/allow.report.${sort/,/-}.txt" 2>/dev/null || true
  done
  echo "   perf profile of the 'allow' owner: $PERF_DIR/allow.report.*.txt, allow.threads.txt"
fi
for name in allow policy; do  # every request was audited: the chain holds one entry per call
  "$CAIRNCTL" --data-dir "$WORK/$name" audit verify >"$WORK/$name/verify.txt"
  echo "   audit verify on $name: $(tr '\n' ' ' <"$WORK/$name/verify.txt")"
done
for name in allow policy allow-nosync policy-nosync clear; do stop "$name"; done

# ---- 2. The steps, in one process, on the owners' stores. ----
for name in allow policy; do
  echo "== partner_phases --owner $name --iterations $PHASE_ITERATIONS"
  probe=()
  [[ $name == allow ]] && probe=(--fsync-probe "$WORK/fsync-probe")
  run_to "$WORK/phases_$name.txt" "$BIN/bench/partner_phases" --owner "$WORK/$name" \
    --me "$ME" --iterations "$PHASE_ITERATIONS" "${probe[@]}"
done

# ---- 3. The policy decision with 1,000 grants. ----
echo "== policy_bench $DECISIONS"
run_to "$WORK/policy_bench.txt" "$BIN/tools/bench/policy_bench" "$DECISIONS"

# ---- Summary. ----
t() { value "$2" "$B" "target=$1 "; }         # t OWNER KEY: from partner_bench
ph() { value "$2" "$WORK/phases_$1.txt" "$3"; }  # ph COPY KEY SELECTOR: from partner_phases
pb() { value "$1" "$WORK/policy_bench.txt" "case=$2 "; }  # pb KEY CASE: from policy_bench
verdict() { if [[ $(calc "$1") == 1 ]]; then echo "met"; else echo "MISSED"; fi; }
row() { printf '%-50s %-50s %-12s %s\n' "$@"; }
f() { printf "$@"; }  # shorthand for the figure column
r() { printf '%.2f' "$(calc "$1 / $2")"; }  # r A B: the ratio A / B
both() { calc "$(t "$1" "$2_client_cpu_ms") + $(t "$1" "$2_owner_cpu_ms")"; }  # both OWNER lat|tput
cpu_row() {  # cpu_row OWNER lat|tput: the CPU and scheduling detail of one kind of block
  row "  CPU per answer: requester + owner" "$(f '%.3f + %.3f ms' "$(t "$1" "$2_client_cpu_ms")" \
    "$(t "$1" "$2_owner_cpu_ms")")" "" ""
  row "  owner: waited for a CPU; context switches" "$(f '%.3f ms; %.1f per answer' \
    "$(t "$1" "$2_owner_wait_ms")" "$(t "$1" "$2_owner_switches")")" "" ""
}
P50=$(t allow lat_p50_ms)
P99=$(t allow lat_p99_ms)
QPS=$(t allow tput_qps)
R_LAT=$(r "$P50" "$(t clear lat_p50_ms)")
R_TPUT=$(r "$(t clear tput_qps)" "$QPS")
echo
echo "== Summary of $COMMAND ($(date -u +%Y-%m-%dT%H:%MZ), commit $(commit))"
echo "   $N records; sum(energy) over 2025 by month and product (48 groups);" \
  "$(nproc) shared CPUs;" \
  "load average before / after partner_bench: $LOAD_BEFORE / $LOAD_AFTER"
row "Issue 3, owner 'allow' (TLS, signed, sealed, audited)" "figure" "target" "verdict"
row "round trip one at a time, p50 / p99" "$(f '%.3f / %.3f ms' "$P50" "$P99")" "< 1 / < 5 ms" \
  "$(verdict "$P50 < 1") / $(verdict "$P99 < 5")"
cpu_row allow lat
row "$IN_FLIGHT in flight over $CONNECTIONS connections" "$(f '%.0f answers/s (rounds %.0f..%.0f)' \
  "$QPS" "$(t allow tput_min_qps)" "$(t allow tput_max_qps)")" ">= 2000/s" \
  "$(verdict "$QPS >= 2000")"
row "  latency p50 / p99" \
  "$(f '%.3f / %.3f ms' "$(t allow tput_p50_ms)" "$(t allow tput_p99_ms)")" "" ""
cpu_row allow tput
row "  estimate: 2 CPUs / CPU per answer" "$(f '%.0f answers/s at most on this machine' \
  "$(calc "2000 / $(both allow tput)")")" "" ""
row "clear baseline: one at a time p50 / p99" \
  "$(f '%.3f / %.3f ms' "$(t clear lat_p50_ms)" "$(t clear lat_p99_ms)")" "" ""
cpu_row clear lat
row "  $IN_FLIGHT in flight" "$(f '%.0f answers/s' "$(t clear tput_qps)")" "" ""
cpu_row clear tput
row "secured / clear: round trip p50" "$R_LAT" "<= 2" "$(verdict "$R_LAT <= 2")"
row "secured / clear: time per answer, $IN_FLIGHT in flight" "$R_TPUT" "<= 2" \
  "$(verdict "$R_TPUT <= 2")"
row "secured / clear: CPU per answer, one / loaded" \
  "$(f '%s / %s' "$(r "$(both allow lat)" "$(both clear lat)")" \
    "$(r "$(both allow tput)" "$(both clear tput)")")" "" ""
if ((DIALS > 0)); then
  row "new mutually authenticated connections" "$(f '%.0f/s one at a time, %.0f/s 8 at once' \
    "$(t allow dial_one_per_s)" "$(t allow dial_par_per_s)")" "report" ""
  row "  CPU per connection: requester + owner" "$(f '%.3f + %.3f ms' \
    "$(t allow dial_client_cpu_ms)" "$(t allow dial_owner_cpu_ms)")" "" ""
  row "  clear TCP and RPC bootstrap, for scale" "$(f '%.0f/s one at a time, %.0f/s 8 at once' \
    "$(t clear dial_one_per_s)" "$(t clear dial_par_per_s)")" "" ""
fi
row "diagnostic, sync = false: p50 / p99" "$(f '%.3f / %.3f ms' "$(t allow-nosync lat_p50_ms)" \
  "$(t allow-nosync lat_p99_ms)")" "" ""
row "  $IN_FLIGHT in flight; CPU per answer" "$(f '%.0f answers/s; %.3f + %.3f ms' \
  "$(t allow-nosync tput_qps)" "$(t allow-nosync tput_client_cpu_ms)" \
  "$(t allow-nosync tput_owner_cpu_ms)")" "" ""
row "synced RocksDB write: 1 entry / 32 in one batch" "$(f '%.3f / %.3f ms' \
  "$(ph allow one_ms fsync)" "$(ph allow batch32_ms fsync)")" "" ""
pr() { ph allow cpu_us "primitive=$1 "; }  # pr NAME: CPU per call of a crypto primitive
row "crypto per call: key point check; sign; verify" "$(f '%.1f; %.1f; %.1f us' \
  "$(pr point_check)" "$(pr sign)" "$(pr verify)")" "" ""
row "  Ed25519 -> X25519 key; seal; open the answer" "$(f '%.1f; %.1f; %.1f us' \
  "$(pr ed_to_x25519)" "$(pr seal)" "$(pr open)")" "" ""
echo
row "Issue 4" "figure" "target" "verdict"
row "Decide(), 1,000 grants: median (p99; CPU)" "$(f '%.2f us (%.2f; %.2f) random partners' \
  "$(pb median_us random)" "$(pb p99_us random)" "$(pb cpu_us random)")" "< 20 us" \
  "$(verdict "$(pb median_us random) < 20")"
row "" "$(f '%.2f us (%.2f; %.2f) partner with 100 grants' "$(pb median_us busy)" \
  "$(pb p99_us busy)" "$(pb cpu_us busy)")" "< 20 us" "$(verdict "$(pb median_us busy) < 20")"
for pair in "allow policy" "allow-nosync policy-nosync"; do
  read -r a p <<<"$pair"
  row "$p / $a, same run:" "" "" ""
  row "  round trip p50" "$(f '%s (%.3f / %.3f ms)' \
    "$(r "$(t "$p" lat_p50_ms)" "$(t "$a" lat_p50_ms)")" "$(t "$p" lat_p50_ms)" \
    "$(t "$a" lat_p50_ms)")" "report" ""
  row "  time per answer, $IN_FLIGHT in flight" "$(f '%s (%.0f / %.0f answers/s)' \
    "$(r "$(t "$a" tput_qps)" "$(t "$p" tput_qps)")" "$(t "$a" tput_qps)" "$(t "$p" tput_qps)")" \
    "report" ""
  row "  owner CPU per answer, one / loaded" "$(f '%s / %s' \
    "$(r "$(t "$p" lat_owner_cpu_ms)" "$(t "$a" lat_owner_cpu_ms)")" \
    "$(r "$(t "$p" tput_owner_cpu_ms)" "$(t "$a" tput_owner_cpu_ms)")")" "report" ""
done
for copy in allow policy; do
  row "owner's steps in one process, $copy copy:" "" "" ""
  row "  issue 4 / before issue 4, wall mean" "$(f '%s (%.3f / %.3f ms)' \
    "$(r "$(ph $copy owner_now_wall_mean_ms sums)" "$(ph $copy owner_pre4_wall_mean_ms sums)")" \
    "$(ph $copy owner_now_wall_mean_ms sums)" "$(ph $copy owner_pre4_wall_mean_ms sums)")" \
    "report" ""
  row "  issue 4 / before issue 4, CPU" "$(f '%s (%.3f / %.3f ms)' \
    "$(r "$(ph $copy owner_now_cpu_ms sums)" "$(ph $copy owner_pre4_cpu_ms sums)")" \
    "$(ph $copy owner_now_cpu_ms sums)" "$(ph $copy owner_pre4_cpu_ms sums)")" "report" ""
done
