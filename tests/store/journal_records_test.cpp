// journal_records_test.cpp — the journal's record codec (orchestrator/store/journal_records.hpp):
// every record type round-trips field for field, and its decoder refuses every truncation and
// a trailing byte with a message naming the record type.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "orchestrator/store/journal_records.hpp"
#include "tests/store/store_fixtures.hpp"

using namespace t2;
using namespace t2::test;

namespace {

JobMeta odd_meta() {
  JobMeta m;
  m.attempt = 3;
  m.rank = -7;
  m.host = "node-\xc3\xa9";
  m.wall_seconds = 12.25;
  m.time = 1700000123.5;
  return m;
}

// encode -> decode -> equal; then each shorter length and one extra byte are refused.
template <class Record>
void round_trip(const Record& r) {
  INFO("record type " << to_string(Record::type));
  std::vector<char> bytes = encode(r);
  Record back;
  decode(bytes.data(), bytes.size(), back);
  CHECK(back == r);
  CHECK(encode(back) == bytes);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    INFO("cut to " << n << " of " << bytes.size() << " bytes");
    Record cut;
    CHECK_THROWS_WITH(decode(bytes.data(), n, cut),
                      Catch::Contains(to_string(Record::type)) && Catch::Contains("does not decode"));
  }
  std::vector<char> longer = bytes;
  longer.push_back('\x01');
  Record extra;
  CHECK_THROWS_WITH(decode(longer.data(), longer.size(), extra), Catch::Contains("1 trailing bytes"));
}

}  // namespace

TEST_CASE("every journal record type round-trips and refuses truncation and trailing bytes", "[journal][codec]") {
  SECTION("created") {
    round_trip(CreatedRecord{1, "0.9.1", "[sweep]\nname = \"x\"\n", "sweep.toml", 1700000000.25});
  }
  SECTION("plan_batch") {
    PlanBatchRecord r;
    r.planned_at = 1700000001.125;
    plan(r.runs, r.evals, 0, 3, 2, 30, 16);
    r.evals[1].temperature = 0.7;
    r.evals[1].top_k = 40;
    round_trip(r);
    round_trip(PlanBatchRecord{5.0, {}, {}});
  }
  SECTION("job_started") {
    round_trip(JobStartedRecord{JobKind::eval, 4000000000u, odd_meta()});
    round_trip(JobStartedRecord{JobKind::train, 0, JobMeta{}});
  }
  SECTION("train_done") {
    TrainDoneRecord r{7, train_result(7), odd_meta()};
    r.result.flops = std::numeric_limits<double>::infinity();
    round_trip(r);
    TrainDoneRecord empty{0, TrainResult{}, JobMeta{}};  // no curve, no checkpoint
    round_trip(empty);
  }
  SECTION("eval_done") {
    round_trip(EvalDoneRecord{11, eval_result(11, 5, 3), odd_meta()});
  }
  SECTION("job_failed") {
    round_trip(JobFailedRecord{JobKind::eval, 2, FailureClass::timeout, "took longer than 60 s", odd_meta(), true});
    round_trip(JobFailedRecord{JobKind::train, 9, FailureClass::cancelled, "", JobMeta{}, false});
  }
  SECTION("requeue_running, requeue_lost (empty payloads)") {
    round_trip(RequeueRunningRecord{});
    round_trip(RequeueLostRecord{});
  }
  SECTION("document") {
    round_trip(DocumentRecord{Document{"fit", 2, 1700000100.5, "{\"E\": 1.7}"}});
  }
  SECTION("replace_config") {
    round_trip(ReplaceConfigRecord{"[sweep]\n# forced\n", ""});
  }
  SECTION("job_retry") {
    round_trip(JobRetryRecord{JobKind::eval, 12});
  }
}

TEST_CASE("the codec's bytes are the documented little-endian layout", "[journal][codec]") {
  // job_retry = kind u8, index u32 (schemas/store-layout.md "Record payloads").
  auto b = encode(JobRetryRecord{JobKind::eval, 0x01020304u});
  CHECK(b == std::vector<char>{1, 4, 3, 2, 1});
  // created starts with schema_version u32 then t2_version as u32 length + bytes.
  auto c = encode(CreatedRecord{1, "ab", "", "", 0.0});
  REQUIRE(c.size() == 4 + 6 + 4 + 4 + 8);
  CHECK(std::vector<char>(c.begin(), c.begin() + 10) == std::vector<char>{1, 0, 0, 0, 2, 0, 0, 0, 'a', 'b'});
}

TEST_CASE("decoders refuse impossible values with the record type named", "[journal][codec]") {
  auto started = encode(JobStartedRecord{JobKind::train, 1, JobMeta{}});
  started[0] = 2;  // job kind
  JobStartedRecord s;
  CHECK_THROWS_WITH(decode(started.data(), started.size(), s), Catch::Contains("job_started") &&
                                                                   Catch::Contains("unknown job kind 2"));
  auto failed = encode(JobFailedRecord{JobKind::train, 1, FailureClass::error, "x", JobMeta{}, true});
  failed[5] = 99;  // failure class
  JobFailedRecord f;
  CHECK_THROWS_WITH(decode(failed.data(), failed.size(), f), Catch::Contains("unknown failure class 99"));
  EvalDoneRecord bad{0, eval_result(0, 4, 4), JobMeta{}};
  bad.result.samples = 5;  // 16 outcomes, 4 x 5 claimed
  auto e = encode(bad);
  EvalDoneRecord back;
  CHECK_THROWS_WITH(decode(e.data(), e.size(), back), Catch::Contains("16 outcomes and 4 NLLs for 4 problems x 5"));
  // A count that claims more items than bytes left is refused before anything is allocated.
  PlanBatchRecord p{1.0, {}, {}};
  auto pb = encode(p);
  pb[8] = static_cast<char>(0xff);
  pb[15] = static_cast<char>(0x7f);
  PlanBatchRecord pr;
  CHECK_THROWS_WITH(decode(pb.data(), pb.size(), pr), Catch::Contains("runs past the end of the record"));
}
