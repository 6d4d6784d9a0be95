#include "flow/wwwauthenticate.h"

namespace Flow {

namespace {

constexpr qsizetype kMaxInputBytes = 16 * 1024;
constexpr qsizetype kMaxChallenges = 64;
constexpr qsizetype kMaxParameters = 64;

bool isTchar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

bool isToken68Char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           QByteArrayView("-._~+/").contains(c);
}

class Parser
{
public:
    explicit Parser(QByteArray input)
        : m_in(std::move(input))
    {}

    Core::Result<QList<AuthChallenge>> run()
    {
        QList<AuthChallenge> out;
        while (true) {
            skipSeparators();
            if (atEnd())
                break;
            const qsizetype start = m_pos;
            const QByteArray name = readToken();
            if (name.isEmpty())
                return error(QStringLiteral("expected an auth-scheme or a parameter name"));
            const qsizetype afterName = m_pos;
            skipWhitespace();
            if (peek() == '=') {
                if (out.isEmpty())
                    return error(QStringLiteral("parameter '%1' appears before any auth-scheme")
                                     .arg(QString::fromLatin1(name)));
                m_pos = start;
                if (auto added = readParameter(out.last()); !added)
                    return added.error();
                continue;
            }
            m_pos = afterName;
            if (out.size() >= kMaxChallenges)
                return error(QStringLiteral("more than %1 challenges").arg(kMaxChallenges));
            AuthChallenge challenge;
            challenge.scheme = QString::fromLatin1(name);
            // A token68 directly after the scheme (e.g. "Basic dXNlcg==").
            if (peek() == ' ') {
                skipWhitespace();
                const qsizetype candidate = m_pos;
                while (!atEnd() && isToken68Char(peek()))
                    ++m_pos;
                const qsizetype bodyEnd = m_pos;
                while (peek() == '=')
                    ++m_pos;
                const qsizetype t68End = m_pos;
                skipWhitespace();
                if (bodyEnd > candidate && (atEnd() || peek() == ',')) {
                    challenge.token68 =
                        QString::fromLatin1(m_in.sliced(candidate, t68End - candidate));
                } else {
                    m_pos = candidate;
                }
            }
            out.append(challenge);
        }
        return out;
    }

private:
    [[nodiscard]] bool atEnd() const { return m_pos >= m_in.size(); }
    [[nodiscard]] char peek() const { return atEnd() ? '\0' : m_in.at(m_pos); }
    void skipWhitespace()
    {
        while (!atEnd() && (peek() == ' ' || peek() == '\t'))
            ++m_pos;
    }
    void skipSeparators()
    {
        while (!atEnd() && (peek() == ' ' || peek() == '\t' || peek() == ','))
            ++m_pos;
    }
    QByteArray readToken()
    {
        const qsizetype start = m_pos;
        while (!atEnd() && isTchar(peek()))
            ++m_pos;
        return m_in.sliced(start, m_pos - start);
    }
    [[nodiscard]] Core::Error error(const QString &message) const
    {
        return Core::makeError(
            QStringLiteral("invalid_challenge"),
            QStringLiteral("WWW-Authenticate: %1 (at offset %2)").arg(message).arg(m_pos));
    }

    Core::Status readParameter(AuthChallenge &challenge)
    {
        const QString name = QString::fromLatin1(readToken()).toLower();
        skipWhitespace();
        ++m_pos; // '='
        skipWhitespace();
        QByteArray value;
        if (peek() == '"') {
            ++m_pos;
            bool closed = false;
            while (!atEnd()) {
                const char c = m_in.at(m_pos++);
                if (c == '"') {
                    closed = true;
                    break;
                }
                if (c == '\\') {
                    if (atEnd())
                        break;
                    value.append(m_in.at(m_pos++));
                    continue;
                }
                if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
                    return error(
                        QStringLiteral("control character in the value of '%1'").arg(name));
                value.append(c);
            }
            if (!closed)
                return error(QStringLiteral("unterminated quoted string in '%1'").arg(name));
        } else {
            value = readToken();
            if (value.isEmpty())
                return error(QStringLiteral("parameter '%1' has no value").arg(name));
        }
        if (challenge.params.contains(name))
            return error(QStringLiteral("parameter '%1' is repeated").arg(name));
        if (challenge.params.size() >= kMaxParameters)
            return error(QStringLiteral("more than %1 parameters").arg(kMaxParameters));
        challenge.params.insert(name, QString::fromUtf8(value));
        skipWhitespace();
        if (!atEnd() && peek() != ',')
            return error(QStringLiteral("unexpected '%1' after parameter '%2'")
                             .arg(QLatin1Char(peek()))
                             .arg(name));
        return {};
    }

    QByteArray m_in;
    qsizetype m_pos = 0;
};

} // namespace

Core::Result<QList<AuthChallenge>> parseWwwAuthenticate(const QList<QByteArray> &fieldValues)
{
    QByteArray joined;
    for (const QByteArray &value : fieldValues) {
        if (!joined.isEmpty())
            joined.append(", ");
        joined.append(value.trimmed());
        if (joined.size() > kMaxInputBytes)
            return Core::makeError(
                QStringLiteral("invalid_challenge"),
                QStringLiteral("WWW-Authenticate is longer than %1 bytes").arg(kMaxInputBytes));
    }
    return Parser(joined).run();
}

} // namespace Flow
