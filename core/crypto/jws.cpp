#include "crypto/jws.h"

#include <memory>

#include <QJsonDocument>
#include <QStringList>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "crypto/base64url.h"
#include "crypto/jwks.h"
#include "crypto/opensslerror.h"
#include "crypto/strictjson.h"

namespace Crypto::Jws {

namespace {

constexpr int kMaxHeaderDepth = 16;

struct MdCtxFree
{
    void operator()(EVP_MD_CTX *c) const { EVP_MD_CTX_free(c); }
};
struct EcdsaSigFree
{
    void operator()(ECDSA_SIG *s) const { ECDSA_SIG_free(s); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigFree>;

Core::Error fail(const char *code, const QString &message)
{
    return Core::makeError(QLatin1String(code), message);
}

const EVP_MD *digestFor(JwsAlgorithm alg)
{
    switch (alg) {
    case JwsAlgorithm::RS256:
    case JwsAlgorithm::PS256:
    case JwsAlgorithm::ES256:
        return EVP_sha256();
    case JwsAlgorithm::RS384:
    case JwsAlgorithm::PS384:
    case JwsAlgorithm::ES384:
        return EVP_sha384();
    case JwsAlgorithm::RS512:
    case JwsAlgorithm::PS512:
    case JwsAlgorithm::ES512:
        return EVP_sha512();
    }
    return nullptr;
}

bool isPss(JwsAlgorithm alg)
{
    return alg == JwsAlgorithm::PS256 || alg == JwsAlgorithm::PS384 || alg == JwsAlgorithm::PS512;
}

/// Octets of each of R and S in an ES signature (RFC 7518 section 3.4); 0 for RSA.
int ecCoordinateBytes(JwsAlgorithm alg)
{
    switch (alg) {
    case JwsAlgorithm::ES256:
        return 32;
    case JwsAlgorithm::ES384:
        return 48;
    case JwsAlgorithm::ES512:
        return 66;
    default:
        return 0;
    }
}

QString requiredKeyKind(JwsAlgorithm alg)
{
    switch (alg) {
    case JwsAlgorithm::ES256:
        return QStringLiteral("an EC P-256 key");
    case JwsAlgorithm::ES384:
        return QStringLiteral("an EC P-384 key");
    case JwsAlgorithm::ES512:
        return QStringLiteral("an EC P-521 key");
    default:
        return QStringLiteral("an RSA key");
    }
}

/// Sets up a sign or verify context; PS* use PSS with MGF1 on the same hash and a salt as
/// long as the hash (RFC 7518 section 3.5), enforced on verification too.
MdCtxPtr initContext(EVP_PKEY *pkey, JwsAlgorithm alg, bool forSigning)
{
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx)
        return nullptr;
    EVP_PKEY_CTX *pctx = nullptr;
    const int ok = forSigning
                       ? EVP_DigestSignInit(ctx.get(), &pctx, digestFor(alg), nullptr, pkey)
                       : EVP_DigestVerifyInit(ctx.get(), &pctx, digestFor(alg), nullptr, pkey);
    if (ok != 1)
        return nullptr;
    if (isPss(alg) && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
                       EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, digestFor(alg)) != 1))
        return nullptr;
    return ctx;
}

Core::Result<QByteArray> rawSign(EVP_PKEY *pkey, JwsAlgorithm alg, QByteArrayView input)
{
    MdCtxPtr ctx = initContext(pkey, alg, true);
    size_t length = 0;
    const auto *data = reinterpret_cast<const unsigned char *>(input.data());
    const auto size = static_cast<size_t>(input.size());
    if (!ctx || EVP_DigestSign(ctx.get(), nullptr, &length, data, size) != 1)
        return fail("sign_failed", QStringLiteral("signing setup failed: ") + takeOpensslError());
    QByteArray signature(static_cast<qsizetype>(length), '\0');
    auto *out = reinterpret_cast<unsigned char *>(signature.data());
    if (EVP_DigestSign(ctx.get(), out, &length, data, size) != 1)
        return fail("sign_failed", QStringLiteral("signing failed: ") + takeOpensslError());
    signature.truncate(static_cast<qsizetype>(length));
    const int n = ecCoordinateBytes(alg);
    if (n == 0)
        return signature;
    // OpenSSL produces DER; JWS wants R and S as fixed-width big-endian integers.
    const auto *cursor = reinterpret_cast<const unsigned char *>(signature.constData());
    EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &cursor, signature.size()));
    if (!sig)
        return fail("sign_failed",
                    QStringLiteral("unreadable ECDSA signature: ") + takeOpensslError());
    const BIGNUM *r = nullptr;
    const BIGNUM *s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    QByteArray raw(2 * n, '\0');
    auto *rawData = reinterpret_cast<unsigned char *>(raw.data());
    if (BN_bn2binpad(r, rawData, n) != n || BN_bn2binpad(s, rawData + n, n) != n)
        return fail("sign_failed", QStringLiteral("ECDSA signature component too large"));
    return raw;
}

Core::Status rawVerify(EVP_PKEY *pkey, JwsAlgorithm alg, QByteArrayView input,
                       QByteArrayView signature)
{
    QByteArray der;
    const int n = ecCoordinateBytes(alg);
    if (n > 0) {
        if (signature.size() != 2 * n)
            return fail("bad_signature",
                        QStringLiteral("%1 signature must be %2 octets (R||S), got %3")
                            .arg(jwsAlgorithmName(alg))
                            .arg(2 * n)
                            .arg(signature.size()));
        const auto *raw = reinterpret_cast<const unsigned char *>(signature.data());
        EcdsaSigPtr sig(ECDSA_SIG_new());
        BIGNUM *r = BN_bin2bn(raw, n, nullptr);
        BIGNUM *s = BN_bin2bn(raw + n, n, nullptr);
        if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
            BN_free(r);
            BN_free(s);
            return fail("bad_signature", QStringLiteral("cannot decode the ECDSA signature"));
        }
        unsigned char *encoded = nullptr;
        const int length = i2d_ECDSA_SIG(sig.get(), &encoded);
        if (length <= 0) {
            ERR_clear_error();
            return fail("bad_signature", QStringLiteral("cannot encode the ECDSA signature"));
        }
        der = QByteArray(reinterpret_cast<const char *>(encoded), length);
        OPENSSL_free(encoded);
        signature = der;
    }
    MdCtxPtr ctx = initContext(pkey, alg, false);
    const bool ok = ctx && EVP_DigestVerify(
                               ctx.get(), reinterpret_cast<const unsigned char *>(signature.data()),
                               static_cast<size_t>(signature.size()),
                               reinterpret_cast<const unsigned char *>(input.data()),
                               static_cast<size_t>(input.size())) == 1;
    ERR_clear_error();
    if (!ok)
        return fail("bad_signature",
                    QStringLiteral("the %1 signature does not verify").arg(jwsAlgorithmName(alg)));
    return {};
}

QString listNames(const QList<JwsAlgorithm> &algorithms)
{
    QStringList names;
    for (const JwsAlgorithm alg : algorithms)
        names.append(jwsAlgorithmName(alg));
    return names.isEmpty() ? QStringLiteral("none allowed") : names.join(QStringLiteral(", "));
}

/// The algorithm gate, before any key is touched.
Core::Result<JwsAlgorithm> checkAlgorithm(const ParsedJws &parsed,
                                          const QList<JwsAlgorithm> &allowed)
{
    const QString &name = parsed.algorithm;
    if (name.compare(QLatin1String("none"), Qt::CaseInsensitive) == 0)
        return fail("alg_not_allowed",
                    QStringLiteral("alg \"none\" (an unsecured JWS) is never accepted"));
    if (name.startsWith(QLatin1String("HS"), Qt::CaseInsensitive))
        return fail("alg_not_allowed",
                    QStringLiteral("HMAC alg \"%1\" is never accepted: only asymmetric signatures "
                                   "are verified, so a public key can never act as an HMAC secret")
                        .arg(name.left(16)));
    const auto alg = jwsAlgorithmFromName(name);
    if (!alg)
        return fail("alg_not_allowed", QStringLiteral("unsupported alg \"%1\"").arg(name.left(32)));
    if (!allowed.contains(*alg))
        return fail(
            "alg_not_allowed",
            QStringLiteral("alg %1 is not in the allowed list (%2)").arg(name, listNames(allowed)));
    return *alg;
}

Core::Status checkKeyFits(const Key &key, JwsAlgorithm alg)
{
    if (key.isNull())
        return fail("alg_key_mismatch", QStringLiteral("no key given"));
    if (!key.supports(alg))
        return fail("alg_key_mismatch",
                    QStringLiteral("%1 needs %2, the key is %3")
                        .arg(jwsAlgorithmName(alg), requiredKeyKind(alg), keyKindName(key.kind())));
    if (key.algorithm() && *key.algorithm() != alg)
        return fail("alg_key_mismatch",
                    QStringLiteral("the key is restricted to %1, not %2")
                        .arg(jwsAlgorithmName(*key.algorithm()), jwsAlgorithmName(alg)));
    return {};
}

Core::Result<VerifiedJws> verifyParsed(const ParsedJws &parsed, JwsAlgorithm alg, const Key &key)
{
    if (auto fits = checkKeyFits(key, alg); !fits)
        return fits.error();
    if (auto ok = rawVerify(key.nativeHandle(), alg, parsed.signingInput, parsed.signature); !ok)
        return ok.error();
    return VerifiedJws{parsed.header, parsed.payload, alg, parsed.kid, key};
}

} // namespace

Core::Result<QByteArray> sign(const QJsonObject &header, QByteArrayView payload, const Key &key,
                              JwsAlgorithm algorithm)
{
    if (auto fits = checkKeyFits(key, algorithm); !fits)
        return fits.error();
    if (!key.isPrivate())
        return fail("sign_failed", QStringLiteral("signing needs a private key"));
    QJsonObject h = header;
    h.insert(QLatin1String("alg"), jwsAlgorithmName(algorithm));
    if (!key.kid().isEmpty() && !h.contains(QLatin1String("kid")))
        h.insert(QLatin1String("kid"), key.kid());
    QByteArray token = base64UrlEncode(QJsonDocument(h).toJson(QJsonDocument::Compact));
    token += '.';
    token += base64UrlEncode(payload);
    auto signature = rawSign(key.nativeHandle(), algorithm, token);
    if (!signature)
        return signature.error();
    token += '.';
    token += base64UrlEncode(*signature);
    return token;
}

Core::Result<ParsedJws> parseCompact(QByteArrayView token)
{
    if (token.size() > kMaxTokenBytes)
        return fail("malformed", QStringLiteral("token of %1 bytes exceeds the limit of %2")
                                     .arg(token.size())
                                     .arg(kMaxTokenBytes));
    const qsizetype firstDot = token.indexOf('.');
    const qsizetype secondDot = firstDot < 0 ? -1 : token.indexOf('.', firstDot + 1);
    if (firstDot < 0 || secondDot < 0 || token.indexOf('.', secondDot + 1) >= 0)
        return fail("malformed", QStringLiteral("a compact JWS has exactly three parts separated "
                                                "by two dots, this has %1")
                                     .arg(token.count('.') + 1));
    const QByteArrayView headerPart = token.first(firstDot);
    const QByteArrayView payloadPart = token.sliced(firstDot + 1, secondDot - firstDot - 1);
    const QByteArrayView signaturePart = token.sliced(secondDot + 1);
    if (headerPart.isEmpty())
        return fail("malformed", QStringLiteral("the header part is empty"));

    ParsedJws parsed;
    const auto decode = [](QByteArrayView part, const char *name, QByteArray &out) -> Core::Status {
        auto decoded = base64UrlDecode(part);
        if (!decoded)
            return fail("malformed", QStringLiteral("the %1 part is not strict base64url: %2")
                                         .arg(QLatin1String(name), decoded.error().message));
        out = std::move(*decoded);
        return {};
    };
    QByteArray headerBytes;
    if (auto s = decode(headerPart, "header", headerBytes); !s)
        return s.error();
    if (auto s = decode(payloadPart, "payload", parsed.payload); !s)
        return s.error();
    if (auto s = decode(signaturePart, "signature", parsed.signature); !s)
        return s.error();

    auto header = parseStrictJsonObject(headerBytes, kMaxTokenBytes, kMaxHeaderDepth);
    if (!header)
        return fail("malformed", QStringLiteral("header: ") + header.error().message);
    parsed.header = std::move(*header);
    const QJsonValue alg = parsed.header.value(QLatin1String("alg"));
    if (!alg.isString())
        return fail("malformed", alg.isUndefined()
                                     ? QStringLiteral("header has no \"alg\"")
                                     : QStringLiteral("header \"alg\" is not a string"));
    parsed.algorithm = alg.toString();
    if (parsed.header.contains(QLatin1String("kid"))) {
        const QJsonValue kid = parsed.header.value(QLatin1String("kid"));
        if (!kid.isString())
            return fail("malformed", QStringLiteral("header \"kid\" is not a string"));
        parsed.kid = kid.toString();
    }
    // RFC 7515 section 4.1.11: a recipient must reject what it does not understand, and no
    // extension is understood here.
    if (parsed.header.contains(QLatin1String("crit")))
        return fail("malformed", QStringLiteral("header \"crit\" lists extensions this verifier "
                                                "does not understand"));
    parsed.signingInput = token.first(secondDot).toByteArray();
    return parsed;
}

namespace {
struct GatedJws
{
    ParsedJws parsed;
    JwsAlgorithm algorithm;
};

/// Parsing and the algorithm gate, shared by both ways of choosing the key.
Core::Result<GatedJws> parseAndGate(QByteArrayView token, const QList<JwsAlgorithm> &allowed)
{
    auto parsed = parseCompact(token);
    if (!parsed)
        return parsed.error();
    auto alg = checkAlgorithm(*parsed, allowed);
    if (!alg)
        return alg.error();
    return GatedJws{std::move(*parsed), *alg};
}
} // namespace

Core::Result<VerifiedJws> verify(QByteArrayView token, const Key &key,
                                 const QList<JwsAlgorithm> &allowed)
{
    auto gated = parseAndGate(token, allowed);
    if (!gated)
        return gated.error();
    return verifyParsed(gated->parsed, gated->algorithm, key);
}

Core::Result<VerifiedJws> verifyWithJwks(QByteArrayView token, const Jwks &jwks,
                                         const QList<JwsAlgorithm> &allowed)
{
    auto gated = parseAndGate(token, allowed);
    if (!gated)
        return gated.error();
    const ParsedJws &parsed = gated->parsed;
    const JwsAlgorithm alg = gated->algorithm;
    if (parsed.header.contains(QLatin1String("kid"))) {
        const auto key = jwks.find(parsed.kid);
        if (!key)
            return fail(
                "unknown_kid",
                QStringLiteral("no key with kid \"%1\" in the key set").arg(parsed.kid.left(64)));
        return verifyParsed(parsed, alg, *key);
    }
    int candidates = 0;
    for (const Key &key : jwks.keys()) {
        if (!checkKeyFits(key, alg))
            continue;
        ++candidates;
        auto verified = verifyParsed(parsed, alg, key);
        if (verified)
            return verified;
    }
    if (candidates == 0)
        return fail("no_matching_key", QStringLiteral("the token has no kid and the key set has no "
                                                      "key for %1 (%2)")
                                           .arg(jwsAlgorithmName(alg), requiredKeyKind(alg)));
    return fail("bad_signature",
                QStringLiteral("the token has no kid and its %1 signature verifies with none of "
                               "the %2 candidate keys")
                    .arg(jwsAlgorithmName(alg))
                    .arg(candidates));
}

JwsAlgorithm defaultAlgorithm(const Key &key)
{
    if (key.algorithm())
        return *key.algorithm();
    switch (key.kind()) {
    case Key::Kind::EcP256:
        return JwsAlgorithm::ES256;
    case Key::Kind::EcP384:
        return JwsAlgorithm::ES384;
    case Key::Kind::EcP521:
        return JwsAlgorithm::ES512;
    default:
        return JwsAlgorithm::RS256;
    }
}

} // namespace Crypto::Jws
