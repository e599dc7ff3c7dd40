// law.cpp — the registry of built-in laws (see law.hpp).
#include "orchestrator/laws/law.hpp"

#include <stdexcept>

#include "orchestrator/laws/chinchilla.hpp"
#include "orchestrator/laws/t2_accuracy_law.hpp"
#include "orchestrator/laws/t2_loss_law.hpp"

namespace t2 {

std::vector<std::string> law_names() { return {"chinchilla", "t2-loss", "t2-accuracy"}; }

std::shared_ptr<const Law> law_by_name(const std::string& name) {
  if (name == "chinchilla") return std::make_shared<ChinchillaLaw>();
  if (name == "t2-loss") return std::make_shared<T2LossLaw>();
  if (name == "t2-accuracy") return std::make_shared<T2AccuracyLaw>();
  throw std::invalid_argument("law = '" + name + "': expected chinchilla, t2-loss or t2-accuracy");
}

}  // namespace t2
