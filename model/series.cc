#include "model/series.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "model/metric_registry.h"

namespace cairn {

bool IsReservedTagName(absl::string_view name) {
  for (absl::string_view r : {"timestamp", "time", "metric", "value", "unit", "records", "hour",
                              "day", "week", "month", "quarter", "year"}) {
    if (name == r) return true;
  }
  return false;
}

absl::string_view SeriesKey::Tag(absl::string_view name) const {
  for (const auto& [k, v] : tags) {
    if (k == name) return v;
  }
  return "";
}

std::string SeriesKey::Encode() const {
  std::string out = metric;
  for (const auto& [k, v] : tags) {
    out.push_back('\0');
    out += k;
    out.push_back('\0');
    out += v;
  }
  return out;
}

bool SeriesKey::Decode(absl::string_view encoded, SeriesKey* out) {
  out->tags.clear();
  size_t pos = encoded.find('\0');
  out->metric = std::string(encoded.substr(0, pos));
  while (pos != absl::string_view::npos) {
    size_t name_start = pos + 1;
    size_t value_start = encoded.find('\0', name_start);
    if (value_start == absl::string_view::npos) return false;
    ++value_start;
    pos = encoded.find('\0', value_start);
    absl::string_view value = encoded.substr(
        value_start, pos == absl::string_view::npos ? absl::string_view::npos : pos - value_start);
    out->tags.emplace_back(std::string(encoded.substr(name_start, value_start - 1 - name_start)),
                           std::string(value));
  }
  return !out->metric.empty();
}

absl::Status NormalizeTags(Tags* tags) {
  tags->erase(
      std::remove_if(tags->begin(), tags->end(), [](const auto& kv) { return kv.second.empty(); }),
      tags->end());
  std::sort(tags->begin(), tags->end());
  for (size_t i = 0; i < tags->size(); ++i) {
    const auto& [name, value] = (*tags)[i];
    if (!IsValidIdentifier(name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tag name '", name, "' is not valid: use lower-case letters, digits and '_'"));
    }
    if (IsReservedTagName(name)) {
      return absl::InvalidArgumentError(absl::StrCat("tag name '", name, "' is reserved"));
    }
    if (i > 0 && (*tags)[i - 1].first == name) {
      return absl::InvalidArgumentError(absl::StrCat("tag '", name, "' appears twice"));
    }
    if (value.size() > kMaxTagValueBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("value of tag '", name, "' is longer than ", kMaxTagValueBytes, " bytes"));
    }
    if (value.find('\0') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("value of tag '", name, "' contains NUL"));
    }
  }
  return absl::OkStatus();
}

}  // namespace cairn
