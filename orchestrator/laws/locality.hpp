// locality.hpp — weighting runs by how far their training compute is from the budget a plan is
// for: a local fit of the T² accuracy law (schemas/laws.md, "Locality"). Owns the weight and the
// effective number of runs it leaves, not the fit (t2_accuracy_law.cpp applies it to both stages).
//
// Why: no law family matches a real model exactly, and a fit of all runs is a compromise over
// the whole region; its optimum at one budget is biased toward what the runs far from that budget
// say (bench/design/README.md measured 10-18% low N* on the v2 truth, §3.2's fit on its sweep).
// Weighting run i by w_i = exp(-z_i^2 / 2), z_i = log10(6 N_i D_i / center) / width, makes the
// fit answer for the runs near the target. It is a bias-variance trade: fewer effective runs
// (Kish's n_eff = (sum w)^2 / sum w^2, reported with every fit) and a law that is only claimed
// near the center. width = 0 switches it off (every weight 1: the paper's fit).
#pragma once

#include <span>

namespace t2 {

struct Locality {
  double center_flops = 0;   // C the plan is for, training FLOPs 6ND (> 0 when on)
  double width_decades = 0;  // the Gaussian's standard deviation in log10 C; 0 = off

  bool on() const { return width_decades > 0; }
  // w in (0, 1]; 1 when off.
  double weight(double n, double d) const;
};

// Kish's effective sample size (sum w)^2 / sum w^2 of a set of weights (0 when empty).
double effective_runs(std::span<const double> weights);

// Throws std::invalid_argument naming the bad value (width < 0 or not finite, on with center <= 0).
void check_locality(const Locality&);

}  // namespace t2
