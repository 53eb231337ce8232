// The roster file: a valid file becomes a roster; anything else is an error naming file,
// line, column, member and field, with every error reported and no roster at all.
#include "federation/roster.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "crypto/certificate.h"
#include "federation/testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using federation_testing::FixedIdentity;
using ::testing::AllOf;
using ::testing::HasSubstr;

class RosterTest : public ::testing::Test {
 protected:
  RosterTest() : acme_(FixedIdentity(1)), beta_(FixedIdentity(2)) {
    valid_ = absl::StrCat(R"(version = 1
consortium = "steel-bench"

[[member]]
name = "acme-steel"
fingerprint = ")",
                          acme_.fingerprint().ToString(), R"("
endpoint = "acme.example:7443"

[[member]]
name = "beta-metal"
fingerprint = ")",
                          beta_.fingerprint().ToString(), R"("
endpoint = "beta.example:7443"
)");
  }
  std::string Valid(const std::string& from, const std::string& to) const {
    std::string text = absl::StrReplaceAll(valid_, {{from, to}});
    EXPECT_NE(text, valid_) << "no '" << from << "' in the valid roster";
    return text;
  }
  std::string Error(const std::string& text) const {
    absl::StatusOr<ConsortiumRoster> r = ParseRoster("roster.toml", text);
    EXPECT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(r.status().message());
  }
  // "roster.toml:<line of needle>:<column>: ".
  static std::string At(const std::string& text, const std::string& needle, int column) {
    size_t pos = text.find(needle);
    int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + pos, '\n'));
    return absl::StrCat("roster.toml:", line, ":", column, ": ");
  }

  Identity acme_, beta_;
  std::string valid_;
};

TEST_F(RosterTest, AValidFileBecomesARoster) {
  absl::StatusOr<ConsortiumRoster> r = ParseRoster("roster.toml", valid_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->consortium(), "steel-bench");
  ASSERT_EQ(r->members().size(), 2u);
  EXPECT_TRUE(r->Contains(beta_.public_key()));
  EXPECT_FALSE(r->Contains(FixedIdentity(3).public_key()));
  EXPECT_EQ(r->Find(acme_.fingerprint())->endpoint, "acme.example:7443");
  EXPECT_EQ(r->FindByName("beta-metal")->fingerprint, beta_.fingerprint());
}

TEST_F(RosterTest, TheExampleFileParses) {
  absl::StatusOr<ConsortiumRoster> r = LoadRoster("federation/example_roster.toml");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->members().size(), 3u);
  EXPECT_EQ(r->FindByName("gamma-cast")->endpoint, "[2001:db8::17]:7443");
}

TEST_F(RosterTest, ACertificateMustCarryTheMembersKey) {
  const std::string pem = CertificateBuilder(acme_).SetDisplayName("Acme Steel").Build().value();
  std::string text =
      Valid("endpoint = \"acme.example:7443\"",
            absl::StrCat("endpoint = \"acme.example:7443\"\ncertificate = \"\"\"", pem, "\"\"\""));
  absl::StatusOr<ConsortiumRoster> r = ParseRoster("roster.toml", text);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->FindByName("acme-steel")->public_key, acme_.public_key());
  text = absl::StrReplaceAll(
      text, {{acme_.fingerprint().ToString(), FixedIdentity(3).fingerprint().ToString()}});
  EXPECT_THAT(Error(text), HasSubstr("member 'acme-steel' field 'certificate': its key is"));
  EXPECT_THAT(Error(Valid("endpoint = \"acme.example:7443\"",
                          "endpoint = \"acme.example:7443\"\ncertificate = \"junk\"")),
              HasSubstr("member 'acme-steel' field 'certificate': "));
}

TEST_F(RosterTest, FieldErrorsNameLineColumnMemberAndField) {
  std::string text = Valid(acme_.fingerprint().ToString(), "ed25519:short");
  EXPECT_THAT(Error(text), HasSubstr(At(text, "ed25519:short", 15) +
                                     "member 'acme-steel' field 'fingerprint': "));
  text = Valid("endpoint = \"beta.example:7443\"", "endpoint = \"beta.example\"");
  EXPECT_THAT(Error(text), HasSubstr("member 'beta-metal' field 'endpoint': 'beta.example' is not "
                                     "host:port (port 1..65535)"));
  text = Valid("name = \"beta-metal\"", "name = \"beta metal\"");
  EXPECT_THAT(Error(text), HasSubstr("member 'beta metal' field 'name': not a valid partner name"));
}

TEST_F(RosterTest, UnknownAndMissingFieldsAreErrors) {
  std::string text = Valid("endpoint = \"acme.example:7443\"",
                           "endpoint = \"acme.example:7443\"\nendpiont = \"x:1\"");
  EXPECT_THAT(Error(text),
              HasSubstr(At(text, "endpiont", 1) + "member 'acme-steel': unknown field 'endpiont'"));
  EXPECT_THAT(Error(Valid("endpoint = \"beta.example:7443\"\n", "")),
              HasSubstr("member 'beta-metal': missing field 'endpoint'"));
  EXPECT_THAT(Error(Valid("version = 1\n", "")), HasSubstr("missing field 'version'"));
  EXPECT_THAT(Error(Valid("version = 1", "version = 2")), HasSubstr("reads version 1"));
  EXPECT_THAT(Error(Valid("version = 1", "version = 1\nmembers = []")),
              HasSubstr("unknown field 'members'"));
}

TEST_F(RosterTest, NamesAndFingerprintsAreUnique) {
  EXPECT_THAT(Error(Valid("name = \"beta-metal\"", "name = \"acme-steel\"")),
              HasSubstr("the name is already used by the member at roster.toml:4:1"));
  EXPECT_THAT(Error(Valid(beta_.fingerprint().ToString(), acme_.fingerprint().ToString())),
              HasSubstr("is already member 'acme-steel'"));
}

TEST_F(RosterTest, ARosterNamesAValidConsortiumAndAtLeastTwoMembers) {
  EXPECT_THAT(Error(Valid("\"steel-bench\"", "\"Steel Bench\"")),
              HasSubstr("consortium 'Steel Bench': must be 1-64 of [a-z0-9_-]"));
  std::string one = valid_.substr(0, valid_.find("[[member]]\nname = \"beta-metal\""));
  EXPECT_THAT(Error(one), HasSubstr("a roster lists 2..1000 members, this one 1"));
}

TEST_F(RosterTest, EveryErrorIsReported) {
  std::string text = Valid("endpoint = \"beta.example:7443\"", "endpoint = \"beta.example:0\"");
  text = absl::StrReplaceAll(text, {{acme_.fingerprint().ToString(), "ed25519:bad"}});
  EXPECT_THAT(Error(text), AllOf(HasSubstr("'fingerprint'"), HasSubstr("'endpoint'")));
}

TEST_F(RosterTest, AMissingFileIsNotFound) {
  EXPECT_EQ(LoadRoster("/nonexistent/roster.toml").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace cairn
