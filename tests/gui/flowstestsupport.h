#pragma once

// What the Flows panel's GUI tests share: the engine they walk against and the check that
// an exchange's Authorization header is masked until revealed.

#include <QCheckBox>
#include <QRegularExpression>
#include <QTemporaryDir>

#include "adminsupport.h"
#include "authserver/config.h"
#include "crypto/mask.h"
#include "exchangedetailview.h"
#include "flowspanel.h"
#include "mainwindow.h"
#include "serverconfig.h"

namespace FlowsTest {

/// A temporary SQLite store in `dir`, loopback ephemeral ports, JWT access tokens and the
/// shortest device polling interval the AS allows (it counts real seconds).
inline Core::ServerConfig engineConfig(const QTemporaryDir &dir)
{
    Core::ServerConfig config;
    config.storeUrl = QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("store.db"));
    config.asPort = 0;
    config.rsPort = 0;
    config.workerThreads = 2;
    config.adminTokenFile = dir.filePath(QStringLiteral("admin-token"));
    config.authorizationServer.defaultTokenFormat = Auth::AccessTokenFormat::Jwt;
    config.authorizationServer.devicePollInterval = 1;
    return config;
}

/// Shows the Flows panel of `window` and prepares it for scripted walks: `prompts` answer
/// its questions, and walks keep no client. (Kept clients live in the data folder of
/// QStandardPaths' test mode, which other test executables and earlier runs share; another
/// engine on the same port would refuse such a client and the walk re-registers, a warning
/// step. Keeping clients is tested in tst_credentialstore and tst_flow_credentials_cli.)
/// Null when the panel is missing.
inline Ui::FlowsPanel *openPanel(Ui::MainWindow &window, const Ui::Prompts &prompts)
{
    window.showPanel(Ui::MainWindow::FlowsPanelIndex);
    auto *panel = window.findChild<Ui::FlowsPanel *>(QStringLiteral("flowsPanel"));
    if (!panel)
        return nullptr;
    panel->setPrompts(prompts);
    if (auto *keep = panel->findChild<QCheckBox *>(QStringLiteral("flowKeepClient")))
        keep->setChecked(false);
    return panel;
}

/// The bearer token of the exchange `view` shows, masked and revealed.
struct RevealedBearer
{
    QString masked;
    QString token;
    QString error; ///< why the check failed; empty when it passed
};

/// Reads the Authorization header of the exchange `view` shows: it must be masked, show
/// the whole token (whose mask it is) once `reveal` is ticked, and be masked again after.
inline RevealedBearer revealBearer(const Ui::ExchangeDetailView *view, QCheckBox *reveal)
{
    static const QRegularExpression header(QStringLiteral("^Authorization: Bearer (\\S+)$"),
                                           QRegularExpression::MultilineOption |
                                               QRegularExpression::CaseInsensitiveOption);
    RevealedBearer result;
    const QString masked = view->toPlainText();
    const auto maskedMatch = header.match(masked);
    if (!maskedMatch.hasMatch())
        return {{}, {}, QStringLiteral("no Authorization header in: ") + masked};
    result.masked = maskedMatch.captured(1);
    if (!result.masked.contains(QStringLiteral("…#")))
        return {result.masked, {}, QStringLiteral("not masked: ") + result.masked};
    reveal->setChecked(true);
    const auto revealed = header.match(view->toPlainText());
    reveal->setChecked(false);
    if (!revealed.hasMatch())
        return {result.masked, {}, QStringLiteral("the header is gone once revealed")};
    result.token = revealed.captured(1);
    if (result.token.contains(QStringLiteral("…")) ||
        Crypto::maskSecret(result.token.toUtf8()) != result.masked)
        return {result.masked, result.token, QStringLiteral("not revealed: ") + result.token};
    if (view->toPlainText() != masked)
        return {result.masked, result.token, QStringLiteral("not masked again")};
    return result;
}

} // namespace FlowsTest
