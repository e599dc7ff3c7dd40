// wire.cpp — field-by-field encoding of the job contract types (see wire.hpp).
#include "contract/wire.hpp"

namespace t2 {

void encode(ByteWriter& w, const TrainSpec& s) {
  w.put(s.index); w.put(s.n_params); w.put(s.n_tokens); w.put(s.seed); w.put(s.replicate);
  w.put_string(s.run_dir);
}
void decode(ByteReader& r, TrainSpec& s) {
  s.index = r.get<JobIndex>(); s.n_params = r.get<double>(); s.n_tokens = r.get<double>();
  s.seed = r.get<std::uint64_t>(); s.replicate = r.get<std::uint32_t>(); s.run_dir = r.get_string();
}

void encode(ByteWriter& w, const TrainResult& t) {
  w.put(t.final_loss); w.put(t.tokens_seen); w.put(t.params); w.put(t.params_total); w.put(t.flops);
  w.put_vector(t.loss_curve); w.put_vector(t.curve_tokens); w.put_string(t.checkpoint);
}
void decode(ByteReader& r, TrainResult& t) {
  t.final_loss = r.get<double>(); t.tokens_seen = r.get<double>(); t.params = r.get<double>();
  t.params_total = r.get<double>(); t.flops = r.get<double>();
  t.loss_curve = r.get_vector<float>(); t.curve_tokens = r.get_vector<float>(); t.checkpoint = r.get_string();
}

void encode(ByteWriter& w, const EvalSpec& s) {
  w.put(s.index); w.put(s.run); w.put(s.n_params); w.put(s.n_tokens); w.put(s.run_loss);
  w.put_string(s.task); w.put(s.problems); w.put(s.samples); w.put(s.temperature); w.put(s.top_k);
  w.put(s.seed); w.put_string(s.checkpoint); w.put_string(s.run_dir);
}
void decode(ByteReader& r, EvalSpec& s) {
  s.index = r.get<JobIndex>(); s.run = r.get<JobIndex>(); s.n_params = r.get<double>();
  s.n_tokens = r.get<double>(); s.run_loss = r.get<double>(); s.task = r.get_string();
  s.problems = r.get<std::uint32_t>(); s.samples = r.get<std::uint32_t>(); s.temperature = r.get<double>();
  s.top_k = r.get<std::uint32_t>(); s.seed = r.get<std::uint64_t>(); s.checkpoint = r.get_string();
  s.run_dir = r.get_string();
}

void encode(ByteWriter& w, const EvalResult& e) {
  w.put(e.problems); w.put(e.samples); w.put_vector(e.correct); w.put_vector(e.answer_nll);
  w.put(e.flops); w.put(e.tokens_per_sample);
}
void decode(ByteReader& r, EvalResult& e) {
  e.problems = r.get<std::uint32_t>(); e.samples = r.get<std::uint32_t>();
  e.correct = r.get_vector<std::uint8_t>(); e.answer_nll = r.get_vector<double>();
  e.flops = r.get<double>(); e.tokens_per_sample = r.get<double>();
  if (e.correct.size() != static_cast<std::size_t>(e.problems) * e.samples || e.answer_nll.size() != e.problems)
    throw WireError("eval result: matrix size does not match problems x samples");
}

}  // namespace t2
