// fuzz_results.cpp — job-result mutants through the exec backend's readers in-process, one per
// iteration, as a worker reads them after a job exits: train and eval result JSON files
// (read_train_result / read_eval_result) and .npy outcome files named by an eval result's
// outcomes_file; plus a few result paths that are not regular files (FIFO, link to /dev/zero,
// directory).
//
//   t2_fuzz_results [--seed S] [--json N] [--npy N] [--timeout SEC] [--only I] --out DIR
//
// A mutant passes when it is accepted and the result keeps the contract (finite positive loss,
// 0/1 outcomes of the asked shape, ...), or refused with a ResultError whose message names the
// result file on one short line of UTF-8 (and, for a .npy mutant, the outcomes_file field).
// Anything else counts as a failure, its files kept in DIR; a mutant past --timeout or a
// sanitizer report ends the process with a line naming it. Exit 0 when no mutant failed.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <typeinfo>
#include <vector>

#include "tests/fuzz/harness.hpp"
#include "tests/fuzz/mutate.hpp"
#include "workers/exec/job_result.hpp"

using namespace t2;
using namespace t2::fuzz;
namespace fs = std::filesystem;

namespace {

// The eval seeds ask for 4 problems x 3 samples; the .npy seeds hold that matrix.
const EvalExpectation kExpect{4, 3, 1e6, 16};
const std::string kBits("\x01\x00\x01\x00\x00\x00\x01\x00\x01\x01\x01\x01", 12);  // 4 x 3, row-major

std::string widen(const std::string& bytes, int width, bool big) {
  std::string out;
  for (char b : bytes)
    for (int k = 0; k < width; ++k) out += (big ? k == width - 1 : k == 0) ? b : '\0';
  return out;
}

std::string transpose(const std::string& m, int rows, int cols) {
  std::string out(m.size(), '\0');
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) out[c * rows + r] = m[r * cols + c];
  return out;
}

std::vector<std::string> npy_seeds() {
  std::string bits(kBits.data(), 12);
  return {
      npy_file("{'descr': '|u1', 'fortran_order': False, 'shape': (4, 3), }", bits),
      npy_file("{'descr': '|b1', 'fortran_order': False, 'shape': (4, 3), }", bits),
      npy_file("{'descr': '<i8', 'fortran_order': False, 'shape': (4, 3), }", widen(bits, 8, false)),
      npy_file("{'descr': '>u4', 'fortran_order': True, 'shape': (4, 3), }", widen(transpose(bits, 4, 3), 4, true)),
      npy_file("{'descr': '<u2', 'fortran_order': False, 'shape': (4, 3), }", widen(bits, 2, false), true),
  };
}

const std::vector<std::string> kTrainSeeds = {
    R"({"loss": 2.875, "tokens": 1.5e9, "params": 1.25e8, "params_total": 1.5e8, "params_non_embedding": 1e8,
 "flops": 1.2e18, "checkpoint": "ckpt/model.pt", "loss_curve": [4.5, 3.25, 2.875], "curve_tokens": [5e8, 1e9, 1.5e9],
 "my_extra_metric": {"anything": [true, null, "x"]}})",
    R"({"loss": 3, "tokens": 100, "params": 10})",
    R"({"loss": 3.5, "tokens": 1e6, "params": 1e4, "loss_curve": [5, 4, 3.5], "note": "NaN Infinity"})",
};

std::vector<std::string> eval_seeds(const std::string& npy_path) {
  return {
      R"({"problems": 4, "samples": 3, "correct": [[1,0,1],[0,0,0],[true,false,true],[1,1,1]],
 "nll": [0.5, 1.25, 0, 3], "flops": 5e9, "tokens_per_sample": 20})",
      R"({"problems": 4, "samples": 3, "correct": [[1,0,1],[0,0,0],[1,0,1],[1,1,1]], "nll": null})",
      R"({"problems": 4, "samples": 3, "outcomes_file": ")" + npy_path + R"(", "nll": [1, 2, 3, 4]})",
  };
}

// What an accepted result must hold (the contract), so the harness also catches a reader that
// lets a broken result through.
std::string broken_train(const TrainResult& r) {
  auto pos = [](double v) { return std::isfinite(v) && v > 0; };
  if (!pos(r.final_loss) || !pos(r.tokens_seen) || !pos(r.params) || !(r.params_total >= r.params))
    return "accepted a training result with a bad loss, tokens or params";
  if (!std::isfinite(r.flops) || r.flops < 0) return "accepted non-finite flops";
  if (r.loss_curve.size() != r.curve_tokens.size() || r.loss_curve.size() > 64) return "accepted a bad loss curve";
  if (r.checkpoint.find('\0') != std::string::npos) return "accepted a checkpoint path with a NUL";
  return "";
}

std::string broken_eval(const EvalResult& e) {
  if (e.problems != kExpect.problems || e.samples != kExpect.samples) return "accepted another shape";
  if (e.correct.size() != 12) return "accepted outcomes of the wrong size";
  for (auto b : e.correct)
    if (b > 1) return "accepted an outcome other than 0/1";
  if (e.answer_nll.size() != 4) return "accepted nll of the wrong size";
  for (double v : e.answer_nll)
    if (!(std::isnan(v) || (std::isfinite(v) && v >= 0))) return "accepted a negative or infinite nll";
  if (!std::isfinite(e.flops) || e.flops < 0) return "accepted non-finite flops";
  return "";
}

struct Tally {
  std::uint64_t run = 0, accepted = 0, refused = 0;
  int failures = 0;
  double slowest = 0;
  std::string slowest_what;
};

// Runs `read` under the watchdog and judges it. `must_mention` is also required in a refusal.
void judge(Tally& t, const std::string& what, const std::string& file, const std::string& must_mention,
           unsigned timeout, const std::function<std::string()>& read, const std::vector<std::string>& keep) {
  std::string failure;
  bool accepted = false;
  auto t0 = std::chrono::steady_clock::now();
  begin_mutant(what + ": " + file, timeout);
  try {
    failure = read();
    accepted = true;
  } catch (const ResultError& e) {
    std::string m = e.what();
    if (auto p = refusal_problem(m, file); !p.empty()) failure = "refusal " + p + ": " + printable(m);
    else if (m.find(must_mention) == std::string::npos)
      failure = "refusal does not mention " + must_mention + ": " + printable(m);
  } catch (const std::exception& e) {
    failure = std::string("threw ") + typeid(e).name() + " instead of ResultError: " + printable(e.what());
  } catch (...) {
    failure = "threw a non-std exception";
  }
  end_mutant();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (secs > t.slowest) t.slowest = secs, t.slowest_what = what;
  ++t.run;
  (accepted ? t.accepted : t.refused)++;
  if (!failure.empty()) {
    ++t.failures;
    std::fprintf(stderr, "t2_fuzz_results: FAIL %s (kept as %s): %s\n", what.c_str(), file.c_str(), failure.c_str());
    return;
  }
  for (auto& f : keep) fs::remove(f);
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t seed = 12, n_json = 400, n_npy = 300;
  long only = -1;
  unsigned timeout = 5;
  std::string out;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "t2_fuzz_results: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--seed") seed = std::stoull(value());
    else if (a == "--json") n_json = std::stoull(value());
    else if (a == "--npy") n_npy = std::stoull(value());
    else if (a == "--timeout") timeout = static_cast<unsigned>(std::stoul(value()));
    else if (a == "--only") only = std::stol(value());
    else if (a == "--out") out = value();
    else {
      std::fprintf(stderr, "usage: t2_fuzz_results [--seed S] [--json N] [--npy N] [--timeout SEC] [--only I] --out DIR\n");
      return 2;
    }
  }
  if (out.empty()) {
    std::fprintf(stderr, "t2_fuzz_results: --out DIR is required\n");
    return 2;
  }
  install_guards();
  fs::create_directories(out);
  out = fs::absolute(out).lexically_normal().string();
  g_current_file = out + "/CURRENT";

  auto npys = npy_seeds();
  std::string seed_npy = out + "/seed-outcomes.npy";
  write_file(seed_npy, npys[0]);
  auto evals = eval_seeds(seed_npy);
  std::vector<std::string> json_corpus = kTrainSeeds;
  json_corpus.insert(json_corpus.end(), evals.begin(), evals.end());

  Tally json, npy, special;
  // The seeds themselves must be accepted, or the mutants would start from refusals.
  for (std::size_t k = 0; k < json_corpus.size(); ++k) {
    std::string f = out + "/seed-" + std::to_string(k) + ".result.json";
    write_file(f, json_corpus[k]);
    bool train = k < kTrainSeeds.size();
    Tally seeds;
    judge(seeds, "json seed " + std::to_string(k), f, "", timeout,
          [&] { return train ? broken_train(read_train_result(f)) : broken_eval(read_eval_result(f, kExpect)); }, {f});
    if (seeds.refused || seeds.failures) {
      std::fprintf(stderr, "t2_fuzz_results: json seed %zu is not accepted\n", k);
      ++json.failures;
    }
  }
  for (std::size_t k = 0; k < npys.size(); ++k) {
    std::string f = out + "/seed-" + std::to_string(k) + ".npy", r = f + ".result.json";
    write_file(f, npys[k]);
    write_file(r, R"({"problems": 4, "samples": 3, "outcomes_file": ")" + f + R"("})");
    Tally seeds;
    judge(seeds, "npy seed " + std::to_string(k), r, "", timeout,
          [&] {
            auto e = read_eval_result(r, kExpect);
            return e.correct == std::vector<std::uint8_t>(kBits.begin(), kBits.end()) ? broken_eval(e)
                                                                                    : "the seed's outcomes read wrong";
          },
          {f, r});
    if (seeds.refused || seeds.failures) {
      std::fprintf(stderr, "t2_fuzz_results: npy seed %zu is not accepted\n", k);
      ++npy.failures;
    }
  }

  for (std::uint64_t i = 0; i < n_json; ++i) {
    if (only >= 0 && i != static_cast<std::uint64_t>(only)) continue;
    Rng rng = mutant_rng(seed, i);
    std::size_t base = rng.below(json_corpus.size());
    bool train = base < kTrainSeeds.size();
    std::string ops, text = mutate(json_corpus[base], json_corpus, Syntax::json, rng, ops);
    std::string f = out + "/" + (train ? "train-" : "eval-") + std::to_string(i) + ".result.json";
    write_file(f, text);
    judge(json, "json mutant " + std::to_string(i) + " (seed " + std::to_string(seed) + ", " + ops + " of json seed " +
                    std::to_string(base) + ")",
          f, "", timeout,
          [&] { return train ? broken_train(read_train_result(f)) : broken_eval(read_eval_result(f, kExpect)); }, {f});
  }

  for (std::uint64_t i = 0; i < n_npy; ++i) {
    if (only >= 0 && i != static_cast<std::uint64_t>(only)) continue;
    Rng rng = mutant_rng(seed + 1, i);
    std::size_t base = rng.below(npys.size());
    std::string ops, bytes = mutate(npys[base], npys, Syntax::npy, rng, ops);
    std::string f = out + "/outcomes-" + std::to_string(i) + ".npy", r = f + ".result.json";
    write_file(f, bytes);
    write_file(r, R"({"problems": 4, "samples": 3, "outcomes_file": ")" + f + R"("})");
    judge(npy, "npy mutant " + std::to_string(i) + " (seed " + std::to_string(seed + 1) + ", " + ops + " of npy seed " +
                   std::to_string(base) + ")",
          r, "outcomes_file", timeout, [&] { return broken_eval(read_eval_result(r, kExpect)); }, {f, r});
  }

  // Result paths that are not regular files: each must be refused at once, naming the file.
  if (only < 0) {
    std::string fifo = out + "/fifo.result.json", link = out + "/zero.result.json", dir = out + "/dir.result.json";
    std::string npy_fifo = out + "/fifo.npy", npy_link = out + "/zero.npy", r = out + "/special-npy.result.json";
    fs::remove(fifo), fs::remove(link), fs::remove(npy_fifo), fs::remove(npy_link), fs::remove_all(dir);
    ::mkfifo(fifo.c_str(), 0600);
    ::mkfifo(npy_fifo.c_str(), 0600);
    fs::create_symlink("/dev/zero", link);
    fs::create_symlink("/dev/zero", npy_link);
    fs::create_directory(dir);
    for (const std::string& f : {fifo, link, dir})
      judge(special, "special file", f, "", timeout, [&] { return broken_train(read_train_result(f)); }, {});
    for (const std::string& n : {npy_fifo, npy_link, std::string("/dev/zero")}) {
      write_file(r, R"({"problems": 4, "samples": 3, "outcomes_file": ")" + n + R"("})");
      judge(special, "special outcomes_file " + n, r, "outcomes_file", timeout,
            [&] { return broken_eval(read_eval_result(r, kExpect)); }, {});
    }
    if (special.accepted) {
      std::fprintf(stderr, "t2_fuzz_results: FAIL a result path that is not a regular file was accepted\n");
      ++special.failures;
    }
  }

  int failures = json.failures + npy.failures + special.failures;
  std::printf("t2_fuzz_results: seed %llu: %llu json result mutants (%llu refused naming the file, %llu accepted), "
              "%llu npy outcome mutants (%llu refused, %llu accepted), %llu special files (%llu refused); "
              "%d failures; slowest %.3f s (%s)\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(json.run),
              static_cast<unsigned long long>(json.refused), static_cast<unsigned long long>(json.accepted),
              static_cast<unsigned long long>(npy.run), static_cast<unsigned long long>(npy.refused),
              static_cast<unsigned long long>(npy.accepted), static_cast<unsigned long long>(special.run),
              static_cast<unsigned long long>(special.refused), failures,
              std::max({json.slowest, npy.slowest, special.slowest}),
              json.slowest >= std::max(npy.slowest, special.slowest) ? json.slowest_what.c_str()
              : npy.slowest >= special.slowest                        ? npy.slowest_what.c_str()
                                                                      : special.slowest_what.c_str());
  return failures ? 1 : 0;
}
