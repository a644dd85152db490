#include "actors/image/image_registry.hpp"

namespace stratus::image {

const json* image_registry::image(const std::string& id) const {
  auto it = images_.find(id);
  return it == images_.end() ? nullptr : &it->second;
}

const json* image_registry::member(const std::string& image_id,
                                   const std::string& member_id) const {
  auto it = members_.find(image_id);
  if (it == members_.end())
    return nullptr;
  auto m = it->second.find(member_id);
  return m == it->second.end() ? nullptr : &m->second;
}

const std::map<std::string, json>& image_registry::members_of(const std::string& image_id) const {
  static const std::map<std::string, json> none;
  auto it = members_.find(image_id);
  return it == members_.end() ? none : it->second;
}

uint64_t image_registry::stored_bytes(const std::string& owner) const {
  auto it = stored_.find(owner);
  return it == stored_.end() ? 0 : it->second;
}

void image_registry::index(const json& image, bool add) {
  const auto id = str(image, "id");
  const created_key key{str(image, "created_at"), id};
  const auto owner = str(image, "owner");
  const auto size = count(image, "size");
  if (add) {
    by_created_.insert(key);
    stored_[owner] += size;
    return;
  }
  by_created_.erase(key);
  if (auto it = stored_.find(owner); it != stored_.end()) {
    it->second -= std::min(it->second, size);
    if (it->second == 0)
      stored_.erase(it);
  }
}

const std::string&
image_registry::rendered(const std::string& id,
                         const std::function<std::string(const json&)>& render) const {
  auto it = rendered_.find(id);
  if (it != rendered_.end())
    return it->second;
  return rendered_[id] = render(images_.at(id));
}

registry_change image_registry::apply(const registry_change& c) {
  registry_change undo{c.kind, c.id, std::nullopt};
  if (c.kind == "image") {
    rendered_.erase(c.id);
    if (auto it = images_.find(c.id); it != images_.end()) {
      index(it->second, false);
      undo.value = std::move(it->second);
      images_.erase(it);
    }
    if (c.value) {
      index(*c.value, true);
      images_[c.id] = *c.value;
    }
    return undo;
  }
  // "member": "<image id>/<member id>"
  const auto slash = c.id.find('/');
  if (slash == std::string::npos)
    return undo;
  const auto image_id = c.id.substr(0, slash);
  auto& members = members_[image_id];
  const auto member_id = c.id.substr(slash + 1);
  if (auto it = members.find(member_id); it != members.end()) {
    undo.value = std::move(it->second);
    members.erase(it);
  }
  if (c.value)
    members[member_id] = *c.value;
  if (members.empty())
    members_.erase(image_id);
  return undo;
}

} // namespace stratus::image
