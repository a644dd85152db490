#pragma once
// The Glance v2 operations the gateway routes to the image role
// ("image:get_image", …), written as plain functions of the registry: each
// answers at once, or asks for records to be written (and image data to be
// removed) first. The image actor carries these out; the data itself moves
// through the actor's streams and its store, never through here.
//
// https://docs.openstack.org/api-ref/image/v2/

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/common/api_answer.hpp"
#include "actors/common/api_call.hpp"
#include "actors/common/operation_table.hpp"
#include "actors/image/image_registry.hpp"
#include "messages/error.hpp"

namespace stratus::image {

using api_support::api_call;

struct image_settings {
  std::vector<std::string> disk_formats{"ami", "ari",   "aki", "vhd", "vhdx", "vmdk",
                                        "raw", "qcow2", "vdi", "iso", "ploop"};
  std::vector<std::string> container_formats{"ami", "ari", "aki",    "bare",
                                             "ovf", "ova", "docker", "compressed"};
  uint64_t image_size_cap = 1099511627776ull; // Glance's default: 1 TiB
  uint64_t user_storage_quota = 0;            // bytes per project; 0 = unlimited
  std::size_t property_quota = 128;           // Glance's image_property_quota
  std::size_t tag_quota = 128;                // image_tag_quota
  std::size_t member_quota = 128;             // image_member_quota
  std::size_t limit_default = 25;             // limit_param_default
  std::size_t limit_max = 1000;               // api_limit_max
};

struct api_result : api_support::api_answer {
  api_result() = default;
  api_result(api_support::api_answer a)
      : api_answer(std::move(a)) {}     // NOLINT: a plain answer is a result
  std::vector<registry_change> changes; // written before the reply goes out
  std::vector<std::string> remove_data; // image ids whose data goes, once written
  std::string serve_data;               // image id whose data the reply carries
};

// Replies (errors are rendered by the gateway in Glance's format).
using api_support::api_error;
using api_support::api_json;
using api_support::api_no_content;

/// What an upload may store, once image_api::begin_upload let it start.
struct upload_grant {
  std::string image_id;
  std::string owner;
  uint64_t max_bytes = 0; // the size cap, or what is left of the owner's quota
};

class image_api {
public:
  image_api(image_registry& registry, image_settings settings);

  /// Runs `req.operation`; not_found if the image role has no such operation.
  api_result handle(const msg::context& ctx, const msg::api_call_request& req, int64_t now);

  // -- uploads (PUT /v2/images/{id}/file): the status machine ---------------
  /// queued → saving, if the caller may upload and the image may take data.
  /// `uploading` is what uploads in progress have stored so far, by owner
  /// (counted against the quota).
  api_result begin_upload(const msg::context& ctx, const msg::api_call_request& req, int64_t now,
                          const std::map<std::string, uint64_t>& uploading, upload_grant& grant);
  /// saving → active with what the store recorded; an image deleted or
  /// reset meanwhile gets 410 (its data must then go).
  api_result finish_upload(const upload_grant& grant, uint64_t size, const std::string& md5,
                           const std::string& sha512, int64_t now);
  /// saving → queued after an interrupted upload (client gone, too large),
  /// or → killed when the store failed.
  api_result revert_upload(const upload_grant& grant, bool killed, int64_t now);

  /// Whether the caller may see the image (admin, owner, public, community
  /// or a member).
  bool visible(const msg::context& ctx, const json& image) const;

  const image_settings& settings() const {
    return settings_;
  }

private:
  void add_image_operations();
  void add_member_operations();
  void add_schema_operations();
  void add_info_operations();

  /// The image named in the path if the caller can see it (else nullptr).
  const json* find_visible(const api_call& call) const;
  /// The image for a modification: not_found, or forbidden unless the
  /// caller owns it or is an admin.
  std::optional<msg::error> check_owner(const api_call& call, const json*& image) const;
  api_result list_images(api_call& call) const;
  /// Glance's 413 text for `size` bytes where `allowed` fit.
  std::string too_large_message(uint64_t size, uint64_t allowed) const;

  image_registry& registry_;
  image_settings settings_;
  api_support::operation_table<api_result> operations_;
};

/// An image as the API shows it: private attributes dropped, links added.
json render_image(const json& image);
/// Glance's timestamps: "2026-11-26T03:20:00Z".
std::string iso_time(int64_t unix_seconds);

} // namespace stratus::image
