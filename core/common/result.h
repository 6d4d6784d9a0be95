#pragma once

#include <optional>
#include <utility>
#include <variant>

#include <QString>

/// Errors are values the caller must look at. Every fallible call in the engine returns
/// a Result<T>: either a value, or an Error with a machine-readable code (an RFC error code
/// where one applies, e.g. "invalid_request") and a message an operator can act on.
/// Messages never contain a secret whole (see Crypto::maskSecret).
namespace Core {

struct Error
{
    QString code;    ///< stable, machine-readable: RFC error code or an area-specific one
    QString message; ///< human-readable, safe to log and show

    [[nodiscard]] QString toString() const
    {
        return code.isEmpty() ? message : code + QStringLiteral(": ") + message;
    }
};

[[nodiscard]] inline Error makeError(QString code, QString message)
{
    return Error{std::move(code), std::move(message)};
}

template <typename T>
class [[nodiscard]] Result
{
public:
    Result(T value)
        : m_data(std::in_place_index<0>, std::move(value))
    {}
    Result(Error error)
        : m_data(std::in_place_index<1>, std::move(error))
    {}

    [[nodiscard]] bool ok() const { return m_data.index() == 0; }
    explicit operator bool() const { return ok(); }

    /// Precondition: ok().
    [[nodiscard]] const T &value() const & { return std::get<0>(m_data); }
    [[nodiscard]] T &value() & { return std::get<0>(m_data); }
    [[nodiscard]] T &&value() && { return std::get<0>(std::move(m_data)); }
    const T &operator*() const & { return value(); }
    T &operator*() & { return value(); }
    const T *operator->() const { return &value(); }
    T *operator->() { return &value(); }

    /// Precondition: !ok().
    [[nodiscard]] const Error &error() const { return std::get<1>(m_data); }

    [[nodiscard]] T valueOr(T fallback) const { return ok() ? value() : std::move(fallback); }

private:
    std::variant<T, Error> m_data;
};

/// Result of an operation that yields nothing but success or an Error.
template <>
class [[nodiscard]] Result<void>
{
public:
    Result() = default;
    Result(Error error)
        : m_error(std::move(error))
    {}

    [[nodiscard]] bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    /// Precondition: !ok().
    [[nodiscard]] const Error &error() const { return *m_error; }

private:
    std::optional<Error> m_error;
};

using Status = Result<void>;

} // namespace Core
