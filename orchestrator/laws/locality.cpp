// locality.cpp — see locality.hpp.
#include "orchestrator/laws/locality.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace t2 {

double Locality::weight(double n, double d) const {
  if (!on()) return 1;
  const double z = std::log10(6 * n * d / center_flops) / width_decades;
  return std::exp(-0.5 * z * z);
}

double effective_runs(std::span<const double> w) {
  double s = 0, s2 = 0;
  for (double x : w) s += x, s2 += x * x;
  return s2 > 0 ? s * s / s2 : 0;
}

void check_locality(const Locality& l) {
  if (!(l.width_decades >= 0) || !std::isfinite(l.width_decades))
    throw std::invalid_argument("locality width " + std::to_string(l.width_decades) + ": must be a finite number >= 0 decades");
  if (l.on() && !(l.center_flops > 0 && std::isfinite(l.center_flops)))
    throw std::invalid_argument("locality center " + std::to_string(l.center_flops) +
                                ": must be > 0 training FLOPs (the budget the plan is for)");
}

}  // namespace t2
