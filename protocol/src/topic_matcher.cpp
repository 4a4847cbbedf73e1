// The topic-filter trie: one node per filter level, '+' and '#' as their own children.
#include "iotactor/protocol/topic_matcher.hpp"

#include <algorithm>

#include "iotactor/protocol/topic.hpp"

namespace iotactor::protocol {

struct topic_matcher::node {
  /// A subscription ending at this node; the share group tells "$share/g/f" and "f" apart.
  struct entry {
    id value;
    std::string share_group;  // empty when not shared
    bool operator==(const entry& o) const { return value == o.value && share_group == o.share_group; }
  };
  std::map<std::string, std::unique_ptr<node>, std::less<>> children;
  std::vector<entry> entries;

  bool unused() const { return children.empty() && entries.empty(); }
};

topic_matcher::topic_matcher() : root_(std::make_unique<node>()) {}
topic_matcher::~topic_matcher() = default;
topic_matcher::topic_matcher(topic_matcher&&) noexcept = default;
topic_matcher& topic_matcher::operator=(topic_matcher&&) noexcept = default;

namespace {

/// The filter levels to walk, and the share group ("" when the filter is not shared).
std::pair<std::string_view, std::string_view> split_filter(std::string_view filter) {
  auto shared = parse_shared_subscription(filter);
  return shared ? std::make_pair(shared->filter, shared->group) : std::make_pair(filter, std::string_view{});
}

/// Calls f(level) for each '/'-separated level, empty levels included.
template <class F>
void for_each_level(std::string_view s, F&& f) {
  std::size_t start = 0;
  while (true) {
    auto end = s.find('/', start);
    if (end == std::string_view::npos) {
      f(s.substr(start));
      return;
    }
    f(s.substr(start, end - start));
    start = end + 1;
  }
}

}  // namespace

void topic_matcher::insert(std::string_view filter, id value) {
  auto [levels, group] = split_filter(filter);
  node* n = root_.get();
  for_each_level(levels, [&n](std::string_view level) {
    auto it = n->children.find(level);
    if (it == n->children.end()) it = n->children.emplace(std::string(level), std::make_unique<node>()).first;
    n = it->second.get();
  });
  node::entry e{value, std::string(group)};
  if (std::find(n->entries.begin(), n->entries.end(), e) != n->entries.end()) return;
  n->entries.push_back(std::move(e));
  ++size_;
}

bool topic_matcher::erase(std::string_view filter, id value) {
  std::vector<std::pair<node*, std::string_view>> path;  // parent and the level leading to the child
  const auto split = split_filter(filter);
  const std::string_view levels = split.first;
  const std::string_view group = split.second;
  node* n = root_.get();
  bool found = true;
  for_each_level(levels, [&](std::string_view level) {
    if (!found) return;
    auto it = n->children.find(level);
    if (it == n->children.end()) {
      found = false;
      return;
    }
    path.emplace_back(n, level);
    n = it->second.get();
  });
  if (!found) return false;
  auto it = std::find_if(n->entries.begin(), n->entries.end(),
                         [&](const node::entry& e) { return e.value == value && e.share_group == group; });
  if (it == n->entries.end()) return false;
  n->entries.erase(it);
  --size_;
  // Prune nodes left without values or children, deepest first.
  for (auto p = path.rbegin(); p != path.rend(); ++p) {
    auto child = p->first->children.find(p->second);
    if (!child->second->unused()) break;
    p->first->children.erase(child);
  }
  return true;
}

namespace {

template <class Node>
void append_values(const Node& n, std::vector<std::uint64_t>& out) {
  for (const auto& e : n.entries) out.push_back(e.value);
}

template <class Node>
void collect(const Node& n, std::string_view topic, std::size_t pos, bool first_level,
             std::vector<std::uint64_t>& out) {
  // A '#' child matches this level and everything below, including the parent itself.
  bool dollar = first_level && !topic.empty() && topic[0] == '$';
  if (!dollar) {
    if (auto hash = n.children.find("#"); hash != n.children.end()) append_values(*hash->second, out);
  }
  if (pos > topic.size()) {  // every level consumed
    append_values(n, out);
    return;
  }
  auto end = topic.find('/', pos);
  auto level = topic.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
  auto next = end == std::string_view::npos ? topic.size() + 1 : end + 1;
  if (auto exact = n.children.find(level); exact != n.children.end())
    collect(*exact->second, topic, next, false, out);
  if (!dollar) {
    if (auto plus = n.children.find("+"); plus != n.children.end())
      collect(*plus->second, topic, next, false, out);
  }
}

}  // namespace

void topic_matcher::match(std::string_view topic, std::vector<id>& out) const {
  collect(*root_, topic, 0, true, out);
}

}  // namespace iotactor::protocol
