// InputBuffer: the bytes of an import source, read in chunks behind a window.
//
// The readers parse from `window()` in place and `Consume()` what they have used; `Fill()`
// reads the next chunk behind the unconsumed bytes (moving them to the front, so pointers into
// the window are invalid after a Fill). Over a string the whole input is the window from the
// start. Memory stays bounded because readers never keep more than one record (at most
// RecordReader::kMaxRecordBytes) unconsumed. One thread at a time.
#ifndef CAIRN_INGEST_INPUT_BUFFER_H_
#define CAIRN_INGEST_INPUT_BUFFER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cairn {

class InputBuffer {
 public:
  // Opens `path` for reading ("-" is standard input). NotFound / PermissionDenied /
  // InvalidArgument (a directory) naming the path when it cannot be read.
  static absl::StatusOr<std::unique_ptr<InputBuffer>> OpenFile(const std::string& path);
  static std::unique_ptr<InputBuffer> FromString(std::string contents);

  InputBuffer(const InputBuffer&) = delete;
  InputBuffer& operator=(const InputBuffer&) = delete;
  ~InputBuffer();

  // The bytes read but not yet consumed.
  absl::string_view window() const {
    return absl::string_view(data_.data() + begin_, end_ - begin_);
  }
  void Consume(size_t n) {
    begin_ += n;
    consumed_ += n;
  }
  // True once every byte of the input is in the window (or consumed).
  bool at_eof() const { return eof_; }

  // Reads more input behind the window. Returns OK having added bytes or reached the end of
  // the input; an I/O error (naming the path) otherwise.
  absl::Status Fill();
  // Fills until the window holds at least `n` bytes or the input ends.
  absl::Status FillAtLeast(size_t n);

  // Bytes consumed so far: the input offset of window().data().
  uint64_t consumed() const { return consumed_; }
  // The input's size, or 0 when unknown (a pipe).
  uint64_t total_bytes() const { return total_bytes_; }

 private:
  InputBuffer() = default;

  std::string path_;
  int fd_ = -1;
  bool owns_fd_ = false;
  std::string data_;
  size_t begin_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  uint64_t consumed_ = 0;
  uint64_t total_bytes_ = 0;
};

}  // namespace cairn

#endif  // CAIRN_INGEST_INPUT_BUFFER_H_
