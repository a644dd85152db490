// The console proxy over real sockets, as a browser's noVNC meets it: the
// websocket handshake, the token in each place noVNC puts it, the relay
// to a console (a fake VNC server), refusals, noVNC's files, hostile
// input, and a destructor that does not wait for relays to end.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "actors/console/websocket_proxy.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

using namespace stratus::console;
using namespace std::chrono_literals;

namespace {

const std::string greeting = "RFB 003.008\n";

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string expected_accept(const std::string& key) {
  const std::string keyed = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string digest(SHA_DIGEST_LENGTH, '\0');
  SHA1(reinterpret_cast<const unsigned char*>(keyed.data()), keyed.size(),
       reinterpret_cast<unsigned char*>(digest.data()));
  return base64(digest);
}

std::string random_bytes(std::size_t n) {
  static std::mt19937 rng{std::random_device{}()};
  std::string out(n, '\0');
  for (auto& c : out)
    c = static_cast<char>(rng() & 0xFF);
  return out;
}

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

/// A VNC server as far as the proxy can tell: greets each connection the
/// way RFB does, then echoes what it receives. One thread, one poll loop.
class fake_console {
public:
  fake_console() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    auto a = loopback(0);
    socklen_t size = sizeof a;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &size) != 0 || ::pipe(stop_) != 0)
      throw std::runtime_error("fake console cannot listen");
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~fake_console() {
    ::close(stop_[1]);
    thread_.join();
    ::close(stop_[0]);
    ::close(listener_);
  }
  uint16_t port() const {
    return port_;
  }
  int accepted() const {
    return accepted_;
  }
  int closed() const {
    return closed_;
  }

private:
  void run() {
    std::vector<pollfd> fds{{stop_[0], POLLIN, 0}, {listener_, POLLIN, 0}};
    for (;;) {
      if (::poll(fds.data(), fds.size(), -1) < 0)
        continue;
      if (fds[0].revents != 0)
        break;
      if (fds[1].revents != 0) {
        const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) {
          ::send(fd, greeting.data(), greeting.size(), MSG_NOSIGNAL);
          fds.push_back({fd, POLLIN, 0});
          ++accepted_;
        }
      }
      for (std::size_t i = 2; i < fds.size();) {
        char buf[65536];
        const auto n = fds[i].revents == 0 ? 1 : ::recv(fds[i].fd, buf, sizeof buf, 0);
        if (n > 0) {
          if (fds[i].revents != 0)
            ::send(fds[i].fd, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL);
          ++i;
          continue;
        }
        ::close(fds[i].fd);
        fds.erase(fds.begin() + static_cast<std::ptrdiff_t>(i));
        ++closed_;
      }
    }
    for (std::size_t i = 2; i < fds.size(); ++i)
      ::close(fds[i].fd);
  }

  int listener_ = -1;
  int stop_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::atomic<int> accepted_{0};
  std::atomic<int> closed_{0};
  std::thread thread_;
};

struct frame {
  uint8_t opcode = 0;
  bool fin = false;
  std::string payload;
};

/// A browser's side of one connection, over a plain blocking socket (reads
/// give up after a few seconds, so a broken proxy fails a test, not hangs it).
class client {
public:
  explicit client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    auto a = loopback(port);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("cannot connect to the proxy");
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~client() {
    ::close(fd_);
  }

  void send(const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      const auto n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0)
        throw std::runtime_error("send failed");
      done += static_cast<std::size_t>(n);
    }
  }

  /// The response head (status line and headers), "" if the connection ended first.
  std::string head() {
    while (buffer_.find("\r\n\r\n") == std::string::npos)
      if (!fill())
        return {};
    const auto end = buffer_.find("\r\n\r\n") + 4;
    auto h = buffer_.substr(0, end);
    buffer_.erase(0, end);
    return h;
  }

  /// Everything until the proxy closes the connection.
  std::string rest() {
    while (fill()) {
    }
    return std::exchange(buffer_, {});
  }

  /// Opens a websocket on `target`; the response head. Checks the accept key.
  std::string handshake(const std::string& target, const std::string& extra = "") {
    const auto key = base64(random_bytes(16));
    send("GET " + target +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
         "Connection: Upgrade\r\nSec-WebSocket-Key: " +
         key + "\r\nSec-WebSocket-Version: 13\r\n" + extra + "\r\n");
    auto h = head();
    if (h.rfind("HTTP/1.1 101 ", 0) == 0) {
      EXPECT_NE(h.find("Sec-WebSocket-Accept: " + expected_accept(key) + "\r\n"), std::string::npos)
          << h;
    }
    return h;
  }

  /// A masked frame, as clients must send them.
  void send_frame(uint8_t opcode, const std::string& payload, bool fin = true) {
    std::string f;
    f += static_cast<char>((fin ? 0x80 : 0) | opcode);
    const uint64_t n = payload.size();
    if (n < 126) {
      f += static_cast<char>(0x80 | n);
    } else if (n <= 0xFFFF) {
      f += static_cast<char>(0x80 | 126);
      f += static_cast<char>(n >> 8);
      f += static_cast<char>(n & 0xFF);
    } else {
      f += static_cast<char>(0x80 | 127);
      for (int shift = 56; shift >= 0; shift -= 8)
        f += static_cast<char>((n >> shift) & 0xFF);
    }
    const auto mask = random_bytes(4);
    f += mask;
    for (std::size_t i = 0; i < payload.size(); ++i)
      f += static_cast<char>(payload[i] ^ mask[i % 4]);
    send(f);
  }

  /// The next frame; nullopt if the connection ended.
  std::optional<frame> read_frame() {
    if (!want(2))
      return std::nullopt;
    frame f;
    f.fin = (buffer_[0] & 0x80) != 0;
    f.opcode = buffer_[0] & 0x0F;
    EXPECT_EQ(buffer_[1] & 0x80, 0) << "a server's frames are not masked";
    uint64_t length = buffer_[1] & 0x7F;
    const std::size_t extra = length == 126 ? 2 : length == 127 ? 8 : 0;
    if (!want(2 + extra))
      return std::nullopt;
    if (extra > 0) {
      length = 0;
      for (std::size_t i = 0; i < extra; ++i)
        length = (length << 8) | static_cast<unsigned char>(buffer_[2 + i]);
    }
    if (!want(2 + extra + length))
      return std::nullopt;
    f.payload = buffer_.substr(2 + extra, length);
    buffer_.erase(0, 2 + extra + length);
    return f;
  }

  /// Binary frames' payloads until `n` bytes came; what came if the
  /// connection ended or another kind of frame arrived.
  std::string read_bytes(std::size_t n) {
    std::string got;
    while (got.size() < n) {
      auto f = read_frame();
      if (!f || f->opcode != 0x2)
        break;
      got += f->payload;
    }
    return got;
  }

  /// True once the proxy has closed (or reset) the connection, within the
  /// read timeout, with nothing more to read.
  bool closed_by_peer() {
    char c;
    const auto n = ::recv(fd_, &c, 1, 0);
    return buffer_.empty() && (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK));
  }

private:
  bool fill() {
    char chunk[65536];
    const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0)
      return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
  bool want(std::size_t n) {
    while (buffer_.size() < n)
      if (!fill())
        return false;
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
};

std::string status_line(const std::string& head) {
  return head.substr(0, head.find("\r\n"));
}

/// A proxy whose only good token is "good", leading to the fake console.
class WebsocketProxy : public ::testing::Test {
protected:
  WebsocketProxy() {
    write_file("vnc_lite.html", "<html>noVNC lite</html>");
    std::filesystem::create_directories(files.path() / "core");
    write_file("core/rfb.js", "export default class RFB {}");
    proxy = std::make_unique<websocket_proxy>(
        "127.0.0.1", 0, files.path().string(), [this](const std::string& token) {
          std::lock_guard lock(mutex);
          tokens_seen.push_back(token);
          return token == "good" ? std::optional(console_endpoint{"127.0.0.1", console.port()})
                                 : std::nullopt;
        });
  }

  void write_file(const std::string& name, const std::string& text) {
    std::ofstream(files.path() / name) << text;
  }

  std::vector<std::string> tokens() {
    std::lock_guard lock(mutex);
    return tokens_seen;
  }

  /// A plain GET: the head and body.
  std::pair<std::string, std::string> get(const std::string& target) {
    client c(proxy->port());
    c.send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    auto head = c.head();
    return {head, c.rest()};
  }

  fake_console console;
  stratus::test::temp_dir files;
  std::mutex mutex;
  std::vector<std::string> tokens_seen;
  std::unique_ptr<websocket_proxy> proxy;
};

TEST_F(WebsocketProxy, RelaysTheConsoleBothWays) {
  client c(proxy->port());
  const auto head = c.handshake("/?token=good", "Sec-WebSocket-Protocol: binary\r\n");
  ASSERT_EQ(status_line(head), "HTTP/1.1 101 Switching Protocols") << head;
  EXPECT_NE(head.find("Sec-WebSocket-Protocol: binary\r\n"), std::string::npos) << head;

  auto first = c.read_frame();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->opcode, 0x2);
  EXPECT_TRUE(first->fin);
  EXPECT_EQ(first->payload, greeting);

  c.send_frame(0x2, "hello");
  EXPECT_EQ(c.read_bytes(5), "hello");
  EXPECT_EQ(tokens(), std::vector<std::string>{"good"});
}

TEST_F(WebsocketProxy, AnswersTheRfcSampleKey) {
  client c(proxy->port());
  c.send("GET /?token=good HTTP/1.1\r\nHost: x\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  const auto head = c.head();
  EXPECT_EQ(status_line(head), "HTTP/1.1 101 Switching Protocols");
  EXPECT_NE(head.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos)
      << head;
  EXPECT_EQ(head.find("Sec-WebSocket-Protocol"), std::string::npos) << "none was offered";
}

TEST_F(WebsocketProxy, FindsTheTokenWhereverNoVncPutsIt) {
  for (const std::string target :
       {"/websockify?path=%3Ftoken%3Dgood", "/?path=websockify%3Ftoken%3Dgood", "/?token=good",
        "/?token=go%6Fd"}) {
    client c(proxy->port());
    ASSERT_EQ(status_line(c.handshake(target)), "HTTP/1.1 101 Switching Protocols") << target;
    EXPECT_EQ(c.read_bytes(greeting.size()), greeting) << target;
  }
  client cookie(proxy->port());
  ASSERT_EQ(status_line(cookie.handshake("/websockify", "Cookie: lang=en; token=good\r\n")),
            "HTTP/1.1 101 Switching Protocols");
  EXPECT_EQ(cookie.read_bytes(greeting.size()), greeting);
}

TEST_F(WebsocketProxy, RefusesABadTokenWithoutTouchingTheConsole) {
  for (const std::string target : {"/?token=forged", "/?path=%3Ftoken%3Dforged", "/websockify"}) {
    client c(proxy->port());
    const auto head = c.handshake(target);
    EXPECT_EQ(status_line(head), "HTTP/1.1 403 Forbidden") << target;
    EXPECT_EQ(c.rest(), "The token is invalid or expired.\n");
  }
  EXPECT_EQ(tokens(), (std::vector<std::string>{"forged", "forged"})) << "no token, no check";

  // A good one afterwards is the console's first connection: the refused
  // ones, which came before it, never reached it.
  client good(proxy->port());
  ASSERT_EQ(status_line(good.handshake("/?token=good")), "HTTP/1.1 101 Switching Protocols");
  EXPECT_EQ(good.read_bytes(greeting.size()), greeting);
  EXPECT_EQ(console.accepted(), 1);
}

TEST_F(WebsocketProxy, AnswersBadGatewayWhenTheConsoleIsGone) {
  int unused = ::socket(AF_INET, SOCK_STREAM, 0);
  auto a = loopback(0);
  socklen_t size = sizeof a;
  ASSERT_EQ(::bind(unused, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::getsockname(unused, reinterpret_cast<sockaddr*>(&a), &size), 0);
  const uint16_t closed_port = ntohs(a.sin_port); // bound, never listening: refused
  websocket_proxy nowhere("127.0.0.1", 0, "", [&](const std::string&) {
    return std::optional(console_endpoint{"127.0.0.1", closed_port});
  });
  client c(nowhere.port());
  EXPECT_EQ(status_line(c.handshake("/?token=any")), "HTTP/1.1 502 Bad Gateway");
  ::close(unused);
}

TEST_F(WebsocketProxy, CarriesFragmentedTextAndLargeFrames) {
  client c(proxy->port());
  ASSERT_EQ(status_line(c.handshake("/?token=good")), "HTTP/1.1 101 Switching Protocols");
  ASSERT_EQ(c.read_bytes(greeting.size()), greeting);

  c.send_frame(0x1, "hel", false); // text, then a continuation: bytes all the same
  c.send_frame(0x0, "lo", true);
  EXPECT_EQ(c.read_bytes(5), "hello");

  const auto medium = random_bytes(300);   // 16-bit length
  const auto large = random_bytes(100000); // 64-bit length
  c.send_frame(0x2, medium);
  EXPECT_EQ(c.read_bytes(medium.size()), medium);
  c.send_frame(0x2, large);
  EXPECT_EQ(c.read_bytes(large.size()), large);
}

TEST_F(WebsocketProxy, AnswersPingsAndCloses) {
  client c(proxy->port());
  ASSERT_EQ(status_line(c.handshake("/?token=good")), "HTTP/1.1 101 Switching Protocols");
  ASSERT_EQ(c.read_bytes(greeting.size()), greeting);

  c.send_frame(0x9, "are you there");
  auto pong = c.read_frame();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->opcode, 0xA);
  EXPECT_EQ(pong->payload, "are you there");

  c.send_frame(0x8, std::string("\x03\xe8", 2) + "bye");
  auto close = c.read_frame();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->opcode, 0x8);
  EXPECT_EQ(close->payload, std::string("\x03\xe8", 2));
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_TRUE(stratus::test::wait_until([&] { return console.closed() == 1; }, 5s))
      << "the console's connection ends with the websocket";
}

TEST_F(WebsocketProxy, ClosesWhenTheClientBreaksTheProtocol) {
  client c(proxy->port());
  ASSERT_EQ(status_line(c.handshake("/?token=good")), "HTTP/1.1 101 Switching Protocols");
  ASSERT_EQ(c.read_bytes(greeting.size()), greeting);
  c.send(std::string("\x82\x05hello", 7)); // unmasked
  auto close = c.read_frame();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->opcode, 0x8);
  EXPECT_EQ(close->payload, std::string("\x03\xea", 2)); // 1002: protocol error
  EXPECT_TRUE(c.closed_by_peer());

  client big(proxy->port());
  ASSERT_EQ(status_line(big.handshake("/?token=good")), "HTTP/1.1 101 Switching Protocols");
  ASSERT_EQ(big.read_bytes(greeting.size()), greeting);
  big.send(std::string("\x82\xff\x00\x00\x00\x00\x01\x00\x00\x01", 10) + "mask"); // 16 MiB + 1
  close = big.read_frame();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->payload, std::string("\x03\xf1", 2)); // 1009: too big
}

TEST_F(WebsocketProxy, EndsTheWebsocketWhenTheConsoleCloses) {
  // A console the test closes right after it is connected to.
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  auto a = loopback(0);
  socklen_t size = sizeof a;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &size), 0);
  websocket_proxy to_gone("127.0.0.1", 0, "", [port = ntohs(a.sin_port)](const std::string&) {
    return std::optional(console_endpoint{"127.0.0.1", port});
  });
  client c(to_gone.port());
  ASSERT_EQ(status_line(c.handshake("/?token=any")), "HTTP/1.1 101 Switching Protocols");
  ::close(::accept(listener, nullptr, nullptr));
  auto close = c.read_frame();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->opcode, 0x8);
  c.send_frame(0x8, close->payload); // the browser's answer completes the handshake
  EXPECT_TRUE(c.closed_by_peer());
  ::close(listener);
}

TEST_F(WebsocketProxy, ServesNoVncsFiles) {
  auto [head, body] = get("/");
  EXPECT_EQ(status_line(head), "HTTP/1.1 200 OK");
  EXPECT_NE(head.find("Content-Type: text/html"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Length: 23\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Connection: close\r\n"), std::string::npos) << head;
  EXPECT_EQ(body, "<html>noVNC lite</html>");

  std::tie(head, body) = get("/vnc_lite.html?path=%3Ftoken%3Dgood");
  EXPECT_EQ(status_line(head), "HTTP/1.1 200 OK");
  EXPECT_EQ(body, "<html>noVNC lite</html>");

  std::tie(head, body) = get("/core/rfb.js");
  EXPECT_EQ(status_line(head), "HTTP/1.1 200 OK");
  EXPECT_NE(head.find("Content-Type: application/javascript\r\n"), std::string::npos) << head;
  EXPECT_EQ(body, "export default class RFB {}");

  for (const std::string missing :
       {"/../etc/passwd", "/core/../../etc/passwd", "/%2e%2e/etc/passwd", "/nothing.js", "/core"})
    EXPECT_EQ(status_line(get(missing).first), "HTTP/1.1 404 Not Found") << missing;

  client post(proxy->port());
  post.send("POST /vnc_lite.html HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");
  EXPECT_EQ(status_line(post.head()), "HTTP/1.1 405 Method Not Allowed");
  EXPECT_TRUE(tokens().empty());
}

TEST_F(WebsocketProxy, RefusesMalformedRequestsAndCarriesOn) {
  for (const std::string& bad :
       {std::string("NONSENSE\r\n\r\n"), std::string("GET /\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nno colon here\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\n folded: header\r\n\r\n"),
        std::string("GET relative HTTP/1.1\r\n\r\n"), std::string("GET / HTTP/9\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nX: \x01\r\n\r\n"), std::string("\0\0\0\r\n\r\n", 7),
        "GET / HTTP/1.1\r\nX: " + std::string(17000, 'a') + "\r\n\r\n"}) {
    client c(proxy->port());
    c.send(bad);
    EXPECT_EQ(status_line(c.head()), "HTTP/1.1 400 Bad Request") << bad.substr(0, 40);
  }
  client wrong_key(proxy->port());
  wrong_key.send("GET /?token=good HTTP/1.1\r\nUpgrade: websocket\r\n\r\n");
  EXPECT_EQ(status_line(wrong_key.head()), "HTTP/1.1 400 Bad Request");

  client c(proxy->port());
  ASSERT_EQ(status_line(c.handshake("/?token=good")), "HTTP/1.1 101 Switching Protocols");
  EXPECT_EQ(c.read_bytes(greeting.size()), greeting);
}

TEST_F(WebsocketProxy, StopsPromptlyWithARelayOpen) {
  client c(proxy->port());
  ASSERT_EQ(status_line(c.handshake("/?token=good")), "HTTP/1.1 101 Switching Protocols");
  ASSERT_EQ(c.read_bytes(greeting.size()), greeting);
  client idle(proxy->port()); // connected, never sends its request

  const auto start = std::chrono::steady_clock::now();
  proxy.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_TRUE(idle.closed_by_peer());
  EXPECT_TRUE(stratus::test::wait_until([&] { return console.closed() == 1; }, 5s));
}

TEST(WebsocketProxyListen, ThrowsWhenItCannotListen) {
  websocket_proxy first("127.0.0.1", 0, "", [](const std::string&) { return std::nullopt; });
  EXPECT_THROW(websocket_proxy("127.0.0.1", first.port(), "",
                               [](const std::string&) { return std::nullopt; }),
               std::runtime_error);
}

} // namespace
