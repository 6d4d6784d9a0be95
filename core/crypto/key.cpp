#include "crypto/key.h"

#include <array>

#include <QFileDevice>
#include <QJsonArray>
#include <QSaveFile>
#include <QSet>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto/base64url.h"
#include "crypto/digest.h"
#include "crypto/opensslerror.h"

namespace Crypto {

Core::Result<Key> adoptKey(EVP_PKEY *pkey, bool isPrivate);

namespace {

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;
constexpr qsizetype kMaxPemBytes = 64 * 1024;

struct BioFree
{
    void operator()(BIO *b) const { BIO_free(b); }
};
struct BnFree
{
    void operator()(BIGNUM *b) const { BN_clear_free(b); }
};
struct PkeyCtxFree
{
    void operator()(EVP_PKEY_CTX *c) const { EVP_PKEY_CTX_free(c); }
};
struct ParamBldFree
{
    void operator()(OSSL_PARAM_BLD *b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree
{
    void operator()(OSSL_PARAM *p) const { OSSL_PARAM_free(p); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

Core::Error invalidKey(const QString &reason)
{
    return Core::makeError(QStringLiteral("invalid_key"), reason);
}
Core::Error unsupportedKey(const QString &reason)
{
    return Core::makeError(QStringLiteral("unsupported_key"), reason);
}

Core::Error keyError(const QString &what)
{
    return Core::makeError(QStringLiteral("key_error"),
                           what + QStringLiteral(": ") + takeOpensslError());
}

struct CurveInfo
{
    Key::Kind kind;
    const char *jwkName;
    int fieldBytes;
};

constexpr std::array kCurves{
    CurveInfo{Key::Kind::EcP256, "P-256", 32},
    CurveInfo{Key::Kind::EcP384, "P-384", 48},
    CurveInfo{Key::Kind::EcP521, "P-521", 66},
};

const CurveInfo *curveInfo(Key::Kind kind)
{
    for (const auto &c : kCurves) {
        if (c.kind == kind)
            return &c;
    }
    return nullptr;
}

const CurveInfo *curveByJwkName(QStringView name)
{
    for (const auto &c : kCurves) {
        if (name == QLatin1String(c.jwkName))
            return &c;
    }
    return nullptr;
}

BnPtr getBn(const EVP_PKEY *pkey, const char *param)
{
    BIGNUM *bn = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, param, &bn) != 1) {
        ERR_clear_error();
        return nullptr;
    }
    return BnPtr(bn);
}

QByteArray bnBytes(const BIGNUM *bn, int padTo = 0)
{
    const int size = padTo > 0 ? padTo : BN_num_bytes(bn);
    QByteArray out(size, '\0');
    if (padTo > 0)
        BN_bn2binpad(bn, reinterpret_cast<unsigned char *>(out.data()), padTo);
    else
        BN_bn2bin(bn, reinterpret_cast<unsigned char *>(out.data()));
    return out;
}

QString bnB64(const BIGNUM *bn, int padTo = 0)
{
    QByteArray bytes = bnBytes(bn, padTo);
    const QString out = QString::fromLatin1(base64UrlEncode(bytes));
    bytes.fill('\0');
    return out;
}

BnPtr bnFromBytes(const QByteArray &bytes)
{
    return BnPtr(BN_bin2bn(reinterpret_cast<const unsigned char *>(bytes.constData()),
                           static_cast<int>(bytes.size()), nullptr));
}

Core::Result<Key::Kind> classify(EVP_PKEY *pkey)
{
    switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA: {
        const int bits = EVP_PKEY_get_bits(pkey);
        if (bits < kMinRsaBits || bits > kMaxRsaBits)
            return unsupportedKey(
                QStringLiteral("RSA modulus of %1 bits; %2..%3 bits are supported")
                    .arg(bits)
                    .arg(kMinRsaBits)
                    .arg(kMaxRsaBits));
        return Key::Kind::Rsa;
    }
    case EVP_PKEY_EC: {
        std::array<char, 64> name{};
        size_t length = 0;
        if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name.data(),
                                           name.size(), &length) != 1) {
            ERR_clear_error();
            return unsupportedKey(QStringLiteral("EC key without a named curve"));
        }
        const QByteArrayView group(name.data(), static_cast<qsizetype>(length));
        if (group == "prime256v1" || group == "P-256" || group == "secp256r1")
            return Key::Kind::EcP256;
        if (group == "secp384r1" || group == "P-384")
            return Key::Kind::EcP384;
        if (group == "secp521r1" || group == "P-521")
            return Key::Kind::EcP521;
        return unsupportedKey(QStringLiteral("EC curve %1 is not supported (P-256, P-384, P-521)")
                                  .arg(QString::fromLatin1(group)));
    }
    default:
        return unsupportedKey(QStringLiteral("key type %1 is not supported (RSA or EC)")
                                  .arg(QString::fromLatin1(EVP_PKEY_get0_type_name(pkey))));
    }
}

bool hasPrivatePart(const EVP_PKEY *pkey)
{
    const char *param = EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA ? OSSL_PKEY_PARAM_RSA_D
                                                                   : OSSL_PKEY_PARAM_PRIV_KEY;
    return getBn(pkey, param) != nullptr;
}

int refusePassphrase(char *, int, int, void *)
{
    return -1;
}

// ---- JWK import helpers -------------------------------------------------------------------

/// A base64url member: absent -> nullopt, anything malformed -> an Error naming the member.
Core::Result<std::optional<QByteArray>> b64Member(const QJsonObject &jwk, const char *name)
{
    const QString key = QString::fromLatin1(name);
    if (!jwk.contains(key))
        return std::optional<QByteArray>();
    const QJsonValue v = jwk.value(key);
    if (!v.isString())
        return invalidKey(QStringLiteral("member \"%1\" must be a string").arg(key));
    const QString s = v.toString();
    if (s.isEmpty())
        return invalidKey(QStringLiteral("member \"%1\" is empty").arg(key));
    // toLatin1() maps anything outside Latin-1 to '?', which the strict decoder refuses.
    auto decoded = base64UrlDecode(s.toLatin1());
    if (!decoded)
        return invalidKey(QStringLiteral("member \"%1\": %2").arg(key, decoded.error().message));
    return std::optional<QByteArray>(std::move(*decoded));
}

Core::Result<QByteArray> requiredB64(const QJsonObject &jwk, const char *name)
{
    auto m = b64Member(jwk, name);
    if (!m)
        return m.error();
    if (!m->has_value())
        return invalidKey(
            QStringLiteral("required member \"%1\" is missing").arg(QLatin1String(name)));
    return std::move(**m);
}

bool sameKindForAlgorithm(Key::Kind kind, JwsAlgorithm alg)
{
    switch (alg) {
    case JwsAlgorithm::RS256:
    case JwsAlgorithm::RS384:
    case JwsAlgorithm::RS512:
    case JwsAlgorithm::PS256:
    case JwsAlgorithm::PS384:
    case JwsAlgorithm::PS512:
        return kind == Key::Kind::Rsa;
    case JwsAlgorithm::ES256:
        return kind == Key::Kind::EcP256;
    case JwsAlgorithm::ES384:
        return kind == Key::Kind::EcP384;
    case JwsAlgorithm::ES512:
        return kind == Key::Kind::EcP521;
    }
    return false;
}

struct Usage
{
    std::optional<JwsAlgorithm> algorithm;
    bool useSig = false;
};

/// `use`, `key_ops` and `alg` (RFC 7517 section 4.2-4.4), checked before the key material
/// so that an encryption key is reported as unsupported rather than as malformed.
Core::Result<Usage> checkUsage(const QJsonObject &jwk)
{
    Usage usage;
    if (jwk.contains(QLatin1String("use"))) {
        const QJsonValue use = jwk.value(QLatin1String("use"));
        if (!use.isString())
            return invalidKey(QStringLiteral("member \"use\" must be a string"));
        if (use.toString() != QLatin1String("sig"))
            return unsupportedKey(QStringLiteral("\"use\" is \"%1\"; only signature keys "
                                                 "(\"sig\") are supported")
                                      .arg(use.toString().left(32)));
        usage.useSig = true;
    }
    if (jwk.contains(QLatin1String("key_ops"))) {
        const QJsonValue ops = jwk.value(QLatin1String("key_ops"));
        if (!ops.isArray())
            return invalidKey(QStringLiteral("member \"key_ops\" must be an array of strings"));
        QSet<QString> seen;
        for (const QJsonValue &op : ops.toArray()) {
            if (!op.isString())
                return invalidKey(QStringLiteral("member \"key_ops\" must be an array of strings"));
            const QString name = op.toString();
            if (seen.contains(name))
                return invalidKey(QStringLiteral("\"key_ops\" repeats \"%1\"").arg(name.left(32)));
            seen.insert(name);
            if (name != QLatin1String("sign") && name != QLatin1String("verify"))
                return unsupportedKey(QStringLiteral("\"key_ops\" allows \"%1\"; only \"sign\" "
                                                     "and \"verify\" fit a signature key")
                                          .arg(name.left(32)));
        }
    }
    if (jwk.contains(QLatin1String("alg"))) {
        const QJsonValue alg = jwk.value(QLatin1String("alg"));
        if (!alg.isString())
            return invalidKey(QStringLiteral("member \"alg\" must be a string"));
        usage.algorithm = jwsAlgorithmFromName(alg.toString());
        if (!usage.algorithm)
            return unsupportedKey(QStringLiteral("\"alg\" is \"%1\"; supported: RS256..RS512, "
                                                 "PS256..PS512, ES256, ES384, ES512")
                                      .arg(alg.toString().left(32)));
    }
    if (jwk.contains(QLatin1String("kid")) && !jwk.value(QLatin1String("kid")).isString())
        return invalidKey(QStringLiteral("member \"kid\" must be a string"));
    return usage;
}

Core::Result<EVP_PKEY *> fromParams(const char *type, OSSL_PARAM_BLD *bld, bool isPrivate)
{
    std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
    std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
        EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY *pkey = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &pkey, isPrivate ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                          params.get()) != 1)
        return invalidKey(QStringLiteral("OpenSSL refused the key: ") + takeOpensslError());
    return pkey;
}

Core::Status checkMinimal(const QByteArray &bytes, const char *name)
{
    if (bytes.size() > 1 && bytes.front() == '\0')
        return invalidKey(QStringLiteral("member \"%1\" has a leading zero octet (RFC 7518 "
                                         "requires the minimal encoding)")
                              .arg(QLatin1String(name)));
    return {};
}

bool signsConsistently(EVP_PKEY *pkey)
{
    static constexpr unsigned char kMessage[] = "mcpauth key self-test";
    struct MdCtxFree
    {
        void operator()(EVP_MD_CTX *c) const { EVP_MD_CTX_free(c); }
    };
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> signer(EVP_MD_CTX_new());
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> verifier(EVP_MD_CTX_new());
    QByteArray signature(EVP_PKEY_get_size(pkey), '\0');
    auto length = static_cast<size_t>(signature.size());
    auto *sig = reinterpret_cast<unsigned char *>(signature.data());
    return signer && verifier &&
           EVP_DigestSignInit(signer.get(), nullptr, EVP_sha256(), nullptr, pkey) == 1 &&
           EVP_DigestSign(signer.get(), sig, &length, kMessage, sizeof kMessage) == 1 &&
           EVP_DigestVerifyInit(verifier.get(), nullptr, EVP_sha256(), nullptr, pkey) == 1 &&
           EVP_DigestVerify(verifier.get(), sig, length, kMessage, sizeof kMessage) == 1;
}

Core::Result<EVP_PKEY *> rsaFromJwk(const QJsonObject &jwk, bool &isPrivate)
{
    if (jwk.contains(QLatin1String("oth")))
        return unsupportedKey(QStringLiteral("multi-prime RSA keys (\"oth\") are not supported"));
    auto n = requiredB64(jwk, "n");
    if (!n)
        return n.error();
    auto e = requiredB64(jwk, "e");
    if (!e)
        return e.error();
    if (auto s = checkMinimal(*n, "n"); !s)
        return s.error();
    if (auto s = checkMinimal(*e, "e"); !s)
        return s.error();
    const BnPtr nBn = bnFromBytes(*n);
    const BnPtr eBn = bnFromBytes(*e);
    const int bits = BN_num_bits(nBn.get());
    if (bits < kMinRsaBits || bits > kMaxRsaBits)
        return unsupportedKey(QStringLiteral("RSA modulus of %1 bits; %2..%3 bits are supported")
                                  .arg(bits)
                                  .arg(kMinRsaBits)
                                  .arg(kMaxRsaBits));
    if (!BN_is_odd(nBn.get()))
        return invalidKey(QStringLiteral("RSA modulus is even"));
    if (e->size() > 8 || !BN_is_odd(eBn.get()) || BN_is_one(eBn.get()))
        return invalidKey(QStringLiteral("RSA public exponent must be odd, greater than 1 and at "
                                         "most 64 bits"));

    static constexpr std::array kCrt{"p", "q", "dp", "dq", "qi"};
    static constexpr std::array kCrtParams{
        OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
        OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
    auto d = b64Member(jwk, "d");
    if (!d)
        return d.error();
    std::array<BnPtr, 5> crt;
    int crtPresent = 0;
    for (size_t i = 0; i < kCrt.size(); ++i) {
        auto m = b64Member(jwk, kCrt[i]);
        if (!m)
            return m.error();
        if (m->has_value()) {
            ++crtPresent;
            crt[i] = bnFromBytes(**m);
            (*m)->fill('\0');
        }
    }
    if (!d->has_value() && crtPresent > 0)
        return invalidKey(
            QStringLiteral("RSA key has CRT members (p, q, dp, dq, qi) but no \"d\""));
    if (crtPresent != 0 && crtPresent != static_cast<int>(kCrt.size()))
        return invalidKey(QStringLiteral("RSA private key must carry all of p, q, dp, dq, qi or "
                                         "none of them"));
    isPrivate = d->has_value();

    std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
    BnPtr dBn;
    bool ok = bld && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, nBn.get()) == 1 &&
              OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, eBn.get()) == 1;
    if (ok && isPrivate) {
        dBn = bnFromBytes(**d);
        (*d)->fill('\0');
        ok = OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_D, dBn.get()) == 1;
        for (size_t i = 0; ok && crtPresent > 0 && i < kCrt.size(); ++i)
            ok = OSSL_PARAM_BLD_push_BN(bld.get(), kCrtParams[i], crt[i].get()) == 1;
    }
    if (!ok)
        return keyError(QStringLiteral("building RSA parameters failed"));
    auto pkey = fromParams("RSA", bld.get(), isPrivate);
    if (!pkey)
        return pkey;
    if (isPrivate) {
        std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
            EVP_PKEY_CTX_new_from_pkey(nullptr, *pkey, nullptr));
        // With the CRT members, SP 800-56B's pairwise check; with d alone, a signature that
        // the public half verifies shows d*e = 1 mod lambda(n).
        const bool consistent = crtPresent > 0 ? (ctx && EVP_PKEY_pairwise_check(ctx.get()) == 1)
                                               : signsConsistently(*pkey);
        if (!consistent) {
            EVP_PKEY_free(*pkey);
            return invalidKey(QStringLiteral("RSA private members do not match the public key: ") +
                              takeOpensslError());
        }
    }
    return pkey;
}

Core::Result<EVP_PKEY *> ecFromJwk(const QJsonObject &jwk, bool &isPrivate)
{
    const QJsonValue crvValue = jwk.value(QLatin1String("crv"));
    if (crvValue.isUndefined())
        return invalidKey(QStringLiteral("required member \"crv\" is missing"));
    if (!crvValue.isString())
        return invalidKey(QStringLiteral("member \"crv\" must be a string"));
    const CurveInfo *curve = curveByJwkName(crvValue.toString());
    if (!curve)
        return unsupportedKey(QStringLiteral("EC curve \"%1\" is not supported (P-256, P-384, "
                                             "P-521)")
                                  .arg(crvValue.toString().left(32)));
    auto x = requiredB64(jwk, "x");
    if (!x)
        return x.error();
    auto y = requiredB64(jwk, "y");
    if (!y)
        return y.error();
    auto d = b64Member(jwk, "d");
    if (!d)
        return d.error();
    const auto checkSize = [&](const QByteArray &v, const char *name) -> Core::Status {
        if (v.size() != curve->fieldBytes)
            return invalidKey(QStringLiteral("member \"%1\" is %2 octets; %3 requires exactly %4")
                                  .arg(QLatin1String(name))
                                  .arg(v.size())
                                  .arg(QLatin1String(curve->jwkName))
                                  .arg(curve->fieldBytes));
        return {};
    };
    if (auto s = checkSize(*x, "x"); !s)
        return s.error();
    if (auto s = checkSize(*y, "y"); !s)
        return s.error();
    isPrivate = d->has_value();
    if (isPrivate) {
        if (auto s = checkSize(**d, "d"); !s)
            return s.error();
    }
    const QByteArray point = QByteArrayLiteral("\x04") + *x + *y;
    std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
    BnPtr dBn;
    bool ok =
        bld &&
        OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve->jwkName, 0) ==
            1 &&
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.constData(),
                                         static_cast<size_t>(point.size())) == 1;
    if (ok && isPrivate) {
        dBn = bnFromBytes(**d);
        (*d)->fill('\0');
        ok = OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, dBn.get()) == 1;
    }
    if (!ok)
        return keyError(QStringLiteral("building EC parameters failed"));
    auto pkey = fromParams("EC", bld.get(), isPrivate);
    if (!pkey)
        return invalidKey(QStringLiteral("the EC point is not a valid %1 public key (%2)")
                              .arg(QLatin1String(curve->jwkName), pkey.error().message));
    std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
        EVP_PKEY_CTX_new_from_pkey(nullptr, *pkey, nullptr));
    const bool valid =
        ctx && (isPrivate ? EVP_PKEY_check(ctx.get()) : EVP_PKEY_public_check(ctx.get())) == 1;
    if (!valid) {
        EVP_PKEY_free(*pkey);
        return invalidKey(
            isPrivate
                ? QStringLiteral("EC private key \"d\" does not match the "
                                 "public point, or is out of range: ") +
                      takeOpensslError()
                : QStringLiteral("the EC point is not on %1: ").arg(QLatin1String(curve->jwkName)) +
                      takeOpensslError());
    }
    return pkey;
}

} // namespace

// ---- Key --------------------------------------------------------------------------------

Core::Result<Key> adoptKey(EVP_PKEY *pkey, bool isPrivate)
{
    std::shared_ptr<EVP_PKEY> owned(pkey, EVP_PKEY_free);
    auto kind = classify(pkey);
    if (!kind)
        return kind.error();
    Key key;
    key.m_pkey = std::move(owned);
    key.m_kind = *kind;
    key.m_private = isPrivate;
    return key;
}

QString keyKindName(Key::Kind kind)
{
    switch (kind) {
    case Key::Kind::None:
        return QStringLiteral("none");
    case Key::Kind::Rsa:
        return QStringLiteral("RSA");
    case Key::Kind::EcP256:
        return QStringLiteral("EC P-256");
    case Key::Kind::EcP384:
        return QStringLiteral("EC P-384");
    case Key::Kind::EcP521:
        return QStringLiteral("EC P-521");
    }
    return {};
}

QString curveName(Key::Kind kind)
{
    const CurveInfo *c = curveInfo(kind);
    return c ? QLatin1String(c->jwkName) : QString();
}

bool Key::isEc() const
{
    return curveInfo(m_kind) != nullptr;
}

int Key::bits() const
{
    return m_pkey ? EVP_PKEY_get_bits(m_pkey.get()) : 0;
}

Core::Result<Key> Key::generate(Kind kind, int rsaBits)
{
    EVP_PKEY *pkey = nullptr;
    if (kind == Kind::Rsa) {
        if (rsaBits < kMinRsaBits || rsaBits > kMaxRsaBits)
            return unsupportedKey(QStringLiteral("RSA key size %1; %2..%3 bits are supported")
                                      .arg(rsaBits)
                                      .arg(kMinRsaBits)
                                      .arg(kMaxRsaBits));
        pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(rsaBits));
    } else if (const CurveInfo *curve = curveInfo(kind)) {
        pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve->jwkName);
    } else {
        return unsupportedKey(QStringLiteral("cannot generate a key of kind none"));
    }
    if (!pkey)
        return keyError(QStringLiteral("key generation failed"));
    return adoptKey(pkey, true);
}

Core::Result<Key> Key::fromPem(QByteArrayView pem)
{
    if (pem.size() > kMaxPemBytes)
        return invalidKey(QStringLiteral("PEM input of %1 bytes exceeds the limit of %2")
                              .arg(pem.size())
                              .arg(kMaxPemBytes));
    if (pem.contains("ENCRYPTED"))
        return unsupportedKey(QStringLiteral("encrypted PEM keys are not supported; export the "
                                             "key without a passphrase"));
    const auto makeBio = [&] {
        return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    };
    if (pem.contains("PRIVATE KEY-----")) {
        BioPtr bio = makeBio();
        EVP_PKEY *pkey =
            bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, refusePassphrase, nullptr) : nullptr;
        if (!pkey)
            return invalidKey(QStringLiteral("unreadable PEM private key: ") + takeOpensslError());
        return adoptKey(pkey, hasPrivatePart(pkey));
    }
    if (pem.contains("-----BEGIN PUBLIC KEY-----")) {
        BioPtr bio = makeBio();
        EVP_PKEY *pkey =
            bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, refusePassphrase, nullptr) : nullptr;
        if (!pkey)
            return invalidKey(QStringLiteral("unreadable PEM public key: ") + takeOpensslError());
        return adoptKey(pkey, false);
    }
    return invalidKey(QStringLiteral("no PEM block found (expected PRIVATE KEY, RSA PRIVATE KEY, "
                                     "EC PRIVATE KEY or PUBLIC KEY)"));
}

Core::Result<Key> Key::fromJwk(const QJsonObject &jwk)
{
    const QJsonValue kty = jwk.value(QLatin1String("kty"));
    if (kty.isUndefined())
        return invalidKey(QStringLiteral("required member \"kty\" is missing"));
    if (!kty.isString())
        return invalidKey(QStringLiteral("member \"kty\" must be a string"));
    const QString type = kty.toString();
    if (type != QLatin1String("RSA") && type != QLatin1String("EC"))
        return unsupportedKey(
            QStringLiteral("\"kty\" is \"%1\"; only RSA and EC are supported").arg(type.left(32)));
    auto usage = checkUsage(jwk);
    if (!usage)
        return usage.error();
    bool isPrivate = false;
    auto pkey =
        type == QLatin1String("RSA") ? rsaFromJwk(jwk, isPrivate) : ecFromJwk(jwk, isPrivate);
    if (!pkey)
        return pkey.error();
    auto key = adoptKey(*pkey, isPrivate);
    if (!key)
        return key;
    if (usage->algorithm && !key->supports(*usage->algorithm))
        return invalidKey(QStringLiteral("\"alg\" %1 does not fit a %2 key")
                              .arg(jwsAlgorithmName(*usage->algorithm), keyKindName(key->kind())));
    key->m_algorithm = usage->algorithm;
    key->m_useSig = usage->useSig;
    key->m_kid = jwk.value(QLatin1String("kid")).toString();
    return key;
}

Core::Result<QByteArray> Key::toPrivatePem() const
{
    if (!m_pkey)
        return invalidKey(QStringLiteral("null key"));
    if (!m_private)
        return invalidKey(QStringLiteral("this is a public key; there is no private PEM"));
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), m_pkey.get(), nullptr, nullptr, 0, nullptr,
                                         nullptr) != 1)
        return keyError(QStringLiteral("writing the private key failed"));
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    QByteArray out(data, static_cast<qsizetype>(size));
    OPENSSL_cleanse(data, static_cast<size_t>(size));
    return out;
}

Core::Result<QByteArray> Key::toPublicPem() const
{
    if (!m_pkey)
        return invalidKey(QStringLiteral("null key"));
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), m_pkey.get()) != 1)
        return keyError(QStringLiteral("writing the public key failed"));
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, static_cast<qsizetype>(size));
}

Core::Status Key::savePrivatePem(const QString &path) const
{
    auto pem = toPrivatePem();
    if (!pem)
        return pem.error();
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Core::makeError(QStringLiteral("key_error"),
                               QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    // Before any byte is written: the temporary file must never be readable by others.
    if (!file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)) {
        file.cancelWriting();
        return Core::makeError(
            QStringLiteral("key_error"),
            QStringLiteral("cannot restrict %1 to mode 0600: %2").arg(path, file.errorString()));
    }
    const bool written = file.write(*pem) == pem->size();
    pem->fill('\0');
    if (!written || !file.commit())
        return Core::makeError(QStringLiteral("key_error"),
                               QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    return {};
}

QJsonObject Key::toJwk(bool includePrivate) const
{
    QJsonObject jwk;
    if (!m_pkey)
        return jwk;
    const EVP_PKEY *p = m_pkey.get();
    if (m_kind == Kind::Rsa) {
        jwk.insert(QLatin1String("kty"), QStringLiteral("RSA"));
        jwk.insert(QLatin1String("n"), bnB64(getBn(p, OSSL_PKEY_PARAM_RSA_N).get()));
        jwk.insert(QLatin1String("e"), bnB64(getBn(p, OSSL_PKEY_PARAM_RSA_E).get()));
        if (includePrivate && m_private) {
            static constexpr std::array kMembers{
                std::pair{"d", OSSL_PKEY_PARAM_RSA_D},
                std::pair{"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
                std::pair{"q", OSSL_PKEY_PARAM_RSA_FACTOR2},
                std::pair{"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
                std::pair{"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2},
                std::pair{"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1},
            };
            for (const auto &[name, param] : kMembers) {
                if (BnPtr bn = getBn(p, param))
                    jwk.insert(QLatin1String(name), bnB64(bn.get()));
            }
        }
    } else if (const CurveInfo *curve = curveInfo(m_kind)) {
        jwk.insert(QLatin1String("kty"), QStringLiteral("EC"));
        jwk.insert(QLatin1String("crv"), QLatin1String(curve->jwkName));
        jwk.insert(QLatin1String("x"),
                   bnB64(getBn(p, OSSL_PKEY_PARAM_EC_PUB_X).get(), curve->fieldBytes));
        jwk.insert(QLatin1String("y"),
                   bnB64(getBn(p, OSSL_PKEY_PARAM_EC_PUB_Y).get(), curve->fieldBytes));
        if (includePrivate && m_private) {
            if (BnPtr d = getBn(p, OSSL_PKEY_PARAM_PRIV_KEY))
                jwk.insert(QLatin1String("d"), bnB64(d.get(), curve->fieldBytes));
        }
    }
    if (!m_kid.isEmpty())
        jwk.insert(QLatin1String("kid"), m_kid);
    if (m_algorithm)
        jwk.insert(QLatin1String("alg"), jwsAlgorithmName(*m_algorithm));
    if (m_useSig)
        jwk.insert(QLatin1String("use"), QStringLiteral("sig"));
    return jwk;
}

QByteArray Key::thumbprint() const
{
    const QJsonObject jwk = toJwk(false);
    const auto member = [&](const char *name) {
        return jwk.value(QLatin1String(name)).toString().toLatin1();
    };
    // RFC 7638 section 3.2: required members only, lexicographic order, no whitespace.
    QByteArray canonical;
    if (m_kind == Kind::Rsa) {
        canonical = "{\"e\":\"" + member("e") + "\",\"kty\":\"RSA\",\"n\":\"" + member("n") + "\"}";
    } else if (isEc()) {
        canonical = "{\"crv\":\"" + member("crv") + "\",\"kty\":\"EC\",\"x\":\"" + member("x") +
                    "\",\"y\":\"" + member("y") + "\"}";
    } else {
        return {};
    }
    return base64UrlEncode(sha256(canonical));
}

Key Key::publicKey() const
{
    if (!m_pkey || !m_private)
        return *this;
    unsigned char *der = nullptr;
    const int length = i2d_PUBKEY(m_pkey.get(), &der);
    if (length <= 0) {
        ERR_clear_error();
        return {};
    }
    const unsigned char *cursor = der;
    EVP_PKEY *pub = d2i_PUBKEY(nullptr, &cursor, length);
    OPENSSL_free(der);
    if (!pub) {
        ERR_clear_error();
        return {};
    }
    Key out = *this;
    out.m_pkey = std::shared_ptr<EVP_PKEY>(pub, EVP_PKEY_free);
    out.m_private = false;
    return out;
}

Key Key::withKid(const QString &kid) const
{
    Key out = *this;
    out.m_kid = kid;
    return out;
}

Core::Result<Key> Key::withAlgorithm(JwsAlgorithm algorithm) const
{
    if (!supports(algorithm))
        return unsupportedKey(QStringLiteral("%1 does not fit a %2 key")
                                  .arg(jwsAlgorithmName(algorithm), keyKindName(m_kind)));
    Key out = *this;
    out.m_algorithm = algorithm;
    return out;
}

bool Key::supports(JwsAlgorithm algorithm) const
{
    return sameKindForAlgorithm(m_kind, algorithm);
}

bool Key::samePublicKey(const Key &other) const
{
    if (!m_pkey || !other.m_pkey)
        return false;
    const bool equal = EVP_PKEY_eq(m_pkey.get(), other.m_pkey.get()) == 1;
    ERR_clear_error();
    return equal;
}

} // namespace Crypto
