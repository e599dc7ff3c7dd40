// job_result_tests.cpp — the job-result contract (schemas/job-result.md) field by field: what
// is accepted, what is rejected, and that every rejection names the file, field and value.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

#include "exec_test_support.hpp"
#include "workers/exec/job_result.hpp"
#include "workers/exec/npy_file.hpp"

using namespace t2;
using namespace t2::test;

namespace {

std::string train_error(const std::string& text) {
  try {
    parse_train_result(text, "result.json");
  } catch (const ResultError& e) {
    return e.what();
  }
  return "accepted";
}

std::string eval_error(const std::string& text, std::uint32_t problems = 2, std::uint32_t samples = 3) {
  try {
    parse_eval_result(text, "result.json", {problems, samples, 1e6, 16});
  } catch (const ResultError& e) {
    return e.what();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("training results: every field is read exactly and optional ones get defaults", "[exec][contract]") {
  TrainResult r = parse_train_result(
      R"({"loss": 2.875, "tokens": 1.5e9, "params": 1.25e8, "params_total": 1.5e8, "flops": 1.2e18,
          "checkpoint": "/ckpt/model.pt", "loss_curve": [4.5, 3.25, 2.875], "curve_tokens": [5e8, 1e9, 1.5e9],
          "my_extra_metric": {"anything": true}})",
      "result.json");
  CHECK(r.final_loss == 2.875);
  CHECK(r.tokens_seen == 1.5e9);
  CHECK(r.params == 1.25e8);
  CHECK(r.params_total == 1.5e8);
  CHECK(r.flops == 1.2e18);
  CHECK(r.checkpoint == "/ckpt/model.pt");
  CHECK(r.loss_curve == std::vector<float>{4.5f, 3.25f, 2.875f});
  CHECK(r.curve_tokens == std::vector<float>{5e8f, 1e9f, 1.5e9f});

  TrainResult d = parse_train_result(R"({"loss": 3, "tokens": 100, "params": 10, "loss_curve": [5, 4, 3, 3]})", "r");
  CHECK(d.params_total == 10);
  CHECK(d.flops == 6.0 * 10 * 100);
  CHECK(d.checkpoint.empty());
  CHECK(d.curve_tokens == std::vector<float>{25, 50, 75, 100});  // evenly spread when not given
}

TEST_CASE("training results: a long loss curve is thinned to 64 points keeping both ends", "[exec][contract]") {
  std::ostringstream text;
  text << R"({"loss": 9, "tokens": 1000, "params": 10, "loss_curve": [)";
  for (int i = 0; i < 1000; ++i) text << (i ? "," : "") << 10.0 - i * 0.001;
  text << R"(], "curve_tokens": [)";
  for (int i = 0; i < 1000; ++i) text << (i ? "," : "") << i + 1;
  text << "]}";
  TrainResult r = parse_train_result(text.str(), "r");
  REQUIRE(r.loss_curve.size() == 64);
  CHECK(r.curve_tokens.front() == 1);
  CHECK(r.curve_tokens.back() == 1000);
  for (std::size_t i = 1; i < r.curve_tokens.size(); ++i) CHECK(r.curve_tokens[i] > r.curve_tokens[i - 1]);
}

TEST_CASE("training results: contract violations name the field and value", "[exec][contract]") {
  CHECK(train_error(R"({"loss": NaN, "tokens": 1, "params": 1})") == "result.json: loss = NaN: must be a finite number > 0");
  CHECK(train_error(R"({"loss": Infinity, "tokens": 1, "params": 1})") ==
        "result.json: loss = Infinity: must be a finite number > 0");
  CHECK(train_error(R"({"loss": -1.5, "tokens": 1, "params": 1})") == "result.json: loss = -1.5: must be a finite number > 0");
  CHECK(train_error(R"({"loss": "2.5", "tokens": 1, "params": 1})") ==
        "result.json: loss = \"2.5\": must be a finite number > 0 (not string)");
  CHECK(train_error(R"({"tokens": 1, "params": 1})") == "result.json: loss: required number is missing");
  CHECK(train_error(R"({"loss": 2, "tokens": 0, "params": 1})") == "result.json: tokens = 0: must be a finite number > 0");
  CHECK(train_error(R"({"loss": 2, "tokens": 1})") == "result.json: params: required number is missing");
  CHECK(train_error(R"({"loss": 2, "tokens": 1, "params": 10, "params_total": 5})") ==
        "result.json: params_total = 5: must be >= params (10)");
  CHECK(train_error(R"({"loss": 2, "tokens": 1, "params": 10, "params_non_embedding": 11})") ==
        "result.json: params_non_embedding = 11: must be <= params_total (10): embeddings cannot have a negative count");
  CHECK(train_error(R"({"loss": 2, "tokens": 1, "params": 10, "params_non_embedding": 0})") ==
        "result.json: params_non_embedding = 0: must be a finite number > 0");
  CHECK(train_error(R"({"loss": 2, "tokens": 1, "params": 10, "params_non_embedding": 7})") == "accepted");
  CHECK(train_error(R"({"loss": 2, "tokens": 1, "params": 7, "params_total": 10, "params_non_embedding": 7})") ==
        "accepted");
  CHECK(train_error(R"({"loss": 2, "tokens": 1, "params": 1, "checkpoint": 7})") ==
        "result.json: checkpoint = 7: must be a non-empty path string");
  CHECK(train_error(R"({"loss": 2, "tokens": 1, "params": 1, "loss_curve": [3, NaN]})") ==
        "result.json: loss_curve[1] = NaN: must be a finite number");
  CHECK(train_error(R"({"loss": 2, "tokens": 1, "params": 1, "loss_curve": [3, 2], "curve_tokens": [1]})") ==
        "result.json: curve_tokens = [1]: has 1 entries but loss_curve has 2");
  CHECK(train_error(R"({"loss": 2, "tokens": 1, )") .rfind("result.json: malformed JSON: parse error", 0) == 0);
  CHECK(train_error("  \n") == "result.json: the result file is empty");
  CHECK(train_error("[1, 2]") == "result.json: the result must be a JSON object, not array");
  // "NaN" inside a string is text, not a number
  CHECK(train_error(R"({"loss": 2, "tokens": 1, "params": 1, "note": "NaN Infinity"})") == "accepted");
}

TEST_CASE("eval results: inline outcomes are read and checked against the requested shape", "[exec][contract]") {
  EvalResult e = parse_eval_result(
      R"({"problems": 2, "samples": 3, "correct": [[1, 0, true], [false, 0, 1]], "nll": [0.25, 3], "flops": 5e9})",
      "result.json", {2, 3, 1e6, 16});
  CHECK(e.correct == std::vector<std::uint8_t>{1, 0, 1, 0, 0, 1});
  CHECK(e.answer_nll == std::vector<double>{0.25, 3});
  CHECK(e.flops == 5e9);
  CHECK(e.tokens_per_sample == 16);

  CHECK(eval_error(R"({"problems": 2, "samples": 3, "correct": [[1,0,1]], "nll": [1, 2]})") ==
        "result.json: correct = [[1,0,1]]: must be an array of 2 rows (one per problem)");
  CHECK(eval_error(R"({"problems": 2, "samples": 3, "correct": [[1,0,1],[1,0]], "nll": [1, 2]})") ==
        "result.json: correct[1] = [1,0]: must be an array of 3 values 0/1 (one per sample)");
  CHECK(eval_error(R"({"problems": 2, "samples": 3, "correct": [[1,0,1],[1,0,2]], "nll": [1, 2]})") ==
        "result.json: correct[1][2] = 2: must be 0, 1, true or false");
  CHECK(eval_error(R"({"problems": 2, "samples": 3, "correct": [[1,0,1],[1,0,1]], "nll": [1]})") ==
        "result.json: nll = [1]: has 1 entries; expected one per problem (2)");
  CHECK(eval_error(R"({"problems": 2, "samples": 3, "correct": [[1,0,1],[1,0,1]], "nll": [1, -0.5]})") ==
        "result.json: nll[1] = -0.5: must be >= 0");
  CHECK(eval_error(R"({"problems": 4, "samples": 3, "correct": [], "nll": []})") ==
        "result.json: problems = 4: the job was asked for 2 problems");
  CHECK(eval_error(R"({"problems": 2, "samples": 3, "nll": [1, 2]})") ==
        "result.json: correct: required: a problems x samples array of 0/1 (or outcomes_file)");
  CHECK(eval_error(R"({"problems": 2, "samples": 3, "correct": [], "outcomes_file": "x.npy", "nll": [1, 2]})") ==
        "result.json: correct: give either correct or outcomes_file, not both");
}

TEST_CASE("eval results: nll is optional and, absent, is NaN for every problem", "[exec][contract]") {
  // A correctness-only task (unit-tested code) has no gold answer whose likelihood could be scored.
  EvalResult e = parse_eval_result(R"({"problems": 2, "samples": 3, "correct": [[1,0,1],[0,0,0]]})", "result.json",
                                   {2, 3, 1e6, 16});
  REQUIRE(e.answer_nll.size() == 2);
  CHECK(std::isnan(e.answer_nll[0]));
  CHECK(std::isnan(e.answer_nll[1]));
  CHECK(e.correct == std::vector<std::uint8_t>{1, 0, 1, 0, 0, 0});
  // null counts as absent, as for every field
  EvalResult n = parse_eval_result(R"({"problems": 1, "samples": 1, "correct": [[1]], "nll": null})", "result.json",
                                   {1, 1, 1e6, 16});
  REQUIRE(n.answer_nll.size() == 1);
  CHECK(std::isnan(n.answer_nll[0]));
  // present, it is still checked entry by entry
  CHECK(eval_error(R"({"problems": 2, "samples": 3, "correct": [[1,0,1],[1,0,1]], "nll": [1, NaN]})") ==
        "result.json: nll[1] = NaN: must be a finite number");
}

namespace {

// A .npy file built byte by byte (format 1.0), for the reader's edge cases.
void write_npy(const std::string& path, const std::string& descr, const std::string& shape, const std::string& data,
               bool fortran = false) {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
                       ", 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  out << std::string("\x93NUMPY\x01\x00", 8) << char(header.size() & 0xff) << char(header.size() >> 8) << header << data;
}

std::string npy_error(const std::string& path) {
  try {
    read_npy_outcomes(path);
  } catch (const NpyError& e) {
    return e.what();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("the .npy reader accepts 0/1 integer matrices and names what is wrong with others", "[exec][npy]") {
  TempDir dir;
  std::string f = dir / "m.npy";
  write_npy(f, ">i2", "(2, 2)", std::string("\0\1\0\0\0\0\0\1", 8));
  NpyMatrix m = read_npy_outcomes(f);
  CHECK(m.rows == 2);
  CHECK(m.cols == 2);
  CHECK(m.values == std::vector<std::uint8_t>{1, 0, 0, 1});

  write_npy(f, "|u1", "(2, 2)", std::string("\1\0\2\0", 4));
  CHECK(npy_error(f) == f + ": element [1, 0] is not 0 or 1");
  write_npy(f, "<f8", "(1, 1)", std::string(8, '\0'));
  CHECK_THAT(npy_error(f), Catch::Contains("dtype must be bool or an integer type"));
  write_npy(f, "|u1", "(4,)", std::string(4, '\0'));
  CHECK(npy_error(f) == f + ": shape must be (problems, samples); has 1 dimensions");
  write_npy(f, "|u1", "(3, 3)", std::string(4, '\0'));
  CHECK(npy_error(f) == f + ": truncated data: shape (3, 3) needs 9 bytes, the file has 4");
  std::ofstream(f) << "not numpy";
  CHECK(npy_error(f) == f + ": not a .npy file (bad magic)");
  CHECK(npy_error(dir / "missing.npy") == dir / "missing.npy" + ": cannot open the outcomes file (no such file)");
}

TEST_CASE("eval results: an outcomes file of the wrong shape is a bad result naming both shapes", "[exec][contract]") {
  TempDir dir;
  std::string f = dir / "o.npy";
  write_npy(f, "|b1", "(3, 2)", std::string(6, '\0'));
  CHECK(eval_error(R"({"problems": 2, "samples": 3, "outcomes_file": ")" + f + R"(", "nll": [1, 2]})") ==
        "result.json: outcomes_file = \"" + f + "\": has shape (3, 2); expected (problems, samples) = (2, 3)");
}

// Issue 12: a hostile job's output is refused as a bad result with a one-line reason, quickly
// and in bounded memory; never a crash, a hang or an allocation sized by the job's claims.
TEST_CASE("a result JSON nested deeper than the limit is a bad result, not a crash", "[exec][contract][limits]") {
  std::string deep = "{\"loss\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  auto msg = train_error(deep);
  CHECK(msg == "result.json: line 1: JSON nested deeper than 64 levels (schemas/job-result.md)");
  // brackets inside strings are text, not nesting
  CHECK(train_error("{\"loss\": 2, \"tokens\": 1e9, \"params\": 1e8, \"checkpoint\": \"" +
                    std::string(1000, '[') + "\"}") == "accepted");
}

TEST_CASE("values quoted in result errors are bounded and on one line", "[exec][contract][limits]") {
  std::string big = "[" + std::string("1,", 0);
  for (int i = 0; i < 100000; ++i) big += "1,";
  big += "1]";
  auto msg = train_error("{\"loss\": " + big + ", \"tokens\": 1e9, \"params\": 1e8}");
  CHECK(msg == "result.json: loss = array of 100001 entries: must be a finite number > 0 (not array)");
  msg = train_error("{\"loss\": \"a\\nb" + std::string(500, 'c') + "\", \"tokens\": 1e9, \"params\": 1e8}");
  CHECK(msg.find('\n') == std::string::npos);
  CHECK(msg.size() < 200);
}

TEST_CASE("stored strings and costs from a result are checked: no NUL path, finite flops", "[exec][contract][limits]") {
  CHECK_THAT(train_error(R"({"loss": 2, "tokens": 1e9, "params": 1e8, "checkpoint": "a\u0000b"})"),
             Catch::Contains("checkpoint = \"a\\u0000b\": must not contain a NUL character"));
  CHECK_THAT(train_error(R"({"loss": 2, "tokens": 1e300, "params": 1e300})"),
             Catch::Contains("flops: 6 * params * tokens = inf is not finite"));
  CHECK_THAT(train_error(R"({"loss": 2, "tokens": 1e9, "params": 1e8, "flops": 1e999})"),
             Catch::Contains("result.json: malformed JSON: number overflow parsing '1e999'"));
}

TEST_CASE("a .npy whose header claims more data than the file holds is refused before allocating",
          "[exec][npy][limits]") {
  TempDir dir;
  std::string f = dir / "big.npy";
  write_npy(f, "|u1", "(32768, 32768)", std::string(16, '\0'));
  CHECK(npy_error(f) == f + ": truncated data: shape (32768, 32768) needs 1073741824 bytes, the file has 16");
  write_npy(f, "<i8", "(4294967296, 4294967295)", std::string(16, '\0'));
  CHECK_THAT(npy_error(f), Catch::Contains("needs more than 2^64 bytes"));
}

TEST_CASE("result files must be regular files within the size limit; a FIFO cannot block", "[exec][contract][limits]") {
  TempDir dir;
  auto read_error = [](const std::string& path) {
    try {
      read_train_result(path);
    } catch (const ResultError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  std::string fifo = dir / "fifo.json";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(read_error(fifo) == fifo + ": the result file is a FIFO, not a regular file");
  std::string link = dir / "link.json";
  REQUIRE(::symlink("/dev/zero", link.c_str()) == 0);
  CHECK(read_error(link) == link + ": the result file is a symbolic link (job output must be a regular file)");
  CHECK(read_error(dir / "none.json") == dir / "none.json" + ": the job wrote no result file");
  std::string huge = dir / "huge.json";
  { std::ofstream(huge) << "{}"; }
  REQUIRE(::truncate(huge.c_str(), (64 << 20) + 1) == 0);  // sparse: costs no disk
  CHECK(read_error(huge) == huge + ": the result file is 67108865 bytes; at most 67108864 are read (schemas/job-result.md)");
  std::string npy_fifo = dir / "o.npy";
  REQUIRE(::mkfifo(npy_fifo.c_str(), 0600) == 0);
  CHECK(npy_error(npy_fifo) == npy_fifo + ": the outcomes file is a FIFO, not a regular file");
}

// Found by the fuzz stage (tests/fuzz, seed 12): each was a crash or an exception other than a
// bad result before its fix.
TEST_CASE("fuzz regressions: .npy headers that crashed or escaped the reader are bad results", "[exec][npy][limits]") {
  TempDir dir;
  std::string f = dir / "h.npy";
  // A long shape text: std::regex recursed once per character and overflowed the stack.
  write_npy(f, "|u1", "(4, 3" + std::string(60000, ' ') + ")", std::string(12, '\1'));
  NpyMatrix m = read_npy_outcomes(f);
  CHECK(m.rows == 4);
  CHECK(m.cols == 3);
  // Numbers too long for std::stoull / std::stoi threw std::out_of_range, not NpyError.
  write_npy(f, "|u1", "(99999999999999999999999999999, 3)", std::string(12, '\0'));
  CHECK(npy_error(f) == f + ": shape too large");
  write_npy(f, "<i99999999999999", "(4, 3)", std::string(12, '\0'));
  CHECK(npy_error(f) == f + ": unsupported dtype <i99999999999999");
  // The header quoted in a message is cut and on one line.
  write_npy(f, "<f8" + std::string(5000, 'x'), "(4, 3)", std::string(96, '\0'));
  auto msg = npy_error(f);
  CHECK_THAT(msg, Catch::Contains("dtype must be bool or an integer type"));
  CHECK(msg.size() < 400);
  // A long outcomes_file path (the job's own string) is cut in the message (seed 1, mutant 260).
  std::string long_path = dir / (std::string(2000, 'p') + ".npy");
  msg = eval_error(R"({"problems": 2, "samples": 3, "outcomes_file": ")" + long_path + R"("})");
  CHECK_THAT(msg, Catch::StartsWith("result.json: outcomes_file = ") && Catch::Contains("the outcomes file"));
  CHECK(msg.size() < 600);
}

TEST_CASE("fuzz regressions: a problem count past 2^64 is a bad result, not undefined behaviour", "[exec][contract][limits]") {
  // static_cast<uint64_t>(1.8e19) is undefined (UBSan: outside the range of representable values).
  CHECK(eval_error(R"({"problems": 18446744073709551616, "samples": 3, "correct": []})") ==
        "result.json: problems = 1.8446744073709552e+19: must be at most 4294967295");
  CHECK(eval_error(R"({"problems": 2, "samples": 1e300, "correct": []})") ==
        "result.json: samples = 1e+300: must be at most 4294967295");
}
