#include "ingest/json_record.h"

#include <cstdint>

#include "absl/strings/str_cat.h"

namespace cairn {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

bool JsonRecordParser::Parse(absl::string_view line, JsonRecord* out, std::string* field,
                             std::string* message) {
  line_ = line;
  pos_ = 0;
  buffer_.clear();
  buffer_.reserve(line.size());
  has_tags_ = false;
  field_ = field;
  message_ = message;
  out->timestamp = out->metric = out->value = out->unit = JsonScalar{};
  out->tags.clear();

  SkipSpace();
  if (pos_ >= line_.size() || line_[pos_] != '{') {
    return Fail("", "expected a JSON object starting with '{'");
  }
  if (!ParseObject(/*top_level=*/true, out)) return false;
  SkipSpace();
  if (pos_ != line_.size()) return Fail("", "unexpected text after the object");
  return true;
}

void JsonRecordParser::SkipSpace() {
  while (pos_ < line_.size() && (line_[pos_] == ' ' || line_[pos_] == '\t' || line_[pos_] == '\r' ||
                                 line_[pos_] == '\n')) {
    ++pos_;
  }
}

bool JsonRecordParser::Fail(absl::string_view field, absl::string_view what) {
  *field_ = std::string(field);
  *message_ = absl::StrCat("invalid JSON at byte ", pos_ + 1, " of the line: ", what);
  return false;
}

bool JsonRecordParser::Reject(absl::string_view field, absl::string_view what) {
  *field_ = std::string(field);
  *message_ = std::string(what);
  return false;
}

bool JsonRecordParser::ParseObject(bool top_level, JsonRecord* out) {
  ++pos_;  // '{'
  SkipSpace();
  if (pos_ < line_.size() && line_[pos_] == '}') {
    ++pos_;
    return true;
  }
  for (;;) {
    SkipSpace();
    if (!ParseMember(top_level, out)) return false;
    SkipSpace();
    if (pos_ >= line_.size()) return Fail("", "the object is not closed");
    const char c = line_[pos_++];
    if (c == '}') return true;
    if (c != ',') {
      --pos_;
      return Fail("", "expected ',' or '}' after a member");
    }
  }
}

bool JsonRecordParser::ParseMember(bool top_level, JsonRecord* out) {
  if (pos_ >= line_.size() || line_[pos_] != '"') {
    return Fail("", "expected a member name in double quotes");
  }
  absl::string_view name;
  if (!ParseString(&name)) return false;
  SkipSpace();
  if (pos_ >= line_.size() || line_[pos_] != ':') {
    return Fail(name, "expected ':' after the member name");
  }
  ++pos_;
  SkipSpace();
  if (top_level) {
    JsonScalar* fixed = name == "timestamp" ? &out->timestamp
                        : name == "metric"  ? &out->metric
                        : name == "value"   ? &out->value
                        : name == "unit"    ? &out->unit
                                            : nullptr;
    if (fixed != nullptr) {
      if (fixed->kind != JsonScalar::Kind::kAbsent) return Reject(name, "appears twice");
      return ParseScalar(name, fixed);
    }
    if (name == "tags") {
      if (has_tags_) return Reject(name, "appears twice");
      has_tags_ = true;
      if (pos_ < line_.size() && line_[pos_] == '{') return ParseObject(/*top_level=*/false, out);
      JsonScalar scalar;
      if (!ParseScalar(name, &scalar)) return false;
      if (scalar.kind != JsonScalar::Kind::kNull) {
        return Reject(name, "expected an object of tag names and values");
      }
      return true;
    }
  }
  out->tags.emplace_back(name, JsonScalar{});
  return ParseScalar(name, &out->tags.back().second);
}

bool JsonRecordParser::ParseScalar(absl::string_view name, JsonScalar* out) {
  if (pos_ >= line_.size()) return Fail(name, "expected a value");
  auto literal = [&](absl::string_view word, JsonScalar::Kind kind) {
    if (line_.substr(pos_, word.size()) != word) return Fail(name, "expected a JSON value");
    out->kind = kind;
    out->text = line_.substr(pos_, word.size());
    pos_ += word.size();
    return true;
  };
  const char c = line_[pos_];
  switch (c) {
    case '"':
      out->kind = JsonScalar::Kind::kString;
      return ParseString(&out->text);
    case '{':
      return Reject(name, "expected a string or a number, not an object");
    case '[':
      return Reject(name, "expected a string or a number, not an array");
    case 't':
      return literal("true", JsonScalar::Kind::kBool);
    case 'f':
      return literal("false", JsonScalar::Kind::kBool);
    case 'n':
      return literal("null", JsonScalar::Kind::kNull);
    default:
      if (c == '-' || IsDigit(c)) {
        out->kind = JsonScalar::Kind::kNumber;
        return ParseNumber(&out->text);
      }
      return Fail(name, "expected a JSON value");
  }
}

bool JsonRecordParser::ParseNumber(absl::string_view* out) {
  const size_t start = pos_;
  const size_t n = line_.size();
  auto digits = [&] {
    if (pos_ >= n || !IsDigit(line_[pos_])) return false;
    while (pos_ < n && IsDigit(line_[pos_])) ++pos_;
    return true;
  };
  if (line_[pos_] == '-') ++pos_;
  if (pos_ < n && line_[pos_] == '0') {
    ++pos_;
  } else if (!digits()) {
    return Fail("", "invalid number");
  }
  if (pos_ < n && line_[pos_] == '.') {
    ++pos_;
    if (!digits()) return Fail("", "invalid number: digits must follow '.'");
  }
  if (pos_ < n && (line_[pos_] == 'e' || line_[pos_] == 'E')) {
    ++pos_;
    if (pos_ < n && (line_[pos_] == '+' || line_[pos_] == '-')) ++pos_;
    if (!digits()) return Fail("", "invalid number: digits must follow the exponent");
  }
  *out = line_.substr(start, pos_ - start);
  return true;
}

bool JsonRecordParser::ParseString(absl::string_view* out) {
  const size_t n = line_.size();
  const size_t start = ++pos_;  // after the opening quote
  while (pos_ < n) {
    const unsigned char c = static_cast<unsigned char>(line_[pos_]);
    if (c == '"') {
      *out = line_.substr(start, pos_ - start);
      ++pos_;
      return true;
    }
    if (c == '\\') break;
    if (c < 0x20) return Fail("", "control character inside a string (it must be escaped)");
    ++pos_;
  }
  if (pos_ >= n) return Fail("", "a string is not closed");
  // The string has escapes: unescape it into buffer_, which never holds more bytes than the
  // line, so views into it stay valid.
  const size_t begin = buffer_.size();
  buffer_.append(line_.data() + start, pos_ - start);
  while (pos_ < n) {
    const unsigned char c = static_cast<unsigned char>(line_[pos_]);
    if (c == '"') {
      *out = absl::string_view(buffer_.data() + begin, buffer_.size() - begin);
      ++pos_;
      return true;
    }
    if (c == '\\') {
      if (!AppendEscape()) return false;
      continue;
    }
    if (c < 0x20) return Fail("", "control character inside a string (it must be escaped)");
    buffer_.push_back(static_cast<char>(c));
    ++pos_;
  }
  return Fail("", "a string is not closed");
}

bool JsonRecordParser::AppendEscape() {
  const size_t n = line_.size();
  if (pos_ + 1 >= n) return Fail("", "incomplete escape sequence");
  const char e = line_[pos_ + 1];
  auto hex4 = [&](size_t at, uint32_t* cp) {
    if (at + 4 > n) return false;
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k) {
      const int h = HexValue(line_[at + k]);
      if (h < 0) return false;
      v = v * 16 + static_cast<uint32_t>(h);
    }
    *cp = v;
    return true;
  };
  switch (e) {
    case '"':
    case '\\':
    case '/':
      buffer_.push_back(e);
      break;
    case 'b':
      buffer_.push_back('\b');
      break;
    case 'f':
      buffer_.push_back('\f');
      break;
    case 'n':
      buffer_.push_back('\n');
      break;
    case 'r':
      buffer_.push_back('\r');
      break;
    case 't':
      buffer_.push_back('\t');
      break;
    case 'u': {
      uint32_t cp;
      if (!hex4(pos_ + 2, &cp)) return Fail("", "\\u must be followed by four hex digits");
      if (cp >= 0xDC00 && cp <= 0xDFFF) return Fail("", "\\u escape is a lone low surrogate");
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        uint32_t low;
        if (pos_ + 7 >= n || line_[pos_ + 6] != '\\' || line_[pos_ + 7] != 'u' ||
            !hex4(pos_ + 8, &low) || low < 0xDC00 || low > 0xDFFF) {
          return Fail("", "\\u escape is a high surrogate without its low surrogate");
        }
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        pos_ += 6;
      }
      AppendUtf8(cp, &buffer_);
      pos_ += 6;
      return true;
    }
    default:
      if (e > ' ' && e <= '~') {
        return Fail("", absl::StrCat("invalid escape '\\", absl::string_view(&e, 1), "'"));
      }
      return Fail("", "invalid escape after '\\'");
  }
  pos_ += 2;
  return true;
}

}  // namespace cairn
