// planted_links_test.cpp — the writer never follows a symbolic link planted at a file it creates
// or truncates beside the store (issue 12 item 13; schemas/store-layout.md "Planted links"):
// Store::create/open refuse naming the path, the link's target and the store stay as they were.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "orchestrator/store/store.hpp"
#include "tests/store/store_fixtures.hpp"

using namespace t2;
using namespace t2::test;

namespace {

const char* kConfig = "[sweep]\nname = \"links\"\nseed = 7\n";
const char* kPrecious = "bytes that must survive\n";

std::string make_target(const std::string& dir) {
  std::string t = dir + "/target";
  std::ofstream(t) << kPrecious;
  return t;
}

std::string content(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void plant(const std::string& target, const std::string& link) {
  std::filesystem::remove(link);
  REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
}

void require_refusal(const std::function<void()>& f, const std::string& link) {
  try {
    f();
    FAIL("no refusal for the link at " << link);
  } catch (const StoreError& e) {
    CHECK_THAT(e.what(), Catch::Contains(link + " is a symbolic link; refusing to follow it"));
  }
}

}  // namespace

TEST_CASE("a link planted beside an existing store is refused on open, target and store untouched") {
  for (const char* suffix : {".lock", ".journal", ".rebuild", ".journal.new", ""}) {
    DYNAMIC_SECTION("link at STORE" << suffix) {
      std::string dir = scratch_dir("planted-open");
      std::string path = dir + "/s.h5";
      {
        Store s = Store::create(path, kConfig, "sweep.toml");
        std::vector<PlannedRun> runs;
        std::vector<PlannedEval> evals;
        plan(runs, evals, 0, 2, 1, 4, 4);
        s.plan_batch(runs, evals);
        s.job_started(JobKind::train, 0, meta(1));
        s.train_done(0, train_result(0), meta(1));
        s.commit();
      }
      std::string link = path + suffix;
      std::string target = make_target(dir);
      std::string moved = dir + "/moved";
      bool real = std::filesystem::exists(link) && std::string(suffix) != ".lock";
      auto before = checksums(path);
      if (real) std::filesystem::rename(link, moved);
      std::string moved_sum = real ? checksum(moved) : "";
      plant(real ? moved : target, link);
      require_refusal([&] { Store::open(path); }, link);
      CHECK(content(target) == kPrecious);
      if (real) CHECK(checksum(moved) == moved_sum);
      CHECK(std::filesystem::is_symlink(link));
      std::filesystem::remove(link);
      if (real) std::filesystem::rename(moved, link);
      CHECK(checksums(path) == before);
      Store reopened = Store::open(path);
      CHECK(reopened.contents().runs.at(0).state == JobState::done);
    }
  }
}

TEST_CASE("a link planted at STORE.journal.new or STORE.lock is refused on create, nothing is created") {
  for (const char* suffix : {".journal.new", ".lock", ".rebuild", ""}) {
    DYNAMIC_SECTION("link at STORE" << suffix) {
      std::string dir = scratch_dir("planted-create");
      std::string path = dir + "/s.h5";
      std::string target = make_target(dir);
      plant(target, path + suffix);
      require_refusal([&] { Store::create(path, kConfig, "sweep.toml"); }, path + suffix);
      CHECK(content(target) == kPrecious);
      CHECK_FALSE(std::filesystem::exists(path + ".journal"));
    }
  }
}

TEST_CASE("a stale regular STORE.journal.new left by a crashed create is replaced") {
  std::string dir = scratch_dir("stale-journal-new");
  std::string path = dir + "/s.h5";
  std::ofstream(path + ".journal.new") << "half a journal";
  { Store s = Store::create(path, kConfig, "sweep.toml"); }
  CHECK_FALSE(std::filesystem::exists(path + ".journal.new"));
  CHECK(read_store(path).config_text == kConfig);
}
