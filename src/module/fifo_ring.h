// A FIFO of reusable slots: push_back() hands out a slot (cleared, its capacity kept), pop_front()
// releases the oldest. Growing doubles the ring; steady-state use allocates nothing. Used for the
// stream appends waiting for their post-notification job (Redis 7.2+), which run in FIFO order.
#pragma once
#include <algorithm>
#include <cstddef>
#include <vector>

namespace wb::capture {

template <typename Slot>
class FifoRing {
 public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  // The new last slot, cleared (Slot must have clear()).
  Slot& push_back() {
    if (size_ == slots_.size()) grow();
    Slot& slot = slots_[(head_ + size_) % slots_.size()];
    slot.clear();
    ++size_;
    return slot;
  }
  Slot& front() { return slots_[head_]; }
  Slot& back() { return slots_[(head_ + size_ - 1) % slots_.size()]; }
  void pop_front() {
    head_ = (head_ + 1) % slots_.size();
    if (--size_ == 0) head_ = 0;
  }
  void pop_back() {
    if (--size_ == 0) head_ = 0;
  }

 private:
  void grow() {
    std::rotate(slots_.begin(), slots_.begin() + static_cast<std::ptrdiff_t>(head_), slots_.end());
    head_ = 0;
    slots_.resize(std::max<std::size_t>(kInitialSlots, slots_.size() * 2));
  }
  static constexpr std::size_t kInitialSlots = 4;
  std::vector<Slot> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace wb::capture
