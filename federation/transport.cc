// Names of the federation calls; see transport.h.
#include "federation/transport.h"

namespace cairn {

absl::string_view FederationCallName(FederationCall call) {
  switch (call) {
    case FederationCall::kPropose:
      return "propose";
    case FederationCall::kAnnounce:
      return "announce";
    case FederationCall::kValues:
      return "values";
  }
  return "?";
}

}  // namespace cairn
