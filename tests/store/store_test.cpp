// store_test.cpp — the store's behaviour at its boundary: what goes in comes back (journal,
// .h5 alone, after reopen), the job state rules, recovery of a torn journal and a damaged .h5,
// the writer lock, and refusal of bad stores without touching them.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "orchestrator/store/compare.hpp"
#include "orchestrator/store/h5.hpp"
#include "orchestrator/store/hdf5_view.hpp"
#include "orchestrator/store/store.hpp"
#include "tests/store/store_fixtures.hpp"

using namespace t2;
using namespace t2::test;

namespace {

const char* kConfig = "[sweep]\nname = \"t\"\nseed = 7\n";

// A store holding every kind of event: two batches, done/failed/retried/cancelled/running jobs,
// documents, a replaced config.
void populate(Store& s) {
  std::vector<PlannedRun> runs;
  std::vector<PlannedEval> evals;
  plan(runs, evals, 0, 4, 2, 30, 16);
  auto b0 = s.plan_batch(runs, evals);
  REQUIRE(b0.index == 0);
  REQUIRE(b0.n_runs == 4);
  REQUIRE(b0.n_evals == 8);
  for (JobIndex r = 0; r < 3; ++r) {
    s.job_started(JobKind::train, r, meta(1));
    s.train_done(r, train_result(r), meta(1));
  }
  s.job_started(JobKind::train, 3, meta(1));
  s.job_failed(JobKind::train, 3, FailureClass::timeout, "took longer than 60 s", meta(1), false);
  s.job_started(JobKind::train, 3, meta(2));
  s.commit();
  for (JobIndex e = 0; e < 5; ++e) {
    s.job_started(JobKind::eval, e, meta(1));
    s.eval_done(e, eval_result(e, 30, 16), meta(1));
  }
  s.job_started(JobKind::eval, 5, meta(1));
  s.job_failed(JobKind::eval, 5, FailureClass::exit_code, "exit code 3", meta(1), true);
  s.job_started(JobKind::eval, 6, meta(1));
  s.job_failed(JobKind::eval, 6, FailureClass::cancelled, "shutdown", meta(1), false);
  s.add_document({"fit", 0, 1700000100.5, "{\"E\": 1.7}"});
  s.sync_hdf5();
  runs.clear();
  evals.clear();
  plan(runs, evals, 4, 2, 1, 12, 64);
  auto b1 = s.plan_batch(runs, evals);
  REQUIRE(b1.first_run == 4);
  REQUIRE(b1.first_eval == 8);
  s.job_started(JobKind::train, 4, meta(1));
  s.train_done(4, train_result(4), meta(1));
  s.job_started(JobKind::eval, 8, meta(1));
  s.eval_done(8, eval_result(8, 12, 64), meta(1));
  s.replace_config(std::string(kConfig) + "# forced\n", "sweep2.toml");
  s.add_document({"design", 1, 1700000200.25, "{\"next\": [1, 2]}"});
  s.commit();
}

StoreContents h5_only(const std::string& store, const std::string& dir) {
  std::string copy = dir + "/h5only.h5";
  copy_file(store, copy);
  return read_store(copy);
}

std::string new_store(const std::string& name, StoreOptions opt = {}) {
  std::string dir = scratch_dir(name);
  std::string path = dir + "/sweep.h5";
  Store s = Store::create(path, kConfig, "sweep.toml", opt);
  populate(s);
  s.close();
  return path;
}

std::string dir_of(const std::string& path) { return std::filesystem::path(path).parent_path().string(); }

template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const StoreError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("what goes into a store comes back identical from the journal, the .h5 alone and a reopen", "[store]") {
  std::string dir = scratch_dir("round_trip");
  std::string path = dir + "/sweep.h5";
  StoreContents live;
  {
    Store s = Store::create(path, kConfig, "sweep.toml");
    populate(s);
    live = s.contents();
  }  // the destructor commits, syncs and closes
  REQUIRE(live.journal_records > 20);
  CHECK(live.runs[3].state == JobState::running);
  CHECK(live.config_file == "sweep2.toml");

  StoreContents from_journal = read_store(path);
  CHECK(first_difference(live, from_journal) == "");
  StoreContents from_h5 = h5_only(path, dir);
  CHECK(first_difference(live, from_h5) == "");
  CHECK(validate_store(path).empty());

  Store reopened = Store::open(path);
  CHECK(first_difference(live, reopened.contents()) == "");
  // Resume: the run left running goes back to pending with its attempt kept.
  CHECK(reopened.requeue_running() == 1);
  CHECK(reopened.contents().runs[3].state == JobState::pending);
  CHECK(reopened.contents().runs[3].attempts == 2);
  CHECK(reopened.requeue_running() == 0);
  reopened.close();
  CHECK(first_difference(read_store(path), h5_only(path, dir)) == "");
  CHECK(validate_store(path).empty());
}

TEST_CASE("job state rules: attempts, retries, cancellation, requeue", "[store]") {
  std::string dir = scratch_dir("state_rules");
  Store s = Store::create(dir + "/s.h5", kConfig, "");
  std::vector<PlannedRun> runs;
  std::vector<PlannedEval> evals;
  plan(runs, evals, 0, 3, 1, 4, 4);
  s.plan_batch(runs, evals);
  const auto& c = s.contents();
  CHECK(c.runs[0].state == JobState::pending);
  CHECK(c.runs[0].attempts == 0);

  SECTION("started -> running with one more attempt; done -> done") {
    s.job_started(JobKind::train, 0, meta(1));
    CHECK(c.runs[0].state == JobState::running);
    CHECK(c.runs[0].attempts == 1);
    s.train_done(0, train_result(0), meta(1));
    CHECK(c.runs[0].state == JobState::done);
    CHECK(c.runs[0].result.final_loss == train_result(0).final_loss);
    CHECK(c.runs[0].meta.host == "node1");
  }
  SECTION("a failed attempt goes back to pending until the final one") {
    s.job_started(JobKind::train, 1, meta(1));
    s.job_failed(JobKind::train, 1, FailureClass::signal, "SIGSEGV", meta(1), false);
    CHECK(c.runs[1].state == JobState::pending);
    CHECK(c.runs[1].attempts == 1);
    CHECK(c.runs[1].failure == FailureClass::signal);
    s.job_started(JobKind::train, 1, meta(2));
    s.job_failed(JobKind::train, 1, FailureClass::error, "NaN loss", meta(2), true);
    CHECK(c.runs[1].state == JobState::failed);
    CHECK(c.runs[1].attempts == 2);
    CHECK(c.runs[1].reason == "NaN loss");
  }
  SECTION("a cancelled attempt gives its attempt back") {
    s.job_started(JobKind::eval, 0, meta(1));
    s.job_failed(JobKind::eval, 0, FailureClass::cancelled, "shutdown", meta(1), false);
    CHECK(c.evals[0].state == JobState::pending);
    CHECK(c.evals[0].attempts == 0);
  }
  SECTION("requeue_running turns every running job pending and keeps attempts") {
    s.job_started(JobKind::train, 0, meta(1));
    s.job_started(JobKind::train, 2, meta(1));
    s.job_started(JobKind::eval, 1, meta(1));
    CHECK(s.requeue_running() == 3);
    CHECK(c.runs[0].state == JobState::pending);
    CHECK(c.runs[2].attempts == 1);
    CHECK(c.evals[1].state == JobState::pending);
  }
  SECTION("impossible events are refused and change nothing: no job is stored twice") {
    s.job_started(JobKind::train, 0, meta(1));
    s.train_done(0, train_result(0), meta(1));
    auto before = c;
    auto records = c.journal_records;
    CHECK_THROWS_WITH(s.train_done(0, train_result(9), meta(1)), Catch::Contains("no job is stored twice"));
    CHECK_THROWS_WITH(s.train_done(7, train_result(0), meta(1)), Catch::Contains("only 3 runs are planned"));
    CHECK_THROWS_WITH(s.eval_done(3, eval_result(0, 4, 4), meta(1)), Catch::Contains("only 3 evals are planned"));
    CHECK_THROWS_AS(s.job_started(JobKind::train, 0, meta(2)), StoreError);
    CHECK_THROWS_WITH(s.eval_done(0, eval_result(0, 5, 4), meta(1)), Catch::Contains("planned 4 problems"));
    s.job_started(JobKind::eval, 0, meta(1));
    s.eval_done(0, eval_result(0, 4, 4), meta(1));
    CHECK_THROWS_WITH(s.eval_done(0, eval_result(0, 4, 4), meta(1)), Catch::Contains("no job is stored twice"));
    CHECK_THROWS_AS(s.job_failed(JobKind::eval, 0, FailureClass::lost, "x", meta(1), false), StoreError);
    CHECK_THROWS_WITH(s.add_document({"fit", 0, 0, "{\"E\": "}), Catch::Contains("not valid JSON"));
    std::vector<PlannedEval> bad(1);
    bad[0].run = 99;
    CHECK_THROWS_WITH(s.plan_batch({}, bad), Catch::Contains("run 99"));
    CHECK(c.journal_records == records + 2);
    CHECK(c.batches.size() == before.batches.size());
    CHECK(c.runs[0].result.final_loss == train_result(0).final_loss);
  }
  s.close();
  CHECK(first_difference(read_store(dir + "/s.h5"), c) == "");
}

TEST_CASE("a torn journal tail is cut off on open and never counted", "[store][recovery]") {
  std::string path = new_store("torn_tail");
  std::string jpath = path + ".journal";
  StoreContents full = read_store(path);
  std::uint64_t size = file_size(jpath);

  SECTION("a half-written record at the end") {
    // Append a copy of the last eval result record, cut short: what a kill mid-write leaves.
    std::string bytes = read_file(jpath);
    std::string tail = bytes.substr(bytes.size() - 400, 300);
    write_file(jpath, bytes + tail);
  }
  SECTION("zeros after the end (file extended, data not written)") {
    write_file(jpath, read_file(jpath) + std::string(4096, '\0'));
  }
  CHECK(first_difference(read_store(path), full) == "");  // readers ignore the tail
  {
    Store s = Store::open(path);
    CHECK(first_difference(s.contents(), full, false) == "");
  }
  CHECK(file_size(jpath) == size);
  CHECK(validate_store(path).empty());
}

TEST_CASE("the last record cut in half is refused (it was committed); --repair keeps the earlier ones",
          "[store][recovery]") {
  // Before journal format 3 this cut was taken for a torn tail and the record dropped silently;
  // the seal now says it was committed (a real torn tail lies past the seal: journal_test).
  std::string path = new_store("cut_last");
  std::string jpath = path + ".journal";
  StoreContents full = read_store(path);
  truncate_file(jpath, file_size(jpath) - 10);  // the last record (a document) loses its end
  std::filesystem::remove(path);                // and the .h5 is gone too
  CHECK_THAT(error_of([&] { read_store(path); }),
             Catch::Contains(jpath) && Catch::Contains(fmt::format("damaged journal record {}", full.journal_records - 1)));
  CHECK_THAT(error_of([&] { Store::open(path); }), Catch::Contains("refusing"));
  RepairReport rep = repair_store(path);
  REQUIRE(rep.repaired);
  CHECK(rep.kept_records == full.journal_records - 1);
  CHECK(rep.lost_records == 1);
  StoreContents cut = read_store(path);
  CHECK(cut.journal_records == full.journal_records - 1);
  CHECK(cut.documents.size() == full.documents.size() - 1);
  {
    Store s = Store::open(path);
    CHECK(first_difference(s.contents(), cut) == "");
  }
  CHECK(validate_store(path).empty());
}

TEST_CASE("a damaged record followed by good ones is refused with file and offset, store untouched",
          "[store][recovery]") {
  std::string path = new_store("corrupt_middle");
  std::string jpath = path + ".journal";
  std::string bytes = read_file(jpath);
  bytes[bytes.size() / 2] ^= 0x10;  // inside an early eval result
  write_file(jpath, bytes);
  auto before = checksums(path);

  std::string err = error_of([&] { Store::open(path); });
  CHECK_THAT(err, Catch::Contains(jpath) && Catch::Contains("byte offset") && Catch::Contains("refusing"));
  CHECK(checksums(path) == before);
  CHECK_THAT(error_of([&] { read_store(path); }), Catch::Contains("byte offset"));
  auto problems = validate_store(path);
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0], Catch::Contains("byte offset"));
  CHECK(checksums(path) == before);
}

TEST_CASE("a damaged .h5 is rebuilt from the journal on open", "[store][recovery]") {
  std::string path = new_store("rebuild");
  StoreContents full = read_store(path);
  SECTION("deleted") { std::filesystem::remove(path); }
  SECTION("truncated") { truncate_file(path, file_size(path) / 2); }
  SECTION("truncated to a few bytes") { truncate_file(path, 5); }
  SECTION("left mid-sync (syncing = 1)") {
    h5::Id f = h5::open_file(path, true);
    h5::set_attr(f, "syncing", std::uint8_t{1});
  }
  SECTION("ahead of the journal") {
    h5::Id f = h5::open_file(path, true);
    h5::set_attr(f, "journal_records", std::uint64_t{1000000});
  }
  SECTION("a rebuild left behind by a crash") {
    write_file(path + ".rebuild", "half a file");
    std::filesystem::remove(path);
  }
  { Store s = Store::open(path); }
  CHECK_FALSE(std::filesystem::exists(path + ".rebuild"));
  CHECK(validate_store(path).empty());
  CHECK(first_difference(h5_only(path, dir_of(path)), full) == "");
}

TEST_CASE("a second writer is refused and told who holds the lock", "[store][lock]") {
  std::string path = new_store("lock");
  CHECK(store_lock_holder(path) == "");
  {
    Store s = Store::open(path);
    std::string holder = store_lock_holder(path);
    CHECK_THAT(holder, Catch::StartsWith("pid " + std::to_string(::getpid()) + " on host "));
    auto before = checksums(path);
    std::string err = error_of([&] { Store::open(path); });
    CHECK_THAT(err, Catch::Contains(path) && Catch::Contains("locked by another coordinator (" + holder + ")"));
    CHECK(checksums(path) == before);
    // Readers take no lock.
    CHECK(read_store(path).runs.size() == 6);
  }
  CHECK(store_lock_holder(path) == "");
  CHECK_NOTHROW(Store::open(path));
}

TEST_CASE("bad stores are refused with one line naming the file, and left untouched", "[store][bad-input]") {
  std::string dir = scratch_dir("bad_stores");
  std::string path = dir + "/bad.h5";
  bool with_journal = false;

  SECTION("not an HDF5 file") { write_file(path, "N,D,loss\n1,2,3\n"); }
  SECTION("not an HDF5 file, with a journal") {
    std::string good = new_store("bad_stores_src1");
    copy_file(good + ".journal", path + ".journal");
    write_file(path, "N,D,loss\n1,2,3\n");
    with_journal = true;
  }
  SECTION("wrong schema version") {
    std::string good = new_store("bad_stores_src2");
    copy_file(good, path);
    h5::Id f = h5::open_file(path, true);
    h5::set_attr(f, "schema_version", std::uint32_t{99});
  }
  SECTION("wrong schema version, with a journal") {
    std::string good = new_store("bad_stores_src3");
    copy_file(good, path);
    copy_file(good + ".journal", path + ".journal");
    h5::Id f = h5::open_file(path, true);
    h5::set_attr(f, "schema_version", std::uint32_t{99});
    with_journal = true;
  }
  SECTION("an HDF5 file that is not a t2 store, with a journal") {
    std::string good = new_store("bad_stores_src6");
    copy_file(good + ".journal", path + ".journal");
    h5::Id f = h5::create_file(path);
    h5::Id g = h5::create_group(f, "someone_elses_data");
    with_journal = true;
  }
  SECTION("truncated file") {
    std::string good = new_store("bad_stores_src4");
    copy_file(good, path);
    truncate_file(path, file_size(path) / 3);
  }
  SECTION("a journal that is not a journal") {
    std::string good = new_store("bad_stores_src5");
    copy_file(good, path);
    write_file(path + ".journal", "hello, I am not a journal at all");
    with_journal = true;
  }
  auto before = checksums(path);
  std::string err = error_of([&] { read_store(path); });
  CHECK_THAT(err, Catch::Contains(path));
  CHECK(err.find('\n') == std::string::npos);
  auto problems = validate_store(path);
  CHECK_FALSE(problems.empty());
  if (with_journal) {
    CHECK_THAT(error_of([&] { Store::open(path); }), Catch::Contains(path));
  }
  CHECK(checksums(path) == before);
  INFO(err);
}

TEST_CASE("a store that disagrees with its journal fails validation", "[store][validate]") {
  std::string path = new_store("disagree");
  auto write = [&](const char* column, std::uint64_t row, double value) {
    h5::Id f = h5::open_file(path, true);
    h5::Id g = h5::open_group(f, "runs");
    h5::Id ds = h5::open_dataset(g, column);
    h5::write_rows<double>(ds, {row}, {value});
  };
  std::string expect;
  SECTION("changed behind t2's back: the seal no longer matches") {
    write("loss", 1, 42.0);
    expect = "damaged (its bytes do not match the checksum in its seal)";
  }
  SECTION("changed and sealed again: a stored value differs") {
    write("loss", 1, 42.0);
    seal_view(path);
    expect = "runs[1].result.final_loss";
  }
  SECTION("changed and sealed again: a run not done has a result") {
    write("flops", 3, 1e20);  // run 3 is running: h5py would read a number where NaN belongs
    seal_view(path);
    expect = "/runs/flops row 3 is 1e+20 for a run that is not done";
  }
  auto problems = validate_store(path);
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0], Catch::Contains(expect));
}

TEST_CASE("creating over an existing store is refused", "[store][bad-input]") {
  std::string path = new_store("create_twice");
  auto before = checksums(path);
  CHECK_THAT(error_of([&] { Store::create(path, kConfig, ""); }), Catch::Contains("already exists"));
  CHECK(checksums(path) == before);
  CHECK_THAT(error_of([&] { Store::open(path + ".nope"); }), Catch::Contains("no such store"));
}

namespace {
// Where an object lives in the file: unchanged if a sync did not rewrite it.
haddr_t object_address(const std::string& file, const std::string& name) {
  h5::Id f = h5::open_file(file, false);
  H5O_info_t info;
  REQUIRE(H5Oget_info_by_name2(f, name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) >= 0);
  return info.addr;
}
}  // namespace

TEST_CASE("syncs keep the .h5 equal to the journal as the store grows, never rewriting old outcomes", "[store]") {
  std::string dir = scratch_dir("many_syncs");
  std::string path = dir + "/s.h5";
  StoreOptions opt;
  opt.fsync = false;
  Store s = Store::create(path, kConfig, "", opt);
  std::vector<PlannedRun> runs;
  std::vector<PlannedEval> evals;
  plan(runs, evals, 0, 10, 3, 20, 8);
  s.plan_batch(runs, evals);
  haddr_t first = 0;
  for (JobIndex r = 0; r < 10; ++r) {
    s.job_started(JobKind::train, r, meta(1));
    s.train_done(r, train_result(r), meta(1));
    for (JobIndex e = 3 * r; e < 3 * r + 3; ++e) {
      s.job_started(JobKind::eval, e, meta(1));
      s.eval_done(e, eval_result(e, 20, 8), meta(1));
    }
    s.sync_hdf5();
    CHECK(validate_store(path).empty());
    if (r == 0) first = object_address(path, "/outcomes/000000/correct");
  }
  CHECK(first_difference(h5_only(path, dir), s.contents()) == "");
  // Incremental: the first outcome matrix is still where the first sync put it, ten syncs later.
  std::vector<PlannedRun> more_runs;
  std::vector<PlannedEval> more_evals;
  plan(more_runs, more_evals, 10, 1, 1, 20, 8);
  s.plan_batch(more_runs, more_evals);
  s.job_started(JobKind::eval, 30, meta(1));
  s.eval_done(30, eval_result(30, 20, 8), meta(1));
  s.sync_hdf5();
  CHECK(object_address(path, "/outcomes/000000/correct") == first);
  CHECK(validate_store(path).empty());
}

TEST_CASE("an HDF5 failure carries HDF5's own reason, not only what t2 tried", "[store][h5]") {
  std::string dir = scratch_dir("h5_reason");
  auto what = [](auto f) {
    try {
      f();
    } catch (const h5::H5Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  SECTION("a file that is not HDF5") {
    write_file(dir + "/x.h5", std::string(4096, 'x'));
    std::string err = what([&] { h5::open_file(dir + "/x.h5", false); });
    CHECK_THAT(err, Catch::StartsWith("cannot open as HDF5: ") && Catch::Contains("file signature not found"));
  }
  SECTION("a truncated store") {
    std::string path = new_store("h5_reason_src");
    copy_file(path, dir + "/t.h5");
    truncate_file(dir + "/t.h5", file_size(path) / 2);
    std::string err = what([&] { h5::open_file(dir + "/t.h5", false); });
    CHECK_THAT(err, Catch::StartsWith("cannot open as HDF5: ") && Catch::Contains("truncated file"));
    // and the store's refusal of it without a journal keeps that reason
    std::remove((dir + "/t.h5.journal").c_str());
    std::string refused = error_of([&] { read_store(dir + "/t.h5"); });
    CHECK_THAT(refused, Catch::Contains("truncated or damaged") && Catch::Contains("truncated file"));
  }
  SECTION("a missing object") {
    std::string path = new_store("h5_reason_src2");
    h5::Id f = h5::open_file(path, false);
    std::string err = what([&] { h5::open_group(f, "nope"); });
    CHECK_THAT(err, Catch::StartsWith("missing group nope: ") && Catch::Contains("object 'nope' doesn't exist"));
  }
}

TEST_CASE("a view damaged inside (a zeroed 4 KiB block anywhere) is found on open and rebuilt", "[store][recovery]") {
  std::string pristine = new_store("zeroed_src");
  StoreContents full = read_store(pristine);
  std::string dir = scratch_dir("zeroed");
  std::string path = dir + "/sweep.h5";
  std::uint64_t size = file_size(pristine);
  REQUIRE(size > 8 * 4096);
  int damaged = 0, changed = 0;
  // From the second block: a file whose first block (the HDF5 signature) is gone is "not an HDF5
  // file" and refused untouched, as a wrong path would be ("bad stores are refused ..." above).
  for (std::uint64_t at = 4096; at < size; at += 4096) {
    INFO("zeroed block at byte " << at << " of " << size);
    copy_file(pristine, path);
    copy_file(pristine + ".journal", path + ".journal");
    {
      std::string bytes = read_file(path);
      auto from = bytes.begin() + static_cast<long>(at), to = bytes.begin() + static_cast<long>(std::min(at + 4096, size));
      if (std::all_of(from, to, [](char b) { return b == '\0'; })) continue;  // zeroing it changes nothing
      std::fill(from, to, '\0');
      write_file(path, bytes);
    }
    ++changed;
    // Found without parsing the damage: its seal's checksum no longer matches.
    auto found = validate_store(path);
    damaged += found.size() == 1 && found[0].find("do not match the checksum") != std::string::npos;
    { Store s = Store::open(path); }
    auto problems = validate_store(path);
    CHECK(problems.empty());
    for (auto& p : problems) INFO(p);
    CHECK(first_difference(h5_only(path, dir), full) == "");
    CHECK_FALSE(std::filesystem::exists(path + ".rebuild"));
  }
  CHECK(changed > 8);
  CHECK(damaged == changed);
}
