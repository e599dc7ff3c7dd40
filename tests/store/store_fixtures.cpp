// store_fixtures.cpp — see store_fixtures.hpp.
#include "tests/store/store_fixtures.hpp"

#include "orchestrator/store/journal.hpp"

#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace t2::test {
namespace {
// splitmix64: a tiny deterministic generator for test data.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
}  // namespace

std::string scratch_dir(const std::string& name) {
  auto dir = std::filesystem::path(T2_TEST_SCRATCH) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

TrainResult train_result(std::uint32_t i) {
  TrainResult r;
  r.final_loss = 2.0 + 1.0 / (1 + i);
  r.tokens_seen = 1e6 * (i + 1);
  r.params = 1e5 * (i + 1);
  r.params_total = r.params * 1.25;
  r.flops = 6 * r.params * r.tokens_seen;
  for (std::uint32_t p = 0; p < 5 + i % 7; ++p) {
    r.loss_curve.push_back(static_cast<float>(5.0 - 0.3 * p));
    r.curve_tokens.push_back(static_cast<float>(1000.0 * (p + 1)));
  }
  r.checkpoint = "runs/" + std::to_string(i) + "/weights.bin";
  return r;
}

EvalResult eval_result(std::uint32_t i, std::uint32_t problems, std::uint32_t samples) {
  EvalResult e;
  e.problems = problems;
  e.samples = samples;
  e.correct.resize(std::size_t(problems) * samples);
  std::uint64_t s = mix(i + 1);
  for (std::uint32_t p = 0; p < problems; ++p) {
    double pr = (mix(s + p) % 1000) / 1000.0;  // this problem's success probability
    for (std::uint32_t k = 0; k < samples; ++k)
      e.correct[std::size_t(p) * samples + k] = (mix(s ^ (std::uint64_t(p) << 20 | k)) % 1000) / 1000.0 < pr;
    e.answer_nll.push_back(pr > 0 ? -std::log(pr) : 30.0);
  }
  e.flops = 2.0e9 * (i + 1);
  e.tokens_per_sample = 48.5;
  return e;
}

JobMeta meta(std::uint32_t attempt, double time) {
  JobMeta m;
  m.attempt = attempt;
  m.rank = static_cast<std::int32_t>(attempt % 4);
  m.host = "node" + std::to_string(attempt);
  m.wall_seconds = 0.25 * attempt;
  m.time = time + attempt;
  return m;
}

void plan(std::vector<PlannedRun>& runs, std::vector<PlannedEval>& evals, std::uint32_t first_run, std::uint32_t n_runs,
          std::uint32_t evals_per_run, std::uint32_t problems, std::uint32_t samples) {
  for (std::uint32_t r = 0; r < n_runs; ++r) {
    PlannedRun pr;
    pr.n_params = 1e5 * (first_run + r + 1);
    pr.n_tokens = 2e6 * (first_run + r + 1);
    pr.seed = mix(first_run + r);
    pr.replicate = r % 2;
    runs.push_back(pr);
    for (std::uint32_t e = 0; e < evals_per_run; ++e) {
      PlannedEval pe;
      pe.run = first_run + r;
      pe.task = e % 2 ? "arith, \"quoted\"" : "arith";
      pe.problems = problems;
      pe.samples = samples;
      pe.temperature = 0.7;
      pe.top_k = 40;
      pe.seed = mix(1000 + first_run + r * 10 + e);
      evals.push_back(pe);
    }
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string checksum(const std::string& path) {
  if (!std::filesystem::exists(path)) return "";
  std::string bytes = read_file(path);
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size()));
  return std::to_string(bytes.size()) + ":" + std::to_string(crc);
}

std::vector<std::string> checksums(const std::string& store) {
  return {checksum(store), checksum(store + ".journal"), checksum(store + ".rebuild")};
}

std::uint64_t file_size(const std::string& path) { return std::filesystem::file_size(path); }
void truncate_file(const std::string& path, std::uint64_t size) { std::filesystem::resize_file(path, size); }

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

void copy_file(const std::string& from, const std::string& to) {
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
}

void rewrite_journal_as_format(const std::string& journal, std::uint32_t format) {
  JournalScan scan = scan_journal(journal);
  std::string out("T2JOURNL", 8);
  auto u32 = [&](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
  };
  u32(format);
  u32(0);
  for (const auto& r : scan.records) {
    std::size_t start = out.size();
    u32(0x54320000u | static_cast<std::uint32_t>(r.type));
    u32(r.length);
    out.append(r.payload, r.length);
    u32(static_cast<std::uint32_t>(
        crc32(0L, reinterpret_cast<const Bytef*>(out.data() + start), static_cast<uInt>(out.size() - start))));
  }
  write_file(journal, out);
}

}  // namespace t2::test
