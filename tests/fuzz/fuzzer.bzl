"""cairn_fuzzer: the one shape of a fuzz target in tests/fuzz.

cairn_fuzzer(name = "x_fuzzer", deps = [...]) expects x_fuzzer.cc (defining
LLVMFuzzerTestOneInput) and a seed corpus in corpus/x/, optionally a dictionary x.dict, and
declares:

  :x_fuzzer_target  the target as a library (alwayslink, so the entry point is kept)
  :x_fuzzer         the libFuzzer binary; "manual": built only by tests/fuzz/run.sh with
                    --config=fuzz (clang-14, -fsanitize=fuzzer,address)
  :x_fuzzer_test    a gcc cc_test (fuzz_test_main.cc): every seed, then `mutations` seeded
                    mutations of them, so that `bazel test //...` exercises every target
"""

def cairn_fuzzer(name, deps, mutations = 20000, dictionary = False, size = "small"):
    if not name.endswith("_fuzzer"):
        fail("a fuzz target's name ends with _fuzzer: " + name)
    corpus = name[:-len("_fuzzer")]
    native.cc_library(
        name = name + "_target",
        srcs = [name + ".cc"],
        deps = deps,
        alwayslink = True,
    )
    native.cc_binary(
        name = name,
        linkopts = ["-fsanitize=fuzzer"],
        tags = ["manual"],
        deps = [":" + name + "_target"],
    )
    args = ["--mutations=%d" % mutations]
    data = native.glob(["corpus/" + corpus + "/*"])
    if dictionary:
        args.append("--dict=tests/fuzz/%s.dict" % corpus)
        data.append(corpus + ".dict")
    native.cc_test(
        name = name + "_test",
        size = size,
        srcs = ["fuzz_test_main.cc"],
        args = args + ["tests/fuzz/corpus/" + corpus],
        data = data,
        deps = [":" + name + "_target"],
    )
