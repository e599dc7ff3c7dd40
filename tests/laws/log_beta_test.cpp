// log_beta_test.cpp — log_beta.hpp against mpmath (80 digits) reference values committed in
// tests/laws/data/beta_reference.csv (made once by make_beta_reference.py; this test only compares).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "orchestrator/laws/log_beta.hpp"
#include "orchestrator/laws/pass_at_k.hpp"

using namespace t2;

namespace {

struct Row {
  std::string kind;
  double a, b, k, value;
  std::uint32_t n, c;
};

std::vector<Row> read_table() {
  std::ifstream in(std::string(T2_LAWS_DATA_DIR) + "/beta_reference.csv");
  REQUIRE(in.good());
  std::string line;
  std::getline(in, line);
  REQUIRE(line == "kind,a,b,k,n,c,value");
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    Row r;
    std::string f[7];
    for (auto& x : f) std::getline(ss, x, ',');
    r.kind = f[0], r.a = std::stod(f[1]), r.b = std::stod(f[2]), r.k = std::stod(f[3]);
    r.n = static_cast<std::uint32_t>(std::stoul(f[4])), r.c = static_cast<std::uint32_t>(std::stoul(f[5]));
    r.value = std::strtod(f[6].c_str(), nullptr);  // underflows to 0 or a subnormal (the 1e-300 rule)
    rows.push_back(r);
  }
  return rows;
}

double ours(const Row& r) {
  if (r.kind == "log_ratio") return log_beta_ratio(r.a, r.b, r.k);
  if (r.kind == "pass") return beta_pass_at_k(r.a, r.b, r.k);
  if (r.kind == "log_pass") return beta_log_pass_at_k(r.a, r.b, r.k);
  if (r.kind == "dL_da") return log_beta_ratio_da(r.a, r.b, r.k);
  if (r.kind == "dL_db") return log_beta_ratio_db(r.a, r.b, r.k);
  if (r.kind == "digamma_delta") return digamma_delta(r.b, r.k);
  if (r.kind == "bb_log_pmf") return beta_binomial_log_pmf(r.n, r.c, r.a, r.b);
  if (r.kind == "neg_log_pass_nll") return neg_log_pass_at_k_from_nll(r.a, r.k);
  FAIL("unknown kind " << r.kind);
  return 0;
}

}  // namespace

TEST_CASE("log-Beta ratios, pass@k, its gradient and the beta-binomial pmf match mpmath to 1e-10", "[laws][log_beta]") {
  std::vector<Row> rows = read_table();
  std::map<std::string, int> count;
  std::map<std::string, double> worst;
  for (const Row& r : rows) {
    double v = ours(r);
    ++count[r.kind];
    double err = std::abs(v - r.value);
    bool ok = std::abs(r.value) < 1e-300 ? err <= 1e-300 : err <= 1e-10 * std::abs(r.value);
    double rel = r.value != 0 ? err / std::abs(r.value) : err;
    worst[r.kind] = std::max(worst[r.kind], std::abs(r.value) < 1e-300 ? 0.0 : rel);
    if (!ok) {
      INFO(r.kind << " a=" << r.a << " b=" << r.b << " k=" << r.k << " n=" << r.n << " c=" << r.c << ": ours "
                  << v << ", mpmath " << r.value << ", rel " << rel);
      CHECK(ok);
    }
  }
  for (const auto& [kind, w] : worst) WARN(kind << ": " << count[kind] << " points, max relative error " << w);
  CHECK(count["pass"] >= 1000);
  CHECK(count["bb_log_pmf"] >= 300);
  CHECK(count["neg_log_pass_nll"] >= 300);
}

TEST_CASE("pass@k of issue 9's extreme Beta is 2.1e-12, not 0.393", "[laws][log_beta]") {
  // a = 49.8, b = 4.98e13, k = 2.11: pass@k ~ a k / b (the four-lgamma difference gave 0.393).
  double p = beta_pass_at_k(49.8, 4.98e13, 2.11);
  CHECK(std::abs(p - 2.1099999999966952e-12) <= 1e-10 * 2.11e-12);
}
