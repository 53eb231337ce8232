// The partner port under a flood. Anyone who can reach it can open TCP connections and start
// TLS handshakes that never finish. Here thousands of idle connections and hundreds of
// half-open handshakes, from many loopback addresses, are held against a real cairnd while a
// registered partner keeps asking: the daemon must stay up, answer the partner in time, keep
// its memory bounded and let go of everything afterwards. A second test takes the daemon's
// descriptors away altogether (accept fails with EMFILE) and checks that it comes back.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/integration/harness.h"
#include "tests/integration/raw_client.h"

namespace cairn::testing {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

const char kSupplierCsv[] =
    "timestamp,site,line,product,metric,value,unit\n"
    "2026-01-05T08:00:00Z,gent,L1,P1,co2e_scope1,120,kg\n"
    "2026-01-06T08:00:00Z,gent,L1,P2,co2e_scope1,300,kg\n";

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The first flight of a TLS client (a ClientHello), as OpenSSL writes it: what a half-open
// handshake sends before it falls silent.
std::string ClientHello() {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(ctx);
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, in, out);
  SSL_set_connect_state(ssl);
  SSL_do_handshake(ssl);  // wants to read the server's answer, which never comes
  char* data = nullptr;
  long n = BIO_get_mem_data(out, &data);
  std::string hello(data, n > 0 ? n : 0);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return hello;
}

// Connections held against one loopback port from several source addresses (127.0.1.x for
// idle ones, 127.0.2.x for half-open handshakes). Whenever the server closes one, it is opened
// again: at most 100 every 50 ms (2,000 a second) and `max_reopens` in all. Runs on a thread
// of its own from Start() to Stop().
class Flood {
 public:
  struct Options {
    int idle = 0;       // connections that never send a byte
    int half_open = 0;  // connections that send a ClientHello and nothing more
    int sources = 1;    // source addresses per kind
    int max_reopens = 0;
  };
  Flood(int port, Options options) : port_(port), options_(options), hello_(ClientHello()) {}
  ~Flood() { Stop(); }

  void Start() {
    sockets_.resize(options_.idle + options_.half_open);
    thread_ = std::thread([this] { Run(); });
  }
  // Stops the thread and closes every connection.
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    for (Socket& s : sockets_) Close(s);
  }
  int most_held() const { return most_held_; }  // open or opening at once
  int opened() const { return opened_; }
  int closed_by_server() const { return closed_by_server_; }

 private:
  struct Socket {
    int fd = -1;
    bool connecting = false;
  };

  bool HalfOpen(size_t i) const { return i >= static_cast<size_t>(options_.idle); }

  void Open(size_t i) {
    Socket& s = sockets_[i];
    s.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s.fd < 0) return;
    sockaddr_in from{};
    from.sin_family = AF_INET;
    std::string source = absl::StrCat("127.0.", HalfOpen(i) ? 2 : 1, ".", 1 + i % options_.sources);
    inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port_);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s.fd, reinterpret_cast<sockaddr*>(&from), sizeof(from)) != 0 ||
        (connect(s.fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0 &&
         errno != EINPROGRESS)) {
      Close(s);
      return;
    }
    s.connecting = true;
    ++opened_;
  }

  void Close(Socket& s) {
    if (s.fd >= 0) close(s.fd);
    s.fd = -1;
    s.connecting = false;
  }

  void Run() {
    for (size_t i = 0; i < sockets_.size(); ++i) Open(i);
    std::vector<pollfd> fds(sockets_.size());
    char buffer[16384];
    while (!stop_) {
      auto round_end = Clock::now() + std::chrono::milliseconds(50);
      int held = 0;
      for (size_t i = 0; i < sockets_.size(); ++i) {
        fds[i] = {sockets_[i].fd,
                  static_cast<short>(POLLIN | (sockets_[i].connecting ? POLLOUT : 0)), 0};
        held += sockets_[i].fd >= 0;
      }
      most_held_ = std::max<int>(most_held_, held);
      poll(fds.data(), fds.size(), 50);
      for (size_t i = 0; i < sockets_.size(); ++i) {
        Socket& s = sockets_[i];
        short ev = fds[i].revents;
        if (s.fd < 0 || ev == 0) continue;
        if (s.connecting && (ev & POLLOUT)) {
          int error = 0;
          socklen_t len = sizeof(error);
          getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &error, &len);
          s.connecting = false;
          if (error != 0) {
            Close(s);
            continue;
          }
          if (HalfOpen(i) && write(s.fd, hello_.data(), hello_.size()) < 0) Close(s);
          continue;
        }
        if (ev & (POLLIN | POLLHUP | POLLERR)) {
          ssize_t n = read(s.fd, buffer, sizeof(buffer));  // the server's flight, or its close
          if (n == 0 || (n < 0 && errno != EAGAIN)) {
            Close(s);
            ++closed_by_server_;
          }
        }
      }
      // Reopen what the server closed, a bounded number each round.
      int budget = 100;
      for (size_t i = 0; i < sockets_.size() && budget > 0 && opened_ < MaxOpens(); ++i) {
        if (sockets_[i].fd < 0) {
          Open(i);
          --budget;
        }
      }
      std::this_thread::sleep_until(round_end);
    }
  }
  int MaxOpens() const { return static_cast<int>(sockets_.size()) + options_.max_reopens; }

  const int port_;
  const Options options_;
  const std::string hello_;
  std::vector<Socket> sockets_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> most_held_{0};
  std::atomic<int> opened_{0};
  std::atomic<int> closed_by_server_{0};
};

int PortOf(const std::string& address) { return std::stoi(address.substr(address.rfind(':') + 1)); }

class FloodTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Our side of the flood holds some 2,300 descriptors.
    ASSERT_GE(RaiseOwnOpenFileLimit(4096), 4096u) << "the test needs 4096 open files";
    supplier_dir_ = InitDataDir("supplier", "Gent Steel");
    customer_dir_ = InitDataDir("customer", "Autowerk AG");
    SetConfig(supplier_dir_, "handshake_timeout_seconds", "3");
    supplier_ = std::make_unique<DaemonProcess>(supplier_dir_);
  }
  void Start() {
    ASSERT_TRUE(supplier_->Start().ok()) << supplier_->Log();
    WriteTextFile(supplier_dir_ + "/plant.csv", kSupplierCsv);
    ASSERT_EQ(Cairnctl(supplier_dir_, {"import", supplier_dir_ + "/plant.csv"}).exit_code, 0);
    CommandResult added =
        Cairnctl(supplier_dir_, {"partner", "add", "autowerk", "--cert",
                                 customer_dir_ + "/identity.crt", "--allow-metric", "co2e_scope1"});
    ASSERT_EQ(added.exit_code, 0) << added.err;
    address_ = PartnerAddress(supplier_dir_);
  }
  // The end of cairnd's log, for failure messages.
  std::string LogTail() const {
    std::string log = supplier_->Log();
    return log.size() > 4000 ? log.substr(log.size() - 4000) : log;
  }

  std::string supplier_dir_, customer_dir_, address_;
  std::unique_ptr<DaemonProcess> supplier_;
};

TEST_F(FloodTest, APartnerIsAnsweredWhileThePortIsFlooded) {
  // What a service gets unless it raises the limit itself (systemd's default soft limit).
  rlimit own;
  getrlimit(RLIMIT_NOFILE, &own);
  supplier_->SetOpenFileLimit(1024, own.rlim_max);
  Start();
  const pid_t pid = supplier_->pid();
  RawClient client(customer_dir_, supplier_dir_);
  auto live = client.Connect(address_);
  ASSERT_TRUE(live.ok()) << live.status();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(client.Send(**live, client.Sign()).ok());
  const int64_t rss_before = ResidentKib(pid);
  const int fds_before = OpenDescriptors(pid);

  Flood::Options options;
  options.idle = 2000;
  options.half_open = 200;
  options.sources = 20;
  options.max_reopens = 30000;
  Flood flood(PortOf(address_), options);
  flood.Start();
  // For 15 s: a query every 100 ms on the partner's open connection, every fifth over a
  // connection made in the middle of the flood. A new connection can lose its SYN to a full
  // accept queue like any flood connection (the kernel cannot tell them apart; its retry comes
  // a second later), so its bound is looser; it must get through all the same.
  std::vector<double> live_ms, fresh_ms;
  int failed = 0;
  int64_t rss_peak = rss_before;
  const auto flood_end = Clock::now() + std::chrono::seconds(15);
  for (int i = 0; Clock::now() < flood_end; ++i) {
    ASSERT_TRUE(supplier_->Alive()) << "cairnd died under the flood:\n" << LogTail();
    auto started = Clock::now();
    absl::StatusOr<std::string> answer;
    const bool fresh = i % 5 == 4;
    if (fresh) {
      auto c = client.Connect(address_);
      answer = c.ok() ? client.Send(**c, client.Sign()) : c.status();
    } else {
      answer = client.Send(**live, client.Sign());
    }
    (fresh ? fresh_ms : live_ms).push_back(MillisSince(started));
    if (!answer.ok()) {
      ++failed;
      ADD_FAILURE() << "query " << i << " failed after " << MillisSince(started)
                    << " ms: " << answer.status();
      if ((*live)->broken()) break;
    }
    rss_peak = std::max(rss_peak, ResidentKib(pid));
    client.Pump(100);
  }
  flood.Stop();
  ASSERT_TRUE(supplier_->Alive()) << LogTail();

  auto at = [](std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[static_cast<size_t>(q * (v.size() - 1))];
  };
  printf("flood: %d connections opened, up to %d held at once, %d closed by cairnd\n",
         flood.opened(), flood.most_held(), flood.closed_by_server());
  printf("flood: %zu queries on the open connection: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
         live_ms.size(), at(live_ms, 0.5), at(live_ms, 0.99), at(live_ms, 1));
  printf("flood: %zu on new connections: p50 %.1f ms, max %.1f ms; %d failed\n", fresh_ms.size(),
         at(fresh_ms, 0.5), at(fresh_ms, 1), failed);
  EXPECT_GE(flood.most_held(), 2000) << "the flood did not hold its connections";
  EXPECT_GE(flood.closed_by_server(), 2000) << "the flood was not pushing";
  EXPECT_GE(live_ms.size() + fresh_ms.size(), 20u);  // some 100 on a quiet machine
  EXPECT_EQ(failed, 0);
  EXPECT_LT(at(live_ms, 0.99), 1000.0) << "the partner waited too long";
  EXPECT_LT(at(live_ms, 1), 2000.0) << "the partner waited too long";
  EXPECT_LT(at(fresh_ms, 1), 8000.0) << "a new connection was kept out";

  // Everything the flood held is let go (the last handshakes time out after 3 s).
  int fds_after = -1;
  for (int i = 0; i < 100; ++i) {
    fds_after = OpenDescriptors(pid);
    if (fds_after <= fds_before + 2) break;
    client.Pump(100);
  }
  const int64_t rss_after = ResidentKib(pid);
  printf("flood: RSS before %ld KiB, peak %ld KiB, after %ld KiB; descriptors %d -> %d\n",
         static_cast<long>(rss_before), static_cast<long>(rss_peak), static_cast<long>(rss_after),
         fds_before, fds_after);
  EXPECT_LE(fds_after, fds_before + 2);
  EXPECT_LT(rss_peak - rss_before, 64 * 1024) << "memory grew with the flood";
  EXPECT_LT(rss_after - rss_before, 64 * 1024);
  EXPECT_TRUE(client.Send(**live, client.Sign()).ok()) << "served after the flood";
  EXPECT_EQ(supplier_->Stop(), 0) << LogTail();
}

TEST_F(FloodTest, RunningOutOfDescriptorsIsSurvived) {
  SetConfig(supplier_dir_, "handshake_timeout_seconds", "1");
  Start();
  const pid_t pid = supplier_->pid();
  RawClient client(customer_dir_, supplier_dir_);
  {
    auto c = client.Connect(address_);
    ASSERT_TRUE(c.ok()) << c.status();
    ASSERT_TRUE(client.Send(**c, client.Sign()).ok());
  }
  client.Pump(200);
  // Leave the daemon a handful of descriptors above those it holds, then connect more.
  const rlim_t few = HighestDescriptor(pid) + 6;
  rlimit low = {few, few};
  ASSERT_EQ(prlimit(pid, RLIMIT_NOFILE, &low, nullptr), 0);
  Flood::Options options;
  options.idle = 200;
  options.sources = 4;
  options.max_reopens = 2000;
  Flood flood(PortOf(address_), options);
  flood.Start();
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(supplier_->Alive()) << "cairnd died out of descriptors:\n" << LogTail();
    client.Pump(100);
  }
  flood.Stop();
  EXPECT_THAT(supplier_->Log(), HasSubstr("Too many open files"));

  // Once the connections are gone the daemon serves again, partners and cairnctl alike.
  absl::Status served = absl::UnavailableError("not tried");
  for (int i = 0; i < 50 && !served.ok(); ++i) {
    client.Pump(100);
    ASSERT_TRUE(supplier_->Alive()) << LogTail();
    auto c = client.Connect(address_);
    served = c.ok() ? client.Send(**c, client.Sign()).status() : c.status();
  }
  EXPECT_TRUE(served.ok()) << served << "\n" << LogTail();
  EXPECT_EQ(Cairnctl(supplier_dir_, {"status"}).exit_code, 0);
  EXPECT_EQ(supplier_->Stop(), 0) << LogTail();
}

}  // namespace
}  // namespace cairn::testing
