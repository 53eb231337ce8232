#include "ingest/csv_tokenizer.h"

#include <array>
#include <cstring>

namespace cairn {
namespace {

// Bytes that end an unquoted field.
constexpr std::array<bool, 256> kEndsField = [] {
  std::array<bool, 256> t{};
  t[static_cast<unsigned char>(',')] = true;
  t[static_cast<unsigned char>('\n')] = true;
  return t;
}();

}  // namespace

CsvTokenizer::Result CsvTokenizer::Next(absl::string_view data, bool at_eof) {
  spans_.clear();
  fields_.clear();
  offsets_.clear();
  scratch_.clear();
  record_bytes_ = 0;
  line_breaks_ = 0;
  blank_ = false;
  high_bits_ = 0;
  text_after_quote_ = -1;
  if (data.empty()) return at_eof ? Result::kEnd : Result::kNeedMore;

  const char* s = data.data();
  const bool capped = data.size() > max_record_bytes_;
  const size_t limit = capped ? max_record_bytes_ : data.size();
  // What running into `limit` means when the record has not ended there by the rules.
  const Result short_of_bytes = capped ? Result::kTooLong : Result::kNeedMore;
  const bool input_ends_at_limit = at_eof && !capped;
  unsigned high = 0;
  size_t i = 0;

  for (;;) {
    const size_t field_begin = i;
    const bool quoted = i < limit && s[i] == '"';
    Span span;
    if (quoted) {
      ++i;
      size_t piece = i;  // start of content not yet copied to scratch_
      const uint32_t scratch_begin = static_cast<uint32_t>(scratch_.size());
      bool escaped = false;
      for (;;) {
        const void* q = std::memchr(s + i, '"', limit - i);
        const size_t qi =
            q == nullptr ? limit : static_cast<size_t>(static_cast<const char*>(q) - s);
        for (size_t k = i; k < qi; ++k) {
          high |= static_cast<unsigned char>(s[k]);
          line_breaks_ += s[k] == '\n';
        }
        if (qi == limit) {
          high_bits_ = high;
          return input_ends_at_limit ? Result::kUnclosedQuote : short_of_bytes;
        }
        if (qi + 1 == limit && !input_ends_at_limit) return short_of_bytes;
        if (qi + 1 < limit && s[qi + 1] == '"') {  // "" stands for one quote
          escaped = true;
          scratch_.append(s + piece, qi + 1 - piece);
          i = qi + 2;
          piece = i;
          continue;
        }
        if (escaped) {
          scratch_.append(s + piece, qi - piece);
          span = {scratch_begin, static_cast<uint32_t>(scratch_.size() - scratch_begin), true};
        } else {
          span = {static_cast<uint32_t>(field_begin + 1),
                  static_cast<uint32_t>(qi - field_begin - 1), false};
        }
        i = qi + 1;
        break;
      }
      // After the closing quote only a separator, a line ending or the end of input may follow.
      if (i < limit) {
        bool junk;
        if (s[i] == '\r') {
          if (i + 1 == limit && !input_ends_at_limit) return short_of_bytes;
          junk = i + 1 < limit && s[i + 1] != '\n';
          if (!junk && i + 1 == limit) ++i;  // a final CR at the end of input
        } else {
          junk = s[i] != ',' && s[i] != '\n';
        }
        if (junk) {
          if (text_after_quote_ < 0) text_after_quote_ = static_cast<int>(spans_.size());
          while (i < limit && !kEndsField[static_cast<unsigned char>(s[i])]) {
            high |= static_cast<unsigned char>(s[i]);
            ++i;
          }
        } else if (s[i] == '\r' && i + 1 < limit) {
          ++i;  // CRLF: step onto the LF
        }
      }
    } else {
      while (i < limit && !kEndsField[static_cast<unsigned char>(s[i])]) {
        high |= static_cast<unsigned char>(s[i]);
        ++i;
      }
      span = {static_cast<uint32_t>(field_begin), static_cast<uint32_t>(i - field_begin), false};
    }
    spans_.push_back(span);
    offsets_.push_back(static_cast<uint32_t>(field_begin));

    if (i < limit && s[i] == ',') {
      ++i;
      continue;
    }
    if (i == limit && !input_ends_at_limit) return short_of_bytes;
    if (i < limit) {  // s[i] == '\n'
      ++i;
      ++line_breaks_;
    }
    // A CR before the line ending (or the end of input) belongs to the ending.
    Span& last = spans_.back();
    if (!quoted && last.size > 0 && s[last.begin + last.size - 1] == '\r') --last.size;
    record_bytes_ = i;
    break;
  }

  high_bits_ = high;
  blank_ = spans_.size() == 1 && spans_[0].size == 0 && s[0] != '"';
  fields_.reserve(spans_.size());
  for (const Span& sp : spans_) {
    fields_.emplace_back((sp.in_scratch ? scratch_.data() : s) + sp.begin, sp.size);
  }
  return Result::kRecord;
}

}  // namespace cairn
