// The build plan: which packages of the module are libraries (imported by the init
// runner), commands (run in the run phase) and packages with tests, decided from the
// output of `go list -e -json ./...` run in the jail. Pure: takes that output as text.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace gs::harness {

struct GoPackage {
  std::string import_path;
  std::string rel_dir;     // directory relative to the module root ("." for the root)
  std::string name;        // Go package name
  bool has_sources = false;  // GoFiles or CgoFiles for this platform
  bool has_tests = false;    // TestGoFiles or XTestGoFiles
  bool uses_cgo = false;
  std::string error;       // go list's error for this package, if any
};

struct BuildPlan {
  std::string module_path;
  std::vector<GoPackage> packages;  // every package go list reported, in its order
  std::vector<std::string> libraries;  // import paths for the init runner
  std::vector<std::string> commands;   // import paths of main packages
  std::vector<std::string> tested;     // import paths of packages with tests
};

Result<BuildPlan> parse_go_list(std::string_view json_stream, const std::string& module_path);

// Source of the init runner: a main package that blank-imports every library package so
// every init() and package-level initializer runs, then stays alive for `window` so that
// goroutines started by init() keep running.
std::string init_runner_source(const std::vector<std::string>& imports, std::chrono::milliseconds window);

// A file-system-safe name for an import path ("example.test/a/b" -> "example.test_a_b").
std::string binary_name(std::string_view import_path);

}  // namespace gs::harness
