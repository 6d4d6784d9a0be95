// mcpauth-screenshots (what docs/screenshots/render.sh runs under Xvfb), run here on the
// offscreen platform: it exits 0 and writes the seven pictures of the real main window at
// the asked size, each with real content (many colours, not one blank fill), so the script
// and the documentation's pictures cannot silently rot.

#include <QImage>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

class TestScreenshots final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_output;
    bool m_rendered = false;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_output = m_dir.filePath(QStringLiteral("shots"));
        QProcess tool;
        tool.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        tool.start(QStringLiteral(MCPAUTH_SCREENSHOTS_TOOL),
                   {QStringLiteral("--size"), QStringLiteral("1024x700"),
                    QStringLiteral("--agent-seconds"), QStringLiteral("2"), m_output});
        QVERIFY2(tool.waitForStarted(5000), qPrintable(tool.errorString()));
        QVERIFY2(tool.waitForFinished(50000), "mcpauth-screenshots did not finish in 50 s");
        QCOMPARE(tool.exitStatus(), QProcess::NormalExit);
        QCOMPARE(tool.exitCode(), 0);
        const QStringList printed = QString::fromUtf8(tool.readAllStandardOutput())
                                        .split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(printed.size(), 7);
        m_rendered = true;
    }

    void picture_data()
    {
        QTest::addColumn<QString>("file");
        for (const char *panel :
             {"servers", "flows", "tokens", "clients", "friction", "traffic", "audit"})
            QTest::newRow(panel) << QString::fromLatin1(panel) + QStringLiteral(".png");
    }

    void picture()
    {
        QFETCH(QString, file);
        QVERIFY(m_rendered);
        const QImage image(QDir(m_output).filePath(file), "PNG");
        QVERIFY2(!image.isNull(), qPrintable(file + QStringLiteral(" is not a readable PNG")));
        QCOMPARE(image.size(), QSize(1024, 700));
        // The panel's area (right of the navigation list, above the status bar): text,
        // tables, charts and the diagram make hundreds of colours (antialiasing); an empty
        // or half-painted panel, with a heading and a few buttons, far fewer.
        QSet<QRgb> colours;
        for (int y = image.height() / 10; y < image.height() * 9 / 10; ++y)
            for (int x = image.width() / 4; x < image.width(); ++x)
                colours.insert(image.pixel(x, y));
        qDebug("%s: %lld colours", qPrintable(file), static_cast<long long>(colours.size()));
        QVERIFY2(
            colours.size() > 150,
            qPrintable(QStringLiteral("%1 has only %2 colours").arg(file).arg(colours.size())));
    }

    void refusesBadArguments_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("no directory") << QStringList{} << QStringLiteral("one output directory");
        QTest::newRow("two directories") << QStringList{QStringLiteral("a"), QStringLiteral("b")}
                                         << QStringLiteral("one output directory");
        QTest::newRow("size not WxH")
            << QStringList{QStringLiteral("--size"), QStringLiteral("big"), QStringLiteral("d")}
            << QStringLiteral("--size must be WxH");
        QTest::newRow("size too small")
            << QStringList{QStringLiteral("--size"), QStringLiteral("10x10"), QStringLiteral("d")}
            << QStringLiteral("--size must be WxH");
        QTest::newRow("agent seconds negative")
            << QStringList{QStringLiteral("--agent-seconds"), QStringLiteral("-1"),
                           QStringLiteral("d")}
            << QStringLiteral("--agent-seconds must be 0 to 60");
    }

    void refusesBadArguments()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        QProcess tool;
        tool.setWorkingDirectory(m_dir.path());
        tool.start(QStringLiteral(MCPAUTH_SCREENSHOTS_TOOL), arguments);
        QVERIFY(tool.waitForFinished(10000));
        QCOMPARE(tool.exitCode(), 1);
        const QString error = QString::fromUtf8(tool.readAllStandardError());
        QVERIFY2(error.contains(message), qPrintable(error));
        QVERIFY(!QFileInfo::exists(m_dir.filePath(QStringLiteral("d/servers.png"))));
    }
};

QTEST_MAIN(TestScreenshots)
#include "tst_screenshots.moc"
