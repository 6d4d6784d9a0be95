// The Flows panel in the real main window over a running engine (JWT access tokens): a
// PKCE walk in headless-browser mode passes every step and draws the sequence diagram, an
// exchange shows the Authorization header masked until revealed, the run exports as JSON
// and HTML without secrets, the access token decodes with a valid signature against the
// AS's JWKS, and a device-flow walk shows the user code and a QR code of
// verification_uri_complete.

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTextBlock>
#include <QTextDocument>
#include <QTextLayout>
#include <QTreeWidget>

#include "authserver/config.h"
#include "crypto/jwks.h"
#include "crypto/jws.h"
#include "crypto/key.h"
#include "crypto/mask.h"
#include "devicecodeview.h"
#include "exchangedetailview.h"
#include "flowspanel.h"
#include "flowstestsupport.h"
#include "guitestsupport.h"
#include "jwtview.h"
#include "mainwindow.h"
#include "sequencediagram.h"

class TestFlowsPanel final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    Core::Engine m_engine;
    GuiTest::RecordingPrompts m_prompts;
    std::unique_ptr<Ui::MainWindow> m_window;
    Ui::FlowsPanel *m_panel = nullptr;
    QTreeWidget *m_steps = nullptr;
    Flow::Run m_pkceRun;

    template <typename T>
    T *child(const char *name)
    {
        return m_panel->findChild<T *>(QString::fromLatin1(name));
    }

    /// Runs a walk with `grant` (index of the grant box) from the Run button.
    Flow::Run walk(int grant)
    {
        child<QComboBox>("flowTarget")->setCurrentIndex(0);
        child<QComboBox>("flowGrant")->setCurrentIndex(grant);
        child<QComboBox>("flowBrowser")->setCurrentIndex(2); // headless
        QSignalSpy finished(m_panel, &Ui::FlowsPanel::flowFinished);
        QTest::mouseClick(child<QPushButton>("flowRun"), Qt::LeftButton);
        if (finished.isEmpty() && !finished.wait(30000))
            return {};
        return finished.first().first().value<Flow::Run>();
    }

    QTreeWidgetItem *stepItem(const QString &title)
    {
        for (int i = 0; i < m_steps->topLevelItemCount(); ++i)
            if (m_steps->topLevelItem(i)->text(0) == title)
                return m_steps->topLevelItem(i);
        return nullptr;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QStandardPaths::setTestModeEnabled(true);
        GuiTest::isolateSettings(m_dir, QStringLiteral("tst_flowspanel"));
        const Core::Status started = m_engine.start(FlowsTest::engineConfig(m_dir));
        QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
        m_window = std::make_unique<Ui::MainWindow>(&m_engine);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_panel = FlowsTest::openPanel(*m_window, m_prompts.prompts());
        QVERIFY(m_panel);
        QVERIFY(!child<QCheckBox>("flowKeepClient")->isChecked());
        m_steps = child<QTreeWidget>("flowSteps");
        QVERIFY(m_steps);
        // The embedded target and the demo login are filled in.
        QCOMPARE(child<QLineEdit>("flowServerUrl")->text(), m_engine.mcpResourceUri());
        QCOMPARE(child<QLineEdit>("flowUsername")->text(), m_engine.demoUsername());
        QCOMPARE(child<QLineEdit>("flowPassword")->text(), m_engine.demoPassword());
        QVERIFY(!child<QPushButton>("flowExportJson")->isEnabled());
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_engine.stop();
    }

    void pkceEndToEnd()
    {
        m_pkceRun = walk(0);
        QCOMPARE(m_pkceRun.outcome, Flow::Outcome::Succeeded);
        QCOMPARE(m_pkceRun.checkCount(Flow::Verdict::Fail), 0);
        QCOMPARE(m_steps->topLevelItemCount(), m_pkceRun.steps.size());
        QVERIFY(m_pkceRun.steps.size() >= 7);
        qsizetype exchanges = 0;
        for (int i = 0; i < m_steps->topLevelItemCount(); ++i) {
            const Flow::Step &step = m_pkceRun.steps.at(i);
            QTreeWidgetItem *item = m_steps->topLevelItem(i);
            QCOMPARE(item->text(0), step.title);
            QVERIFY2(step.status == Flow::StepStatus::Passed,
                     qPrintable(step.id + QStringLiteral(": ") + step.summary));
            QVERIFY2(item->text(1).contains(QLatin1String("pass")), qPrintable(item->text(1)));
            // Its checks and its exchanges are listed under it.
            QCOMPARE(item->childCount(), step.checks.size() + step.exchanges.size());
            exchanges += step.exchanges.size();
        }
        QVERIFY(child<QLabel>("flowStatus")->text().contains(QLatin1String("succeeded")));

        // One arrow per exchange, drawn between the right lanes, green once passed.
        Ui::SequenceDiagram *diagram = m_panel->sequenceDiagram();
        QCOMPARE(diagram->arrowCount(), exchanges);
        QSet<int> lanes;
        for (const Core::SequenceArrow &arrow : diagram->arrows()) {
            lanes.insert(int(arrow.from) * 10 + int(arrow.to));
            QCOMPARE(diagram->stepStatus(arrow.stepIndex), Flow::StepStatus::Passed);
        }
        QVERIFY(lanes.contains(int(Core::SequenceLane::Client) * 10 +
                               int(Core::SequenceLane::McpServer)));
        QVERIFY(lanes.contains(int(Core::SequenceLane::Client) * 10 +
                               int(Core::SequenceLane::AuthorizationServer)));
        QVERIFY(lanes.contains(int(Core::SequenceLane::User) * 10 +
                               int(Core::SequenceLane::AuthorizationServer)));
        QVERIFY(diagram->sizeHint().height() > exchanges * 2 * diagram->fontMetrics().height());
        QCOMPARE(diagram->colorFor(Flow::StepStatus::Passed), QColor(0x18, 0x80, 0x38));
        QVERIFY(child<QPushButton>("flowExportJson")->isEnabled());
    }

    void checksOfAStep()
    {
        QVERIFY(!m_pkceRun.steps.isEmpty());
        const Flow::Step &prm = m_pkceRun.steps.at(1);
        QVERIFY(!prm.checks.isEmpty());
        m_steps->setCurrentItem(stepItem(prm.title));
        auto *checks = child<QTreeWidget>("flowChecks");
        QCOMPARE(checks->topLevelItemCount(), prm.checks.size());
        QCOMPARE(checks->topLevelItem(0)->text(0), prm.checks.first().rule);
        QCOMPARE(checks->topLevelItem(0)->text(3), prm.checks.first().explanation);
        QVERIFY(checks->topLevelItem(0)->text(3).contains(QLatin1String("RFC")) ||
                checks->topLevelItem(0)->text(3).contains(QLatin1String("MCP")));
    }

    void revealAuthorizationHeader()
    {
        QTreeWidgetItem *mcp = nullptr;
        for (const Flow::Step &step : m_pkceRun.steps)
            if (step.id == QLatin1String("mcp"))
                mcp = stepItem(step.title);
        QVERIFY(mcp);
        QTreeWidgetItem *exchange = nullptr;
        for (int i = 0; i < mcp->childCount() && !exchange; ++i)
            if (mcp->child(i)->text(0).startsWith(QLatin1String("POST ")))
                exchange = mcp->child(i);
        QVERIFY(exchange);
        m_steps->setCurrentItem(exchange);
        const FlowsTest::RevealedBearer bearer =
            FlowsTest::revealBearer(m_panel->exchangeView(), child<QCheckBox>("flowRevealSecrets"));
        QVERIFY2(bearer.error.isEmpty(), qPrintable(bearer.error));
        QVERIFY(Core::inspectJwt(bearer.token.toUtf8())); // a JWT, as configured
    }

    void jwtSignatureValid()
    {
        Ui::JwtView *jwt = m_panel->jwtView();
        QTRY_VERIFY_WITH_TIMEOUT(jwt->inspection() && jwt->inspection()->signature ==
                                                          Core::JwtInspection::Signature::Valid,
                                 10000);
        QVERIFY2(jwt->signatureText().contains(QLatin1String("valid")),
                 qPrintable(jwt->signatureText()));
        const QJsonObject payload = jwt->inspection()->payload;
        QCOMPARE(payload.value(QStringLiteral("iss")).toString(), m_engine.issuer());
        QVERIFY(payload.contains(QStringLiteral("exp")));
        QVERIFY(jwt->findChild<QPlainTextEdit *>(QStringLiteral("jwtPayload"))
                    ->toPlainText()
                    .contains(QLatin1String("\"iss\"")));
        QVERIFY(!jwt->findChild<QPlainTextEdit *>(QStringLiteral("jwtHeader"))
                     ->toPlainText()
                     .isEmpty());
    }

    void highlightedTranscript()
    {
        // The transcript shown for the MCP call: masked values have a background, header
        // names and the status line are coloured.
        Ui::ExchangeDetailView *view = m_panel->exchangeView();
        QVERIFY(!view->isRevealed());
        const QTextDocument *document = view->document();
        bool maskMarked = false;
        bool statusColoured = false;
        for (QTextBlock block = document->begin(); block.isValid(); block = block.next()) {
            const QString text = block.text();
            for (const QTextLayout::FormatRange &range : block.layout()->formats()) {
                const QString part = text.mid(range.start, range.length);
                if (part.contains(QStringLiteral("…#")) &&
                    range.format.hasProperty(QTextFormat::BackgroundBrush))
                    maskMarked = true;
                if (text.startsWith(QLatin1String("HTTP 2")) && range.start == 0 &&
                    range.format.foreground().color() == QColor(0x18, 0x80, 0x38))
                    statusColoured = true;
            }
        }
        QVERIFY(maskMarked);
        QVERIFY(statusColoured);
    }

    void diagramPaintsAtAnyScale_data()
    {
        QTest::addColumn<qreal>("ratio");
        QTest::newRow("1x") << 1.0;
        QTest::newRow("2x") << 2.0;
        QTest::newRow("1.5x") << 1.5;
    }

    void diagramPaintsAtAnyScale()
    {
        QFETCH(qreal, ratio);
        Ui::SequenceDiagram *diagram = m_panel->sequenceDiagram();
        QVERIFY(diagram->arrowCount() > 0);
        const QSize size = diagram->sizeHint();
        QImage image(size * ratio, QImage::Format_ARGB32);
        image.setDevicePixelRatio(ratio);
        image.fill(Qt::white);
        diagram->resize(size);
        diagram->render(&image);
        // Arrow heads are filled in the verdict colour (every step passed: green).
        const QRgb green = QColor(0x18, 0x80, 0x38).rgb();
        int greenPixels = 0;
        for (int y = 0; y < image.height(); ++y)
            for (int x = 0; x < image.width(); ++x)
                greenPixels += image.pixel(x, y) == green;
        QVERIFY2(greenPixels > diagram->arrowCount(), qPrintable(QString::number(greenPixels)));
    }

    void deviceBarsCount()
    {
        Ui::DeviceCodeView view;
        Core::DeviceAuthorization device;
        device.userCode = QStringLiteral("ABCD-EFGH");
        device.verificationUri = QUrl(QStringLiteral("https://as.example/device"));
        device.expiresIn = 600;
        device.interval = 5;
        view.setDeviceAuthorization(device, std::chrono::milliseconds(10));
        // Without verification_uri_complete the QR code carries verification_uri.
        QCOMPARE(view.encodedText(), QStringLiteral("https://as.example/device"));
        QVERIFY(view.isCounting());
        auto *expiry = view.findChild<QProgressBar *>(QStringLiteral("deviceExpiry"));
        auto *interval = view.findChild<QProgressBar *>(QStringLiteral("devicePollInterval"));
        QCOMPARE(expiry->maximum(), 600);
        QTRY_VERIFY(expiry->value() < 590);
        QTRY_COMPARE(interval->value(), interval->maximum()); // 5 "seconds" of 10 ms
        view.notePoll();
        QVERIFY(interval->value() < interval->maximum());
        view.stop();
        QVERIFY(!view.isCounting());
        view.clear();
        QVERIFY(view.qrImage().isNull());
        QVERIFY(view.encodedText().isEmpty());
    }

    void jwtViewStates()
    {
        Ui::JwtView view;
        view.setToken("mcp_at_opaque_value_0123456789");
        QVERIFY(!view.inspection());
        QVERIFY(view.signatureText().contains(QLatin1String("opaque")));

        const auto key = Crypto::Key::generate(Crypto::Key::Kind::EcP256);
        const auto other = Crypto::Key::generate(Crypto::Key::Kind::EcP256);
        QVERIFY(key && other);
        const auto token = Crypto::Jws::sign(
            {}, "{\"sub\":\"x\"}", key->withKid(QStringLiteral("a")), Crypto::JwsAlgorithm::ES256);
        QVERIFY(token);
        view.setToken(*token);
        QVERIFY(view.inspection());
        QCOMPARE(view.inspection()->signature, Core::JwtInspection::Signature::NotChecked);
        view.setJwksError(QStringLiteral("HTTP 503"));
        QVERIFY(view.signatureText().contains(QLatin1String("HTTP 503")));
        Crypto::Jwks wrong;
        QVERIFY(wrong.add(other->publicKey().withKid(QStringLiteral("a"))));
        view.setJwks(wrong);
        QCOMPARE(view.inspection()->signature, Core::JwtInspection::Signature::Invalid);
        QVERIFY(view.signatureText().contains(QLatin1String("invalid")));
        Crypto::Jwks right;
        QVERIFY(right.add(key->publicKey().withKid(QStringLiteral("a"))));
        view.setJwks(right);
        QCOMPARE(view.inspection()->signature, Core::JwtInspection::Signature::Valid);
    }

    void exportRefused()
    {
        // Cancelled: nothing written, nothing said.
        m_prompts.file.clear();
        auto *banner = child<QLabel>("flowBanner");
        banner->hide();
        QTest::mouseClick(child<QPushButton>("flowExportJson"), Qt::LeftButton);
        QVERIFY(!banner->isVisible());
        // Unwritable: the banner says where and why.
        m_prompts.file = m_dir.filePath(QStringLiteral("missing/dir/run.json"));
        QTest::mouseClick(child<QPushButton>("flowExportJson"), Qt::LeftButton);
        QVERIFY(banner->isVisible());
        QVERIFY2(banner->text().contains(m_prompts.file), qPrintable(banner->text()));
        QVERIFY(!QFile::exists(m_prompts.file));
    }

    void arrowOpensExchange()
    {
        Ui::SequenceDiagram *diagram = m_panel->sequenceDiagram();
        const qsizetype last = diagram->arrowCount() - 1;
        QVERIFY(last > 0);
        const QRect rect = diagram->arrowRect(last);
        QVERIFY(!rect.isEmpty());
        QVERIFY(diagram->arrowRect(last + 1).isEmpty());
        m_panel->exchangeView()->clearExchange();
        QTest::mouseClick(diagram, Qt::LeftButton, {}, rect.center());
        const Core::SequenceArrow &arrow = diagram->arrows().at(last);
        QVERIFY2(m_panel->exchangeView()->toPlainText().startsWith(
                     arrow.request.section(QLatin1Char(' '), 0, 0)),
                 qPrintable(m_panel->exchangeView()->toPlainText().left(80)));
        QCOMPARE(child<QTabWidget>("flowTabs")->currentWidget(),
                 m_panel->exchangeView()->parentWidget());
    }

    void exportRun_data()
    {
        QTest::addColumn<bool>("html");
        QTest::newRow("json") << false;
        QTest::newRow("html") << true;
    }

    void exportRun()
    {
        QFETCH(bool, html);
        m_prompts.file =
            m_dir.filePath(html ? QStringLiteral("run.html") : QStringLiteral("run.json"));
        QTest::mouseClick(child<QPushButton>(html ? "flowExportHtml" : "flowExportJson"),
                          Qt::LeftButton);
        QFile file(m_prompts.file);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray content = file.readAll();
        if (html) {
            QVERIFY(content.contains("<html"));
            for (const Flow::Step &step : m_pkceRun.steps)
                QVERIFY2(content.contains(step.title.toHtmlEscaped().toUtf8()),
                         qPrintable(step.title));
        } else {
            QJsonParseError error;
            const QJsonDocument document = QJsonDocument::fromJson(content, &error);
            QVERIFY2(document.isObject(), qPrintable(error.errorString()));
            const auto run = Flow::Run::fromJson(document.object());
            QVERIFY2(run, run ? "" : qPrintable(run.error().toString()));
            QCOMPARE(run->outcome, Flow::Outcome::Succeeded);
            QCOMPARE(run->steps.size(), m_pkceRun.steps.size());
        }
        // Secrets stay masked in exports, and the demo password is not there at all.
        QVERIFY(!content.contains(m_engine.demoPassword().toUtf8()));
        const QString masked = m_pkceRun.tokens.accessToken;
        QVERIFY(masked.contains(QStringLiteral("…#")));
        QVERIFY(content.contains(masked.toUtf8()) ||
                content.contains(masked.toHtmlEscaped().toUtf8()));
    }

    void refusedTarget_data()
    {
        QTest::addColumn<QString>("url");
        QTest::newRow("empty") << QString();
        QTest::newRow("ftp") << QStringLiteral("ftp://127.0.0.1/mcp");
        QTest::newRow("file") << QStringLiteral("file:///etc/passwd");
    }

    void refusedTarget()
    {
        QFETCH(QString, url);
        child<QComboBox>("flowTarget")->setCurrentIndex(1);
        child<QLineEdit>("flowServerUrl")->setText(url);
        Flow::Walker *before = m_panel->walker();
        QTest::mouseClick(child<QPushButton>("flowRun"), Qt::LeftButton);
        auto *banner = child<QLabel>("flowBanner");
        QVERIFY(banner->isVisible());
        QVERIFY(banner->text().contains(QLatin1String("URL")));
        QCOMPARE(m_panel->walker(), before); // nothing started
        child<QComboBox>("flowTarget")->setCurrentIndex(0);
    }

    void manualBrowserWrongRedirect()
    {
        child<QComboBox>("flowTarget")->setCurrentIndex(0);
        child<QComboBox>("flowGrant")->setCurrentIndex(0);
        child<QComboBox>("flowBrowser")->setCurrentIndex(1); // manual
        QSignalSpy finished(m_panel, &Ui::FlowsPanel::flowFinished);
        QTest::mouseClick(child<QPushButton>("flowRun"), Qt::LeftButton);
        auto *box = child<QWidget>("flowRedirectBox");
        QTRY_VERIFY(box->isVisible());
        QVERIFY(finished.isEmpty());
        QVERIFY(!child<QPushButton>("flowExportJson")->isEnabled());
        QVERIFY(!child<QComboBox>("flowGrant")->isEnabled()); // settings locked while walking
        // A redirect that is not the answer to this request: the walk fails at that step.
        child<QLineEdit>("flowRedirectUrl")
            ->setText(QStringLiteral("http://127.0.0.1:1/callback?code=forged&state=forged"));
        QTest::mouseClick(child<QPushButton>("flowProvideRedirect"), Qt::LeftButton);
        QVERIFY(!finished.isEmpty() || finished.wait(10000)); // may end at once
        const Flow::Run run = finished.first().first().value<Flow::Run>();
        QCOMPARE(run.outcome, Flow::Outcome::Failed);
        QVERIFY(!box->isVisible());
        QTreeWidgetItem *last = m_steps->topLevelItem(m_steps->topLevelItemCount() - 1);
        QCOMPARE(last->text(0), run.steps.last().title);
        QVERIFY2(last->text(1).contains(QLatin1String("fail")), qPrintable(last->text(1)));
        QCOMPARE(m_panel->sequenceDiagram()->stepStatus(run.steps.last().index),
                 Flow::StepStatus::Failed);
        QVERIFY(child<QLabel>("flowStatus")->text().contains(QLatin1String("failed")));
        child<QComboBox>("flowBrowser")->setCurrentIndex(2);
    }

    void deviceFlow()
    {
        // The adjuster sees each walk's options: this walk skips the refresh step. Seconds
        // stay real: the AS refuses polls closer than its (1 s) interval with slow_down.
        m_panel->setOptionsAdjuster([](Flow::Options &options) { options.refresh = false; });
        const Flow::Run run = walk(1);
        m_panel->setOptionsAdjuster({});
        QVERIFY2(run.outcome == Flow::Outcome::Succeeded, qPrintable(run.error));
        QString expectedUri;
        QString expectedCode;
        for (const Flow::Step &step : run.steps) {
            if (step.id != QLatin1String("device_authorization"))
                continue;
            for (const Http::Exchange &exchange : step.exchanges) {
                const QJsonObject body = QJsonDocument::fromJson(exchange.responseBody).object();
                expectedUri = body.value(QStringLiteral("verification_uri_complete")).toString();
                expectedCode = body.value(QStringLiteral("user_code")).toString();
            }
        }
        QVERIFY(!expectedUri.isEmpty());
        QVERIFY(!expectedCode.isEmpty());
        for (const Flow::Step &step : run.steps)
            QVERIFY(step.id != QLatin1String("refresh"));
        Ui::DeviceCodeView *device = m_panel->deviceCodeView();
        QCOMPARE(device->userCode(), expectedCode);
        QCOMPARE(device->findChild<QLabel *>(QStringLiteral("deviceUserCode"))->text(),
                 expectedCode);
        QCOMPARE(QUrl(device->encodedText()), QUrl(expectedUri));
        const QImage qr = device->qrImage();
        QVERIFY(!qr.isNull());
        QVERIFY(qr.width() >= 21 + 8); // version 1 and the quiet zone at least
        // The image is the QR code of exactly that text, and not of another.
        QCOMPARE(qr, *Ui::DeviceCodeView::renderQrCode(device->encodedText()));
        QVERIFY(qr != *Ui::DeviceCodeView::renderQrCode(device->encodedText() + QLatin1Char('x')));
        QVERIFY(!device->findChild<QLabel *>(QStringLiteral("deviceQrCode"))->pixmap().isNull());
        QVERIFY(!device->isCounting()); // the walk is over: the bars stopped
        QVERIFY(device->findChild<QProgressBar *>(QStringLiteral("deviceExpiry"))->maximum() > 0);
    }

    void singleStep()
    {
        child<QComboBox>("flowGrant")->setCurrentIndex(0);
        QTest::mouseClick(child<QPushButton>("flowStep"), Qt::LeftButton);
        Flow::Walker *walker = m_panel->walker();
        QVERIFY(walker);
        QTRY_VERIFY(!walker->isStepRunning());
        QCOMPARE(m_steps->topLevelItemCount(), 1);
        QTest::mouseClick(child<QPushButton>("flowStep"), Qt::LeftButton);
        QTRY_COMPARE(m_steps->topLevelItemCount(), 2);
        QTRY_VERIFY(!walker->isStepRunning());
        QCOMPARE(m_panel->walker(), walker);
        QVERIFY(child<QPushButton>("flowCancel")->isEnabled());
        QSignalSpy finished(m_panel, &Ui::FlowsPanel::flowFinished);
        QTest::mouseClick(child<QPushButton>("flowCancel"), Qt::LeftButton);
        QCOMPARE(finished.size(), 1);
        QCOMPARE(finished.first().first().value<Flow::Run>().outcome, Flow::Outcome::Cancelled);
    }
};

QTEST_MAIN(TestFlowsPanel)
#include "tst_flowspanel.moc"
