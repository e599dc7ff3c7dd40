// truth_law.cpp — the exact ground truth as a Law (see truth_law.hpp).
#include "orchestrator/truth/truth_law.hpp"

#include "orchestrator/laws/t2_accuracy_law.hpp"
#include "workers/synthetic/synthetic_settings.hpp"

namespace t2 {

double IrtTruthLaw::predict(std::span<const double>, const LawInput& x) const {
  return irt_pass_at_k(truth_, truth_.loss(x.n, x.d), x.k, difficulties_);
}

FittedLaw exact_truth_law(const SyntheticTruth& t, const std::string& task, std::uint32_t problems) {
  if (t.mode == SyntheticTruth::Mode::irt)
    return FittedLaw{std::make_shared<IrtTruthLaw>(t, problem_difficulties(t, task, problems)), {}};
  // v1 draws p_i ~ Beta(mu nu, (1 - mu) nu) at the noise-free loss: its expected pass@k is the T²
  // accuracy law (§3.2) with Lhat = the truth's loss law, exactly.
  return FittedLaw{std::make_shared<T2AccuracyLaw>(),
                   {t.E, t.A, t.B, t.alpha, t.beta, t.theta0, t.theta1, t.theta2, t.theta3, t.theta4}};
}

std::optional<FittedLaw> truth_law_of(const SweepConfig& c, const std::string& task) {
  if (c.workload.backend != "synthetic") return std::nullopt;
  SyntheticTruth t = synthetic_truth_of(c.workload);
  return exact_truth_law(t, task.empty() ? c.eval.tasks.front() : task, c.eval.problems);
}

}  // namespace t2
