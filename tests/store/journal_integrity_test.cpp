// journal_integrity_test.cpp — issue 12 items 7 and 8: a torn tail (a partial record past what
// was committed) is accepted, while damage — a cut into committed records, a bit flip in the
// final complete record, records missing against the seal or the view, a duplicated record or
// plan_batch — is refused by every reader naming the file and the records; `t2 validate
// --repair` salvages and says what was lost. Also: a format-2 store made by t2 ee4059b
// (tests/store/data/format2) is still read and resumed.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "orchestrator/store/journal.hpp"
#include "orchestrator/store/store.hpp"
#include "tests/store/store_fixtures.hpp"

using namespace t2;
using namespace t2::test;

namespace {

const char* kConfig = "[sweep]\nname = \"j\"\nseed = 3\n";

template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const StoreError& e) {
    return e.what();
  }
  return "";
}

// 3 runs with 1 eval each, all done, each job its own commit; a document last.
void fill(Store& s, std::uint32_t first_run, std::uint32_t n) {
  std::vector<PlannedRun> runs;
  std::vector<PlannedEval> evals;
  plan(runs, evals, first_run, n, 1, 8, 4);
  auto b = s.plan_batch(runs, evals);
  s.commit();
  for (JobIndex r = b.first_run; r < b.first_run + b.n_runs; ++r) {
    s.job_started(JobKind::train, r, meta(1));
    s.train_done(r, train_result(r), meta(1));
    s.commit();
  }
  for (JobIndex e = b.first_eval; e < b.first_eval + b.n_evals; ++e) {
    s.job_started(JobKind::eval, e, meta(1));
    s.eval_done(e, eval_result(e, 8, 4), meta(1));
    s.commit();
  }
  s.add_document({"fit", b.index, 1700000100.5, "{\"E\": 1.7}"});
}

std::string make_store(const std::string& name) {
  std::string path = scratch_dir(name) + "/s.h5";
  Store s = Store::create(path, kConfig, "s.toml");
  fill(s, 0, 3);
  s.close();
  return path;
}

std::size_t done_count(const StoreContents& c) {
  std::size_t n = 0;
  for (auto& r : c.runs) n += r.state == JobState::done;
  for (auto& e : c.evals) n += e.state == JobState::done;
  return n;
}

std::uint64_t end_of(const JournalScan& s, std::size_t i) {
  return s.records[i].offset + journal_frame_size(s.format) + s.records[i].length;
}

// A fresh copy of the format-2 fixture store (journal only; the view is rebuilt when opened).
std::string format2_copy(const std::string& name) {
  std::string dir = scratch_dir(name);
  copy_file(std::string(T2_SOURCE_DIR) + "/tests/store/data/format2/format2.h5.journal", dir + "/f2.h5.journal");
  return dir + "/f2.h5";
}

}  // namespace

TEST_CASE("a cut anywhere into committed records is refused by every reader, naming file and records",
          "[journal][integrity]") {
  std::string path = make_store("cut_committed");
  std::string jpath = path + ".journal";
  const std::string full = read_file(jpath), view = read_file(path);
  JournalScan scan = scan_journal(jpath);
  REQUIRE(scan.format == 3);
  REQUIRE(scan.sealed);
  REQUIRE(scan.sealed_records == scan.records.size());
  std::vector<std::uint64_t> cuts;
  for (std::uint64_t c = kJournalHeaderSize3; c < full.size(); c += 23) cuts.push_back(c);
  for (std::size_t i = 0; i + 1 < scan.records.size(); ++i) cuts.push_back(end_of(scan, i));  // whole records
  cuts.push_back(full.size() - 1);
  int refused = 0;
  for (auto cut : cuts) {
    INFO("journal cut to " << cut << " of " << full.size() << " bytes");
    write_file(jpath, full.substr(0, cut));
    write_file(path, view);
    std::string err = error_of([&] { read_store(path); });
    CHECK_THAT(err, Catch::Contains(jpath) && Catch::Contains("damaged journal record") &&
                        Catch::Contains("refusing") && Catch::Contains("--repair"));
    refused += !err.empty();
  }
  CHECK(refused == static_cast<int>(cuts.size()));
  // The writer (t2 run --resume) and t2 validate refuse too, and leave the store as it was.
  write_file(jpath, full.substr(0, end_of(scan, scan.records.size() - 3)));
  auto before = checksums(path);
  CHECK_THAT(error_of([&] { Store::open(path); }), Catch::Contains("are missing") && Catch::Contains(jpath));
  auto problems = validate_store(path);
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0], Catch::Contains("its seal says") && Catch::Contains("records"));
  CHECK(checksums(path) == before);
}

TEST_CASE("a torn tail past the seal (a commit killed before it was acknowledged) is accepted at every cut",
          "[journal][integrity][recovery]") {
  std::string path = scratch_dir("torn_unsealed") + "/s.h5";
  std::string jpath = path + ".journal";
  {
    Store s = Store::create(path, kConfig, "s.toml");
    fill(s, 0, 2);
  }
  const std::string sealed_head = read_file(jpath).substr(0, kJournalHeaderSize3);
  const std::uint64_t sealed_end = file_size(jpath);
  const std::size_t sealed_records = scan_journal(jpath).records.size();
  {
    Store s = Store::open(path);
    fill(s, 2, 2);
  }
  const std::string grown = read_file(jpath), view = read_file(path);
  JournalScan all = scan_journal(jpath);
  // What a kill -9 leaves after write() and before the seal is rewritten: the records (any part
  // of them) past the old seal. Every cut keeps the records that are complete.
  for (std::uint64_t cut = sealed_end; cut < grown.size(); cut += 29) {
    INFO("cut at " << cut);
    std::size_t complete = sealed_records;
    while (complete < all.records.size() && end_of(all, complete) <= cut) ++complete;
    write_file(jpath, sealed_head + grown.substr(kJournalHeaderSize3, cut - kJournalHeaderSize3));
    std::filesystem::remove(path);  // the view of the grown store would be ahead
    StoreContents c = read_store(path);
    CHECK(c.journal_records == complete);
    {
      Store s = Store::open(path);  // cuts the tail, seals what it kept
      CHECK(s.contents().journal_records == complete);
    }
    CHECK(validate_store(path).empty());
    JournalScan after = scan_journal(jpath);
    CHECK(after.sealed_records == complete);
    CHECK(after.file_size == (complete == 0 ? kJournalHeaderSize3 : end_of(after, complete - 1)));
  }
  (void)view;
}

TEST_CASE("a bit flip anywhere in the final complete record, or in the seal, is refused", "[journal][integrity]") {
  std::string path = make_store("flip_last");
  std::string jpath = path + ".journal";
  const std::string full = read_file(jpath);
  JournalScan scan = scan_journal(jpath);
  const std::size_t last = scan.records.size() - 1;
  for (std::uint64_t at = scan.records[last].offset; at < full.size(); ++at) {
    INFO("bit " << at % 8 << " of byte " << at);
    std::string bytes = full;
    bytes[at] = static_cast<char>(bytes[at] ^ (1 << (at % 8)));
    write_file(jpath, bytes);
    std::string err = error_of([&] { read_store(path); });
    CHECK_THAT(err, Catch::Contains(jpath) && Catch::Contains("damaged journal record " + std::to_string(last) + " at byte offset"));
  }
  for (std::uint64_t at = 16; at < kJournalHeaderSize3; ++at) {
    INFO("seal byte " << at);
    std::string bytes = full;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x04);
    write_file(jpath, bytes);
    CHECK_THAT(error_of([&] { read_store(path); }), Catch::Contains("damaged journal header"));
  }
}

TEST_CASE("whole records missing against the seal or the view are refused", "[journal][integrity]") {
  SECTION("format 3: the seal counts them") {
    std::string path = make_store("missing3");
    std::string jpath = path + ".journal";
    JournalScan scan = scan_journal(jpath);
    std::size_t n = scan.records.size();
    truncate_file(jpath, end_of(scan, n - 4));
    std::filesystem::remove(path);  // no view to compare with: the seal alone tells
    CHECK_THAT(error_of([&] { read_store(path); }),
               Catch::Contains(fmt::format("the journal holds {} records, its seal says {} were committed", n - 3, n)) &&
                   Catch::Contains(fmt::format("records {} to {} are missing", n - 3, n - 1)));
    CHECK_THAT(error_of([&] { Store::open(path); }), Catch::Contains("are missing"));
    CHECK_FALSE(std::filesystem::exists(path));  // nothing rebuilt from the shorter journal
  }
  SECTION("format 2: the view counts them") {
    std::string path = format2_copy("missing2");
    std::string jpath = path + ".journal";
    { Store s = Store::open(path); }  // builds the view: 24 records
    JournalScan scan = scan_journal(jpath);
    REQUIRE(scan.format == 2);
    REQUIRE(scan.records.size() == 24);
    truncate_file(jpath, scan.records[20].offset);
    auto before = checksums(path);
    std::string want = "the journal holds 20 records, but " + path + " reflects 24: records 20 to 23 are missing";
    CHECK_THAT(error_of([&] { read_store(path); }), Catch::Contains(want) && Catch::Contains(jpath));
    CHECK_THAT(error_of([&] { Store::open(path); }), Catch::Contains(want));
    auto problems = validate_store(path);
    REQUIRE(problems.size() == 1);
    CHECK_THAT(problems[0], Catch::Contains(want));
    CHECK(checksums(path) == before);
  }
}

TEST_CASE("a duplicated record or plan_batch is refused at replay", "[journal][integrity]") {
  SECTION("format 3: the same record twice repeats its sequence number") {
    std::string path = make_store("dup3");
    std::string jpath = path + ".journal";
    std::string bytes = read_file(jpath);
    JournalScan scan = scan_journal(jpath);
    const auto& pb = scan.records[1];
    REQUIRE(pb.type == RecordType::plan_batch);
    std::string copy = bytes.substr(pb.offset, journal_frame_size(3) + pb.length);
    write_file(jpath, bytes + copy);
    CHECK_THAT(error_of([&] { read_store(path); }),
               Catch::Contains(fmt::format("damaged journal record {}", scan.records.size())) &&
                   Catch::Contains("repeats sequence number 1 (a duplicated record)"));
  }
  SECTION("format 3: a copy of a batch under a fresh sequence number") {
    std::string path = make_store("dup3seq");
    std::string jpath = path + ".journal";
    JournalScan scan = scan_journal(jpath);
    std::filesystem::remove(jpath);
    std::filesystem::remove(path);
    {
      auto payload = [&](std::size_t i) {
        return std::vector<char>(scan.records[i].payload, scan.records[i].payload + scan.records[i].length);
      };
      JournalWriter w = JournalWriter::create(jpath, false, scan.records[0].type, payload(0));
      for (std::size_t i = 1; i < scan.records.size(); ++i) w.append(scan.records[i].type, payload(i));
      w.append(RecordType::plan_batch, payload(1));
      w.commit();
    }
    CHECK(scan_journal(jpath).records.size() == scan.records.size() + 1);  // the framing is sound
    std::string err = error_of([&] { read_store(path); });
    CHECK_THAT(err, Catch::Contains(fmt::format("record {}", scan.records.size())) &&
                        Catch::Contains("plan_batch repeats batch 0") && Catch::Contains("a duplicated record"));
    CHECK_THAT(error_of([&] { Store::open(path); }), Catch::Contains("plan_batch repeats batch 0"));
  }
  SECTION("format 2 (no sequence numbers): right after the original and at the end") {
    std::string path = format2_copy("dup2");
    std::string jpath = path + ".journal";
    std::string bytes = read_file(jpath);
    JournalScan scan = scan_journal(jpath);
    std::size_t first = 0;
    while (first < scan.records.size() && scan.records[first].type != RecordType::plan_batch) ++first;
    REQUIRE(first < scan.records.size());
    const auto& pb = scan.records[first];
    std::size_t end = pb.offset + journal_frame_size(2) + pb.length;
    std::string copy = bytes.substr(pb.offset, end - pb.offset);
    for (bool at_end : {false, true}) {
      INFO("at the end: " << at_end);
      write_file(jpath, at_end ? bytes + copy : bytes.substr(0, end) + copy + bytes.substr(end));
      CHECK_THAT(error_of([&] { read_store(path); }), Catch::Contains("plan_batch repeats batch 0"));
      auto problems = validate_store(path);
      REQUIRE_FALSE(problems.empty());
      CHECK_THAT(problems[0], Catch::Contains("plan_batch repeats batch 0"));
    }
  }
}

TEST_CASE("t2 validate --repair keeps the longest consistent prefix and says what was lost", "[journal][repair]") {
  SECTION("a bit flip in a middle record") {
    std::string path = make_store("repair_flip");
    std::string jpath = path + ".journal";
    StoreContents full = read_store(path);
    JournalScan scan = scan_journal(jpath);
    std::size_t bad = 0;
    for (std::size_t i = 0; i < scan.records.size(); ++i)
      if (scan.records[i].type == RecordType::eval_done) { bad = i; break; }
    REQUIRE(bad > 0);
    std::string bytes = read_file(jpath);
    bytes[scan.records[bad].offset + 30] ^= 0x20;
    write_file(jpath, bytes);
    REQUIRE_FALSE(validate_store(path).empty());

    RepairReport rep = repair_store(path);
    CHECK(rep.repaired);
    CHECK_THAT(rep.damage, Catch::Contains(fmt::format("damaged journal record {}", bad)));
    CHECK(rep.kept_records == bad);
    CHECK(rep.lost_records == scan.records.size() - bad);
    CHECK(read_file(rep.damaged_journal) == bytes);  // the original kept beside, byte for byte
    CHECK(std::filesystem::exists(rep.damaged_view));
    CHECK(validate_store(path).empty());
    StoreContents now = read_store(path);
    CHECK(now.journal_records == bad);
    CHECK(done_count(now) < done_count(full));
    // Every eval that was done and is not now is named; the runs kept their results.
    std::size_t named = 0;
    for (auto& line : rep.lost) named += line.find("eval ") == 0 && line.find("was done") != std::string::npos;
    std::size_t back = 0;
    for (std::size_t i = 0; i < full.evals.size(); ++i) back += full.evals[i].state != now.evals[i].state;
    CHECK(back > 0);
    CHECK(named == back);
    CHECK(scan_journal(jpath).format == 3);
    CHECK_FALSE(repair_store(path).repaired);  // nothing left to repair
    { Store s = Store::open(path); }           // and it resumes
  }
  SECTION("a format-2 journal cut short against its view") {
    std::string path = format2_copy("repair_cut2");
    std::string jpath = path + ".journal";
    { Store s = Store::open(path); }
    JournalScan scan = scan_journal(jpath);
    std::size_t first_done = 0;
    for (std::size_t i = 0; i < scan.records.size(); ++i)
      if (scan.records[i].type == RecordType::train_done) { first_done = i; break; }
    truncate_file(jpath, scan.records[first_done].offset + 7);
    RepairReport rep = repair_store(path);
    CHECK(rep.repaired);
    CHECK(rep.kept_records == first_done);
    CHECK(rep.lost_records == 24 - first_done);
    bool run0 = false;
    for (auto& line : rep.lost) run0 |= line.find("run 0: was done, is now") == 0;
    CHECK(run0);
    CHECK(validate_store(path).empty());
    CHECK(read_store(path).runs.at(0).state != JobState::done);
  }
}

TEST_CASE("a format-2 store made by t2 ee4059b is read and resumed", "[journal][format2]") {
  std::string path = format2_copy("format2_read");
  std::ifstream in(std::string(T2_SOURCE_DIR) + "/tests/store/data/format2/expected.json");
  nlohmann::json want = nlohmann::json::parse(in);
  StoreContents c = read_store(path);
  CHECK(c.journal_records == want["journal_records"].get<std::uint64_t>());
  REQUIRE(c.runs.size() == want["runs_loss"].size());
  for (std::size_t i = 0; i < c.runs.size(); ++i) {
    CHECK(c.runs[i].state == JobState::done);
    CHECK(c.runs[i].result.final_loss == want["runs_loss"][i].get<double>());
    CHECK(c.runs[i].result.checkpoint == want["runs_checkpoint"][i].get<std::string>());
  }
  REQUIRE(c.evals.size() == want["evals_correct_sum"].size());
  for (std::size_t i = 0; i < c.evals.size(); ++i) {
    std::uint64_t sum = 0;
    for (auto v : c.evals[i].result.correct) sum += v;
    CHECK(sum == want["evals_correct_sum"][i].get<std::uint64_t>());
    CHECK(c.evals[i].result.answer_nll.at(0) == want["evals_nll0"][i].get<double>());
  }
  REQUIRE(c.documents.size() == want["documents"].size());
  for (std::size_t i = 0; i < c.documents.size(); ++i) CHECK(c.documents[i].kind == want["documents"][i]);
  {
    Store s = Store::open(path);  // resume: appended to in its own framing
    s.add_document({"fit", 2, 1700000300.0, "{}"});
  }
  JournalScan scan = scan_journal(path + ".journal");
  CHECK(scan.format == 2);
  CHECK(scan.records.size() == 25);
  CHECK(read_store(path).documents.size() == c.documents.size() + 1);
  CHECK(validate_store(path).empty());
}
