#pragma once

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include "common/result.h"

namespace TestUtil {

inline QJsonObject jsonObject(QByteArrayView json)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json.toByteArray(), &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        qFatal("test fixture is not a JSON object: %s", qPrintable(error.errorString()));
    return doc.object();
}

/// QVERIFY2-friendly description of a failed Result.
template <typename R>
QByteArray describe(const R &result)
{
    return result.ok() ? QByteArrayLiteral("ok") : result.error().toString().toUtf8();
}

} // namespace TestUtil

/// Verifies that `result` failed with `code` (and, if non-empty, that the message contains
/// `fragment`), printing the actual error otherwise.
#define EXPECT_ERROR(result_, code_, fragment_)                                                    \
    do {                                                                                           \
        const auto &r_ = (result_);                                                                \
        QVERIFY2(!r_.ok(), "expected an error, got success");                                      \
        QVERIFY2(r_.error().code == (code_), TestUtil::describe(r_).constData());                  \
        QVERIFY2(QString(fragment_).isEmpty() || r_.error().message.contains(QString(fragment_)),  \
                 TestUtil::describe(r_).constData());                                              \
    } while (false)
