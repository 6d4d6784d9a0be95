#include "agentsimulator.h"

#include <algorithm>

#include <QUrl>

#include "authserver/authorizationserver.h"
#include "authserver/context.h"
#include "authserver/tokenissuer.h"
#include "engine.h"
#include "traffic/driver.h"

namespace Core {

namespace {

// The driver ends a run by duration; a simulation runs until stopped, so ask for the most
// the driver allows.
constexpr double kRunSeconds = 7 * 24 * 3600;

void count(Traffic::ToolStats &stats, const QString &outcome, double friction, const QString &band)
{
    using O = Traffic::Outcome;
    if (outcome == Traffic::outcomeName(O::Allowed))
        ++stats.allowed;
    else if (outcome == Traffic::outcomeName(O::Justified))
        ++stats.justified;
    else if (outcome == Traffic::outcomeName(O::Blocked))
        ++stats.blocked;
    else if (outcome == Traffic::outcomeName(O::JustificationMissing))
        ++stats.justificationMissing;
    else
        ++stats.errors;
    if (friction >= 0) {
        stats.lastFriction = friction;
        stats.lastBand = band;
    }
}

} // namespace

Result<QByteArray> issueAgentToken(const Engine &engine, const QStringList &tools,
                                   const QString &subject)
{
    if (!engine.isRunning() || !engine.authorizationServer())
        return makeError(QStringLiteral("server_unavailable"),
                         QStringLiteral("the embedded servers are stopped; start them first"));
    QStringList scopes;
    for (const QString &tool : tools)
        for (const QString &scope : engine.config().resourceServer.scopesFor(tool))
            if (!scopes.contains(scope))
                scopes.append(scope);
    Auth::Grant grant;
    grant.clientId = engine.demoClientId();
    grant.subject = subject;
    grant.scope = scopes.join(QLatin1Char(' '));
    grant.resource = engine.mcpResourceUri();
    auto issued = engine.authorizationServer()->context().tokens().issue(grant);
    if (!issued)
        return makeError(issued.error().code,
                         QStringLiteral("issuing the simulated agent's token failed: ") +
                             issued.error().message);
    return issued->accessToken;
}

AgentSimulator::AgentSimulator(Engine *engine, QObject *parent)
    : QObject(parent)
    , m_engine(engine)
{}

AgentSimulator::~AgentSimulator()
{
    if (m_driver) {
        m_driver->disconnect(this);
        m_driver->stop();
        delete m_driver;
    }
}

Status AgentSimulator::start(const Traffic::Mix &mix, double rate)
{
    stop();
    if (mix.isEmpty())
        return makeError(QStringLiteral("invalid_request"),
                         QStringLiteral("tool mix: at least one tool is needed"));
    QStringList tools;
    for (const Traffic::MixEntry &entry : mix)
        tools.append(entry.tool);
    QStringList scoped = tools;
    // The driver creates a task first for get/update/delete_task when it has none.
    if (std::any_of(tools.cbegin(), tools.cend(), [](const QString &tool) {
            return tool == QLatin1String("get_task") || tool == QLatin1String("update_task") ||
                   tool == QLatin1String("delete_task");
        }))
        scoped.append(QStringLiteral("create_task"));
    auto token = issueAgentToken(*m_engine, scoped, m_subject);
    if (!token)
        return token.error();
    m_mix = mix;
    m_rate = rate;
    m_token = *token;
    m_counts.clear();
    for (const QString &tool : tools) {
        Traffic::ToolStats stats;
        stats.tool = tool;
        m_counts.append(stats);
    }
    m_totals = {};
    if (auto launched = launch(); !launched) {
        m_token.clear();
        return launched;
    }
    emit started();
    return {};
}

Status AgentSimulator::launch()
{
    Traffic::Options options;
    options.url = QUrl(m_engine->mcpResourceUri());
    options.token = m_token;
    options.mix = m_mix;
    options.rate = m_rate;
    options.durationSeconds = kRunSeconds;
    options.trustedCertificates = m_engine->trustedCertificates();
    auto driver = std::make_unique<Traffic::Driver>(options, this);
    connect(driver.get(), &Traffic::Driver::callFinished, this,
            &AgentSimulator::handleCallFinished);
    connect(driver.get(), &Traffic::Driver::finished, this, &AgentSimulator::handleDriverFinished);
    if (auto started = driver->start(); !started)
        return started;
    m_driver = driver.release();
    return {};
}

void AgentSimulator::stop()
{
    if (!m_driver)
        return;
    m_driver->stop(); // finished() arrives before this returns
}

Status AgentSimulator::setRate(double rate)
{
    if (!(rate > 0 && rate <= maxRate))
        return makeError(QStringLiteral("invalid_request"),
                         QStringLiteral("rate: must be more than 0 and at most %1 calls per "
                                        "second")
                             .arg(maxRate));
    m_rate = rate;
    if (!m_driver)
        return {};
    Traffic::Driver *old = m_driver;
    m_driver = nullptr;
    old->disconnect(this);
    old->stop();
    old->deleteLater();
    if (auto launched = launch(); !launched) {
        emit finished(launched.error());
        return launched;
    }
    return {};
}

void AgentSimulator::handleCallFinished(const QString &tool, const QString &outcome,
                                        double friction, const QString &band)
{
    auto it = std::find_if(m_counts.begin(), m_counts.end(),
                           [&tool](const Traffic::ToolStats &s) { return s.tool == tool; });
    if (it == m_counts.end()) {
        Traffic::ToolStats stats;
        stats.tool = tool;
        m_counts.append(stats);
        it = m_counts.end() - 1;
    }
    count(*it, outcome, friction, band);
    count(m_totals, outcome, friction, band);
}

void AgentSimulator::handleDriverFinished(const Traffic::Summary &summary)
{
    Traffic::Driver *driver = m_driver;
    m_driver = nullptr;
    if (driver)
        driver->deleteLater();
    m_token.clear();
    emit finished(summary.error);
}

} // namespace Core
