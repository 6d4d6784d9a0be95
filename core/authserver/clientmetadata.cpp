#include "authserver/clientmetadata.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QThreadStorage>

#include "authserver/clientresolver.h"
#include "authserver/config.h"
#include "authserver/context.h"
#include "authserver/oauth.h"
#include "crypto/jwks.h"
#include "crypto/random.h"
#include "store/secrethash.h"

namespace Auth {

namespace ClientMetadata {

namespace {

const QString kAuthorizationCode = QStringLiteral("authorization_code");
const QString kRefreshToken = QStringLiteral("refresh_token");
const QString kClientCredentials = QStringLiteral("client_credentials");
const QString kDeviceCode = QStringLiteral("urn:ietf:params:oauth:grant-type:device_code");
const QString &kNone = AuthMethod::None;
const QString &kPrivateKeyJwt = AuthMethod::PrivateKeyJwt;

constexpr qsizetype kMaxUriLength = 2048;
constexpr qsizetype kMaxTextLength = 200;
constexpr qsizetype kMaxRedirectUris = 20;
constexpr qsizetype kMaxContacts = 10;

Core::Error invalidMetadata(const QString &message)
{
    return Core::makeError(OAuthError::InvalidClientMetadata, message);
}

QString jsonTypeName(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    default:
        return QStringLiteral("null");
    }
}

bool hasControlCharacters(const QString &text)
{
    for (const QChar c : text)
        if (c.unicode() < 0x20 || c.unicode() == 0x7F)
            return true;
    return false;
}

/// A member that is absent or null counts as not given.
bool given(const QJsonObject &document, const QString &name)
{
    const QJsonValue value = document.value(name);
    return !value.isUndefined() && !value.isNull();
}

Core::Result<QString> optionalString(const QJsonObject &document, const QString &name,
                                     qsizetype maxLength = kMaxTextLength)
{
    if (!given(document, name))
        return QString();
    const QJsonValue value = document.value(name);
    if (!value.isString())
        return invalidMetadata(
            QStringLiteral("%1 must be a string, not %2").arg(name, jsonTypeName(value)));
    const QString text = value.toString();
    if (text.size() > maxLength)
        return invalidMetadata(
            QStringLiteral("%1 is longer than %2 characters").arg(name).arg(maxLength));
    if (hasControlCharacters(text))
        return invalidMetadata(QStringLiteral("%1 contains control characters").arg(name));
    return text;
}

/// An array of non-empty strings; duplicates are dropped, the order kept.
Core::Result<QStringList> optionalStringArray(const QJsonObject &document, const QString &name,
                                              qsizetype maxItems, qsizetype maxLength)
{
    QStringList out;
    if (!given(document, name))
        return out;
    const QJsonValue value = document.value(name);
    if (!value.isArray())
        return invalidMetadata(QStringLiteral("%1 must be an array of strings, not %2")
                                   .arg(name, jsonTypeName(value)));
    const QJsonArray array = value.toArray();
    if (array.size() > maxItems)
        return invalidMetadata(
            QStringLiteral("%1 has more than %2 entries").arg(name).arg(maxItems));
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QJsonValue entry = array.at(i);
        if (!entry.isString())
            return invalidMetadata(QStringLiteral("%1[%2] must be a string, not %3")
                                       .arg(name)
                                       .arg(i)
                                       .arg(jsonTypeName(entry)));
        const QString text = entry.toString();
        if (text.isEmpty() || text.size() > maxLength || hasControlCharacters(text))
            return invalidMetadata(
                QStringLiteral("%1[%2] must be a non-empty string of at most %3 printable "
                               "characters")
                    .arg(name)
                    .arg(i)
                    .arg(maxLength));
        if (!out.contains(text))
            out.append(text);
    }
    return out;
}

/// client_uri, logo_uri, tos_uri, policy_uri: shown to users, so https only.
Core::Result<QString> optionalHttpsUrl(const QJsonObject &document, const QString &name)
{
    auto text = optionalString(document, name, kMaxUriLength);
    if (!text || text->isEmpty())
        return text;
    const QUrl url(*text, QUrl::StrictMode);
    if (!url.isValid() || url.scheme() != QLatin1String("https") || url.host().isEmpty() ||
        !url.userInfo().isEmpty())
        return invalidMetadata(
            QStringLiteral("%1 must be an absolute https URL without userinfo").arg(name));
    return text;
}

Core::Status checkJwksUri(const QString &uri, const Config &config)
{
    const Http::SsrfGuard guard(Outbound::policy(config));
    auto url = guard.parseUrl(uri);
    if (!url)
        return invalidMetadata(QStringLiteral("jwks_uri is not an acceptable URL: ") +
                               url.error().message);
    if (url->scheme() != QLatin1String("https") && !config.allowLoopbackCimd)
        return invalidMetadata(QStringLiteral("jwks_uri must be an https URL"));
    if (url->hasFragment())
        return invalidMetadata(QStringLiteral("jwks_uri must not have a fragment"));
    return {};
}

Core::Result<QString> checkJwks(const QJsonValue &value)
{
    if (!value.isObject())
        return invalidMetadata(
            QStringLiteral("jwks must be a JWK Set object, not %1").arg(jsonTypeName(value)));
    const QByteArray text = QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
    auto jwks = Crypto::Jwks::fromJson(text);
    if (!jwks)
        return invalidMetadata(QStringLiteral("jwks: ") + jwks.error().message);
    if (!jwks->warnings().isEmpty())
        return invalidMetadata(QStringLiteral("jwks must hold public keys only: ") +
                               jwks->warnings().join(QStringLiteral("; ")));
    if (jwks->isEmpty()) {
        QStringList reasons;
        for (const auto &skipped : jwks->skipped())
            reasons.append(QStringLiteral("keys[%1]: %2").arg(skipped.index).arg(skipped.reason));
        return invalidMetadata(
            QStringLiteral("jwks holds no usable signature key (RSA >= 2048 bits or EC "
                           "P-256/384/521)%1")
                .arg(reasons.isEmpty() ? QString() : QStringLiteral(": ") + reasons.join(u"; ")));
    }
    return QString::fromUtf8(jwks->toJson());
}

Core::Result<QString> parseAuthMethod(const QJsonObject &document, Origin origin)
{
    auto method = optionalString(document, QStringLiteral("token_endpoint_auth_method"));
    if (!method)
        return method;
    if (method->isEmpty())
        // RFC 7591 section 2: the default is client_secret_basic. A metadata document
        // cannot carry a secret, so there the default is none.
        return origin == Origin::Registration ? AuthMethod::ClientSecretBasic : kNone;
    static const QStringList registration = {kNone, QStringLiteral("client_secret_basic"),
                                             QStringLiteral("client_secret_post"), kPrivateKeyJwt};
    static const QStringList document_ = {kNone, kPrivateKeyJwt};
    const QStringList &allowed = origin == Origin::Registration ? registration : document_;
    if (!allowed.contains(*method))
        return invalidMetadata(
            QStringLiteral("token_endpoint_auth_method \"%1\" is not supported%2; use one of: %3")
                .arg(method->left(64),
                     origin == Origin::MetadataDocument
                         ? QStringLiteral(" in a client metadata document (no shared secrets)")
                         : QString(),
                     allowed.join(QStringLiteral(", "))));
    return method;
}

Core::Result<QStringList> parseGrantTypes(const QJsonObject &document)
{
    auto grants = optionalStringArray(document, QStringLiteral("grant_types"), 8, 128);
    if (!grants)
        return grants;
    if (!given(document, QStringLiteral("grant_types")))
        return QStringList{kAuthorizationCode};
    if (grants->isEmpty())
        return invalidMetadata(QStringLiteral("grant_types must not be empty"));
    for (const QString &grant : *grants) {
        if (grant == QLatin1String("implicit") || grant == QLatin1String("password"))
            return invalidMetadata(
                QStringLiteral("grant type \"%1\" is not supported (OAuth 2.1 removed it)")
                    .arg(grant));
        if (grant != kAuthorizationCode && grant != kRefreshToken && grant != kClientCredentials &&
            grant != kDeviceCode)
            return invalidMetadata(
                QStringLiteral("grant type \"%1\" is not supported; use authorization_code, "
                               "refresh_token, client_credentials or %2")
                    .arg(grant.left(128), kDeviceCode));
    }
    return grants;
}

Core::Result<QStringList> parseResponseTypes(const QJsonObject &document, const QStringList &grants)
{
    const bool codeGrant = grants.contains(kAuthorizationCode);
    auto types = optionalStringArray(document, QStringLiteral("response_types"), 4, 64);
    if (!types)
        return types;
    if (!given(document, QStringLiteral("response_types")))
        return codeGrant ? QStringList{QStringLiteral("code")} : QStringList{};
    for (const QString &type : *types)
        if (type != QLatin1String("code"))
            return invalidMetadata(
                QStringLiteral("response type \"%1\" is not supported; only \"code\" (with "
                               "PKCE) is")
                    .arg(type.left(64)));
    // RFC 7591 section 2.1: authorization_code goes with the response type code.
    if (codeGrant && types->isEmpty())
        return invalidMetadata(QStringLiteral(
            "grant_types includes authorization_code, so response_types must include code"));
    if (!codeGrant && !types->isEmpty())
        return invalidMetadata(QStringLiteral(
            "response_types includes code, so grant_types must include authorization_code"));
    return types;
}

Core::Result<QStringList> parseRedirectUris(const QJsonObject &document, Origin origin,
                                            const QStringList &grants,
                                            const QString &applicationType)
{
    const QString name = QStringLiteral("redirect_uris");
    auto uris = optionalStringArray(document, name, kMaxRedirectUris, kMaxUriLength);
    if (!uris)
        return Core::makeError(OAuthError::InvalidRedirectUri, uris.error().message);
    const bool required = origin == Origin::MetadataDocument || grants.contains(kAuthorizationCode);
    if (required && uris->isEmpty())
        return Core::makeError(
            OAuthError::InvalidRedirectUri,
            QStringLiteral("redirect_uris is required (at least one) for the authorization_code "
                           "grant"));
    for (qsizetype i = 0; i < uris->size(); ++i) {
        const QString &uri = uris->at(i);
        if (auto valid = validateRedirectUri(uri); !valid)
            return Core::makeError(
                OAuthError::InvalidRedirectUri,
                QStringLiteral("redirect_uris[%1]: %2").arg(i).arg(valid.error().message));
        const bool web = uri.startsWith(QLatin1String("https:"), Qt::CaseInsensitive) ||
                         uri.startsWith(QLatin1String("http:"), Qt::CaseInsensitive);
        if (!web && applicationType != QLatin1String("native"))
            return Core::makeError(
                OAuthError::InvalidRedirectUri,
                QStringLiteral("redirect_uris[%1]: a private-use scheme is only allowed for "
                               "application_type \"native\"; a web client uses https (or http "
                               "on loopback)")
                    .arg(i));
    }
    return uris;
}

} // namespace

QString shortForMessage(const QString &text)
{
    return text.size() > 120 ? text.left(120) + QStringLiteral("…") : text;
}

Core::Result<Store::Client> parse(const QJsonObject &document, Origin origin, const Config &config)
{
    Store::Client client;
    client.metadata = {};

    auto applicationType = optionalString(document, QStringLiteral("application_type"));
    if (!applicationType)
        return applicationType.error();
    client.applicationType = applicationType->isEmpty() ? QStringLiteral("web") : *applicationType;
    if (client.applicationType != QLatin1String("web") &&
        client.applicationType != QLatin1String("native"))
        return invalidMetadata(
            QStringLiteral("application_type must be \"web\" or \"native\", not \"%1\"")
                .arg(client.applicationType.left(64)));

    if (origin == Origin::MetadataDocument &&
        (given(document, QStringLiteral("client_secret")) ||
         given(document, QStringLiteral("client_secret_expires_at"))))
        return invalidMetadata(QStringLiteral(
            "a client metadata document must not contain client_secret: it is public"));

    auto method = parseAuthMethod(document, origin);
    if (!method)
        return method.error();
    client.authMethod = *method;

    auto grants = parseGrantTypes(document);
    if (!grants)
        return grants.error();
    client.grantTypes = *grants;
    if (client.authMethod == kNone && client.grantTypes.contains(kClientCredentials))
        return invalidMetadata(QStringLiteral(
            "the client_credentials grant needs client authentication; a client with "
            "token_endpoint_auth_method none cannot use it"));

    auto responseTypes = parseResponseTypes(document, client.grantTypes);
    if (!responseTypes)
        return responseTypes.error();
    client.responseTypes = *responseTypes;

    auto redirects = parseRedirectUris(document, origin, client.grantTypes, client.applicationType);
    if (!redirects)
        return redirects.error();
    client.redirectUris = *redirects;

    const bool hasJwks = given(document, QStringLiteral("jwks"));
    auto jwksUri = optionalString(document, QStringLiteral("jwks_uri"), kMaxUriLength);
    if (!jwksUri)
        return jwksUri.error();
    if (hasJwks && !jwksUri->isEmpty())
        return invalidMetadata(
            QStringLiteral("jwks and jwks_uri must not both be present (RFC 7591 section 2)"));
    if (hasJwks) {
        auto jwks = checkJwks(document.value(QStringLiteral("jwks")));
        if (!jwks)
            return jwks.error();
        client.jwks = *jwks;
    } else if (!jwksUri->isEmpty()) {
        if (auto ok = checkJwksUri(*jwksUri, config); !ok)
            return ok.error();
        client.jwksUri = *jwksUri;
    } else if (client.authMethod == kPrivateKeyJwt) {
        return invalidMetadata(
            QStringLiteral("token_endpoint_auth_method private_key_jwt needs the client's "
                           "public keys: give jwks or jwks_uri"));
    }

    auto scope = optionalString(document, QStringLiteral("scope"), 1024);
    if (!scope)
        return scope.error();
    if (!scope->isEmpty()) {
        auto scopes = parseScope(*scope);
        if (!scopes)
            return invalidMetadata(scopes.error().message);
        for (const QString &s : *scopes)
            if (!config.scopesSupported.contains(s))
                return invalidMetadata(
                    QStringLiteral("scope \"%1\" is not supported; supported scopes: %2")
                        .arg(s.left(64), config.scopesSupported.join(QLatin1Char(' '))));
        client.scope = joinScope(*scopes);
    }

    auto name = optionalString(document, QStringLiteral("client_name"));
    if (!name)
        return name.error();
    client.name = *name;

    for (const QString &member : {QStringLiteral("client_uri"), QStringLiteral("logo_uri"),
                                  QStringLiteral("tos_uri"), QStringLiteral("policy_uri")}) {
        auto url = optionalHttpsUrl(document, member);
        if (!url)
            return url.error();
        if (!url->isEmpty())
            client.metadata.insert(member, *url);
    }
    auto contacts =
        optionalStringArray(document, QStringLiteral("contacts"), kMaxContacts, kMaxTextLength);
    if (!contacts)
        return contacts.error();
    if (!contacts->isEmpty())
        client.metadata.insert(QStringLiteral("contacts"), QJsonArray::fromStringList(*contacts));
    for (const QString &member :
         {QStringLiteral("software_id"), QStringLiteral("software_version")}) {
        auto text = optionalString(document, member);
        if (!text)
            return text.error();
        if (!text->isEmpty())
            client.metadata.insert(member, *text);
    }
    return client;
}

QByteArray issueSecret(Store::Client &client)
{
    client.secretExpiresAt = 0;
    if (client.authMethod != AuthMethod::ClientSecretBasic &&
        client.authMethod != AuthMethod::ClientSecretPost) {
        client.secret.reset();
        return {};
    }
    QByteArray secret = QByteArrayLiteral("mcs_") + Crypto::randomToken(32);
    client.secret = Store::SecretHash::fromSecret(secret);
    return secret;
}

QString newClientId()
{
    return QStringLiteral("mcp_") + QString::fromLatin1(Crypto::randomToken(16));
}

QJsonObject describe(const Store::Client &client)
{
    QJsonObject out = client.metadata;
    out.insert(QStringLiteral("client_id"), client.clientId);
    out.insert(QStringLiteral("redirect_uris"), QJsonArray::fromStringList(client.redirectUris));
    out.insert(QStringLiteral("grant_types"), QJsonArray::fromStringList(client.grantTypes));
    out.insert(QStringLiteral("response_types"), QJsonArray::fromStringList(client.responseTypes));
    out.insert(QStringLiteral("token_endpoint_auth_method"), client.authMethod);
    out.insert(QStringLiteral("application_type"), client.applicationType);
    if (!client.scope.isEmpty())
        out.insert(QStringLiteral("scope"), client.scope);
    if (!client.name.isEmpty())
        out.insert(QStringLiteral("client_name"), client.name);
    if (!client.jwks.isEmpty())
        out.insert(QStringLiteral("jwks"), QJsonDocument::fromJson(client.jwks.toUtf8()).object());
    if (!client.jwksUri.isEmpty())
        out.insert(QStringLiteral("jwks_uri"), client.jwksUri);
    return out;
}

} // namespace ClientMetadata

namespace Outbound {

Http::SsrfPolicy policy(const Config &config)
{
    Http::SsrfPolicy p;
    p.allowLoopback = config.allowLoopbackCimd;
    p.allowPrivateNetworks = false;
    return p;
}

Core::Result<Http::ClientResponse> getJson(const Context &context, const Fetch &fetch)
{
    // One client per handler thread: QNetworkAccessManager is bound to its thread, and
    // QThreadStorage deletes it while the thread can still run its destructor.
    static QThreadStorage<Http::Client *> clients;
    if (!clients.hasLocalData())
        clients.setLocalData(new Http::Client);
    Http::Client *client = clients.localData();
    client->setPolicy(policy(context.config()));
    client->setExchangeLog(context.exchangeLog());

    Http::ClientRequest request;
    request.url = fetch.url;
    request.headers.set(QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json"));
    request.timeout = fetch.timeout;
    request.maxResponseBytes = fetch.maxBytes;
    request.followRedirects = false;
    request.tag = fetch.tag;
    auto response = client->sendAndWait(std::move(request));
    if (!response) {
        const Core::Error &e = response.error();
        if (e.code == QLatin1String("response_too_large"))
            return Core::makeError(
                e.code,
                QStringLiteral("the response is larger than %1 KiB").arg(fetch.maxBytes / 1024));
        if (e.code == QLatin1String("timeout"))
            return Core::makeError(e.code, QStringLiteral("no complete answer within %1 s")
                                               .arg(fetch.timeout.count() / 1000.0));
        return e;
    }
    return response;
}

} // namespace Outbound

} // namespace Auth
