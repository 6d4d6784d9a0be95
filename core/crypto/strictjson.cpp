#include "crypto/strictjson.h"

#include <vector>

#include <QJsonDocument>
#include <QJsonParseError>
#include <QSet>

#include "common/hex.h"

namespace Crypto {

namespace {

Core::Error malformed(const QString &reason)
{
    return Core::makeError(QStringLiteral("malformed_json"), reason);
}

using Core::hexValue;

/// Decodes the string starting at the opening quote `json[i]`; on success `i` is left on the
/// closing quote. Escapes are decoded so that "a" and "\u0061" count as the same name.
Core::Result<QString> decodeString(QByteArrayView json, qsizetype &i)
{
    QString out;
    qsizetype runStart = ++i;
    const auto flushRun = [&](qsizetype end) {
        if (end > runStart)
            out += QString::fromUtf8(json.sliced(runStart, end - runStart));
    };
    while (i < json.size()) {
        const char c = json[i];
        if (c == '"') {
            flushRun(i);
            return out;
        }
        if (static_cast<unsigned char>(c) < 0x20)
            return malformed(
                QStringLiteral("unescaped control character in a string at offset %1").arg(i));
        if (c != '\\') {
            ++i;
            continue;
        }
        flushRun(i);
        if (i + 1 >= json.size())
            break;
        const char e = json[i + 1];
        switch (e) {
        case '"':
        case '\\':
        case '/':
            out += QLatin1Char(e);
            break;
        case 'b':
            out += QLatin1Char('\b');
            break;
        case 'f':
            out += QLatin1Char('\f');
            break;
        case 'n':
            out += QLatin1Char('\n');
            break;
        case 'r':
            out += QLatin1Char('\r');
            break;
        case 't':
            out += QLatin1Char('\t');
            break;
        case 'u': {
            if (i + 5 >= json.size())
                return malformed(QStringLiteral("truncated \\u escape at offset %1").arg(i));
            char16_t unit = 0;
            for (int k = 2; k < 6; ++k) {
                const int h = hexValue(json[i + k]);
                if (h < 0)
                    return malformed(QStringLiteral("bad \\u escape at offset %1").arg(i));
                unit = static_cast<char16_t>((unit << 4) | h);
            }
            out += QChar(unit);
            i += 4;
            break;
        }
        default:
            return malformed(QStringLiteral("invalid escape at offset %1").arg(i));
        }
        i += 2;
        runStart = i;
    }
    return malformed(QStringLiteral("unterminated string"));
}

bool isJsonSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

struct Level
{
    bool isObject = false;
    QSet<QString> names;
};

/// A structural pass over the text: nesting depth and duplicate member names. Grammar is
/// left to QJsonDocument, which runs afterwards.
Core::Status scan(QByteArrayView json, int maxDepth)
{
    std::vector<Level> stack;
    for (qsizetype i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (c == '{' || c == '[') {
            if (static_cast<int>(stack.size()) >= maxDepth)
                return malformed(QStringLiteral("nesting deeper than %1 levels").arg(maxDepth));
            stack.push_back(Level{c == '{', {}});
        } else if (c == '}' || c == ']') {
            if (stack.empty() || stack.back().isObject != (c == '}'))
                return malformed(
                    QStringLiteral("unbalanced '%1' at offset %2").arg(QLatin1Char(c)).arg(i));
            stack.pop_back();
        } else if (c == '"') {
            auto decoded = decodeString(json, i);
            if (!decoded)
                return decoded.error();
            if (stack.empty() || !stack.back().isObject)
                continue;
            qsizetype j = i + 1;
            while (j < json.size() && isJsonSpace(json[j]))
                ++j;
            if (j >= json.size() || json[j] != ':')
                continue;
            auto &names = stack.back().names;
            if (names.contains(*decoded))
                return malformed(
                    QStringLiteral("duplicate member name \"%1\"").arg(decoded->left(64)));
            names.insert(*decoded);
        }
    }
    return {};
}

} // namespace

Core::Result<QJsonObject> parseStrictJsonObject(QByteArrayView json, qsizetype maxBytes,
                                                int maxDepth)
{
    if (json.size() > maxBytes)
        return malformed(QStringLiteral("%1 bytes of JSON exceed the limit of %2")
                             .arg(json.size())
                             .arg(maxBytes));
    if (const auto structure = scan(json, maxDepth); !structure)
        return structure.error();
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json.toByteArray(), &error);
    if (error.error != QJsonParseError::NoError)
        return malformed(QStringLiteral("invalid JSON at offset %1: %2")
                             .arg(error.offset)
                             .arg(error.errorString()));
    if (!doc.isObject())
        return malformed(QStringLiteral("the JSON value is not an object"));
    return doc.object();
}

} // namespace Crypto
