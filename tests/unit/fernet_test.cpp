// Fernet tokens: what one key seals only that key (or a rotation list that
// holds it) opens, tampering and age are refused, and Python's
// cryptography.fernet reads our tokens and writes tokens we read.

#include <stdio.h>
#include <sys/wait.h>

#include <array>

#include <gtest/gtest.h>

#include "actors/identity/fernet.hpp"

using namespace stratus::identity;

namespace {

constexpr uint64_t now = 1'800'000'000;

std::string run(const std::string& command, int* code) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  std::array<char, 4096> buf;
  while (p != nullptr) {
    std::size_t n = std::fread(buf.data(), 1, buf.size(), p);
    if (n == 0)
      break;
    out.append(buf.data(), n);
  }
  int status = p ? ::pclose(p) : -1;
  *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  while (!out.empty() && out.back() == '\n')
    out.pop_back();
  return out;
}

bool python_fernet_available() {
  int code = 0;
  run("/usr/bin/python3 -c 'import cryptography.fernet' 2>/dev/null", &code);
  return code == 0;
}

} // namespace

TEST(Fernet, RoundTrip) {
  auto key = fernet_key::generate();
  auto token = fernet_encrypt(key, "user=42;project=7", now);
  auto r = fernet_decrypt({key}, token, now + 10);
  ASSERT_TRUE(r.plaintext.has_value());
  EXPECT_EQ(*r.plaintext, "user=42;project=7");
  EXPECT_EQ(r.issued_at, now);
}

TEST(Fernet, KeyTextRoundTrips) {
  auto key = fernet_key::generate();
  auto parsed = fernet_key::parse(key.text());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->text(), key.text());
  EXPECT_EQ(key.text().size(), 44u);
  EXPECT_FALSE(fernet_key::parse("too-short").has_value());
  EXPECT_FALSE(fernet_key::parse(std::string(44, '*')).has_value());
}

TEST(Fernet, WrongKeyIsABadSignature) {
  auto token = fernet_encrypt(fernet_key::generate(), "x", now);
  auto r = fernet_decrypt({fernet_key::generate()}, token, now);
  EXPECT_FALSE(r.plaintext.has_value());
  EXPECT_EQ(r.error, fernet_error::bad_signature);
}

TEST(Fernet, RotatedKeysStillOpenOlderTokens) {
  auto old_key = fernet_key::generate();
  auto token = fernet_encrypt(old_key, "x", now);
  auto r = fernet_decrypt({fernet_key::generate(), old_key}, token, now);
  ASSERT_TRUE(r.plaintext.has_value());
}

TEST(Fernet, EveryTamperedCharacterIsRefused) {
  auto key = fernet_key::generate();
  auto token = fernet_encrypt(key, "some payload of a few blocks in length", now);
  for (std::size_t i = 0; i + 2 < token.size(); ++i) {  // the last chars may be padding
    auto bad = token;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(fernet_decrypt({key}, bad, now).plaintext.has_value()) << "position " << i;
  }
}

TEST(Fernet, AgeIsChecked) {
  auto key = fernet_key::generate();
  auto token = fernet_encrypt(key, "x", now);
  EXPECT_EQ(fernet_decrypt({key}, token, now + 86401, 86400).error, fernet_error::expired);
  EXPECT_TRUE(fernet_decrypt({key}, token, now + 86399, 86400).plaintext.has_value());
  EXPECT_EQ(fernet_decrypt({key}, token, now - 3600).error, fernet_error::from_the_future);
}

TEST(Fernet, GarbageIsMalformed) {
  auto key = fernet_key::generate();
  const std::vector<std::string> garbage{"", "!!!!", "gAAAAA", std::string(200, 'A'),
                                        "not a token at all"};
  for (const auto& bad : garbage)
    EXPECT_EQ(fernet_decrypt({key}, bad, now).error, fernet_error::malformed) << bad;
}

TEST(Fernet, PythonReadsOurTokensAndWeReadTheirs) {
  if (!python_fernet_available())
    GTEST_SKIP() << "Debian's python3-cryptography is not installed (tools/setup.sh installs it)";
  auto key = fernet_key::generate();
  int code = 0;
  auto ours = fernet_encrypt(key, "from C++", now);
  auto seen = run("/usr/bin/python3 -c \"from cryptography.fernet import Fernet; "
                  "print(Fernet(b'" + key.text() + "').decrypt(b'" + ours + "').decode())\"",
                  &code);
  ASSERT_EQ(code, 0) << seen;
  EXPECT_EQ(seen, "from C++");
  auto theirs = run("/usr/bin/python3 -c \"from cryptography.fernet import Fernet; "
                    "print(Fernet(b'" + key.text() + "').encrypt(b'from Python').decode())\"",
                    &code);
  ASSERT_EQ(code, 0) << theirs;
  auto r = fernet_decrypt({key}, theirs, static_cast<uint64_t>(::time(nullptr)));
  ASSERT_TRUE(r.plaintext.has_value()) << theirs;
  EXPECT_EQ(*r.plaintext, "from Python");
}
