#include "actors/gateway/policy.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "messages/context.hpp"

namespace stratus::gateway {

/// A parsed rule: a tree of and/or/not over checks.
struct policy_expression {
  enum class kind { always, never, rule, role, credential, all_of, any_of, negation };
  kind what = kind::always;
  std::string name;  // rule name, role name or credential name
  std::string value; // credential value, or "%(key)s"
  std::vector<std::shared_ptr<const policy_expression>> children;
};

namespace {

using expr_ptr = std::shared_ptr<const policy_expression>;

/// Splits at whitespace, then peels parentheses off the ends of each word
/// (oslo.policy's way: "%(project_id)s" keeps its own parentheses).
std::vector<std::string> tokenize(const std::string& text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
      ++i;
    std::size_t end = i;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])))
      ++end;
    std::string word = text.substr(i, end - i);
    i = end;
    std::size_t closing = 0;
    while (!word.empty() && word.front() == '(') {
      out.emplace_back("(");
      word.erase(0, 1);
    }
    while (!word.empty() && word.back() == ')') {
      ++closing;
      word.pop_back();
    }
    if (!word.empty())
      out.push_back(std::move(word));
    out.insert(out.end(), closing, ")");
  }
  return out;
}

class parser {
public:
  explicit parser(const std::string& text) : tokens_(tokenize(text)) {}

  expr_ptr parse() {
    if (tokens_.empty())
      return std::make_shared<policy_expression>(); // empty rule: always
    auto e = parse_or();
    if (pos_ != tokens_.size())
      fail("unexpected '" + tokens_[pos_] + "'");
    return e;
  }

private:
  expr_ptr parse_or() {
    return parse_joined("or", policy_expression::kind::any_of, &parser::parse_and);
  }
  expr_ptr parse_and() {
    return parse_joined("and", policy_expression::kind::all_of, &parser::parse_not);
  }

  /// Operands of the next tighter level joined by `word`.
  expr_ptr parse_joined(const char* word, policy_expression::kind kind,
                        expr_ptr (parser::*operand)()) {
    auto first = (this->*operand)();
    if (!peek(word))
      return first;
    auto node = std::make_shared<policy_expression>();
    node->what = kind;
    node->children.push_back(first);
    while (take(word))
      node->children.push_back((this->*operand)());
    return node;
  }

  expr_ptr parse_not() {
    if (take("not")) {
      auto node = std::make_shared<policy_expression>();
      node->what = policy_expression::kind::negation;
      node->children.push_back(parse_not());
      return node;
    }
    return parse_atom();
  }

  expr_ptr parse_atom() {
    if (pos_ == tokens_.size())
      fail("the rule ends too early");
    if (take("(")) {
      auto inner = parse_or();
      if (!take(")"))
        fail("missing ')'");
      return inner;
    }
    const std::string tok = tokens_[pos_++];
    auto node = std::make_shared<policy_expression>();
    using k = policy_expression::kind;
    if (tok == "@") {
      node->what = k::always;
      return node;
    }
    if (tok == "!") {
      node->what = k::never;
      return node;
    }
    const auto colon = tok.find(':');
    if (colon == std::string::npos || colon == 0)
      fail("'" + tok + "' is not a check (expected kind:match)");
    const std::string kind = tok.substr(0, colon);
    const std::string match = tok.substr(colon + 1);
    if (kind == "rule") {
      node->what = k::rule;
      node->name = match;
    } else if (kind == "role") {
      node->what = k::role;
      node->name = match;
    } else {
      node->what = k::credential;
      node->name = kind;
      node->value = match;
    }
    return node;
  }

  bool peek(const char* word) const {
    return pos_ < tokens_.size() && tokens_[pos_] == word;
  }
  bool take(const char* word) {
    if (!peek(word))
      return false;
    ++pos_;
    return true;
  }
  [[noreturn]] void fail(const std::string& why) const {
    throw std::invalid_argument("policy rule, token " + std::to_string(pos_ + 1) + ": " + why);
  }

  std::vector<std::string> tokens_;
  std::size_t pos_ = 0;
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

const std::string* credential(const msg::auth& a, const std::string& name) {
  if (name == "user_id")
    return &a.user_id;
  if (name == "project_id")
    return &a.project_id;
  if (name == "domain_id")
    return &a.domain_id;
  if (name == "user_domain_id")
    return &a.user_domain_id;
  if (name == "system_scope")
    return &a.system_scope;
  if (name == "project_domain_id")
    return &a.project_domain_id;
  return nullptr;
}

/// "%(key)s" → the target's value (nullptr if absent); a literal → itself.
const std::string* resolve(const std::string& match, const policy_target& target) {
  if (match.size() > 4 && match.starts_with("%(") && match.ends_with(")s")) {
    auto it = target.find(match.substr(2, match.size() - 4));
    return it == target.end() ? nullptr : &it->second;
  }
  return &match;
}

} // namespace

policy::policy() = default;
policy::~policy() = default;
policy::policy(policy&&) noexcept = default;
policy& policy::operator=(policy&&) noexcept = default;

void policy::set(const std::string& name, const std::string& rule) {
  rules_[name] = parser(rule).parse();
}

void policy::load_json(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw std::invalid_argument("a policy file is a JSON object of \"name\": \"rule\"");
  for (auto& [name, rule] : j.items()) {
    if (!rule.is_string())
      throw std::invalid_argument("policy " + name + ": the rule must be a string");
    try {
      set(name, rule.get<std::string>());
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(name + ": " + e.what());
    }
  }
}

void policy::load_file(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '{')
    return load_json(text);
  auto unquote = [](std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
      s.pop_back();
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
      s.erase(0, 1);
    if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front())
      s = s.substr(1, s.size() - 2);
    return s;
  };
  std::size_t line_no = 0, start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos)
      end = text.size();
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    const auto content = line.find_first_not_of(" \t\r");
    if (content == std::string::npos || line[content] == '#' || line.substr(content) == "---")
      continue;
    // The name is quoted (it holds ':'); the separator is the ':' after it.
    std::size_t sep = std::string::npos;
    if (line[content] == '"' || line[content] == '\'') {
      const auto close = line.find(line[content], content + 1);
      if (close != std::string::npos)
        sep = line.find(':', close);
    } else {
      sep = line.find(": ", content);
    }
    if (sep == std::string::npos)
      throw std::invalid_argument("policy file line " + std::to_string(line_no) +
                                  ": expected \"name\": \"rule\"");
    const auto name = unquote(line.substr(content, sep - content));
    try {
      set(name, unquote(line.substr(sep + 1)));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("policy file line " + std::to_string(line_no) + " (" + name +
                                  "): " + e.what());
    }
  }
}

bool policy::has(const std::string& name) const {
  return rules_.count(name) != 0;
}

bool policy::allows(const std::string& rule, const msg::auth& caller,
                    const policy_target& target) const {
  // Depth-limited so that a rule referring to itself denies instead of looping.
  auto eval = [&](auto& self, const policy_expression& e, int depth) -> bool {
    using k = policy_expression::kind;
    switch (e.what) {
    case k::always:
      return true;
    case k::never:
      return false;
    case k::rule: {
      auto it = rules_.find(e.name);
      return it != rules_.end() && depth < 32 && self(self, *it->second, depth + 1);
    }
    case k::role: {
      const auto wanted = lower(e.name);
      return std::any_of(caller.roles.begin(), caller.roles.end(),
                         [&](const std::string& r) { return lower(r) == wanted; });
    }
    case k::credential: {
      auto have = credential(caller, e.name);
      auto want = resolve(e.value, target);
      return have && want && !have->empty() && *have == *want;
    }
    case k::all_of:
      return std::all_of(e.children.begin(), e.children.end(),
                         [&](const expr_ptr& c) { return self(self, *c, depth); });
    case k::any_of:
      return std::any_of(e.children.begin(), e.children.end(),
                         [&](const expr_ptr& c) { return self(self, *c, depth); });
    case k::negation:
      return !self(self, *e.children.front(), depth);
    }
    return false;
  };
  auto it = rules_.find(rule);
  return it != rules_.end() && eval(eval, *it->second, 0);
}

} // namespace stratus::gateway
