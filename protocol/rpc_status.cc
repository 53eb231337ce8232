#include "protocol/rpc_status.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace cairn {
namespace {

constexpr absl::StatusCode kCodes[] = {
    absl::StatusCode::kCancelled,          absl::StatusCode::kUnknown,
    absl::StatusCode::kInvalidArgument,    absl::StatusCode::kDeadlineExceeded,
    absl::StatusCode::kNotFound,           absl::StatusCode::kAlreadyExists,
    absl::StatusCode::kPermissionDenied,   absl::StatusCode::kResourceExhausted,
    absl::StatusCode::kFailedPrecondition, absl::StatusCode::kAborted,
    absl::StatusCode::kOutOfRange,         absl::StatusCode::kUnimplemented,
    absl::StatusCode::kInternal,           absl::StatusCode::kUnavailable,
    absl::StatusCode::kDataLoss,           absl::StatusCode::kUnauthenticated,
};

std::string CodeName(absl::StatusCode code) {
  std::string name = absl::StatusCodeToString(code);  // "INVALID_ARGUMENT"
  return name;
}

}  // namespace

kj::Exception StatusToException(const absl::Status& status) {
  kj::Exception::Type type = kj::Exception::Type::FAILED;
  if (status.code() == absl::StatusCode::kUnavailable) type = kj::Exception::Type::OVERLOADED;
  if (status.code() == absl::StatusCode::kUnimplemented) {
    type = kj::Exception::Type::UNIMPLEMENTED;
  }
  std::string text = absl::StrCat(CodeName(status.code()), ": ", status.message());
  return kj::Exception(type, __FILE__, __LINE__, kj::heapString(text.data(), text.size()));
}

absl::Status ExceptionToStatus(const kj::Exception& exception) {
  absl::string_view text(exception.getDescription().cStr(), exception.getDescription().size());
  while (absl::ConsumePrefix(&text, "remote exception: ")) {
  }
  for (absl::StatusCode code : kCodes) {
    std::string prefix = CodeName(code) + ": ";
    if (absl::StartsWith(text, prefix)) {
      return absl::Status(code, text.substr(prefix.size()));
    }
  }
  switch (exception.getType()) {
    case kj::Exception::Type::DISCONNECTED:
      return absl::UnavailableError(absl::StrCat("connection lost: ", text));
    case kj::Exception::Type::OVERLOADED:
      return absl::UnavailableError(text);
    case kj::Exception::Type::UNIMPLEMENTED:
      return absl::UnimplementedError(text);
    default:
      return absl::InternalError(text);
  }
}

void ThrowIfError(const absl::Status& status) {
  if (!status.ok()) kj::throwFatalException(StatusToException(status));
}

}  // namespace cairn
