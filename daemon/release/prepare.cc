#include "daemon/release/prepare.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "daemon/failpoint.h"
#include "policy/private_release.h"
#include "policy/release.h"
#include "query/engine.h"
#include "query/footprint.h"

namespace cairn {

std::string DescribeNoise(const Grant& grant, const Query& query) {
  if (!grant.privacy) return "";
  absl::StatusOr<PrivatePlan> plan = PlanPrivateRelease(grant, query);
  std::string out = absl::StrCat("discrete Laplace noise, epsilon ",
                                 FormatEpsilon(grant.privacy->epsilon_micros));
  if (plan.ok() && plan->parts.size() > 1) {
    absl::StrAppend(&out, " split over ", plan->parts.size(), " parts");
  }
  std::vector<std::string> clamps;
  for (const auto& [metric, clamp] : grant.privacy->clamps) {
    if (metric == query.metric || metric == query.ratio_denominator) {
      clamps.push_back(absl::StrFormat("%s clamped to [%g, %g] in steps of %g", metric, clamp.lo,
                                       clamp.hi, clamp.resolution));
    }
  }
  if (!clamps.empty()) absl::StrAppend(&out, "; ", absl::StrJoin(clamps, ", "));
  return out;
}

absl::StatusOr<PreparedRelease> PrepareRelease(const RecordStore& store, const Verdict& verdict,
                                               const Query& query, RandomSource& rng) {
  PreparedRelease release;
  if (verdict.cached) {
    release.result = *verdict.cached;
    release.cached = true;
    release.noise = DescribeNoise(*verdict.grant, query);
    return release;
  }
  if (verdict.grant && verdict.grant->privacy) {
    CAIRN_ASSIGN_OR_RETURN(PrivatePlan plan, PlanPrivateRelease(*verdict.grant, query));
    std::vector<QueryResult> parts;
    for (const NoisyPart& part : plan.parts) {
      ExecuteOptions options;
      if (part.kind == NoisyPart::Kind::kSum) {
        options.clamp = ClampRange{part.clamp.lo, part.clamp.hi};
      }
      CAIRN_ASSIGN_OR_RETURN(QueryResult r, ExecuteQuery(store, part.query, options));
      parts.push_back(std::move(r));
    }
    CAIRN_ASSIGN_OR_RETURN(ReleasedResult released,
                           ReleasePrivate(*verdict.grant, plan, query, parts, rng));
    release.result = std::move(released.result);
    release.epsilon_micros = plan.epsilon_micros;
    release.noise = DescribeNoise(*verdict.grant, query);
    CrashAt("after-execute");
    return release;
  }
  CAIRN_ASSIGN_OR_RETURN(QueryResult exact, ExecuteQuery(store, query));
  if (verdict.grant) {
    ReleasedResult released = SuppressSmallGroups(std::move(exact), verdict.grant->min_records,
                                                  verdict.grant->min_series);
    release.result = std::move(released.result);
    release.suppressed_groups = released.suppressed_groups.value_or(0);
    if (verdict.grant->NeedsDifferencingGuard()) {
      CAIRN_ASSIGN_OR_RETURN(release.footprints, FootprintsOf(store, query, release.result));
    }
  } else {
    release.result = std::move(exact);
    release.result.stats = QueryStats();  // the owner's storage is none of the partner's business
  }
  CrashAt("after-execute");
  return release;
}

}  // namespace cairn
