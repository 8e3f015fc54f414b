// Errors as values. Every recoverable failure in gosandbox is a gs::Error carrying the
// errno (0 when not a syscall failure) and a context string that names the operation and
// its argument, nsjail style: "mount('/proc'): Operation not permitted".
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <variant>

namespace gs {

struct Error {
  int err = 0;          // errno value, 0 when the error is not from a syscall
  std::string context;  // what was attempted, with its argument

  std::string message() const {
    if (err == 0) return context;
    return context + ": " + std::strerror(err);
  }
};

// Builds an Error from the current errno.
inline Error sys_error(std::string context, int err = errno) { return Error{err, std::move(context)}; }
inline Error error(std::string context) { return Error{0, std::move(context)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error e) : v_(std::move(e)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(v_); }
  Error&& take_error() { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error e) : failed_(true), e_(std::move(e)) {}

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return e_; }
  Error&& take_error() { return std::move(e_); }

 private:
  bool failed_ = false;
  Error e_;
};

using Status = Result<void>;

}  // namespace gs

// Propagates an error from an expression yielding Result<...>.
#define GS_CONCAT_INNER(a, b) a##b
#define GS_CONCAT(a, b) GS_CONCAT_INNER(a, b)
#define GS_TRY(expr)                                      \
  do {                                                    \
    auto&& gs_try_r_ = (expr);                            \
    if (!gs_try_r_.ok()) return gs_try_r_.take_error();   \
  } while (0)
// Declares `lhs` from the value of a Result, returning its error on failure.
#define GS_ASSIGN_OR_RETURN(lhs, expr)                         \
  auto GS_CONCAT(gs_r_, __LINE__) = (expr);                    \
  if (!GS_CONCAT(gs_r_, __LINE__).ok())                        \
    return GS_CONCAT(gs_r_, __LINE__).take_error();            \
  lhs = std::move(GS_CONCAT(gs_r_, __LINE__)).value()
