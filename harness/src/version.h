// The tool's version, as reported by `gosandbox version` and in every report.
#pragma once
namespace gs::harness {
inline constexpr const char* kVersion = "0.1.0";
}
