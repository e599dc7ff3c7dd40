// journal_records.cpp — encode and decode of each journal record type, side by side (see
// journal_records.hpp; the byte layout is schemas/store-layout.md, "Record payloads").
#include "orchestrator/store/journal_records.hpp"

#include <bit>
#include <cstring>

#include <fmt/format.h>

namespace t2 {
namespace {

// Little-endian, fixed width, whatever the host. Arrays of numbers are copied in one piece when
// the host is little-endian (every host t2 runs on), item by item otherwise.
constexpr bool kLittle = std::endian::native == std::endian::little;

class Out {
 public:
  Out() { b_.reserve(256); }
  template <class T>
  void array(const std::vector<T>& v) {
    u64(v.size());
    if constexpr (kLittle) {
      const char* p = reinterpret_cast<const char*>(v.data());
      b_.insert(b_.end(), p, p + v.size() * sizeof(T));
    } else {
      for (const T& x : v) item(x);
    }
  }
  void u8(std::uint8_t v) { b_.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b_.push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
  }
  void i32(std::int32_t v) { u32(static_cast<std::uint32_t>(v)); }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) b_.push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
  }
  void f64(double v) {
    std::uint64_t u;
    std::memcpy(&u, &v, 8);
    u64(u);
  }
  void f32(float v) {
    std::uint32_t u;
    std::memcpy(&u, &v, 4);
    u32(u);
  }
  void str(const std::string& s) {
    u32(static_cast<std::uint32_t>(s.size()));
    b_.insert(b_.end(), s.begin(), s.end());
  }
  std::vector<char> take() { return std::move(b_); }

 private:
  void item(std::uint8_t v) { u8(v); }
  void item(float v) { f32(v); }
  void item(double v) { f64(v); }
  std::vector<char> b_;
};

class In {
 public:
  In(const char* p, std::size_t n, RecordType t) : p_(reinterpret_cast<const unsigned char*>(p)), n_(n), type_(t) {}
  std::uint8_t u8() { return need(1), p_[at_++]; }
  std::uint32_t u32() {
    need(4);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(p_[at_ + i]) << (8 * i);
    at_ += 4;
    return v;
  }
  std::int32_t i32() { return static_cast<std::int32_t>(u32()); }
  std::uint64_t u64() {
    need(8);
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(p_[at_ + i]) << (8 * i);
    at_ += 8;
    return v;
  }
  double f64() {
    std::uint64_t u = u64();
    double v;
    std::memcpy(&v, &u, 8);
    return v;
  }
  float f32() {
    std::uint32_t u = u32();
    float v;
    std::memcpy(&v, &u, 4);
    return v;
  }
  std::string str() {
    std::uint32_t n = u32();
    need(n);
    std::string s(reinterpret_cast<const char*>(p_ + at_), n);
    at_ += n;
    return s;
  }
  // An array count, checked against the bytes left (each item takes at least `item` bytes).
  std::uint64_t count(std::size_t item, const char* what) {
    std::uint64_t n = u64();
    if (n > (n_ - at_) / item) fail(fmt::format("{} count {} runs past the end of the record", what, n));
    return n;
  }
  template <class T>
  void array(std::vector<T>& v, const char* what) {
    v.resize(count(sizeof(T), what));
    if constexpr (kLittle) {
      if (!v.empty()) std::memcpy(v.data(), p_ + at_, v.size() * sizeof(T));
      at_ += v.size() * sizeof(T);
    } else {
      for (T& x : v) x = item(x);
    }
  }
  JobKind kind() {
    auto k = u8();
    if (k > static_cast<std::uint8_t>(JobKind::eval)) fail(fmt::format("unknown job kind {}", k));
    return static_cast<JobKind>(k);
  }
  void done() const {
    if (at_ != n_) fail(fmt::format("{} trailing bytes", n_ - at_));
  }
  [[noreturn]] void fail(const std::string& why) const {
    throw RecordDecodeError(fmt::format("{} record does not decode: {}", to_string(type_), why));
  }

 private:
  std::uint8_t item(std::uint8_t) { return u8(); }
  float item(float) { return f32(); }
  double item(double) { return f64(); }
  void need(std::size_t k) const {
    if (n_ - at_ < k) fail(fmt::format("it ends early (byte {} of {}, {} more needed)", at_, n_, k));
  }
  const unsigned char* p_;
  std::size_t n_, at_ = 0;
  RecordType type_;
};

// meta = attempt u32, rank i32, host str, wall_seconds f64, time f64
void put_meta(Out& o, const JobMeta& m) {
  o.u32(m.attempt); o.i32(m.rank); o.str(m.host); o.f64(m.wall_seconds); o.f64(m.time);
}
JobMeta get_meta(In& in) {
  JobMeta m;
  m.attempt = in.u32(); m.rank = in.i32(); m.host = in.str(); m.wall_seconds = in.f64(); m.time = in.f64();
  return m;
}
bool same(const JobMeta& a, const JobMeta& b) {
  return a.attempt == b.attempt && a.rank == b.rank && a.host == b.host && a.wall_seconds == b.wall_seconds &&
         a.time == b.time;
}

}  // namespace

// --- created: schema_version u32, t2_version str, config str, config_file str, created_at f64
std::vector<char> encode(const CreatedRecord& r) {
  Out o;
  o.u32(r.schema_version); o.str(r.t2_version); o.str(r.config_text); o.str(r.config_file); o.f64(r.created_at);
  return o.take();
}
void decode(const char* p, std::size_t n, CreatedRecord& r) {
  In in(p, n, r.type);
  r.schema_version = in.u32(); r.t2_version = in.str(); r.config_text = in.str(); r.config_file = in.str();
  r.created_at = in.f64();
  in.done();
}

// --- plan_batch: planned_at f64; u64 n, n x run; u64 m, m x eval
//     run = n_params f64, n_tokens f64, seed u64, replicate u32 (28 bytes)
//     eval = run u32, task str, problems u32, samples u32, temperature f64, top_k u32, seed u64
std::vector<char> encode(const PlanBatchRecord& r) {
  Out o;
  o.f64(r.planned_at);
  o.u64(r.runs.size());
  for (auto& p : r.runs) { o.f64(p.n_params); o.f64(p.n_tokens); o.u64(p.seed); o.u32(p.replicate); }
  o.u64(r.evals.size());
  for (auto& e : r.evals) {
    o.u32(e.run); o.str(e.task); o.u32(e.problems); o.u32(e.samples); o.f64(e.temperature); o.u32(e.top_k);
    o.u64(e.seed);
  }
  return o.take();
}
void decode(const char* p, std::size_t n, PlanBatchRecord& r) {
  In in(p, n, r.type);
  r.planned_at = in.f64();
  r.runs.resize(in.count(28, "run"));
  for (auto& x : r.runs) {
    x.n_params = in.f64(); x.n_tokens = in.f64(); x.seed = in.u64(); x.replicate = in.u32();
  }
  r.evals.resize(in.count(36, "eval"));
  for (auto& e : r.evals) {
    e.run = in.u32(); e.task = in.str(); e.problems = in.u32(); e.samples = in.u32(); e.temperature = in.f64();
    e.top_k = in.u32(); e.seed = in.u64();
  }
  in.done();
}

// --- job_started: kind u8 (0 train, 1 eval), index u32, meta
std::vector<char> encode(const JobStartedRecord& r) {
  Out o;
  o.u8(static_cast<std::uint8_t>(r.kind)); o.u32(r.index); put_meta(o, r.meta);
  return o.take();
}
void decode(const char* p, std::size_t n, JobStartedRecord& r) {
  In in(p, n, r.type);
  r.kind = in.kind(); r.index = in.u32(); r.meta = get_meta(in);
  in.done();
}

// --- train_done: index u32, final_loss f64, tokens_seen f64, params f64, params_total f64,
//     flops f64, loss_curve (u64 count, f32 each), curve_tokens (u64 count, f32 each),
//     checkpoint str, meta
std::vector<char> encode(const TrainDoneRecord& r) {
  Out o;
  const TrainResult& t = r.result;
  o.u32(r.index);
  o.f64(t.final_loss); o.f64(t.tokens_seen); o.f64(t.params); o.f64(t.params_total); o.f64(t.flops);
  o.array(t.loss_curve);
  o.array(t.curve_tokens);
  o.str(t.checkpoint);
  put_meta(o, r.meta);
  return o.take();
}
void decode(const char* p, std::size_t n, TrainDoneRecord& r) {
  In in(p, n, r.type);
  TrainResult& t = r.result;
  r.index = in.u32();
  t.final_loss = in.f64(); t.tokens_seen = in.f64(); t.params = in.f64(); t.params_total = in.f64();
  t.flops = in.f64();
  in.array(t.loss_curve, "loss_curve");
  in.array(t.curve_tokens, "curve_tokens");
  t.checkpoint = in.str();
  r.meta = get_meta(in);
  in.done();
}

// --- eval_done: index u32, problems u32, samples u32, correct (u64 count, u8 each),
//     answer_nll (u64 count, f64 each), flops f64, tokens_per_sample f64, meta.
//     correct must hold problems x samples values and answer_nll `problems`.
std::vector<char> encode(const EvalDoneRecord& r) {
  Out o;
  const EvalResult& e = r.result;
  o.u32(r.index); o.u32(e.problems); o.u32(e.samples);
  o.array(e.correct);
  o.array(e.answer_nll);
  o.f64(e.flops); o.f64(e.tokens_per_sample);
  put_meta(o, r.meta);
  return o.take();
}
void decode(const char* p, std::size_t n, EvalDoneRecord& r) {
  In in(p, n, r.type);
  EvalResult& e = r.result;
  r.index = in.u32(); e.problems = in.u32(); e.samples = in.u32();
  in.array(e.correct, "correct");
  in.array(e.answer_nll, "answer_nll");
  e.flops = in.f64(); e.tokens_per_sample = in.f64();
  r.meta = get_meta(in);
  in.done();
  if (e.correct.size() != static_cast<std::uint64_t>(e.problems) * e.samples || e.answer_nll.size() != e.problems)
    in.fail(fmt::format("{} outcomes and {} NLLs for {} problems x {} samples", e.correct.size(),
                        e.answer_nll.size(), e.problems, e.samples));
}

// --- job_failed: kind u8, index u32, failure class u8, reason str, meta, final u8
std::vector<char> encode(const JobFailedRecord& r) {
  Out o;
  o.u8(static_cast<std::uint8_t>(r.kind)); o.u32(r.index); o.u8(static_cast<std::uint8_t>(r.failure));
  o.str(r.reason); put_meta(o, r.meta); o.u8(r.final ? 1 : 0);
  return o.take();
}
void decode(const char* p, std::size_t n, JobFailedRecord& r) {
  In in(p, n, r.type);
  r.kind = in.kind(); r.index = in.u32();
  auto cls = in.u8();
  if (cls > static_cast<std::uint8_t>(FailureClass::cancelled)) in.fail(fmt::format("unknown failure class {}", cls));
  r.failure = static_cast<FailureClass>(cls);
  r.reason = in.str(); r.meta = get_meta(in); r.final = in.u8() != 0;
  in.done();
}

// --- requeue_running, requeue_lost: empty
std::vector<char> encode(const RequeueRunningRecord&) { return {}; }
void decode(const char* p, std::size_t n, RequeueRunningRecord& r) { In(p, n, r.type).done(); }
std::vector<char> encode(const RequeueLostRecord&) { return {}; }
void decode(const char* p, std::size_t n, RequeueLostRecord& r) { In(p, n, r.type).done(); }

// --- document: kind str, batch u32, time f64, json str
std::vector<char> encode(const DocumentRecord& r) {
  Out o;
  o.str(r.doc.kind); o.u32(r.doc.batch); o.f64(r.doc.time); o.str(r.doc.json);
  return o.take();
}
void decode(const char* p, std::size_t n, DocumentRecord& r) {
  In in(p, n, r.type);
  r.doc.kind = in.str(); r.doc.batch = in.u32(); r.doc.time = in.f64(); r.doc.json = in.str();
  in.done();
}

// --- replace_config: config str, config_file str
std::vector<char> encode(const ReplaceConfigRecord& r) {
  Out o;
  o.str(r.config_text); o.str(r.config_file);
  return o.take();
}
void decode(const char* p, std::size_t n, ReplaceConfigRecord& r) {
  In in(p, n, r.type);
  r.config_text = in.str(); r.config_file = in.str();
  in.done();
}

// --- job_retry: kind u8, index u32
std::vector<char> encode(const JobRetryRecord& r) {
  Out o;
  o.u8(static_cast<std::uint8_t>(r.kind)); o.u32(r.index);
  return o.take();
}
void decode(const char* p, std::size_t n, JobRetryRecord& r) {
  In in(p, n, r.type);
  r.kind = in.kind(); r.index = in.u32();
  in.done();
}

bool operator==(const CreatedRecord& a, const CreatedRecord& b) {
  return a.schema_version == b.schema_version && a.t2_version == b.t2_version && a.config_text == b.config_text &&
         a.config_file == b.config_file && a.created_at == b.created_at;
}
bool operator==(const PlanBatchRecord& a, const PlanBatchRecord& b) {
  if (a.planned_at != b.planned_at || a.runs.size() != b.runs.size() || a.evals.size() != b.evals.size()) return false;
  for (std::size_t i = 0; i < a.runs.size(); ++i) {
    auto &x = a.runs[i], &y = b.runs[i];
    if (x.n_params != y.n_params || x.n_tokens != y.n_tokens || x.seed != y.seed || x.replicate != y.replicate)
      return false;
  }
  for (std::size_t i = 0; i < a.evals.size(); ++i) {
    auto &x = a.evals[i], &y = b.evals[i];
    if (x.run != y.run || x.task != y.task || x.problems != y.problems || x.samples != y.samples ||
        x.temperature != y.temperature || x.top_k != y.top_k || x.seed != y.seed)
      return false;
  }
  return true;
}
bool operator==(const JobStartedRecord& a, const JobStartedRecord& b) {
  return a.kind == b.kind && a.index == b.index && same(a.meta, b.meta);
}
bool operator==(const TrainDoneRecord& a, const TrainDoneRecord& b) {
  auto &x = a.result, &y = b.result;
  return a.index == b.index && same(a.meta, b.meta) && x.final_loss == y.final_loss && x.tokens_seen == y.tokens_seen &&
         x.params == y.params && x.params_total == y.params_total && x.flops == y.flops &&
         x.loss_curve == y.loss_curve && x.curve_tokens == y.curve_tokens && x.checkpoint == y.checkpoint;
}
bool operator==(const EvalDoneRecord& a, const EvalDoneRecord& b) {
  auto &x = a.result, &y = b.result;
  return a.index == b.index && same(a.meta, b.meta) && x.problems == y.problems && x.samples == y.samples &&
         x.correct == y.correct && x.answer_nll == y.answer_nll && x.flops == y.flops &&
         x.tokens_per_sample == y.tokens_per_sample;
}
bool operator==(const JobFailedRecord& a, const JobFailedRecord& b) {
  return a.kind == b.kind && a.index == b.index && a.failure == b.failure && a.reason == b.reason &&
         same(a.meta, b.meta) && a.final == b.final;
}
bool operator==(const DocumentRecord& a, const DocumentRecord& b) {
  return a.doc.kind == b.doc.kind && a.doc.batch == b.doc.batch && a.doc.time == b.doc.time && a.doc.json == b.doc.json;
}
bool operator==(const ReplaceConfigRecord& a, const ReplaceConfigRecord& b) {
  return a.config_text == b.config_text && a.config_file == b.config_file;
}
bool operator==(const JobRetryRecord& a, const JobRetryRecord& b) { return a.kind == b.kind && a.index == b.index; }

}  // namespace t2
