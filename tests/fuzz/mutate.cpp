// mutate.cpp — the mutation operators. Each is small and blind on purpose: a parser must refuse
// whatever they make with a message, never crash, hang or allocate without bound.
#include "tests/fuzz/mutate.hpp"

#include <algorithm>
#include <cctype>
#include <functional>

namespace t2::fuzz {

namespace {

// Bytes that parsers treat specially, plus the two the issue names (NUL, 0xFF).
const std::vector<std::string> kInteresting = {
    std::string(1, '\0'), "\xFF", "\n", "\r", "\t", "\"", "'", "[", "]", "{", "}", "=", ".", ",", ":", "\\",
    "#", " ", "\x7F", "\x01", "\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80", "\xE2\x80\xA8", "\"\"\"", "'''",
    "\\u0000", "\\uD800", "\\x", "${", "{{", "}}", "%s%n"};

// Numbers at the edges: integer and double overflow, wrap-around, NaN/inf spellings, exponents.
const std::vector<std::string> kHugeNumbers = {
    "1e400", "-1e400", "1e308", "1.7976931348623157e308", "4.9e-324", "1e-400", "99999999999999999999999999",
    "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
    "18446744073709551615", "18446744073709551616", "4294967295", "4294967296", "4294967297", "2147483648",
    "-1", "0", "-0", "0.0", "1e10", "1e15", "100000", "100001", "1000000000", "nan", "inf", "-inf", "+inf",
    "NaN", "Infinity", "-Infinity", "0x7fffffffffffffff", "0xffffffffffffffff", "0o777", "0b1", "1_000_000",
    "1e", "1.", ".5", "00", "1__0", "1e+9999999999"};

std::size_t pos_in(Rng& r, const std::string& s) { return s.empty() ? 0 : r.below(s.size() + 1); }

std::vector<std::size_t> line_starts(const std::string& s) {
  std::vector<std::size_t> out{0};
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] == '\n' && i + 1 < s.size()) out.push_back(i + 1);
  return out;
}

std::string line_at(const std::string& s, std::size_t start) {
  auto end = s.find('\n', start);
  return s.substr(start, end == std::string::npos ? std::string::npos : end - start + 1);
}

std::string repeat(const std::string& unit, std::size_t n) {
  std::string out;
  out.reserve(unit.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += unit;
  return out;
}

// Nesting depths around the limit (64) and far beyond it (40,000 overflowed toml++'s stack).
std::size_t depth(Rng& r) {
  static const std::vector<std::size_t> d = {2, 8, 63, 64, 65, 66, 100, 1000, 5000, 40000, 100000};
  return r.pick(d);
}

// --- operators on any text ---------------------------------------------------------------

void flip_bit(std::string& s, Rng& r) {
  if (s.empty()) return;
  s[r.below(s.size())] ^= static_cast<char>(1u << r.below(8));
}

void set_byte(std::string& s, Rng& r) {
  if (s.empty()) return;
  const std::string& b = r.pick(kInteresting);
  s[r.below(s.size())] = r.chance(30) ? static_cast<char>(r.below(256)) : b[0];
}

void insert_bytes(std::string& s, Rng& r) {
  std::string ins;
  for (std::uint64_t i = 0, n = 1 + r.below(4); i < n; ++i) ins += r.pick(kInteresting);
  s.insert(pos_in(r, s), ins);
}

void nul_ff_run(std::string& s, Rng& r) {
  static const std::vector<std::size_t> len = {1, 2, 7, 64, 4096, 70000};
  char c = r.chance(50) ? '\0' : '\xFF';
  s.insert(pos_in(r, s), std::string(r.pick(len), c));
}

void erase_range(std::string& s, Rng& r) {
  if (s.empty()) return;
  auto at = r.below(s.size());
  s.erase(at, 1 + r.below(std::min<std::uint64_t>(64, s.size() - at)));
}

void truncate(std::string& s, Rng& r) { s.resize(r.below(s.size() + 1)); }

void splice(std::string& s, Rng& r, const std::vector<std::string>& corpus) {
  const std::string& other = r.pick(corpus);
  s = s.substr(0, pos_in(r, s)) + other.substr(std::min(other.size(), static_cast<std::size_t>(pos_in(r, other))));
}

// A line again, right after itself or at the end: duplicated keys, duplicated [table] headers.
void duplicate_line(std::string& s, Rng& r) {
  auto starts = line_starts(s);
  auto st = r.pick(starts);
  std::string line = line_at(s, st);
  if (!line.empty() && line.back() != '\n') line += '\n';
  if (r.chance(50)) s.insert(st, line);
  else s += (s.empty() || s.back() == '\n' ? "" : "\n") + line;
}

// A run of lines (a table with its keys, when it starts at a header) copied to the end.
void duplicate_block(std::string& s, Rng& r) {
  auto starts = line_starts(s);
  std::vector<std::size_t> headers;
  for (auto st : starts)
    if (s.compare(st, 1, "[") == 0) headers.push_back(st);
  auto from = headers.empty() || r.chance(25) ? r.pick(starts) : r.pick(headers);
  auto len = 1 + r.below(std::min<std::uint64_t>(400, s.size() - from));
  s += "\n" + s.substr(from, len);
}

void swap_lines(std::string& s, Rng& r) {
  auto starts = line_starts(s);
  if (starts.size() < 2) return;
  auto a = r.below(starts.size()), b = r.below(starts.size());
  if (a == b) return;
  if (a > b) std::swap(a, b);
  std::string la = line_at(s, starts[a]), lb = line_at(s, starts[b]);
  s.replace(starts[b], lb.size(), la);
  s.replace(starts[a], la.size(), lb);
}

// A digit run (an integer, a mantissa or an exponent) replaced by an edge-case number.
void huge_number(std::string& s, Rng& r) {
  std::vector<std::pair<std::size_t, std::size_t>> runs;
  for (std::size_t i = 0; i < s.size();) {
    if (std::isdigit(static_cast<unsigned char>(s[i]))) {
      std::size_t j = i;
      while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.' || s[j] == 'e' ||
                              s[j] == 'E' || s[j] == '+' || s[j] == '-'))
        ++j;
      runs.push_back({i, j - i});
      i = j;
    } else {
      ++i;
    }
  }
  const std::string& n = r.pick(kHugeNumbers);
  if (runs.empty()) {
    s.insert(pos_in(r, s), n);
    return;
  }
  auto [at, len] = r.pick(runs);
  s.replace(at, len, n);
}

// A chunk repeated until the text is long: long lines, long strings, a file past a size limit.
void long_repeat(std::string& s, Rng& r) {
  if (s.empty()) return;
  static const std::vector<std::size_t> times = {100, 1000, 20000};
  auto at = r.below(s.size());
  auto chunk = s.substr(at, 1 + r.below(std::min<std::uint64_t>(40, s.size() - at)));
  auto n = r.pick(times);
  if (chunk.size() * n > (5u << 20)) n = (5u << 20) / chunk.size();
  s.insert(at, repeat(chunk, n));
}

// --- TOML --------------------------------------------------------------------------------

void toml_deep(std::string& s, Rng& r) {
  auto n = depth(r);
  std::string ins;
  switch (r.below(7)) {
    case 0: ins = "x" + repeat(".a", n) + " = 1\n"; break;                      // dotted key
    case 1: ins = "[" + repeat("a.", n) + "a]\nk = 1\n"; break;                   // table header
    case 2: ins = "v = " + repeat("[", n) + repeat("]", n) + "\n"; break;         // inline arrays
    case 3: ins = "v = " + repeat("{a = ", n) + "1" + repeat("}", n) + "\n"; break;  // inline tables
    case 4: ins = "[[[a]]]\n"; break;                                             // toml++ asserts without the pre-scan
    case 5: ins = "v = " + repeat("[", n) + "\n"; break;                          // unclosed
    default: ins = "[[" + repeat("a.", n) + "a]]\n"; break;                       // array of tables
  }
  auto starts = line_starts(s);
  s.insert(r.chance(50) ? r.pick(starts) : s.size(), ins);
}

// The value after an '=' replaced by one of another type or shape.
void toml_value(std::string& s, Rng& r) {
  static const std::vector<std::string> values = {
      "\"\"", "\"x\"", "''", "true", "false", "[]", "[1, \"a\"]", "{}", "{ from = 1, to = 0, steps = 3 }",
      "{ from = 1e5, to = 1e7, steps = 100000 }", "{ from = 1, to = 1e300, steps = 99999 }", "1979-05-27T07:32:00Z",
      "07:32:00", "[[1], [2]]", "\"\\u0000\"", "\"a\\u0000b\"", "\"\xFF\xFE\"", "\"\\uD800\"", "'''\n\n'''",
      "\"\"\"\n\"\"\"", "{ OMP = \"{bad\" }", "[\"{chekpoint}\"]", "[\"/bin/sh\", \"-c\", \"x {checkpoint}\"]",
      "[\"\"]", "\"adaptive\"", "\"exec\"", "\"builtin\"", "\"random\""};
  std::vector<std::size_t> eqs;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] == '=') eqs.push_back(i);
  if (eqs.empty()) return;
  auto at = r.pick(eqs) + 1;
  auto end = s.find('\n', at);
  if (end == std::string::npos) end = s.size();
  std::string v = r.chance(70) ? r.pick(values) : r.pick(kHugeNumbers);
  s.replace(at, end - at, " " + v);
}

// --- JSON --------------------------------------------------------------------------------

void json_deep(std::string& s, Rng& r) {
  auto n = depth(r);
  std::string ins;
  switch (r.below(6)) {
    case 0: ins = repeat("[", n); break;
    case 1: ins = repeat("[", n) + repeat("]", n); break;
    case 2: ins = repeat("{\"a\":", n) + "1" + repeat("}", n); break;
    case 3: ins = repeat("]", n) + repeat("[", n); break;  // closers first: a depth count must not go negative
    case 4: ins = repeat("{\"a\":[", n); break;
    default: ins = "\"" + repeat("[", n) + "\""; break;  // brackets inside a string are text
  }
  auto at = pos_in(r, s);
  if (r.chance(40)) {  // as the value of a known key, where a checker looks
    static const std::vector<std::string> keys = {"\"loss\":", "\"correct\":", "\"nll\":", "\"loss_curve\":",
                                                  "\"checkpoint\":", "\"outcomes_file\":", "\"problems\":"};
    auto k = s.find(r.pick(keys));
    if (k != std::string::npos) at = s.find(':', k) + 1;
  }
  s.insert(at, ins);
}

void json_value(std::string& s, Rng& r) {
  static const std::vector<std::string> values = {
      "NaN", "Infinity", "-Infinity", "null", "true", "false", "\"\"", "\"2.5\"", "[]", "{}", "[[]]", "[1]",
      "[[1,0],[0,1]]", "[[2]]", "[true, false]", "\"\\u0000\"", "\"a\\u0000b\"", "\"\xFF\"", "\"\\ud800\"",
      "\"\xC0\x80\"", "\"/dev/zero\"", "\"/dev/null\"", "\"/\"", "\".\"", "\"..\"", "\"/nonexistent/x.npy\"",
      "[NaN]", "[-1]", "[1e400]", "{\"a\": NaN}", "\"NaN\"", "-0", "1.5", "3.0", "1e300"};
  std::vector<std::size_t> colons;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] == ':') colons.push_back(i);
  if (colons.empty()) return;
  auto at = r.pick(colons) + 1;
  auto end = s.find_first_of(",}", at);
  if (end == std::string::npos) end = s.size();
  if (s[at] == ' ' || s[at] == '[') {  // skip a whole array value if it starts here
    int d = 0;
    for (auto i = at; i < s.size(); ++i) {
      if (s[i] == '[') ++d;
      if (s[i] == ']' && --d == 0) {
        end = i + 1;
        break;
      }
      if (d == 0 && (s[i] == ',' || s[i] == '}')) {
        end = i;
        break;
      }
    }
  }
  s.replace(at, end - at, " " + (r.chance(75) ? r.pick(values) : r.pick(kHugeNumbers)));
}

// A key again with another value: nlohmann keeps the last, a checker must not mind either way.
void json_duplicate_key(std::string& s, Rng& r) {
  static const std::vector<std::string> dup = {"\"loss\": 2, ", "\"loss\": NaN, ", "\"problems\": 2, ",
                                               "\"correct\": [], ", "\"outcomes_file\": \"x.npy\", ",
                                               "\"params\": 0, ", "\"nll\": [1], "};
  auto brace = s.find('{');
  if (brace == std::string::npos) return;
  s.insert(brace + 1, r.pick(dup));
}

// --- .npy ----------------------------------------------------------------------------------

struct NpyParts {
  std::string magic;   // "\x93NUMPY" + version bytes
  std::string header;  // the dict text, padding included
  std::string data;
  bool ok = false;
};

NpyParts split_npy(const std::string& f) {
  NpyParts p;
  if (f.size() < 10) return p;
  int major = static_cast<unsigned char>(f[6]);
  std::size_t lenbytes = major == 1 ? 2 : 4, hl = 0;
  if (f.size() < 8 + lenbytes) return p;
  for (std::size_t i = 0; i < lenbytes; ++i) hl |= std::size_t(static_cast<unsigned char>(f[8 + i])) << (8 * i);
  if (f.size() < 8 + lenbytes + hl) return p;
  p.magic = f.substr(0, 8);
  p.header = f.substr(8 + lenbytes, hl);
  p.data = f.substr(8 + lenbytes + hl);
  p.ok = true;
  return p;
}

std::string join_npy(const NpyParts& p) {
  std::string out = p.magic;
  int major = static_cast<unsigned char>(p.magic[6]);
  std::size_t hl = p.header.size();
  out += static_cast<char>(hl & 0xFF);
  out += static_cast<char>((hl >> 8) & 0xFF);
  if (major != 1) {
    out += static_cast<char>((hl >> 16) & 0xFF);
    out += static_cast<char>((hl >> 24) & 0xFF);
  }
  return out + p.header + p.data;
}

void replace_field(std::string& header, const std::string& key, const std::string& value) {
  auto k = header.find("'" + key + "'");
  if (k == std::string::npos) return;
  auto colon = header.find(':', k);
  if (colon == std::string::npos) return;
  std::size_t end = colon + 1;
  int paren = 0;
  for (; end < header.size(); ++end) {
    if (header[end] == '(') ++paren;
    if (header[end] == ')') --paren;
    if (paren <= 0 && (header[end] == ',' || header[end] == '}') && end > colon + 1 && header[end - 1] != ' ') break;
  }
  header.replace(colon + 1, end - colon - 1, " " + value);
}

void npy_lie(std::string& f, Rng& r) {
  NpyParts p = split_npy(f);
  if (!p.ok) return flip_bit(f, r);
  static const std::vector<std::string> shapes = {
      "(32768, 32768)", "(4294967296, 4294967296)", "(99999999999999999999999, 2)", "(18446744073709551615, 1)",
      "(4294967297, 4294967297)", "(0, 0)", "(4,)", "(4, 3, 1)", "()", "(-1, 3)", "(4, 3", "(4 3)", "4, 3",
      "(3, 4)", "(1e3, 3)", "(0x4, 3)", "(4, 3,)", "(" + repeat("9", 5000) + ", 3)", "(" + repeat("1, ", 30000) + "1)"};
  static const std::vector<std::string> descrs = {
      "'<f8'", "'|b2'", "'<U10'", "'>u8'", "'<i3'", "'<i99999999999999999999'", "'|O'", "'<c16'", "'=i4'", "'<u0'",
      "'|i1", "'<i16'", "'S'", "1", "'<i" + repeat("8", 300) + "'"};
  switch (r.below(7)) {
    case 0: replace_field(p.header, "shape", r.pick(shapes)); break;
    case 1: replace_field(p.header, "descr", r.pick(descrs)); break;
    case 2: replace_field(p.header, "fortran_order", r.chance(50) ? "1" : "Maybe"); break;
    case 3: {  // a header length field that lies about the header
      std::string out = join_npy(p);
      static const std::vector<std::uint32_t> lens = {0, 1, 0xFFFF, 0x10000, 0xFFFFFFFF, 1u << 20, (1u << 20) + 1};
      auto v = r.pick(lens);
      out[8] = static_cast<char>(v & 0xFF);
      out[9] = static_cast<char>((v >> 8) & 0xFF);
      if (static_cast<unsigned char>(p.magic[6]) != 1) {
        out[10] = static_cast<char>((v >> 16) & 0xFF);
        out[11] = static_cast<char>((v >> 24) & 0xFF);
      }
      f = out;
      return;
    }
    case 4: {  // another format version, with or without the matching length field
      static const std::vector<int> v = {0, 1, 2, 3, 4, 255};
      p.magic[6] = static_cast<char>(r.pick(v));
      if (r.chance(50)) {
        f = p.magic + f.substr(8);
        return;
      }
      break;
    }
    case 5: {  // a long header: padding, or a shape whose text is long (regexes must not recurse on it)
      static const std::vector<std::size_t> len = {10000, 70000, 1u << 20};
      auto n = r.pick(len);
      if (r.chance(50)) p.header.insert(p.header.empty() ? 0 : p.header.size() - 1, std::string(n, ' '));
      else replace_field(p.header, "shape", "(4, 3" + repeat(" ", n) + ")");
      break;
    }
    default: {  // data: truncated, extended, or holding a value other than 0/1
      if (r.chance(35)) p.data.resize(r.below(p.data.size() + 1));
      else if (r.chance(50)) p.data += std::string(1 + r.below(64), static_cast<char>(r.below(3)));
      else if (!p.data.empty()) p.data[r.below(p.data.size())] = r.chance(50) ? '\x02' : '\xFF';
      break;
    }
  }
  f = join_npy(p);
}

// A text operator applied to the header dict only, the length field kept consistent.
void npy_header_text(std::string& f, Rng& r, const std::vector<std::string>& corpus) {
  NpyParts p = split_npy(f);
  if (!p.ok) return flip_bit(f, r);
  switch (r.below(5)) {
    case 0: set_byte(p.header, r); break;
    case 1: insert_bytes(p.header, r); break;
    case 2: huge_number(p.header, r); break;
    case 3: erase_range(p.header, r); break;
    default: long_repeat(p.header, r); break;
  }
  f = join_npy(p);
}

}  // namespace

std::string npy_file(const std::string& dict, const std::string& data, bool version2) {
  // numpy pads the header with spaces and a newline so that the data starts 64-byte aligned.
  std::size_t pre = version2 ? 12 : 10;
  std::string header = dict;
  while ((pre + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  NpyParts p;
  p.magic = std::string("\x93NUMPY", 6) + static_cast<char>(version2 ? 2 : 1) + '\0';
  p.header = header;
  p.data = data;
  return join_npy(p);
}

std::string mutate(const std::string& base, const std::vector<std::string>& corpus, Syntax syntax, Rng& rng,
                   std::string& ops) {
  std::string s = base;
  ops.clear();
  using Op = std::pair<const char*, std::function<void(std::string&)>>;
  std::vector<Op> generic = {
      {"flip_bit", [&](std::string& t) { flip_bit(t, rng); }},
      {"set_byte", [&](std::string& t) { set_byte(t, rng); }},
      {"insert_bytes", [&](std::string& t) { insert_bytes(t, rng); }},
      {"nul_ff_run", [&](std::string& t) { nul_ff_run(t, rng); }},
      {"erase_range", [&](std::string& t) { erase_range(t, rng); }},
      {"truncate", [&](std::string& t) { truncate(t, rng); }},
      {"splice", [&](std::string& t) { splice(t, rng, corpus); }},
      {"huge_number", [&](std::string& t) { huge_number(t, rng); }},
      {"long_repeat", [&](std::string& t) { long_repeat(t, rng); }},
  };
  std::vector<Op> special;
  if (syntax == Syntax::toml) {
    special = {{"duplicate_line", [&](std::string& t) { duplicate_line(t, rng); }},
               {"duplicate_table", [&](std::string& t) { duplicate_block(t, rng); }},
               {"swap_lines", [&](std::string& t) { swap_lines(t, rng); }},
               {"deep_nesting", [&](std::string& t) { toml_deep(t, rng); }},
               {"value", [&](std::string& t) { toml_value(t, rng); }},
               {"huge_number", [&](std::string& t) { huge_number(t, rng); }}};
  } else if (syntax == Syntax::json) {
    special = {{"duplicate_key", [&](std::string& t) { json_duplicate_key(t, rng); }},
               {"deep_nesting", [&](std::string& t) { json_deep(t, rng); }},
               {"value", [&](std::string& t) { json_value(t, rng); }},
               {"value", [&](std::string& t) { json_value(t, rng); }},
               {"huge_number", [&](std::string& t) { huge_number(t, rng); }}};
  } else {
    // Blind byte operators on a .npy mostly break the magic; aim most at the header and data.
    generic = {{"flip_bit", [&](std::string& t) { flip_bit(t, rng); }},
               {"set_byte", [&](std::string& t) { set_byte(t, rng); }},
               {"truncate", [&](std::string& t) { truncate(t, rng); }},
               {"nul_ff_run", [&](std::string& t) { nul_ff_run(t, rng); }}};
    special = {{"npy_lie", [&](std::string& t) { npy_lie(t, rng); }},
               {"npy_lie", [&](std::string& t) { npy_lie(t, rng); }},
               {"npy_lie", [&](std::string& t) { npy_lie(t, rng); }},
               {"npy_header", [&](std::string& t) { npy_header_text(t, rng, corpus); }},
               {"npy_header", [&](std::string& t) { npy_header_text(t, rng, corpus); }}};
  }
  auto n = 1 + rng.below(3);
  for (std::uint64_t i = 0; i < n; ++i) {
    const Op& op = rng.chance(55) ? rng.pick(special) : rng.pick(generic);
    op.second(s);
    ops += (ops.empty() ? "" : "+") + std::string(op.first);
    // Bounded so a run stays fast; 5 MiB still exceeds the config size limit (4 MiB).
    if (s.size() > (6u << 20)) s.resize(6u << 20);
  }
  return s;
}

}  // namespace t2::fuzz
