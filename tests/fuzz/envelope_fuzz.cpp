// libFuzzer target: whatever bytes arrive, the envelope decoder and every
// payload decoder return a value or a typed error, never crash or hang.

#include <cstddef>
#include <cstdint>

#include "messages/type_ids.hpp"
#include "messages/wire/payload.hpp"

using namespace stratus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::span<const char> frame{reinterpret_cast<const char*>(data), size};
  wire::envelope env;
  if (wire::decode(frame, env).code != msg::errc::none) {
    // Not an envelope: still feed the bytes to every payload decoder.
    env.payload.assign(frame.begin(), frame.end());
  }
  msg::for_each_message_type([&]<class T>() {
    if constexpr (msg::wire_message<T>) {
      wire::envelope e = env;
      e.type = T::type_name;
      e.type_version = T::version;
      e.type_compat = T::compat_version;
      T x;
      (void) wire::open_envelope(e, x);
    }
  });
  return 0;
}
