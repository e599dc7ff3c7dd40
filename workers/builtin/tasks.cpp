// tasks.cpp — generators of the three synthetic tasks and the held-out split (see tasks.hpp).
#include "workers/builtin/tasks.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "contract/seed.hpp"

namespace t2::builtin {

std::vector<int> encode(const std::string& text) {
  std::vector<int> out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c >= kVocab) throw std::invalid_argument("non-ASCII character in text for the character tokenizer");
    out.push_back(c);
  }
  return out;
}

std::string decode(const std::vector<int>& tokens) {
  std::string s;
  for (int t : tokens) s.push_back(static_cast<char>(t));
  return s;
}

static int uniform(Rng& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

bool Task::is_held_out(const Problem& p) const {
  // A fixed hash (FNV-1a through splitmix64), so the split never depends on a seed.
  return mix_seed(0x5e1d, std::string_view(p.prompt)) % std::uint64_t(held_out_modulus()) == 0;
}

std::string Task::training_document(Rng& rng) const {
  std::string bg = background(rng);
  if (!bg.empty()) return bg;
  for (;;) {
    Problem p = draw(rng);
    if (!is_held_out(p)) return p.text();
  }
}

Problem Task::held_out_problem(Rng& rng) const {
  for (;;) {
    Problem p = draw(rng);
    if (is_held_out(p)) return p;
  }
}

std::vector<Problem> held_out_problems(const Task& task, std::uint32_t count, std::uint64_t seed) {
  Rng rng(mix_seed(seed, std::string_view(task.name())));
  std::vector<Problem> out;
  std::set<std::string> seen;
  std::uint64_t tries = 0, limit = 1000ull * count + 1000;
  while (out.size() < count) {
    if (++tries > limit)
      throw std::invalid_argument("task " + task.name() + " has fewer than " + std::to_string(count) +
                                  " distinct held-out problems");
    Problem p = task.held_out_problem(rng);
    if (seen.insert(p.prompt).second) out.push_back(p);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Arithmetic

namespace {

long pow10(int k) {
  long v = 1;
  while (k-- > 0) v *= 10;
  return v;
}

// A number with exactly `digits` digits (1 digit: 0..9).
long number_with_digits(Rng& rng, int digits) {
  long lo = digits == 1 ? 0 : pow10(digits - 1), hi = pow10(digits) - 1;
  return std::uniform_int_distribution<long>(lo, hi)(rng);
}

const char* kNames[] = {"Ann", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Ida", "Jon", "Kim", "Lea", "Max"};
const char* kThings[] = {"pens", "apples", "cards", "coins", "books", "shells", "stamps", "marbles"};

class ArithmeticTask final : public Task {
 public:
  explicit ArithmeticTask(ArithmeticOptions o) : o_(o) {
    if (o.min_digits < 1 || o.max_digits > 6 || o.min_digits > o.max_digits)
      throw std::invalid_argument("arithmetic digits must satisfy 1 <= min_digits <= max_digits <= 6");
    if (o.add) kinds_.push_back(0);
    if (o.mul) kinds_.push_back(1);
    if (o.word) kinds_.push_back(2);
    if (kinds_.empty()) throw std::invalid_argument("arithmetic needs at least one of add, mul, word");
  }
  std::string name() const override { return "arithmetic"; }
  int max_text_length() const override {
    const int d = o_.max_digits, bmax = std::max(1, d - 1);
    int n = 0;
    if (o_.add) n = std::max(n, d + 1 + d + 1 + (d + 1) + 1);
    if (o_.mul) n = std::max(n, d + 1 + bmax + 1 + (d + bmax) + 1);
    if (o_.word) n = std::max(n, 98);  // "Cara has 99 marbles. ... Step 2: 198-198=0\n"
    return n;
  }

 protected:
  Problem draw(Rng& rng) const override {
    int kind = kinds_[uniform(rng, 0, int(kinds_.size()) - 1)];
    if (kind == 0) {
      long a = number_with_digits(rng, uniform(rng, o_.min_digits, o_.max_digits));
      long b = number_with_digits(rng, uniform(rng, o_.min_digits, o_.max_digits));
      return {std::to_string(a) + "+" + std::to_string(b) + "=", std::to_string(a + b)};
    }
    if (kind == 1) {
      long a = number_with_digits(rng, uniform(rng, o_.min_digits, o_.max_digits));
      int bmax = std::max(1, o_.max_digits - 1);
      long b = number_with_digits(rng, uniform(rng, std::min(o_.min_digits, bmax), bmax));
      return {std::to_string(a) + "*" + std::to_string(b) + "=", std::to_string(a * b)};
    }
    // Two-step word problem with its worked steps; the answer is the last step's result.
    std::string who = kNames[uniform(rng, 0, 11)], what = kThings[uniform(rng, 0, 7)];
    int a = uniform(rng, 1, 99), b = uniform(rng, 1, 99);
    int c = uniform(rng, 1, a + b);
    std::string prompt = who + " has " + std::to_string(a) + " " + what + ". " + who + " gets " + std::to_string(b) +
                         " more. " + who + " gives away " + std::to_string(c) + ". Step 1: " + std::to_string(a) + "+" +
                         std::to_string(b) + "=" + std::to_string(a + b) + ". Step 2: " + std::to_string(a + b) + "-" +
                         std::to_string(c) + "=";
    return {prompt, std::to_string(a + b - c)};
  }

 private:
  ArithmeticOptions o_;
  std::vector<int> kinds_;
};

// ---------------------------------------------------------------------------------------------
// Spatial

const char* kObjects[] = {"key",  "box",    "bag",    "drawer", "room",   "house",  "coin",  "cup",
                          "ring", "case",   "basket", "chest",  "closet", "garage", "shelf", "jar",
                          "sock", "pocket", "tray",   "crate",  "barn",   "tent",   "van",   "trunk"};
constexpr int kObjectCount = sizeof(kObjects) / sizeof(kObjects[0]);

class SpatialTask final : public Task {
 public:
  std::string name() const override { return "spatial"; }
  // Three links of 6-letter objects: "The garage is in the closet. " x 3 + "So the garage is in the closet\n".
  int max_text_length() const override { return 118; }

 protected:
  Problem draw(Rng& rng) const override {
    if (uniform(rng, 0, 1) == 0) {
      // Containment chain x0 in x1 in ... in xn: the answer is the outermost container.
      int links = uniform(rng, 2, 3);  // 3 links fit a 128-token context
      std::vector<int> idx(kObjectCount);
      for (int i = 0; i < kObjectCount; ++i) idx[i] = i;
      std::shuffle(idx.begin(), idx.end(), rng);
      std::vector<std::string> facts;
      for (int i = 0; i < links; ++i)
        facts.push_back(std::string("The ") + kObjects[idx[i]] + " is in the " + kObjects[idx[i + 1]] + ". ");
      std::shuffle(facts.begin(), facts.end(), rng);
      std::string prompt;
      for (auto& f : facts) prompt += f;
      prompt += std::string("So the ") + kObjects[idx[0]] + " is in the";
      return {prompt, std::string(" ") + kObjects[idx[links]]};
    }
    // Grid walk on 0..9 x 0..9; every move stays on the grid.
    int x = uniform(rng, 0, 9), y = uniform(rng, 0, 9), moves = uniform(rng, 1, 3);
    std::string prompt = "At " + std::to_string(x) + "," + std::to_string(y) + ".";
    for (int m = 0; m < moves; ++m) {
      int dir = uniform(rng, 0, 3);
      int room = dir == 0 ? 9 - y : dir == 1 ? y : dir == 2 ? 9 - x : x;  // up, down, right, left
      if (room == 0) {
        dir ^= 1;  // the opposite direction has all the room
        room = 9;
      }
      int step = uniform(rng, 1, std::min(3, room));
      static const char* kDir[] = {"Up", "Down", "Right", "Left"};
      prompt += std::string(" ") + kDir[dir] + " " + std::to_string(step) + ".";
      if (dir == 0) y += step;
      if (dir == 1) y -= step;
      if (dir == 2) x += step;
      if (dir == 3) x -= step;
    }
    prompt += " Now at";
    std::string answer = " ";  // built by appending: GCC 12 warns (-Wrestrict) on " " + to_string(...)
    answer += std::to_string(x);
    answer += ',';
    answer += std::to_string(y);
    return {prompt, answer};
  }
};

// ---------------------------------------------------------------------------------------------
// Knowledge

const char* kSyllables[] = {"ka", "lo", "mi", "ra", "zu", "ve", "to", "ni", "sa", "de", "po", "fi",
                            "gu", "be", "ri", "no", "ta", "xe", "mo", "li", "qu", "an", "el", "or"};
const char* kColors[] = {"red", "blue", "green", "gold", "gray", "pink", "teal", "white", "black", "brown"};
const char* kAnimals[] = {"fox", "owl", "cat", "elk", "yak", "bee", "emu", "ram", "eel", "bat"};
const char* kAttributes[] = {"capital", "color", "animal", "number"};

class KnowledgeTask final : public Task {
 public:
  KnowledgeTask(int entities, std::uint64_t seed) {
    if (entities < 1 || entities > 100000) throw std::invalid_argument("knowledge entities must be in 1..100000");
    Rng rng(seed);
    std::set<std::string> names;
    auto word = [&](int syllables) {
      std::string w;
      for (int i = 0; i < syllables; ++i) w += kSyllables[uniform(rng, 0, 23)];
      w[0] = char(w[0] - 'a' + 'A');
      return w;
    };
    while (int(names.size()) < entities) {
      std::string n = word(uniform(rng, 2, 3));
      if (names.insert(n).second) entities_.push_back(n);
    }
    for (int e = 0; e < entities; ++e)
      values_.push_back(
          {word(2), kColors[uniform(rng, 0, 9)], kAnimals[uniform(rng, 0, 9)], std::to_string(uniform(rng, 10, 99))});
  }
  std::string name() const override { return "knowledge"; }
  // "What is the capital of " + 6-letter name + "? A:" + " " + 5-letter value + "\n".
  int max_text_length() const override { return 40; }

 protected:
  Problem draw(Rng& rng) const override {
    int e = uniform(rng, 0, int(entities_.size()) - 1), a = uniform(rng, 0, 3);
    return {"What is the " + std::string(kAttributes[a]) + " of " + entities_[e] + "? A:", " " + values_[e][a]};
  }
  // Half of the training documents state a fact (every fact, held-out or not).
  std::string background(Rng& rng) const override {
    if (uniform(rng, 0, 1) == 0) return "";
    int e = uniform(rng, 0, int(entities_.size()) - 1), a = uniform(rng, 0, 3);
    return "The " + std::string(kAttributes[a]) + " of " + entities_[e] + " is " + values_[e][a] + ".\n";
  }
  int held_out_modulus() const override { return 4; }

 private:
  std::vector<std::string> entities_;
  std::vector<std::vector<std::string>> values_;
};

}  // namespace

std::unique_ptr<Task> make_arithmetic_task(const ArithmeticOptions& options) {
  return std::make_unique<ArithmeticTask>(options);
}
std::unique_ptr<Task> make_spatial_task() { return std::make_unique<SpatialTask>(); }
std::unique_ptr<Task> make_knowledge_task(int entities, std::uint64_t table_seed) {
  return std::make_unique<KnowledgeTask>(entities, table_seed);
}

const std::vector<std::string>& task_names() {
  static const std::vector<std::string> names = {"arithmetic", "spatial", "knowledge"};
  return names;
}

std::unique_ptr<Task> make_task(const std::string& name, const TaskOptions& o) {
  if (name == "arithmetic") return make_arithmetic_task(o.arithmetic);
  if (name == "spatial") return make_spatial_task();
  if (name == "knowledge") return make_knowledge_task(o.entities, o.knowledge_seed);
  throw std::invalid_argument("unknown task \"" + name + "\" (known: arithmetic, spatial, knowledge)");
}

}  // namespace t2::builtin
