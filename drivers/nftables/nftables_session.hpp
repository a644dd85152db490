#pragma once
// Runs nftables commands (nft's own syntax, one transaction per call)
// through libnftables in a network namespace: the real kernel ruleset,
// as `nft -f` would change it.

#include <memory>
#include <string>

struct nft_ctx;

namespace stratus::nftables {

class nftables_session {
public:
  /// `netns_path`: the namespace to work in ("" = the caller's).
  explicit nftables_session(std::string netns_path);
  ~nftables_session();
  nftables_session(const nftables_session&) = delete;
  nftables_session& operator=(const nftables_session&) = delete;

  /// Runs `commands` as one transaction: all or nothing. Throws
  /// std::runtime_error with nft's message when the kernel refuses them.
  void run(const std::string& commands);
  /// Runs a listing command ("list table inet x") and returns its output.
  std::string list(const std::string& command);

private:
  std::string run_capturing(const std::string& commands);
  std::string netns_path_;
  nft_ctx* ctx_ = nullptr;
};

} // namespace stratus::nftables
