// cairnctl commands about identity and partners: identity (show, rotate), partner (add, list,
// show, revoke, allow), and verify (check a kept signed result offline).
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crypto/certificate.h"
#include "crypto/hash.h"
#include "participant/data_dir.h"
#include "participant/participant_identity.h"
#include "protocol/signed_envelope.h"
#include "tools/cairnctl/commands.h"
#include "tools/cairnctl/federated_file.h"
#include "tools/cairnctl/render.h"
#include "tools/cairnctl/result_format.h"

namespace cairn {
namespace {

std::string Date(Timestamp t) { return t == 0 ? "-" : FormatTimestamp(t); }

struct PartnerFlags {
  bool cert_only = false;
  int cert_days = 365;
  std::string name, cert_file, endpoint, fingerprint;
  std::vector<std::string> metrics;
  std::string verify_file, expect, verify_format = "table", verify_roster;
  std::string format = "table";
};

Record PartnerRecord(const PartnerView& p) {
  Record r;
  r.Add("partner", p.name)
      .Add("name", p.display_name)
      .Add("fingerprint", p.fingerprint)
      .Add("endpoint", p.endpoint.empty() ? Value() : Value(p.endpoint))
      .Add("status", p.revoked ? "revoked" : "active")
      .Add("revoked_at", p.revoked ? Value(FormatTimestamp(p.revoked_at)) : Value())
      .Add("added", FormatTimestamp(p.added_at))
      .Add("certificate_valid_until", Date(p.not_after))
      .Add("connections", Value(p.connections).Shown(absl::StrCat(p.connections, " live")))
      .Add("metrics",
           Value(p.allowed_metrics)
               .Shown(p.allowed_metrics.empty() ? "(none allowed yet)"
                                                : absl::StrJoin(p.allowed_metrics, ", ")));
  return r;
}

int PartnerList(AdminClient& c, const PartnerFlags& f) {
  absl::StatusOr<std::vector<PartnerView>> all = c.ListPartners();
  if (!all.ok()) return Fail("partner list", all.status());
  Table table({"partner", "fingerprint", "endpoint", "status", "connections"});
  table.SetEmptyNote("no partners registered (cairnctl partner add NAME --cert FILE)");
  for (const PartnerView& p : *all) {
    table.Add({p.name, p.fingerprint, p.endpoint.empty() ? Value() : Value(p.endpoint),
               p.revoked ? "revoked" : "active", p.connections});
  }
  std::cout << table.Render(*ParseOutputFormat(f.format));
  return 0;
}

int PartnerShow(AdminClient& c, const PartnerFlags& f) {
  absl::StatusOr<std::vector<PartnerView>> all = c.ListPartners();
  if (!all.ok()) return Fail("partner show", all.status());
  for (const PartnerView& p : *all) {
    if (p.name == f.name) {
      std::cout << PartnerRecord(p).Render(*ParseOutputFormat(f.format));
      return 0;
    }
  }
  return Fail("partner show", absl::NotFoundError(absl::StrCat("no partner named '", f.name, "'")));
}

// The attestation of a kept signed result, as verify shows it.
Record AttestationRecord(const AttestationInfo& info) {
  Record r;
  r.Add("signed_by", info.attester_name)
      .Add("fingerprint", info.attester.fingerprint().ToString())
      .Add("answered", FormatTimestamp(info.answered_at))
      .Add("requester", info.requester.fingerprint().ToString())
      .Add("request_sha256", HexEncode(info.request_hash))
      .Add("query", DescribeQuery(info.query));
  if (!info.protection.grant.empty()) {
    r.Add("grant", info.protection.grant)
        .Add("policy_version", info.protection.policy_version)
        .Add("figures", info.protection.noise.empty() ? "exact" : info.protection.noise)
        .Add("withheld_groups", info.protection.suppressed_groups);
  }
  if (!info.protection.audit_receipt.empty()) {
    r.Add("receipt", HexEncode(info.protection.audit_receipt));
  }
  return r;
}

int Verify(const PartnerFlags& f, const std::string& data_dir) {
  absl::StatusOr<std::string> text = ReadFile(f.verify_file);
  if (!text.ok()) return Fail("verify", text.status());
  if (IsArmoredFederatedResult(*text)) {
    return VerifyFederated(*text, f.verify_file, f.verify_roster, data_dir,
                           *ParseOutputFormat(f.verify_format));
  }
  auto reject = [&](const absl::Status& s) {
    std::cerr << "REJECTED " << f.verify_file << ": " << s.message() << "\n";
    return 1;
  };
  absl::StatusOr<SignedBytes> signed_result = DearmorSignedResult(*text);
  if (!signed_result.ok()) return reject(signed_result.status());
  absl::StatusOr<AttestationInfo> info = VerifySignedResult(*signed_result);
  if (!info.ok()) return reject(info.status());
  // Who signed it. A certificate's name is whatever its holder wrote: only a fingerprint
  // pinned out of band (--expect) or a registered partner's identifies the signer.
  const std::string signer = info->attester.fingerprint().ToString();
  std::string identified;
  if (!f.expect.empty()) {
    absl::StatusOr<Fingerprint> expected = Fingerprint::Parse(f.expect);
    if (!expected.ok()) return Fail("verify", expected.status());
    if (*expected != info->attester.fingerprint()) {
      return reject(absl::UnauthenticatedError(
          absl::StrCat("signed by ", signer, ", not by the expected ", expected->ToString())));
    }
    identified = "the fingerprint you expected";
  } else if (absl::StatusOr<std::unique_ptr<AdminClient>> client = AdminClient::Connect(data_dir);
             client.ok()) {
    absl::StatusOr<std::vector<PartnerView>> partners = (*client)->ListPartners();
    for (const PartnerView& p : partners.ok() ? *partners : std::vector<PartnerView>()) {
      if (p.fingerprint == signer && !p.revoked)
        identified = "your registered partner '" + p.name + "'";
    }
  }
  const OutputFormat format = *ParseOutputFormat(f.verify_format);
  const Record attestation = AttestationRecord(*info);
  if (format == OutputFormat::kJson) {
    Json doc = ResultJson(info->query, info->result, "");
    doc["verified"] = true;
    doc["signer"] = Json{{"fingerprint", signer},
                         {"name_in_its_certificate", info->attester_name},
                         {"identified_as", identified.empty() ? Json() : Json(identified)}};
    doc["attestation"] = attestation.ToJson();
    std::cout << doc.dump(2) << "\n";
    return identified.empty() ? 2 : 0;
  }
  if (identified.empty()) {
    std::cout << "signature valid, signer NOT identified: key " << signer << " calls itself \""
              << info->attester_name
              << "\", which any key can; check its fingerprint with the partner out of band and "
                 "run again with --expect FINGERPRINT\n";
  } else {
    std::cout << "verified: signed by " << signer << ", " << identified << " (\""
              << info->attester_name << "\" by its own certificate)\n";
  }
  std::cout << attestation.Render(OutputFormat::kTable) << "\n"
            << FormatResult(info->query, info->result, format, "");
  return identified.empty() ? 2 : 0;
}

}  // namespace

void AddPartnerCommands(CLI::App& app, Globals& g) {
  static PartnerFlags f;

  CLI::App* identity = app.add_subcommand(
      "identity", "this participant's fingerprint and certificate, to give to partners");
  identity->add_flag("--cert", f.cert_only, "print only the certificate (PEM)");
  AddFormatOption(identity, f.format);
  identity->callback([&g, identity] {
    if (identity->get_subcommands().size() > 0) return;  // `identity rotate` ran instead
    absl::StatusOr<ParticipantIdentity> id = LoadParticipantIdentity(DataDir(g.data_dir));
    if (!id.ok()) {
      g.exit_code = Fail("identity", id.status());
      return;
    }
    if (f.cert_only) {
      std::cout << id->certificate_pem;
      return;
    }
    Record r;
    r.Add("fingerprint", id->certificate.fingerprint.ToString())
        .Add("name", id->certificate.organization)
        .Add("valid_from", Date(id->certificate.not_before))
        .Add("valid_until", Date(id->certificate.not_after));
    const OutputFormat format = *ParseOutputFormat(f.format);
    if (format != OutputFormat::kTable) r.Add("certificate_pem", id->certificate_pem);
    std::cout << r.Render(format);
    if (format == OutputFormat::kTable) std::cout << "\n" << id->certificate_pem;
  });
  CLI::App* rotate = identity->add_subcommand(
      "rotate", "replace the identity key and certificate (cairnd must be stopped)");
  rotate->add_option("--cert-days", f.cert_days, "validity of the new certificate, in days")
      ->check(CLI::Range(1, 3650))
      ->capture_default_str();
  rotate->callback([&g] {
    DataDir dir(g.data_dir);
    absl::StatusOr<std::unique_ptr<DataDirLock>> lock = DataDirLock::Acquire(dir);
    if (!lock.ok()) {
      g.exit_code = Fail("identity rotate",
                         absl::FailedPreconditionError(absl::StrCat(
                             lock.status().message(), "; stop it before rotating the key")));
      return;
    }
    absl::StatusOr<ParticipantIdentity> old = LoadParticipantIdentity(dir);
    if (!old.ok()) {
      g.exit_code = Fail("identity rotate", old.status());
      return;
    }
    absl::Status s =
        CreateParticipantIdentity(dir, old->certificate.organization, f.cert_days, true);
    absl::StatusOr<ParticipantIdentity> now = LoadParticipantIdentity(dir);
    if (!s.ok() || !now.ok()) {
      g.exit_code = Fail("identity rotate", s.ok() ? now.status() : s);
      return;
    }
    std::cout << "new identity " << now->certificate.fingerprint.ToString() << "\n"
              << "  (was " << old->certificate.fingerprint.ToString()
              << "; the old files are kept as identity.key.old / identity.crt.old)\n"
              << "Send " << dir.CertificatePath()
              << " to every partner; each registers it again (partner revoke, then partner "
                 "add). Then start cairnd.\n";
  });

  CLI::App* partner = app.add_subcommand("partner", "register, list, show and revoke partners");
  partner->require_subcommand(1);
  CLI::App* add = partner->add_subcommand("add", "register a partner by its certificate");
  add->add_option("name", f.name, "local name for the partner, e.g. acme-steel")->required();
  add->add_option("--cert", f.cert_file,
                  "the partner's certificate (PEM), from `cairnctl identity`")
      ->required();
  add->add_option("--endpoint", f.endpoint, "HOST:PORT where the partner's cairnd listens");
  add->add_option("--fingerprint", f.fingerprint,
                  "the fingerprint the partner told you out of band; must match the certificate");
  add->add_option("--allow-metric", f.metrics,
                  "a metric this partner may ask about until a policy is in force (repeatable)");
  add->callback([&g] {
    absl::StatusOr<std::string> pem = ReadFile(f.cert_file);
    if (!pem.ok()) {
      g.exit_code = Fail("partner add", pem.status());
      return;
    }
    g.exit_code = WithClient(g.data_dir, "partner add", [&pem](AdminClient& c) {
      absl::StatusOr<PartnerView> p =
          c.AddPartner(f.name, *pem, f.endpoint, f.fingerprint, SplitList(f.metrics));
      if (!p.ok()) return Fail("partner add", p.status());
      std::cout << "registered partner " << p->name << " (" << p->fingerprint << ")\n";
      if (f.fingerprint.empty()) {
        std::cout << "  not pinned by --fingerprint: confirm this fingerprint with the partner "
                     "out of band\n";
      }
      return 0;
    });
  });
  CLI::App* list = partner->add_subcommand("list", "registered partners");
  AddFormatOption(list, f.format);
  list->callback([&g] {
    g.exit_code =
        WithClient(g.data_dir, "partner list", [](AdminClient& c) { return PartnerList(c, f); });
  });
  CLI::App* show = partner->add_subcommand("show", "one partner in detail");
  show->add_option("name", f.name, "the partner")->required();
  AddFormatOption(show, f.format);
  show->callback([&g] {
    g.exit_code =
        WithClient(g.data_dir, "partner show", [](AdminClient& c) { return PartnerShow(c, f); });
  });
  CLI::App* revoke = partner->add_subcommand(
      "revoke", "stop trusting a partner now; its live connections are closed");
  revoke->add_option("name", f.name, "the partner")->required();
  revoke->callback([&g] {
    g.exit_code = WithClient(g.data_dir, "partner revoke", [](AdminClient& c) {
      absl::StatusOr<uint32_t> closed = c.RevokePartner(f.name);
      if (!closed.ok()) return Fail("partner revoke", closed.status());
      std::cout << "revoked partner " << f.name << "; closed " << *closed << " live connections\n";
      return 0;
    });
  });
  CLI::App* allow = partner->add_subcommand(
      "allow", "set the metrics a partner may ask about (until a policy is in force)");
  allow->add_option("name", f.name, "the partner")->required();
  allow->add_option("--metrics", f.metrics, "comma-separated metrics; empty allows none")
      ->required();
  allow->callback([&g] {
    g.exit_code = WithClient(g.data_dir, "partner allow", [](AdminClient& c) {
      absl::Status s = c.AllowMetrics(f.name, SplitList(f.metrics));
      if (!s.ok()) return Fail("partner allow", s);
      std::cout << "partner " << f.name << " may ask about: "
                << (f.metrics.empty() ? "nothing" : absl::StrJoin(SplitList(f.metrics), ", "))
                << "\n";
      return 0;
    });
  });

  CLI::App* verify = app.add_subcommand(
      "verify", "check a kept signed result offline: who attested what, and when");
  verify
      ->add_option("file", f.verify_file,
                   "file written by `cairnctl query --peer --out` or `cairnctl federate --out`")
      ->required();
  verify->add_option("--roster", f.verify_roster,
                     "federated results: the consortium roster to check against (default: the "
                     "data dir's copy, else the one in the file)");
  verify->add_option("--expect", f.expect,
                     "fail unless signed by this fingerprint; without it the signer is identified "
                     "only if it is a registered partner of the daemon at --data-dir (exit code 2 "
                     "when the signature is valid but the signer not identified)");
  AddFormatOption(verify, f.verify_format);
  verify->callback([&g] { g.exit_code = Verify(f, g.data_dir); });
}

}  // namespace cairn
