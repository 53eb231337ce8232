"""capnp_cc_library: compiles one .capnp schema to C++ with the system `capnp` tool."""

def capnp_cc_library(name, src, deps = [], visibility = None):
    base = src[:-len(".capnp")]
    dep_srcs = [d + "_srcs" for d in deps]
    # Schemas importing this one (in any package that may use the library) need its source.
    native.filegroup(name = name + "_srcs", srcs = [src], visibility = visibility)
    native.genrule(
        name = name + "_gen",
        srcs = [src] + dep_srcs,
        outs = [base + ".capnp.h", base + ".capnp.c++"],
        cmd = "capnp compile -I/usr/include --no-standard-import -oc++:$(GENDIR) $(location %s)" % src,
    )
    native.cc_library(
        name = name,
        srcs = [base + ".capnp.c++"],
        hdrs = [base + ".capnp.h"],
        deps = deps + ["//third_party:capnp"],
        visibility = visibility,
    )
