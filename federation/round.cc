// Proposals, components and key spaces; see round.h.
#include "federation/round.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "crypto/pairwise_mask.h"
#include "model/series.h"

namespace cairn {
namespace {

bool IsFederatedAggregate(Aggregate a) {
  return a == Aggregate::kSum || a == Aggregate::kCount || a == Aggregate::kMean ||
         a == Aggregate::kRatio;
}

// The query checks ValidateQuery makes, without a registry (metric names by form only).
absl::Status ValidateQueryForm(const Query& q) {
  if (!IsValidIdentifier(q.metric)) {
    return absl::InvalidArgumentError(absl::StrCat("'", q.metric, "' is not a metric name"));
  }
  if ((q.aggregate == Aggregate::kRatio) != !q.ratio_denominator.empty()) {
    return absl::InvalidArgumentError("a ratio needs a denominator metric, and only a ratio");
  }
  if (q.aggregate == Aggregate::kRatio && !IsValidIdentifier(q.ratio_denominator)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", q.ratio_denominator, "' is not a metric name"));
  }
  if (!(q.from < q.to) || q.from < kMinTimestamp || q.to > kMaxTimestamp) {
    return absl::InvalidArgumentError("the time range is empty or outside the years 1900..9999");
  }
  std::set<std::string> grouped;
  for (const std::string& tag : q.group_tags) {
    if (!IsValidIdentifier(tag) || IsReservedTagName(tag) || !grouped.insert(tag).second) {
      return absl::InvalidArgumentError(absl::StrCat("cannot group by '", tag, "'"));
    }
  }
  for (const TagFilter& f : q.filters) {
    if (!IsValidIdentifier(f.tag) || IsReservedTagName(f.tag) || f.values.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("bad filter on '", f.tag, "'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<Component> ComponentsOf(const Query& q) {
  using K = Component::Kind;
  switch (q.aggregate) {
    case Aggregate::kSum:
      return {{q.metric, K::kSum}};
    case Aggregate::kCount:
      return {{q.metric, K::kCount}};
    case Aggregate::kMean:
      return {{q.metric, K::kSum}, {q.metric, K::kCount}};
    case Aggregate::kRatio:
      return {{q.metric, K::kSum}, {q.ratio_denominator, K::kSum}};
    case Aggregate::kMin:
    case Aggregate::kMax:
      break;
  }
  return {};
}

std::vector<std::string> MetricsOf(const Query& q) {
  if (q.aggregate == Aggregate::kRatio) return {q.metric, q.ratio_denominator};
  return {q.metric};
}

absl::Status ValidateProposal(const Proposal& p, const MetricRegistry* registry) {
  if (p.query_id.size() < kMinQueryIdBytes || p.query_id.size() > kMaxRoundQueryIdBytes) {
    return absl::InvalidArgumentError(absl::StrCat("the query id must have ", kMinQueryIdBytes,
                                                   "..", kMaxRoundQueryIdBytes, " bytes, not ",
                                                   p.query_id.size()));
  }
  if (!IsFederatedAggregate(p.query.aggregate)) {
    return absl::InvalidArgumentError(
        absl::StrCat("a federated round answers sum, count, mean or ratio, not ",
                     AggregateName(p.query.aggregate)));
  }
  if (registry != nullptr) {
    CAIRN_RETURN_IF_ERROR(ValidateQuery(p.query, *registry));
  } else {
    CAIRN_RETURN_IF_ERROR(ValidateQueryForm(p.query));
  }
  if (p.query.group_tags.size() > kMaxRoundGroupTags) {
    return absl::InvalidArgumentError(
        absl::StrCat("at most ", kMaxRoundGroupTags, " grouping tags in a federated round"));
  }
  if (p.cohort.size() < 2 || p.cohort.size() > kMaxCohortMembers) {
    return absl::InvalidArgumentError(
        absl::StrCat("a cohort has 2..", kMaxCohortMembers, " members, not ", p.cohort.size()));
  }
  std::vector<Fingerprint> seen;
  for (const PublicKey& k : p.cohort) seen.push_back(k.fingerprint());
  std::sort(seen.begin(), seen.end());
  if (std::adjacent_find(seen.begin(), seen.end()) != seen.end()) {
    return absl::InvalidArgumentError("the cohort lists a member twice");
  }
  if (p.min_contributors < 2 || p.min_contributors > p.cohort.size()) {
    return absl::InvalidArgumentError(absl::StrCat("min_contributors must be 2..", p.cohort.size(),
                                                   " (the cohort size), not ", p.min_contributors));
  }
  CAIRN_ASSIGN_OR_RETURN(const KeySpace keys, KeySpace::Make(p.query, p.group_values));
  if (keys.size() * p.cohort.size() > kMaxRoundCells) {
    return absl::InvalidArgumentError(absl::StrCat(keys.size(), " groups x ", p.cohort.size(),
                                                   " members is more than ", kMaxRoundCells,
                                                   " cells per round"));
  }
  return absl::OkStatus();
}

absl::StatusOr<KeySpace> KeySpace::Make(const Query& query,
                                        const std::vector<std::vector<std::string>>& values) {
  if (values.size() != query.group_tags.size()) {
    return absl::InvalidArgumentError(absl::StrCat("the key space lists values for ", values.size(),
                                                   " tags, the query groups by ",
                                                   query.group_tags.size()));
  }
  KeySpace ks;
  size_t size = 1;
  for (size_t t = 0; t < values.size(); ++t) {
    const std::string& tag = query.group_tags[t];
    if (values[t].empty() || values[t].size() > kMaxValuesPerGroupTag) {
      return absl::InvalidArgumentError(absl::StrCat("the key space needs 1..",
                                                     kMaxValuesPerGroupTag, " values of tag '", tag,
                                                     "', not ", values[t].size()));
    }
    absl::flat_hash_map<std::string, size_t> index;
    for (const std::string& v : values[t]) {
      if (v.size() > kMaxTagValueBytes || v.find('\0') != v.npos) {
        return absl::InvalidArgumentError(absl::StrCat("a value of tag '", tag, "' is longer than ",
                                                       kMaxTagValueBytes,
                                                       " bytes or holds a NUL byte"));
      }
      if (!index.emplace(v, index.size()).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("the key space lists value '", v, "' of tag '", tag, "' twice"));
      }
    }
    size *= values[t].size();
    if (size > kMaxGroups) {
      return absl::InvalidArgumentError(
          absl::StrCat("the key space has more than ", kMaxGroups, " groups"));
    }
    ks.value_index_.push_back(std::move(index));
  }
  if (query.time_group) {
    for (Timestamp b = BucketFloor(query.from, *query.time_group); b < query.to;
         b = BucketNext(b, *query.time_group)) {
      if ((ks.buckets_.size() + 1) * size > kMaxGroups) {
        return absl::InvalidArgumentError(absl::StrCat("the key space has more than ", kMaxGroups,
                                                       " groups (time buckets x tag values)"));
      }
      ks.bucket_index_.emplace(b, ks.buckets_.size());
      ks.buckets_.push_back(b);
    }
  }
  ks.values_ = values;
  ks.strides_.assign(values.size(), 1);
  for (size_t t = values.size(); t-- > 1;) ks.strides_[t - 1] = ks.strides_[t] * values[t].size();
  ks.bucket_stride_ = size;
  ks.size_ = size * (query.time_group ? ks.buckets_.size() : 1);
  return ks;
}

GroupKey KeySpace::KeyAt(size_t index) const {
  GroupKey key;
  if (!buckets_.empty()) key.bucket = buckets_[index / bucket_stride_];
  size_t rest = index % bucket_stride_;
  for (size_t t = 0; t < values_.size(); ++t) {
    key.tags.push_back(values_[t][rest / strides_[t]]);
    rest %= strides_[t];
  }
  return key;
}

std::optional<size_t> KeySpace::IndexOf(const std::optional<Timestamp>& bucket,
                                        const std::vector<std::string>& tags) const {
  if (tags.size() != values_.size() || bucket.has_value() != !buckets_.empty()) {
    return std::nullopt;
  }
  size_t index = 0;
  if (bucket) {
    auto it = bucket_index_.find(*bucket);
    if (it == bucket_index_.end()) return std::nullopt;
    index = it->second * bucket_stride_;
  }
  for (size_t t = 0; t < tags.size(); ++t) {
    auto it = value_index_[t].find(tags[t]);
    if (it == value_index_[t].end()) return std::nullopt;
    index += it->second * strides_[t];
  }
  return index;
}

}  // namespace cairn
