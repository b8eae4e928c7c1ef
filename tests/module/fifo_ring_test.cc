// Unit tests of the FIFO ring that holds appends waiting for their post-notification job.
#include "module/fifo_ring.h"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <vector>

using wb::capture::FifoRing;

TEST(FifoRing, BehavesLikeADequeAcrossGrowthAndWrapAround) {
  FifoRing<std::vector<int>> ring;
  std::deque<int> model;
  std::mt19937 rng(7);
  int next = 0;
  for (int step = 0; step < 20000; ++step) {
    int action = static_cast<int>(rng() % 10);
    if (action < 5 || model.empty()) {
      ring.push_back().push_back(next);
      model.push_back(next++);
    } else if (action < 9) {
      ASSERT_EQ(ring.front().at(0), model.front());
      ring.pop_front();
      model.pop_front();
    } else {
      ASSERT_EQ(ring.back().at(0), model.back());
      ring.pop_back();
      model.pop_back();
    }
    ASSERT_EQ(ring.size(), model.size());
    ASSERT_EQ(ring.empty(), model.empty());
  }
}

TEST(FifoRing, SlotsComeBackClearedWithTheirCapacity) {
  FifoRing<std::vector<int>> ring;
  ring.push_back().assign(100, 1);
  ring.pop_front();
  std::vector<int>& again = ring.push_back();
  EXPECT_TRUE(again.empty());
  EXPECT_GE(again.capacity(), 100u);
}
