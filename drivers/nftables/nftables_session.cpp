#include "drivers/nftables/nftables_session.hpp"

#include <stdexcept>

#include <nftables/libnftables.h>

#include "drivers/netlink/network_namespace.hpp"

namespace stratus::nftables {
namespace {

/// Runs `fn` in the namespace (libnftables opens its netlink socket on
/// the calling thread, which must be inside it).
void in_namespace(const std::string& path, const std::function<void()>& fn) {
  if (path.empty())
    fn();
  else
    netlink::run_in_namespace(path, fn);
}

} // namespace

nftables_session::nftables_session(std::string netns_path) : netns_path_(std::move(netns_path)) {
  in_namespace(netns_path_, [this] { ctx_ = nft_ctx_new(NFT_CTX_DEFAULT); });
  if (!ctx_)
    throw std::runtime_error("cannot open an nftables context");
  nft_ctx_buffer_output(ctx_);
  nft_ctx_buffer_error(ctx_);
}

nftables_session::~nftables_session() {
  nft_ctx_free(ctx_);
}

std::string nftables_session::run_capturing(const std::string& commands) {
  int rc = 0;
  in_namespace(netns_path_, [&] { rc = nft_run_cmd_from_buffer(ctx_, commands.c_str()); });
  const std::string output = nft_ctx_get_output_buffer(ctx_);
  const std::string error = nft_ctx_get_error_buffer(ctx_);
  if (rc != 0)
    throw std::runtime_error("nftables refused the change: " +
                             (error.empty() ? std::string("no reason given") : error));
  return output;
}

void nftables_session::run(const std::string& commands) {
  if (!commands.empty())
    run_capturing(commands);
}

std::string nftables_session::list(const std::string& command) {
  return run_capturing(command);
}

} // namespace stratus::nftables
