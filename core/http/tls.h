#pragma once

#include <QByteArray>
#include <QList>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QString>

#include "common/result.h"

namespace Http {

/// A server certificate (with its chain) and the matching private key.
struct TlsCredentials
{
    QSslCertificate certificate;
    QList<QSslCertificate> chain; ///< intermediates after the leaf, may be empty
    QSslKey privateKey;

    /// From PEM text: the leaf certificate first, then any intermediates; an RSA or EC
    /// private key. Fails (code "tls_invalid") if either does not parse or they do not
    /// belong together. Error messages never contain key material.
    [[nodiscard]] static Core::Result<TlsCredentials>
    fromPem(QByteArrayView certificatePem, QByteArrayView keyPem, QByteArrayView passphrase = {});
    [[nodiscard]] static Core::Result<TlsCredentials> fromPemFiles(const QString &certificatePath,
                                                                   const QString &keyPath);
    /// A fresh self-signed certificate for loopback use: EC P-256, SHA-256 signature,
    /// subject CN=localhost, SAN 127.0.0.1, ::1 and localhost, valid from an hour ago for
    /// `validDays` days.
    [[nodiscard]] static Core::Result<TlsCredentials> generateSelfSigned(int validDays = 365);

    /// SHA-256 of the DER certificate as upper-case hex pairs joined by ':'.
    [[nodiscard]] QByteArray sha256Fingerprint() const;
    /// A TLS 1.2+ server configuration with these credentials.
    [[nodiscard]] QSslConfiguration serverConfiguration() const;
};

} // namespace Http
