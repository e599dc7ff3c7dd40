// seed.hpp — deterministic seed derivation (splitmix64). A job's seed is a function of the
// sweep seed and the job's identity only, never of which rank runs it or when.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace t2 {

constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

inline std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t v) { return splitmix64(seed ^ splitmix64(v)); }

inline std::uint64_t mix_seed(std::uint64_t seed, double v) {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return mix_seed(seed, bits);
}

inline std::uint64_t mix_seed(std::uint64_t seed, std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return mix_seed(seed, h);
}

}  // namespace t2
