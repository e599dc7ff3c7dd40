// job_result.cpp — hand-written validation of the job-result contract with nlohmann_json
// (Debian ships no JSON Schema validator for C++). Every rule here is one line of
// schemas/job-result.schema.json; keep them in step.
#include "workers/exec/job_result.hpp"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "workers/exec/npy_file.hpp"
#include "workers/exec/result_file.hpp"
#include "contract/input_limits.hpp"

namespace t2 {

namespace {

using json = nlohmann::json;

// JSON has no NaN or Infinity, yet Python's json.dump writes them by default. So that such a
// file is reported as "loss = NaN" rather than "malformed JSON", the bare tokens are turned
// into marker strings before parsing and recognised again where a number is expected. The
// marker starts with U+0001, written escaped in the JSON text: no real result contains it.
const std::string kMarker = "\x01t2-nonfinite:";
const std::string kMarkerJson = "\\u0001t2-nonfinite:";

// Also enforces limits::kMaxJsonDepth, so that no deeper document reaches nlohmann (whose
// dump() recurses: ~100k levels crashed the rank, issue 12 item 2).
std::string mark_non_finite(const std::string& text, const std::string& file) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  int depth = 0, line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') ++line;
    if (!in_string && (c == '[' || c == '{') && ++depth > limits::kMaxJsonDepth)
      throw ResultError(fmt::format("{}: line {}: JSON nested deeper than {} levels (schemas/job-result.md)", file,
                                    line, limits::kMaxJsonDepth));
    if (!in_string && (c == ']' || c == '}')) --depth;
    if (in_string) {
      out.push_back(c);
      if (c == '\\' && i + 1 < text.size()) out.push_back(text[++i]);
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      out.push_back(c);
      continue;
    }
    bool replaced = false;
    for (const char* token : {"-Infinity", "Infinity", "NaN"}) {
      std::size_t len = std::strlen(token);
      if (text.compare(i, len, token) == 0) {
        out += "\"" + kMarkerJson + token + "\"";
        i += len - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) out.push_back(c);
  }
  return out;
}

std::string show(const json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s.rfind(kMarker, 0) == 0) return s.substr(kMarker.size());
  }
  // Never the whole of an untrusted document: a large array is named by its size, and invalid
  // UTF-8 is replaced rather than thrown on.
  if (v.is_structured() && v.size() > 16) return fmt::format("{} of {} entries", v.type_name(), v.size());
  std::string d = v.dump(-1, ' ', false, json::error_handler_t::replace);
  return limits::one_line(d, 60);
}

class Checker {
 public:
  Checker(const json& root, std::string file) : root_(root), file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& field, const json* value, const std::string& problem) const {
    if (value) throw ResultError(fmt::format("{}: {} = {}: {}", file_, field, show(*value), problem));
    throw ResultError(fmt::format("{}: {}: {}", file_, field, problem));
  }

  const json* get(const std::string& key) const {
    auto it = root_.find(key);
    return it == root_.end() || it->is_null() ? nullptr : &*it;
  }

  // A number (finite, rejecting the NaN/Infinity markers) at `v`, called `field` in messages.
  double number_at(const json& v, const std::string& field) const {
    if (!v.is_number()) {
      bool non_finite = v.is_string() && v.get_ref<const std::string&>().rfind(kMarker, 0) == 0;
      fail(field, &v, non_finite ? "must be a finite number" : "must be a number");
    }
    double d = v.get<double>();
    if (!std::isfinite(d)) fail(field, &v, "must be a finite number");
    return d;
  }

  double number(const std::string& key, bool required, double fallback, bool positive, bool non_negative) const {
    const json* v = get(key);
    if (!v) {
      if (required) fail(key, nullptr, "required number is missing");
      return fallback;
    }
    if (!v->is_number()) {
      bool non_finite = v->is_string() && v->get_ref<const std::string&>().rfind(kMarker, 0) == 0;
      std::string what = positive ? "a finite number > 0" : non_negative ? "a finite number >= 0" : "a finite number";
      fail(key, v, non_finite ? "must be " + what : "must be " + what + " (not " + std::string(v->type_name()) + ")");
    }
    double d = v->get<double>();
    if (!std::isfinite(d) || (positive && !(d > 0)) || (non_negative && !(d >= 0)))
      fail(key, v, positive ? "must be a finite number > 0" : non_negative ? "must be a finite number >= 0"
                                                                           : "must be a finite number");
    return d;
  }

  std::uint64_t count(const std::string& key) const {
    const json* v = get(key);
    if (!v) fail(key, nullptr, "required integer is missing");
    if (!v->is_number_integer() && !(v->is_number_float() && v->get<double>() == std::floor(v->get<double>())))
      fail(key, v, "must be an integer");
    double d = v->get<double>();
    if (d < 0) fail(key, v, "must be >= 0");
    // Compared with the job's 32-bit count; a double past 2^64 would not even convert (UB that
    // the fuzz stage found: "problems": 18446744073709551616).
    if (d > double(std::numeric_limits<std::uint32_t>::max()))
      fail(key, v, fmt::format("must be at most {}", std::numeric_limits<std::uint32_t>::max()));
    return static_cast<std::uint64_t>(d);
  }

  std::vector<double> numbers(const std::string& key, bool non_negative) const {
    std::vector<double> out;
    const json* v = get(key);
    if (!v) return out;
    if (!v->is_array()) fail(key, v, "must be an array of numbers");
    for (std::size_t i = 0; i < v->size(); ++i) {
      double d = number_at((*v)[i], fmt::format("{}[{}]", key, i));
      if (non_negative && d < 0) fail(fmt::format("{}[{}]", key, i), &(*v)[i], "must be >= 0");
      out.push_back(d);
    }
    return out;
  }

  std::string path(const std::string& key) const {
    const json* v = get(key);
    if (!v) return "";
    if (!v->is_string() || v->get_ref<const std::string&>().empty()) fail(key, v, "must be a non-empty path string");
    // Stored in the store and passed in argv, where a NUL would silently cut it.
    if (v->get_ref<const std::string&>().find('\0') != std::string::npos) fail(key, v, "must not contain a NUL character");
    std::filesystem::path p(v->get<std::string>());
    return p.is_absolute() ? p.string() : std::filesystem::absolute(p).lexically_normal().string();
  }

 private:
  const json& root_;
  std::string file_;
};

json parse_object(const std::string& text, const std::string& file) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) throw ResultError(file + ": the result file is empty");
  json root;
  try {
    root = json::parse(mark_non_finite(text, file));
  } catch (const json::exception& e) {
    // nlohmann's message starts with "[json.exception.parse_error.101] parse error at line 1, ...";
    // a number too large for a double is out_of_range.406. Both quote the input: keep it short.
    std::string what = e.what();
    auto at = what.find("] ");
    throw ResultError(fmt::format("{}: malformed JSON: {}", file,
                                  limits::one_line(at == std::string::npos ? what : what.substr(at + 2), 300)));
  }
  if (!root.is_object()) throw ResultError(fmt::format("{}: the result must be a JSON object, not {}", file, root.type_name()));
  return root;
}

std::string read_file(const std::string& path) {
  try {
    return read_job_file(path, limits::kMaxResultBytes);
  } catch (const JobFileError& e) {
    if (e.missing) throw ResultError(fmt::format("{}: the job wrote no result file", path));
    throw ResultError(fmt::format("{}: the result file {}", path, e.what()));
  }
}

// At most this many curve points are kept (TrainResult::loss_curve's documented bound).
constexpr std::size_t kMaxCurvePoints = 64;

}  // namespace

TrainResult parse_train_result(const std::string& text, const std::string& file) {
  json root = parse_object(text, file);
  Checker c(root, file);
  TrainResult r;
  r.final_loss = c.number("loss", true, 0, true, false);
  r.tokens_seen = c.number("tokens", true, 0, true, false);
  r.params = c.number("params", true, 0, true, false);
  r.params_total = c.number("params_total", false, r.params, true, false);
  if (r.params_total < r.params)
    c.fail("params_total", c.get("params_total"), fmt::format("must be >= params ({})", r.params));
  // N without embeddings: checked so that a result states both counts consistently; the store
  // keeps params and params_total (schemas/job-result.md §4).
  double non_embedding = c.number("params_non_embedding", false, 0, true, false);
  if (c.get("params_non_embedding") && non_embedding > r.params_total)
    c.fail("params_non_embedding", c.get("params_non_embedding"),
           fmt::format("must be <= params_total ({}): embeddings cannot have a negative count", r.params_total));
  r.flops = c.number("flops", false, 6.0 * r.params * r.tokens_seen, false, true);
  if (!std::isfinite(r.flops))  // the default 6 N D overflows for absurd params x tokens
    c.fail("flops", nullptr, fmt::format("6 * params * tokens = {} is not finite; give flops", r.flops));
  r.checkpoint = c.path("checkpoint");

  auto curve = c.numbers("loss_curve", false);
  auto tokens = c.numbers("curve_tokens", true);
  for (std::size_t i = 0; i < curve.size(); ++i)
    if (!(curve[i] > 0)) c.fail(fmt::format("loss_curve[{}]", i), &(*c.get("loss_curve"))[i], "must be > 0");
  if (!tokens.empty() && tokens.size() != curve.size())
    c.fail("curve_tokens", c.get("curve_tokens"),
           fmt::format("has {} entries but loss_curve has {}", tokens.size(), curve.size()));
  if (tokens.empty())  // evenly spaced over the run when the job did not say where
    for (std::size_t i = 0; i < curve.size(); ++i) tokens.push_back(r.tokens_seen * double(i + 1) / double(curve.size()));
  // Keep at most kMaxCurvePoints, evenly spread, always including the last point.
  std::size_t n = curve.size(), keep = std::min(n, kMaxCurvePoints);
  for (std::size_t j = 0; j < keep; ++j) {
    std::size_t i = keep == n ? j : (n - 1) - (keep - 1 - j) * (n - 1) / (keep - 1);
    r.loss_curve.push_back(static_cast<float>(curve[i]));
    r.curve_tokens.push_back(static_cast<float>(tokens[i]));
  }
  return r;
}

EvalResult parse_eval_result(const std::string& text, const std::string& file, const EvalExpectation& expect) {
  json root = parse_object(text, file);
  Checker c(root, file);
  EvalResult e;
  auto problems = c.count("problems");
  auto samples = c.count("samples");
  if (problems != expect.problems)
    c.fail("problems", c.get("problems"), fmt::format("the job was asked for {} problems", expect.problems));
  if (samples != expect.samples)
    c.fail("samples", c.get("samples"), fmt::format("the job was asked for {} samples per problem", expect.samples));
  e.problems = expect.problems;
  e.samples = expect.samples;

  const json* correct = c.get("correct");
  const json* outcomes = c.get("outcomes_file");
  if (correct && outcomes) c.fail("correct", nullptr, "give either correct or outcomes_file, not both");
  if (!correct && !outcomes) c.fail("correct", nullptr, "required: a problems x samples array of 0/1 (or outcomes_file)");
  e.correct.resize(std::size_t(problems) * samples);
  if (correct) {
    if (!correct->is_array() || correct->size() != problems)
      c.fail("correct", correct, fmt::format("must be an array of {} rows (one per problem)", problems));
    for (std::size_t i = 0; i < problems; ++i) {
      const json& row = (*correct)[i];
      if (!row.is_array() || row.size() != samples)
        c.fail(fmt::format("correct[{}]", i), &row, fmt::format("must be an array of {} values 0/1 (one per sample)", samples));
      for (std::size_t s = 0; s < samples; ++s) {
        const json& v = row[s];
        int bit = -1;
        if (v.is_boolean()) bit = v.get<bool>() ? 1 : 0;
        else if (v.is_number_integer()) bit = v.get<std::int64_t>() == 0 ? 0 : v.get<std::int64_t>() == 1 ? 1 : -1;
        if (bit < 0) c.fail(fmt::format("correct[{}][{}]", i, s), &v, "must be 0, 1, true or false");
        e.correct[i * samples + s] = static_cast<std::uint8_t>(bit);
      }
    }
  } else {
    std::string path = c.path("outcomes_file");
    NpyMatrix m;
    try {
      m = read_npy_outcomes(path);
    } catch (const NpyError& err) {
      c.fail("outcomes_file", outcomes, err.what());
    }
    if (m.rows != problems || m.cols != samples)
      c.fail("outcomes_file", outcomes,
             fmt::format("has shape ({}, {}); expected (problems, samples) = ({}, {})", m.rows, m.cols, problems, samples));
    e.correct = std::move(m.values);
  }

  // nll is optional: a correctness-only task (unit-tested code) has no gold answer to score.
  // Absent, every problem's NLL is NaN, which the store keeps as "not measured": pass@k then
  // comes from the samples only, and likelihood-based fits say which problems lack it.
  if (c.get("nll")) {
    e.answer_nll = c.numbers("nll", true);
    if (e.answer_nll.size() != problems)
      c.fail("nll", c.get("nll"),
             fmt::format("has {} entries; expected one per problem ({})", e.answer_nll.size(), problems));
  } else {
    e.answer_nll.assign(problems, std::numeric_limits<double>::quiet_NaN());
  }

  e.tokens_per_sample = c.number("tokens_per_sample", false, expect.default_tokens_per_sample, true, false);
  e.flops = c.number("flops", false, 2.0 * expect.n_params * e.tokens_per_sample * double(samples) * double(problems),
                     false, true);
  if (!std::isfinite(e.flops)) c.fail("flops", nullptr, fmt::format("the default cost {} is not finite; give flops", e.flops));
  return e;
}

TrainResult read_train_result(const std::string& path) { return parse_train_result(read_file(path), path); }

EvalResult read_eval_result(const std::string& path, const EvalExpectation& expect) {
  return parse_eval_result(read_file(path), path, expect);
}

}  // namespace t2
