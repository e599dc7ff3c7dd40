// shell_template_tests.cpp — which argv templates hand placeholder values to a shell unescaped
// (shell_template_problem, issue 12 item 14): the warning `t2 validate` and `t2 run` print.
#include <catch2/catch.hpp>

#include "workers/exec/command_template.hpp"

using namespace t2;

TEST_CASE("a shell run with -c and a placeholder in its string is named, with the placeholder and why") {
  SECTION("plain sh -c") {
    auto why = shell_template_problem({"/bin/sh", "-c", "python3 eval.py --ckpt {checkpoint}"});
    CHECK_THAT(why, Catch::Contains("sh -c") && Catch::Contains("{checkpoint}") && Catch::Contains("unescaped") &&
                        Catch::Contains("$T2_CHECKPOINT"));
  }
  SECTION("every listed shell, by basename") {
    for (const char* sh : {"sh", "bash", "dash", "zsh", "ksh", "/usr/bin/bash"})
      CHECK_FALSE(shell_template_problem({sh, "-c", "run {N}"}).empty());
  }
  SECTION("-c inside an option group, after other options") {
    CHECK_FALSE(shell_template_problem({"bash", "-e", "-xc", "run {result}"}).empty());
    CHECK_FALSE(shell_template_problem({"bash", "-ec", "run {result}"}).empty());
    CHECK_FALSE(shell_template_problem({"bash", "-o", "pipefail", "-c", "run {result}"}).empty());
  }
  SECTION("through env, after its options and assignments") {
    auto why = shell_template_problem({"/usr/bin/env", "-i", "LC_ALL=C", "-u", "HOME", "bash", "-c", "x {D}"});
    CHECK_THAT(why, Catch::Contains("bash -c") && Catch::Contains("{D}"));
  }
}

TEST_CASE("templates that keep values out of the shell string are not warned about") {
  CHECK(shell_template_problem({"python3", "train.py", "{N}", "{result}"}).empty());          // no shell
  CHECK(shell_template_problem({"sh", "-c", "train.py --out \"$1\"", "sh", "{result}"}).empty());  // positional
  CHECK(shell_template_problem({"sh", "-c", "train.py --out \"$T2_RESULT\""}).empty());  // environment
  CHECK(shell_template_problem({"sh", "script.sh", "{N}"}).empty());                      // no -c
  CHECK(shell_template_problem({"bash", "--norc", "script.sh", "{N}"}).empty());          // long option only
  CHECK(shell_template_problem({"sh", "-c", "literal {{braces}}"}).empty());              // escaped braces
  CHECK(shell_template_problem({"env", "python3", "-c", "print({N})"}).empty());          // not a shell
  CHECK(shell_template_problem({"sh", "-c"}).empty());                                    // no string
  CHECK(shell_template_problem({}).empty());
}
