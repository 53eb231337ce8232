// A kept federated result, as `cairnctl federate --out` writes it and `cairnctl verify` reads
// it, and how federated rows are shown.
//
// The file is text: the published result (federation/messages.h FederatedResult, its Cap'n
// Proto encoding in base64) between "-----BEGIN/END CAIRN FEDERATED RESULT-----" lines, then
// the roster the requester used between "-----BEGIN/END CAIRN CONSORTIUM ROSTER-----" lines,
// verbatim. The roster is there for readers who hold none; a verifier should prefer its own
// copy, since the requester chose this one.
//
// Rows: one per group with at least one contributor, with the number of members that
// contributed, and the value where the group was released. Pure functions; thread-safe.
#ifndef CAIRN_TOOLS_CAIRNCTL_FEDERATED_FILE_H_
#define CAIRN_TOOLS_CAIRNCTL_FEDERATED_FILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "federation/messages.h"
#include "model/query.h"
#include "tools/cairnctl/render.h"
#include "tools/cairnctl/result_format.h"

namespace cairn {

// Largest kept file read: a result of the largest honest round, in base64, with its roster.
inline constexpr size_t kMaxKeptFederatedBytes = size_t{96} << 20;

struct KeptFederatedResult {
  FederatedResult result;
  std::string roster_text;  // empty if the file holds none
};

std::string ArmorFederatedResult(const FederatedResult& result, absl::string_view roster_text);
// True if `text` holds a federated result block (and so is not a bilateral signed result).
bool IsArmoredFederatedResult(absl::string_view text);
// InvalidArgument naming what is wrong: no result block, bad base64, a result that does not
// decode (federation/messages.h), an unterminated roster block.
absl::StatusOr<KeptFederatedResult> DearmorFederatedResult(absl::string_view text);

// The rows of a round asking `query` whose groups were released with at least
// `min_contributors` contributors. `unit` labels the value column of the table ("" to omit).
// JSON: {"query", "unit", "min_contributors", "rows": [{keys..., members, released, value}]}.
Json FederatedRowsJson(const Query& query, const std::vector<FederatedRow>& rows,
                       uint32_t min_contributors, absl::string_view unit);
std::string FormatFederatedRows(const Query& query, const std::vector<FederatedRow>& rows,
                                uint32_t min_contributors, OutputFormat format,
                                absl::string_view unit);

}  // namespace cairn

#endif  // CAIRN_TOOLS_CAIRNCTL_FEDERATED_FILE_H_
