// Runs a fuzz target over its seed corpus as an ordinary test, so that `bazel test //...`
// (GCC, no libFuzzer) exercises every seed. Arguments: corpus directories. Fails if a
// directory holds no files; a broken promise aborts inside the target.
#include <dirent.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    DIR* dir = opendir(argv[i]);
    if (dir == nullptr) {
      std::fprintf(stderr, "cannot open corpus directory %s\n", argv[i]);
      return 1;
    }
    int files = 0;
    while (const dirent* entry = readdir(dir)) {
      if (entry->d_name[0] == '.') continue;
      const std::string path = std::string(argv[i]) + "/" + entry->d_name;
      std::ifstream in(path, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      ++files;
    }
    closedir(dir);
    std::printf("%s: %d inputs passed\n", argv[i], files);
    if (files == 0) return 1;
  }
  return argc > 1 ? 0 : 1;
}
