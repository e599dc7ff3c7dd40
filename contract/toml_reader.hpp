// toml_reader.hpp — typed, strict reading of one TOML table of a sweep config.
// Owns ConfigError (file, line, key, value) and the "every key must be known" rule; each
// backend and the sweep config read their own tables through it. Knows no field names.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <toml++/toml.h>

namespace t2 {

// A bad sweep config. what() is one line: "FILE:LINE: KEY = VALUE: problem".
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, int line, std::string key, std::string value, std::string problem);
  std::string file, key, value, problem;
  int line;
};

// Reads keys of one table; `prefix` is its dotted path ("workload.synthetic") for messages.
// Call finish() after reading: any key that was never asked for is an "unknown key" error.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string prefix, std::string file);

  bool has(const std::string& key) const;
  double number(const std::string& key, std::optional<double> fallback = std::nullopt);
  std::int64_t integer(const std::string& key, std::optional<std::int64_t> fallback = std::nullopt);
  // An integer that must fit T (int, std::uint32_t, std::uint64_t, ...): a value outside T's
  // range is an error naming key and value, never a silent wrap (max_digits = 4294967297).
  template <class T>
  T integer_as(const std::string& key, std::optional<T> fallback = std::nullopt) {
    auto v = integer(key, fallback ? std::optional<std::int64_t>(static_cast<std::int64_t>(*fallback)) : std::nullopt);
    constexpr auto lo = static_cast<long double>(std::numeric_limits<T>::min());
    constexpr auto hi = static_cast<long double>(std::numeric_limits<T>::max());
    if (static_cast<long double>(v) < lo || static_cast<long double>(v) > hi)
      fail(key, "out of range: must be between " + std::to_string(std::numeric_limits<T>::min()) + " and " +
                    std::to_string(std::numeric_limits<T>::max()));
    return static_cast<T>(v);
  }
  // A duration in seconds: finite, >= 0 and <= limits::kMaxDurationSeconds.
  double seconds(const std::string& key, double fallback);
  bool boolean(const std::string& key, std::optional<bool> fallback = std::nullopt);
  std::string string(const std::string& key, std::optional<std::string> fallback = std::nullopt,
                     const std::vector<std::string>& allowed = {});
  std::vector<std::string> strings(const std::string& key,
                                   std::optional<std::vector<std::string>> fallback = std::nullopt);
  std::vector<double> numbers(const std::string& key);
  // A sub-table; nullopt when absent (a non-table value there is an error).
  std::optional<TableReader> table(const std::string& key);
  // Marks a key as known without reading it (the caller reads the raw node).
  const toml::node* raw(const std::string& key);

  // Errors about a value this reader handed out (range checks done by the caller).
  [[noreturn]] void fail(const std::string& key, const std::string& problem) const;
  void require(bool ok, const std::string& key, const std::string& problem) const {
    if (!ok) fail(key, problem);
  }
  void finish() const;  // throws ConfigError for the first unknown key

  const std::string& file() const { return file_; }
  std::string path(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "." + key; }

 private:
  const toml::node* node(const std::string& key) const;
  int line_of(const std::string& key) const;
  void check_text(const std::string& key, const std::string& v) const;
  const toml::table* table_;
  std::string prefix_, file_;
  mutable std::set<std::string> seen_;
};

// Renders a TOML node as the user wrote it, for messages ("-5", "\"abc\"", "[1, 2]"),
// cut to limits::kMaxEchoBytes and kept on one line.
std::string render(const toml::node& node);

// Refuses TOML text that toml++ cannot parse safely, before toml++ sees it: more than
// limits::kMaxConfigBytes, or nesting (table header depth + dotted-key depth + open inline
// tables/arrays) deeper than limits::kMaxTomlDepth. Throws ConfigError naming file and line.
// A cheap scan, not a parser: syntax errors are left to toml++.
void check_toml_bounds(const std::string& text, const std::string& file);

}  // namespace t2
