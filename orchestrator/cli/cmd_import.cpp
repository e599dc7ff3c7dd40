// cmd_import.cpp — `t2 import CSV|DIR --store STORE`: brings results of runs made elsewhere into a
// store (one batch of done runs and evals, and an "import" document naming the file). The CSV is a
// results CSV (schemas/laws.md, columns of schemas/columns.md); DIR is a `t2 export --csv`
// directory, whose results.csv is that CSV. Every bad row is reported by line; nothing is written
// unless the whole file is good.
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "orchestrator/cli/cli_util.hpp"
#include "orchestrator/cli/command.hpp"
#include "orchestrator/analysis/law_inputs.hpp"
#include "orchestrator/store/columns.hpp"
#include "orchestrator/store/documents.hpp"
#include "orchestrator/store/store.hpp"

namespace t2 {

namespace po = boost::program_options;

namespace {

// A sweep whose design still plans batches counts the runs already in its store to know where
// it stands (the grid's next point is the number of runs): imported rows would silently take the
// place of grid points that then never run. Such a store is refused; one whose design has
// stopped, or one created by t2 import, is fine.
void refuse_sweep_still_planning(const StoreContents& c, const std::string& path) {
  if (created_by_import(c, path)) return;
  for (const Document& d : c.documents)
    if (d.kind == document_kind::kDesign && DesignDocument::read(d, path).stop) return;
  throw InputError({fmt::format("{}: the store of a sweep that is still planning batches (config {}): imported runs "
                                "would take the place of points its design has yet to run; finish the sweep first, "
                                "or import into another store",
                                path, c.config_file.empty() ? "without a file name" : c.config_file)});
}

// The file to read: CSV itself, or DIR/results.csv for an export directory. The export's per-eval
// summary (evals.csv: pass@k, no problem column) cannot be imported, and says which file can.
std::string results_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::string file = path;
  if (fs::is_directory(path)) {
    file = (fs::path(path) / "results.csv").string();
    if (!fs::exists(file))
      throw InputError({fmt::format("{}: a directory without results.csv (t2 export --csv writes one; give the "
                                    "directory of such an export, or a results CSV)", path)});
  }
  std::ifstream in(file);
  std::string header;
  while (std::getline(in, header) && (header.empty() || header[0] == '#')) {}
  auto has = [&](const std::string& name) {
    return ("," + header + ",").find("," + name + ",") != std::string::npos;
  };
  if (has(columns::kEval) && !has(columns::kProblem))
    throw InputError({fmt::format("{}: this is t2 export's per-eval summary (evals.csv: pass@k, no per-problem rows), "
                                  "which cannot be imported; import results.csv from the same directory (or the "
                                  "directory itself)", file)});
  return file;
}

int import_command(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()("csv", po::value<std::string>(), "results CSV (schemas/laws.md), or a `t2 export --csv` directory (its results.csv)")(
      "store", po::value<std::string>(), "the store to import into (created if it does not exist)");
  po::positional_options_description pos;
  pos.add("csv", 1);
  po::variables_map vm;
  const char* usage = "CSV|DIR --store STORE";
  int rc = parse_args("import", usage,
                      "Imports (N, D, loss) results and optional per-problem outcomes (task, problem, nll, n, c)\n"
                      "of runs made elsewhere, or the results.csv of a `t2 export --csv` directory (columns:\n"
                      "schemas/columns.md). Every bad row is reported as FILE:LINE; nothing is imported\n"
                      "unless every row is good.",
                      opts, pos, args, vm);
  if (rc >= 0) return rc;
  if (!vm.count("csv") || !vm.count("store")) return usage_error("import", usage, "need CSV and --store STORE");
  try {
    const std::string csv = results_file(vm["csv"].as<std::string>()), path = vm["store"].as<std::string>();
    CsvTable t = read_results_csv(csv);
    ImportBatch b = import_batch(t);  // all validation happens before the store is touched
    if (b.runs.empty()) throw InputError({fmt::format("{}: no rows to import", csv)});
    const bool create = !Store::exists(path);
    Store store = create ? Store::create(path, import_config_text(csv), "") : Store::open(path);
    if (!create) refuse_sweep_still_planning(store.contents(), path);
    BatchRecord batch = store.plan_batch(b.runs, [&] {
      std::vector<PlannedEval> evals = b.evals;
      for (PlannedEval& e : evals) e.run += static_cast<JobIndex>(store.contents().runs.size());
      return evals;
    }());
    JobMeta meta;
    meta.attempt = 1;
    meta.host = "import";
    meta.time = static_cast<double>(std::time(nullptr));
    for (JobIndex i = 0; i < b.runs.size(); ++i) {
      store.job_started(JobKind::train, batch.first_run + i, meta);
      store.train_done(batch.first_run + i, b.run_results[i], meta);
    }
    for (JobIndex i = 0; i < b.evals.size(); ++i) {
      store.job_started(JobKind::eval, batch.first_eval + i, meta);
      store.eval_done(batch.first_eval + i, b.eval_results[i], meta);
    }
    ImportDocument doc;
    doc.file = csv;
    doc.rows = t.rows.size();
    doc.first_run = batch.first_run;
    doc.runs = b.runs.size();
    doc.first_eval = batch.first_eval;
    doc.evals = b.evals.size();
    doc.created_store = create;
    store.add_document(doc.to_document(batch.index, meta.time));
    store.close();
    std::cout << fmt::format("imported {} rows from {}: {} runs (from index {}), {} evals into {}\n", t.rows.size(), csv,
                             b.runs.size(), batch.first_run, b.evals.size(), path);
    return kExitOk;
  } catch (const InputError& e) {
    report_error("import", e);
    std::cerr << "t2 import: nothing imported\n";
    return kExitFailure;
  } catch (const std::exception& e) {
    return report_error("import", e);
  }
}

}  // namespace

extern const Command kImportCommand{"import", "import results of runs made elsewhere from a CSV", import_command};

}  // namespace t2
