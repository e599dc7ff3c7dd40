// fuzz_config.cpp — sweep-config mutants through the config parser in-process, one per
// iteration, as `t2 validate` reads a file: load_sweep_config (size and nesting pre-scan, toml++,
// every table, the backend's own checks), then what validate does with an accepted config
// (grid points, workload warnings) and config_diff (resume compares texts).
//
//   t2_fuzz_config [--seed S] [--count N] [--timeout SEC] [--only I] [--sample K] --out DIR CORPUS.toml...
//
// Every seed file must be accepted as it is. A mutant passes when it is accepted, or refused
// with a ConfigError whose message names the file on one short line of UTF-8. Anything else
// (another exception type, a message not naming the file) is counted as a failure and its file
// kept in DIR; a mutant past --timeout or a sanitizer report ends the process with a line naming
// it. --sample K copies every (N/K)-th mutant to DIR/sample/ with DIR/sample/manifest.tsv
// (file, accepted|refused) for tests/fuzz/cli_sample.py to run through the real `t2 validate`.
// Exit 0 when no mutant failed.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <typeinfo>
#include <vector>

#include "orchestrator/config/sweep_config.hpp"
#include "tests/fuzz/harness.hpp"
#include "tests/fuzz/mutate.hpp"
#include "workers/factory.hpp"

using namespace t2;
using namespace t2::fuzz;
namespace fs = std::filesystem;

namespace {

struct Outcome {
  bool accepted = false;
  std::string failure;  // empty unless the mutant broke a rule
  std::string message;  // the refusal
};

Outcome run_one(const std::string& path, const std::string& base_text) {
  Outcome o;
  try {
    SweepConfig c = load_sweep_config(path);
    auto pts = grid_points(c.grid);
    auto warnings = workload_warnings(c.workload);
    for (auto& w : warnings)
      if (auto p = refusal_problem(w, path); !p.empty()) o.failure = "warning " + p + ": " + printable(w);
    (void)config_diff(base_text, c.text);
    if (pts.size() > 100000) o.failure = "accepted a grid of " + std::to_string(pts.size()) + " points";
    o.accepted = true;
  } catch (const ConfigError& e) {
    o.message = e.what();
    if (auto p = refusal_problem(o.message, path); !p.empty()) o.failure = "refusal " + p + ": " + printable(o.message);
  } catch (const std::exception& e) {
    o.failure = std::string("threw ") + typeid(e).name() + " instead of ConfigError: " + printable(e.what());
  } catch (...) {
    o.failure = "threw a non-std exception";
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t seed = 12, count = 1000, sample = 0;
  long only = -1;
  unsigned timeout = 5;
  std::string out;
  std::vector<std::string> corpus_files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "t2_fuzz_config: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--seed") seed = std::stoull(value());
    else if (a == "--count") count = std::stoull(value());
    else if (a == "--timeout") timeout = static_cast<unsigned>(std::stoul(value()));
    else if (a == "--only") only = std::stol(value());
    else if (a == "--sample") sample = std::stoull(value());
    else if (a == "--out") out = value();
    else corpus_files.push_back(a);
  }
  if (out.empty() || corpus_files.empty()) {
    std::fprintf(stderr, "usage: t2_fuzz_config [--seed S] [--count N] [--timeout SEC] [--only I] [--sample K] --out DIR CORPUS.toml...\n");
    return 2;
  }
  install_guards();
  fs::create_directories(out);
  out = fs::absolute(out).lexically_normal().string();
  g_current_file = out + "/CURRENT";

  // The seeds themselves must pass: a harness whose corpus is refused mutates only refusals.
  std::vector<std::string> corpus;
  int failures = 0;
  for (std::size_t k = 0; k < corpus_files.size(); ++k) {
    corpus.push_back(read_whole(corpus_files[k]));
    std::string path = out + "/seed-" + std::to_string(k) + ".toml";
    write_file(path, corpus.back());
    begin_mutant("seed " + corpus_files[k], timeout);
    Outcome o = run_one(path, corpus.back());
    end_mutant();
    if (!o.accepted) {
      std::fprintf(stderr, "t2_fuzz_config: seed %s is not accepted: %s%s\n", corpus_files[k].c_str(),
                   printable(o.message).c_str(), o.failure.c_str());
      ++failures;
    }
  }

  std::string sample_dir = out + "/sample";
  std::FILE* manifest = nullptr;
  if (sample) {
    fs::create_directories(sample_dir);
    manifest = std::fopen((sample_dir + "/manifest.tsv").c_str(), "w");
  }
  std::uint64_t run = 0, accepted = 0, refused = 0;
  std::map<std::string, int> failed_ops;
  double slowest = 0;
  std::uint64_t slowest_at = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    if (only >= 0 && i != static_cast<std::uint64_t>(only)) continue;
    Rng rng = mutant_rng(seed, i);
    std::size_t base = rng.below(corpus.size());
    std::string ops;
    std::string text = mutate(corpus[base], corpus, Syntax::toml, rng, ops);
    std::string path = out + "/config-" + std::to_string(i) + ".toml";
    write_file(path, text);
    auto t0 = std::chrono::steady_clock::now();
    begin_mutant("config mutant " + std::to_string(i) + " (seed " + std::to_string(seed) + ", " + ops + " of " +
                     corpus_files[base] + "): " + path,
                 timeout);
    Outcome o = run_one(path, corpus[base]);
    end_mutant();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (secs > slowest) slowest = secs, slowest_at = i;
    ++run;
    (o.accepted ? accepted : refused)++;
    if (!o.failure.empty()) {
      ++failures;
      ++failed_ops[ops];
      std::fprintf(stderr, "t2_fuzz_config: FAIL mutant %llu (%s of %s, kept as %s): %s\n",
                   static_cast<unsigned long long>(i), ops.c_str(), corpus_files[base].c_str(), path.c_str(),
                   o.failure.c_str());
      continue;
    }
    if (only >= 0)
      std::printf("mutant %ld (%s): %s\n", only, ops.c_str(), o.accepted ? "accepted" : printable(o.message).c_str());
    if (manifest && i % std::max<std::uint64_t>(1, count / sample) == 0) {
      std::string copy = sample_dir + "/config-" + std::to_string(i) + ".toml";
      fs::copy_file(path, copy, fs::copy_options::overwrite_existing);
      std::fprintf(manifest, "%s\t%s\n", copy.c_str(), o.accepted ? "accepted" : "refused");
    }
    fs::remove(path);
  }
  if (manifest) std::fclose(manifest);
  std::printf("t2_fuzz_config: seed %llu: %llu config mutants of %zu seed files: %llu refused naming the file, "
              "%llu accepted, %d failures; slowest %.3f s (mutant %llu)\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(run), corpus.size(),
              static_cast<unsigned long long>(refused), static_cast<unsigned long long>(accepted), failures, slowest,
              static_cast<unsigned long long>(slowest_at));
  return failures ? 1 : 0;
}
