// The policy file format: a valid file becomes a whole Policy; anything else is an error that
// names file, line, column and field, and no policy at all.
#include "policy/policy_file.h"

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

// One valid grant; tests replace or add lines.
constexpr char kValid[] = R"toml(version = 1

[groups]
consortium = ["acme", "beta"]

[[grant]]
name = "benchmark"
group = "consortium"
purpose = "energy benchmark"
release = "protected"
metrics = ["energy"]
aggregates = ["mean"]
finest = "month"
  [grant.privacy]
  epsilon = 0.5
  budget = 2
  period = "month"
  clamp = { energy = { lo = 0, hi = 1000 } }
)toml";

class PolicyFileTest : public ::testing::Test {
 protected:
  absl::StatusOr<Policy> Parse(const std::string& text) {
    return ParsePolicyFile("policy.toml", text, &registry_);
  }
  // The error for `text`, which must not parse.
  std::string Error(const std::string& text) {
    absl::StatusOr<Policy> p = Parse(text);
    EXPECT_FALSE(p.ok()) << "parsed:\n" << text;
    if (p.ok()) return "";
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(p.status().message());
  }
  // kValid with `from` replaced by `to`.
  static std::string Valid(const std::string& from, const std::string& to) {
    std::string text = absl::StrReplaceAll(kValid, {{from, to}});
    EXPECT_NE(text, kValid) << "no '" << from << "' in the valid policy";
    return text;
  }
  // kValid with a federation block `federation = { <fields> }` before `finest`.
  static std::string Federated(const std::string& fields) {
    return Valid("finest =", absl::StrCat("federation = { ", fields, " }\nfinest ="));
  }
  // "policy.toml:<line of needle>:<column>: ".
  static std::string At(const std::string& text, const std::string& needle, int column) {
    size_t pos = text.find(needle);
    int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + pos, '\n'));
    return absl::StrCat("policy.toml:", line, ":", column, ": ");
  }

  MetricRegistry registry_;
};

TEST_F(PolicyFileTest, TheExampleFileParses) {
  absl::StatusOr<Policy> p = LoadPolicyFile("policy/example.toml", &registry_);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->grants().size(), 2u);
  const Grant* bench = p->FindGrant("energy-benchmark");
  ASSERT_NE(bench, nullptr);
  EXPECT_EQ(bench->privacy->epsilon_micros, 250'000);
  EXPECT_EQ(bench->privacy->period, Granularity::kQuarter);
  EXPECT_EQ(bench->privacy->clamps.at("output_mass").resolution, 10);
  EXPECT_TRUE(p->IsMember("consortium", "beta-metal"));
  const Grant* cbam = p->FindGrant("cbam-customer");
  EXPECT_EQ(cbam->valid_until, ParseTimestamp("2028-01-01T00:00:00Z").value());
  EXPECT_EQ(cbam->rate_limit->window_micros, kMicrosPerHour);
  EXPECT_EQ(p->deny_rules()[0].name, "audit-embargo-2025");  // sorted by name
  EXPECT_EQ(p->deny_rules()[0].data_to, ParseTimestamp("2026-01-01T00:00:00Z").value());
}

TEST_F(PolicyFileTest, AValidFileBecomesAPolicy) {
  absl::StatusOr<Policy> p = Parse(kValid);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->grants()[0].privacy->budget_micros, 2'000'000);
}

TEST_F(PolicyFileTest, ASemanticErrorNamesFileLineColumnGrantAndField) {
  std::string text = Valid("epsilon = 0.5", "epsilon = 0");
  EXPECT_THAT(Error(text), HasSubstr(At(text, "epsilon", 3) +
                                     "grant 'benchmark' field 'privacy.epsilon': must be > 0"));
}

TEST_F(PolicyFileTest, ASyntaxErrorNamesLineAndColumn) {
  std::string text = Valid("finest = \"month\"", "finest = \"month");
  EXPECT_THAT(Error(text), HasSubstr(At(text, "finest", 1).substr(0, 14)));
}

TEST_F(PolicyFileTest, UnknownKeysAreErrorsWherever) {
  std::string text = Valid("finest =", "finset = \"month\"\nfinest =");
  EXPECT_THAT(Error(text),
              HasSubstr(At(text, "finset", 1) + "grant 'benchmark': unknown field 'finset'"));
  text = Valid("budget = 2", "budget = 2\n  budgte = 3");
  EXPECT_THAT(Error(text), HasSubstr(At(text, "budgte", 3) +
                                     "grant 'benchmark': unknown field 'privacy.budgte'"));
  text = Valid("hi = 1000", "hi = 1000, reslution = 2");
  EXPECT_THAT(Error(text), HasSubstr("unknown field 'privacy.clamp.energy.reslution'"));
  text = Valid("version = 1", "version = 1\ngrants = []");
  EXPECT_THAT(Error(text), HasSubstr(At(text, "grants", 1) + "policy: unknown field 'grants'"));
}

TEST_F(PolicyFileTest, MissingRequiredFieldsAreNamed) {
  EXPECT_THAT(Error(Valid("finest = \"month\"\n", "")),
              HasSubstr("grant 'benchmark': missing field 'finest'"));
  EXPECT_THAT(Error(Valid("  period = \"month\"\n", "")),
              HasSubstr("grant 'benchmark': missing field 'privacy.period'"));
  EXPECT_THAT(Error(Valid("version = 1\n", "")), HasSubstr("missing field 'version'"));
}

TEST_F(PolicyFileTest, WrongTypesSayWhatWasExpected) {
  EXPECT_THAT(Error(Valid("metrics = [\"energy\"]", "metrics = \"energy\"")),
              HasSubstr("field 'metrics': expected an array of strings, found a string"));
  EXPECT_THAT(Error(Valid("finest = \"month\"", "finest = \"month\"\nmin_records = \"3\"")),
              HasSubstr("field 'min_records': expected an integer, found a string"));
}

TEST_F(PolicyFileTest, EnumeratedValuesListTheChoices) {
  EXPECT_THAT(Error(Valid("[\"mean\"]", "[\"median\"]")),
              HasSubstr("unknown aggregate 'median' (expected sum, count, mean, min, max"));
  EXPECT_THAT(Error(Valid("finest = \"month\"", "finest = \"fortnight\"")),
              HasSubstr("unknown time bucket 'fortnight'"));
  EXPECT_THAT(Error(Valid("release = \"protected\"", "release = \"open\"")),
              HasSubstr("unknown release 'open' (expected exact or protected)"));
}

TEST_F(PolicyFileTest, MinAndMaxAreRefusedUnderPrivacy) {
  EXPECT_THAT(Error(Valid("[\"mean\"]", "[\"mean\", \"max\"]")),
              HasSubstr("field 'aggregates': 'max' cannot be released with differential privacy"));
}

TEST_F(PolicyFileTest, ReleaseModeAndPrivacyBlockMustAgree) {
  EXPECT_THAT(Error(Valid("release = \"protected\"", "release = \"exact\"")),
              HasSubstr("field 'privacy': release = \"exact\" releases exact figures"));
  std::string no_privacy = kValid;
  no_privacy.resize(no_privacy.find("  [grant.privacy]"));
  EXPECT_THAT(Error(no_privacy), HasSubstr("release = \"protected\" needs a privacy block"));
}

TEST_F(PolicyFileTest, SummedMetricsNeedClampsAndClampsNeedAMetric) {
  EXPECT_THAT(Error(Valid("clamp = { energy = { lo = 0, hi = 1000 } }", "")),
              HasSubstr("field 'privacy.clamp': needs bounds for metric 'energy'"));
  EXPECT_THAT(Error(Valid("hi = 1000 } }", "hi = 1000 }, water = { lo = 0, hi = 5 } }")),
              HasSubstr("field 'privacy.clamp.water': the grant does not release metric"));
  EXPECT_THAT(Error(Valid("lo = 0, hi = 1000", "lo = 10, hi = 1")),
              HasSubstr("needs finite bounds with lo < hi"));
}

TEST_F(PolicyFileTest, NamesMustResolve) {
  EXPECT_THAT(Error(Valid("group = \"consortium\"", "group = \"consortum\"")),
              HasSubstr("field 'group': unknown partner group 'consortum'"));
  EXPECT_THAT(Error(Valid("[\"energy\"]", "[\"enrgy\"]")),
              HasSubstr("field 'metrics': unknown metric 'enrgy'"));
  EXPECT_THAT(Error(Valid("group = \"consortium\"", "group = \"consortium\"\npartner = \"x\"")),
              HasSubstr("needs exactly one of 'partner' or 'group'"));
}

TEST_F(PolicyFileTest, NamesAreUniqueAcrossGrantsAndDenyRules) {
  std::string text = absl::StrCat(kValid, "\n[[deny]]\nname = \"benchmark\"\nreason = \"x\"\n");
  EXPECT_THAT(Error(text), HasSubstr("deny rule 'benchmark': the name is already used by grant "
                                     "'benchmark' at policy.toml:6:1"));
}

TEST_F(PolicyFileTest, TimesAreRfc3339WithAnOffset) {
  auto with = [](const std::string& line) { return Valid("finest =", line + "\nfinest ="); };
  absl::StatusOr<Policy> p = Parse(with("valid_from = 2026-03-01T01:00:00+01:00"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->grants()[0].valid_from, ParseTimestamp("2026-03-01T00:00:00Z").value());
  p = Parse(with("valid_until = \"2026-03-01T00:00:00Z\""));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(Error(with("valid_from = 2026-03-01T00:00:00")), HasSubstr("needs a UTC offset"));
  EXPECT_THAT(Error(with("valid_from = \"soon\"")), HasSubstr("field 'valid_from'"));
  EXPECT_THAT(Error(with("valid_from = 2027-01-01\nvalid_until = 2026-01-01")),
              HasSubstr("field 'valid_until': must be after valid_from"));
}

TEST_F(PolicyFileTest, EveryErrorIsReportedNotJustTheFirst) {
  std::string text = Valid("epsilon = 0.5", "epsilon = -1");
  text = absl::StrReplaceAll(text, {{"finest = \"month\"", "finest = \"month\"\nmin_series = 0"}});
  absl::StatusOr<Policy> p = Parse(text);
  ASSERT_FALSE(p.ok());
  // min_series is checked while reading, epsilon while building: reading errors come first.
  EXPECT_THAT(p.status().message(), HasSubstr("field 'min_series': must be at least 1"));
  text = Valid("epsilon = 0.5", "epsilon = -1");
  text = absl::StrReplaceAll(text, {{"budget = 2", "budget = 0"}});
  EXPECT_THAT(Error(text), AllOf(HasSubstr("'privacy.epsilon'"), HasSubstr("'privacy.budget'")));
}

TEST_F(PolicyFileTest, GrantsMustBeAnArrayOfTables) {
  std::string text = Valid("[[grant]]", "[grant]");
  EXPECT_THAT(Error(text),
              HasSubstr(At(text, "[grant]", 1) +
                        "policy field 'grant': write each entry as a [[grant]] table"));
}

TEST_F(PolicyFileTest, DenyRulesAreValidatedToo) {
  std::string text = absl::StrCat(kValid, R"toml(
[[deny]]
name = "embargo"
reason = ""
group = "nobody"
aggregates = ["avg"]
)toml");
  EXPECT_THAT(Error(text), HasSubstr("deny rule 'embargo' field 'aggregates': unknown aggregate "
                                     "'avg'"));
  text = absl::StrReplaceAll(text, {{"[\"avg\"]", "[\"sum\"]"}});
  EXPECT_THAT(Error(text), AllOf(HasSubstr("deny rule 'embargo' field 'reason'"),
                                 HasSubstr("deny rule 'embargo' field 'group': unknown partner "
                                           "group 'nobody'")));
}

TEST_F(PolicyFileTest, OversizedAndMissingFilesAreRefused) {
  EXPECT_THAT(Error(std::string(kMaxPolicyFileBytes + 1, '#')), HasSubstr("larger than"));
  EXPECT_EQ(LoadPolicyFile("/nonexistent/policy.toml", &registry_).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(PolicyFileTest, AnEmptyPolicyDeniesEverything) {
  absl::StatusOr<Policy> p = Parse("version = 1\n");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->grants().empty());
  EXPECT_TRUE(p->GrantIndicesFor("anyone").empty());
}

TEST_F(PolicyFileTest, AFederationBlockBindsAGrantToAConsortium) {
  absl::StatusOr<Policy> p = Parse(Federated("consortium = \"steel-bench\", min_cohort = 5"));
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_TRUE(p->grants()[0].federation.has_value());
  EXPECT_EQ(p->grants()[0].federation->consortium, "steel-bench");
  EXPECT_EQ(p->grants()[0].federation->min_cohort, 5u);
  EXPECT_FALSE(Parse(kValid)->grants()[0].federation.has_value());
}

TEST_F(PolicyFileTest, AFederationBlockNeedsAConsortiumAndACohortOfTwoOrMore) {
  std::string text = Federated("consortium = \"steel-bench\", min_cohort = 1");
  const size_t value = text.find("min_cohort = 1") + 13;  // the error points at the value
  const int column = static_cast<int>(value - text.rfind('\n', value));
  EXPECT_THAT(Error(text), HasSubstr(At(text, "min_cohort", column) +
                                     "grant 'benchmark' field 'federation.min_cohort': must be "
                                     "2..1000"));
  EXPECT_THAT(Error(Federated("min_cohort = 5")),
              HasSubstr("grant 'benchmark': missing field 'federation.consortium'"));
  EXPECT_THAT(Error(Federated("consortium = \"Steel Bench\", min_cohort = 5")),
              HasSubstr("field 'federation.consortium': must be 1-64 of [a-z0-9_-]"));
  EXPECT_THAT(Error(Federated("consortium = \"x\", min_cohort = 5, min_cohrt = 6")),
              HasSubstr("unknown field 'federation.min_cohrt'"));
}

TEST_F(PolicyFileTest, AFederatedGrantCannotAnswerMinOrMax) {
  std::string text = absl::StrReplaceAll(
      Federated("consortium = \"steel-bench\", min_cohort = 5"),
      {{"release = \"protected\"", "release = \"exact\""}, {"[\"mean\"]", "[\"mean\", \"min\"]"}});
  text.resize(text.find("  [grant.privacy]"));
  EXPECT_THAT(Error(text), HasSubstr("field 'aggregates': 'min' cannot be answered in a "
                                     "federated round"));
}

}  // namespace
}  // namespace cairn
