// Encoding, decoding and signing of federation messages; see messages.h.
#include "federation/messages.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>
#include <sodium.h>

#include <cstring>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "crypto/signing.h"
#include "protocol/convert.h"
#include "protocol/federation.capnp.h"

namespace cairn {
namespace {

constexpr absl::string_view kRoundLabel = "cairn/federation/round/v1";
constexpr absl::string_view kProposalLabel = "cairn/federation/proposal/v1";
constexpr absl::string_view kCommitmentLabel = "cairn/federation/commitment/v1";
constexpr absl::string_view kAnnouncementLabel = "cairn/federation/announcement/v1";
constexpr absl::string_view kContributionLabel = "cairn/federation/contribution/v1";

// Bounds on text a peer sends that we keep (names and reasons).
constexpr size_t kMaxNameBytes = 256;
constexpr size_t kMaxReasonBytes = 4096;

std::string Labelled(absl::string_view label, absl::string_view body) {
  std::string out;
  out.reserve(label.size() + 1 + body.size());
  out.append(label.data(), label.size());
  out.push_back('\0');
  out.append(body.data(), body.size());
  return out;
}

SignedMessage SignBody(const Identity& signer, absl::string_view label, std::string body) {
  SignedMessage m;
  m.signature = std::string(Sign(signer, Labelled(label, body)).AsStringView());
  m.body = std::move(body);
  return m;
}

absl::Status VerifyBody(const SignedMessage& m, absl::string_view label, const PublicKey& signer) {
  CAIRN_ASSIGN_OR_RETURN(const Signature signature, Signature::FromBytes(m.signature));
  return Verify(signer, Labelled(label, m.body), signature);
}

std::string Encode(capnp::MallocMessageBuilder& message) {
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  kj::ArrayPtr<const kj::byte> bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

// Runs `read` on the root of `bytes` as a T, turning Cap'n Proto's exceptions about malformed
// input into InvalidArgument naming `what`.
template <typename T, typename Read>
auto Decode(absl::string_view bytes, absl::string_view what, Read read)
    -> decltype(read(typename T::Reader())) {
  if (bytes.size() > kMaxMessageBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", bytes.size(), " bytes, more than ", kMaxMessageBytes));
  }
  if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", bytes.size(), " bytes is not a Cap'n Proto message"));
  }
  kj::Array<capnp::word> words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  capnp::ReaderOptions options;
  options.traversalLimitInWords = 4 * words.size() + 1024;
  options.nestingLimit = 16;
  try {
    capnp::FlatArrayMessageReader reader(words, options);
    return read(reader.getRoot<T>());
  } catch (const kj::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": malformed message: ", e.getDescription().cStr()));
  }
}

std::string Str(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }
absl::string_view View(capnp::Data::Reader d) {
  return absl::string_view(reinterpret_cast<const char*>(d.begin()), d.size());
}
kj::ArrayPtr<const kj::byte> Bytes(absl::string_view s) {
  return kj::arrayPtr(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}
template <size_t N>
kj::ArrayPtr<const kj::byte> Bytes(const std::array<uint8_t, N>& a) {
  return kj::arrayPtr(a.data(), a.size());
}

absl::StatusOr<std::string> BoundedText(capnp::Text::Reader t, absl::string_view field,
                                        size_t max) {
  if (t.size() > max) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": longer than ", max, " bytes"));
  }
  return Str(t);
}

template <size_t N>
absl::StatusOr<std::array<uint8_t, N>> FixedBytes(capnp::Data::Reader d, absl::string_view field) {
  if (d.size() != N) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": expected ", N, " bytes, got ", d.size()));
  }
  std::array<uint8_t, N> out;
  std::memcpy(out.data(), d.begin(), N);
  return out;
}

absl::StatusOr<PublicKey> Key(capnp::Data::Reader d, absl::string_view field,
                              const KnownKeys* known) {
  absl::StatusOr<PublicKey> key =
      known != nullptr ? known->Resolve(View(d)) : PublicKey::FromBytes(View(d));
  if (!key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", key.status().message()));
  }
  return key;
}

absl::StatusOr<std::vector<PublicKey>> Keys(capnp::List<capnp::Data>::Reader list,
                                            absl::string_view field, const KnownKeys* known) {
  if (list.size() > kMaxCohortMembers) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", list.size(), " keys, at most ", kMaxCohortMembers));
  }
  std::vector<PublicKey> keys;
  keys.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    CAIRN_ASSIGN_OR_RETURN(PublicKey k, Key(list[i], absl::StrCat(field, "[", i, "]"), known));
    keys.push_back(k);
  }
  return keys;
}

void SetKeys(const std::vector<PublicKey>& keys, capnp::List<capnp::Data>::Builder out) {
  for (size_t i = 0; i < keys.size(); ++i) out.set(i, Bytes(keys[i].bytes()));
}

void SetSigned(const SignedMessage& m, proto::Signed::Builder out) {
  out.setBody(Bytes(m.body));
  out.setSignature(Bytes(m.signature));
}

SignedMessage GetSigned(proto::Signed::Reader in) {
  return SignedMessage{std::string(View(in.getBody())), std::string(View(in.getSignature()))};
}

absl::StatusOr<std::vector<SignedMessage>> GetSignedList(capnp::List<proto::Signed>::Reader list,
                                                         absl::string_view field) {
  if (list.size() > kMaxCohortMembers) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", list.size(), " messages, at most ", kMaxCohortMembers));
  }
  std::vector<SignedMessage> out;
  out.reserve(list.size());
  for (auto m : list) out.push_back(GetSigned(m));
  return out;
}

// ---- Proposal ----

std::string EncodeProposal(const Proposal& p) {
  capnp::MallocMessageBuilder message;
  auto b = message.initRoot<proto::Proposal>();
  b.setConsortium(p.consortium);
  b.setQueryId(Bytes(p.query_id));
  b.setRequesterKey(Bytes(p.requester.bytes()));
  b.setIssuedAt(p.issued_at);
  ToProto(p.query, b.initQuery());
  auto groups = b.initGroupValues(p.group_values.size());
  for (size_t t = 0; t < p.group_values.size(); ++t) {
    auto values = groups[t].initValues(p.group_values[t].size());
    for (size_t i = 0; i < p.group_values[t].size(); ++i) values.set(i, p.group_values[t][i]);
  }
  b.setMinContributors(p.min_contributors);
  SetKeys(p.cohort, b.initCohort(p.cohort.size()));
  return Encode(message);
}

absl::StatusOr<Proposal> DecodeProposal(absl::string_view body, const KnownKeys* known) {
  return Decode<proto::Proposal>(
      body, "proposal", [known](proto::Proposal::Reader in) -> absl::StatusOr<Proposal> {
        CAIRN_ASSIGN_OR_RETURN(std::string consortium,
                               BoundedText(in.getConsortium(), "consortium", kMaxNameBytes));
        CAIRN_ASSIGN_OR_RETURN(PublicKey requester,
                               Key(in.getRequesterKey(), "requesterKey", known));
        Proposal p{std::move(consortium), std::string(View(in.getQueryId())), requester};
        if (p.query_id.size() > kMaxRoundQueryIdBytes) {
          return absl::InvalidArgumentError("queryId: too long");
        }
        p.issued_at = in.getIssuedAt();
        absl::StatusOr<Query> query = FromProto(in.getQuery());
        if (!query.ok()) {
          return absl::InvalidArgumentError(absl::StrCat("query: ", query.status().message()));
        }
        p.query = *std::move(query);
        if (in.getGroupValues().size() > kMaxRoundGroupTags) {
          return absl::InvalidArgumentError("groupValues: too many grouping tags");
        }
        for (auto list : in.getGroupValues()) {
          if (list.getValues().size() > kMaxValuesPerGroupTag) {
            return absl::InvalidArgumentError("groupValues: too many values for one tag");
          }
          std::vector<std::string> values;
          for (auto v : list.getValues()) {
            CAIRN_ASSIGN_OR_RETURN(std::string value,
                                   BoundedText(v, "groupValues", kMaxTagValueBytes));
            values.push_back(std::move(value));
          }
          p.group_values.push_back(std::move(values));
        }
        p.min_contributors = in.getMinContributors();
        CAIRN_ASSIGN_OR_RETURN(p.cohort, Keys(in.getCohort(), "cohort", known));
        return p;
      });
}

// ---- Commitment, announcement, contribution ----

std::string EncodeCommitment(const Commitment& c) {
  capnp::MallocMessageBuilder message;
  auto b = message.initRoot<proto::Commitment>();
  b.setRoundDigest(Bytes(c.round));
  b.setMemberKey(Bytes(c.member.bytes()));
  b.setAccepted(c.accepted);
  b.setReason(c.reason);
  return Encode(message);
}

absl::StatusOr<Commitment> DecodeCommitment(absl::string_view body, const KnownKeys* known) {
  return Decode<proto::Commitment>(
      body, "commitment", [known](proto::Commitment::Reader in) -> absl::StatusOr<Commitment> {
        CAIRN_ASSIGN_OR_RETURN(PublicKey member, Key(in.getMemberKey(), "memberKey", known));
        Commitment c{{}, member};
        CAIRN_ASSIGN_OR_RETURN(c.round,
                               FixedBytes<kRoundDigestBytes>(in.getRoundDigest(), "roundDigest"));
        c.accepted = in.getAccepted();
        CAIRN_ASSIGN_OR_RETURN(c.reason, BoundedText(in.getReason(), "reason", kMaxReasonBytes));
        return c;
      });
}

std::string EncodeAnnouncement(const Announcement& a) {
  capnp::MallocMessageBuilder message;
  auto b = message.initRoot<proto::Announcement>();
  b.setRoundDigest(Bytes(a.round));
  SetKeys(a.cohort, b.initCohort(a.cohort.size()));
  b.setRequesterKey(Bytes(a.requester.bytes()));
  return Encode(message);
}

absl::StatusOr<Announcement> DecodeAnnouncement(absl::string_view body, const KnownKeys* known) {
  return Decode<proto::Announcement>(
      body, "announcement",
      [known](proto::Announcement::Reader in) -> absl::StatusOr<Announcement> {
        CAIRN_ASSIGN_OR_RETURN(PublicKey requester,
                               Key(in.getRequesterKey(), "requesterKey", known));
        Announcement a{{}, requester};
        CAIRN_ASSIGN_OR_RETURN(a.round,
                               FixedBytes<kRoundDigestBytes>(in.getRoundDigest(), "roundDigest"));
        CAIRN_ASSIGN_OR_RETURN(a.cohort, Keys(in.getCohort(), "cohort", known));
        return a;
      });
}

std::string EncodeContribution(const Contribution& c) {
  capnp::MallocMessageBuilder message;
  auto b = message.initRoot<proto::Contribution>();
  b.setRoundDigest(Bytes(c.round));
  b.setCohortHash(Bytes(c.cohort_hash));
  b.setPhase(c.phase == Phase::kCounts ? proto::Phase::COUNTS : proto::Phase::VALUES);
  b.setMemberKey(Bytes(c.member.bytes()));
  auto words = b.initWords(c.words.size());
  for (size_t i = 0; i < c.words.size(); ++i) words.set(i, c.words[i]);
  auto commitments = b.initCommitments(c.commitments.size() * kPointBytes);
  for (size_t i = 0; i < c.commitments.size(); ++i) {
    std::memcpy(commitments.begin() + i * kPointBytes, c.commitments[i].data(), kPointBytes);
  }
  auto proofs = b.initProofs(c.proofs.size() * kBitProofBytes);
  for (size_t i = 0; i < c.proofs.size(); ++i) {
    EncodeBitProof(c.proofs[i], proofs.begin() + i * kBitProofBytes);
  }
  return Encode(message);
}

// The commitments and proofs of a counts contribution: one commitment more than proofs (the
// canary's), at most kMaxGroups proofs, every proof's scalars canonical.
absl::Status GetCounts(proto::Contribution::Reader in, Contribution* c) {
  const absl::string_view commitments = View(in.getCommitments());
  const absl::string_view proofs = View(in.getProofs());
  if (commitments.size() % kPointBytes != 0 || commitments.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("commitments: ", commitments.size(),
                                                   " bytes is not a whole number of points"));
  }
  const size_t groups = commitments.size() / kPointBytes - 1;
  if (groups > kMaxGroups) {
    return absl::InvalidArgumentError(
        absl::StrCat("commitments: ", groups, " groups, at most ", kMaxGroups));
  }
  if (proofs.size() != groups * kBitProofBytes) {
    return absl::InvalidArgumentError(absl::StrCat("proofs: ", proofs.size(), " bytes for ", groups,
                                                   " groups; one proof of ", kBitProofBytes,
                                                   " bytes per group"));
  }
  c->commitments.resize(groups + 1);
  for (size_t i = 0; i <= groups; ++i) {
    std::memcpy(c->commitments[i].data(), commitments.data() + i * kPointBytes, kPointBytes);
  }
  c->proofs.reserve(groups);
  for (size_t g = 0; g < groups; ++g) {
    absl::StatusOr<BitProof> proof =
        DecodeBitProof(proofs.substr(g * kBitProofBytes, kBitProofBytes));
    if (!proof.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("proofs[", g, "]: ", proof.status().message()));
    }
    c->proofs.push_back(*proof);
  }
  return absl::OkStatus();
}

absl::StatusOr<Contribution> DecodeContribution(absl::string_view body, const KnownKeys* known) {
  return Decode<proto::Contribution>(
      body, "contribution",
      [known](proto::Contribution::Reader in) -> absl::StatusOr<Contribution> {
        CAIRN_ASSIGN_OR_RETURN(PublicKey member, Key(in.getMemberKey(), "memberKey", known));
        Contribution c{{}, {}, Phase::kCounts, member};
        CAIRN_ASSIGN_OR_RETURN(c.round,
                               FixedBytes<kRoundDigestBytes>(in.getRoundDigest(), "roundDigest"));
        CAIRN_ASSIGN_OR_RETURN(c.cohort_hash,
                               FixedBytes<kCohortHashBytes>(in.getCohortHash(), "cohortHash"));
        auto words = in.getWords();
        switch (in.getPhase()) {
          case proto::Phase::COUNTS:
            c.phase = Phase::kCounts;
            if (words.size() != 0) {
              return absl::InvalidArgumentError("words: a counts contribution carries none");
            }
            CAIRN_RETURN_IF_ERROR(GetCounts(in, &c));
            return c;
          case proto::Phase::VALUES:
            c.phase = Phase::kValues;
            break;
          default:
            return absl::InvalidArgumentError("phase: unknown value");
        }
        if (in.getCommitments().size() != 0 || in.getProofs().size() != 0) {
          return absl::InvalidArgumentError(
              "commitments, proofs: a values contribution carries none");
        }
        if (words.size() > kMaxValueWords) {
          return absl::InvalidArgumentError(
              absl::StrCat("words: ", words.size(), " words, at most ", kMaxValueWords));
        }
        c.words.reserve(words.size());
        for (uint64_t w : words) c.words.push_back(w);
        return c;
      });
}

}  // namespace

KnownKeys::KnownKeys(absl::Span<const PublicKey> keys) {
  for (const PublicKey& k : keys) keys_.emplace(std::string(k.AsStringView()), k);
}

absl::StatusOr<PublicKey> KnownKeys::Resolve(absl::string_view raw) const {
  auto it = keys_.find(raw);
  if (it != keys_.end()) return it->second;
  return PublicKey::FromBytes(raw);
}

std::string DigestHex(const RoundDigest& digest) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

absl::string_view PhaseName(Phase phase) { return phase == Phase::kCounts ? "counts" : "values"; }

RoundDigest DigestProposal(absl::string_view proposal_body) {
  RoundDigest digest;
  const std::string input = Labelled(kRoundLabel, proposal_body);
  crypto_generichash(digest.data(), digest.size(), reinterpret_cast<const uint8_t*>(input.data()),
                     input.size(), nullptr, 0);
  return digest;
}

SignedMessage SignProposal(const Identity& requester, const Proposal& proposal) {
  return SignBody(requester, kProposalLabel, EncodeProposal(proposal));
}

absl::StatusOr<Proposal> OpenProposal(const SignedMessage& message, const KnownKeys* known) {
  CAIRN_ASSIGN_OR_RETURN(Proposal p, DecodeProposal(message.body, known));
  CAIRN_RETURN_IF_ERROR(VerifyBody(message, kProposalLabel, p.requester));
  return p;
}

SignedMessage SignCommitment(const Identity& member, const Commitment& commitment) {
  return SignBody(member, kCommitmentLabel, EncodeCommitment(commitment));
}

absl::StatusOr<Commitment> OpenCommitment(const SignedMessage& message, const KnownKeys* known) {
  CAIRN_ASSIGN_OR_RETURN(Commitment c, DecodeCommitment(message.body, known));
  CAIRN_RETURN_IF_ERROR(VerifyBody(message, kCommitmentLabel, c.member));
  return c;
}

SignedMessage SignAnnouncement(const Identity& requester, const Announcement& announcement) {
  return SignBody(requester, kAnnouncementLabel, EncodeAnnouncement(announcement));
}

absl::StatusOr<Announcement> OpenAnnouncement(const SignedMessage& message,
                                              const KnownKeys* known) {
  CAIRN_ASSIGN_OR_RETURN(Announcement a, DecodeAnnouncement(message.body, known));
  CAIRN_RETURN_IF_ERROR(VerifyBody(message, kAnnouncementLabel, a.requester));
  return a;
}

SignedMessage SignContribution(const Identity& member, const Contribution& contribution) {
  return SignBody(member, kContributionLabel, EncodeContribution(contribution));
}

absl::StatusOr<Contribution> OpenContribution(const SignedMessage& message,
                                              const KnownKeys* known) {
  CAIRN_ASSIGN_OR_RETURN(Contribution c, DecodeContribution(message.body, known));
  CAIRN_RETURN_IF_ERROR(VerifyBody(message, kContributionLabel, c.member));
  return c;
}

std::string EncodeSigned(const SignedMessage& m) {
  capnp::MallocMessageBuilder message;
  SetSigned(m, message.initRoot<proto::Signed>());
  return Encode(message);
}

absl::StatusOr<SignedMessage> DecodeSigned(absl::string_view bytes) {
  return Decode<proto::Signed>(
      bytes, "signed message",
      [](proto::Signed::Reader in) -> absl::StatusOr<SignedMessage> { return GetSigned(in); });
}

std::string EncodeValuesRequest(const ValuesRequest& r) {
  capnp::MallocMessageBuilder message;
  auto b = message.initRoot<proto::ValuesRequest>();
  b.setRoundDigest(Bytes(r.round));
  auto counts = b.initCounts(r.counts.size());
  for (size_t i = 0; i < r.counts.size(); ++i) SetSigned(r.counts[i], counts[i]);
  return Encode(message);
}

absl::StatusOr<ValuesRequest> DecodeValuesRequest(absl::string_view bytes) {
  return Decode<proto::ValuesRequest>(
      bytes, "values request",
      [](proto::ValuesRequest::Reader in) -> absl::StatusOr<ValuesRequest> {
        ValuesRequest r;
        CAIRN_ASSIGN_OR_RETURN(r.round,
                               FixedBytes<kRoundDigestBytes>(in.getRoundDigest(), "roundDigest"));
        CAIRN_ASSIGN_OR_RETURN(r.counts, GetSignedList(in.getCounts(), "counts"));
        return r;
      });
}

std::string EncodeFederatedResult(const FederatedResult& r) {
  capnp::MallocMessageBuilder message;
  auto b = message.initRoot<proto::FederatedResult>();
  SetSigned(r.proposal, b.initProposal());
  SetSigned(r.announcement, b.initAnnouncement());
  auto counts = b.initCounts(r.counts.size());
  for (size_t i = 0; i < r.counts.size(); ++i) SetSigned(r.counts[i], counts[i]);
  auto values = b.initValues(r.values.size());
  for (size_t i = 0; i < r.values.size(); ++i) SetSigned(r.values[i], values[i]);
  auto rows = b.initRows(r.rows.size());
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const FederatedRow& row = r.rows[i];
    auto out = rows[i];
    out.setHasBucket(row.bucket.has_value());
    out.setBucket(row.bucket.value_or(0));
    auto tags = out.initTags(row.tags.size());
    for (size_t t = 0; t < row.tags.size(); ++t) tags.set(t, row.tags[t]);
    out.setContributors(row.contributors);
    out.setReleased(row.released);
    auto totals = out.initTotals(row.totals.size());
    for (size_t t = 0; t < row.totals.size(); ++t) totals.set(t, FormatQuanta(row.totals[t]));
    out.setHasValue(row.value.has_value());
    out.setValue(row.value.value_or(0));
  }
  return Encode(message);
}

absl::StatusOr<FederatedResult> DecodeFederatedResult(absl::string_view bytes) {
  return Decode<proto::FederatedResult>(
      bytes, "federated result",
      [](proto::FederatedResult::Reader in) -> absl::StatusOr<FederatedResult> {
        FederatedResult r;
        r.proposal = GetSigned(in.getProposal());
        r.announcement = GetSigned(in.getAnnouncement());
        CAIRN_ASSIGN_OR_RETURN(r.counts, GetSignedList(in.getCounts(), "counts"));
        CAIRN_ASSIGN_OR_RETURN(r.values, GetSignedList(in.getValues(), "values"));
        if (in.getRows().size() > kMaxGroups) {
          return absl::InvalidArgumentError("rows: more than the largest key space");
        }
        for (auto row : in.getRows()) {
          FederatedRow out;
          if (row.getHasBucket()) out.bucket = row.getBucket();
          if (row.getTags().size() > kMaxRoundGroupTags) {
            return absl::InvalidArgumentError("rows: too many tags");
          }
          for (auto t : row.getTags()) {
            CAIRN_ASSIGN_OR_RETURN(std::string tag, BoundedText(t, "rows.tags", kMaxTagValueBytes));
            out.tags.push_back(std::move(tag));
          }
          out.contributors = row.getContributors();
          out.released = row.getReleased();
          if (row.getTotals().size() > 2) {
            return absl::InvalidArgumentError("rows.totals: more than two components");
          }
          for (auto t : row.getTotals()) {
            absl::StatusOr<Quanta> q = ParseQuanta(Str(t));
            if (!q.ok()) {
              return absl::InvalidArgumentError(
                  absl::StrCat("rows.totals: ", q.status().message()));
            }
            out.totals.push_back(*q);
          }
          if (row.getHasValue()) out.value = row.getValue();
          r.rows.push_back(std::move(out));
        }
        return r;
      });
}

}  // namespace cairn
