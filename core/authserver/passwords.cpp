#include "authserver/passwords.h"

#include <QStringList>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "crypto/digest.h"
#include "crypto/random.h"

namespace Auth::Passwords {

namespace {

constexpr int kLogN = 15;
constexpr int kR = 8;
constexpr int kP = 1;
constexpr int kSaltBytes = 16;
constexpr int kHashBytes = 32;
/// Bounds on parameters read from a stored hash, so a tampered row cannot make a login
/// take minutes or gigabytes.
constexpr int kMaxLogN = 20;
constexpr int kMaxR = 32;
constexpr int kMaxP = 16;
constexpr quint64 kMaxMemory = 512ULL * 1024 * 1024;
constexpr int kMinPbkdf2Iterations = 1000;
constexpr int kMaxPbkdf2Iterations = 10'000'000;

struct Parsed
{
    QString id;         ///< "scrypt" | "pbkdf2-sha256"
    int logN = 0;       ///< scrypt
    int r = 0;          ///< scrypt
    int p = 0;          ///< scrypt
    int iterations = 0; ///< pbkdf2
    QByteArray salt;
    QByteArray hash;
};

/// PHC strings use standard base64 without padding; passlib's variant uses '.' for '+'.
std::optional<QByteArray> decodeB64(const QString &text)
{
    QByteArray in = text.toLatin1();
    in.replace('.', '+');
    for (char c : std::as_const(in))
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/'))
            return std::nullopt;
    auto decoded = QByteArray::fromBase64Encoding(in, QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    return *decoded;
}

QByteArray encodeB64(const QByteArray &data)
{
    return data.toBase64(QByteArray::OmitTrailingEquals);
}

std::optional<int> readInt(QStringView text)
{
    bool ok = false;
    const int v = text.toInt(&ok);
    if (!ok || v < 0)
        return std::nullopt;
    return v;
}

std::optional<Parsed> parse(const QString &phc)
{
    // "$id$params$salt$hash" -> ["", id, params, salt, hash]
    const QStringList parts = phc.split(QLatin1Char('$'));
    if (parts.size() != 5 || !parts[0].isEmpty())
        return std::nullopt;
    Parsed out;
    out.id = parts[1];
    if (out.id == QLatin1String("scrypt")) {
        for (const QString &param : parts[2].split(QLatin1Char(','))) {
            const qsizetype eq = param.indexOf(QLatin1Char('='));
            if (eq <= 0)
                return std::nullopt;
            const QStringView name = QStringView(param).left(eq);
            const auto value = readInt(QStringView(param).mid(eq + 1));
            if (!value)
                return std::nullopt;
            if (name == QLatin1String("ln"))
                out.logN = *value;
            else if (name == QLatin1String("r"))
                out.r = *value;
            else if (name == QLatin1String("p"))
                out.p = *value;
            else
                return std::nullopt;
        }
        if (out.logN < 1 || out.logN > kMaxLogN || out.r < 1 || out.r > kMaxR || out.p < 1 ||
            out.p > kMaxP)
            return std::nullopt;
    } else if (out.id == QLatin1String("pbkdf2-sha256")) {
        QStringView param = parts[2];
        if (param.startsWith(QLatin1String("i=")))
            param = param.mid(2);
        const auto iterations = readInt(param);
        if (!iterations || *iterations < kMinPbkdf2Iterations || *iterations > kMaxPbkdf2Iterations)
            return std::nullopt;
        out.iterations = *iterations;
    } else {
        return std::nullopt;
    }
    auto salt = decodeB64(parts[3]);
    auto hash = decodeB64(parts[4]);
    if (!salt || !hash || salt->size() < 8 || hash->size() < 16 || hash->size() > 64)
        return std::nullopt;
    out.salt = *salt;
    out.hash = *hash;
    return out;
}

std::optional<QByteArray> scrypt(QByteArrayView password, const QByteArray &salt, int logN, int r,
                                 int p, int length)
{
    EVP_KDF *kdf = EVP_KDF_fetch(nullptr, "SCRYPT", nullptr);
    if (!kdf)
        return std::nullopt;
    EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
    EVP_KDF_free(kdf);
    if (!ctx)
        return std::nullopt;
    uint64_t n = uint64_t(1) << logN;
    uint32_t rr = uint32_t(r);
    uint32_t pp = uint32_t(p);
    uint64_t maxmem = kMaxMemory;
    // OpenSSL wants non-const pointers; it does not write through them.
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(
            OSSL_KDF_PARAM_PASSWORD, const_cast<char *>(password.empty() ? "" : password.data()),
            size_t(password.size())),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char *>(salt.constData()),
                                          size_t(salt.size())),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &rr),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &pp),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
        OSSL_PARAM_construct_end(),
    };
    QByteArray out(length, Qt::Uninitialized);
    const int rc =
        EVP_KDF_derive(ctx, reinterpret_cast<unsigned char *>(out.data()), size_t(length), params);
    EVP_KDF_CTX_free(ctx);
    if (rc != 1)
        return std::nullopt;
    return out;
}

std::optional<QByteArray> pbkdf2(QByteArrayView password, const QByteArray &salt, int iterations,
                                 int length)
{
    QByteArray out(length, Qt::Uninitialized);
    const int rc = PKCS5_PBKDF2_HMAC(password.empty() ? "" : password.data(), int(password.size()),
                                     reinterpret_cast<const unsigned char *>(salt.constData()),
                                     int(salt.size()), iterations, EVP_sha256(), length,
                                     reinterpret_cast<unsigned char *>(out.data()));
    if (rc != 1)
        return std::nullopt;
    return out;
}

} // namespace

Core::Result<QString> hash(QByteArrayView password)
{
    if (password.isEmpty())
        return Core::makeError(QStringLiteral("invalid_password"),
                               QStringLiteral("a password must not be empty"));
    const QByteArray salt = Crypto::randomBytes(kSaltBytes);
    auto derived = scrypt(password, salt, kLogN, kR, kP, kHashBytes);
    if (!derived)
        return Core::makeError(QStringLiteral("password_hash_failed"),
                               QStringLiteral("OpenSSL scrypt failed"));
    return QString(QStringLiteral("$scrypt$ln=%1,r=%2,p=%3$").arg(kLogN).arg(kR).arg(kP) +
                   QString::fromLatin1(encodeB64(salt)) + QLatin1Char('$') +
                   QString::fromLatin1(encodeB64(*derived)));
}

bool verify(QByteArrayView password, const QString &phcHash)
{
    const auto parsed = parse(phcHash);
    if (!parsed)
        return false;
    const int length = int(parsed->hash.size());
    const auto derived =
        parsed->id == QLatin1String("scrypt")
            ? scrypt(password, parsed->salt, parsed->logN, parsed->r, parsed->p, length)
            : pbkdf2(password, parsed->salt, parsed->iterations, length);
    return derived && Crypto::constantTimeEquals(*derived, parsed->hash);
}

bool needsRehash(const QString &phcHash)
{
    const auto parsed = parse(phcHash);
    return !parsed || parsed->id != QLatin1String("scrypt") || parsed->logN < kLogN ||
           parsed->r < kR || parsed->p < kP || parsed->salt.size() < kSaltBytes ||
           parsed->hash.size() < kHashBytes;
}

} // namespace Auth::Passwords
