#!/usr/bin/env bash
# Builds the RecordReader fuzz targets with clang-14 + libFuzzer + ASan (bazel --config=fuzz,
# in a separate output base so the regular GCC cache is untouched) and runs each for SECONDS
# (default 60) on a scratch copy of its seed corpus. Crashes are written to the scratch
# directory, whose path is printed; the script exits non-zero if any target fails.
#
#   tests/fuzz/run.sh            # both targets, 60 s each
#   tests/fuzz/run.sh 300 csv_fuzzer
set -euo pipefail

seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=(csv_fuzzer jsonl_fuzzer); fi

root="$(cd "$(dirname "$0")/../.." && pwd)"
output_base="${CAIRN_FUZZ_OUTPUT_BASE:-${HOME}/.cache/cairn-fuzz-bazel}"
bazel_fuzz() { bazel --output_base="${output_base}" "$@"; }
trap 'bazel_fuzz shutdown >/dev/null 2>&1 || true' EXIT

cd "${root}"
labels=()
for t in "${targets[@]}"; do labels+=("//tests/fuzz:${t}"); done
# --symlink_prefix=/ : no bazel-* convenience links, which would point away from the GCC build.
build_log="$(mktemp "${TMPDIR:-/tmp}/cairn-fuzz-build.XXXXXX")"
if ! bazel_fuzz build --config=fuzz --symlink_prefix=/ "${labels[@]}" >"${build_log}" 2>&1; then
  cat "${build_log}"
  exit 1
fi
rm -f "${build_log}"
bin="$(bazel_fuzz info --config=fuzz bazel-bin 2>/dev/null)/tests/fuzz"

work="$(mktemp -d "${TMPDIR:-/tmp}/cairn-fuzz.XXXXXX")"
echo "fuzz scratch directory: ${work}"
status=0
for t in "${targets[@]}"; do
  kind="${t%_fuzzer}"
  mkdir -p "${work}/${t}/corpus"
  cp tests/fuzz/corpus/"${kind}"/* "${work}/${t}/corpus/"
  echo "=== ${t}: ${seconds} s"
  if ! "${bin}/${t}" -max_total_time="${seconds}" -timeout=10 -rss_limit_mb=2048 \
      -dict="tests/fuzz/${kind}.dict" -artifact_prefix="${work}/${t}/" \
      -print_final_stats=1 "${work}/${t}/corpus" >"${work}/${t}/log" 2>&1; then
    status=1
    echo "${t}: FAILED, see ${work}/${t}/log"
  fi
  grep -E "^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::peak_rss_mb)|ERROR|SUMMARY" \
    "${work}/${t}/log" || true
  echo "corpus grew to $(ls "${work}/${t}/corpus" | wc -l) inputs"
done
exit "${status}"
