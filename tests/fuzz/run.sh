#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang-14 + libFuzzer + ASan (bazel
# --config=fuzz, in an output base of its own, so the regular GCC cache is untouched) and runs
# each for SECONDS (default 60) on a scratch copy of its seed corpus, with its dictionary if it
# has one. Any crash, broken promise, leak, out-of-memory or per-input timeout (10 s) fails the
# target; so does a target that runs far past its time. Prints a summary and exits non-zero if
# any target failed; the scratch directory keeps the logs and the inputs that failed.
#
#   tests/fuzz/run.sh                      # every target, 60 s each
#   tests/fuzz/run.sh 300 csv_fuzzer       # one target, 5 minutes
#
# Environment: CAIRN_FUZZ_OUTPUT_BASE (default ~/.cache/cairn-fuzz-bazel-<hash of this
# checkout>); CAIRN_FUZZ_BAZEL_FLAGS, more build flags (e.g. UBSan: "--copt=-fsanitize=undefined
# --linkopt=-fsanitize=undefined"); CAIRN_FUZZ_KEEP=1 keeps the scratch directory (with the
# grown corpora) even when every target passed.
set -euo pipefail

seconds="${1:-60}"
shift || true
if ! [[ "${seconds}" =~ ^[0-9]+$ ]] || [ "${seconds}" -lt 1 ]; then
  echo "usage: $0 [SECONDS] [TARGET_fuzzer ...]" >&2
  exit 2
fi

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "${root}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/*_fuzzer.cc; do targets+=("$(basename "${f}" .cc)"); done
fi
for t in "${targets[@]}"; do
  if [ ! -f "tests/fuzz/${t}.cc" ]; then
    echo "no fuzz target ${t} (tests/fuzz/${t}.cc)" >&2
    exit 2
  fi
done

# One output base per checkout: two worktrees sharing one would rebuild over each other.
checkout_hash="$(printf '%s' "${root}" | md5sum | cut -c1-12)"
output_base="${CAIRN_FUZZ_OUTPUT_BASE:-${HOME}/.cache/cairn-fuzz-bazel-${checkout_hash}}"
bazel_fuzz() { bazel --output_base="${output_base}" "$@"; }
trap 'bazel_fuzz shutdown >/dev/null 2>&1 || true' EXIT

start=${SECONDS}
labels=()
for t in "${targets[@]}"; do labels+=("//tests/fuzz:${t}"); done
build_log="$(mktemp "${TMPDIR:-/tmp}/cairn-fuzz-build.XXXXXX")"
echo "building ${#targets[@]} fuzz targets (clang-14, libFuzzer, ASan) ..."
# --symlink_prefix=/ : no bazel-* convenience links, which would point away from the GCC build.
read -r -a extra_flags <<<"${CAIRN_FUZZ_BAZEL_FLAGS:-}"
if ! bazel_fuzz build --config=fuzz --symlink_prefix=/ "${extra_flags[@]}" "${labels[@]}" \
    >"${build_log}" 2>&1; then
  cat "${build_log}"
  echo "fuzz build FAILED" >&2
  exit 1
fi
rm -f "${build_log}"
bin="$(bazel_fuzz info --config=fuzz "${extra_flags[@]}" bazel-bin 2>/dev/null)/tests/fuzz"
build_seconds=$((SECONDS - start))

work="$(mktemp -d "${TMPDIR:-/tmp}/cairn-fuzz.XXXXXX")"
echo "built in ${build_seconds} s; running each target for ${seconds} s; scratch: ${work}"

stat_of() { sed -n "s/^stat::$1:[[:space:]]*//p" "$2" | tail -1; }

summary=()
failed=0
for t in "${targets[@]}"; do
  name="${t%_fuzzer}"
  dir="${work}/${t}"
  mkdir -p "${dir}/corpus"
  cp tests/fuzz/corpus/"${name}"/* "${dir}/corpus/"
  seeds=$(find "${dir}/corpus" -type f | wc -l)
  flags=(-max_total_time="${seconds}" -timeout=10 -rss_limit_mb=2048 -detect_leaks=1
    -print_final_stats=1 -artifact_prefix="${dir}/")
  if [ -f "tests/fuzz/${name}.dict" ]; then flags+=(-dict="tests/fuzz/${name}.dict"); fi
  # The outer timeout catches a target that hangs outside libFuzzer's own per-input timer.
  verdict=ok
  if ! ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=0" \
      timeout --kill-after=10 $((seconds + 120)) \
      "${bin}/${t}" "${flags[@]}" "${dir}/corpus" >"${dir}/log" 2>&1; then
    if grep -q "ERROR: libFuzzer: timeout" "${dir}/log"; then
      verdict="TIMEOUT"
    elif grep -q "ERROR: LeakSanitizer" "${dir}/log"; then
      verdict="LEAK"
    elif grep -q "ERROR: libFuzzer: out-of-memory\|ERROR: libFuzzer: malloc" "${dir}/log"; then
      verdict="OUT-OF-MEMORY"
    elif grep -q "broken promise" "${dir}/log"; then
      verdict="BROKEN-PROMISE"
    elif ! grep -q "stat::number_of_executed_units" "${dir}/log"; then
      verdict="HUNG-OR-KILLED"
    else
      verdict="CRASH"
    fi
    failed=1
    echo "=== ${t}: ${verdict}; log: ${dir}/log"
    grep -E "broken promise|ERROR:|SUMMARY:|Test unit written" "${dir}/log" | head -8 || true
  fi
  corpus=$(find "${dir}/corpus" -type f | wc -l)
  summary+=("$(printf '%-24s %-15s %10s %8s %8s %9s' "${t}" "${verdict}" \
    "$(stat_of number_of_executed_units "${dir}/log")" \
    "$(stat_of average_exec_per_sec "${dir}/log")" \
    "$(stat_of peak_rss_mb "${dir}/log")" "${seeds}->${corpus}")")
  echo "${summary[-1]}"
done

echo
printf '%-24s %-15s %10s %8s %8s %9s\n' target verdict runs runs/s rss_mb corpus
printf '%s\n' "${summary[@]}"
echo "total $((SECONDS - start)) s (build ${build_seconds} s, ${seconds} s per target)"
if [ "${failed}" -ne 0 ]; then
  echo "FUZZING FAILED; logs and failing inputs are in ${work}" >&2
  exit 1
fi
if [ "${CAIRN_FUZZ_KEEP:-0}" = 1 ]; then
  echo "scratch directory kept: ${work}"
else
  rm -rf "${work}"
fi
