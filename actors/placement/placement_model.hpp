#pragma once
// Placement's data: resource providers (with their inventories, traits and
// aggregates), consumers and their allocations, custom resource classes and
// traits. Held in memory by the placement role, where every query is
// answered; the conductor's "placement" table holds the truth, as JSON
// records "provider/<uuid>", "consumer/<uuid>", "resource_class/<name>" and
// "trait/<name>", and the model is rebuilt from them at start.
//
// Usage per provider and resource class is kept up to date as allocations
// change, so that a candidate query never sums allocations.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/common/record_change.hpp"

namespace stratus::placement {

using json = nlohmann::json;

/// https://docs.openstack.org/api-ref/placement/#resource-provider-inventories
struct inventory {
  uint64_t total = 0;
  uint64_t reserved = 0;
  uint64_t min_unit = 1;
  uint64_t max_unit = 0; // 0 = total, as Placement defaults it
  uint64_t step_size = 1;
  double allocation_ratio = 1.0;

  /// What may be allocated in all: (total - reserved) × allocation_ratio.
  uint64_t capacity() const;
  /// Whether `amount` is a valid single allocation (min, max, step).
  bool takes(uint64_t amount) const;
};

struct provider {
  std::string uuid;
  std::string name;
  uint64_t generation = 0;
  std::string parent_uuid; // empty for a root
  std::string root_uuid;
  std::map<std::string, inventory> inventories; // by resource class
  std::set<std::string> traits;
  std::set<std::string> aggregates;
  std::string created_at, updated_at;
};

/// resource class → amount
using resource_amounts = std::map<std::string, uint64_t>;

struct consumer {
  std::string uuid;
  std::string project_id;
  std::string user_id;
  std::string consumer_type; // 1.38; empty = "unknown"
  uint64_t generation = 0;
  std::map<std::string, resource_amounts> allocations; // by provider uuid
  std::string created_at, updated_at;
};

/// The change one record makes, for the conductor (kind "provider",
/// "consumer", "resource_class" or "trait"; no value removes it).
using model_change = record_change;

class placement_model {
public:
  // -- reading
  const provider* find_provider(const std::string& uuid) const;
  const provider* provider_named(const std::string& name) const;
  const std::map<std::string, provider>& providers() const {
    return providers_;
  }
  const consumer* find_consumer(const std::string& uuid) const;
  const std::map<std::string, consumer>& consumers() const {
    return consumers_;
  }
  /// What is allocated from a provider, by resource class.
  const resource_amounts& usage(const std::string& provider_uuid) const;
  /// Consumers holding allocations against a provider.
  std::vector<std::string> consumers_of(const std::string& provider_uuid) const;
  /// Providers whose parent is `uuid`.
  std::vector<std::string> children_of(const std::string& uuid) const;
  /// Every provider of the tree rooted at `root_uuid`.
  const std::set<std::string>& tree(const std::string& root_uuid) const;

  bool resource_class_exists(const std::string& name) const;
  std::set<std::string> resource_classes() const;
  bool trait_exists(const std::string& name) const;
  std::set<std::string> traits() const;
  bool custom_resource_class(const std::string& name) const {
    return custom_classes_.count(name) > 0;
  }
  bool custom_trait(const std::string& name) const {
    return custom_traits_.count(name) > 0;
  }

  // -- changing: each returns the record change to write (and keeps the
  //    model in step)
  model_change put_provider(provider p);
  model_change remove_provider(const std::string& uuid);
  model_change put_consumer(consumer c);
  model_change remove_consumer(const std::string& uuid);
  model_change put_resource_class(const std::string& name);
  model_change remove_resource_class(const std::string& name);
  model_change put_trait(const std::string& name);
  model_change remove_trait(const std::string& name);

  /// Applies a stored record (at load, or to undo a failed write); returns
  /// the change that undoes it.
  model_change apply(const model_change& c);

private:
  void index_consumer(const consumer& c, bool add);
  void index_provider(const provider& p, bool add);

  std::map<std::string, provider> providers_;
  std::unordered_map<std::string, std::string> by_name_;
  std::unordered_map<std::string, std::set<std::string>> trees_; // root → members
  std::unordered_map<std::string, std::set<std::string>> children_;
  std::map<std::string, consumer> consumers_;
  std::unordered_map<std::string, resource_amounts> usage_;
  std::unordered_map<std::string, std::set<std::string>> consumers_by_provider_;
  std::set<std::string> custom_classes_;
  std::set<std::string> custom_traits_;
};

/// os-resource-classes' standard classes.
const std::set<std::string>& standard_resource_classes();
/// The standard traits of os-traits this placement knows.
const std::set<std::string>& standard_traits();

json to_json(const provider& p);
provider provider_from(const json& j);
json to_json(const consumer& c);
consumer consumer_from(const json& j);
json to_json(const inventory& inv);

} // namespace stratus::placement
