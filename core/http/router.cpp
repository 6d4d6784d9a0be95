#include "http/router.h"

#include <algorithm>

namespace Http {

namespace {

bool isParam(QByteArrayView segment)
{
    return segment.startsWith(':');
}

/// Splits "/a/b" into {"a", "b"}; "/" gives {""}.
QList<QByteArrayView> splitPath(QByteArrayView path)
{
    QList<QByteArrayView> segments;
    if (path.startsWith('/'))
        path = path.sliced(1);
    qsizetype start = 0;
    for (qsizetype i = 0; i <= path.size(); ++i) {
        if (i == path.size() || path[i] == '/') {
            segments.append(path.sliced(start, i - start));
            start = i + 1;
        }
    }
    return segments;
}

/// Literal segments beat parameters at the first position where two patterns differ.
bool moreSpecific(const QList<QByteArray> &a, const QList<QByteArray> &b)
{
    const qsizetype n = std::min(a.size(), b.size());
    for (qsizetype i = 0; i < n; ++i) {
        const bool literalA = !isParam(a[i]);
        const bool literalB = !isParam(b[i]);
        if (literalA != literalB)
            return literalA;
    }
    return false;
}

} // namespace

void Router::handle(QByteArray method, QByteArray pattern, SyncHandler handler,
                    RouteOptions options)
{
    add(Route{std::move(method), std::move(pattern), std::move(handler), {}, options});
}

void Router::handleAsync(QByteArray method, QByteArray pattern, AsyncHandler handler,
                         RouteOptions options)
{
    add(Route{std::move(method), std::move(pattern), {}, std::move(handler), options});
}

void Router::add(Route route)
{
    const qsizetype index = qsizetype(m_routes.size());
    const QByteArray method = route.method;
    const QByteArray pattern = route.pattern;
    m_routes.push_back(std::move(route));

    QList<QByteArray> segments;
    bool literal = true;
    for (QByteArrayView segment : splitPath(pattern)) {
        literal = literal && !isParam(segment);
        segments.append(segment.toByteArray());
    }
    if (literal) {
        auto it = m_literal.constFind(pattern);
        if (it == m_literal.constEnd()) {
            it = m_literal.insert(pattern, qsizetype(m_literalGroups.size()));
            m_literalGroups.push_back(Group{segments, {}});
        }
        auto &methods = m_literalGroups[size_t(*it)].methods;
        std::erase_if(methods, [&](const auto &m) { return m.first == method; });
        methods.emplace_back(method, index);
        return;
    }
    auto group = std::find_if(m_paramGroups.begin(), m_paramGroups.end(),
                              [&](const Group &g) { return g.segments == segments; });
    if (group == m_paramGroups.end()) {
        m_paramGroups.push_back(Group{segments, {}});
        group = m_paramGroups.end() - 1;
    }
    std::erase_if(group->methods, [&](const auto &m) { return m.first == method; });
    group->methods.emplace_back(method, index);
    std::stable_sort(
        m_paramGroups.begin(), m_paramGroups.end(),
        [](const Group &a, const Group &b) { return moreSpecific(a.segments, b.segments); });
}

qsizetype Router::findMethod(const Group &group, QByteArrayView method) const
{
    for (const auto &[name, index] : group.methods) {
        if (name == method)
            return index;
    }
    if (method == "HEAD")
        return findMethod(group, "GET");
    return -1;
}

bool Router::matches(const Group &group, const QList<QByteArrayView> &segments,
                     QHash<QByteArray, QByteArray> *params)
{
    if (group.segments.size() != segments.size())
        return false;
    for (qsizetype i = 0; i < segments.size(); ++i) {
        const QByteArray &expected = group.segments[i];
        if (isParam(expected)) {
            if (segments[i].isEmpty())
                return false;
        } else if (expected != segments[i]) {
            return false;
        }
    }
    if (params) {
        for (qsizetype i = 0; i < segments.size(); ++i) {
            if (isParam(group.segments[i]))
                params->insert(group.segments[i].sliced(1), segments[i].toByteArray());
        }
    }
    return true;
}

Router::Match Router::match(QByteArrayView method, const QByteArray &path) const
{
    Match result;
    const Group *literal = nullptr;
    if (const auto it = m_literal.constFind(path); it != m_literal.constEnd()) {
        literal = &m_literalGroups[size_t(*it)];
        if (const qsizetype index = findMethod(*literal, method); index >= 0) {
            result.route = &m_routes[size_t(index)];
            result.status = 200;
            return result;
        }
    }
    std::vector<const Group *> candidates;
    if (literal)
        candidates.push_back(literal);
    if (!m_paramGroups.empty()) {
        const QList<QByteArrayView> segments = splitPath(path);
        for (const Group &group : m_paramGroups) {
            if (!matches(group, segments, nullptr))
                continue;
            if (const qsizetype index = findMethod(group, method); index >= 0) {
                (void)matches(group, segments, &result.params);
                result.route = &m_routes[size_t(index)];
                result.status = 200;
                return result;
            }
            candidates.push_back(&group);
        }
    }
    if (candidates.empty())
        return result; // 404
    QList<QByteArray> allowed;
    for (const Group *group : candidates) {
        for (const auto &entry : group->methods) {
            if (!allowed.contains(entry.first))
                allowed.append(entry.first);
        }
    }
    if (allowed.contains("GET") && !allowed.contains("HEAD"))
        allowed.insert(allowed.indexOf("GET") + 1, QByteArrayLiteral("HEAD"));
    result.status = 405;
    result.allow = allowed.join(", ");
    return result;
}

qint64 Router::bodyLimit(QByteArrayView method, const QByteArray &path, qint64 fallback) const
{
    const Match found = match(method, path);
    if (found.route && found.route->options.bodyLimit >= 0)
        return found.route->options.bodyLimit;
    return fallback;
}

} // namespace Http
