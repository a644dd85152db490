// A request whose body streams to its role (an image upload): the headers
// go through the pipeline like any request's (route, token, policy), then
// the body follows in pieces of about a MiB, one at a time, each
// acknowledged by the role; the client is read only as fast as the role
// takes the pieces, so a body of any size costs two pieces of memory.

#include <mutex>

#include "actors/gateway/one_shot_request.hpp"
#include "actors/gateway/request_pipeline.hpp"
#include "runtime/directory.hpp"
#include "runtime/errors.hpp"

namespace stratus::gateway {

class streamed_request : public body_sink, public std::enable_shared_from_this<streamed_request> {
public:
  streamed_request(std::shared_ptr<const request_pipeline> pipeline, http_request head)
      : pipeline_(std::move(pipeline)), head_(std::move(head)) {}

  void on_start(std::function<void()> more, http_responder respond) override {
    auto c = pipeline_->route_request(head_, std::move(respond));
    if (!c)
      return;
    // No Content-Type is taken as octet-stream; another one is refused.
    if (const auto* type = msg::find_value(c->req.headers, "content-type"))
      if (auto refusal = body_type_refusal(*c->matched, type))
        return pipeline_->fail(*c, 415, *refusal);
    target_ = pipeline_->dir_.resolve(pipeline_->address_of(c->api->routes.role));
    if (!target_)
      return pipeline_->fail(*c, 503, "The " + c->api->routes.role + " service is not available.");
    c_ = c;
    pipeline_->authenticate(c, [self = shared_from_this(), more](
                                   std::shared_ptr<request_pipeline::call>) { self->open(more); });
  }

  // The socket gives what it has (often a few KiB); the role gets pieces of
  // about a MiB, so a message's cost is spread over many bytes. One piece
  // travels while the next is read (reading never waits for the disk unless
  // the next piece is full too): two pieces of memory per upload.
  void on_data(std::string_view piece, std::function<void()> more) override {
    std::unique_lock<std::mutex> lock(mu_);
    pending_.insert(pending_.end(), piece.begin(), piece.end());
    if (pending_.size() >= piece_bytes) {
      if (in_flight_) {
        stalled_ = std::move(more); // resumed when the role has the piece before
        return;
      }
      send_pending();
    }
    lock.unlock();
    more();
  }

  void on_end(http_responder) override {
    std::unique_lock<std::mutex> lock(mu_);
    ending_ = true;
    if (!in_flight_)
      finish(lock);
  }

  void on_abort() override {
    std::lock_guard<std::mutex> lock(mu_);
    aborted_ = true;
    if (!stream_id_.empty() && !answered_)
      close_aborted(stream_id_);
  }

private:
  void open(std::function<void()> more) {
    ask(msg::api_stream_open_request{c_->req},
        [self = shared_from_this(), more](msg::api_stream_open_reply& reply) {
          {
            std::lock_guard<std::mutex> lock(self->mu_);
            self->stream_id_ = reply.stream_id;
            if (self->aborted_) // the client left while the role opened the stream
              return self->close_aborted(reply.stream_id);
          }
          more();
        });
  }

  /// Sends the bytes gathered so far (mu_ held); the role's ack sends what
  /// waits next.
  void send_pending() {
    msg::api_stream_piece_request req{stream_id_, std::move(pending_)};
    pending_.clear();
    pending_.reserve(piece_bytes);
    in_flight_ = true;
    ask(std::move(req), [self = shared_from_this()](msg::api_stream_piece_reply&) {
      std::unique_lock<std::mutex> lock(self->mu_);
      self->in_flight_ = false;
      if (self->answered_) // abandoned meanwhile: nothing more goes
        return;
      if (auto more = std::move(self->stalled_)) {
        self->stalled_ = nullptr;
        self->send_pending();
        lock.unlock();
        more();
      } else if (self->ending_) {
        self->finish(lock);
      }
    });
  }

  /// The body is all read: the last piece, then the close (mu_ held by `lock`).
  void finish(std::unique_lock<std::mutex>& lock) {
    if (!pending_.empty())
      return send_pending();
    const auto id = stream_id_;
    lock.unlock();
    ask(msg::api_stream_close_request{id, false}, [c = c_](msg::api_call_reply& reply) {
      c->answer(request_pipeline::to_http(std::move(reply)));
    });
  }

  /// Sends a message of the stream; the first failure is the request's
  /// answer, and the connection then closes (the rest of the body is never
  /// read).
  template <class Request, class OnReply> void ask(Request req, OnReply on_reply) {
    one_shot_request(pipeline_->system_, target_, pipeline_->settings_.call_timeout, c_->ctx,
                     std::move(req), std::move(on_reply),
                     [self = shared_from_this()](caf::error& e) {
                       bool first = false;
                       {
                         std::lock_guard<std::mutex> lock(self->mu_);
                         first = !self->answered_;
                         self->answered_ = true;
                       }
                       if (first)
                         self->pipeline_->fail(*self->c_, runtime::to_error(e));
                     });
  }

  void close_aborted(const std::string& id) {
    answered_ = true;
    one_shot_request(
        pipeline_->system_, target_, pipeline_->settings_.call_timeout, c_->ctx,
        msg::api_stream_close_request{id, true}, [](msg::api_call_reply&) {}, [](caf::error&) {});
  }

  static constexpr std::size_t piece_bytes = 1u << 20;

  std::shared_ptr<const request_pipeline> pipeline_;
  http_request head_;
  std::shared_ptr<request_pipeline::call> c_;
  caf::actor target_;
  std::mutex mu_;
  std::string stream_id_;
  bool aborted_ = false;
  bool answered_ = false;         // the stream ended (failed or abandoned): nothing more to send
  std::vector<char> pending_;     // body bytes not yet sent
  bool in_flight_ = false;        // a piece awaits the role's ack
  std::function<void()> stalled_; // reading resumes with this after the ack
  bool ending_ = false;           // the whole body has been read
};

std::shared_ptr<body_sink> request_pipeline::stream_for(const http_request& head) const {
  for (auto& api : apis_) {
    const auto& prefix = api.routes.prefix;
    if (!head.path.starts_with(prefix) || head.path.size() == prefix.size() ||
        head.path[prefix.size()] != '/')
      continue;
    auto m = match_route(api.routes, head.method, head.path.substr(prefix.size()));
    if (m.matched && m.matched->streams_body)
      return std::make_shared<streamed_request>(shared_from_this(), head);
    return nullptr;
  }
  return nullptr;
}

} // namespace stratus::gateway
