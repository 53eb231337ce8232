#include "tools/cairnctl/import_command.h"

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <iostream>
#include <iterator>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/strings/str_format.h"
#include "tools/cairnctl/progress.h"

namespace cairn {
namespace {

// A small blocking queue between the parsing thread and the sending loop.
class BatchQueue {
 public:
  explicit BatchQueue(size_t capacity) : capacity_(capacity) {}

  // False if the consumer closed the queue.
  bool Push(RecordBatch batch) {
    std::unique_lock<std::mutex> lock(mu_);
    space_.wait(lock, [&] { return items_.size() < capacity_ || closed_; });
    if (closed_) return false;
    items_.push_back(std::move(batch));
    ready_.notify_one();
    return true;
  }
  // Nothing more will come; `status` says whether reading ended well.
  void Finish(absl::Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    finished_ = true;
    final_status_ = std::move(status);
    ready_.notify_one();
  }
  // nullopt at the end.
  std::optional<RecordBatch> Pop() {
    std::unique_lock<std::mutex> lock(mu_);
    ready_.wait(lock, [&] { return !items_.empty() || finished_; });
    if (items_.empty()) return std::nullopt;
    RecordBatch batch = std::move(items_.front());
    items_.pop_front();
    space_.notify_one();
    return batch;
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    space_.notify_all();
  }
  absl::Status final_status() {
    std::lock_guard<std::mutex> lock(mu_);
    return final_status_;
  }

 private:
  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::deque<RecordBatch> items_;
  size_t capacity_;
  bool finished_ = false;
  bool closed_ = false;
  absl::Status final_status_;
};

class Source {
 public:
  static absl::StatusOr<Source> Prepare(const ImportOptions& options) {
    Source source;
    source.options_ = options;
    if (options.path == "-") {
      source.stdin_contents_ = std::string(std::istreambuf_iterator<char>(std::cin), {});
    }
    return source;
  }
  absl::StatusOr<std::unique_ptr<RecordReader>> Open(const MetricRegistry& registry) const {
    if (options_.path == "-") {
      return RecordReader::FromString(stdin_contents_, "<stdin>", options_.format, registry);
    }
    return RecordReader::Open(options_.path, options_.format, registry);
  }
  std::string name() const { return options_.path == "-" ? "<stdin>" : options_.path; }

 private:
  ImportOptions options_;
  std::string stdin_contents_;
};

void PrintErrors(const std::vector<RowError>& errors, size_t limit) {
  size_t shown = std::min(errors.size(), limit);
  for (size_t i = 0; i < shown; ++i) std::cerr << errors[i].ToString() << "\n";
  if (errors.size() > shown) {
    std::cerr << "... and " << errors.size() - shown << " more bad rows\n";
  }
}

}  // namespace

int RunImport(AdminClient& client, const ImportOptions& options) {
  absl::StatusOr<MetricRegistry> registry = client.Metrics();
  if (!registry.ok()) {
    std::cerr << "cairnctl import: " << registry.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<Source> source = Source::Prepare(options);
  if (!source.ok()) {
    std::cerr << "cairnctl import: " << source.status().message() << "\n";
    return 1;
  }
  bool show_progress = options.progress && Progress::StderrIsTerminal();
  auto started = std::chrono::steady_clock::now();

  // Pass 1: check every row before anything is applied.
  std::vector<RowError> errors;
  uint64_t good_rows = 0;
  if (!options.skip_bad) {
    absl::StatusOr<std::unique_ptr<RecordReader>> reader = source->Open(*registry);
    if (!reader.ok()) {
      std::cerr << "cairnctl import: " << reader.status().message() << "\n";
      return 1;
    }
    Progress progress("checking " + source->name(), (*reader)->total_bytes(), show_progress);
    RecordBatch batch;
    while (true) {
      absl::StatusOr<bool> more = (*reader)->NextBatch(options.batch_size, &batch, &errors);
      if (!more.ok()) {
        progress.Finish();
        std::cerr << "cairnctl import: " << more.status().message() << "\n";
        return 1;
      }
      if (!*more) break;
      good_rows += batch.points.size();
      progress.Update((*reader)->bytes_read(), good_rows);
    }
    progress.Finish();
    if (!errors.empty()) {
      PrintErrors(errors, options.max_errors_shown);
      std::cerr << absl::StrFormat(
          "cairnctl import: %d bad rows in %s; nothing was imported (fix them, or use "
          "--skip-bad to import the %d good rows)\n",
          errors.size(), source->name(), good_rows);
      return 1;
    }
  }

  // Pass 2: parse on a thread, send with up to two batches in flight.
  absl::StatusOr<std::unique_ptr<RecordReader>> reader = source->Open(*registry);
  if (!reader.ok()) {
    std::cerr << "cairnctl import: " << reader.status().message() << "\n";
    return 1;
  }
  RecordReader* r = reader->get();
  BatchQueue queue(2);
  std::vector<RowError> pass2_errors;
  std::atomic<uint64_t> bytes_read{0};
  std::thread producer([&] {
    absl::Status status;
    while (true) {
      RecordBatch batch;
      absl::StatusOr<bool> more = r->NextBatch(options.batch_size, &batch, &pass2_errors);
      if (!more.ok()) {
        status = more.status();
        break;
      }
      if (!*more) break;
      bytes_read.store(r->bytes_read());
      if (batch.points.empty()) continue;
      if (!queue.Push(std::move(batch))) break;
    }
    queue.Finish(status);
  });

  Progress progress("importing " + source->name(), r->total_bytes(), show_progress);
  ImportOutcome total;
  uint64_t acked_batches = 0;
  std::deque<kj::Promise<ImportOutcome>> in_flight;
  absl::Status failure;
  auto await_oldest = [&]() {
    absl::Status s = client.Guard([&]() -> absl::Status {
      total.Add(in_flight.front().wait(client.wait_scope()));
      return absl::OkStatus();
    });
    in_flight.pop_front();
    if (s.ok()) {
      ++acked_batches;
      progress.Update(bytes_read.load(), total.inserted + total.replaced + total.unchanged);
    }
    return s;
  };
  while (failure.ok()) {
    std::optional<RecordBatch> batch = queue.Pop();
    if (!batch) break;
    in_flight.push_back(client.SendBatch(*batch));
    client.wait_scope().poll();  // put the request on the wire before waiting for more input
    if (in_flight.size() >= 2) failure = await_oldest();
  }
  while (failure.ok() && !in_flight.empty()) failure = await_oldest();
  in_flight.clear();
  queue.Close();
  producer.join();
  progress.Finish();
  if (failure.ok()) failure = queue.final_status();

  uint64_t records = total.inserted + total.replaced + total.unchanged;
  if (!failure.ok()) {
    std::cerr << "cairnctl import: " << failure.message() << "\n";
    std::cerr << absl::StrFormat(
        "cairnctl import: stopped; %d batches (%d records) were acknowledged and are durable, "
        "the rest of %s was not imported\n",
        acked_batches, records, source->name());
    return 1;
  }
  if (!pass2_errors.empty()) {
    PrintErrors(pass2_errors, pass2_errors.size());
    if (options.skip_bad) {
      std::cerr << absl::StrFormat("cairnctl import: skipped %d bad rows\n", pass2_errors.size());
    } else {
      std::cerr << absl::StrFormat(
          "cairnctl import: %s changed while it was imported; %d bad rows were skipped\n",
          source->name(), pass2_errors.size());
    }
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << absl::StrFormat(
      "imported %d records from %s in %.1f s (%s records/s): %d new, %d replaced, %d unchanged; "
      "%d new series\n",
      records, source->name(), seconds, HumanCount(seconds > 0 ? records / seconds : 0),
      total.inserted, total.replaced, total.unchanged, total.new_series);
  return 0;
}

}  // namespace cairn
