#include "actors/gateway/http_server.hpp"

#include "actors/common/percent_decode.hpp"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <optional>
#include <stdexcept>
#include <thread>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace stratus::gateway {

using api_support::percent_decode;
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

/// "No body limit": Boost 1.74's parser mishandles boost::none (it compares
/// every length as larger than an empty optional).
constexpr std::uint64_t no_limit = std::numeric_limits<std::uint64_t>::max();

/// How long an idle keep-alive connection, or a stalled read or write, may last.
constexpr auto idle_timeout = std::chrono::seconds(60);

std::string text(beast::string_view s) {
  return std::string(s.data(), s.size());
}

std::string lower(beast::string_view s) {
  std::string out = text(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

/// The body of an error the server answers itself, before any API is known.
std::string error_body(unsigned status, const std::string& message) {
  return R"({"error": {"code": )" + std::to_string(status) + R"(, "title": ")" +
         status_reason(static_cast<uint16_t>(status)) + R"(", "message": ")" + message + R"("}})";
}

} // namespace

struct http_server::state : std::enable_shared_from_this<http_server::state> {
  net::io_context io;
  tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;
  http_handler handler;
  http_stream_router router;
  http_server_options options;

  void accept();
};

namespace {

/// One connection: requests read and answered one after the other.
class session : public std::enable_shared_from_this<session> {
public:
  /// Sessions live in the io_context's handlers or in responders, both of
  /// which keep the server state alive: a plain pointer is enough here.
  session(tcp::socket socket, http_server::state* server)
    : stream_(std::move(socket)), server_(server) {}

  void start() { read_head(); }

private:
  using self_ptr = std::shared_ptr<session>;

  void read_head() {
    head_.emplace();
    head_->header_limit(static_cast<std::uint32_t>(server_->options.max_header_bytes));
    head_->body_limit(no_limit);  // decided once the headers are in
    stream_.expires_after(idle_timeout);
    http::async_read_header(stream_, buffer_, *head_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              self->on_head(ec);
                            });
  }

  void on_head(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset)
      return close();
    if (ec)
      return refuse(ec == http::error::header_limit ? 431 : 400,
                    "The request could not be parsed: " + ec.message() + ".");
    auto& msg = head_->get();
    request_ = http_request{};
    request_.method = text(msg.method_string());
    const std::string target = text(msg.target());
    const auto q = target.find('?');
    request_.path = target.substr(0, q);
    if (q != std::string::npos)
      request_.query = parse_query(target.substr(q + 1));
    for (auto& field : msg)
      request_.headers.push_back({lower(field.name_string()), text(field.value())});
    keep_alive_ = msg.keep_alive();
    const bool expects_continue = beast::iequals(msg[http::field::expect], "100-continue");

    if (server_->router)
      if (auto sink = server_->router(request_))
        return start_stream(std::move(sink), expects_continue);

    const auto length = head_->content_length();
    if ((length && *length > server_->options.max_body_bytes)) {
      // Answered without reading the body, which then cannot be skipped.
      request_.body_too_large = true;
      keep_alive_ = false;
      return dispatch();
    }
    whole_.emplace(std::move(*head_));
    whole_->body_limit(server_->options.max_body_bytes);
    auto read = [self = shared_from_this()] {
      self->stream_.expires_after(idle_timeout);
      http::async_read(self->stream_, self->buffer_, *self->whole_,
                       [self](beast::error_code ec, std::size_t) { self->on_body(ec); });
    };
    if (expects_continue && !whole_->is_done())
      return send_continue(read);
    read();
  }

  void on_body(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      request_.body_too_large = true;
      keep_alive_ = false;
      return dispatch();
    }
    if (ec)
      return close();
    request_.body = std::move(whole_->get().body());
    dispatch();
  }

  void dispatch() {
    server_->handler(std::move(request_), responder());
  }

  /// Keeps the server state (and so its io_context) alive while a caller
  /// outside the server holds a way back to this session; lets the session
  /// go first, so that its socket never outlives the io_context.
  struct keeper {
    std::shared_ptr<http_server::state> server;
    std::shared_ptr<session> self;
    ~keeper() { self.reset(); }
  };

  std::shared_ptr<keeper> keep() {
    return std::make_shared<keeper>(keeper{server_->shared_from_this(), shared_from_this()});
  }

  /// Runs `f` on this session's strand, from any thread.
  template <class F>
  static void on_strand(const std::shared_ptr<keeper>& k, F f) {
    net::dispatch(k->self->stream_.get_executor(), [k, f = std::move(f)]() mutable { f(*k->self); });
  }

  /// A responder for the current request, callable from any thread, once.
  http_responder responder() {
    return [k = keep(), head = request_.method == "HEAD"](http_response r) {
      on_strand(k, [head, r = std::move(r)](session& s) mutable { s.write(std::move(r), head); });
    };
  }

  void write(http_response r, bool head_request) {
    if (!r.file.empty())
      return write_file(std::move(r), head_request);
    if (r.source)
      return write_source(std::move(r), head_request);
    auto res = std::make_shared<http::response<http::string_body>>();
    res->result(r.status);
    res->version(11);
    if (!r.content_type.empty() && r.status != 204 && r.status != 304)
      res->set(http::field::content_type, r.content_type);
    for (auto& h : r.headers)
      res->set(h.name, h.value);
    res->keep_alive(keep_alive_);
    if (!head_request)
      res->body() = std::move(r.body);
    res->prepare_payload();
    send(res);
  }

  /// A file body goes out with sendfile(2): straight from the page cache to
  /// the socket, no copy through this process, whatever its size.
  void write_file(http_response r, bool head_request) {
    auto file = std::make_shared<open_file>(::open(r.file.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st{};
    if (file->fd < 0 || ::fstat(file->fd, &st) != 0)
      return refuse(500, "The data could not be read.");
    const auto size = static_cast<uint64_t>(st.st_size);
    const uint64_t offset = std::min(r.file_offset, size);
    const uint64_t length = std::min(r.file_length.value_or(size), size - offset);
    write_head(r, length, head_request, [file, offset, length](session& s) {
      s.stream_.expires_never();
      s.send_file(file, static_cast<off_t>(offset), length);
    });
  }

  /// The status line and headers of a body of `length` bytes that goes out
  /// separately, then `body(*this)` (not for HEAD: the length a GET would
  /// send, and no body).
  template <class Body> void write_head(const http_response& r, uint64_t length,
                                        bool head_request, Body body) {
    auto res = std::make_shared<http::response<http::empty_body>>();
    res->result(r.status);
    res->version(11);
    res->set(http::field::content_type, r.content_type);
    for (auto& h : r.headers)
      res->set(h.name, h.value);
    res->keep_alive(keep_alive_);
    res->content_length(length);
    if (head_request)
      return send(res);
    auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*res);
    stream_.expires_after(idle_timeout);
    http::async_write_header(stream_, *sr,
                             [self = shared_from_this(), res, sr, body](beast::error_code ec,
                                                                        std::size_t) mutable {
                               if (ec)
                                 return self->close();
                               body(*self);
                             });
  }

  /// A body from a source: the headers, then each piece as it comes.
  void write_source(http_response r, bool head_request) {
    write_head(r, r.source_length, head_request,
               [source = r.source, length = r.source_length](session& s) {
                 s.pump(source, length);
               });
  }

  void pump(std::shared_ptr<body_source> source, uint64_t remaining) {
    if (remaining == 0) {
      stream_.expires_never();
      return keep_alive_ ? read_head() : close();
    }
    source->next(remaining, [k = keep(), source, remaining](std::string piece, bool failed) {
      on_strand(k, [source, remaining, piece = std::move(piece), failed](session& s) mutable {
        if (failed || piece.empty() || piece.size() > remaining)
          return s.close(); // the client sees a body cut short
        auto buf = std::make_shared<std::string>(std::move(piece));
        s.stream_.expires_after(idle_timeout);
        net::async_write(s.stream_, net::buffer(*buf),
                         [self = s.shared_from_this(), buf, source,
                          left = remaining - buf->size()](beast::error_code ec, std::size_t) {
                           if (ec)
                             return self->close();
                           self->pump(source, left);
                         });
      });
    });
  }

  struct open_file {
    explicit open_file(int f) : fd(f) {}
    ~open_file() {
      if (fd >= 0)
        ::close(fd);
    }
    int fd;
  };

  /// Sends `remaining` bytes of `file` from `offset`; waits for the socket
  /// when it is full (a client that stops reading for idle_timeout is dropped).
  void send_file(std::shared_ptr<open_file> file, off_t offset, uint64_t remaining) {
    auto& socket = stream_.socket();
    beast::error_code ec;
    socket.native_non_blocking(true, ec);
    // At most this much per turn, so one download does not starve the
    // other connections of this thread.
    uint64_t turn = 16u << 20;
    while (remaining > 0 && turn > 0) {
      const auto chunk = static_cast<std::size_t>(std::min<uint64_t>({remaining, turn, 1u << 20}));
      const ssize_t n = ::sendfile(socket.native_handle(), file->fd, &offset, chunk);
      if (n > 0) {
        remaining -= static_cast<uint64_t>(n);
        turn -= std::min<uint64_t>(turn, static_cast<uint64_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        file_timer_.expires_after(idle_timeout);
        file_timer_.async_wait([self = shared_from_this()](beast::error_code e) {
          if (!e)
            self->stream_.socket().cancel(); // the client stopped reading
        });
        socket.async_wait(tcp::socket::wait_write,
                          [self = shared_from_this(), file, offset, remaining](beast::error_code e) {
                            self->file_timer_.cancel();
                            if (e)
                              return self->close();
                            self->send_file(file, offset, remaining);
                          });
        return;
      }
      return close(); // the file shrank or the client went away
    }
    if (remaining > 0)
      return net::post(socket.get_executor(), [self = shared_from_this(), file, offset, remaining] {
        self->send_file(file, offset, remaining);
      });
    if (!keep_alive_)
      return close();
    read_head();
  }

  /// Answers go out without a timer of their own (a timer per write cost a
  /// fifth of the throughput); file bodies, which may take long to a slow
  /// client, have theirs in send_file.
  template <class Message>
  void send(std::shared_ptr<Message> res) {
    stream_.expires_never();
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec || !self->keep_alive_)
                          return self->close();
                        self->read_head();
                      });
  }

  template <class Then>
  void send_continue(Then then) {
    auto res = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, then](beast::error_code ec, std::size_t) {
                        if (ec)
                          return self->close();
                        then();
                      });
  }

  /// An error the server answers itself, then the connection closes.
  void refuse(unsigned status, const std::string& message) {
    keep_alive_ = false;
    http_response r;
    r.status = static_cast<uint16_t>(status);
    r.body = error_body(status, message);
    write(std::move(r), false);
  }

  // -- streamed bodies ----------------------------------------------------------

  void start_stream(std::shared_ptr<body_sink> sink, bool expects_continue) {
    sink_ = std::move(sink);
    streamed_.emplace(std::move(*head_));
    streamed_->body_limit(no_limit);
    piece_.resize(server_->options.stream_piece_bytes);
    // Reads fill what the buffer has room for: room for many KiB at once
    // rather than the few the headers needed.
    buffer_.reserve(stream_read_bytes);
    auto more = [k = keep(), expects_continue, first = std::make_shared<bool>(true)]() {
      on_strand(k, [expects_continue, first](session& s) {
        if (*first && expects_continue) {
          *first = false;
          return s.send_continue([self = s.shared_from_this()] { self->pull(); });
        }
        *first = false;
        s.pull();
      });
    };
    // A sink that answers at once (refused, say) ends the connection afterwards:
    // the body it did not read cannot be skipped.
    keep_alive_ = false;
    sink_->on_start(more, responder());
  }

  static constexpr std::size_t stream_read_bytes = 256u << 10;

  void pull() {
    if (!sink_)
      return; // the connection closed meanwhile: nothing more to read
    if (streamed_->is_done()) {
      keep_alive_ = streamed_->get().keep_alive();
      auto sink = std::move(sink_);
      return sink->on_end(responder());
    }
    auto& body = streamed_->get().body();
    body.data = piece_.data();
    body.size = piece_.size();
    body.more = true;
    stream_.expires_after(idle_timeout);
    http::async_read_some(stream_, buffer_, *streamed_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                            self->on_piece(ec);
                          });
  }

  void on_piece(beast::error_code ec) {
    if (ec == http::error::need_buffer)
      ec = {};
    if (ec)
      return close(); // tells the sink, if it still listens
    const auto got = piece_.size() - streamed_->get().body().size;
    if (got == 0)
      return pull();
    sink_->on_data(std::string_view(piece_.data(), got),
                   [k = keep()] { on_strand(k, [](session& s) { s.pull(); }); });
  }

  void close() {
    if (sink_) {
      auto sink = std::move(sink_);
      sink->on_abort();
    }
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  net::steady_timer file_timer_{stream_.get_executor()};
  beast::flat_buffer buffer_;
  http_server::state* server_;
  std::optional<http::request_parser<http::empty_body>> head_;
  std::optional<http::request_parser<http::string_body>> whole_;
  std::optional<http::request_parser<http::buffer_body>> streamed_;
  std::shared_ptr<body_sink> sink_;
  std::vector<char> piece_;
  http_request request_;
  bool keep_alive_ = true;
};

} // namespace

void http_server::state::accept() {
  // One thread needs no strand: every handler already runs on it.
  auto executor = options.threads > 1 ? net::any_io_executor(net::make_strand(io))
                                      : net::any_io_executor(io.get_executor());
  acceptor.async_accept(executor, [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted)
      return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<session>(std::move(socket), this)->start();
    }
    accept();
  });
}

const char* status_reason(uint16_t status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 300: return "Multiple Choices";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 409: return "Conflict";
    case 413: return "Request Entity Too Large";
    case 415: return "Unsupported Media Type";
    case 416: return "Requested Range Not Satisfiable";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

msg::named_values parse_query(const std::string& query) {
  msg::named_values out;
  std::size_t start = 0;
  while (start < query.size()) {
    auto amp = query.find('&', start);
    if (amp == std::string::npos)
      amp = query.size();
    std::string pair = query.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty())
      continue;
    std::replace(pair.begin(), pair.end(), '+', ' ');
    const auto eq = pair.find('=');
    out.push_back({percent_decode(pair.substr(0, eq)),
                   eq == std::string::npos ? std::string{} : percent_decode(pair.substr(eq + 1))});
  }
  return out;
}

http_server::http_server(const http_server_options& options, http_handler handler,
                         http_stream_router router)
  : state_(std::make_shared<state>()) {
  state_->handler = std::move(handler);
  state_->router = std::move(router);
  state_->options = options;
  try {
    const tcp::endpoint at{net::ip::make_address(options.address), options.port};
    auto& a = state_->acceptor;
    a.open(at.protocol());
    a.set_option(net::socket_base::reuse_address(true));
    a.bind(at);
    a.listen(net::socket_base::max_listen_connections);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen on " + options.address + ":" +
                             std::to_string(options.port) + ": " + e.what());
  }
  state_->accept();
  for (std::size_t i = 0; i < std::max<std::size_t>(options.threads, 1); ++i)
    state_->threads.emplace_back([s = state_.get()] { s->io.run(); });
}

http_server::~http_server() {
  state_->io.stop();
  for (auto& t : state_->threads)
    t.join();
  beast::error_code ec;
  state_->acceptor.close(ec);
  // Requests still being answered keep the state until their responders go.
}

uint16_t http_server::port() const {
  return state_->acceptor.local_endpoint().port();
}

} // namespace stratus::gateway
