// events.cpp — record payloads and the job state rules (see events.hpp).
#include "orchestrator/store/events.hpp"

#include <fmt/format.h>

#include "contract/wire.hpp"

namespace t2 {
namespace {

// Reserving first also keeps GCC 12 from a false -Wstringop-overflow on the first put().
ByteWriter writer() {
  ByteWriter w;
  w.bytes().reserve(256);
  return w;
}

void put_meta(ByteWriter& w, const JobMeta& m) {
  w.put(m.attempt); w.put(m.rank); w.put_string(m.host); w.put(m.wall_seconds); w.put(m.time);
}
JobMeta get_meta(ByteReader& r) {
  JobMeta m;
  m.attempt = r.get<std::uint32_t>(); m.rank = r.get<std::int32_t>(); m.host = r.get_string();
  m.wall_seconds = r.get<double>(); m.time = r.get<double>();
  return m;
}

JobKind get_kind(ByteReader& r) {
  auto k = r.get<std::uint8_t>();
  if (k > static_cast<std::uint8_t>(JobKind::eval)) throw EventError(fmt::format("unknown job kind {}", k));
  return static_cast<JobKind>(k);
}

const char* table(JobKind k) { return k == JobKind::train ? "run" : "eval"; }

// The state of job `index` of `kind`, checked to exist.
template <class Rec>
Rec& job(std::vector<Rec>& rows, JobKind kind, JobIndex index, const char* event) {
  if (index >= rows.size())
    throw EventError(fmt::format("{} for {} {}, but only {} {}s are planned", event, table(kind), index,
                                 rows.size(), table(kind)));
  return rows[index];
}

void require_state(JobState s, std::initializer_list<JobState> allowed, JobKind kind, JobIndex index,
                   const char* event) {
  for (auto a : allowed)
    if (s == a) return;
  throw EventError(fmt::format("{} for {} {} which is {}{}", event, table(kind), index, to_string(s),
                               s == JobState::done ? " (no job is stored twice)" : ""));
}

template <class Rec>
void started(Rec& rec, JobKind kind, JobIndex index, JobMeta meta) {
  require_state(rec.state, {JobState::pending}, kind, index, "job_started");
  rec.state = JobState::running;
  rec.attempts += 1;
  rec.budget.charged += 1;
  rec.started = std::move(meta);
}

// A running job whose coordinator died (requeue_lost): pending again, its attempt not charged.
template <class Rec>
bool requeue_lost(Rec& rec) {
  if (rec.state != JobState::running) return false;
  rec.state = JobState::pending;
  rec.budget.lost += 1;
  if (rec.budget.charged > 0) rec.budget.charged -= 1;
  return true;
}

// `t2 run --retry-failed`: a job failed for good becomes pending with a fresh attempt budget;
// its attempt count, last failure and reason stay as history.
template <class Rec>
void retried(Rec& rec, JobKind kind, JobIndex index) {
  require_state(rec.state, {JobState::failed}, kind, index, "job_retry");
  rec.state = JobState::pending;
  rec.budget.charged = 0;
  rec.budget.retries += 1;
}

template <class Rec>
void failed(Rec& rec, JobKind kind, JobIndex index, FailureClass cls, std::string reason, const JobMeta& meta,
            bool final) {
  // A failure report can come for a job written off before it started (lost), so pending is allowed.
  require_state(rec.state, {JobState::running, JobState::pending}, kind, index, "job_failed");
  if (cls == FailureClass::cancelled && rec.attempts > 0) rec.attempts -= 1;
  if (cls == FailureClass::cancelled && rec.budget.charged > 0) rec.budget.charged -= 1;
  rec.state = final ? JobState::failed : JobState::pending;
  rec.failure = cls;
  rec.reason = std::move(reason);
  rec.meta = meta;
}

}  // namespace

std::vector<char> encode_created(std::uint32_t schema_version, const std::string& t2_version,
                                 const std::string& config_text, const std::string& config_file, double created_at) {
  ByteWriter w = writer();
  w.put(schema_version); w.put_string(t2_version); w.put_string(config_text); w.put_string(config_file);
  w.put(created_at);
  return std::move(w.bytes());
}

std::vector<char> encode_plan_batch(double planned_at, const std::vector<PlannedRun>& runs,
                                    const std::vector<PlannedEval>& evals) {
  ByteWriter w = writer();
  w.put(planned_at);
  w.put<std::uint64_t>(runs.size());
  for (auto& r : runs) { w.put(r.n_params); w.put(r.n_tokens); w.put(r.seed); w.put(r.replicate); }
  w.put<std::uint64_t>(evals.size());
  for (auto& e : evals) {
    w.put(e.run); w.put_string(e.task); w.put(e.problems); w.put(e.samples); w.put(e.temperature);
    w.put(e.top_k); w.put(e.seed);
  }
  return std::move(w.bytes());
}

std::vector<char> encode_job_started(JobKind kind, JobIndex index, const JobMeta& meta) {
  ByteWriter w = writer();
  w.put(static_cast<std::uint8_t>(kind)); w.put(index); put_meta(w, meta);
  return std::move(w.bytes());
}

std::vector<char> encode_train_done(JobIndex index, const TrainResult& result, const JobMeta& meta) {
  ByteWriter w = writer();
  w.put(index); encode(w, result); put_meta(w, meta);
  return std::move(w.bytes());
}

std::vector<char> encode_eval_done(JobIndex index, const EvalResult& result, const JobMeta& meta) {
  ByteWriter w = writer();
  w.put(index); encode(w, result); put_meta(w, meta);
  return std::move(w.bytes());
}

std::vector<char> encode_job_failed(JobKind kind, JobIndex index, FailureClass cls, const std::string& reason,
                                    const JobMeta& meta, bool final) {
  ByteWriter w = writer();
  w.put(static_cast<std::uint8_t>(kind)); w.put(index); w.put(static_cast<std::uint8_t>(cls));
  w.put_string(reason); put_meta(w, meta); w.put(static_cast<std::uint8_t>(final ? 1 : 0));
  return std::move(w.bytes());
}

std::vector<char> encode_requeue_running() { return {}; }
std::vector<char> encode_requeue_lost() { return {}; }

std::vector<char> encode_job_retry(JobKind kind, JobIndex index) {
  ByteWriter w = writer();
  w.put(static_cast<std::uint8_t>(kind)); w.put(index);
  return std::move(w.bytes());
}

std::vector<char> encode_document(const Document& d) {
  ByteWriter w = writer();
  w.put_string(d.kind); w.put(d.batch); w.put(d.time); w.put_string(d.json);
  return std::move(w.bytes());
}

std::vector<char> encode_replace_config(const std::string& config_text, const std::string& config_file) {
  ByteWriter w = writer();
  w.put_string(config_text); w.put_string(config_file);
  return std::move(w.bytes());
}

void apply_record(StoreContents& c, RecordType type, const char* payload, std::size_t length, Dirty* dirty) {
  ByteReader r(payload, length);
  auto finish = [&] {
    if (!r.done()) throw EventError(fmt::format("{} record has {} trailing bytes", to_string(type), r.remaining()));
  };
  try {
    if (type != RecordType::created && c.schema_version == 0)
      throw EventError(fmt::format("{} record before the store's created record", to_string(type)));
    switch (type) {
      case RecordType::created: {
        if (c.schema_version != 0) throw EventError("a second created record");
        StoreContents h;
        h.schema_version = r.get<std::uint32_t>(); h.t2_version = r.get_string(); h.config_text = r.get_string();
        h.config_file = r.get_string(); h.created_at = r.get<double>();
        finish();
        if (h.schema_version == 0) throw EventError("created record with schema version 0");
        c.schema_version = h.schema_version; c.t2_version = std::move(h.t2_version);
        c.config_text = std::move(h.config_text); c.config_file = std::move(h.config_file);
        c.created_at = h.created_at;
        if (dirty) dirty->root = true;
        return;
      }
      case RecordType::plan_batch: {
        BatchRecord b;
        b.index = static_cast<std::uint32_t>(c.batches.size());
        b.planned_at = r.get<double>();
        auto n_runs = r.get<std::uint64_t>();
        if (n_runs > r.remaining()) throw EventError("plan_batch: run count past end of record");
        std::vector<RunRecord> runs(n_runs);
        b.first_run = static_cast<JobIndex>(c.runs.size());
        for (std::size_t i = 0; i < runs.size(); ++i) {
          auto& p = runs[i].plan;
          p.n_params = r.get<double>(); p.n_tokens = r.get<double>(); p.seed = r.get<std::uint64_t>();
          p.replicate = r.get<std::uint32_t>();
          runs[i].index = static_cast<JobIndex>(b.first_run + i);
          runs[i].batch = b.index;
        }
        auto n_evals = r.get<std::uint64_t>();
        if (n_evals > r.remaining()) throw EventError("plan_batch: eval count past end of record");
        std::vector<EvalRecord> evals(n_evals);
        b.first_eval = static_cast<JobIndex>(c.evals.size());
        std::size_t total_runs = c.runs.size() + runs.size();
        for (std::size_t i = 0; i < evals.size(); ++i) {
          auto& p = evals[i].plan;
          p.run = r.get<JobIndex>(); p.task = r.get_string(); p.problems = r.get<std::uint32_t>();
          p.samples = r.get<std::uint32_t>(); p.temperature = r.get<double>(); p.top_k = r.get<std::uint32_t>();
          p.seed = r.get<std::uint64_t>();
          if (p.run >= total_runs)
            throw EventError(fmt::format("plan_batch: eval {} is of run {}, but only {} runs are planned",
                                         b.first_eval + i, p.run, total_runs));
          evals[i].index = static_cast<JobIndex>(b.first_eval + i);
          evals[i].batch = b.index;
        }
        finish();
        if (total_runs > 0xffffffffu || c.evals.size() + evals.size() > 0xffffffffu)
          throw EventError("plan_batch: more than 2^32 jobs");
        b.n_runs = static_cast<JobIndex>(runs.size());
        b.n_evals = static_cast<JobIndex>(evals.size());
        for (auto& run : runs) {
          if (dirty) dirty->runs.insert(run.index);
          c.runs.push_back(std::move(run));
        }
        for (auto& ev : evals) {
          if (dirty) dirty->evals.insert(ev.index);
          c.evals.push_back(std::move(ev));
        }
        c.batches.push_back(b);
        return;
      }
      case RecordType::job_started: {
        JobKind kind = get_kind(r);
        auto index = r.get<JobIndex>();
        // Who started it: kept in memory for `t2 status` (the tables keep the finishing attempt).
        JobMeta meta = get_meta(r);
        finish();
        if (kind == JobKind::train) {
          started(job(c.runs, kind, index, "job_started"), kind, index, std::move(meta));
          if (dirty) dirty->runs.insert(index);
        } else {
          started(job(c.evals, kind, index, "job_started"), kind, index, std::move(meta));
          if (dirty) dirty->evals.insert(index);
        }
        return;
      }
      case RecordType::train_done: {
        auto index = r.get<JobIndex>();
        TrainResult result;
        decode(r, result);
        JobMeta meta = get_meta(r);
        finish();
        auto& run = job(c.runs, JobKind::train, index, "train_done");
        // A result may arrive for an attempt the coordinator had already written off (pending).
        require_state(run.state, {JobState::running, JobState::pending}, JobKind::train, index, "train_done");
        run.state = JobState::done;
        run.result = std::move(result);
        run.meta = std::move(meta);
        if (dirty) dirty->runs.insert(index);
        return;
      }
      case RecordType::eval_done: {
        auto index = r.get<JobIndex>();
        EvalResult result;
        decode(r, result);
        JobMeta meta = get_meta(r);
        finish();
        auto& ev = job(c.evals, JobKind::eval, index, "eval_done");
        require_state(ev.state, {JobState::running, JobState::pending}, JobKind::eval, index, "eval_done");
        if (result.problems != ev.plan.problems || result.samples != ev.plan.samples)
          throw EventError(fmt::format("eval_done for eval {}: result is {} x {}, the eval planned {} problems x {} "
                                       "samples",
                                       index, result.problems, result.samples, ev.plan.problems, ev.plan.samples));
        ev.state = JobState::done;
        ev.result = std::move(result);
        ev.meta = std::move(meta);
        if (dirty) {
          dirty->evals.insert(index);
          dirty->outcomes.push_back(index);
        }
        return;
      }
      case RecordType::job_failed: {
        JobKind kind = get_kind(r);
        auto index = r.get<JobIndex>();
        auto cls_byte = r.get<std::uint8_t>();
        if (cls_byte > static_cast<std::uint8_t>(FailureClass::cancelled))
          throw EventError(fmt::format("job_failed: unknown failure class {}", cls_byte));
        std::string reason = r.get_string();
        JobMeta meta = get_meta(r);
        bool final = r.get<std::uint8_t>() != 0;
        finish();
        auto cls = static_cast<FailureClass>(cls_byte);
        if (kind == JobKind::train) {
          failed(job(c.runs, kind, index, "job_failed"), kind, index, cls, std::move(reason), meta, final);
          if (dirty) dirty->runs.insert(index);
        } else {
          failed(job(c.evals, kind, index, "job_failed"), kind, index, cls, std::move(reason), meta, final);
          if (dirty) dirty->evals.insert(index);
        }
        return;
      }
      case RecordType::requeue_running: {
        finish();
        for (auto& run : c.runs)
          if (run.state == JobState::running) {
            run.state = JobState::pending;
            if (dirty) dirty->runs.insert(run.index);
          }
        for (auto& ev : c.evals)
          if (ev.state == JobState::running) {
            ev.state = JobState::pending;
            if (dirty) dirty->evals.insert(ev.index);
          }
        return;
      }
      case RecordType::requeue_lost: {
        finish();
        for (auto& run : c.runs)
          if (requeue_lost(run) && dirty) dirty->runs.insert(run.index);
        for (auto& ev : c.evals)
          if (requeue_lost(ev) && dirty) dirty->evals.insert(ev.index);
        return;
      }
      case RecordType::job_retry: {
        JobKind kind = get_kind(r);
        auto index = r.get<JobIndex>();
        finish();
        if (kind == JobKind::train) {
          retried(job(c.runs, kind, index, "job_retry"), kind, index);
          if (dirty) dirty->runs.insert(index);
        } else {
          retried(job(c.evals, kind, index, "job_retry"), kind, index);
          if (dirty) dirty->evals.insert(index);
        }
        return;
      }
      case RecordType::document: {
        Document d;
        d.kind = r.get_string(); d.batch = r.get<std::uint32_t>(); d.time = r.get<double>(); d.json = r.get_string();
        finish();
        c.documents.push_back(std::move(d));
        return;
      }
      case RecordType::replace_config: {
        std::string text = r.get_string(), file = r.get_string();
        finish();
        c.config_text = std::move(text);
        c.config_file = std::move(file);
        if (dirty) dirty->root = true;
        return;
      }
    }
    throw EventError(fmt::format("unknown record type {}", static_cast<std::uint32_t>(type)));
  } catch (const WireError& e) {
    throw EventError(fmt::format("{} record does not decode: {}", to_string(type), e.what()));
  }
}

}  // namespace t2
