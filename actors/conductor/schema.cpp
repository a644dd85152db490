#include "actors/conductor/schema.hpp"

#include <stdexcept>

#include "drivers/kv/kv_driver.hpp"

namespace stratus::actors::schema {

const std::vector<std::string>& tables() {
  static const std::vector<std::string> names{"scratch", "identity", "image", "placement",
                                              "compute", "network", "console"};
  return names;
}

const std::vector<migration>& migrations() {
  static const std::vector<migration> steps{
    {0, [](kv::transaction& txn) { kv::table(txn, "scratch", true); }},
    {1, [](kv::transaction& txn) { kv::table(txn, "identity", true); }},
    {2, [](kv::transaction& txn) { kv::table(txn, "image", true); }},
    {3, [](kv::transaction& txn) { kv::table(txn, "placement", true); }},
    {4, [](kv::transaction& txn) { kv::table(txn, "compute", true); }},
    {5, [](kv::transaction& txn) { kv::table(txn, "network", true); }},
    {6, [](kv::transaction& txn) { kv::table(txn, "console", true); }},
  };
  return steps;
}

int migrate(kv::transaction& txn) {
  kv::table meta(txn, "meta", true);
  int found = 0;
  if (auto v = txn.get(meta, "schema_version"))
    found = std::stoi(std::string{*v});
  if (found > current_version)
    throw std::runtime_error("the database has schema version " + std::to_string(found) +
                             ", newer than this binary's " + std::to_string(current_version));
  for (int v = found; v < current_version; ++v)
    for (auto& step : migrations())
      if (step.from == v)
        step.apply(txn);
  txn.put(meta, "schema_version", std::to_string(current_version));
  return found;
}

} // namespace stratus::actors::schema
