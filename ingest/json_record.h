// JsonRecordParser: splits one JSON Lines record into the fields import needs.
//
// A record is a JSON object (RFC 8259) whose members are scalars, plus at most one member
// "tags" whose value is an object of scalars. Members other than timestamp, metric, value, unit
// and tags are tags. Arrays, deeper nesting and a repeated timestamp/metric/value/unit/tags
// member are rejected. Views point into the line or into the parser's own buffer (strings with
// escapes) and stay valid until the next Parse. Expects the caller to have checked the line is
// UTF-8. Not thread-safe: one parser per reader.
#ifndef CAIRN_INGEST_JSON_RECORD_H_
#define CAIRN_INGEST_JSON_RECORD_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace cairn {

struct JsonScalar {
  enum class Kind { kAbsent, kString, kNumber, kBool, kNull };
  Kind kind = Kind::kAbsent;
  absl::string_view text;  // string contents (unescaped), number literal, "true" or "false"
};

struct JsonRecord {
  JsonScalar timestamp;
  JsonScalar metric;
  JsonScalar value;
  JsonScalar unit;
  std::vector<std::pair<absl::string_view, JsonScalar>> tags;  // top-level and nested, in order
};

class JsonRecordParser {
 public:
  // Parses `line`. On malformed JSON or a member of the wrong shape returns false with
  // *field naming the member ("" if none) and *message saying what and where.
  bool Parse(absl::string_view line, JsonRecord* out, std::string* field, std::string* message);

 private:
  bool ParseObject(bool top_level, JsonRecord* out);
  bool ParseMember(bool top_level, JsonRecord* out);
  bool ParseString(absl::string_view* out);
  bool ParseScalar(absl::string_view name, JsonScalar* out);
  bool ParseNumber(absl::string_view* out);
  bool AppendEscape();
  void SkipSpace();
  // Malformed JSON: *message says where in the line. Returns false.
  bool Fail(absl::string_view field, absl::string_view what);
  // Well-formed JSON of the wrong shape. Returns false.
  bool Reject(absl::string_view field, absl::string_view what);

  absl::string_view line_;
  size_t pos_ = 0;
  std::string buffer_;  // unescaped strings; reserved to the line's size, so never moves
  bool has_tags_ = false;
  std::string* field_ = nullptr;
  std::string* message_ = nullptr;
};

}  // namespace cairn

#endif  // CAIRN_INGEST_JSON_RECORD_H_
