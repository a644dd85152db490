#include "runtime/errors.hpp"

#include <caf/atom.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace stratus::runtime {
namespace {
constexpr caf::atom_value category = caf::atom("stratus");
}

caf::error make_error(msg::errc code, std::string message) {
  return caf::error{static_cast<uint8_t>(code), category, caf::make_message(std::move(message))};
}

caf::error make_error(const msg::error& err) {
  return make_error(err.code, err.message);
}

msg::error to_error(const caf::error& err) {
  if (!err)
    return {};
  if (err.category() == category) {
    std::string text;
    if (err.context().match_elements<std::string>())
      text = err.context().get_as<std::string>(0);
    return {static_cast<msg::errc>(err.code()), std::move(text)};
  }
  if (err == caf::sec::request_timeout)
    return {msg::errc::timeout, "request timed out"};
  if (err == caf::sec::request_receiver_down)
    return {msg::errc::unavailable, "the receiver went down"};
  return {msg::errc::internal, "internal error (code " + std::to_string(err.code()) + ")"};
}

} // namespace stratus::runtime
