// documents_test.cpp — the store's typed documents (orchestrator/store/documents.hpp): each kind
// comes back from a store file as it was written; a malformed one is an error naming the store,
// the kind and the field; an imported store is recognised by its import document, and one made
// before that by its config text.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>

#include "orchestrator/store/documents.hpp"
#include "orchestrator/store/store.hpp"

using namespace t2;
namespace fs = std::filesystem;

namespace {

// Each document goes through a real store (journal, .h5 view) and is read back from the file.
Document through_store(const Document& d) {
  const fs::path dir = fs::temp_directory_path() / ("t2_documents_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "s.h5").string();
  {
    Store s = Store::create(path, "# documents test\n", "");
    s.add_document(d);
    s.close();
  }
  StoreContents c = read_store(path);
  fs::remove_all(dir);
  REQUIRE(c.documents.size() == 1);
  return c.documents[0];
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const DocumentError& e) {
    return e.what();
  }
  return "(no DocumentError)";
}

}  // namespace

TEST_CASE("each store document kind round-trips through a store file", "[store][documents]") {
  SECTION("session start and end") {
    SessionDocument start;
    start.workers = 3;
    start.host = "node7";
    start.pid = 4242;
    Document d = through_store(start.to_document(2, 100.5));
    CHECK(d.kind == "session");
    CHECK(d.batch == 2);
    CHECK(d.time == 100.5);
    SessionDocument s = SessionDocument::read(d, "s.h5");
    CHECK(s.event == SessionDocument::Event::start);
    CHECK(s.workers == 3);
    CHECK(s.host == "node7");
    CHECK(s.pid == 4242);

    SessionDocument end;
    end.event = SessionDocument::Event::end;
    end.workers = 3;
    end.seconds = 12.25;
    end.busy_seconds = 30.5;
    end.jobs_done = 17;
    end.reason = "the design stopped";
    SessionDocument e = SessionDocument::read(through_store(end.to_document(5, 200)), "s.h5");
    CHECK(e.event == SessionDocument::Event::end);
    CHECK(e.workers == 3);
    CHECK(e.seconds == 12.25);
    CHECK(e.busy_seconds == 30.5);
    CHECK(e.jobs_done == 17);
    CHECK(e.reason == "the design stopped");
  }
  SECTION("design, with the decision and its optimum") {
    DesignDocument g;
    g.batch = 4;
    g.strategy = "adaptive";
    g.stop = true;
    g.reason = "N* stopped moving within tolerance";
    g.decision = {{"strategy", "adaptive"}, {"mode", "acquisition"}, {"batch", 4},
                  {"optimum", {{"n_star", 1e8}, {"d_star", 2e9}, {"k_star", 3.5}, {"n_median", 1.1e8},
                               {"n_lo", 9e7}, {"n_hi", 1.3e8}}}};
    Document d = through_store(g.to_document(50));
    CHECK(d.batch == 4);
    DesignDocument r = DesignDocument::read(d, "s.h5");
    CHECK(r.batch == 4);
    CHECK(r.strategy == "adaptive");
    CHECK(r.stop);
    CHECK(r.reason == g.reason);
    CHECK(r.decision == g.decision);
    CHECK(r.mode == "acquisition");
    REQUIRE(r.optimum);
    CHECK(r.optimum->n_star == 1e8);
    CHECK(r.optimum->d_star == 2e9);
    CHECK(r.optimum->k_star == 3.5);
    CHECK(r.optimum->n_median == 1.1e8);
    CHECK(r.optimum->n_lo == 9e7);
    CHECK(r.optimum->n_hi == 1.3e8);
  }
  SECTION("design without a decision (a grid that ran out)") {
    DesignDocument g;
    g.batch = 1;
    g.strategy = "grid";
    DesignDocument r = DesignDocument::read(through_store(g.to_document(1)), "s.h5");
    CHECK(r.strategy == "grid");
    CHECK_FALSE(r.stop);
    CHECK(r.decision.is_null());
    CHECK(r.mode.empty());
    CHECK_FALSE(r.optimum);
  }
  SECTION("a bare decision (an in-process simulation's) reads as its design document") {
    Document d{"design", 3, 0, R"({"strategy":"adaptive","batch":3,"mode":"initial","stop":true,"reason":"cap"})"};
    DesignDocument r = DesignDocument::read(d, "sim");
    CHECK(r.strategy == "adaptive");
    CHECK(r.stop);
    CHECK(r.reason == "cap");
    CHECK(r.mode == "initial");
  }
  SECTION("fit") {
    nlohmann::json fit = {{"law", "t2-accuracy"}, {"quantity", "expected pass@k"}, {"task", "arith"},
                          {"source", "likelihood"}, {"method", "beta_binomial"},
                          {"inputs", {{"kind", "store"}, {"path", "s.h5"}, {"runs", {0, 1, 2}}}},
                          {"theta", {1.5, 2.5}}};
    FitDocument f = FitDocument::from_fit(fit, "s.h5");
    FitDocument r = FitDocument::read(through_store(f.to_document(2, 9)), "s.h5");
    CHECK(r.law == "t2-accuracy");
    CHECK(r.quantity == "expected pass@k");
    CHECK(r.task == "arith");
    CHECK(r.source == "likelihood");
    CHECK(r.method == "beta_binomial");
    CHECK(r.inputs_kind == "store");
    CHECK(r.inputs_path == "s.h5");
    CHECK(r.fit == fit);  // the whole fit, as `t2 fit --json` printed it
  }
  SECTION("import") {
    ImportDocument i;
    i.file = "results.csv";
    i.rows = 40;
    i.first_run = 3;
    i.runs = 4;
    i.first_eval = 6;
    i.evals = 8;
    i.created_store = true;
    ImportDocument r = ImportDocument::read(through_store(i.to_document(1, 7)), "s.h5");
    CHECK(r.file == "results.csv");
    CHECK(r.rows == 40);
    CHECK(r.first_run == 3);
    CHECK(r.runs == 4);
    CHECK(r.first_eval == 6);
    CHECK(r.evals == 8);
    CHECK(r.created_store == true);
  }
}

TEST_CASE("a malformed document is an error naming the store, the kind and the field", "[store][documents]") {
  CHECK(error_of([] { SessionDocument::read({"session", 2, 0, R"({"event":"start","workers":"two"})"}, "runs/s.h5"); }) ==
        "runs/s.h5: 'session' document of batch 2: field 'workers': expected an integer, got \"two\"");
  CHECK(error_of([] { SessionDocument::read({"session", 0, 0, R"({"workers":2})"}, "s.h5"); }) ==
        "s.h5: 'session' document of batch 0: field 'event': missing");
  CHECK(error_of([] { SessionDocument::read({"session", 0, 0, R"({"event":"paused"})"}, "s.h5"); }) ==
        "s.h5: 'session' document of batch 0: field 'event': expected \"start\" or \"end\", got \"paused\"");
  CHECK(error_of([] { DesignDocument::read({"design", 1, 0, R"({"stop":"yes"})"}, "s.h5"); }) ==
        "s.h5: 'design' document of batch 1: field 'stop': expected true or false, got \"yes\"");
  CHECK(error_of([] {
          DesignDocument::read({"design", 1, 0, R"({"decision":{"optimum":{"n_star":"big"}}})"}, "s.h5");
        }) == "s.h5: 'design' document of batch 1: field 'decision.optimum.n_star': expected a number, got \"big\"");
  CHECK(error_of([] { FitDocument::read({"fit", 0, 0, R"({"task":"arith"})"}, "s.h5"); }) ==
        "s.h5: 'fit' document of batch 0: field 'law': missing");
  CHECK(error_of([] { ImportDocument::read({"import", 0, 0, R"({"file":"a.csv","runs":-1})"}, "s.h5"); }) ==
        "s.h5: 'import' document of batch 0: field 'runs': expected an integer >= 0, got -1");
  CHECK(error_of([] { ImportDocument::read({"import", 0, 0, "{not json"}, "s.h5"); }) ==
        "s.h5: 'import' document of batch 0: not valid JSON");
  CHECK(error_of([] { ImportDocument::read({"design", 0, 0, "{}"}, "s.h5"); }) ==
        "s.h5: 'design' document of batch 0: not of kind 'import'");
  // The error is a StoreError, which every command reports as one line and exit 1.
  CHECK_THROWS_AS(SessionDocument::read({"session", 0, 0, "[]"}, "s.h5"), StoreError);
}

TEST_CASE("an imported store is recognised by its import document, and an older one by its config text",
          "[store][documents]") {
  StoreContents c;
  ImportDocument first;
  first.file = "a.csv";
  SECTION("created by t2 import: its first import document says so") {
    first.created_store = true;
    c.config_text = "[sweep]\nname = \"not a comment\"\n";
    c.documents.push_back(first.to_document(0, 0));
    CHECK(created_by_import(c, "s.h5"));
  }
  SECTION("a sweep's store imported into: the document says it was not created by the import") {
    first.created_store = false;
    c.config_text = import_config_text("a.csv");  // the document wins over the text
    c.documents.push_back(first.to_document(0, 0));
    CHECK_FALSE(created_by_import(c, "s.h5"));
  }
  SECTION("an import made before created_store existed: the config text") {
    c.config_text = import_config_text("a.csv");
    c.documents.push_back({"import", 0, 0, R"({"file":"a.csv","rows":3,"first_run":0,"runs":1,"first_eval":0,"evals":0})"});
    CHECK(created_by_import(c, "s.h5"));
    c.config_text = "[sweep]\n";
    CHECK_FALSE(created_by_import(c, "s.h5"));
  }
}
