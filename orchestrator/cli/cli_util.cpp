// cli_util.cpp — see cli_util.hpp.
#include "orchestrator/cli/cli_util.hpp"

#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "orchestrator/cli/command.hpp"

namespace t2 {

int parse_args(const std::string& command, const std::string& usage, const std::string& description,
               po::options_description& options, const po::positional_options_description& positional,
               const std::vector<std::string>& args, po::variables_map& vm, const po::options_description& hidden) {
  options.add_options()("help,h", "show this help and exit");
  po::options_description all;
  all.add(options).add(hidden);
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::cout << fmt::format("usage: t2 {} {}\n\n{}\n\n", command, usage, description) << options << "\n";
      return kExitOk;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    return usage_error(command, usage, e.what());
  }
  return -1;
}

int usage_error(const std::string& command, const std::string& usage, const std::string& problem) {
  std::cerr << fmt::format("t2 {}: usage error: {}\nusage: t2 {} {}  (t2 {} --help for more)\n", command, problem,
                           command, usage, command);
  return kExitUsage;
}

int report_error(const std::string& command, const std::exception& e) {
  std::istringstream lines(e.what());
  std::string line;
  bool any = false;
  while (std::getline(lines, line)) {
    std::cerr << fmt::format("t2 {}: error: {}\n", command, line);
    any = true;
  }
  if (!any) std::cerr << fmt::format("t2 {}: error: (no message)\n", command);
  return kExitFailure;
}

int guarded(const std::string& command, const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    return report_error(command, e);
  }
}

}  // namespace t2
