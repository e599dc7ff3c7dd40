// protocol.cpp — message encoding and the one function that runs a job.
#include "contract/protocol.hpp"

#include <chrono>
#include <cmath>

#include "contract/wire.hpp"
#include "contract/workload.hpp"

namespace t2 {

std::vector<char> encode_message(const JobMessage& m) {
  ByteWriter w;
  w.put(static_cast<std::uint8_t>(m.kind));
  w.put(m.attempt);
  if (m.kind == JobKind::train) encode(w, m.train);
  else encode(w, m.eval);
  return std::move(w.bytes());
}

JobMessage decode_job(const char* data, std::size_t size) {
  ByteReader r(data, size);
  JobMessage m;
  m.kind = static_cast<JobKind>(r.get<std::uint8_t>());
  m.attempt = r.get<std::uint32_t>();
  if (m.kind == JobKind::train) decode(r, m.train);
  else decode(r, m.eval);
  return m;
}

std::vector<char> encode_message(const ResultMessage& m) {
  ByteWriter w;
  w.put(static_cast<std::uint8_t>(m.kind));
  w.put(m.index);
  w.put(m.attempt);
  w.put(static_cast<std::uint8_t>(m.ok));
  w.put(m.wall_seconds);
  if (m.ok) {
    if (m.kind == JobKind::train) encode(w, m.train);
    else encode(w, m.eval);
  } else {
    w.put(static_cast<std::uint8_t>(m.failure));
    w.put_string(m.reason);
  }
  return std::move(w.bytes());
}

ResultMessage decode_result(const char* data, std::size_t size) {
  ByteReader r(data, size);
  ResultMessage m;
  m.kind = static_cast<JobKind>(r.get<std::uint8_t>());
  m.index = r.get<JobIndex>();
  m.attempt = r.get<std::uint32_t>();
  m.ok = r.get<std::uint8_t>() != 0;
  m.wall_seconds = r.get<double>();
  if (m.ok) {
    if (m.kind == JobKind::train) decode(r, m.train);
    else decode(r, m.eval);
  } else {
    m.failure = static_cast<FailureClass>(r.get<std::uint8_t>());
    m.reason = r.get_string();
  }
  return m;
}

ResultMessage run_job(Workload& workload, const JobMessage& job, const std::atomic<bool>& cancel) {
  ResultMessage out;
  out.kind = job.kind;
  out.index = job.index();
  out.attempt = job.attempt;
  auto t0 = std::chrono::steady_clock::now();
  try {
    if (job.kind == JobKind::train) {
      out.train = workload.train(job.train, cancel);
      // The contract every backend must keep; a NaN loss must never reach a fit.
      if (!std::isfinite(out.train.final_loss) || out.train.final_loss <= 0)
        throw JobFailure(FailureClass::bad_result, "training loss is not a finite positive number");
    } else {
      out.eval = workload.evaluate(job.eval, cancel);
      if (out.eval.problems != job.eval.problems || out.eval.samples != job.eval.samples ||
          out.eval.correct.size() != std::size_t(out.eval.problems) * out.eval.samples ||
          out.eval.answer_nll.size() != out.eval.problems)
        throw JobFailure(FailureClass::bad_result, "eval result shape does not match problems x samples");
    }
    out.ok = true;
  } catch (const JobFailure& f) {
    out.ok = false;
    out.failure = f.cls;
    out.reason = f.what();
  } catch (const std::exception& e) {
    out.ok = false;
    out.failure = FailureClass::error;
    out.reason = e.what();
  }
  out.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace t2
