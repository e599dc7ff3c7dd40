// builtin_settings.hpp — the [workload.builtin] settings (schemas/workload-builtin.md): their
// values and defaults, and the pure reader that checks them. Reads no data and builds no model,
// so config validation (workers/workload_settings.cpp) links no trainer and no OpenBLAS.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "contract/toml_reader.hpp"
#include "workers/builtin/model.hpp"
#include "workers/builtin/tasks.hpp"
#include "workers/builtin/trainer.hpp"

namespace t2::builtin {

// Every [workload.builtin] setting, with its default (units and ranges in the schema).
struct BuiltinSettings {
  std::vector<std::string> tasks = {"arithmetic", "spatial", "knowledge"};  // training mixture
  int max_digits = 3;                                                  // arithmetic operands have 1..max_digits digits
  std::vector<std::string> arithmetic_kinds = {"add", "mul", "word"};  // arithmetic problems to generate
  int entities = 256;                                                  // knowledge table size
  std::uint64_t knowledge_seed = 20240601;                             // the knowledge table (same for every run)
  std::uint64_t problem_seed = 0;        // which held-out problems an eval draws (same for every run)
  int context = 128;                     // tokens per sequence
  ParamCount count = ParamCount::total;  // which parameters N counts
  double aspect = 48;                    // preferred d_model / layers of the size ladder
  TrainOptions train;                    // optimiser, batch, threads, checkpoint interval
  std::string data_file;                 // optional uint16 token file ("" = tasks only)
  double data_fraction = 0.5;            // share of training rows from data_file
  int max_new_tokens = 24;               // generation limit per sample
  std::string file;                      // the config file, for messages
};

// The task generators' options these settings describe.
TaskOptions task_options(const BuiltinSettings& s);
// Reads and range-checks the table (ConfigError names file, line, key and value), then finish().
// Pure: data_file is a name here, neither opened nor checked to exist.
BuiltinSettings read_builtin_settings(TableReader& r);
// This machine: data_file (when set) exists. The file's contents are checked when the workload
// is built (BuiltinWorkload reads it), on the rank that trains.
void check_data_file(TableReader& r, const BuiltinSettings& s);

}  // namespace t2::builtin
