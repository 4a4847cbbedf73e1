// A topic-filter trie: finds every subscription whose filter matches a topic name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace iotactor::protocol {

class topic_matcher {
 public:
  using id = std::uint64_t;

  topic_matcher();
  ~topic_matcher();
  topic_matcher(topic_matcher&&) noexcept;
  topic_matcher& operator=(topic_matcher&&) noexcept;

  /// Adds the pair (filter, value); the filter must be valid. "$share/<group>/<f>" matches like <f> but is
  /// a pair of its own (per group). Adding a pair already present changes nothing.
  void insert(std::string_view filter, id value);

  /// Removes the pair; returns false if it was not present.
  bool erase(std::string_view filter, id value);

  /// Appends the value of every pair whose filter matches the topic, each pair once.
  void match(std::string_view topic, std::vector<id>& out) const;

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

 private:
  struct node;
  std::unique_ptr<node> root_;
  std::size_t size_ = 0;
};

}  // namespace iotactor::protocol
