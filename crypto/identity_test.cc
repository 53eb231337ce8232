#include "crypto/identity.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "crypto/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using ::cairn::testing_util::FixedIdentity;
using ::cairn::testing_util::IsOk;
using ::cairn::testing_util::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

// RFC 8032 section 7.1, test 1.
constexpr char kRfc8032SeedHex[] =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr char kRfc8032PublicKeyHex[] =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

class IdentityFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing_util::TempPath(::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_EQ(mkdir(dir_.c_str(), 0700), 0);
    path_ = dir_ + "/identity.key";
  }

  void WriteFile(const std::string& contents, mode_t mode) {
    unlink(path_.c_str());
    std::ofstream(path_) << contents;
    ASSERT_EQ(chmod(path_.c_str(), mode), 0);
  }
  std::string ReadFile() {
    std::ifstream in(path_);
    std::stringstream contents;
    contents << in.rdbuf();
    return contents.str();
  }
  mode_t Mode() {
    struct stat st;
    EXPECT_EQ(stat(path_.c_str(), &st), 0);
    return st.st_mode & 07777;
  }
  std::vector<std::string> DirectoryEntries() {
    std::vector<std::string> names;
    DIR* dir = opendir(dir_.c_str());
    while (dirent* entry = readdir(dir)) {
      const std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    closedir(dir);
    return names;
  }

  std::string dir_;
  std::string path_;
};

TEST(IdentityTest, FromSeedDerivesTheRfc8032PublicKey) {
  const std::string seed_bytes = absl::HexStringToBytes(kRfc8032SeedHex);
  const auto seed =
      SecretArray<kSeedBytes>::CopyFrom(reinterpret_cast<const uint8_t*>(seed_bytes.data()));
  EXPECT_EQ(absl::BytesToHexString(Identity::FromSeed(seed).public_key().AsStringView()),
            kRfc8032PublicKeyHex);
}

TEST(IdentityTest, GenerateMakesADifferentKeyEachTime) {
  EXPECT_NE(Identity::Generate().public_key(), Identity::Generate().public_key());
}

TEST(IdentityTest, FingerprintIsThatOfThePublicKey) {
  const Identity identity = FixedIdentity(1);
  EXPECT_EQ(identity.fingerprint(), identity.public_key().fingerprint());
}

TEST(IdentityTest, GtestPrintsTheFingerprintOnly) {
  const Identity identity = FixedIdentity(1);
  EXPECT_EQ(::testing::PrintToString(identity),
            absl::StrCat("<identity ", identity.fingerprint().ToString(), ">"));
}

TEST_F(IdentityFileTest, SaveThenLoadGivesTheSameIdentity) {
  const Identity original = Identity::Generate();
  ASSERT_THAT(original.Save(path_), IsOk());
  absl::StatusOr<Identity> loaded = Identity::Load(path_);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(loaded->public_key(), original.public_key());
}

TEST_F(IdentityFileTest, SavedFileIsPrivateEvenWithAPermissiveUmask) {
  const mode_t old_umask = umask(0);
  const absl::Status status = FixedIdentity(1).Save(path_);
  umask(old_umask);
  ASSERT_THAT(status, IsOk());
  EXPECT_EQ(Mode(), 0600u);
}

TEST_F(IdentityFileTest, SaveLeavesNoTemporaryFileBehind) {
  ASSERT_THAT(FixedIdentity(1).Save(path_), IsOk());
  EXPECT_EQ(DirectoryEntries(), std::vector<std::string>{"identity.key"});
}

TEST_F(IdentityFileTest, SaveRefusesToOverwriteUnlessAsked) {
  ASSERT_THAT(FixedIdentity(1).Save(path_), IsOk());
  EXPECT_THAT(FixedIdentity(2).Save(path_),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("refusing to overwrite")));
  EXPECT_EQ(Identity::Load(path_)->public_key(), FixedIdentity(1).public_key());
  EXPECT_EQ(DirectoryEntries(), std::vector<std::string>{"identity.key"});

  ASSERT_THAT(FixedIdentity(2).Save(path_, Identity::Overwrite::kReplace), IsOk());
  EXPECT_EQ(Identity::Load(path_)->public_key(), FixedIdentity(2).public_key());
  EXPECT_EQ(Mode(), 0600u);
}

TEST_F(IdentityFileTest, SaveIntoAMissingDirectoryFails) {
  EXPECT_THAT(FixedIdentity(1).Save(dir_ + "/no/such/dir/key"),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("no/such/dir")));
}

TEST_F(IdentityFileTest, LoadAcceptsOwnerOnlyModes) {
  ASSERT_THAT(FixedIdentity(1).Save(path_), IsOk());
  ASSERT_EQ(chmod(path_.c_str(), 0400), 0);
  EXPECT_THAT(Identity::Load(path_), IsOk());
}

TEST_F(IdentityFileTest, LoadRefusesAFileOthersCanAccess) {
  ASSERT_THAT(FixedIdentity(1).Save(path_), IsOk());
  for (mode_t mode : {0640, 0604, 0644, 0660, 0602}) {
    ASSERT_EQ(chmod(path_.c_str(), mode), 0);
    EXPECT_THAT(Identity::Load(path_),
                StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("chmod 600")))
        << std::oct << mode;
  }
  ASSERT_EQ(chmod(path_.c_str(), 0644), 0);
  EXPECT_THAT(Identity::Load(path_),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("mode 0644")));
}

TEST_F(IdentityFileTest, LoadReportsAMissingFile) {
  EXPECT_THAT(Identity::Load(path_),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("does not exist")));
}

TEST_F(IdentityFileTest, LoadRefusesADirectory) {
  EXPECT_THAT(Identity::Load(dir_),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not a regular file")));
}

// A well-formed file for FixedIdentity(1), to be damaged line by line.
class IdentityFileFormatTest : public IdentityFileTest {
 protected:
  void SetUp() override {
    IdentityFileTest::SetUp();
    ASSERT_THAT(FixedIdentity(1).Save(path_), IsOk());
    good_ = ReadFile();
    seed_hex_ = good_.substr(good_.find("ed25519-seed ") + 13, 64);
  }
  absl::Status LoadWith(const std::string& contents) {
    WriteFile(contents, 0600);
    return Identity::Load(path_).status();
  }
  std::string Replace(absl::string_view from, absl::string_view to) {
    return absl::StrReplaceAll(good_, {{from, to}});
  }

  std::string good_;
  std::string seed_hex_;
};

TEST_F(IdentityFileFormatTest, WellFormedFileLoads) { EXPECT_THAT(LoadWith(good_), IsOk()); }

TEST_F(IdentityFileFormatTest, RejectsAWrongHeader) {
  EXPECT_THAT(LoadWith(Replace("cairn-identity-v1", "cairn-identity-v2")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 1")));
  EXPECT_THAT(LoadWith(""), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 1")));
}

TEST_F(IdentityFileFormatTest, RejectsABadSeedLineWithoutQuotingIt) {
  for (const std::string& bad :
       {Replace(seed_hex_, seed_hex_.substr(1)), Replace(seed_hex_, seed_hex_ + "0"),
        Replace(seed_hex_, "zz" + seed_hex_.substr(2)), Replace("ed25519-seed ", "seed ")}) {
    const absl::Status status = LoadWith(bad);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 2")));
    EXPECT_THAT(std::string(status.message()), Not(HasSubstr(seed_hex_.substr(2, 20))));
  }
}

TEST_F(IdentityFileFormatTest, RejectsAFingerprintThatDoesNotMatchTheSeed) {
  const std::string other = FixedIdentity(2).fingerprint().ToString();
  EXPECT_THAT(LoadWith(Replace(FixedIdentity(1).fingerprint().ToString(), other)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("corrupted")));
  EXPECT_THAT(LoadWith(Replace("fingerprint ed25519:", "fingerprint ed25519:x")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 3")));
}

TEST_F(IdentityFileFormatTest, RejectsTrailingOrMissingLines) {
  EXPECT_THAT(LoadWith(good_ + "extra\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 4")));
  EXPECT_THAT(LoadWith(good_.substr(0, good_.size() - 1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 3")));
}

TEST_F(IdentityFileFormatTest, RejectsAnOversizedFile) {
  EXPECT_THAT(LoadWith(good_ + std::string(2000, '#')),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bytes")));
}

}  // namespace
}  // namespace cairn
