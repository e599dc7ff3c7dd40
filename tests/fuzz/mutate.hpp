// mutate.hpp — the fuzz harnesses' deterministic mutator: from a seed corpus and a 64-bit seed,
// one malformed variant of a sweep config (TOML), a job result (JSON) or an outcomes file (.npy).
// Knows the three syntaxes only well enough to aim mutations at them; knows nothing of t2.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace t2::fuzz {

// splitmix64: the mutant with index i is a function of (seed, i) alone, so one mutant can be
// regenerated with --only i without running the ones before it.
struct Rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
  bool chance(int percent) { return below(100) < static_cast<std::uint64_t>(percent); }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }
};

inline Rng mutant_rng(std::uint64_t seed, std::uint64_t index) {
  Rng r{seed ^ (index * 0xD1B54A32D192ED03ull)};
  r.next();
  return r;
}

enum class Syntax { toml, json, npy };

// One mutant of `base`: 1-3 operations (byte flips, NUL/0xFF runs, truncation, splices with
// `corpus`, duplicated lines and tables, deep nesting, huge numbers, long repeats, and, per
// syntax, wrong-typed values, invalid UTF-8, .npy header lies). `ops` receives their names.
std::string mutate(const std::string& base, const std::vector<std::string>& corpus, Syntax syntax, Rng& rng,
                   std::string& ops);

// A .npy file (format 1.0, or 2.0 when version2) with the given header dict and data bytes.
std::string npy_file(const std::string& dict, const std::string& data, bool version2 = false);

}  // namespace t2::fuzz
