// Armoured text: bytes kept in a text file as base64 in 76-column lines between
// "-----BEGIN <LABEL>-----" and "-----END <LABEL>-----" lines, so that a kept result can be
// mailed, pasted and diffed. Used for kept signed results (signed_envelope.h) and kept
// federated results (tools/cairnctl/federated_file.h). Pure functions; thread-safe.
#ifndef CAIRN_PROTOCOL_ARMOR_H_
#define CAIRN_PROTOCOL_ARMOR_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cairn {

// "-----BEGIN <label>-----\n", base64 lines, "-----END <label>-----\n".
std::string Armor(absl::string_view label, absl::string_view bytes);

struct Dearmored {
  std::string bytes;
  size_t end = 0;  // offset in the text just past the END line's marker
};

// The bytes of the first `label` block in `text`. InvalidArgument "not a <what> (expected a
// '-----BEGIN <label>-----' block)" without a whole block, or "the <what> block is not valid
// base64".
absl::StatusOr<Dearmored> Dearmor(absl::string_view label, absl::string_view text,
                                  absl::string_view what);

}  // namespace cairn

#endif  // CAIRN_PROTOCOL_ARMOR_H_
