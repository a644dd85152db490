// Discovery of what this image service offers a project: the import
// methods (none: data comes by upload) and the project's usage against its
// limits, as Glance's /v2/info answers them.
// https://docs.openstack.org/api-ref/image/v2/#image-service-info-discovery

#include "actors/image/image_api.hpp"

namespace stratus::image {
namespace {

constexpr uint64_t mib = 1u << 20;

json usage_entry(int64_t limit, uint64_t usage) {
  return {{"limit", limit}, {"usage", usage}};
}

} // namespace

void image_api::add_info_operations() {
  operations_["image:get_import_info"] = [](api_call&) {
    return api_json(200, {{"import-methods",
                           {{"description", "Import methods available."},
                            {"type", "array"},
                            {"value", json::array()}}}});
  };

  operations_["image:get_usage"] = [this](api_call& call) {
    const auto& project = call.ctx.caller.project_id;
    uint64_t images = 0, uploading = 0;
    for (auto& [id, image] : registry_.images())
      if (str(image, "owner") == project) {
        ++images;
        if (str(image, "status") == "saving")
          ++uploading;
      }
    // Sizes in MiB, -1 for no limit, as Glance reports unified limits.
    const int64_t size_limit = settings_.user_storage_quota == 0
                                   ? -1
                                   : static_cast<int64_t>(settings_.user_storage_quota / mib);
    return api_json(200,
                    {{"usage",
                      {{"image_size_total",
                        usage_entry(size_limit, (registry_.stored_bytes(project) + mib - 1) / mib)},
                       {"image_count_total", usage_entry(-1, images)},
                       {"image_stage_total", usage_entry(-1, 0)},
                       {"image_count_uploading", usage_entry(-1, uploading)}}}});
  };
}

} // namespace stratus::image
