#pragma once

// Internal to core_http: small HTTP syntax helpers shared by the parser, the connection
// and the message types.

#include <QByteArrayView>

#include "common/hex.h"

namespace Http::Syntax {

[[nodiscard]] inline bool equalsIgnoreCase(QByteArrayView a, QByteArrayView b)
{
    return a.size() == b.size() && a.compare(b, Qt::CaseInsensitive) == 0;
}

using Core::hexValue;

/// RFC 9110 tchar.
[[nodiscard]] inline bool isTokenChar(char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

/// Calls `fn` for every piece of `text` between `separator`s (empty pieces included).
template <typename Fn>
void forEachPiece(QByteArrayView text, char separator, Fn fn)
{
    qsizetype start = 0;
    for (qsizetype i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == separator) {
            fn(text.sliced(start, i - start));
            start = i + 1;
        }
    }
}

} // namespace Http::Syntax
