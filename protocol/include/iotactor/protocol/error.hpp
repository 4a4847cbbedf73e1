// Protocol errors as values: the reason code a receiver must use, and a message naming the field.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "iotactor/protocol/reason_code.hpp"

namespace iotactor::protocol {

struct error {
  reason_code code = reason_code::unspecified_error;
  std::string message;
};

/// "<message> (reason code 0x81 malformed packet)".
std::string to_string(const error& e);

/// A value or an error.
template <class T>
class result {
 public:
  result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  result(protocol::error e) : v_(std::move(e)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const protocol::error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, protocol::error> v_;
};

}  // namespace iotactor::protocol
