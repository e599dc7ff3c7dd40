// law.hpp — the interface every law family implements: parameter names and bounds, prediction,
// gradient, a starting grid for multi-start fits, and how the planner uses it (minimise or
// maximise, whether k matters). A new functional form is one new file implementing Law
// (e.g. Schaeffer et al. 2025's -log pass@k = a k^-b); fitting it by SSE is least_squares.hpp.
// Knows no data source, no CLI, no store.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

namespace t2 {

// Where a law is evaluated: N parameters, D training tokens, k samples per query (real, >= 1).
struct LawInput {
  double n = 0, d = 0, k = 1;
};

// The planner minimises losses and maximises accuracies.
enum class Goal { minimize, maximize };

// One parameter, in natural units. `log_scale`: positive, fitted as its logarithm (the paper's
// log A, log B, log E, log G parameterisation, App. F). Bounds are natural-space, inclusive.
struct ParamSpec {
  std::string name;
  double lower = -1e300, upper = 1e300;
  bool log_scale = false;
};

class Law {
 public:
  virtual ~Law() = default;
  virtual std::string name() const = 0;       // "chinchilla", "t2-loss", "t2-accuracy"
  virtual std::string quantity() const = 0;   // what predict() returns, with its unit
  virtual Goal goal() const = 0;
  virtual bool uses_k() const = 0;            // false: the score ignores k (planner then takes k = 1)
  virtual std::vector<ParamSpec> params() const = 0;
  // Prediction at x for parameters theta (natural units, params().size() values).
  virtual double predict(std::span<const double> theta, const LawInput& x) const = 0;
  // d predict / d theta (natural units) into grad (params().size()); returns predict(theta, x).
  virtual double gradient(std::span<const double> theta, const LawInput& x, std::span<double> grad) const = 0;
  // Data-independent starting grid for multi-start fits (natural units); fits may add
  // data-dependent starts (variable projection) in front of it.
  virtual std::vector<std::vector<double>> starts() const = 0;
};

// A law with parameter values: what the planner and the bootstrap pass around.
struct FittedLaw {
  std::shared_ptr<const Law> law;
  std::vector<double> theta;
  double score(double n, double d, double k = 1) const { return law->predict(theta, LawInput{n, d, k}); }
};

// The built-in laws by name ("chinchilla", "t2-loss", "t2-accuracy"); throws
// std::invalid_argument listing the names for an unknown one.
std::shared_ptr<const Law> law_by_name(const std::string& name);
std::vector<std::string> law_names();

}  // namespace t2
