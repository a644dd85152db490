#include "drivers/nftables/nft_table.hpp"

namespace stratus::nftables {
namespace {

std::string joined(const std::set<std::string>& items) {
  std::string out;
  for (auto& i : items)
    out += (out.empty() ? "" : ", ") + i;
  return out;
}

} // namespace

std::string change_commands(const nft_table& applied, const nft_table& desired) {
  if (applied == desired)
    return "";
  const std::string table = desired.family + " " + desired.name;
  std::string out = "add table " + table + "\n";
  // New chains first: rules below may jump to them.
  for (auto& [name, chain] : desired.chains)
    if (!applied.chains.count(name))
      out += "add chain " + table + " " + name +
             (chain.hook.empty() ? "" : " { " + chain.hook + " }") + "\n";
  for (auto& [name, set] : desired.sets) {
    auto old = applied.sets.find(name);
    if (old == applied.sets.end())
      out += "add set " + table + " " + name + " { type " + set.type +
             "; flags interval; auto-merge; }\n";
    else if (old->second == set)
      continue;
    else
      out += "flush set " + table + " " + name + "\n";
    if (!set.elements.empty())
      out += "add element " + table + " " + name + " { " + joined(set.elements) + " }\n";
  }
  for (auto& [name, chain] : desired.chains) {
    auto old = applied.chains.find(name);
    if (old != applied.chains.end()) {
      if (old->second.rules == chain.rules)
        continue;
      out += "flush chain " + table + " " + name + "\n";
    }
    for (auto& rule : chain.rules)
      out += "add rule " + table + " " + name + " " + rule + "\n";
  }
  // Chains that go are emptied before any is deleted: they may jump to each other.
  for (auto& [name, chain] : applied.chains)
    if (!desired.chains.count(name))
      out += "flush chain " + table + " " + name + "\n";
  for (auto& [name, chain] : applied.chains)
    if (!desired.chains.count(name))
      out += "delete chain " + table + " " + name + "\n";
  for (auto& [name, set] : applied.sets)
    if (!desired.sets.count(name))
      out += "delete set " + table + " " + name + "\n";
  return out;
}

std::string remove_commands(const std::string& family, const std::string& name) {
  // "add" first: deleting a table that is not there would fail the transaction.
  return "add table " + family + " " + name + "\ndelete table " + family + " " + name + "\n";
}

std::string replace_commands(const nft_table& table) {
  return remove_commands(table.family, table.name) +
         change_commands(nft_table{table.family, table.name, {}, {}}, table);
}

} // namespace stratus::nftables
