// libFuzzer target: compact JWS parsing and verification (core/crypto/jws.h) with fixed keys.
// The seed corpus holds tokens of every algorithm signed with these keys, so mutations start
// from inputs that reach the signature check.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <QJsonDocument>

#include "../crypto/rfcvectors.h"
#include "crypto/jwks.h"
#include "crypto/jws.h"
#include "crypto/jwt.h"

namespace {

// A P-384 key made for this fuzzer (RFC 7515 has none); it signs the es384 seeds.
constexpr char kP384Jwk[] =
    R"({"crv":"P-384","d":"9a0lfAumlqM02k1Y-SaUpo2fjFBpcu4CKYlhl4hCGdCLbLr4Ff2z81wa0AoZSAOB","kty":"EC","x":"dMRHYlRyKfQaQIhBuTgoITzQKNcuOIZIk78yrMmB2G4gfRxbZU1livG6a5joJEF8","y":"k8z-O4h0Ae2l-Jbvg85bVM3hi3DG2pQ9iGYvFWoYiTjpKyXKRQst5p15zjxM_ltJ"})";

struct Fixture
{
    Crypto::Key rsa;
    Crypto::Key p256;
    Crypto::Key p384;
    Crypto::Key p521;
    Crypto::Jwks jwks;
    QList<Crypto::JwsAlgorithm> all;
};

Crypto::Key load(const char *json, const char *kid)
{
    auto key = Crypto::Key::fromJwk(QJsonDocument::fromJson(QByteArray(json)).object());
    if (!key)
        std::abort();
    return key->publicKey().withKid(QString::fromLatin1(kid));
}

const Fixture &fixture()
{
    static const Fixture f = [] {
        Fixture out;
        out.rsa = load(RfcVectors::kRsaJwk, "rsa-a2");
        out.p256 = load(RfcVectors::kEs256Jwk, "ec-a3");
        out.p384 = load(kP384Jwk, "ec-384");
        out.p521 = load(RfcVectors::kEs512Jwk, "ec-a4");
        for (const auto &key : {out.rsa, out.p256, out.p384, out.p521}) {
            if (!out.jwks.add(key))
                std::abort();
        }
        out.all = Crypto::allJwsAlgorithms();
        return out;
    }();
    return f;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const Fixture &f = fixture();
    const QByteArrayView token(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));

    if (const auto parsed = Crypto::Jws::parseCompact(token); parsed) {
        if (auto claims = Crypto::Jwt::parseClaims(parsed->payload); claims) {
            Crypto::Jwt::ClaimChecks checks;
            checks.now = 1700000000;
            checks.issuer = QStringLiteral("https://as.example");
            checks.audience = QStringLiteral("https://mcp.example/mcp");
            (void)Crypto::Jwt::checkClaims(*claims, checks);
        }
    }
    for (const auto &key : {f.rsa, f.p256, f.p384, f.p521})
        (void)Crypto::Jws::verify(token, key, f.all);
    const auto verified = Crypto::Jws::verifyWithJwks(token, f.jwks, f.all);
    // A token that verifies must survive a second parse unchanged.
    if (verified && !Crypto::Jws::parseCompact(token))
        std::abort();
    return 0;
}
