// The gcc driver that turns a fuzz target into an ordinary test (X_fuzzer_test, see
// fuzzer.bzl): it runs every file of the target's seed corpus, then a bounded number of
// seeded mutations of them (bit flips, truncations, splices, dictionary tokens, pointer-sized
// overwrites). It is no substitute for libFuzzer's coverage guidance (tests/fuzz/run.sh); it
// makes sure every build exercises every target and every seed.
//
//   X_fuzzer_test [--mutations=N] [--dict=FILE] CORPUS_DIR...
//
// The random seed is printed; CAIRN_TEST_SEED=<n> replays another. An input that aborts is
// written to $TEST_UNDECLARED_OUTPUTS_DIR/crash-input (else ./crash-input), ready to be fed
// to the libFuzzer binary. Fails if a directory cannot be read or holds no inputs.
// Single-threaded.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

constexpr uint64_t kDefaultRngSeed = 20260301;
constexpr size_t kMaxInputBytes = 1 << 16;

// The input being run, for the crash handler; set before each run.
const std::string* current_input = nullptr;
char crash_path[4096];

void SaveInputAndDie(int signal_number) {
  if (current_input != nullptr) {
    const int fd = open(crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ssize_t ignored = write(fd, current_input->data(), current_input->size());
      (void)ignored;
      close(fd);
    }
    static const char kNote[] = "fuzz_test_main: the failing input was written to ";
    ssize_t ignored = write(STDERR_FILENO, kNote, sizeof(kNote) - 1);
    ignored = write(STDERR_FILENO, crash_path, strlen(crash_path));
    ignored = write(STDERR_FILENO, "\n", 1);
    (void)ignored;
  }
  signal(signal_number, SIG_DFL);
  raise(signal_number);
}

void InstallCrashHandler() {
  const char* dir = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR");
  std::snprintf(crash_path, sizeof(crash_path), "%s/crash-input", dir != nullptr ? dir : ".");
  for (int s : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) signal(s, SaveInputAndDie);
}

void Run(const std::string& input) {
  current_input = &input;
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  current_input = nullptr;
}

// Reads a libFuzzer dictionary: one "token" per line (optionally name="token"), with \\, \"
// and \xHH escapes; '#' starts a comment line.
bool ReadDictionary(const std::string& path, std::vector<std::string>* tokens) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    const size_t open = line.find('"');
    const size_t close = line.rfind('"');
    if (line.empty() || line[0] == '#' || open == std::string::npos || close <= open) continue;
    std::string token;
    for (size_t i = open + 1; i < close; ++i) {
      if (line[i] == '\\' && i + 1 < close) {
        if (line[i + 1] == 'x' && i + 3 < close) {
          token += static_cast<char>(std::stoi(line.substr(i + 2, 2), nullptr, 16));
          i += 3;
        } else {
          token += line[++i];
        }
      } else {
        token += line[i];
      }
    }
    tokens->push_back(token);
  }
  return true;
}

// Appends every regular file under `dir` (not recursive) to `inputs`; false if unreadable.
bool ReadCorpus(const std::string& dir, std::vector<std::string>* inputs) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return false;
  std::vector<std::string> names;
  while (const dirent* entry = readdir(d)) {
    if (entry->d_name[0] != '.') names.push_back(entry->d_name);
  }
  closedir(d);
  std::sort(names.begin(), names.end());  // a stable order, so a seed replays exactly
  for (const std::string& name : names) {
    std::ifstream in(dir + "/" + name, std::ios::binary);
    inputs->emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return true;
}

class Mutator {
 public:
  Mutator(uint64_t seed, const std::vector<std::string>& seeds,
          const std::vector<std::string>& dictionary)
      : rng_(seed), seeds_(seeds), dictionary_(dictionary) {}

  std::string Next(size_t i) {
    std::string input = seeds_[i % seeds_.size()];
    const int rounds = 1 + static_cast<int>(Pick(4));
    for (int r = 0; r < rounds; ++r) MutateOnce(&input);
    if (input.size() > kMaxInputBytes) input.resize(kMaxInputBytes);
    return input;
  }

 private:
  size_t Pick(size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
  }

  void MutateOnce(std::string* input) {
    std::string& s = *input;
    switch (Pick(16)) {
      case 0:
      case 1:  // flip a bit
        if (!s.empty()) s[Pick(s.size())] ^= static_cast<char>(1 << Pick(8));
        break;
      case 2:
      case 3:  // overwrite a byte
        if (!s.empty()) s[Pick(s.size())] = static_cast<char>(Pick(256));
        break;
      case 4:  // truncate
        s.resize(Pick(s.size() + 1));
        break;
      case 5:
      case 6: {  // duplicate a slice
        if (s.empty()) break;
        const size_t from = Pick(s.size());
        const size_t len = 1 + Pick(std::min<size_t>(64, s.size() - from));
        s.insert(Pick(s.size() + 1), s.substr(from, len));
        break;
      }
      case 7:
      case 8:  // erase a slice
        if (!s.empty()) {
          const size_t at = Pick(s.size());
          s.erase(at, 1 + Pick(8));
        }
        break;
      case 9:
      case 10:
      case 11:  // insert or overwrite with a dictionary token (a random byte without one)
        if (dictionary_.empty()) {
          s.insert(Pick(s.size() + 1), 1, static_cast<char>(Pick(256)));
        } else {
          const std::string& token = dictionary_[Pick(dictionary_.size())];
          const size_t at = Pick(s.size() + 1);
          if (Pick(2) == 0) {
            s.insert(at, token);
          } else {
            s.replace(at, token.size(), token);
          }
        }
        break;
      case 12:
      case 13: {  // overwrite an aligned 8-byte word (Cap'n Proto pointers, lengths)
        if (s.size() < 8) break;
        const size_t at = 8 * Pick(s.size() / 8);
        uint64_t word = 0;
        switch (Pick(4)) {
          case 0:
            word = 0;
            break;
          case 1:
            word = ~uint64_t{0};
            break;
          case 2:
            word = uint64_t{1} << Pick(64);
            break;
          default:
            word = (uint64_t{rng_()} << 32) | rng_();
        }
        std::memcpy(&s[at], &word, sizeof(word));
        break;
      }
      case 14: {  // splice: keep a prefix, continue with another seed's suffix
        const std::string& other = seeds_[Pick(seeds_.size())];
        s = s.substr(0, Pick(s.size() + 1)) + other.substr(Pick(other.size() + 1));
        break;
      }
      default:  // random bytes
        s.assign(Pick(256), '\0');
        for (char& c : s) c = static_cast<char>(Pick(256));
    }
  }

  std::mt19937_64 rng_;
  const std::vector<std::string>& seeds_;
  const std::vector<std::string>& dictionary_;
};

}  // namespace

int main(int argc, char** argv) {
  long mutations = 20000;
  std::vector<std::string> dictionary;
  std::vector<std::string> seeds;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--mutations=", 0) == 0) {
      mutations = std::strtol(arg.c_str() + 12, nullptr, 10);
    } else if (arg.rfind("--dict=", 0) == 0) {
      if (!ReadDictionary(arg.substr(7), &dictionary)) {
        std::fprintf(stderr, "cannot read dictionary %s\n", arg.c_str() + 7);
        return 1;
      }
    } else {
      const size_t before = seeds.size();
      if (!ReadCorpus(arg, &seeds)) {
        std::fprintf(stderr, "cannot read corpus directory %s\n", arg.c_str());
        return 1;
      }
      std::printf("%s: %zu inputs\n", arg.c_str(), seeds.size() - before);
    }
  }
  if (seeds.empty()) {
    std::fprintf(stderr, "no seed inputs: give a non-empty corpus directory\n");
    return 1;
  }
  uint64_t rng_seed = kDefaultRngSeed;
  if (const char* env = std::getenv("CAIRN_TEST_SEED")) rng_seed = std::strtoull(env, nullptr, 10);
  std::printf(
      "random seed %llu (set CAIRN_TEST_SEED to replay), %zu seeds, %ld mutations, %zu "
      "dictionary tokens\n",
      static_cast<unsigned long long>(rng_seed), seeds.size(), mutations, dictionary.size());
  std::fflush(stdout);

  InstallCrashHandler();
  const auto start = std::chrono::steady_clock::now();
  for (const std::string& seed : seeds) Run(seed);
  Mutator mutator(rng_seed, seeds, dictionary);
  for (long i = 0; i < mutations; ++i) Run(mutator.Next(static_cast<size_t>(i)));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("all %ld inputs passed in %.2f s\n", static_cast<long>(seeds.size()) + mutations,
              seconds);
  return 0;
}
