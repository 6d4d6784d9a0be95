#include "tokentestcase.h"

#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTest>

#include "authserver/authorizationserver.h"
#include "crypto/pkce.h"
#include "crypto/random.h"
#include "store/auditrepository.h"
#include "store/database.h"

namespace TestSupport {

void TokenTestCase::cleanupTestCase()
{
    m_fixture.reset();
    m_backends.stop();
}

Auth::Config TokenTestCase::testConfig()
{
    return unlimitedConfig();
}

bool TokenTestCase::startServer(Auth::Config config)
{
    QFETCH_GLOBAL(QString, backend);
    const QString key = backend + QLatin1Char('/') + QLatin1String(QTest::currentTestFunction()) +
                        QLatin1Char('/') +
                        QString::fromUtf8(QJsonDocument(config.toJson()).toJson());
    m_reused = m_fixture && key == m_fixtureKey;
    if (m_reused)
        return true;
    m_fixture.reset();
    m_fixtureKey = key;
    m_fixture = startFixture(backend, std::move(config));
    return m_fixture != nullptr;
}

bool TokenTestCase::addClient(const QString &clientId, const QString &secret,
                              const QStringList &grantTypes, const QString &authMethod,
                              const QString &scope)
{
    auto client =
        m_fixture->createClient(clientId, secret, {kRedirect}, grantTypes, authMethod, scope);
    if (!client)
        qWarning("addClient %s: %s", qPrintable(clientId), qPrintable(client.error().toString()));
    return client.ok();
}

QString TokenTestCase::insertCode(const CodeOptions &options)
{
    const QByteArray clear = QByteArrayLiteral("mac_") + Crypto::randomToken(32);
    Store::AuthorizationCode code;
    code.code = Store::SecretHash::fromSecret(clear);
    code.clientId = options.clientId;
    code.subject = options.subject;
    code.redirectUri = options.redirectUri;
    code.scope = options.scope;
    code.resource = options.resource;
    code.codeChallenge = options.challenge.isEmpty()
                             ? QString::fromLatin1(Crypto::Pkce::s256Challenge(kVerifier.toUtf8()))
                             : options.challenge;
    code.codeChallengeMethod = options.method;
    code.expiresAt = m_fixture->now() + options.lifetimeMs;
    auto stored = Store::AuthorizationCodeRepository(db()).insert(code);
    if (!stored) {
        qWarning("insertCode: %s", qPrintable(stored.error().toString()));
        return {};
    }
    return QString::fromLatin1(clear);
}

Http::ClientResponse TokenTestCase::postToken(const Http::FormData &form, Http::Headers headers)
{
    return m_fixture->postForm(QStringLiteral("/token"), form, std::move(headers));
}

Http::ClientResponse TokenTestCase::redeemCode(const QString &code, const QString &clientId)
{
    return postToken({{QStringLiteral("grant_type"), QStringLiteral("authorization_code")},
                      {QStringLiteral("code"), code},
                      {QStringLiteral("redirect_uri"), kRedirect},
                      {QStringLiteral("code_verifier"), kVerifier},
                      {QStringLiteral("client_id"), clientId}});
}

qint64 TokenTestCase::countTokens(const Store::TokenFilter &filter) const
{
    auto count = Store::TokenRepository(db()).count(filter);
    if (!count) {
        qWarning("countTokens: %s", qPrintable(count.error().toString()));
        return -1;
    }
    return *count;
}

qint64 TokenTestCase::countRows(const QString &table) const
{
    QSqlDatabase connection = db()->connection();
    QSqlQuery query(connection);
    if (!query.exec(QStringLiteral("SELECT COUNT(*) FROM ") + table) || !query.next())
        return -1;
    return query.value(0).toLongLong();
}

Core::Result<Store::Token> TokenTestCase::tokenRow(const QString &clear) const
{
    return Store::TokenRepository(db()).findByHash(Store::SecretHash::fromSecret(clear.toUtf8()));
}

Store::TokenState TokenTestCase::tokenState(const QString &clear) const
{
    auto row = tokenRow(clear);
    if (!row) {
        qWarning("tokenState: %s", qPrintable(row.error().toString()));
        return Store::TokenState::Revoked;
    }
    return row->state(m_fixture->now());
}

QString TokenTestCase::demoPassword() const
{
    auto demo = Auth::ensureDemoData(m_fixture->context());
    return demo ? demo->password : QString();
}

qint64 TokenTestCase::countAudit(const QString &type) const
{
    Store::AuditFilter filter;
    filter.type = type;
    filter.limit = 10000;
    auto events = Store::AuditRepository(db()).list(filter);
    return events ? events->size() : -1;
}

namespace {

QString substitute(QString value, const QHash<QString, QString> &substitutions)
{
    for (auto it = substitutions.begin(); it != substitutions.end(); ++it)
        value.replace(it.key(), it.value());
    return value;
}

} // namespace

Http::FormData TokenTestCase::formOf(const QStringList &pairs,
                                     const QHash<QString, QString> &substitutions)
{
    Http::FormData form;
    for (const QString &pair : pairs)
        form.append(pair.section(QLatin1Char('='), 0, 0),
                    substitute(pair.section(QLatin1Char('='), 1), substitutions));
    return form;
}

Http::FormData TokenTestCase::changeForm(const Http::FormData &base, const QStringList &changes,
                                         const QHash<QString, QString> &substitutions)
{
    QList<Http::FormData::Entry> entries = base.entries();
    for (const QString &change : changes) {
        const bool remove = change.startsWith(QLatin1Char('-'));
        const bool append = change.startsWith(QLatin1Char('+'));
        const QString body = (remove || append) ? change.mid(1) : change;
        const qsizetype eq = body.indexOf(QLatin1Char('='));
        const QString name = eq < 0 ? body : body.left(eq);
        QString value = eq < 0 ? QString() : body.mid(eq + 1);
        value = substitute(value, substitutions);
        if (remove || !append) {
            const qsizetype at = [&] {
                for (qsizetype i = 0; i < entries.size(); ++i)
                    if (entries[i].first == name)
                        return i;
                return qsizetype(-1);
            }();
            entries.removeIf([&](const Http::FormData::Entry &e) { return e.first == name; });
            if (!remove)
                entries.insert(at < 0 ? entries.size() : at, {name, value});
        } else {
            entries.append({name, value});
        }
    }
    Http::FormData out;
    for (const auto &entry : std::as_const(entries))
        out.append(entry.first, entry.second);
    return out;
}

Http::Headers TokenTestCase::headersOf(const QByteArray &authorization,
                                       const QByteArray &contentType)
{
    Http::Headers headers;
    if (!authorization.isEmpty())
        headers.set(QByteArrayLiteral("Authorization"), authorization);
    if (!contentType.isEmpty())
        headers.set(QByteArrayLiteral("Content-Type"), contentType);
    return headers;
}

QString TokenTestCase::describe(const Http::ClientResponse &response)
{
    return QStringLiteral("status %1: %2")
        .arg(response.status)
        .arg(QString::fromUtf8(response.body.left(600)));
}

bool TokenTestCase::isError(const Http::ClientResponse &response, int status, const QString &error)
{
    const QJsonObject body = AsFixture::json(response);
    if (response.status != status || body.value(QStringLiteral("error")).toString() != error) {
        qWarning("expected %d %s, got %s", status, qPrintable(error),
                 qPrintable(describe(response)));
        return false;
    }
    if (response.headers.value("Cache-Control") != "no-store") {
        qWarning("the error response lacks Cache-Control: no-store");
        return false;
    }
    if (response.contentType() != "application/json") {
        qWarning("the error response is not JSON");
        return false;
    }
    return true;
}

} // namespace TestSupport
