// documents.cpp — see documents.hpp. Each kind's to_document and read are side by side; a field
// that is absent takes the default its writer would have written (older stores lack some), a
// field that is present must have its type.
#include "orchestrator/store/documents.hpp"

#include <fmt/format.h>

namespace t2 {

DocumentError::DocumentError(const std::string& store, const Document& d, std::string f, const std::string& problem)
    : StoreError(store.empty() ? "the store" : store,
                 f.empty() ? fmt::format("'{}' document of batch {}: {}", d.kind, d.batch, problem)
                           : fmt::format("'{}' document of batch {}: field '{}': {}", d.kind, d.batch, f, problem)),
      kind(d.kind),
      field(std::move(f)) {}

namespace {

using json = nlohmann::json;

// Reads the fields of one document's JSON object; every problem names the store, kind and field.
class Fields {
 public:
  Fields(const Document& d, const std::string& store, const char* kind) : d_(d), store_(store) {
    if (d.kind != kind) throw DocumentError(store, d, "", fmt::format("not of kind '{}'", kind));
    j_ = json::parse(d.json, nullptr, false);
    if (j_.is_discarded()) throw DocumentError(store, d, "", "not valid JSON");
    if (!j_.is_object()) throw DocumentError(store, d, "", fmt::format("expected a JSON object, got {}", brief(j_)));
  }
  Fields(json j, const Document& d, const std::string& store, std::string prefix)
      : d_(d), store_(store), j_(std::move(j)), prefix_(std::move(prefix)) {}

  const json& object() const { return j_; }
  bool has(const char* f) const { return j_.contains(f) && !j_.at(f).is_null(); }

  std::string str(const char* f, std::string fallback = "") const {
    if (!has(f)) return fallback;
    if (!j_.at(f).is_string()) fail(f, "expected a string");
    return j_.at(f).get<std::string>();
  }
  std::string required_str(const char* f) const {
    if (!has(f)) fail(f, "missing");
    return str(f);
  }
  double number(const char* f, double fallback = 0) const {
    if (!has(f)) return fallback;
    if (!j_.at(f).is_number()) fail(f, "expected a number");
    return j_.at(f).get<double>();
  }
  std::uint64_t count(const char* f, std::uint64_t fallback = 0) const {
    if (!has(f)) return fallback;
    if (!j_.at(f).is_number_integer() || j_.at(f).get<long long>() < 0) fail(f, "expected an integer >= 0");
    return j_.at(f).get<std::uint64_t>();
  }
  long long integer(const char* f, long long fallback = 0) const {
    if (!has(f)) return fallback;
    if (!j_.at(f).is_number_integer()) fail(f, "expected an integer");
    return j_.at(f).get<long long>();
  }
  bool flag(const char* f, bool fallback = false) const {
    if (!has(f)) return fallback;
    if (!j_.at(f).is_boolean()) fail(f, "expected true or false");
    return j_.at(f).get<bool>();
  }
  // A nested object, read with the same naming ("inputs.kind").
  std::optional<Fields> sub(const char* f) const {
    if (!has(f)) return std::nullopt;
    if (!j_.at(f).is_object()) fail(f, "expected an object");
    return Fields(j_.at(f), d_, store_, prefix_ + f + ".");
  }
  [[noreturn]] void fail(const std::string& f, const std::string& problem) const {
    const json* v = j_.contains(f) ? &j_.at(f) : nullptr;
    throw DocumentError(store_, d_, prefix_ + f, v ? fmt::format("{}, got {}", problem, brief(*v)) : problem);
  }

 private:
  static std::string brief(const json& v) {
    std::string s = v.dump();
    return s.size() > 60 ? s.substr(0, 57) + "..." : s;
  }
  const Document& d_;
  const std::string& store_;
  json j_;
  std::string prefix_;
};

}  // namespace

// --- session ---

Document SessionDocument::to_document(std::uint32_t batch, double time) const {
  json j;
  if (event == Event::start) {
    j = {{"event", "start"}, {"workers", workers}, {"host", host}, {"pid", pid}};
  } else {
    j = {{"event", "end"}, {"seconds", seconds}, {"workers", workers}, {"busy_seconds", busy_seconds},
         {"jobs_done", jobs_done}, {"reason", reason}};
  }
  return {document_kind::kSession, batch, time, j.dump()};
}

SessionDocument SessionDocument::read(const Document& d, const std::string& store) {
  Fields f(d, store, document_kind::kSession);
  SessionDocument s;
  std::string event = f.required_str("event");
  if (event == "start") s.event = Event::start;
  else if (event == "end") s.event = Event::end;
  else f.fail("event", "expected \"start\" or \"end\"");
  s.workers = static_cast<int>(f.integer("workers"));
  s.host = f.str("host");
  s.pid = f.integer("pid");
  s.seconds = f.number("seconds");
  s.busy_seconds = f.number("busy_seconds");
  s.jobs_done = f.count("jobs_done");
  s.reason = f.str("reason");
  return s;
}

// --- design ---

Document DesignDocument::to_document(double time) const {
  json j{{"batch", batch}, {"strategy", strategy}, {"stop", stop}};
  if (!reason.empty()) j["reason"] = reason;
  if (!decision.is_null()) j["decision"] = decision;
  return {document_kind::kDesign, batch, time, j.dump()};
}

DesignDocument DesignDocument::read(const Document& d, const std::string& store) {
  Fields f(d, store, document_kind::kDesign);
  DesignDocument g;
  g.batch = d.batch;
  g.strategy = f.str("strategy");
  g.stop = f.flag("stop");
  g.reason = f.str("reason");
  // The coordinator's envelope holds the decision under "decision"; a bare decision is its own.
  auto read_decision = [&g](const Fields& dec) {
    g.mode = dec.str("mode", dec.str("strategy"));
    if (auto o = dec.sub("optimum")) {
      DesignOptimum opt;
      opt.n_star = o->number("n_star");
      opt.d_star = o->number("d_star");
      opt.k_star = o->number("k_star");
      opt.n_median = o->number("n_median");
      opt.n_lo = o->number("n_lo");
      opt.n_hi = o->number("n_hi");
      g.optimum = opt;
    }
  };
  // An envelope has only these keys (to_document above); a bare decision has its own as well.
  bool envelope = true;
  for (const auto& [key, value] : f.object().items())
    if (key != "batch" && key != "strategy" && key != "stop" && key != "reason" && key != "decision") envelope = false;
  if (envelope) {
    if (f.object().contains("decision")) g.decision = f.object().at("decision");
    if (g.decision.is_object()) read_decision(*f.sub("decision"));
  } else {
    g.decision = f.object();
    read_decision(f);
  }
  return g;
}

// --- fit ---

namespace {
FitDocument fit_fields(const Fields& f) {
  FitDocument r;
  r.law = f.required_str("law");
  r.quantity = f.str("quantity");
  r.task = f.str("task");
  r.source = f.str("source");
  r.method = f.str("method");
  if (auto in = f.sub("inputs")) {
    r.inputs_kind = in->str("kind");
    r.inputs_path = in->str("path");
  }
  r.fit = f.object();
  return r;
}
}  // namespace

FitDocument FitDocument::from_fit(json fit, const std::string& store) {
  const Document d{document_kind::kFit, 0, 0, ""};
  if (!fit.is_object()) throw DocumentError(store, d, "", "expected a JSON object");
  return fit_fields(Fields(std::move(fit), d, store, ""));
}

Document FitDocument::to_document(std::uint32_t batch, double time) const {
  json j = fit.is_object() ? fit : json::object();
  j["law"] = law;
  j["quantity"] = quantity;
  j["task"] = task;
  j["source"] = source;
  j["method"] = method;
  if (!j.contains("inputs") || !j["inputs"].is_object()) j["inputs"] = json::object();
  j["inputs"]["kind"] = inputs_kind;
  j["inputs"]["path"] = inputs_path;
  return {document_kind::kFit, batch, time, j.dump()};
}

FitDocument FitDocument::read(const Document& d, const std::string& store) {
  return fit_fields(Fields(d, store, document_kind::kFit));
}

// --- import ---

Document ImportDocument::to_document(std::uint32_t batch, double time) const {
  json j{{"file", file}, {"rows", rows}, {"first_run", first_run}, {"runs", runs}, {"first_eval", first_eval}, {"evals", evals}};
  if (created_store) j["created_store"] = *created_store;
  return {document_kind::kImport, batch, time, j.dump()};
}

ImportDocument ImportDocument::read(const Document& d, const std::string& store) {
  Fields f(d, store, document_kind::kImport);
  ImportDocument r;
  r.file = f.required_str("file");
  r.rows = f.count("rows");
  r.first_run = f.count("first_run");
  r.runs = f.count("runs");
  r.first_eval = f.count("first_eval");
  r.evals = f.count("evals");
  if (f.has("created_store")) r.created_store = f.flag("created_store");
  return r;
}

std::string import_config_text(const std::string& file) { return fmt::format("# created by t2 import {}\n", file); }

bool created_by_import(const StoreContents& c, const std::string& store) {
  for (const Document& d : c.documents) {
    if (d.kind != document_kind::kImport) continue;
    // Only the first import can have created the store.
    if (auto created = ImportDocument::read(d, store).created_store) return *created;
    break;
  }
  // Stores imported before the import document said so: the config text import_config_text gave them.
  return c.config_text.rfind("# created by t2 import", 0) == 0;
}

}  // namespace t2
