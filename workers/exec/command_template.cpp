// command_template.cpp — placeholder parsing and expansion (see command_template.hpp).
#include "workers/exec/command_template.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "contract/seed.hpp"

namespace t2 {

const std::vector<std::string>& train_placeholders() {
  static const std::vector<std::string> names = {"N", "D", "seed", "replicate", "index", "run_dir", "result",
                                                 "attempt"};
  return names;
}

const std::vector<std::string>& eval_placeholders() {
  static const std::vector<std::string> names = {"N",        "D",        "seed",    "problem_seed", "index",
                                                 "run",      "run_dir",  "result",  "attempt",      "checkpoint",
                                                 "task",     "problems", "samples", "temperature",  "top_k"};
  return names;
}

std::uint64_t problem_seed(std::uint64_t sweep_seed, const std::string& task) {
  // A fixed tag keeps it apart from every job seed derived from the same sweep seed.
  return mix_seed(mix_seed(sweep_seed, std::string_view("t2-problem-set")), std::string_view(task));
}

// Walks `text` once; calls on_literal for plain text and on_name for each {name}.
template <class Literal, class Name>
static void scan(const std::string& text, Literal on_literal, Name on_name) {
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') {
      on_literal('{');
      i += 2;
    } else if (c == '}' && i + 1 < text.size() && text[i + 1] == '}') {
      on_literal('}');
      i += 2;
    } else if (c == '{') {
      auto close = text.find('}', i + 1);
      if (close == std::string::npos)
        throw std::invalid_argument(fmt::format("unclosed '{{' at character {} (write {{{{ for a literal brace)", i + 1));
      std::string name = text.substr(i + 1, close - i - 1);
      if (name.empty()) throw std::invalid_argument("empty placeholder {}");
      for (char n : name)
        if (!(std::isalnum(static_cast<unsigned char>(n)) || n == '_'))
          throw std::invalid_argument(fmt::format("placeholder {{{}}} is not a name (write {{{{ for a literal brace)", name));
      on_name(name);
      i = close + 1;
    } else if (c == '}') {
      throw std::invalid_argument(fmt::format("lone '}}' at character {} (write }}}} for a literal brace)", i + 1));
    } else {
      on_literal(c);
      ++i;
    }
  }
}

std::vector<std::string> placeholders_in(const std::string& text) {
  std::vector<std::string> names;
  scan(text, [](char) {}, [&](const std::string& n) { names.push_back(n); });
  return names;
}

std::string expand(const std::string& text, const PlaceholderValues& values) {
  std::string out;
  out.reserve(text.size());
  scan(text, [&](char c) { out.push_back(c); }, [&](const std::string& n) { out += values.at(n); });
  return out;
}

std::string format_number(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9007199254740992.0)
    return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}

PlaceholderValues train_values(const TrainSpec& s) {
  return {{"N", format_number(s.n_params)},
          {"D", format_number(s.n_tokens)},
          {"seed", fmt::format("{}", s.seed)},
          {"replicate", fmt::format("{}", s.replicate)},
          {"index", fmt::format("{}", s.index)}};
}

PlaceholderValues eval_values(const EvalSpec& s, std::uint64_t sweep_seed) {
  return {{"N", format_number(s.n_params)},
          {"D", format_number(s.n_tokens)},
          {"seed", fmt::format("{}", s.seed)},
          {"problem_seed", fmt::format("{}", problem_seed(sweep_seed, s.task))},
          {"index", fmt::format("{}", s.index)},
          {"run", fmt::format("{}", s.run)},
          {"checkpoint", s.checkpoint},
          {"task", s.task},
          {"problems", fmt::format("{}", s.problems)},
          {"samples", fmt::format("{}", s.samples)},
          {"temperature", format_number(s.temperature)},
          {"top_k", fmt::format("{}", s.top_k)}};
}

std::string env_name(const std::string& placeholder) {
  std::string out = "T2_";
  for (char c : placeholder) out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return out;
}

std::string shell_template_problem(const std::vector<std::string>& argv) {
  auto base = [](const std::string& a) { return a.substr(a.rfind('/') == std::string::npos ? 0 : a.rfind('/') + 1); };
  static const std::vector<std::string> shells = {"sh", "bash", "dash", "zsh", "ksh"};
  std::size_t i = 0;
  if (!argv.empty() && base(argv[0]) == "env") {  // env [-i] [-u NAME] [NAME=VALUE]... PROGRAM
    for (i = 1; i < argv.size(); ++i) {
      if (argv[i] == "-u" || argv[i] == "--unset") { ++i; continue; }
      if (argv[i].rfind('-', 0) == 0 || argv[i].find('=') != std::string::npos) continue;
      break;
    }
  }
  if (i >= argv.size() || std::find(shells.begin(), shells.end(), base(argv[i])) == shells.end()) return "";
  std::string shell = base(argv[i]);
  bool dash_c = false;
  for (++i; i < argv.size() && argv[i].size() > 1 && (argv[i][0] == '-' || argv[i][0] == '+') && argv[i] != "--"; ++i) {
    if (argv[i] == "-o" || argv[i] == "+o" || argv[i] == "-O" || argv[i] == "+O") { ++i; continue; }  // -o pipefail
    if (argv[i][0] == '-' && argv[i][1] != '-' && argv[i].find('c') != std::string::npos) dash_c = true;
  }
  if (!dash_c || i >= argv.size()) return "";
  std::vector<std::string> names;
  try {
    names = placeholders_in(argv[i]);
  } catch (const std::invalid_argument&) {
    return "";  // a malformed template is reported as an error elsewhere
  }
  if (names.empty()) return "";
  return fmt::format("runs a shell ({} -c) with {{{}}} inside the shell string: placeholder values (e.g. a "
                     "checkpoint path reported by a job) reach the shell unescaped; pass them as separate argv "
                     "elements, or read them in the script from the environment (${})",
                     shell, names.front(), env_name(names.front()));
}

}  // namespace t2
