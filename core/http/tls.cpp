#include "http/tls.h"

#include <memory>

#include <QCryptographicHash>
#include <QFile>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace Http {

namespace {

template <typename T, void (*Free)(T *)>
struct Deleter
{
    void operator()(T *p) const { Free(p); }
};
void freeBio(BIO *bio)
{
    BIO_free(bio);
}
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, freeBio>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;

Core::Error tlsError(const QString &message)
{
    return Core::makeError(QStringLiteral("tls_invalid"), message);
}

BioPtr memoryBio(QByteArrayView data)
{
    return BioPtr(BIO_new_mem_buf(data.data(), int(data.size())));
}

QByteArray bioContents(BIO *bio)
{
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return QByteArray(data, qsizetype(size));
}

int passwordCallback(char *buffer, int size, int, void *userdata)
{
    const auto *passphrase = static_cast<QByteArrayView *>(userdata);
    const int n = int(std::min<qsizetype>(size, passphrase->size()));
    std::copy_n(passphrase->data(), n, buffer);
    return n;
}

bool addExtension(X509 *cert, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext)
        return false;
    const bool ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

} // namespace

Core::Result<TlsCredentials> TlsCredentials::fromPem(QByteArrayView certificatePem,
                                                     QByteArrayView keyPem,
                                                     QByteArrayView passphrase)
{
    const QList<QSslCertificate> certificates =
        QSslCertificate::fromData(certificatePem.toByteArray(), QSsl::Pem);
    if (certificates.isEmpty() || certificates.first().isNull())
        return tlsError(QStringLiteral("the certificate file holds no PEM certificate"));

    BioPtr keyBio = memoryBio(keyPem);
    KeyPtr key(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, &passwordCallback, &passphrase));
    if (!key)
        return tlsError(QStringLiteral(
            "the key file holds no readable PEM private key (wrong passphrase or format)"));
    QSsl::KeyAlgorithm algorithm;
    switch (EVP_PKEY_get_base_id(key.get())) {
    case EVP_PKEY_RSA:
        algorithm = QSsl::Rsa;
        break;
    case EVP_PKEY_EC:
        algorithm = QSsl::Ec;
        break;
    default:
        return tlsError(QStringLiteral("only RSA and EC private keys are supported"));
    }
    const QByteArray leafDer = certificates.first().toDer();
    const unsigned char *derData = reinterpret_cast<const unsigned char *>(leafDer.constData());
    X509Ptr leaf(d2i_X509(nullptr, &derData, long(leafDer.size())));
    if (!leaf || X509_check_private_key(leaf.get(), key.get()) != 1)
        return tlsError(QStringLiteral("the private key does not belong to the certificate"));

    // Hand Qt an unencrypted PEM so it need not know the passphrase.
    BioPtr out(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    TlsCredentials credentials;
    credentials.certificate = certificates.first();
    credentials.chain = certificates.mid(1);
    credentials.privateKey = QSslKey(bioContents(out.get()), algorithm, QSsl::Pem);
    if (credentials.privateKey.isNull())
        return tlsError(QStringLiteral("Qt could not load the private key"));
    return credentials;
}

Core::Result<TlsCredentials> TlsCredentials::fromPemFiles(const QString &certificatePath,
                                                          const QString &keyPath)
{
    QFile certFile(certificatePath);
    if (!certFile.open(QIODevice::ReadOnly))
        return tlsError(QStringLiteral("cannot read certificate file %1: %2")
                            .arg(certificatePath, certFile.errorString()));
    QFile keyFile(keyPath);
    if (!keyFile.open(QIODevice::ReadOnly))
        return tlsError(
            QStringLiteral("cannot read key file %1: %2").arg(keyPath, keyFile.errorString()));
    return fromPem(certFile.readAll(), keyFile.readAll());
}

Core::Result<TlsCredentials> TlsCredentials::generateSelfSigned(int validDays)
{
    KeyPtr key(EVP_EC_gen("P-256"));
    if (!key)
        return tlsError(QStringLiteral("OpenSSL could not generate a P-256 key"));
    X509Ptr cert(X509_new());
    unsigned char serial[16];
    if (!cert || RAND_bytes(serial, sizeof serial) != 1)
        return tlsError(QStringLiteral("OpenSSL could not create a certificate"));
    serial[0] &= 0x7f; // positive
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    X509_set_version(cert.get(), 2);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), long(validDays) * 24 * 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME *name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char *>("localhost"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char *>("MCP Auth Studio"), -1, -1,
                               0);
    X509_set_issuer_name(cert.get(), name);
    const bool extensionsOk =
        addExtension(cert.get(), NID_subject_alt_name, "IP:127.0.0.1,IP:::1,DNS:localhost") &&
        addExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") &&
        addExtension(cert.get(), NID_ext_key_usage, "serverAuth") &&
        addExtension(cert.get(), NID_subject_key_identifier, "hash");
    if (!extensionsOk || X509_sign(cert.get(), key.get(), EVP_sha256()) == 0)
        return tlsError(QStringLiteral("OpenSSL could not sign the self-signed certificate"));

    BioPtr certOut(BIO_new(BIO_s_mem()));
    BioPtr keyOut(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(certOut.get(), cert.get());
    PEM_write_bio_PrivateKey(keyOut.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    return fromPem(bioContents(certOut.get()), bioContents(keyOut.get()));
}

QByteArray TlsCredentials::sha256Fingerprint() const
{
    return certificate.digest(QCryptographicHash::Sha256).toHex(':').toUpper();
}

QSslConfiguration TlsCredentials::serverConfiguration() const
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificateChain(QList<QSslCertificate>{certificate} + chain);
    configuration.setPrivateKey(privateKey);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    configuration.setProtocol(QSsl::TlsV1_2OrLater);
    return configuration;
}

} // namespace Http
