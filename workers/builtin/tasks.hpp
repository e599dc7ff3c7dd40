// tasks.hpp — the synthetic reasoning tasks (arithmetic, spatial, knowledge), modelled on the T²
// paper's synthetic tasks (t2-paper-notes §5), and the character tokenizer they are written in.
// Owns problem generation, the held-out split and exact-match checking; knows nothing of models.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace t2::builtin {

// The tokenizer: one token per ASCII character (id = byte value, vocabulary 128). Newline (10)
// ends every example in training text and every generated answer.
constexpr int kVocab = 128;
constexpr int kEndToken = '\n';
std::vector<int> encode(const std::string& text);  // throws std::invalid_argument on non-ASCII
std::string decode(const std::vector<int>& tokens);

// One problem: the model reads `prompt` and must produce `answer` then a newline. In training
// text a problem appears as prompt + answer + "\n".
struct Problem {
  std::string prompt, answer;
  std::string text() const { return prompt + answer + "\n"; }
};

using Rng = std::mt19937_64;

// A task generates problems from a random stream. Every problem belongs to one side of a fixed
// split decided by a hash of its prompt, independent of any seed: held-out problems (evaluation)
// never appear in training text, whatever seeds the trainer and the evaluator use.
class Task {
 public:
  virtual ~Task() = default;
  virtual std::string name() const = 0;
  // Training text: one document (a problem's text, or for knowledge possibly a fact statement),
  // never containing a held-out problem's text.
  std::string training_document(Rng& rng) const;
  // A held-out problem.
  Problem held_out_problem(Rng& rng) const;
  bool is_held_out(const Problem& p) const;
  // Exact match: the completion (generated text up to, excluding, the first newline) equals the
  // gold answer character for character.
  static bool check(const Problem& p, const std::string& completion) { return completion == p.answer; }
  // An upper bound on the characters of any problem's text (prompt + answer + newline): the
  // model's context must hold it for evaluation.
  virtual int max_text_length() const = 0;

 protected:
  // Any problem, either side of the split.
  virtual Problem draw(Rng& rng) const = 0;
  // Extra training documents that are not problems (knowledge: fact statements); "" = none.
  virtual std::string background(Rng& rng) const { return ""; }
  // 1 / held_out_modulus of all prompts are held out.
  virtual int held_out_modulus() const { return 8; }
};

// Arithmetic (paper: multi-step arithmetic): "37+48=" -> "85"; "23*7=" -> "161"; word problems
// with worked steps, "Ann has 12 pens. Ann gets 7 more. Ann gives away 5. Step 1: 12+7=19.
// Step 2: 19-5=" -> "14". Operands have min_digits..max_digits digits.
struct ArithmeticOptions {
  int min_digits = 1;  // digits of each operand, at least
  int max_digits = 3;  // digits of each operand, at most (1..6)
  bool add = true;     // a+b
  bool mul = true;     // a*b, b with at most max(1, max_digits - 1) digits
  bool word = true;    // two-step word problems (operands up to 2 digits)
};
std::unique_ptr<Task> make_arithmetic_task(const ArithmeticOptions& options);

// Spatial: containment chains, "The key is in the box. The box is in the bag. So the key is in
// the" -> " bag" (2..3 links, statements in random order), and grid moves, "At 3,4. Up 2. Left 1.
// Now at" -> " 2,6" (coordinates 0..9).
std::unique_ptr<Task> make_spatial_task();

// Knowledge recall: a fixed table of `entities` invented entities, each with four attributes
// (capital, color, animal, number), drawn from `table_seed`. Training text states every fact
// ("The capital of Zorvia is Kelmar.") and asks questions about 3/4 of them ("What is the capital
// of Zorvia? A:" -> " Kelmar"); held-out problems are the questions about the other quarter, so
// they test recall of facts seen only as statements.
std::unique_ptr<Task> make_knowledge_task(int entities, std::uint64_t table_seed);

// The task names a sweep config may use ([eval] tasks, [workload.builtin] tasks).
const std::vector<std::string>& task_names();

struct TaskOptions {
  ArithmeticOptions arithmetic;
  int entities = 256;
  std::uint64_t knowledge_seed = 20240601;  // fixed so that every run of a sweep sees one table
};
// Throws std::invalid_argument for an unknown name.
std::unique_ptr<Task> make_task(const std::string& name, const TaskOptions& options);

// `count` distinct held-out problems, the same for every caller with the same (task, seed).
std::vector<Problem> held_out_problems(const Task& task, std::uint32_t count, std::uint64_t seed);

}  // namespace t2::builtin
