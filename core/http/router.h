#pragma once

#include <functional>
#include <vector>

#include <QByteArray>
#include <QHash>

#include "http/message.h"
#include "http/responder.h"

namespace Http {

using SyncHandler = std::function<Response(const Request &)>;
using AsyncHandler = std::function<void(const Request &, Responder)>;

struct RouteOptions
{
    /// Largest accepted request body in bytes; negative means the server's default.
    qint64 bodyLimit = -1;
};

/// Maps method + path to handlers. Patterns are absolute paths whose segments are either
/// literal or ":name" parameters (`/clients/:id`); a literal segment wins over a parameter
/// at the same position, so exact routes win over parameter routes. Routes are added before
/// the server starts; afterwards the router is only read, from every worker thread.
class Router final
{
    Q_DISABLE_COPY_MOVE(Router)

public:
    struct Route
    {
        QByteArray method;
        QByteArray pattern;
        SyncHandler sync; ///< exactly one of sync / async is set
        AsyncHandler async;
        RouteOptions options;
    };

    /// The outcome of a lookup: a route (status 200), 404, or 405 with `allow` listing the
    /// methods the path supports.
    struct Match
    {
        const Route *route = nullptr;
        int status = 404;
        QByteArray allow;
        QHash<QByteArray, QByteArray> params;
    };

    Router() = default;

    void handle(QByteArray method, QByteArray pattern, SyncHandler handler,
                RouteOptions options = {});
    void handleAsync(QByteArray method, QByteArray pattern, AsyncHandler handler,
                     RouteOptions options = {});

    /// Looks up `method` on `path` (percent-decoded). HEAD falls back to GET.
    [[nodiscard]] Match match(QByteArrayView method, const QByteArray &path) const;
    /// The body limit of the route `method` + `path` resolves to, or `fallback`.
    [[nodiscard]] qint64 bodyLimit(QByteArrayView method, const QByteArray &path,
                                   qint64 fallback) const;

private:
    struct Group
    {
        QList<QByteArray> segments; ///< literal, or ":name" for a parameter
        std::vector<std::pair<QByteArray, qsizetype>> methods; ///< method -> route index
    };

    void add(Route route);
    [[nodiscard]] qsizetype findMethod(const Group &group, QByteArrayView method) const;
    [[nodiscard]] static bool matches(const Group &group, const QList<QByteArrayView> &segments,
                                      QHash<QByteArray, QByteArray> *params);

    std::vector<Route> m_routes;
    std::vector<Group> m_literalGroups;
    std::vector<Group> m_paramGroups;       ///< most specific first
    QHash<QByteArray, qsizetype> m_literal; ///< path -> index into m_literalGroups
};

} // namespace Http
