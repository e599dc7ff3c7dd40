// least_squares.cpp — multi-start weighted SSE fits of any Law with Ceres (see least_squares.hpp).
#include "orchestrator/laws/least_squares.hpp"
#include "orchestrator/laws/ceres_logging.hpp"

#include <ceres/ceres.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "orchestrator/laws/fit_data.hpp"

namespace t2 {
namespace {

// Residuals sqrt(w_i) (predict(theta, x_i) - y_i) in fit space (log_scale parameters as logs).
class LawResiduals final : public ceres::CostFunction {
 public:
  LawResiduals(const Law& law, const std::vector<ParamSpec>& specs, const std::vector<Observation>& data)
      : law_(law), specs_(specs), data_(data) {
    set_num_residuals(static_cast<int>(data.size()));
    mutable_parameter_block_sizes()->push_back(static_cast<int>(specs.size()));
  }
  bool Evaluate(double const* const* params, double* residuals, double** jacobians) const override {
    const std::size_t P = specs_.size();
    std::vector<double> theta(P), grad(P);
    for (std::size_t j = 0; j < P; ++j) theta[j] = specs_[j].log_scale ? std::exp(params[0][j]) : params[0][j];
    for (std::size_t i = 0; i < data_.size(); ++i) {
      const Observation& o = data_[i];
      double sw = std::sqrt(o.weight);
      double pred = jacobians && jacobians[0] ? law_.gradient(theta, o.x, grad) : law_.predict(theta, o.x);
      residuals[i] = sw * (pred - o.y);
      if (!std::isfinite(residuals[i])) return false;
      if (jacobians && jacobians[0])
        for (std::size_t j = 0; j < P; ++j)
          jacobians[0][i * P + j] = sw * grad[j] * (specs_[j].log_scale ? theta[j] : 1.0);
    }
    return true;
  }

 private:
  const Law& law_;
  const std::vector<ParamSpec>& specs_;
  const std::vector<Observation>& data_;
};

double sse_at(const Law& law, const std::vector<Observation>& data, const std::vector<double>& theta) {
  double s = 0;
  for (const Observation& o : data) {
    double r = law.predict(theta, o.x) - o.y;
    s += o.weight * r * r;
  }
  return std::isfinite(s) ? s : INFINITY;
}

}  // namespace

LeastSquaresFit fit_least_squares_from(const Law& law, const std::vector<Observation>& data,
                                       const std::vector<double>& start, const LeastSquaresOptions& o,
                                       const std::vector<int>& fixed) {
  detail::quiet_ceres_logging();
  const std::vector<ParamSpec> specs = law.params();
  const std::size_t P = specs.size();
  if (start.size() != P) throw std::invalid_argument(law.name() + ": start has the wrong number of parameters");
  std::vector<double> x(P);
  for (std::size_t j = 0; j < P; ++j) {
    double v = std::clamp(start[j], specs[j].lower, specs[j].upper);
    x[j] = specs[j].log_scale ? std::log(std::max(v, 1e-300)) : v;
  }
  LeastSquaresFit out;
  out.starts_tried = 1;
  ceres::Problem::Options po;
  ceres::Problem problem(po);
  problem.AddResidualBlock(new LawResiduals(law, specs, data), nullptr, x.data());
  for (std::size_t j = 0; j < P; ++j) {
    const ParamSpec& s = specs[j];
    if (s.log_scale) {
      if (s.lower > 0) problem.SetParameterLowerBound(x.data(), static_cast<int>(j), std::log(s.lower));
      if (s.upper < 1e300) problem.SetParameterUpperBound(x.data(), static_cast<int>(j), std::log(s.upper));
    } else {
      if (s.lower > -1e300) problem.SetParameterLowerBound(x.data(), static_cast<int>(j), s.lower);
      if (s.upper < 1e300) problem.SetParameterUpperBound(x.data(), static_cast<int>(j), s.upper);
    }
  }
  if (fixed.size() == P) {
    problem.SetParameterBlockConstant(x.data());
  } else if (!fixed.empty()) {
    problem.SetManifold(x.data(), new ceres::SubsetManifold(static_cast<int>(P), fixed));
  }
  ceres::Solver::Options so;
  so.linear_solver_type = ceres::DENSE_QR;
  so.max_num_iterations = o.max_iterations;
  so.function_tolerance = o.function_tolerance;
  so.gradient_tolerance = 1e-16;
  so.parameter_tolerance = 1e-14;
  so.logging_type = ceres::SILENT;
  so.num_threads = 1;
  ceres::Solver::Summary summary;
  ceres::Solve(so, &problem, &summary);
  out.theta.resize(P);
  for (std::size_t j = 0; j < P; ++j) out.theta[j] = specs[j].log_scale ? std::exp(x[j]) : x[j];
  out.sse = sse_at(law, data, out.theta);
  out.starts_at_best = 1;
  return out;
}

LeastSquaresFit fit_least_squares(const Law& law, const std::vector<Observation>& data,
                                  const std::vector<std::vector<double>>& starts, const LeastSquaresOptions& o,
                                  const std::vector<int>& fixed) {
  if (starts.empty()) throw FitError(law.name() + ": no starting points");
  std::vector<LeastSquaresFit> results(starts.size());
  int nt = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  nt = static_cast<int>(std::min<std::size_t>(nt, starts.size()));
  auto work = [&](int t) {
    for (std::size_t i = t; i < starts.size(); i += nt) {
      try {
        results[i] = fit_least_squares_from(law, data, starts[i], o, fixed);
      } catch (const std::exception&) {
        results[i].sse = INFINITY;  // a start the law cannot evaluate: skip it
      }
    }
  };
  if (nt <= 1) {
    work(0);
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < nt; ++t) pool.emplace_back(work, t);
    for (auto& th : pool) th.join();
  }
  std::size_t best = 0;
  for (std::size_t i = 1; i < results.size(); ++i)
    if (results[i].sse < results[best].sse) best = i;
  if (!std::isfinite(results[best].sse)) throw FitError(law.name() + ": no start reached a finite SSE");
  LeastSquaresFit out = results[best];
  out.starts_tried = static_cast<std::uint32_t>(starts.size());
  out.starts_at_best = 0;
  for (const auto& r : results)
    if (r.sse <= out.sse * (1 + 1e-9) + 1e-300) ++out.starts_at_best;
  return out;
}

}  // namespace t2
