// toml_reader.cpp — strict typed access to TOML tables with file:line error messages.
#include "contract/toml_reader.hpp"

#include <cmath>
#include <sstream>

#include <fmt/format.h>

#include "contract/input_limits.hpp"

namespace t2 {

ConfigError::ConfigError(std::string f, int l, std::string k, std::string v, std::string p)
    // The key as the user wrote it can be anything (a 3 KB unknown key, a quoted key holding a
    // newline: found by the fuzz stage); the message shows it cut and on one line, e.key keeps it.
    : std::runtime_error(fmt::format("{}{}: {}{}{}", f, l > 0 ? fmt::format(":{}", l) : "", limits::one_line(k),
                                     v.empty() ? "" : " = " + v, k.empty() && v.empty() ? p : ": " + p)),
      file(std::move(f)), key(std::move(k)), value(std::move(v)), problem(std::move(p)), line(l) {}

std::string render(const toml::node& n) {
  if (auto s = n.as_string()) return fmt::format("\"{}\"", limits::one_line(s->get()));
  if (n.is_table()) return "{...}";
  std::ostringstream os;
  n.visit([&](auto&& v) { os << v; });
  return limits::one_line(os.str());
}

void check_toml_bounds(const std::string& text, const std::string& file) {
  if (text.size() > limits::kMaxConfigBytes)
    throw ConfigError(file, 0, "", "",
                      fmt::format("the file is {} bytes; a sweep config may have at most {} (schemas/sweep-config.md)",
                                  text.size(), limits::kMaxConfigBytes));
  // Contexts: 'a' an array, 't' an inline table. In key position (line start, after '{' or an
  // inline table's ','), each '.' outside quotes is one more level of nesting.
  std::string stack;
  int line = 1, header_depth = 0, key_dots = 0;
  std::size_t header_start = 0;
  bool key_mode = true, header = false;
  auto check = [&] {
    int depth = header_depth + key_dots + static_cast<int>(stack.size());
    if (depth > limits::kMaxTomlDepth)
      throw ConfigError(file, line, "", "",
                        fmt::format("nesting deeper than {} levels (dotted keys, table headers, inline tables "
                                    "and arrays; schemas/sweep-config.md)",
                                    limits::kMaxTomlDepth));
  };
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n; ++i) {
    char c = text[i];
    if (c == '\n') {
      ++line;
      if (stack.empty()) key_mode = true, key_dots = 0, header = false;
      continue;
    }
    if (c == '#') {  // comment to end of line
      while (i + 1 < n && text[i + 1] != '\n') ++i;
      continue;
    }
    if (c == '"' || c == '\'') {  // skip a string (basic, literal, or multi-line)
      bool multi = text.compare(i, 3, std::string(3, c)) == 0;
      i += multi ? 3 : 1;
      while (i < n) {
        if (text[i] == '\n') {
          ++line;
          if (!multi) break;  // unterminated: toml++ reports it
        }
        if (c == '"' && text[i] == '\\') {
          if (i + 1 < n && text[i + 1] == '\n') ++line;
          i += 2;
          continue;
        }
        if (text[i] == c && (!multi || text.compare(i, 3, std::string(3, c)) == 0)) {
          if (multi) i += 2;
          while (multi && i + 1 < n && text[i + 1] == c) ++i;  // """" ends with a quote inside
          break;
        }
        ++i;
      }
      continue;
    }
    if (key_mode) {
      if (c == '[' && stack.empty() && !header && key_dots == 0) {
        header = true;
        header_depth = 1;
        key_dots = 0;
        header_start = i;
      } else if (c == '[' && header && i != header_start + 1) {
        // "[[[" or "[a[b]": never valid TOML, and toml++ 3.x asserts on it in a build without
        // NDEBUG (found by fuzzing the pre-scan), so it is refused here.
        throw ConfigError(file, line, "", "", "TOML syntax error: unexpected '[' in a table header");
      } else if (c == '.') {
        if (header) ++header_depth;
        else ++key_dots;
        check();
      } else if (c == '=' && !header) {
        key_mode = false;
      } else if (c == ']' && header) {
        key_mode = false;  // the rest of the header line is not a key
      } else if (c == '}' && !stack.empty() && stack.back() == 't') {
        stack.pop_back();  // "{}" or a trailing key: toml++ decides whether it is valid
        key_mode = false;
      }
      continue;
    }
    // value position
    if (c == '[' || c == '{') {
      stack.push_back(c == '[' ? 'a' : 't');
      check();
      if (c == '{') key_mode = true, key_dots = 0;
    } else if ((c == ']' || c == '}') && !stack.empty()) {
      stack.pop_back();
    } else if (c == ',' && !stack.empty() && stack.back() == 't') {
      key_mode = true;
      key_dots = 0;
    }
  }
}

TableReader::TableReader(const toml::table& table, std::string prefix, std::string file)
    : table_(&table), prefix_(std::move(prefix)), file_(std::move(file)) {}

const toml::node* TableReader::node(const std::string& key) const {
  seen_.insert(key);
  return table_->get(key);
}

int TableReader::line_of(const std::string& key) const {
  if (auto n = table_->get(key)) return static_cast<int>(n->source().begin.line);
  return static_cast<int>(table_->source().begin.line);
}

bool TableReader::has(const std::string& key) const { return table_->contains(key); }

void TableReader::fail(const std::string& key, const std::string& problem) const {
  auto n = table_->get(key);
  throw ConfigError(file_, line_of(key), path(key), n ? render(*n) : "", problem);
}

double TableReader::number(const std::string& key, std::optional<double> fallback) {
  auto n = node(key);
  if (!n) {
    if (!fallback) fail(key, "required number is missing");
    return *fallback;
  }
  double v;
  if (auto i = n->as_integer()) v = static_cast<double>(i->get());
  else if (auto f = n->as_floating_point()) v = f->get();
  else fail(key, "expected a number");
  if (!std::isfinite(v)) fail(key, "expected a finite number");
  return v;
}

std::int64_t TableReader::integer(const std::string& key, std::optional<std::int64_t> fallback) {
  auto n = node(key);
  if (!n) {
    if (!fallback) fail(key, "required integer is missing");
    return *fallback;
  }
  if (auto i = n->as_integer()) return i->get();
  // accept 1e6-style floats when they are whole numbers: sweep sizes are often written that way
  if (auto f = n->as_floating_point()) {
    double v = f->get();
    if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9.0e15) return static_cast<std::int64_t>(v);
  }
  fail(key, "expected an integer");
}

double TableReader::seconds(const std::string& key, double fallback) {
  double v = number(key, fallback);
  if (!(v >= 0 && v <= limits::kMaxDurationSeconds))
    fail(key, fmt::format("must be between 0 and {:g} seconds", limits::kMaxDurationSeconds));
  return v;
}

void TableReader::check_text(const std::string& key, const std::string& v) const {
  // Config strings end up in the store (task names, paths) and in argv: a NUL would be cut
  // there, and invalid UTF-8 breaks JSON output (schemas/sweep-config.md, "Limits").
  if (v.find('\0') != std::string::npos) fail(key, "must not contain a NUL character");
  if (auto at = limits::invalid_utf8_at(v); at != std::string::npos)
    fail(key, fmt::format("is not valid UTF-8 (byte {})", at));
}

bool TableReader::boolean(const std::string& key, std::optional<bool> fallback) {
  auto n = node(key);
  if (!n) {
    if (!fallback) fail(key, "required boolean is missing");
    return *fallback;
  }
  if (auto b = n->as_boolean()) return b->get();
  fail(key, "expected true or false");
}

std::string TableReader::string(const std::string& key, std::optional<std::string> fallback,
                                const std::vector<std::string>& allowed) {
  auto n = node(key);
  std::string v;
  if (!n) {
    if (!fallback) fail(key, "required string is missing");
    v = *fallback;
  } else if (auto s = n->as_string()) {
    v = s->get();
    check_text(key, v);
  } else {
    fail(key, "expected a string");
  }
  if (!allowed.empty()) {
    bool ok = false;
    for (auto& a : allowed) ok = ok || a == v;
    if (!ok) fail(key, fmt::format("expected one of: {}", fmt::join(allowed, ", ")));
  }
  return v;
}

std::vector<std::string> TableReader::strings(const std::string& key,
                                              std::optional<std::vector<std::string>> fallback) {
  auto n = node(key);
  if (!n) {
    if (!fallback) fail(key, "required list of strings is missing");
    return *fallback;
  }
  auto a = n->as_array();
  if (!a) fail(key, "expected a list of strings");
  std::vector<std::string> out;
  for (auto& e : *a) {
    auto s = e.as_string();
    if (!s) fail(key, "expected a list of strings");
    check_text(key, s->get());
    out.push_back(s->get());
  }
  return out;
}

std::vector<double> TableReader::numbers(const std::string& key) {
  auto n = node(key);
  if (!n) fail(key, "required list of numbers is missing");
  auto a = n->as_array();
  if (!a) fail(key, "expected a list of numbers");
  std::vector<double> out;
  for (auto& e : *a) {
    if (auto i = e.as_integer()) out.push_back(static_cast<double>(i->get()));
    else if (auto f = e.as_floating_point(); f && std::isfinite(f->get())) out.push_back(f->get());
    else fail(key, "expected a list of finite numbers");
  }
  return out;
}

std::optional<TableReader> TableReader::table(const std::string& key) {
  auto n = node(key);
  if (!n) return std::nullopt;
  auto t = n->as_table();
  if (!t) fail(key, "expected a table");
  return TableReader(*t, path(key), file_);
}

const toml::node* TableReader::raw(const std::string& key) { return node(key); }

void TableReader::finish() const {
  for (auto&& [k, v] : *table_) {
    std::string key(k.str());
    if (!seen_.count(key))
      throw ConfigError(file_, static_cast<int>(v.source().begin.line), path(key), render(v), "unknown key");
  }
}

}  // namespace t2
