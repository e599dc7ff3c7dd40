// cli_util.hpp — what every subcommand shares: Boost.Program_options parsing with --help and
// one-line usage errors (the one flag-parsing path of every `t2` subcommand), and turning
// exceptions into one readable line and an exit code.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

namespace t2 {

namespace po = boost::program_options;

// Parses args into vm (adding --help to `options`). Returns -1 to go on, or an exit code: 0
// after printing --help (usage, description, `options`; never `hidden`, which holds what only
// positional arguments fill), kExitUsage after a usage error (printed by usage_error).
int parse_args(const std::string& command, const std::string& usage, const std::string& description,
               po::options_description& options, const po::positional_options_description& positional,
               const std::vector<std::string>& args, po::variables_map& vm,
               const po::options_description& hidden = po::options_description());

// Prints "t2 COMMAND: usage error: PROBLEM" and the usage line on stderr; returns kExitUsage.
// For what parse_args cannot check (a missing positional, flags that need each other).
int usage_error(const std::string& command, const std::string& usage, const std::string& problem);

// Prints an exception as "t2 COMMAND: error: ..." on stderr, one such line per line of its
// message (an input file with several bad rows reports each), and returns kExitFailure.
int report_error(const std::string& command, const std::exception& e);

// Runs body; ConfigError, StoreError and other exceptions go through report_error.
int guarded(const std::string& command, const std::function<int()>& body);

}  // namespace t2
