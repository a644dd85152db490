#pragma once
// What an API operation answers when nothing needs doing first: the reply
// (status, headers, JSON body), or a typed error the gateway renders in the
// API's own format. Each role's operation result extends it with what the
// role must do before the reply goes out (records to write, …).

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "messages/api.hpp"
#include "messages/error.hpp"

namespace stratus::api_support {

struct api_answer {
  msg::api_call_reply reply;
  std::optional<msg::error> error; // instead of the reply
};

/// An error reply.
api_answer api_error(msg::errc code, std::string message);
/// A reply with a JSON body.
api_answer api_json(uint16_t status, const nlohmann::json& body);
/// 204 No Content.
api_answer api_no_content();

} // namespace stratus::api_support
