#pragma once

#include <optional>

#include <QString>

/// RFC 8628 section 6.1 user codes: 8 characters from the consonant alphabet
/// BCDFGHJKLMNPQRSTVWXZ (no vowels, so no words; no digits to confuse with letters),
/// stored as the 8 letters and shown as XXXX-XXXX. What the user types is compared
/// case-insensitively, without dashes or spaces.
namespace Auth::DeviceUserCode {

inline constexpr char kAlphabet[] = "BCDFGHJKLMNPQRSTVWXZ";
inline constexpr int kLength = 8;

/// A fresh code from the CSPRNG, in the stored form ("BCDFGHJK").
[[nodiscard]] QString generate();
/// The stored form of what a user typed ("bcdf-ghjk", "BCDF GHJK"), or nullopt when it
/// cannot be a user code (wrong length or a character outside the alphabet).
[[nodiscard]] std::optional<QString> normalize(const QString &typed);
/// The display form "BCDF-GHJK" of a stored code.
[[nodiscard]] QString display(const QString &stored);

} // namespace Auth::DeviceUserCode
