#include "frictionadminclient.h"

#include <cmath>
#include <limits>

#include <QDateTime>
#include <QFile>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

#include "resource/frictionadmin.h"

namespace Core {

namespace {

constexpr qsizetype kMaxAnswerBytes = 4 * 1024 * 1024;

Error invalidEvent(const QString &member, const QString &what)
{
    return makeError(QStringLiteral("invalid_response"),
                     QStringLiteral("friction event: '%1' %2").arg(member, what));
}

std::optional<Friction::EventType> eventTypeFromName(const QString &name)
{
    using T = Friction::EventType;
    for (T type : {T::Check, T::Block, T::Justification, T::JustificationMissing, T::Saturation,
                   T::PrincipalEvicted, T::PrincipalRestored})
        if (Friction::eventTypeName(type) == name)
            return type;
    return std::nullopt;
}

std::optional<Friction::Band> bandFromName(const QString &name)
{
    using B = Friction::Band;
    for (B band : {B::None, B::Low, B::Medium, B::High, B::Blocked})
        if (Friction::bandName(band) == name)
            return band;
    return std::nullopt;
}

} // namespace

QList<ServerSentEvent> ServerSentEventParser::feed(QByteArrayView bytes)
{
    QList<ServerSentEvent> events;
    m_buffer.append(bytes);
    qsizetype start = 0;
    for (;;) {
        // A message ends with an empty line: "\n\n" or "\r\n\r\n".
        const qsizetype lf = m_buffer.indexOf("\n\n", start);
        const qsizetype crlf = m_buffer.indexOf("\r\n\r\n", start);
        qsizetype end = -1;
        qsizetype skip = 0;
        if (crlf >= 0 && (lf < 0 || crlf < lf)) {
            end = crlf;
            skip = 4;
        } else if (lf >= 0) {
            end = lf;
            skip = 2;
        }
        if (end < 0)
            break;
        const QByteArrayView block(m_buffer.constData() + start, end - start);
        start = end + skip;
        ServerSentEvent event;
        bool hasData = false;
        qsizetype lineStart = 0;
        while (lineStart <= block.size()) {
            qsizetype lineEnd = block.indexOf('\n', lineStart);
            if (lineEnd < 0)
                lineEnd = block.size();
            QByteArrayView line = block.sliced(lineStart, lineEnd - lineStart);
            if (line.endsWith('\r'))
                line.chop(1);
            lineStart = lineEnd + 1;
            if (line.startsWith("event:")) {
                event.type = line.sliced(6).trimmed().toByteArray();
            } else if (line.startsWith("data:")) {
                QByteArrayView value = line.sliced(5);
                if (value.startsWith(' '))
                    value = value.sliced(1);
                if (hasData)
                    event.data += '\n';
                event.data += value;
                hasData = true;
            }
        }
        if (hasData)
            events.append(std::move(event));
    }
    m_buffer.remove(0, start);
    if (m_buffer.size() > maxPendingBytes) {
        m_discarded += m_buffer.size();
        m_buffer.clear();
    }
    return events;
}

Result<Friction::Event> frictionEventFromJson(const QJsonObject &object)
{
    Friction::Event event;
    const QString typeName = object.value(QStringLiteral("type")).toString();
    const auto type = eventTypeFromName(typeName);
    if (!type)
        return invalidEvent(QStringLiteral("type"),
                            typeName.isEmpty()
                                ? QStringLiteral("is missing")
                                : QStringLiteral("is not a known event type: %1").arg(typeName));
    event.type = *type;
    const auto number = [&object](const QString &name, double &out) -> Status {
        const QJsonValue value = object.value(name);
        if (!value.isDouble())
            return invalidEvent(name, value.isUndefined() ? QStringLiteral("is missing")
                                                          : QStringLiteral("must be a number"));
        out = value.toDouble();
        return {};
    };
    for (auto [name, out] : {std::pair{QStringLiteral("time"), &event.time},
                             std::pair{QStringLiteral("friction"), &event.friction},
                             std::pair{QStringLiteral("ema"), &event.ema},
                             std::pair{QStringLiteral("target"), &event.target},
                             std::pair{QStringLiteral("effective_target"), &event.effectiveTarget},
                             std::pair{QStringLiteral("cost"), &event.cost}})
        if (auto read = number(name, *out); !read)
            return read.error();
    const QString bandText = object.value(QStringLiteral("band")).toString();
    const auto band = bandFromName(bandText);
    if (!band)
        return invalidEvent(QStringLiteral("band"), QStringLiteral("is not a friction band"));
    event.band = *band;
    event.principal = object.value(QStringLiteral("principal")).toString();
    event.clientId = object.value(QStringLiteral("client_id")).toString();
    event.tool = object.value(QStringLiteral("tool")).toString();
    event.allowed = object.value(QStringLiteral("allowed")).toBool();
    event.justificationRequired = object.value(QStringLiteral("justification_required")).toBool();
    event.saturated = object.value(QStringLiteral("saturated")).toBool();
    const QJsonValue budget = object.value(QStringLiteral("budget_remaining"));
    event.budgetRemaining =
        budget.isDouble() ? budget.toDouble() : std::numeric_limits<double>::infinity();
    event.justification = object.value(QStringLiteral("justification")).toString();
    event.message = object.value(QStringLiteral("message")).toString();
    const QDateTime stamp =
        QDateTime::fromString(object.value(QStringLiteral("timestamp")).toString(), Qt::ISODate);
    event.wallTimeMs = stamp.isValid() ? stamp.toMSecsSinceEpoch() : 0;
    return event;
}

Error adminAnswerError(int status, const QByteArray &body)
{
    const QJsonObject answer = QJsonDocument::fromJson(body).object();
    QString code = answer.value(QStringLiteral("error")).toString();
    QString message = answer.value(QStringLiteral("error_description")).toString();
    if (message.isEmpty())
        message = QString::fromUtf8(body.left(200)).trimmed();
    if (code.isEmpty())
        code = QStringLiteral("http_%1").arg(status);
    return makeError(code, QStringLiteral("the server answered %1: %2").arg(status).arg(message));
}

Result<QByteArray> readAdminTokenFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("admin_token_unavailable"),
                         QStringLiteral("cannot read the admin token file %1: %2 (the server "
                                        "writes it when it starts; see the 'admin API' line of "
                                        "mcpauth serve)")
                             .arg(path, file.errorString()));
    const QByteArray token = file.read(4096).trimmed();
    if (auto valid = Resource::AdminToken::fromSecret(token); !valid)
        return makeError(valid.error().code,
                         QStringLiteral("%1: %2").arg(path, valid.error().message));
    return token;
}

FrictionAdminClient::FrictionAdminClient(QObject *parent)
    : QObject(parent)
    , m_network(new QNetworkAccessManager(this))
{
    m_network->setAutoDeleteReplies(false);
}

FrictionAdminClient::~FrictionAdminClient()
{
    closeEventStream();
}

Status FrictionAdminClient::setTarget(const QUrl &baseUrl, const QByteArray &adminToken,
                                      const QList<QSslCertificate> &trusted)
{
    closeEventStream();
    if (!baseUrl.isValid() || baseUrl.host().isEmpty() ||
        (baseUrl.scheme() != QLatin1String("http") && baseUrl.scheme() != QLatin1String("https")))
        return makeError(QStringLiteral("invalid_request"),
                         QStringLiteral("server URL: '%1' is not an http(s) URL with a host")
                             .arg(baseUrl.toString()));
    if (auto valid = Resource::AdminToken::fromSecret(adminToken); !valid)
        return makeError(QStringLiteral("invalid_request"),
                         QStringLiteral("admin token: ") + valid.error().message);
    m_base = baseUrl;
    QString path = m_base.path();
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    m_base.setPath(path);
    m_base.setQuery(QString());
    m_base.setFragment(QString());
    m_token = adminToken;
    m_ssl = QSslConfiguration::defaultConfiguration();
    m_ssl.addCaCertificates(trusted);
    return {};
}

QNetworkReply *FrictionAdminClient::send(const QByteArray &method, const QString &path,
                                         const QByteArray &body)
{
    QUrl url = m_base;
    url.setPath(m_base.path() + path);
    QNetworkRequest request(url);
    request.setSslConfiguration(m_ssl);
    request.setRawHeader("Authorization", "Bearer " + m_token);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                         QNetworkRequest::AlwaysNetwork);
    if (method == "PUT")
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
    if (path.endsWith(QLatin1String("/events"))) {
        request.setRawHeader("Accept", "text/event-stream");
        request.setTransferTimeout(0);
        return m_network->get(request);
    }
    request.setRawHeader("Accept", "application/json");
    request.setTransferTimeout(15000);
    return m_network->sendCustomRequest(request, method, body);
}

void FrictionAdminClient::fetchConfig()
{
    if (m_base.isEmpty()) {
        emit requestFailed(QStringLiteral("fetch_config"),
                           makeError(QStringLiteral("invalid_request"),
                                     QStringLiteral("no server to ask: set its URL first")));
        return;
    }
    QNetworkReply *reply = send("GET", QStringLiteral("/admin/friction/config"), {});
    connect(reply, &QNetworkReply::finished, this,
            [this, reply] { handleConfigReply(reply, QStringLiteral("fetch_config")); });
}

void FrictionAdminClient::applyConfig(const Friction::ControllerConfig &config)
{
    if (m_base.isEmpty()) {
        emit requestFailed(QStringLiteral("apply_config"),
                           makeError(QStringLiteral("invalid_request"),
                                     QStringLiteral("no server to ask: set its URL first")));
        return;
    }
    QNetworkReply *reply = send("PUT", QStringLiteral("/admin/friction/config"),
                                QJsonDocument(config.toJson()).toJson(QJsonDocument::Compact));
    connect(reply, &QNetworkReply::finished, this,
            [this, reply] { handleConfigReply(reply, QStringLiteral("apply_config")); });
}

void FrictionAdminClient::handleConfigReply(QNetworkReply *reply, const QString &operation)
{
    reply->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray body = reply->read(kMaxAnswerBytes);
    if (status == 0) {
        emit requestFailed(operation, makeError(QStringLiteral("request_failed"),
                                                QStringLiteral("%1: %2").arg(
                                                    reply->url().toString(QUrl::RemoveQuery),
                                                    reply->errorString())));
        return;
    }
    if (status != 200) {
        emit requestFailed(operation, adminAnswerError(status, body));
        return;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (!document.isObject()) {
        emit requestFailed(operation,
                           makeError(QStringLiteral("invalid_response"),
                                     QStringLiteral("the server's answer is not a JSON object: %1")
                                         .arg(parseError.errorString())));
        return;
    }
    auto config = Friction::ControllerConfig::fromJson(document.object());
    if (!config) {
        emit requestFailed(operation, config.error());
        return;
    }
    if (operation == QLatin1String("apply_config"))
        emit configApplied(*config);
    else
        emit configFetched(*config);
}

void FrictionAdminClient::openEventStream()
{
    closeEventStream();
    if (m_base.isEmpty()) {
        emit streamEnded(makeError(QStringLiteral("invalid_request"),
                                   QStringLiteral("no server to watch: set its URL first")));
        return;
    }
    m_parser = ServerSentEventParser();
    m_errorBody.clear();
    m_helloSeen = false;
    m_stream = send("GET", QStringLiteral("/admin/friction/events"), {});
    m_stream->setReadBufferSize(0);
    connect(m_stream, &QNetworkReply::readyRead, this, &FrictionAdminClient::handleStreamData);
    connect(m_stream, &QNetworkReply::finished, this, &FrictionAdminClient::handleStreamFinished);
}

void FrictionAdminClient::closeEventStream()
{
    if (!m_stream)
        return;
    QNetworkReply *stream = m_stream;
    m_stream = nullptr;
    stream->disconnect(this);
    stream->abort();
    stream->deleteLater();
}

void FrictionAdminClient::handleStreamData()
{
    QNetworkReply *stream = m_stream;
    if (!stream)
        return;
    const int status = stream->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const bool isStream = status == 200 && stream->header(QNetworkRequest::ContentTypeHeader)
                                               .toString()
                                               .startsWith(QLatin1String("text/event-stream"));
    if (!isStream) {
        if (m_errorBody.size() < 64 * 1024)
            m_errorBody += stream->read(64 * 1024 - m_errorBody.size());
        else
            stream->readAll();
        return;
    }
    QList<Friction::Event> batch;
    for (const ServerSentEvent &message : m_parser.feed(stream->readAll())) {
        const QJsonObject object = QJsonDocument::fromJson(message.data).object();
        if (message.type == "hello") {
            m_helloSeen = true;
            emit streamOpened(object);
        } else if (message.type == "dropped") {
            emit eventsDropped(object.value(QStringLiteral("count")).toInteger());
        } else if (auto event = frictionEventFromJson(object)) {
            batch.append(std::move(*event));
        }
        // An event this client cannot read is skipped: a newer server may send more kinds.
    }
    if (!batch.isEmpty())
        emit eventsReceived(batch);
}

void FrictionAdminClient::handleStreamFinished()
{
    QNetworkReply *stream = m_stream;
    if (!stream)
        return;
    handleStreamData();
    m_stream = nullptr;
    stream->deleteLater();
    const int status = stream->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 0 && status != 200) {
        emit streamEnded(adminAnswerError(status, m_errorBody));
        return;
    }
    if (stream->error() != QNetworkReply::NoError &&
        stream->error() != QNetworkReply::RemoteHostClosedError) {
        emit streamEnded(
            makeError(QStringLiteral("request_failed"),
                      QStringLiteral("%1: %2").arg(stream->url().toString(QUrl::RemoveQuery),
                                                   stream->errorString())));
        return;
    }
    emit streamEnded(makeError(QStringLiteral("stream_closed"),
                               QStringLiteral("the server closed the event stream")));
}

} // namespace Core
