// tasks_test.cpp — task generators: answers are right, held-out problems never occur in training
// text, checkers accept exact answers and reject near misses; the data stream and token files.
#include "workers/builtin/tasks.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include "workers/builtin/data.hpp"

using namespace t2::builtin;

namespace {
std::vector<std::unique_ptr<Task>> all_tasks() {
  std::vector<std::unique_ptr<Task>> v;
  for (const auto& n : task_names()) v.push_back(make_task(n, TaskOptions{}));
  return v;
}
}  // namespace

TEST_CASE("held-out problems never appear in training text") {
  for (auto& task : all_tasks()) {
    INFO(task->name());
    auto held = held_out_problems(*task, 128, 0);
    REQUIRE(held.size() == 128);
    // Documents end with a newline; a problem occurs in the text when "\n" + its text does (a
    // held-out "1*0=0" is a suffix of the different training problem "11*0=0").
    std::string text = "\n";
    for (std::uint64_t seed = 0; seed < 4; ++seed) {
      Rng rng(seed);
      for (int i = 0; i < 20000; ++i) text += task->training_document(rng);
    }
    int found = 0;
    for (const auto& p : held) {
      std::string doc = "\n";  // appended, not "\n" + ...: GCC 12 -Wrestrict false positive
      doc += p.text();
      found += text.find(doc) != std::string::npos ? 1 : 0;
    }
    CHECK(found == 0);
    // ... while training text is made of the same kind of problems (the split is by prompt).
    for (const auto& p : held) CHECK(task->is_held_out(p));
  }
}

TEST_CASE("knowledge training text states the facts that held-out questions ask about") {
  auto task = make_task("knowledge", TaskOptions{});
  auto held = held_out_problems(*task, 32, 0);
  std::string text;
  Rng rng(1);
  for (int i = 0; i < 200000; ++i) text += task->training_document(rng);
  std::regex q("What is the (\\w+) of (\\w+)\\? A:");
  for (const auto& p : held) {
    std::smatch m;
    REQUIRE(std::regex_match(p.prompt, m, q));
    std::string fact = "The " + m[1].str() + " of " + m[2].str() + " is" + p.answer + ".\n";
    INFO(fact);
    CHECK(text.find(fact) != std::string::npos);
  }
}

TEST_CASE("arithmetic and spatial answers are correct") {
  Rng rng(4);
  auto arith = make_task("arithmetic", TaskOptions{});
  std::regex bin("(\\d+)([+*])(\\d+)="), word(".*Step 2: (\\d+)-(\\d+)=");
  int add = 0, mul = 0, words = 0;
  for (int i = 0; i < 3000; ++i) {
    Problem p = arith->held_out_problem(rng);
    std::smatch m;
    if (std::regex_match(p.prompt, m, bin)) {
      long a = std::stol(m[1]), b = std::stol(m[3]);
      CHECK(p.answer == std::to_string(m[2] == "+" ? a + b : a * b));
      (m[2] == "+" ? add : mul)++;
    } else {
      REQUIRE(std::regex_match(p.prompt, m, word));
      CHECK(p.answer == std::to_string(std::stol(m[1]) - std::stol(m[2])));
      words++;
    }
  }
  CHECK(add > 500);
  CHECK(mul > 500);
  CHECK(words > 500);

  auto spatial = make_task("spatial", TaskOptions{});
  std::regex in("The (\\w+) is in the (\\w+)\\. ");
  for (int i = 0; i < 2000; ++i) {
    Problem p = spatial->held_out_problem(rng);
    if (p.prompt.rfind("At ", 0) == 0) {
      int x = p.prompt[3] - '0', y = p.prompt[5] - '0';
      std::regex mv("(Up|Down|Right|Left) (\\d)\\.");
      for (std::sregex_iterator it(p.prompt.begin(), p.prompt.end(), mv), end; it != end; ++it) {
        int s = std::stoi((*it)[2]);
        std::string d = (*it)[1];
        if (d == "Up") y += s;
        if (d == "Down") y -= s;
        if (d == "Right") x += s;
        if (d == "Left") x -= s;
        CHECK((x >= 0 && x <= 9 && y >= 0 && y <= 9));
      }
      CHECK(p.answer == std::string(" ") + char('0' + x) + "," + char('0' + y));
    } else {
      // Follow the chain from the queried object to the outermost container.
      std::map<std::string, std::string> parent;
      for (std::sregex_iterator it(p.prompt.begin(), p.prompt.end(), in), end; it != end; ++it)
        parent[(*it)[1]] = (*it)[2];
      std::smatch m;
      REQUIRE(std::regex_search(p.prompt, m, std::regex("So the (\\w+) is in the$")));
      std::string at = m[1];
      int hops = 0;
      while (parent.count(at)) at = parent[at], ++hops;
      CHECK(hops >= 2);
      CHECK(p.answer == " " + at);
    }
  }
}

TEST_CASE("checkers accept the exact answer and reject near misses") {
  Problem add{"37+48=", "85"}, place{"So the key is in the", " drawer"}, grid{"At 1,1. Up 1. Now at", " 1,2"};
  CHECK(Task::check(add, "85"));
  for (std::string miss : {"84", "86", "850", "8", "085", " 85", "85 ", "58", ""}) CHECK_FALSE(Task::check(add, miss));
  CHECK(Task::check(place, " drawer"));
  for (std::string miss : {"drawer", " drawers", " Drawer", " drawe", " drawer.", "  drawer"})
    CHECK_FALSE(Task::check(place, miss));
  CHECK(Task::check(grid, " 1,2"));
  for (std::string miss : {" 2,1", " 1,3", "1,2", " 1, 2"}) CHECK_FALSE(Task::check(grid, miss));
}

TEST_CASE("problems and batches are pure functions of their seeds") {
  for (auto& task : all_tasks()) {
    auto a = held_out_problems(*task, 50, 9), b = held_out_problems(*task, 50, 9), c = held_out_problems(*task, 50, 10);
    for (int i = 0; i < 50; ++i) CHECK(a[i].text() == b[i].text());
    int same = 0;
    for (int i = 0; i < 50; ++i) same += a[i].text() == c[i].text();
    CHECK(same < 25);
  }
  DataOptions d;
  DataStream data(d, 64);
  std::vector<int> t1(4 * 64), y1(4 * 64), t2(4 * 64), y2(4 * 64);
  data.batch(5, 17, 4, t1.data(), y1.data());
  data.batch(5, 17, 4, t2.data(), y2.data());
  CHECK(t1 == t2);
  for (int r = 0; r < 4; ++r)
    for (int i = 0; i + 1 < 64; ++i) CHECK(y1[r * 64 + i] == t1[r * 64 + i + 1]);
  data.batch(5, 18, 4, t2.data(), y2.data());
  CHECK(t1 != t2);
}

TEST_CASE("token files in llm.c and nanoGPT layouts are read, and bad ones are refused") {
  auto dir = std::filesystem::temp_directory_path() / "t2-builtin-tokens";
  std::filesystem::create_directories(dir);
  std::vector<std::uint16_t> toks(5000);
  for (std::size_t i = 0; i < toks.size(); ++i) toks[i] = std::uint16_t((i * 7) % 300);
  {
    std::ofstream raw(dir / "raw.bin", std::ios::binary);
    raw.write(reinterpret_cast<const char*>(toks.data()), std::streamsize(toks.size() * 2));
    std::ofstream llmc(dir / "llmc.bin", std::ios::binary);
    std::int32_t header[256] = {20240520, 1, std::int32_t(toks.size())};
    llmc.write(reinterpret_cast<const char*>(header), sizeof header);
    llmc.write(reinterpret_cast<const char*>(toks.data()), std::streamsize(toks.size() * 2));
    std::ofstream bad(dir / "bad.bin", std::ios::binary);
    header[2] = 100000;  // claims more tokens than it holds
    bad.write(reinterpret_cast<const char*>(header), sizeof header);
    bad.write(reinterpret_cast<const char*>(toks.data()), std::streamsize(toks.size() * 2));
  }
  for (const char* name : {"raw.bin", "llmc.bin"}) {
    TokenFile f = read_token_file((dir / name).string());
    CHECK(f.tokens == toks);
    CHECK(f.max_token == 299);
  }
  CHECK_THROWS_WITH(read_token_file((dir / "bad.bin").string()), Catch::Contains("header says 100000 tokens"));
  CHECK_THROWS_WITH(read_token_file((dir / "missing.bin").string()), Catch::Contains("cannot open"));

  // A stream mixing the file with tasks widens the vocabulary to the file's ids.
  DataOptions d;
  d.file = std::make_shared<TokenFile>(read_token_file((dir / "raw.bin").string()));
  d.file_fraction = 0.5;
  DataStream data(d, 32);
  CHECK(data.vocab() == 300);
  std::vector<int> t(64 * 32), y(64 * 32);
  data.batch(1, 0, 64, t.data(), y.data());
  CHECK(*std::max_element(t.begin(), t.end()) >= 128);  // some rows come from the file
}
