// The cohort-differencing rule and its memory; see cohort_memory.h.
#include "federation/cohort_memory.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "protocol/federation.capnp.h"

namespace cairn {
namespace {

std::vector<Fingerprint> Sorted(absl::Span<const Fingerprint> cohort) {
  std::vector<Fingerprint> out(cohort.begin(), cohort.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// |a symmetric-difference b| for sorted, unique a and b.
size_t SymmetricDifference(const std::vector<Fingerprint>& a, const std::vector<Fingerprint>& b) {
  size_t i = 0, j = 0, common = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++common;
      ++i;
      ++j;
    }
  }
  return a.size() + b.size() - 2 * common;
}

bool Reads(absl::Span<const std::string> metrics, const std::string& metric) {
  return std::find(metrics.begin(), metrics.end(), metric) != metrics.end();
}

}  // namespace

absl::Status CohortMemory::Check(absl::Span<const std::string> metrics, Timestamp from,
                                 Timestamp to, absl::Span<const Fingerprint> cohort,
                                 uint64_t min_cohort) const {
  if (entries_.size() + metrics.size() > max_entries_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the memory of answered cohorts is full (", max_entries_,
                     " entries): no federated round is answered until the steward prunes it"));
  }
  const std::vector<Fingerprint> members = Sorted(cohort);
  for (const Entry& e : entries_) {
    if (!Reads(metrics, e.metric) || !(e.from < to && from < e.to)) continue;
    const size_t d = SymmetricDifference(members, e.members);
    if (d > 0 && d < min_cohort) {
      return absl::PermissionDeniedError(absl::StrCat(
          "the cohort differs in ", d, d == 1 ? " member" : " members",
          " from the cohort of an earlier round over ", e.metric, " in [", FormatTimestamp(e.from),
          ", ", FormatTimestamp(e.to), "); the minimum is ", min_cohort,
          ", so subtracting the two totals could single out fewer members"));
    }
  }
  return absl::OkStatus();
}

void CohortMemory::Record(absl::Span<const std::string> metrics, Timestamp from, Timestamp to,
                          absl::Span<const Fingerprint> cohort, Timestamp now) {
  std::vector<Fingerprint> members = Sorted(cohort);
  for (const std::string& metric : metrics) {
    bool known = std::any_of(entries_.begin(), entries_.end(), [&](const Entry& e) {
      return e.metric == metric && e.from == from && e.to == to && e.members == members;
    });
    if (!known) entries_.push_back(Entry{metric, from, to, members, now});
  }
}

std::string CohortMemory::Export() const {
  capnp::MallocMessageBuilder message;
  auto entries = message.initRoot<proto::CohortMemory>().initEntries(entries_.size());
  for (size_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    auto out = entries[i];
    out.setMetric(e.metric);
    out.setFrom(e.from);
    out.setTo(e.to);
    auto members = out.initMembers(e.members.size());
    for (size_t m = 0; m < e.members.size(); ++m) members.set(m, e.members[m].ToString());
    out.setRecordedAt(e.recorded_at);
  }
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  return std::string(reinterpret_cast<const char*>(words.asBytes().begin()),
                     words.asBytes().size());
}

absl::StatusOr<CohortMemory> CohortMemory::Import(absl::string_view bytes, size_t max_entries) {
  if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0) {
    return absl::InvalidArgumentError("cohort memory: not an exported memory (bad length)");
  }
  kj::Array<capnp::word> words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  capnp::ReaderOptions options;
  options.traversalLimitInWords = 4 * words.size() + 1024;
  CohortMemory memory(max_entries);
  try {
    capnp::FlatArrayMessageReader reader(words, options);
    auto entries = reader.getRoot<proto::CohortMemory>().getEntries();
    if (entries.size() > max_entries) {
      return absl::InvalidArgumentError(
          absl::StrCat("cohort memory: ", entries.size(), " entries, at most ", max_entries));
    }
    for (size_t i = 0; i < entries.size(); ++i) {
      auto in = entries[i];
      Entry e;
      e.metric = std::string(in.getMetric().cStr(), in.getMetric().size());
      e.from = in.getFrom();
      e.to = in.getTo();
      e.recorded_at = in.getRecordedAt();
      if (e.metric.empty() || !(e.from < e.to)) {
        return absl::InvalidArgumentError(
            absl::StrCat("cohort memory: entry ", i, ": no metric or an empty range"));
      }
      for (auto text : in.getMembers()) {
        absl::StatusOr<Fingerprint> f =
            Fingerprint::Parse(absl::string_view(text.cStr(), text.size()));
        if (!f.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat("cohort memory: entry ", i, " members: ", f.status().message()));
        }
        e.members.push_back(*f);
      }
      e.members = Sorted(e.members);
      memory.entries_.push_back(std::move(e));
    }
  } catch (const kj::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("cohort memory: malformed: ", e.getDescription().cStr()));
  }
  return memory;
}

}  // namespace cairn
