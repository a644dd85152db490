#include "actors/gateway/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <stdexcept>

#include <restinio/all.hpp>

namespace stratus::gateway {

struct http_server::impl {
  using handle_t = restinio::running_server_handle_t<restinio::default_traits_t>;
  handle_t server;
  std::atomic<uint16_t> port{0};
};

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

} // namespace

const char* status_reason(uint16_t status) {
  switch (status) {
  case 200:
    return "OK";
  case 201:
    return "Created";
  case 202:
    return "Accepted";
  case 204:
    return "No Content";
  case 300:
    return "Multiple Choices";
  case 400:
    return "Bad Request";
  case 401:
    return "Unauthorized";
  case 403:
    return "Forbidden";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 406:
    return "Not Acceptable";
  case 409:
    return "Conflict";
  case 413:
    return "Request Entity Too Large";
  case 415:
    return "Unsupported Media Type";
  case 500:
    return "Internal Server Error";
  case 503:
    return "Service Unavailable";
  case 504:
    return "Gateway Timeout";
  default:
    return "";
  }
}

std::string percent_decode(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
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

http_server::http_server(const http_server_options& options, http_handler handler)
    : impl_(std::make_unique<impl>()) {
  restinio::server_settings_t<restinio::default_traits_t> settings;
  settings.address(options.address)
      .port(options.port)
      .incoming_http_msg_limits(restinio::incoming_http_msg_limits_t{}
                                    .max_body_size(options.max_body_bytes)
                                    .max_field_count(200))
      .acceptor_post_bind_hook([state = impl_.get()](asio::ip::tcp::acceptor& acceptor) {
        state->port = acceptor.local_endpoint().port();
      })
      .request_handler([handler = std::move(handler)](restinio::request_handle_t req) {
        http_request r;
        r.method = req->header().method().c_str();
        r.path = std::string(req->header().path());
        r.query = parse_query(std::string(req->header().query()));
        for (auto& field : req->header())
          r.headers.push_back({lower(field.name()), field.value()});
        r.body = req->body();
        handler(std::move(r), [req](http_response resp) {
          auto out = req->create_response(restinio::http_status_line_t{
              restinio::http_status_code_t{resp.status}, status_reason(resp.status)});
          if (!resp.content_type.empty() && (resp.status != 204 && resp.status != 304))
            out.append_header(restinio::http_field::content_type, resp.content_type);
          for (auto& h : resp.headers)
            out.append_header(h.name, h.value);
          if (req->header().method() != restinio::http_method_head())
            out.set_body(std::move(resp.body));
          out.done();
        });
        return restinio::request_accepted();
      });
  try {
    impl_->server =
        restinio::run_async(restinio::own_io_context(), std::move(settings), options.threads);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen on " + options.address + ":" +
                             std::to_string(options.port) + ": " + e.what());
  }
}

http_server::~http_server() {
  if (impl_ && impl_->server) {
    impl_->server->stop();
    impl_->server->wait();
  }
}

uint16_t http_server::port() const {
  return impl_->port;
}

} // namespace stratus::gateway
