// The names stewards give their partners (`cairnctl partner add NAME`), which policies use to
// bind grants: lower-case letters, digits, '.', '_' and '-', starting with a letter or digit,
// at most 64 bytes. Pure function; thread-safe.
#ifndef CAIRN_MODEL_PARTNER_NAME_H_
#define CAIRN_MODEL_PARTNER_NAME_H_

#include "absl/strings/string_view.h"

namespace cairn {

bool IsValidPartnerName(absl::string_view name);

}  // namespace cairn

#endif  // CAIRN_MODEL_PARTNER_NAME_H_
