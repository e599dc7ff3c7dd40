// planted_log_tests.cpp — a job's log is never written through a planted symbolic link, at its
// name or at its folder (issue 12 item 13; child_process.cpp opens both with O_NOFOLLOW).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "workers/exec/child_process.hpp"

using namespace t2;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("t2-planted-log-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string content(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("a link planted at a job's log or its folder is refused, the job not started, the target untouched") {
  CancelFlag cancel{false};
  fs::path d = fresh_dir("log");
  fs::path target = d / "target";
  std::ofstream(target) << "keep";
  fs::create_directories(d / "real");

  SECTION("link at the log's name") {
    fs::create_symlink(target, d / "real" / "train.attempt-1.log");
    auto out = run_child({"/bin/echo", "hello"}, {}, (d / "real" / "train.attempt-1.log").string(), {}, cancel);
    CHECK(out.end == ChildOutcome::End::not_started);
    CHECK_THAT(out.start_error, Catch::Contains("train.attempt-1.log is a symbolic link; refusing to follow it"));
  }
  SECTION("link at the log's folder") {
    fs::create_directories(d / "elsewhere");
    fs::create_directory_symlink(d / "elsewhere", d / "run-000000");
    auto out = run_child({"/bin/echo", "hello"}, {}, (d / "run-000000" / "train.attempt-1.log").string(), {}, cancel);
    CHECK(out.end == ChildOutcome::End::not_started);
    CHECK_THAT(out.start_error, Catch::Contains("run-000000 is a symbolic link; refusing to follow it"));
    CHECK(fs::is_empty(d / "elsewhere"));
  }
  SECTION("a regular folder and name: the job runs and logs") {
    auto out = run_child({"/bin/echo", "hello"}, {}, (d / "real" / "train.attempt-1.log").string(), {}, cancel);
    CHECK(out.end == ChildOutcome::End::exited);
    CHECK(content(d / "real" / "train.attempt-1.log").find("hello") != std::string::npos);
  }
  CHECK(content(target) == "keep");
  fs::remove_all(d);
}
