// The gateway's HTTP server over real sockets: keep-alive, methods it has
// never heard of, bodies over the limit, streamed uploads with
// back-pressure, file responses, answers from other threads.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "actors/gateway/http_server.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

using namespace stratus::gateway;

namespace {

/// A blocking client connection to 127.0.0.1:port.
class client {
public:
  explicit client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("connect failed");
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~client() { ::close(fd_); }

  void send(std::string_view data) {
    while (!data.empty()) {
      auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0)
        throw std::runtime_error("send failed");
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  /// One response: status line, headers, and a Content-Length body. "" if
  /// the server closed the connection first.
  std::string response(bool head_request = false) {
    while (buffer_.find("\r\n\r\n") == std::string::npos)
      if (!fill())
        return {};
    const auto head_end = buffer_.find("\r\n\r\n") + 4;
    std::size_t length = 0;
    auto cl = buffer_.find("Content-Length: ");
    if (cl != std::string::npos && cl < head_end && !head_request)
      length = std::stoul(buffer_.substr(cl + 16));
    while (buffer_.size() < head_end + length)
      if (!fill())
        break;
    auto out = buffer_.substr(0, head_end + length);
    buffer_.erase(0, head_end + length);
    return out;
  }

  bool closed_by_server() {
    char c;
    return ::recv(fd_, &c, 1, 0) == 0;
  }

private:
  bool fill() {
    char buf[65536];
    auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0)
      return false;
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  int fd_ = -1;
  std::string buffer_;
};

/// Echoes method, path, body size and the first query value.
void echo(http_request&& r, http_responder respond) {
  http_response out;
  out.body = r.method + " " + r.path + " " + std::to_string(r.body.size()) +
             (r.body_too_large ? " too-large" : "") +
             (r.query.empty() ? "" : " " + r.query[0].name + "=" + r.query[0].value);
  out.content_type = "text/plain";
  respond(std::move(out));
}

std::string body_of(const std::string& response) {
  return response.substr(response.find("\r\n\r\n") + 4);
}

/// Counts streamed bytes and their sum, asking for more from another thread.
class counting_sink : public body_sink {
public:
  std::atomic<uint64_t> bytes{0}, sum{0}, pieces{0};
  std::atomic<bool> aborted{false};

  void on_start(std::function<void()> more, http_responder) override { more(); }
  void on_data(std::string_view piece, std::function<void()> more) override {
    bytes += piece.size();
    ++pieces;
    uint64_t s = 0;
    for (unsigned char c : piece)
      s += c;
    sum += s;
    if (pieces % 16 == 0)
      std::thread([more] { more(); }).detach();  // from another thread, later: back-pressure
    else
      more();
  }
  void on_end(http_responder respond) override {
    http_response r;
    r.status = 201;
    r.body = std::to_string(bytes.load());
    respond(std::move(r));
  }
  void on_abort() override { aborted = true; }
};

} // namespace

TEST(HttpServer, KeepAliveAndQueries) {
  http_server server({.max_body_bytes = 1024}, echo);
  client c(server.port());
  c.send("GET /a?x=1%202 HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(body_of(c.response()), "GET /a 0 x=1 2");
  c.send("POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello");
  auto second = c.response();
  EXPECT_TRUE(second.starts_with("HTTP/1.1 200 OK\r\n")) << second;
  EXPECT_EQ(body_of(second), "POST /b 5");
}

TEST(HttpServer, UnknownMethodsReachTheHandler) {
  http_server server({}, echo);
  client c(server.port());
  c.send("BREW /pot HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(body_of(c.response()), "BREW /pot 0");
}

TEST(HttpServer, GarbageGetsA400AndTheServerCarriesOn) {
  http_server server({}, echo);
  {
    client c(server.port());
    c.send("\x01\x02 nonsense\r\n\r\n");
    EXPECT_TRUE(c.response().starts_with("HTTP/1.1 400"));
  }
  {
    client c(server.port());
    c.send("GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(100000, 'a') + "\r\n\r\n");
    EXPECT_TRUE(c.response().starts_with("HTTP/1.1 431"));
  }
  client c(server.port());
  c.send("GET /ok HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(body_of(c.response()), "GET /ok 0");
}

TEST(HttpServer, BodiesOverTheLimitAreNotRead) {
  http_server server({.max_body_bytes = 1024}, echo);
  client c(server.port());
  c.send("POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999\r\n\r\n");
  auto r = c.response();
  EXPECT_EQ(body_of(r), "POST /up 0 too-large");
  EXPECT_NE(r.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(c.closed_by_server());
  client chunked(server.port());  // no length announced: found out while reading
  chunked.send("POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" +
               std::string(0x800, 'x') + "\r\n0\r\n\r\n");
  EXPECT_EQ(body_of(chunked.response()), "POST /up 0 too-large");
}

TEST(HttpServer, StreamedBodiesArriveInPiecesOfAFixedSize) {
  auto sink = std::make_shared<counting_sink>();
  http_server server({.max_body_bytes = 1024, .stream_piece_bytes = 64 << 10}, echo,
                     [sink](const http_request& head) {
                       return head.path == "/stream" ? sink : std::shared_ptr<body_sink>{};
                     });
  client c(server.port());
  const std::size_t total = 32u << 20;
  c.send("PUT /stream HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(total) +
         "\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_TRUE(c.response().starts_with("HTTP/1.1 100 Continue"));
  std::string block(1 << 20, '\x07');
  for (std::size_t sent = 0; sent < total; sent += block.size())
    c.send(block);
  auto r = c.response();
  EXPECT_TRUE(r.starts_with("HTTP/1.1 201")) << r;
  EXPECT_EQ(body_of(r), std::to_string(total));
  EXPECT_EQ(sink->sum.load(), 7ull * total);
  EXPECT_GE(sink->pieces.load(), total / (64 << 10));  // never more than a piece at a time
}

TEST(HttpServer, AClientLeavingMidUploadAbortsTheSink) {
  auto sink = std::make_shared<counting_sink>();
  http_server server({}, echo, [sink](const http_request&) { return sink; });
  {
    client c(server.port());
    c.send("PUT /stream HTTP/1.1\r\nHost: h\r\nContent-Length: 1000000\r\n\r\n" +
           std::string(1000, 'x'));
  }
  EXPECT_TRUE(stratus::test::wait_until([&] { return sink->aborted.load(); }, std::chrono::seconds(5)));
}

TEST(HttpServer, FilesAreSentAsResponses) {
  stratus::test::temp_dir dir;
  const auto file = dir.path() / "data";
  std::string content(3 << 20, 'z');
  std::ofstream(file) << content;
  http_server server({}, [&](http_request&&, http_responder respond) {
    std::thread([respond, f = file.string()] {  // any thread may answer
      http_response out;
      out.file = f;
      out.content_type = "application/octet-stream";
      respond(std::move(out));
    }).detach();
  });
  client c(server.port());
  c.send("GET /file HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(body_of(c.response()), content);
  c.send("HEAD /file HTTP/1.1\r\nHost: h\r\n\r\n");
  auto head = c.response(true);
  EXPECT_NE(head.find("Content-Length: " + std::to_string(content.size())), std::string::npos);
}
