#pragma once

// Shared by the libFuzzer targets.

#include <cstdlib>

namespace FuzzSupport {

/// An invariant of the code under test: a violation aborts, which libFuzzer reports as a
/// crash with the input that caused it.
inline void require(bool condition)
{
    if (!condition)
        std::abort();
}

} // namespace FuzzSupport
