// The policy file: a TOML document that PolicyBuilder turns into a Policy.
//
//   version = 1
//
//   [groups]
//   consortium = ["acme-steel", "beta-metal", "gamma-cast"]
//
//   [[grant]]
//   name = "cbam-customer"
//   partner = "carmaker"               # or: group = "consortium"
//   purpose = "CBAM reporting for product P-100"
//   release = "exact"                  # "exact" (attested figures) or "protected" (DP only)
//   metrics = ["co2e_scope1", "units_produced"]
//   aggregates = ["sum"]               # sum, count, mean, min, max
//   ratios = ["co2e_scope1/units_produced"]
//   filter_tags = ["product"]
//   group_tags = ["product"]
//   scope = { product = ["P-100"] }    # the query must filter product to these values
//   finest = "quarter"                 # hour, day, week, month, quarter, year
//   min_records = 1                    # default 1
//   min_series = 1                     # default 1
//   rate_limit = { queries = 100, per = "hour" }   # per minute, hour or day
//   valid_from = 2026-01-01T00:00:00Z  # RFC 3339 (TOML date-time or string); inclusive
//   valid_until = 2027-01-01T00:00:00Z # exclusive
//   federation = { consortium = "steel-bench", min_cohort = 5 }
//                                      # only for federated rounds of that consortium, with at
//                                      # least 5 members in the cohort and per released group
//
//   [grant.privacy]                    # required iff release = "protected"
//   epsilon = 0.5                      # spent by every query
//   budget = 5.0                       # per partner and period
//   period = "month"                   # day, week, month, quarter, year (UTC)
//   clamp = { energy = { lo = 0.0, hi = 10000.0, resolution = 1.0 } }
//
//   [[deny]]
//   name = "no-batch-figures"
//   reason = "batch-level figures are never shared"
//   tags = ["batch"]                   # also: partner, group, metrics, aggregates,
//                                      #       data_from, data_to
//
// Every key not listed here is an error (a typo must not silently widen or narrow a grant).
// Parsing is pure; thread-safe.
#ifndef CAIRN_POLICY_POLICY_FILE_H_
#define CAIRN_POLICY_POLICY_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "model/metric_registry.h"
#include "policy/policy.h"

namespace cairn {

// Bounds the memory a policy file can make the parser allocate.
inline constexpr size_t kMaxPolicyFileBytes = 4 << 20;

// The policy in `text`; `file_name` names it in messages. InvalidArgument listing every error
// found (syntax, types, unknown keys, and everything PolicyBuilder::Build() checks), each as
// "policy.toml:12:3: grant 'benchmark' field 'privacy.epsilon': must be > 0 ...".
// With `registry`, every metric named must be registered.
absl::StatusOr<Policy> ParsePolicyFile(absl::string_view file_name, absl::string_view text,
                                       const MetricRegistry* registry);

// Reads and parses the file at `path`. NotFound / PermissionDenied if it cannot be read,
// InvalidArgument if it is larger than kMaxPolicyFileBytes, else as ParsePolicyFile.
absl::StatusOr<Policy> LoadPolicyFile(const std::string& path, const MetricRegistry* registry);

}  // namespace cairn

#endif  // CAIRN_POLICY_POLICY_FILE_H_
