#pragma once
// Policy rules in oslo.policy's language, the one every OpenStack service's
// policy file uses:
//
//   "identity:get_project": "rule:admin_required or project_id:%(project_id)s"
//
// Checks: `@` (always), `!` (never), `rule:<name>`, `role:<name>`, and
// `<credential>:<value>` where the credential is one of user_id,
// project_id, domain_id, user_domain_id, system_scope, project_domain_id,
// and the value a
// literal or `%(<target key>)s`. Combined with `and`, `or`, `not` and
// parentheses (not binds tighter than and, and tighter than or). An empty
// rule allows everyone, as in oslo.policy.

#include <map>
#include <memory>
#include <string>

namespace stratus::msg {
struct auth;
}

namespace stratus::gateway {

/// Values a rule may refer to with %(name)s: the request's path parameters.
using policy_target = std::map<std::string, std::string>;

struct policy_expression;

class policy {
public:
  policy();
  ~policy();
  policy(policy&&) noexcept;
  policy& operator=(policy&&) noexcept;

  /// Adds or replaces one rule; throws std::invalid_argument with the
  /// position of a syntax error.
  void set(const std::string& name, const std::string& rule);

  /// Adds or replaces every rule of a JSON object {"name": "rule", …}, the
  /// format of an oslo.policy policy.json; throws std::invalid_argument.
  void load_json(const std::string& text);

  /// Adds or replaces every rule of a policy file: JSON (policy.json), or
  /// the one-rule-per-line YAML of policy.yaml (`"name": "rule"`, comments
  /// with #); throws std::invalid_argument naming the line.
  void load_file(const std::string& text);

  bool has(const std::string& name) const;

  /// Whether `rule` allows `caller` on `target`. An unknown rule denies.
  bool allows(const std::string& rule, const msg::auth& caller, const policy_target& target) const;

private:
  std::map<std::string, std::shared_ptr<const policy_expression>> rules_;
};

} // namespace stratus::gateway
