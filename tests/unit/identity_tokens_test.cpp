// The pieces a token is made of: the Keystone-style payload, the key
// repository and its rotation, and bcrypt password hashes.

#include <sys/stat.h>

#include <fstream>

#include <gtest/gtest.h>

#include "actors/identity/fernet.hpp"
#include "actors/identity/key_repository.hpp"
#include "actors/identity/password_hash.hpp"
#include "actors/identity/token_payload.hpp"
#include "tests/support/temp_dir.hpp"

using namespace stratus::identity;

TEST(TokenPayload, RoundTripsEveryScope) {
  for (auto scope : {token_scope::unscoped, token_scope::domain, token_scope::project,
                     token_scope::system, token_scope::application_credential}) {
    token_payload p;
    p.scope = scope;
    p.user_id = "0123456789abcdef0123456789abcdef";
    p.methods = {"password", "token"};
    p.scope_id = scope == token_scope::unscoped ? "" : "fedcba9876543210fedcba9876543210";
    p.expires_at = 1'800'000'000.5;
    p.audit_id = new_audit_id();
    if (scope == token_scope::application_credential)
      p.application_credential_id = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
    auto back = decode_payload(encode_payload(p));
    ASSERT_TRUE(back) << static_cast<int>(scope);
    EXPECT_EQ(*back, p);
  }
}

TEST(TokenPayload, RefusesWhatItDidNotWrite) {
  token_payload p;
  p.user_id = "u";
  p.audit_id = "a";
  const auto good = encode_payload(p);
  EXPECT_FALSE(decode_payload(""));
  EXPECT_FALSE(decode_payload(good.substr(0, good.size() - 1))); // truncated
  EXPECT_FALSE(decode_payload(good + "x"));                      // trailing bytes
  EXPECT_FALSE(decode_payload("\x93\x05\xa1u\x01"));             // unknown version
  EXPECT_FALSE(decode_payload("\xdd\xff\xff\xff\xff"));          // huge array claim
}

TEST(TokenPayload, AuditIdsAreShortAndUnique) {
  const auto a = new_audit_id(), b = new_audit_id();
  EXPECT_EQ(a.size(), 22u);
  EXPECT_NE(a, b);
}

TEST(KeyRepository, StartsWithStagedAndPrimaryKeysReadableOnlyByItsOwner) {
  stratus::test::temp_dir dir;
  key_repository repo(dir.path() / "keys");
  EXPECT_EQ(repo.keys().size(), 2u);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "keys" / "0"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "keys" / "1"));
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() / "keys" / "1").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // A second open reads the same keys.
  key_repository again(dir.path() / "keys");
  EXPECT_EQ(again.primary().text(), repo.primary().text());
}

TEST(KeyRepository, RotationKeepsRecentTokensValidAndRetiresOldKeys) {
  stratus::test::temp_dir dir;
  key_repository repo(dir.path() / "keys", 3);
  const uint64_t now = 1'800'000'000;
  const auto staged = repo.keys().back().text();
  const auto first = fernet_encrypt(repo.primary(), "first", now);
  repo.rotate();
  EXPECT_EQ(repo.primary().text(), staged); // the staged key became primary
  EXPECT_TRUE(fernet_decrypt(repo.keys(), first, now).plaintext);
  const auto second = fernet_encrypt(repo.primary(), "second", now);
  repo.rotate();
  repo.rotate(); // only 3 keys live: the first primary is gone now
  EXPECT_EQ(repo.keys().size(), 3u);
  EXPECT_FALSE(fernet_decrypt(repo.keys(), first, now).plaintext);
  repo.rotate();
  EXPECT_FALSE(fernet_decrypt(repo.keys(), second, now).plaintext);
}

TEST(KeyRepository, RefusesACorruptKeyFile) {
  stratus::test::temp_dir dir;
  { key_repository repo(dir.path()); }
  std::ofstream(dir.path() / "1") << "not a key";
  EXPECT_THROW(key_repository{dir.path()}, std::runtime_error);
}

TEST(PasswordHash, VerifiesOnlyTheRightPassword) {
  const auto hash = hash_password("correct horse", 4);
  EXPECT_TRUE(hash.starts_with("$2b$04$"));
  EXPECT_TRUE(verify_password("correct horse", hash));
  EXPECT_FALSE(verify_password("correct hors", hash));
  EXPECT_FALSE(verify_password("", hash));
  EXPECT_FALSE(verify_password("correct horse", ""));
  EXPECT_FALSE(verify_password("correct horse", "garbage"));
  EXPECT_NE(hash_password("correct horse", 4), hash); // salted
  EXPECT_THROW(hash_password("x", 3), std::runtime_error);
}

TEST(PasswordHash, ReadsStandardBcryptHashes) {
  // The first test vector of OpenBSD's bcrypt (crypt_blowfish's wrapper.c).
  EXPECT_TRUE(
      verify_password("U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
  EXPECT_FALSE(
      verify_password("U*V", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
}
