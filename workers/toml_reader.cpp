// toml_reader.cpp — strict typed access to TOML tables with file:line error messages.
#include "workers/toml_reader.hpp"

#include <cmath>
#include <sstream>

#include <fmt/format.h>

namespace t2 {

ConfigError::ConfigError(std::string f, int l, std::string k, std::string v, std::string p)
    : std::runtime_error(fmt::format("{}{}: {}{}{}", f, l > 0 ? fmt::format(":{}", l) : "", k,
                                     v.empty() ? "" : " = " + v, k.empty() && v.empty() ? p : ": " + p)),
      file(std::move(f)), key(std::move(k)), value(std::move(v)), problem(std::move(p)), line(l) {}

std::string render(const toml::node& n) {
  std::ostringstream os;
  if (auto s = n.as_string()) return fmt::format("\"{}\"", s->get());
  if (n.is_table()) return "{...}";
  n.visit([&](auto&& v) { os << v; });
  return os.str();
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
