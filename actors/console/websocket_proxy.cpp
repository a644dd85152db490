#include "actors/console/websocket_proxy.hpp"

#include "actors/common/percent_decode.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <list>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace stratus::console {
namespace {

using api_support::percent_decode;

using clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::size_t max_head_bytes = 16 * 1024;
constexpr uint64_t max_frame_payload = 16 * 1024 * 1024;
constexpr std::size_t io_chunk = 64 * 1024;
// Past this many bytes waiting for one side, the other side is not read:
// a slow browser slows the console down instead of growing a buffer.
constexpr std::size_t relay_backlog = 256 * 1024;
// Threads are per connection; past this many, new connections are dropped.
constexpr std::size_t max_connections = 512;

constexpr auto head_timeout = 30s;    // for the request head to arrive
constexpr auto connect_timeout = 10s; // for the console's endpoint to answer
constexpr auto write_timeout = 30s;   // for a response to make progress
constexpr auto close_timeout = 5s;    // for the close handshake to finish
constexpr auto linger_timeout = 2s;   // for the client to read an error response

constexpr std::string_view websocket_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// ---------------------------------------------------------------------------
// File descriptors and waiting on them

class unique_fd {
public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~unique_fd() {
    reset();
  }
  void reset() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }
  int get() const {
    return fd_;
  }

private:
  int fd_ = -1;
};

/// Milliseconds until `deadline` for poll(), never negative.
int poll_timeout(clock::time_point deadline) {
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now()).count();
  return static_cast<int>(std::clamp<long long>(ms, 0, INT_MAX));
}

enum class wait_result { ready, stopped, timed_out };

/// Waits for `events` on `fd`; the stop descriptor always wins.
wait_result wait_for(int fd, short events, int stop_fd, clock::time_point deadline) {
  for (;;) {
    pollfd fds[2] = {{stop_fd, POLLIN, 0}, {fd, events, 0}};
    const int n = ::poll(fds, 2, poll_timeout(deadline));
    if (n < 0 && errno != EINTR)
      return wait_result::stopped;
    if (fds[0].revents != 0)
      return wait_result::stopped;
    if (n > 0 && fds[1].revents != 0)
      return wait_result::ready;
    if (clock::now() >= deadline)
      return wait_result::timed_out;
  }
}

bool would_block() {
  return errno == EAGAIN || errno == EWOULDBLOCK;
}

/// Sends all of `data` on a non-blocking socket, waiting while it is full.
bool send_all(int fd, std::string_view data, int stop_fd) {
  auto deadline = clock::now() + write_timeout;
  while (!data.empty()) {
    const auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      deadline = clock::now() + write_timeout;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && would_block()) {
      if (wait_for(fd, POLLOUT, stop_fd, deadline) != wait_result::ready)
        return false;
    } else {
      return false;
    }
  }
  return true;
}

/// Closes after an error response so that the client still reads it: a
/// close with unread request bytes would reset the connection instead.
void linger_and_close(unique_fd& fd, int stop_fd) {
  ::shutdown(fd.get(), SHUT_WR);
  const auto deadline = clock::now() + linger_timeout;
  char sink[4096];
  std::size_t discarded = 0;
  while (discarded < io_chunk &&
         wait_for(fd.get(), POLLIN, stop_fd, deadline) == wait_result::ready) {
    const auto n = ::recv(fd.get(), sink, sizeof sink, 0);
    if (n == 0 || (n < 0 && errno != EINTR && !would_block()))
      break;
    if (n > 0)
      discarded += static_cast<std::size_t>(n);
  }
  fd.reset();
}

void set_no_delay(int fd) {
  const int one = 1; // consoles are keystrokes and small screen updates
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// ---------------------------------------------------------------------------
// HTTP: the request head, URLs, responses

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

/// Calls `each` with every trimmed element of a `separator`-separated list.
template <class F> void for_each_item(std::string_view list, char separator, F&& each) {
  while (!list.empty()) {
    const auto end = list.find(separator);
    each(trim(list.substr(0, end)));
    if (end == std::string_view::npos)
      break;
    list.remove_prefix(end + 1);
  }
}

bool is_token_char(unsigned char c) { // RFC 9110 tchar
  return std::isalnum(c) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool is_field_value_char(unsigned char c) {
  return c == '\t' || (c >= 0x20 && c != 0x7f);
}

struct request_head {
  std::string method;
  std::string target;                                       // as sent
  std::vector<std::pair<std::string, std::string>> headers; // lower-case names

  /// Every value of the named header joined by ", " ("" if absent).
  std::string header(std::string_view name) const {
    std::string joined;
    for (const auto& [n, v] : headers) {
      if (n != name)
        continue;
      if (!joined.empty())
        joined += ", ";
      joined += v;
    }
    return joined;
  }
};

/// Parses the head up to (not including) its blank line; nullopt if malformed.
std::optional<request_head> parse_head(std::string_view head) {
  request_head req;
  auto line_end = head.find("\r\n");
  const auto request_line = head.substr(0, line_end);
  head = line_end == std::string_view::npos ? std::string_view{} : head.substr(line_end + 2);

  const auto sp1 = request_line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : request_line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos)
    return std::nullopt;
  const auto method = request_line.substr(0, sp1);
  const auto target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  const auto version = request_line.substr(sp2 + 1);
  if (method.empty() ||
      !std::all_of(method.begin(), method.end(), [](unsigned char c) { return is_token_char(c); }))
    return std::nullopt;
  if (target.empty() || target.front() != '/' ||
      !std::all_of(target.begin(), target.end(),
                   [](unsigned char c) { return c > 0x20 && c != 0x7f; }))
    return std::nullopt;
  if (version != "HTTP/1.1" && version != "HTTP/1.0")
    return std::nullopt;
  req.method = method;
  req.target = target;

  while (!head.empty()) {
    line_end = head.find("\r\n");
    const auto line = head.substr(0, line_end);
    head = line_end == std::string_view::npos ? std::string_view{} : head.substr(line_end + 2);
    const auto colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos)
      return std::nullopt; // also refuses obsolete line folding
    const auto name = line.substr(0, colon);
    const auto value = trim(line.substr(colon + 1));
    if (!std::all_of(name.begin(), name.end(), [](unsigned char c) { return is_token_char(c); }) ||
        !std::all_of(value.begin(), value.end(),
                     [](unsigned char c) { return is_field_value_char(c); }))
      return std::nullopt;
    req.headers.emplace_back(lower(name), std::string(value));
  }
  return req;
}

/// The decoded value of the first non-empty `name=` in a query string.
std::optional<std::string> query_value(std::string_view query, std::string_view name) {
  std::optional<std::string> found;
  for_each_item(query, '&', [&](std::string_view item) {
    const auto eq = item.find('=');
    if (found || eq == std::string_view::npos || percent_decode(item.substr(0, eq), true) != name)
      return;
    auto value = percent_decode(item.substr(eq + 1), true);
    if (!value.empty())
      found = std::move(value);
  });
  return found;
}

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find_first_of("?#"));
}

std::string_view query_of(std::string_view target) {
  const auto q = target.find('?');
  if (q == std::string_view::npos)
    return {};
  return target.substr(q + 1, target.find('#', q) - q - 1);
}

/// The console token: `?token=`, noVNC's nested `?path=%3Ftoken%3D…`, or
/// the `token` cookie noVNC's pages set. "" if none.
std::string find_token(const request_head& req) {
  const auto query = query_of(req.target);
  if (auto token = query_value(query, "token"))
    return *token;
  if (auto path = query_value(query, "path")) {
    std::string_view nested = *path;
    if (const auto q = nested.find('?'); q != std::string_view::npos)
      nested.remove_prefix(q + 1);
    if (auto token = query_value(nested, "token"))
      return *token;
  }
  std::string token;
  for (const auto& [name, value] : req.headers) {
    if (name != "cookie")
      continue;
    for_each_item(value, ';', [&](std::string_view cookie) {
      const auto eq = cookie.find('=');
      if (!token.empty() || eq == std::string_view::npos || trim(cookie.substr(0, eq)) != "token")
        return;
      auto v = trim(cookie.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"')
        v = v.substr(1, v.size() - 2);
      token = percent_decode(v, false);
    });
  }
  return token;
}

/// True if the comma-separated header value lists `item` (case-insensitive).
bool lists(std::string_view value, std::string_view item) {
  bool found = false;
  for_each_item(value, ',', [&](std::string_view v) { found = found || lower(v) == item; });
  return found;
}

std::string_view reason_phrase(int status) {
  switch (status) {
  case 200:
    return "OK";
  case 400:
    return "Bad Request";
  case 403:
    return "Forbidden";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 426:
    return "Upgrade Required";
  case 502:
    return "Bad Gateway";
  case 503:
    return "Service Unavailable";
  default:
    return "Error";
  }
}

std::string response_head(int status, std::string_view content_type, uint64_t length,
                          std::string_view extra_headers = {}) {
  std::string head = "HTTP/1.1 " + std::to_string(status) + " ";
  head += reason_phrase(status);
  head += "\r\nContent-Type: ";
  head += content_type;
  head += "\r\nContent-Length: " + std::to_string(length) + "\r\n";
  head += extra_headers;
  head += "Connection: close\r\n\r\n";
  return head;
}

/// Sends a short text response and closes the connection.
void reject(unique_fd& fd, int stop_fd, int status, std::string_view text,
            std::string_view extra_headers = {}) {
  const std::string body = std::string(text) + "\n";
  if (send_all(fd.get(),
               response_head(status, "text/plain; charset=utf-8", body.size(), extra_headers) +
                   body,
               stop_fd))
    linger_and_close(fd, stop_fd);
}

std::string_view content_type_for(std::string_view path) {
  const auto name = path.substr(path.rfind('/') + 1);
  const auto dot = name.rfind('.');
  const auto ext = dot == std::string_view::npos ? std::string() : lower(name.substr(dot + 1));
  if (ext == "html" || ext == "htm")
    return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs")
    return "application/javascript";
  if (ext == "css")
    return "text/css";
  if (ext == "svg")
    return "image/svg+xml";
  if (ext == "png")
    return "image/png";
  if (ext == "ico")
    return "image/x-icon";
  if (ext == "json")
    return "application/json";
  if (ext == "wasm")
    return "application/wasm";
  return "application/octet-stream";
}

enum class head_result { complete, too_large, gone };

/// Reads until the blank line that ends the request head; `buffer` holds
/// the head and whatever followed it, `head_size` where the blank line starts.
head_result read_head(int fd, int stop_fd, std::string& buffer, std::size_t& head_size) {
  const auto deadline = clock::now() + head_timeout;
  char chunk[4096];
  for (;;) {
    const auto end = buffer.find("\r\n\r\n");
    if (end != std::string::npos) {
      head_size = end;
      return end + 4 <= max_head_bytes ? head_result::complete : head_result::too_large;
    }
    if (buffer.size() >= max_head_bytes)
      return head_result::too_large;
    const auto n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      buffer.append(chunk, static_cast<std::size_t>(n));
    } else if (n == 0) {
      return head_result::gone;
    } else if (errno == EINTR) {
      continue;
    } else if (!would_block() || wait_for(fd, POLLIN, stop_fd, deadline) != wait_result::ready) {
      return head_result::gone;
    }
  }
}

// ---------------------------------------------------------------------------
// WebSocket framing (RFC 6455, section 5)

enum opcode : uint8_t {
  op_continuation = 0x0,
  op_text = 0x1,
  op_binary = 0x2,
  op_close = 0x8,
  op_ping = 0x9,
  op_pong = 0xA,
};

constexpr uint16_t close_normal = 1000;
constexpr uint16_t close_protocol_error = 1002;
constexpr uint16_t close_too_big = 1009;
constexpr uint16_t close_internal_error = 1011;

bool is_control(uint8_t op) {
  return (op & 0x8) != 0;
}

/// The server's frames: whole (FIN) and unmasked.
void append_frame(std::string& out, uint8_t op, std::string_view payload) {
  out += static_cast<char>(0x80 | op);
  const uint64_t n = payload.size();
  if (n < 126) {
    out += static_cast<char>(n);
  } else if (n <= 0xFFFF) {
    out += static_cast<char>(126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xFF);
  } else {
    out += static_cast<char>(127);
    for (int shift = 56; shift >= 0; shift -= 8)
      out += static_cast<char>((n >> shift) & 0xFF);
  }
  out.append(payload);
}

std::string close_payload(uint16_t code) {
  return {static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
}

/// Decodes a client's frames as they arrive. Data payloads stream out
/// unmasked without being gathered (a message may be large and is just
/// bytes for the console); control frames are gathered and handed back.
class frame_reader {
public:
  struct event {
    enum kind_t { need_more, ping, pong, close, failed } kind = need_more;
    std::string payload; // a ping's or a close's payload
    uint16_t code = 0;   // when failed: the close code to answer with
  };

  void append(const char* data, std::size_t n) {
    input_.erase(0, pos_);
    pos_ = 0;
    input_.append(data, n);
  }

  /// Appends data bytes to `data` until a control frame completes, the
  /// input runs out, or the client breaks the protocol.
  event next(std::string& data) {
    for (;;) {
      if (!in_payload_) {
        if (auto broken = read_header())
          return *broken;
        if (!in_payload_)
          return {};
      }
      const uint64_t available = input_.size() - pos_;
      const auto n = static_cast<std::size_t>(std::min(remaining_, available));
      auto& out = is_control(opcode_) ? control_ : data;
      out.reserve(out.size() + n);
      for (std::size_t i = 0; i < n; ++i)
        out += static_cast<char>(input_[pos_ + i] ^ mask_[(offset_ + i) % 4]);
      pos_ += n;
      offset_ += n;
      remaining_ -= n;
      if (remaining_ > 0)
        return {};
      in_payload_ = false;
      if (is_control(opcode_)) {
        event e;
        e.kind = opcode_ == op_ping ? event::ping : opcode_ == op_pong ? event::pong : event::close;
        e.payload = std::exchange(control_, {});
        return e;
      }
    }
  }

private:
  static event failure(uint16_t code) {
    event e;
    e.kind = event::failed;
    e.code = code;
    return e;
  }

  /// Starts the next frame if its whole header is in; a failure if the
  /// header breaks the protocol.
  std::optional<event> read_header() {
    const auto* p = reinterpret_cast<const unsigned char*>(input_.data()) + pos_;
    const std::size_t available = input_.size() - pos_;
    if (available < 2)
      return std::nullopt;
    const bool fin = (p[0] & 0x80) != 0;
    const uint8_t op = p[0] & 0x0F;
    if ((p[0] & 0x70) != 0 || (p[1] & 0x80) == 0)
      return failure(close_protocol_error); // no extension was agreed; clients must mask
    uint64_t length = p[1] & 0x7F;
    const std::size_t length_bytes = length == 126 ? 2 : length == 127 ? 8 : 0;
    const std::size_t header = 2 + length_bytes + 4;
    if (available < header)
      return std::nullopt;
    if (length_bytes > 0) {
      length = 0;
      for (std::size_t i = 0; i < length_bytes; ++i)
        length = (length << 8) | p[2 + i];
    }

    if (is_control(op)) {
      if (!fin || length > 125 || (op != op_close && op != op_ping && op != op_pong))
        return failure(close_protocol_error);
    } else if (op == op_continuation ? !in_message_
                                     : (op != op_text && op != op_binary) || in_message_) {
      return failure(close_protocol_error);
    }
    if (length > max_frame_payload)
      return failure(close_too_big);
    if (!is_control(op))
      in_message_ = !fin;

    std::memcpy(mask_, p + header - 4, 4);
    pos_ += header;
    opcode_ = op;
    remaining_ = length;
    offset_ = 0;
    in_payload_ = true;
    return std::nullopt;
  }

  std::string input_;
  std::size_t pos_ = 0; // input_ before this is consumed
  bool in_payload_ = false;
  bool in_message_ = false; // a fragmented message awaits continuations
  uint8_t opcode_ = 0;
  unsigned char mask_[4] = {};
  uint64_t remaining_ = 0; // payload bytes of the current frame still to come
  uint64_t offset_ = 0;    // payload bytes of the current frame already unmasked
  std::string control_;
};

std::string websocket_accept(std::string_view key) {
  const std::string keyed = std::string(key) + std::string(websocket_guid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  ::SHA1(reinterpret_cast<const unsigned char*>(keyed.data()), keyed.size(), digest);
  unsigned char encoded[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  const int n = ::EVP_EncodeBlock(encoded, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(n));
}

// ---------------------------------------------------------------------------
// The relay

/// Moves bytes between the websocket and the console until either ends,
/// then finishes the close handshake (bounded by close_timeout).
/// `client_input` holds frames that arrived with the handshake.
void relay(int client, int console, int stop_fd, const std::string& client_input) {
  frame_reader reader;
  reader.append(client_input.data(), client_input.size());
  std::string to_console, to_client;
  bool console_open = true;
  bool client_reading = true; // until its close frame, or its protocol error
  bool close_sent = false;
  std::optional<clock::time_point> deadline; // once closing has begun
  char chunk[io_chunk];

  auto send_close = [&](std::string_view payload) {
    if (!close_sent)
      append_frame(to_client, op_close, payload);
    close_sent = true;
    if (!deadline)
      deadline = clock::now() + close_timeout;
  };
  auto console_gone = [&](uint16_t code) {
    console_open = false;
    to_console.clear();
    send_close(close_payload(code)); // then wait for the client's close
  };
  auto decode = [&] {
    while (client_reading) {
      auto e = reader.next(to_console);
      if (e.kind == frame_reader::event::need_more)
        break;
      if (e.kind == frame_reader::event::ping && !close_sent)
        append_frame(to_client, op_pong, e.payload);
      if (e.kind == frame_reader::event::close || e.kind == frame_reader::event::failed) {
        client_reading = false;
        // A close is answered with its status code (if it had one), as
        // RFC 6455 asks; a broken frame with the code saying why.
        send_close(e.kind == frame_reader::event::close ? e.payload.substr(0, 2)
                                                        : close_payload(e.code));
      }
    }
    if (!console_open)
      to_console.clear();
  };

  decode();
  for (;;) {
    if (!client_reading && to_client.empty() && to_console.empty())
      return;
    const bool read_client = client_reading && to_console.size() < relay_backlog;
    const bool read_console = console_open && !close_sent && to_client.size() < relay_backlog;
    const short client_events = (read_client ? POLLIN : 0) | (to_client.empty() ? 0 : POLLOUT);
    const short console_events =
        (read_console ? POLLIN : 0) | (to_console.empty() || !console_open ? 0 : POLLOUT);
    // A descriptor nothing is wanted from is left out, so its hang-up
    // cannot spin the loop.
    pollfd fds[3] = {{stop_fd, POLLIN, 0},
                     {client_events ? client : -1, client_events, 0},
                     {console_events ? console : -1, console_events, 0}};
    const int n = ::poll(fds, 3, deadline ? poll_timeout(*deadline) : -1);
    if (n < 0 && errno != EINTR)
      return;
    if (fds[0].revents != 0 || (deadline && clock::now() >= *deadline))
      return;
    if (n <= 0)
      continue;

    if (fds[1].revents != 0 && read_client) {
      const auto got = ::recv(client, chunk, sizeof chunk, 0);
      if (got == 0 || (got < 0 && errno != EINTR && !would_block()))
        return; // the browser went away: nothing more to say to it
      if (got > 0) {
        reader.append(chunk, static_cast<std::size_t>(got));
        decode();
      }
    }
    if (fds[2].revents != 0 && read_console) {
      const auto got = ::recv(console, chunk, sizeof chunk, 0);
      if (got > 0)
        append_frame(to_client, op_binary, std::string_view(chunk, static_cast<std::size_t>(got)));
      else if (got == 0)
        console_gone(close_normal);
      else if (errno != EINTR && !would_block())
        console_gone(close_internal_error);
    }
    if (fds[1].revents != 0 && !to_client.empty()) {
      const auto sent = ::send(client, to_client.data(), to_client.size(), MSG_NOSIGNAL);
      if (sent > 0)
        to_client.erase(0, static_cast<std::size_t>(sent));
      else if (sent < 0 && errno != EINTR && !would_block())
        return;
    }
    if (fds[2].revents != 0 && console_open && !to_console.empty()) {
      const auto sent = ::send(console, to_console.data(), to_console.size(), MSG_NOSIGNAL);
      if (sent > 0)
        to_console.erase(0, static_cast<std::size_t>(sent));
      else if (sent < 0 && errno != EINTR && !would_block())
        console_gone(close_internal_error);
    }
  }
}

/// Connects to the console's endpoint; an empty descriptor if it cannot.
unique_fd connect_to(const console_endpoint& endpoint, int stop_fd) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const auto service = std::to_string(endpoint.port);
  if (endpoint.host.empty() || endpoint.port == 0 ||
      ::getaddrinfo(endpoint.host.c_str(), service.c_str(), &hints, &found) != 0)
    return {};
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);
  const auto deadline = clock::now() + connect_timeout;
  for (auto* a = found; a != nullptr; a = a->ai_next) {
    unique_fd fd(
        ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
    if (fd.get() < 0)
      continue;
    if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) != 0) {
      if (errno != EINPROGRESS ||
          wait_for(fd.get(), POLLOUT, stop_fd, deadline) != wait_result::ready)
        continue;
      int error = 0;
      socklen_t size = sizeof error;
      if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &size) != 0 || error != 0)
        continue;
    }
    set_no_delay(fd.get());
    return fd;
  }
  return {};
}

// ---------------------------------------------------------------------------
// One connection: a websocket to relay, or a static file

struct connection_context {
  int stop_fd;
  const std::string& static_dir;
  const token_check& check;
};

void open_websocket(unique_fd& client, const request_head& req, const std::string& after_head,
                    const connection_context& ctx) {
  const auto key = req.header("sec-websocket-key");
  const auto version = req.header("sec-websocket-version");
  if (req.method != "GET" || key.empty())
    return reject(client, ctx.stop_fd, 400, "Bad websocket handshake.");
  if (!version.empty() && version != "13")
    return reject(client, ctx.stop_fd, 426, "Unsupported websocket version.",
                  "Sec-WebSocket-Version: 13\r\n");

  const auto token = find_token(req);
  std::optional<console_endpoint> endpoint;
  if (!token.empty()) {
    try {
      endpoint = ctx.check(token);
    } catch (...) {
      return reject(client, ctx.stop_fd, 503, "The console service is unavailable.");
    }
  }
  if (!endpoint)
    return reject(client, ctx.stop_fd, 403, "The token is invalid or expired.");

  auto console = connect_to(*endpoint, ctx.stop_fd);
  if (console.get() < 0)
    return reject(client, ctx.stop_fd, 502, "The console cannot be reached.");

  std::string answer = "HTTP/1.1 101 Switching Protocols\r\n"
                       "Upgrade: websocket\r\n"
                       "Connection: Upgrade\r\n"
                       "Sec-WebSocket-Accept: " +
                       websocket_accept(key) + "\r\n";
  // noVNC asks for "binary"; a client that asks for no subprotocol gets none.
  if (lists(req.header("sec-websocket-protocol"), "binary"))
    answer += "Sec-WebSocket-Protocol: binary\r\n";
  answer += "\r\n";
  if (!send_all(client.get(), answer, ctx.stop_fd))
    return;
  relay(client.get(), console.get(), ctx.stop_fd, after_head);
}

void serve_file(unique_fd& client, const request_head& req, const connection_context& ctx) {
  auto path = percent_decode(path_of(req.target), false);
  if (ctx.static_dir.empty() || path.find("..") != std::string::npos ||
      path.find('\0') != std::string::npos)
    return reject(client, ctx.stop_fd, 404, "Not found.");
  auto relative = std::string_view(path);
  while (!relative.empty() && relative.front() == '/')
    relative.remove_prefix(1);
  const std::string file =
      ctx.static_dir + "/" + std::string(relative.empty() ? "vnc_lite.html" : relative);

  // O_NONBLOCK: a FIFO in the directory must not hang the thread.
  unique_fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  struct stat info {};
  if (fd.get() < 0 || ::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode))
    return reject(client, ctx.stop_fd, 404, "Not found.");

  const auto size = static_cast<uint64_t>(info.st_size);
  if (!send_all(client.get(), response_head(200, content_type_for(file), size), ctx.stop_fd) ||
      req.method == "HEAD")
    return;
  std::vector<char> chunk(io_chunk);
  for (uint64_t left = size; left > 0;) {
    const auto n = ::read(fd.get(), chunk.data(),
                          static_cast<std::size_t>(std::min<uint64_t>(left, chunk.size())));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0 ||
        !send_all(client.get(), std::string_view(chunk.data(), static_cast<std::size_t>(n)),
                  ctx.stop_fd))
      return; // cut short: the client sees fewer bytes than announced
    left -= static_cast<uint64_t>(n);
  }
}

void serve_connection(unique_fd client, const connection_context& ctx) {
  set_no_delay(client.get());
  std::string buffer;
  std::size_t head_size = 0;
  switch (read_head(client.get(), ctx.stop_fd, buffer, head_size)) {
  case head_result::gone:
    return;
  case head_result::too_large:
    return reject(client, ctx.stop_fd, 400, "The request head is too large.");
  case head_result::complete:
    break;
  }
  const auto req = parse_head(std::string_view(buffer).substr(0, head_size));
  if (!req)
    return reject(client, ctx.stop_fd, 400, "Bad request.");
  buffer.erase(0, head_size + 4);

  if (lists(req->header("upgrade"), "websocket"))
    return open_websocket(client, *req, buffer, ctx);
  if (req->method == "GET" || req->method == "HEAD")
    return serve_file(client, *req, ctx);
  reject(client, ctx.stop_fd, 405, "Method not allowed.", "Allow: GET, HEAD\r\n");
}

unique_fd listen_on(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const auto service = std::to_string(port);
  if (const int rc =
          ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found);
      rc != 0)
    throw std::runtime_error("console proxy cannot resolve " + host + ": " + ::gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);
  int error = 0;
  for (auto* a = found; a != nullptr; a = a->ai_next) {
    unique_fd fd(
        ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
    const int one = 1;
    if (fd.get() >= 0 && ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
        ::bind(fd.get(), a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd.get(), SOMAXCONN) == 0)
      return fd;
    error = errno;
  }
  throw std::runtime_error("console proxy cannot listen on " + host + ":" + service + ": " +
                           std::strerror(error));
}

} // namespace

// ---------------------------------------------------------------------------
// The proxy: one acceptor thread, one thread per connection

struct websocket_proxy::impl {
  struct worker {
    std::thread thread;
    std::atomic<bool> done{false};
  };

  std::string static_dir;
  token_check check;
  unique_fd listener;
  // Written once by the destructor and never read: readable from then on,
  // it wakes every poll() in every thread.
  unique_fd stop{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
  uint16_t port = 0;
  std::list<std::unique_ptr<worker>> workers; // the acceptor's, then the destructor's
  std::thread acceptor;

  void accept_loop() {
    for (;;) {
      reap_finished();
      pollfd fds[2] = {{stop.get(), POLLIN, 0}, {listener.get(), POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0 && errno != EINTR)
        return;
      if (fds[0].revents != 0)
        return;
      if (fds[1].revents == 0)
        continue;
      unique_fd client(::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
      if (client.get() < 0) {
        // Out of descriptors or memory: the listener stays readable, so
        // back off instead of spinning.
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          pollfd pause{stop.get(), POLLIN, 0};
          ::poll(&pause, 1, 100);
        }
        continue;
      }
      if (workers.size() >= max_connections)
        continue; // dropped (closed) rather than starving the machine of threads
      start_worker(std::move(client));
    }
  }

  void start_worker(unique_fd client) {
    auto w = std::make_unique<worker>();
    auto* done = &w->done;
    try {
      w->thread = std::thread([this, done, fd = std::move(client)]() mutable {
        try {
          serve_connection(std::move(fd), connection_context{stop.get(), static_dir, check});
        } catch (...) {
          // A failing connection closes only itself.
        }
        done->store(true, std::memory_order_release);
      });
    } catch (const std::system_error&) {
      return; // no thread to be had: the connection closes
    }
    workers.push_back(std::move(w));
  }

  void reap_finished() {
    for (auto it = workers.begin(); it != workers.end();) {
      if ((*it)->done.load(std::memory_order_acquire)) {
        (*it)->thread.join();
        it = workers.erase(it);
      } else {
        ++it;
      }
    }
  }
};

websocket_proxy::websocket_proxy(std::string host, uint16_t port, std::string static_dir,
                                 token_check check)
    : impl_(std::make_unique<impl>()) {
  if (impl_->stop.get() < 0)
    throw std::runtime_error(std::string("console proxy cannot make an eventfd: ") +
                             std::strerror(errno));
  impl_->static_dir = std::move(static_dir);
  while (impl_->static_dir.size() > 1 && impl_->static_dir.back() == '/')
    impl_->static_dir.pop_back();
  impl_->check = std::move(check);
  impl_->listener = listen_on(host, port);

  sockaddr_storage bound{};
  socklen_t size = sizeof bound;
  if (::getsockname(impl_->listener.get(), reinterpret_cast<sockaddr*>(&bound), &size) != 0)
    throw std::runtime_error(std::string("console proxy: getsockname: ") + std::strerror(errno));
  impl_->port =
      ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                        : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  impl_->acceptor = std::thread([self = impl_.get()] { self->accept_loop(); });
}

websocket_proxy::~websocket_proxy() {
  const uint64_t one = 1;
  [[maybe_unused]] const auto written = ::write(impl_->stop.get(), &one, sizeof one);
  if (impl_->acceptor.joinable())
    impl_->acceptor.join();
  for (auto& w : impl_->workers)
    w->thread.join();
}

uint16_t websocket_proxy::port() const {
  return impl_->port;
}

} // namespace stratus::console
