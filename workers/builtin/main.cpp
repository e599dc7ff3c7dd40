// main.cpp — t2-builtin: the built-in trainer and sampler as a standalone program that speaks
// the exec backend's JSON job-result contract (schemas/workload-builtin.md, "t2-builtin").
// Owns flag parsing and JSON output only; the work is BuiltinWorkload's.
//
//   t2-builtin train --n N --d D --seed S --run-dir DIR --out result.json [--threads T] [--settings F]
//   t2-builtin eval --checkpoint PATH --task NAME --problems P --samples K --temperature T --seed S
//                   --out result.json [--top-k K] [--threads T] [--settings F]
//
// --settings F: a TOML file whose top-level keys are [workload.builtin] settings (eval must use
// the same task settings as train). Exit status: 0 success, 1 the job failed, 2 bad usage.
#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "workers/builtin/builtin_workload.hpp"
#include "workers/builtin/new_file.hpp"

namespace {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const char* kUsage =
    "usage: t2-builtin train --n N --d D --seed S --run-dir DIR --out FILE [--threads T] [--settings TOML]\n"
    "       t2-builtin eval --checkpoint PATH --task NAME --problems P --samples K --temperature T --seed S\n"
    "                       --out FILE [--top-k K] [--threads T] [--settings TOML]\n";

std::atomic<bool> g_cancel{false};
extern "C" void on_signal(int) { g_cancel.store(true); }

// --flag value pairs; every flag must be in `known`, every `required` one present.
std::map<std::string, std::string> parse_flags(int argc, char** argv, const std::vector<std::string>& known,
                                               const std::vector<std::string>& required) {
  std::map<std::string, std::string> f;
  for (int i = 2; i < argc; i += 2) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0 || std::find(known.begin(), known.end(), k.substr(2)) == known.end())
      throw UsageError("unknown flag " + k);
    if (i + 1 >= argc) throw UsageError(k + " needs a value");
    f[k.substr(2)] = argv[i + 1];
  }
  for (const auto& r : required)
    if (!f.count(r)) throw UsageError("missing --" + r);
  return f;
}

double number(const std::map<std::string, std::string>& f, const std::string& k) {
  const std::string& v = f.at(k);
  std::size_t used = 0;
  double x = 0;
  try {
    x = std::stod(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || !std::isfinite(x)) throw UsageError("--" + k + " " + v + ": not a number");
  return x;
}

// A count or a seed. Digits only are read exactly as a 64-bit integer: a sweep's seeds are 64-bit
// (contract/seed.hpp), and a seed read through a double above 2^53 would be another seed, so the
// command line could not reproduce the job. Anything else ("1e6") is read as a number and must be
// a whole number that a double holds exactly (<= 2^53).
std::uint64_t whole(const std::map<std::string, std::string>& f, const std::string& k) {
  const std::string& v = f.at(k);
  if (!v.empty() && v.find_first_not_of("0123456789") == std::string::npos) {
    std::uint64_t u = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), u);
    if (ec != std::errc() || end != v.data() + v.size())
      throw UsageError("--" + k + " " + v + ": not a whole number in [0, 2^64)");
    return u;
  }
  double x = number(f, k);
  if (x < 0 || x != std::floor(x) || x > 9007199254740992.0)
    throw UsageError("--" + k + " " + v + ": not a whole number >= 0 (above 2^53, give its digits)");
  return std::uint64_t(x);
}

std::unique_ptr<t2::Workload> make(const std::map<std::string, std::string>& f) {
  toml::table table;
  std::string file = "(defaults)";
  if (f.count("settings")) {
    file = f.at("settings");
    try {
      table = toml::parse_file(file);
    } catch (const toml::parse_error& e) {
      throw t2::ConfigError(file, int(e.source().begin.line), "", "", std::string(e.description()));
    }
  }
  if (f.count("threads")) {
    if (table.contains("threads")) throw UsageError("--threads and threads in " + file + " both given");
    table.insert("threads", std::int64_t(whole(f, "threads")));
  }
  t2::TableReader reader(table, "workload.builtin", file);
  return t2::make_builtin_workload(reader);
}

void write_json(const std::string& path, const nlohmann::json& j) {
  std::FILE* out = t2::builtin::create_temp_for(path);  // O_EXCL | O_NOFOLLOW .tmp, renamed over path
  std::string text = j.dump() + "\n";
  std::fwrite(text.data(), 1, text.size(), out);
  t2::builtin::commit_temp(out, path);
}

int run(int argc, char** argv) {
  if (argc < 2) throw UsageError("missing subcommand");
  std::string cmd = argv[1];
  std::signal(SIGTERM, on_signal);
  std::signal(SIGUSR1, on_signal);
  std::signal(SIGINT, on_signal);
  if (cmd == "train") {
    auto f = parse_flags(argc, argv, {"n", "d", "seed", "run-dir", "out", "threads", "settings"},
                         {"n", "d", "seed", "run-dir", "out"});
    t2::TrainSpec spec;
    spec.n_params = number(f, "n");
    spec.n_tokens = number(f, "d");
    if (!(spec.n_params >= 1000 && spec.n_params <= 1e9)) throw UsageError("--n " + f["n"] + ": must be in 1e3..1e9");
    if (!(spec.n_tokens >= 1)) throw UsageError("--d " + f["d"] + ": must be >= 1");
    spec.seed = whole(f, "seed");
    spec.run_dir = f["run-dir"];
    auto w = make(f);
    t2::TrainResult r = w->train(spec, g_cancel);
    write_json(f["out"], {{"loss", r.final_loss},
                          {"tokens", r.tokens_seen},
                          {"params", r.params},
                          {"params_total", r.params_total},
                          {"checkpoint", r.checkpoint},
                          {"loss_curve", r.loss_curve},
                          {"curve_tokens", r.curve_tokens}});
    return 0;
  }
  if (cmd == "eval") {
    auto f = parse_flags(
        argc, argv,
        {"checkpoint", "task", "problems", "samples", "temperature", "seed", "out", "top-k", "threads", "settings"},
        {"checkpoint", "task", "problems", "samples", "temperature", "seed", "out"});
    t2::EvalSpec spec;
    spec.checkpoint = f["checkpoint"];
    spec.task = f["task"];
    spec.problems = std::uint32_t(whole(f, "problems"));
    spec.samples = std::uint32_t(whole(f, "samples"));
    if (spec.problems < 1 || spec.problems > 100000)
      throw UsageError("--problems " + f["problems"] + ": must be in 1..100000");
    if (spec.samples < 1 || spec.samples > 4096) throw UsageError("--samples " + f["samples"] + ": must be in 1..4096");
    spec.temperature = number(f, "temperature");
    if (spec.temperature < 0) throw UsageError("--temperature " + f["temperature"] + ": must be >= 0");
    spec.seed = whole(f, "seed");
    if (f.count("top-k")) spec.top_k = std::uint32_t(whole(f, "top-k"));
    auto w = make(f);
    t2::EvalResult r = w->evaluate(spec, g_cancel);
    nlohmann::json correct = nlohmann::json::array();
    for (std::uint32_t i = 0; i < r.problems; ++i) {
      auto row = nlohmann::json::array();
      for (std::uint32_t k = 0; k < r.samples; ++k) row.push_back(int(r.correct[std::size_t(i) * r.samples + k]));
      correct.push_back(row);
    }
    write_json(f["out"],
               {{"problems", r.problems}, {"samples", r.samples}, {"correct", correct}, {"nll", r.answer_nll}});
    return 0;
  }
  throw UsageError("unknown subcommand \"" + cmd + "\"");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const UsageError& e) {
    std::cerr << "t2-builtin: " << e.what() << "\n" << kUsage;
    return 2;
  } catch (const t2::ConfigError& e) {
    std::cerr << "t2-builtin: " << e.what() << "\n";
    return 2;
  } catch (const t2::JobFailure& e) {
    std::cerr << "t2-builtin: " << t2::to_string(e.cls) << ": " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "t2-builtin: " << e.what() << "\n";
    return 1;
  }
}
