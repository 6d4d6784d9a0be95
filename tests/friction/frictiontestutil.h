#pragma once

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include "friction/config.h"

/// QVERIFY for a Core::Result, showing the error (QVERIFY2 evaluates its message eagerly).
#define FRICTION_VERIFY_OK(result)                                                                 \
    QVERIFY2((result).ok(), (result).ok() ? "" : qPrintable((result).error().toString()))

namespace FrictionTest {

/// A validated configuration from the JSON text of a "friction" object; fails the test
/// (and returns the defaults) when it does not load.
inline Friction::ControllerConfig config(const QByteArray &json)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject()) {
        QTest::qFail(qPrintable(QStringLiteral("bad test JSON: ") + error.errorString()), __FILE__,
                     __LINE__);
        return {};
    }
    auto result = Friction::ControllerConfig::fromJson(document.object());
    if (!result) {
        QTest::qFail(qPrintable(result.error().toString()), __FILE__, __LINE__);
        return {};
    }
    return *result;
}

} // namespace FrictionTest
