#include "authserver/clientauthenticator.h"

#include <cmath>

#include <QDateTime>
#include <QJsonArray>
#include <QMutexLocker>
#include <QStringDecoder>

#include "authserver/auditlog.h"
#include "authserver/clientmetadata.h"
#include "authserver/clientresolver.h"
#include "authserver/context.h"
#include "authserver/endpoints.h"
#include "authserver/oauth.h"
#include "crypto/digest.h"
#include "crypto/jws.h"
#include "crypto/jwt.h"
#include "http/body.h"
#include "http/message.h"
#include "store/errors.h"
#include "store/jtirepository.h"
#include "store/secrethash.h"

namespace Auth {

namespace {

const QString &kNone = AuthMethod::None;
const QString &kBasic = AuthMethod::ClientSecretBasic;
const QString &kPost = AuthMethod::ClientSecretPost;
const QString &kPrivateKeyJwt = AuthMethod::PrivateKeyJwt;
constexpr qsizetype kMaxJtiLength = 256;
constexpr int kMaxCachedJwks = 256;

Core::Error invalidClient(const QString &message)
{
    return Core::makeError(OAuthError::InvalidClient, message);
}

Core::Error invalidRequest(const QString &message)
{
    return Core::makeError(OAuthError::InvalidRequest, message);
}

QString shown(const QString &text)
{
    return ClientMetadata::shortForMessage(text);
}

/// One half of the Basic credentials: form-urlencoded UTF-8 (RFC 6749 section 2.3.1).
Core::Result<QString> decodeBasicPart(QByteArrayView part, const char *what)
{
    qsizetype bad = -1;
    const QByteArray bytes = Http::decodeFormComponent(part, &bad);
    if (bad >= 0)
        return invalidRequest(
            QStringLiteral("the %1 in the Basic credentials has a malformed percent escape "
                           "(RFC 6749 section 2.3.1 form-urlencodes it)")
                .arg(QLatin1String(what)));
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString text = decoder(bytes);
    if (decoder.hasError())
        return invalidRequest(QStringLiteral("the %1 in the Basic credentials is not UTF-8")
                                  .arg(QLatin1String(what)));
    return text;
}

struct BasicCredentials
{
    QString clientId;
    QByteArray secret;
};

Core::Result<BasicCredentials> parseBasic(const QByteArray &header)
{
    const QByteArray encoded = header.mid(6).trimmed();
    auto decoded = QByteArray::fromBase64Encoding(encoded, QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || encoded.isEmpty())
        return invalidRequest(
            QStringLiteral("the Authorization header is not valid Basic credentials (base64 of "
                           "client_id:client_secret)"));
    const QByteArray pair = *decoded;
    const qsizetype colon = pair.indexOf(':');
    if (colon < 0)
        return invalidRequest(QStringLiteral(
            "the Basic credentials have no ':' between client_id and client_secret"));
    auto id = decodeBasicPart(QByteArrayView(pair).first(colon), "client_id");
    if (!id)
        return id.error();
    auto secret = decodeBasicPart(QByteArrayView(pair).sliced(colon + 1), "client_secret");
    if (!secret)
        return secret.error();
    if (id->isEmpty())
        return invalidRequest(QStringLiteral("the Basic credentials have an empty client_id"));
    return BasicCredentials{*id, secret->toUtf8()};
}

bool secretMatches(const Store::SecretHash &stored, QByteArrayView presented)
{
    const QString presentedHex = Store::SecretHash::fromSecret(presented).hex();
    return Crypto::constantTimeEquals(presentedHex.toLatin1(), stored.hex().toLatin1());
}

QStringList audiences(const QJsonObject &claims)
{
    const QJsonValue aud = claims.value(QStringLiteral("aud"));
    if (aud.isString())
        return {aud.toString()};
    QStringList out;
    for (const QJsonValue &entry : aud.toArray())
        out.append(entry.toString());
    return out;
}

QString isoTime(qint64 epochMs)
{
    return QDateTime::fromMSecsSinceEpoch(epochMs, Qt::UTC).toString(Qt::ISODate);
}

} // namespace

struct ClientAuthenticator::Credentials
{
    QString method;
    QString clientId; ///< empty for private_key_jwt without a client_id parameter
    QByteArray secret;
    QByteArray assertion;
};

ClientAuthenticator::ClientAuthenticator(Context &context)
    : m_context(context)
{}

bool ClientAuthenticator::attemptedBasic(const Http::Request &request)
{
    const QByteArray value = request.headers.value("Authorization").trimmed().toLower();
    return value == "basic" || value.startsWith("basic ");
}

Core::Result<ClientAuthenticator::Credentials>
ClientAuthenticator::collect(const Http::Request &request, const Http::FormData &form)
{
    const qsizetype headers = request.headers.count("Authorization");
    if (headers > 1)
        return invalidRequest(QStringLiteral("the request has more than one Authorization header"));
    const bool basic = attemptedBasic(request);
    const bool post = form.contains(u"client_secret");
    const bool jwt = form.contains(u"client_assertion") || form.contains(u"client_assertion_type");
    QStringList used;
    if (basic)
        used.append(kBasic);
    if (post)
        used.append(kPost);
    if (jwt)
        used.append(kPrivateKeyJwt);
    if (used.size() > 1)
        return invalidRequest(QStringLiteral("the request uses more than one client "
                                             "authentication method (%1); use exactly one")
                                  .arg(used.join(QStringLiteral(", "))));

    const QString formId = form.value(u"client_id").value_or(QString());
    Credentials credentials;
    credentials.clientId = formId;
    if (basic) {
        auto parsed = parseBasic(request.headers.value("Authorization").trimmed());
        if (!parsed)
            return parsed.error();
        if (!formId.isEmpty() && formId != parsed->clientId)
            return invalidRequest(QStringLiteral(
                "the client_id in the body differs from the one in the Basic credentials"));
        credentials.method = kBasic;
        credentials.clientId = parsed->clientId;
        credentials.secret = parsed->secret;
    } else if (post) {
        if (formId.isEmpty())
            return invalidRequest(
                QStringLiteral("client_secret was sent without client_id (client_secret_post "
                               "needs both in the body)"));
        credentials.method = kPost;
        credentials.secret = form.value(u"client_secret")->toUtf8();
    } else if (jwt) {
        const auto type = form.value(u"client_assertion_type");
        const auto assertion = form.value(u"client_assertion");
        if (!type || !assertion || assertion->isEmpty())
            return invalidRequest(QStringLiteral(
                "private_key_jwt needs both client_assertion and client_assertion_type"));
        if (*type != QLatin1String(kJwtBearerAssertionType))
            return invalidRequest(QStringLiteral("client_assertion_type must be %1 (RFC 7523)")
                                      .arg(QLatin1String(kJwtBearerAssertionType)));
        credentials.method = kPrivateKeyJwt;
        credentials.assertion = assertion->toUtf8();
    } else {
        if (formId.isEmpty())
            return invalidClient(
                QStringLiteral("the request carries no client authentication and no client_id"));
        credentials.method = kNone;
    }
    return credentials;
}

Core::Result<AuthenticatedClient> ClientAuthenticator::authenticate(const Http::Request &request,
                                                                    const Http::FormData &form,
                                                                    const QString &audience)
{
    auto credentials = collect(request, form);
    if (!credentials) {
        recordFailure(form.value(u"client_id").value_or(QString()), QString(), credentials.error(),
                      request);
        return credentials.error();
    }
    auto result = credentials->method == kPrivateKeyJwt
                      ? authenticateWithAssertion(*credentials, audience)
                      : authenticateWithSecret(*credentials);
    if (!result)
        recordFailure(credentials->clientId, credentials->method, result.error(), request);
    return result;
}

Core::Status ClientAuthenticator::checkMethod(const Store::Client &client, const QString &method)
{
    if (client.authMethod == method)
        return {};
    if (method == kNone)
        return invalidClient(QStringLiteral("client \"%1\" is confidential: it must authenticate "
                                            "with %2 (its registered "
                                            "token_endpoint_auth_method)")
                                 .arg(shown(client.clientId), client.authMethod));
    return invalidClient(QStringLiteral("client \"%1\" is registered with "
                                        "token_endpoint_auth_method %2, but the request used %3")
                             .arg(shown(client.clientId), client.authMethod, method));
}

Core::Result<AuthenticatedClient>
ClientAuthenticator::authenticateWithSecret(const Credentials &credentials)
{
    auto client = m_context.clients().resolve(credentials.clientId);
    if (!client)
        return client.error();
    if (auto method = checkMethod(*client, credentials.method); !method)
        return method.error();
    if (credentials.method == kNone) {
        // A public client never holds a secret; one that does is misregistered.
        if (client->secret && !client->secret->isNull())
            return invalidClient(
                QStringLiteral("client \"%1\" has a secret and must authenticate with it")
                    .arg(shown(client->clientId)));
        return AuthenticatedClient{*client, kNone};
    }
    if (!client->secret || client->secret->isNull())
        return invalidClient(QStringLiteral("client \"%1\" has no client secret registered")
                                 .arg(shown(client->clientId)));
    if (client->secretExpiresAt != 0 && client->secretExpiresAt <= m_context.now())
        return invalidClient(QStringLiteral("the client secret of \"%1\" expired at %2; ask the "
                                            "operator for a new one or register again")
                                 .arg(shown(client->clientId), isoTime(client->secretExpiresAt)));
    if (!secretMatches(*client->secret, credentials.secret))
        return invalidClient(QStringLiteral("the client secret presented for \"%1\" is wrong")
                                 .arg(shown(client->clientId)));
    return AuthenticatedClient{*client, credentials.method};
}

Core::Result<AuthenticatedClient>
ClientAuthenticator::authenticateWithAssertion(const Credentials &credentials,
                                               const QString &audience)
{
    const QString what = QStringLiteral("client_assertion: ");
    auto parsed = Crypto::Jws::parseCompact(credentials.assertion);
    if (!parsed)
        return invalidClient(what + parsed.error().message);
    if (!Crypto::jwsAlgorithmFromName(parsed->algorithm))
        return invalidClient(what + QStringLiteral("alg \"%1\" is not allowed; use RS256-512, "
                                                   "PS256-512 or ES256-512")
                                        .arg(shown(parsed->algorithm)));
    // The client is named by the (not yet verified) claims; nothing else is trusted before
    // the signature checks out with that client's keys.
    auto unverified = Crypto::Jwt::parseClaims(parsed->payload);
    if (!unverified)
        return invalidClient(what + unverified.error().message);
    const QJsonValue sub = unverified->value(QStringLiteral("sub"));
    const QJsonValue iss = unverified->value(QStringLiteral("iss"));
    if (!sub.isString() || !iss.isString() || sub.toString().isEmpty() ||
        sub.toString() != iss.toString())
        return invalidClient(what + QStringLiteral("iss and sub must both be the client_id "
                                                   "(RFC 7523 section 3)"));
    const QString clientId = sub.toString();
    if (!credentials.clientId.isEmpty() && credentials.clientId != clientId)
        return invalidClient(what + QStringLiteral("sub \"%1\" is not the client_id \"%2\"")
                                        .arg(shown(clientId), shown(credentials.clientId)));

    auto client = m_context.clients().resolve(clientId);
    if (!client)
        return client.error();
    if (auto method = checkMethod(*client, kPrivateKeyJwt); !method)
        return method.error();

    bool fromCache = false;
    auto keys = clientKeys(*client, false, &fromCache);
    if (!keys)
        return keys.error();
    const QList<Crypto::JwsAlgorithm> allowed = Crypto::allJwsAlgorithms();
    auto verified = Crypto::Jws::verifyWithJwks(credentials.assertion, *keys, allowed);
    if (!verified && fromCache &&
        (verified.error().code == QLatin1String("unknown_kid") ||
         verified.error().code == QLatin1String("no_matching_key"))) {
        // The client may have rotated its keys since the document was cached.
        keys = clientKeys(*client, true, &fromCache);
        if (!keys)
            return keys.error();
        verified = Crypto::Jws::verifyWithJwks(credentials.assertion, *keys, allowed);
    }
    if (!verified)
        return invalidClient(what + QStringLiteral("not verified with the keys of \"%1\": %2")
                                        .arg(shown(clientId), verified.error().message));

    auto claims = Crypto::Jwt::parseClaims(verified->payload);
    if (!claims)
        return invalidClient(what + claims.error().message);
    const qint64 skew = m_context.config().clockSkew;
    Crypto::Jwt::ClaimChecks checks;
    checks.now = m_context.now() / 1000;
    checks.leewaySeconds = skew;
    checks.issuer = clientId;
    checks.requireExp = true;
    if (auto ok = Crypto::Jwt::checkClaims(*claims, checks); !ok)
        return invalidClient(what + ok.error().message);
    if (claims->value(QStringLiteral("sub")).toString() != clientId)
        return invalidClient(what + QStringLiteral("sub must be the client_id"));

    const QString tokenEndpoint = m_context.endpointUrl(QLatin1String(Paths::Token));
    const QStringList accepted = {tokenEndpoint, m_context.issuer(), audience};
    const QStringList aud = audiences(*claims);
    if (std::none_of(aud.begin(), aud.end(),
                     [&](const QString &a) { return !a.isEmpty() && accepted.contains(a); }))
        return invalidClient(what + QStringLiteral("aud must contain the token endpoint %1 or "
                                                   "the issuer %2")
                                        .arg(tokenEndpoint, m_context.issuer()));

    const QJsonValue iat = claims->value(QStringLiteral("iat"));
    if (!iat.isDouble())
        return invalidClient(what + QStringLiteral("iat is required"));
    const double exp = claims->value(QStringLiteral("exp")).toDouble();
    if (exp - iat.toDouble() > double(kMaxAssertionLifetimeSeconds))
        return invalidClient(what + QStringLiteral("lives longer than %1 s (exp - iat); make "
                                                   "assertions short-lived")
                                        .arg(kMaxAssertionLifetimeSeconds));
    const QJsonValue jti = claims->value(QStringLiteral("jti"));
    if (!jti.isString() || jti.toString().isEmpty() || jti.toString().size() > kMaxJtiLength)
        return invalidClient(what + QStringLiteral("jti is required (a unique string of at most "
                                                   "%1 characters)")
                                        .arg(kMaxJtiLength));

    // Remembered for the whole time the assertion could still be accepted: exp + skew.
    const qint64 keepUntil = (qint64(std::ceil(exp)) + skew) * 1000;
    if (auto fresh =
            Store::JtiRepository(m_context.db()).remember(clientId, jti.toString(), keepUntil);
        !fresh) {
        if (fresh.error().code == Store::ErrorCode::Replay)
            return invalidClient(what + QStringLiteral("assertion jti already used"));
        return Core::makeError(OAuthError::ServerError,
                               QStringLiteral("could not record the assertion jti: ") +
                                   fresh.error().message);
    }
    return AuthenticatedClient{*client, kPrivateKeyJwt};
}

Core::Result<Crypto::Jwks> ClientAuthenticator::clientKeys(const Store::Client &client,
                                                           bool refresh, bool *fromCache)
{
    *fromCache = false;
    if (!client.jwks.isEmpty()) {
        auto jwks = Crypto::Jwks::fromJson(client.jwks.toUtf8());
        if (!jwks)
            return invalidClient(QStringLiteral("the registered jwks of \"%1\" is unusable: %2")
                                     .arg(shown(client.clientId), jwks.error().message));
        return jwks;
    }
    if (client.jwksUri.isEmpty())
        return invalidClient(QStringLiteral("client \"%1\" has registered no keys (jwks or "
                                            "jwks_uri) to verify its assertion")
                                 .arg(shown(client.clientId)));
    const qint64 now = m_context.now();
    {
        QMutexLocker lock(&m_jwksMutex);
        const auto cached = m_jwksCache.constFind(client.jwksUri);
        if (cached != m_jwksCache.constEnd()) {
            const qint64 age = now - cached->fetchedAt;
            if (!refresh && age >= 0 && age < kJwksCacheSeconds * 1000) {
                *fromCache = true;
                return cached->jwks;
            }
            // Unknown kids are attacker-chosen: do not let them drive a fetch per request.
            if (refresh && age >= 0 && age < kJwksRefetchSeconds * 1000)
                return cached->jwks;
        }
    }
    const QString where = QStringLiteral("the jwks_uri of \"%1\" (%2)")
                              .arg(shown(client.clientId), shown(client.jwksUri));
    const Http::SsrfGuard guard(Outbound::policy(m_context.config()));
    auto url = guard.parseUrl(client.jwksUri);
    if (!url)
        return invalidClient(where + QStringLiteral(" is not fetchable: ") + url.error().message);
    Outbound::Fetch fetch;
    fetch.url = *url;
    fetch.maxBytes = Crypto::Jwks::kMaxDocumentBytes;
    fetch.tag = QStringLiteral("client_jwks");
    auto response = Outbound::getJson(m_context, fetch);
    if (!response)
        return invalidClient(where + QStringLiteral(" could not be fetched: ") +
                             response.error().message);
    if (response->status != 200)
        return invalidClient(where + QStringLiteral(" answered HTTP %1").arg(response->status));
    auto jwks = Crypto::Jwks::fromJson(response->body);
    if (!jwks)
        return invalidClient(where + QStringLiteral(": ") + jwks.error().message);
    QMutexLocker lock(&m_jwksMutex);
    if (m_jwksCache.size() >= kMaxCachedJwks)
        m_jwksCache.clear();
    m_jwksCache.insert(client.jwksUri, CachedJwks{*jwks, now});
    return jwks;
}

void ClientAuthenticator::recordFailure(const QString &clientId, const QString &method,
                                        const Core::Error &error, const Http::Request &request)
{
    m_context.audit().record(QStringLiteral("client.authentication_failed"),
                             QStringLiteral("client"), clientId.left(256), QString(),
                             {{QStringLiteral("method"), method},
                              {QStringLiteral("error"), error.code},
                              {QStringLiteral("reason"), error.message}},
                             &request);
}

} // namespace Auth
