#pragma once
// A role's API operations by name ("image:get_image"), and how one is run:
// the JSON body parsed first (400 if it does not parse), and exceptions
// turned into answers — 400 for a well-formed body of the wrong shape (a
// number where a string goes), 500 for a bug — so the role keeps serving.

#include <functional>
#include <map>
#include <string>

#include "actors/common/api_answer.hpp"
#include "actors/common/api_call.hpp"

namespace stratus::api_support {

template <class Result> class operation_table {
public:
  using operation = std::function<Result(api_call&)>;

  operation& operator[](const std::string& name) {
    return operations_[name];
  }

  /// Runs `req.operation`; not_found if there is no such operation.
  /// `base` is the API's URL for links (".../image").
  Result run(const msg::context& ctx, const msg::api_call_request& req, std::string base,
             int64_t now) const {
    auto op = operations_.find(req.operation);
    if (op == operations_.end())
      return api_error(msg::errc::not_found, "No operation " + req.operation + " here.");
    api_call call{ctx, req, nullptr, std::move(base), now};
    if (!req.body.empty()) {
      call.body = nlohmann::json::parse(req.body, nullptr, false);
      if (call.body.is_discarded())
        return api_error(msg::errc::invalid, "The request body is not valid JSON.");
    }
    try {
      return op->second(call);
    } catch (const nlohmann::json::exception& e) {
      return api_error(msg::errc::invalid, std::string{"Invalid input: "} + e.what());
    } catch (const std::exception& e) {
      return api_error(msg::errc::internal, std::string{"Internal error: "} + e.what());
    }
  }

private:
  std::map<std::string, operation> operations_;
};

} // namespace stratus::api_support
