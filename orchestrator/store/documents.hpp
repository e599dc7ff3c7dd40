// documents.hpp — the JSON documents a store keeps beside its tables (`/documents`,
// schemas/store-layout.md): one struct per kind ("session", "design", "fit", "import"), its
// to_document and read side by side. The journal stores each as a Document {kind, batch, time,
// json text} (records.hpp) and knows nothing of what is inside; these types are what every
// writer builds and every reader gets. Not here: the fit's and the design decision's own
// contents (schemas/laws.md §5, schemas/design.md), which travel whole and are typed only where
// a reader of the store uses them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "orchestrator/store/records.hpp"
#include "orchestrator/store/store.hpp"

namespace t2 {

namespace document_kind {
inline constexpr const char* kSession = "session";
inline constexpr const char* kDesign = "design";
inline constexpr const char* kFit = "fit";
inline constexpr const char* kImport = "import";
}  // namespace document_kind

// A stored document that does not read as its kind: not JSON, a field of the wrong type, a
// required field missing. what(): "STORE: 'KIND' document of batch B: field 'F': problem".
class DocumentError : public StoreError {
 public:
  DocumentError(const std::string& store, const Document& d, std::string field, const std::string& problem);
  std::string kind, field;
};

// A coordinator session began ("start") or ended ("end"); `t2 status` sums them (sessions, wall
// time, worker idle fraction, why the last one stopped). Written by sweep/coordinator.cpp.
struct SessionDocument {
  enum class Event { start, end };
  Event event = Event::start;
  int workers = 0;               // worker ranks of the session
  // start
  std::string host;              // the coordinator's host name
  long long pid = 0;             // and process id
  // end
  double seconds = 0;            // wall time of the session, s
  double busy_seconds = 0;       // worker-seconds spent running jobs
  std::uint64_t jobs_done = 0;   // jobs finished in the session
  std::string reason;            // why it ended

  Document to_document(std::uint32_t batch, double time) const;
  // `store` names the store in a DocumentError.
  static SessionDocument read(const Document&, const std::string& store);
};

// The part of an adaptive design's decision a reader of the store uses: the optimum it planned
// after the batch (schemas/design.md, "optimum").
struct DesignOptimum {
  double n_star = 0, d_star = 0, k_star = 0;  // the plain fit's plan
  double n_median = 0, n_lo = 0, n_hi = 0;    // the bootstrap members' N*: median and 95% interval
};

// One batch of the design's history: what strategy planned it, whether it stopped, and the
// strategy's own record of its choice (BatchPlan::decision_json). Written by
// sweep/coordinator.cpp as {"batch", "strategy", "stop", "reason"?, "decision"}.
struct DesignDocument {
  std::uint32_t batch = 0;
  std::string strategy;
  bool stop = false;
  std::string reason;               // "" unless stop
  nlohmann::json decision;          // the strategy's decision object (a string if it was not JSON); null = none
  // Read from decision:
  std::string mode;                 // decision.mode, else decision.strategy, else ""
  std::optional<DesignOptimum> optimum;  // decision.optimum, when the design planned one

  Document to_document(double time) const;
  // Also reads a bare decision as a document (what design/simulation.cpp keeps in memory for an
  // in-process sweep: the strategy's decision itself, which carries batch, strategy, stop, reason).
  // A document with keys beyond the envelope's five is such a bare decision.
  static DesignDocument read(const Document&, const std::string& store);
};

// A law fitted to the store (`t2 fit`, the fit `t2 run` prints at the end): the whole fit as
// `t2 fit --json` prints it (schemas/laws.md §5), and the fields that say what it is.
struct FitDocument {
  nlohmann::json fit;               // the fit document; to_document writes it with the fields below
  std::string law, quantity, task, source, method;
  std::string inputs_kind, inputs_path;  // "store" | "csv", and its path

  // From a fit document (analysis/law_report.hpp fit_document); throws DocumentError naming
  // `store` when a field is missing or of the wrong type.
  static FitDocument from_fit(nlohmann::json fit, const std::string& store);
  Document to_document(std::uint32_t batch, double time) const;
  static FitDocument read(const Document&, const std::string& store);
};

// One `t2 import` of a results CSV: the file, its rows, and the runs and evals it became (one
// batch of done jobs). created_store: the import created the store (it is no sweep's store, and
// further imports into it are always allowed); absent in stores imported before it was recorded.
struct ImportDocument {
  std::string file;
  std::uint64_t rows = 0;
  std::uint64_t first_run = 0, runs = 0;
  std::uint64_t first_eval = 0, evals = 0;
  std::optional<bool> created_store;

  Document to_document(std::uint32_t batch, double time) const;
  static ImportDocument read(const Document&, const std::string& store);
};

// The config text `t2 import` gives a store it creates ("# created by t2 import FILE").
std::string import_config_text(const std::string& file);
// Whether `t2 import` created this store: its first import document says so; a store imported
// before that field existed is recognised by the config text above.
bool created_by_import(const StoreContents&, const std::string& store);

}  // namespace t2
