"""Offline stand-in for rules_proto: forwards to Bazel's native proto rules (unused by Cairn)."""

def proto_library(**kwargs):
    native.proto_library(**kwargs)
