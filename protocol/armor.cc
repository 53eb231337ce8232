// Armoured text; see armor.h.
#include "protocol/armor.h"

#include <sodium.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace cairn {

std::string Armor(absl::string_view label, absl::string_view bytes) {
  std::string b64(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  b64.resize(strlen(b64.c_str()));
  std::string out = absl::StrCat("-----BEGIN ", label, "-----\n");
  for (size_t i = 0; i < b64.size(); i += 76) absl::StrAppend(&out, b64.substr(i, 76), "\n");
  absl::StrAppend(&out, "-----END ", label, "-----\n");
  return out;
}

absl::StatusOr<Dearmored> Dearmor(absl::string_view label, absl::string_view text,
                                  absl::string_view what) {
  const std::string begin_line = absl::StrCat("-----BEGIN ", label, "-----");
  const std::string end_line = absl::StrCat("-----END ", label, "-----");
  const size_t begin = text.find(begin_line);
  const size_t end = text.find(end_line);
  if (begin == absl::string_view::npos || end == absl::string_view::npos || end < begin) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a ", what, " (expected a '", begin_line, "' block)"));
  }
  std::string b64;
  for (absl::string_view line : absl::StrSplit(
           text.substr(begin + begin_line.size(), end - begin - begin_line.size()), '\n')) {
    absl::StrAppend(&b64, absl::StripAsciiWhitespace(line));
  }
  Dearmored out;
  out.bytes.assign(b64.size(), '\0');
  size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.bytes.data()), out.bytes.size(),
                        b64.data(), b64.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return absl::InvalidArgumentError(absl::StrCat("the ", what, " block is not valid base64"));
  }
  out.bytes.resize(length);
  out.end = end + end_line.size();
  return out;
}

}  // namespace cairn
