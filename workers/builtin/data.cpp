// data.cpp — training rows from task documents and token files (see data.hpp).
#include "workers/builtin/data.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "contract/seed.hpp"

namespace t2::builtin {

TokenFile read_token_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open token file");
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t offset = 0, count = 0;
  std::int32_t header[3] = {0, 0, 0};
  if (bytes.size() >= 1024) std::memcpy(header, bytes.data(), sizeof header);
  if (header[0] == 20240520) {  // llm.c: 256 int32 header, then header[2] uint16 tokens
    if (header[1] != 1)
      throw std::runtime_error(path + ": llm.c token file version " + std::to_string(header[1]) +
                               " (only version 1, uint16 tokens, is supported)");
    offset = 1024;
    count = std::size_t(std::max(0, header[2]));
    if (offset + 2 * count > bytes.size())
      throw std::runtime_error(path + ": header says " + std::to_string(count) + " tokens but the file is shorter");
  } else {  // nanoGPT: raw uint16
    if (bytes.size() % 2 != 0) throw std::runtime_error(path + ": odd byte count, not a uint16 token file");
    count = bytes.size() / 2;
  }
  TokenFile f;
  f.tokens.resize(count);
  std::memcpy(f.tokens.data(), bytes.data() + offset, 2 * count);
  if (count < 1000) throw std::runtime_error(path + ": only " + std::to_string(count) + " tokens (need >= 1000)");
  for (auto t : f.tokens) f.max_token = std::max<int>(f.max_token, t);
  return f;
}

DataStream::DataStream(const DataOptions& o, int context) : o_(o), T_(context) {
  if (o.file_fraction < 1)
    for (const auto& name : o.tasks) tasks_.push_back(make_task(name, o.task_options));
  if (tasks_.empty() && !(o.file && o.file_fraction > 0))
    throw std::invalid_argument("training data needs at least one task or a token file");
  if (o.file && std::size_t(T_ + 1) * 10 > o.file->tokens.size())
    throw std::invalid_argument("token file is too short for the context length");
}

int DataStream::vocab() const { return std::max(kVocab, o_.file ? o_.file->max_token + 1 : 0); }

// A row starts at a document boundary (so that evaluation prompts, which start at position 0,
// look like training text) and packs whole documents until T + 1 tokens are filled.
void DataStream::task_row(Rng& rng, bool held_out, int* row) const {
  int n = 0;
  while (n < T_ + 1) {
    const Task& task = *tasks_[std::uniform_int_distribution<int>(0, int(tasks_.size()) - 1)(rng)];
    std::string doc = held_out ? task.held_out_problem(rng).text() : task.training_document(rng);
    for (unsigned char c : doc) {
      if (n == T_ + 1) break;
      row[n++] = c;
    }
  }
}

// Training rows come from the file's first 90%, validation rows from its last 10%.
void DataStream::file_row(Rng& rng, bool validation, int* row) const {
  const auto& t = o_.file->tokens;
  std::size_t split = t.size() - t.size() / 10;
  std::size_t lo = validation ? split : 0, hi = (validation ? t.size() : split) - (T_ + 1);
  std::size_t start = std::uniform_int_distribution<std::size_t>(lo, std::max(lo, hi))(rng);
  for (int i = 0; i < T_ + 1; ++i) row[i] = t[start + i];
}

void DataStream::batch(std::uint64_t seed, std::uint64_t step, int B, int* tokens, int* targets) const {
  std::vector<int> row(T_ + 1);
  for (int r = 0; r < B; ++r) {
    Rng rng(mix_seed(mix_seed(seed, step), std::uint64_t(r)));
    bool from_file = o_.file && std::uniform_real_distribution<double>(0, 1)(rng) < o_.file_fraction;
    if (from_file)
      file_row(rng, false, row.data());
    else
      task_row(rng, false, row.data());
    std::copy(row.begin(), row.begin() + T_, tokens + std::size_t(r) * T_);
    std::copy(row.begin() + 1, row.end(), targets + std::size_t(r) * T_);
  }
}

void DataStream::validation(std::uint64_t seed, int rows, std::vector<int>& tokens, std::vector<int>& targets) const {
  tokens.assign(std::size_t(rows) * T_, 0);
  targets.assign(std::size_t(rows) * T_, 0);
  std::vector<int> row(T_ + 1);
  for (int r = 0; r < rows; ++r) {
    Rng rng(mix_seed(mix_seed(seed, std::uint64_t(0x76616c)), std::uint64_t(r)));
    // The file's share of validation rows matches its share of training rows.
    bool from_file = o_.file && (tasks_.empty() || (r + 0.5) / rows < o_.file_fraction);
    if (from_file)
      file_row(rng, true, row.data());
    else
      task_row(rng, true, row.data());
    std::copy(row.begin(), row.begin() + T_, tokens.begin() + std::size_t(r) * T_);
    std::copy(row.begin() + 1, row.end(), targets.begin() + std::size_t(r) * T_);
  }
}

}  // namespace t2::builtin
