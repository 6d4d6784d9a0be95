#pragma once

namespace Core {

/// The value of the hex digit `c` (either case), or -1 when it is not one.
[[nodiscard]] constexpr int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

} // namespace Core
