#include "daemon/in_flight_limit.h"

#include <gtest/gtest.h>

#include <vector>

namespace cairn {
namespace {

TEST(InFlightLimit, AdmitsUpToTheLimitAndAgainOnceATicketIsGone) {
  InFlightLimit limit(2);
  std::optional<InFlightLimit::Ticket> a = limit.TryAdmit();
  std::optional<InFlightLimit::Ticket> b = limit.TryAdmit();
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(limit.TryAdmit());
  a.reset();
  EXPECT_EQ(limit.in_flight(), 1);
  EXPECT_TRUE(limit.TryAdmit());
}

TEST(InFlightLimit, AMovedTicketHoldsItsPlaceOnce) {
  InFlightLimit limit(1);
  std::vector<InFlightLimit::Ticket> held;
  held.push_back(*limit.TryAdmit());
  InFlightLimit::Ticket moved = std::move(held.back());
  held.clear();
  EXPECT_EQ(limit.in_flight(), 1);
}

TEST(InFlightLimit, ATicketMayOutliveItsLimit) {
  std::optional<InFlightLimit::Ticket> ticket;
  {
    InFlightLimit limit(1);
    ticket = limit.TryAdmit();
  }
  ticket.reset();  // nothing to check but that this is safe (ASan)
}

}  // namespace
}  // namespace cairn
