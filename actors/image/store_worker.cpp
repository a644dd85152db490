#include "actors/image/store_worker.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <map>
#include <set>

#include <caf/all.hpp>

#include "actors/image/store_atoms.hpp"
#include "drivers/image_store/image_store_driver.hpp"
#include "runtime/errors.hpp"

namespace stratus::image {
namespace {

caf::error store_error(const std::system_error& e) {
  using image_store::store_errc;
  if (e.code() == store_errc::too_large)
    return runtime::make_error(msg::errc::over_quota, "The image is larger than allowed.");
  if (e.code() == store_errc::exists)
    return runtime::make_error(msg::errc::conflict, "The image already has data.");
  if (e.code() == store_errc::bad_id)
    return runtime::make_error(msg::errc::invalid, "The store cannot keep this image id.");
  return runtime::make_error(msg::errc::internal,
                             std::string{"The image store failed: "} + e.what());
}

caf::error no_upload() {
  return runtime::make_error(msg::errc::not_found, "No such upload in progress.");
}

/// Runs one store call; a store failure becomes the error it stands for.
template <class F> auto guarded(F f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::system_error& e) {
    return store_error(e);
  } catch (const std::exception& e) {
    return runtime::make_error(msg::errc::internal, e.what());
  }
}

} // namespace

caf::behavior store_writer(caf::event_based_actor* self,
                           std::shared_ptr<image_store::driver> store) {
  using uploads = std::map<std::string, std::unique_ptr<image_store::upload>>;
  auto open = std::make_shared<uploads>();
  (void)self;
  return {
      [store, open](begin_atom, const std::string& stream, const std::string& image,
                    uint64_t max_bytes) -> caf::result<bool> {
        return guarded([&]() -> caf::result<bool> {
          (*open)[stream] = store->begin_upload(image, max_bytes);
          return true;
        });
      },
      [open](piece_atom, const std::string& stream,
             const std::vector<char>& data) -> caf::result<uint64_t> {
        auto it = open->find(stream);
        if (it == open->end())
          return no_upload();
        return guarded([&]() -> caf::result<uint64_t> {
          try {
            it->second->write(std::string_view(data.data(), data.size()));
          } catch (...) {
            open->erase(it); // nothing of a failed upload stays
            throw;
          }
          return it->second->written();
        });
      },
      [open](commit_atom,
             const std::string& stream) -> caf::result<uint64_t, std::string, std::string> {
        auto it = open->find(stream);
        if (it == open->end())
          return no_upload();
        auto upload = std::move(it->second);
        open->erase(it);
        return guarded([&]() -> caf::result<uint64_t, std::string, std::string> {
          auto stored = upload->commit();
          return {stored.size, stored.md5, stored.sha512};
        });
      },
      [open](abort_atom, const std::string& stream) {
        open->erase(stream);
        return true;
      },
  };
}

caf::behavior store_reader(caf::event_based_actor*, std::shared_ptr<image_store::driver> store) {
  return {
      [store](locate_atom, const std::string& image) -> std::string {
        auto path = store->locate(image);
        return path ? path->string() : std::string{};
      },
      [store](read_atom, const std::string& image, uint64_t offset,
              uint32_t max_bytes) -> caf::result<std::vector<char>> {
        auto path = store->locate(image);
        if (!path)
          return runtime::make_error(msg::errc::not_found, "The image has no data.");
        const int fd = ::open(path->c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
          return runtime::make_error(msg::errc::internal, "The image data cannot be opened.");
        std::vector<char> data(max_bytes);
        const ssize_t got = ::pread(fd, data.data(), data.size(), static_cast<off_t>(offset));
        ::close(fd);
        if (got < 0)
          return runtime::make_error(msg::errc::internal, "The image data cannot be read.");
        data.resize(static_cast<std::size_t>(got));
        return data;
      },
      [store](remove_atom, const std::string& image) {
        return guarded([&]() -> caf::result<bool> { return store->remove(image); });
      },
      [store](purge_atom, const std::set<std::string>& keep) {
        return guarded([&]() -> caf::result<uint64_t> {
          uint64_t removed = 0;
          for (auto& id : store->stored_ids())
            if (!keep.count(id) && store->remove(id))
              ++removed;
          return removed;
        });
      },
  };
}

} // namespace stratus::image
