#include "ingest/input_buffer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace cairn {
namespace {

constexpr size_t kChunkBytes = 1 << 20;

}  // namespace

absl::StatusOr<std::unique_ptr<InputBuffer>> InputBuffer::OpenFile(const std::string& path) {
  std::unique_ptr<InputBuffer> in(new InputBuffer());
  in->path_ = path;
  if (path == "-") {
    in->fd_ = STDIN_FILENO;
    in->path_ = "<stdin>";
  } else {
    int fd;
    do {
      fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot open ", path));
    in->fd_ = fd;
    in->owns_fd_ = true;
  }
  struct stat st;
  if (::fstat(in->fd_, &st) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot stat ", in->path_));
  }
  if (S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(in->path_, " is a directory, not a file"));
  }
  if (S_ISREG(st.st_mode)) in->total_bytes_ = static_cast<uint64_t>(st.st_size);
  in->data_.resize(2 * kChunkBytes);
  return in;
}

std::unique_ptr<InputBuffer> InputBuffer::FromString(std::string contents) {
  std::unique_ptr<InputBuffer> in(new InputBuffer());
  in->end_ = contents.size();
  in->total_bytes_ = contents.size();
  in->data_ = std::move(contents);
  in->eof_ = true;
  return in;
}

InputBuffer::~InputBuffer() {
  if (owns_fd_) ::close(fd_);
}

absl::Status InputBuffer::Fill() {
  if (eof_) return absl::OkStatus();
  if (data_.size() - end_ < kChunkBytes) {
    // Move the unconsumed bytes to the front; grow only if they fill most of the buffer.
    std::memmove(&data_[0], data_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    if (data_.size() - end_ < kChunkBytes) data_.resize(end_ + 2 * kChunkBytes);
  }
  for (;;) {
    ssize_t n = ::read(fd_, &data_[end_], data_.size() - end_);
    if (n > 0) {
      end_ += static_cast<size_t>(n);
      return absl::OkStatus();
    }
    if (n == 0) {
      eof_ = true;
      return absl::OkStatus();
    }
    if (errno != EINTR) {
      return absl::ErrnoToStatus(errno, absl::StrCat("cannot read ", path_));
    }
  }
}

absl::Status InputBuffer::FillAtLeast(size_t n) {
  while (!eof_ && end_ - begin_ < n) {
    absl::Status s = Fill();
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace cairn
