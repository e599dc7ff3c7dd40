// data.hpp — where training tokens come from: an endless seeded mixture of task documents,
// optionally mixed with a user token file (uint16, llm.c or nanoGPT layout), packed into rows
// of context + 1 tokens. Owns batching and the fixed validation set; knows nothing of models.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "workers/builtin/tasks.hpp"

namespace t2::builtin {

// A user token file: either llm.c's layout (a 256 x int32 header: magic 20240520, version 1,
// token count; then uint16 tokens) or nanoGPT's (uint16 tokens, no header). Read whole.
struct TokenFile {
  std::vector<std::uint16_t> tokens;
  int max_token = 0;
};
// Throws std::runtime_error naming the path when unreadable, empty or malformed.
TokenFile read_token_file(const std::string& path);

struct DataOptions {
  std::vector<std::string> tasks = {"arithmetic", "spatial", "knowledge"};  // training mixture, equal weights
  TaskOptions task_options;
  std::shared_ptr<const TokenFile> file;  // optional pretraining text
  double file_fraction = 0;               // share of rows cut from `file` (0..1)
};

// Rows of T + 1 tokens. Row r of step s is a pure function of (seed, s, r), so a resumed run
// sees exactly the batches it would have seen without the interruption.
class DataStream {
 public:
  DataStream(const DataOptions& options, int context);
  // Fills tokens and targets ([B, T] each: targets are tokens shifted by one).
  void batch(std::uint64_t seed, std::uint64_t step, int B, int* tokens, int* targets) const;
  // The validation set: `rows` rows of held-out problems of the mixture's tasks (and of the
  // file's last 10%, if any), fixed by `seed`, identical for every run with the same options.
  void validation(std::uint64_t seed, int rows, std::vector<int>& tokens, std::vector<int>& targets) const;
  int context() const { return T_; }
  int vocab() const;  // 128, or more when the token file has larger ids

 private:
  void task_row(Rng& rng, bool held_out, int* row) const;  // T + 1 tokens
  void file_row(Rng& rng, bool validation, int* row) const;
  DataOptions o_;
  std::vector<std::unique_ptr<Task>> tasks_;
  int T_;
};

}  // namespace t2::builtin
