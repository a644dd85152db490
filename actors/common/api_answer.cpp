#include "actors/common/api_answer.hpp"

namespace stratus::api_support {

api_answer api_error(msg::errc code, std::string message) {
  api_answer a;
  a.error = msg::error{code, std::move(message)};
  return a;
}

api_answer api_json(uint16_t status, const nlohmann::json& body) {
  api_answer a;
  a.reply.status = status;
  a.reply.body = body.dump();
  return a;
}

api_answer api_no_content() {
  api_answer a;
  a.reply.status = 204;
  return a;
}

} // namespace stratus::api_support
