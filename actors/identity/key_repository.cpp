#include "actors/identity/key_repository.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>

namespace stratus::identity {
namespace fs = std::filesystem;
namespace {

/// Key number → file, for every file whose name is a number.
std::map<int, fs::path> key_files(const fs::path& dir) {
  std::map<int, fs::path> out;
  for (auto& e : fs::directory_iterator(dir)) {
    const auto name = e.path().filename().string();
    if (!name.empty() && name.size() < 9 &&
        std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c); }))
      out.emplace(std::stoi(name), e.path());
  }
  return out;
}

/// Written to a temporary name first, so a reader never sees half a key.
void write_key(const fs::path& dir, int number) {
  const auto tmp = dir / (".tmp-" + std::to_string(number));
  {
    const mode_t old = ::umask(077);
    std::ofstream out(tmp);
    ::umask(old);
    out << fernet_key::generate().text();
    if (!out)
      throw std::runtime_error("cannot write key " + tmp.string());
  }
  fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write);
  fs::rename(tmp, dir / std::to_string(number));
}

} // namespace

key_repository::key_repository(fs::path dir, int max_active_keys)
    : dir_(std::move(dir)), max_active_keys_(std::max(max_active_keys, 2)) {
  fs::create_directories(dir_);
  fs::permissions(dir_, fs::perms::owner_all);
  if (key_files(dir_).empty()) {
    write_key(dir_, 0);
    write_key(dir_, 1);
  }
  load();
}

void key_repository::rotate() {
  auto files = key_files(dir_);
  const int next = files.empty() ? 1 : files.rbegin()->first + 1;
  if (files.count(0))
    fs::rename(files.at(0), dir_ / std::to_string(next));
  else
    write_key(dir_, next);
  write_key(dir_, 0);
  files = key_files(dir_);
  // Keep the staged key, the primary, and the newest secondaries.
  while (static_cast<int>(files.size()) > max_active_keys_) {
    auto oldest = std::next(files.begin()); // begin() is the staged key 0
    fs::remove(oldest->second);
    files.erase(oldest);
  }
  load();
}

void key_repository::load() {
  keys_ = read_keys(dir_);
}

std::vector<fernet_key> read_keys(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw std::runtime_error("no key repository at " + dir.string());
  auto files = key_files(dir);
  if (files.size() < 2 || !files.count(0))
    throw std::runtime_error("key repository " + dir.string() +
                             " needs a staged key 0 and a primary key");
  std::vector<fernet_key> keys;
  auto add = [&keys](const fs::path& file) {
    std::ifstream in(file);
    std::string text;
    in >> text;
    auto key = fernet_key::parse(text);
    if (!key)
      throw std::runtime_error("key file " + file.string() + " does not hold a Fernet key");
    keys.push_back(*key);
  };
  for (auto it = files.rbegin(); it != files.rend(); ++it)
    if (it->first != 0)
      add(it->second);
  add(files.at(0));
  return keys;
}

} // namespace stratus::identity
