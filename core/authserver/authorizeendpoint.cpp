// /authorize, /login and /consent: the browser part of the authorization code flow.
#include <QJsonObject>
#include <QUrl>

#include "authserver/auditlog.h"
#include "authserver/authorizerequest.h"
#include "authserver/browsersession.h"
#include "authserver/context.h"
#include "authserver/endpoints.h"
#include "authserver/htmlpage.h"
#include "authserver/oauth.h"
#include "http/body.h"
#include "http/router.h"
#include "store/errors.h"
#include "store/userrepository.h"

namespace Auth {

namespace {

/// Bounds of an authorization request: query string (GET) and form body (POST).
constexpr qsizetype kMaxAuthorizeBytes = 8 * 1024;
constexpr qsizetype kMaxPageFormBytes = 16 * 1024;
constexpr int kRedirectAfterGet = 302;
constexpr int kRedirectAfterPost = 303;

const QString kDemoUser = QStringLiteral("demo");

class AuthorizeEndpoints final
{
    Q_DISABLE_COPY_MOVE(AuthorizeEndpoints)

public:
    explicit AuthorizeEndpoints(Context &context)
        : m_context(context)
        , m_sessions(BrowserSessions::forContext(context))
    {}

    Http::Response authorize(const Http::Request &request);
    Http::Response login(const Http::Request &request);
    Http::Response showConsent(const Http::Request &request);
    Http::Response decideConsent(const Http::Request &request);

private:
    struct PageForm
    {
        Http::FormData form;
        BrowserSession session;
    };
    /// Reads a POSTed page form and checks its session cookie and CSRF token; on failure the
    /// error page to answer with.
    std::variant<PageForm, Http::Response> readPageForm(const Http::Request &request);

    /// Remembered consent or the consent page, once the user is known.
    Http::Response continueSignedIn(const Http::Request &request, const BrowserSession &session,
                                    const QByteArray &requestId,
                                    const AuthorizationRequest &pending, int redirectStatus);
    Http::Response loginPage(const BrowserSession &session, const QByteArray &requestId,
                             const AuthorizationRequest &pending, const QString &error,
                             const QString &username, int status) const;
    Http::Response consentPage(const BrowserSession &session, const QByteArray &requestId,
                               const AuthorizationRequest &pending) const;
    Http::Response autoApprove(const Http::Request &request, const AuthorizationRequest &pending,
                               int redirectStatus);
    [[nodiscard]] bool consentRemembered(const QString &username,
                                         const AuthorizationRequest &pending) const;
    void audit(const QString &type, const QString &username, const QString &clientId,
               QJsonObject detail, const Http::Request &request) const
    {
        m_context.audit().record(type, username.isEmpty() ? QStringLiteral("anonymous") : username,
                                 clientId, username, detail, &request);
    }

    Context &m_context;
    std::shared_ptr<BrowserSessions> m_sessions;
};

void setCookie(Http::Response &response, const BrowserSessions &sessions,
               const BrowserSession &session)
{
    response.headers.add(QByteArrayLiteral("Set-Cookie"), sessions.setCookieValue(session));
}

Http::Response badRequestPage(const QString &message)
{
    return errorPage(400, QStringLiteral("This request cannot be handled"), message,
                     OAuthError::InvalidRequest);
}

Http::Response sessionGonePage()
{
    return errorPage(400, QStringLiteral("This sign-in has expired"),
                     QStringLiteral("The authorization request is no longer waiting (it expired, "
                                    "was already decided, or the browser session ended). Start "
                                    "again from the application."));
}

/// "host:port" of a web redirect URI, or the scheme of a private-use one.
QString redirectHost(const QString &uri)
{
    const QUrl url(uri);
    if (url.host().isEmpty())
        return url.scheme() + QLatin1Char(':');
    return url.port() >= 0 ? url.host() + QLatin1Char(':') + QString::number(url.port())
                           : url.host();
}

Http::Response AuthorizeEndpoints::authorize(const Http::Request &request)
{
    const bool isPost = request.method == "POST";
    const int redirectStatus = isPost ? kRedirectAfterPost : kRedirectAfterGet;
    Http::FormLimits limits;
    limits.maxBytes = kMaxAuthorizeBytes;
    limits.maxParameters = 50;
    // Repeats are refused by the validation, which can tell whether it may redirect.
    limits.repeatableNames = authorizationParameterNames();
    Core::Result<Http::FormData> parameters = Http::FormData();
    if (isPost) {
        if (auto type = Http::checkFormContentType(request.headers.value("Content-Type")); !type)
            return badRequestPage(type.error().message);
        parameters = Http::parseForm(request.body, limits);
    } else {
        parameters = Http::parseQuery(request.query, limits);
    }
    if (!parameters)
        return badRequestPage(QStringLiteral("The authorization request is malformed: %1")
                                  .arg(parameters.error().message));

    auto validated = validateAuthorizationRequest(m_context, *parameters);
    if (const auto *refusal = std::get_if<AuthorizationRefusal>(&validated)) {
        audit(QStringLiteral("authorization.refused"), {}, refusal->clientId,
              {{QStringLiteral("error"), refusal->error.code},
               {QStringLiteral("error_description"), refusal->error.message},
               {QStringLiteral("redirected"), !refusal->redirectUri.isEmpty()}},
              request);
        if (refusal->redirectUri.isEmpty())
            return errorPage(400, QStringLiteral("This authorization request is not valid"),
                             refusal->error.message, refusal->error.code);
        return refusalRedirect(m_context, *refusal, redirectStatus);
    }
    const auto &pending = std::get<AuthorizationRequest>(validated);
    if (m_context.config().autoApprove)
        return autoApprove(request, pending, redirectStatus);

    bool created = false;
    const BrowserSession session = m_sessions->findOrCreate(request, &created);
    const QByteArray requestId = m_sessions->addPending(session.id, pending);
    if (requestId.isEmpty())
        return sessionGonePage();
    Http::Response response =
        session.signedIn() ? continueSignedIn(request, session, requestId, pending, redirectStatus)
                           : loginPage(session, requestId, pending, {}, {}, 200);
    if (created)
        setCookie(response, *m_sessions, session);
    return response;
}

Http::Response AuthorizeEndpoints::autoApprove(const Http::Request &request,
                                               const AuthorizationRequest &pending,
                                               int redirectStatus)
{
    auto user = Store::UserRepository(m_context.db()).get(kDemoUser);
    if (!user || user->disabled) {
        const QString why = !user ? user.error().message : QStringLiteral("it is disabled");
        qCWarning(lcAuthServer) << "auto-approve: cannot use the demo user:" << why;
        return redirectToClient(
            m_context, pending.redirectUri, pending.state,
            {{QStringLiteral("error"), OAuthError::AccessDenied},
             {QStringLiteral("error_description"),
              QStringLiteral("auto-approve is on but the demo user is not available")}},
            redirectStatus);
    }
    audit(QStringLiteral("authorization.auto_approved"), kDemoUser, pending.clientId,
          {{QStringLiteral("scope"), joinScope(pending.scopes)},
           {QStringLiteral("resource"), pending.resource}},
          request);
    return issueCodeRedirect(m_context, pending, kDemoUser, redirectStatus, &request);
}

bool AuthorizeEndpoints::consentRemembered(const QString &username,
                                           const AuthorizationRequest &pending) const
{
    auto consent = Store::ConsentRepository(m_context.db()).find(username, pending.clientId);
    if (!consent) {
        qCWarning(lcAuthServer) << "authorize: cannot read remembered consent:"
                                << consent.error().toString();
        return false;
    }
    if (!consent->has_value())
        return false;
    auto granted = parseScope((*consent)->scope);
    return granted && scopeSubset(pending.scopes, *granted);
}

Http::Response AuthorizeEndpoints::continueSignedIn(const Http::Request &request,
                                                    const BrowserSession &session,
                                                    const QByteArray &requestId,
                                                    const AuthorizationRequest &pending,
                                                    int redirectStatus)
{
    if (!consentRemembered(session.username, pending)) {
        if (redirectStatus == kRedirectAfterPost) {
            // Post/redirect/get: a reload of the consent page must not resubmit the login.
            Http::Response response;
            response.status = kRedirectAfterPost;
            response.headers.set(QByteArrayLiteral("Location"),
                                 (m_context.endpointUrl(QLatin1String(Paths::Consent)) +
                                  QStringLiteral("?request=") + QString::fromLatin1(requestId))
                                     .toUtf8());
            response.headers.set(QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store"));
            return response;
        }
        return consentPage(session, requestId, pending);
    }
    if (!m_sessions->takePending(session.id, QString::fromLatin1(requestId)))
        return sessionGonePage();
    audit(QStringLiteral("consent.reused"), session.username, pending.clientId,
          {{QStringLiteral("scope"), joinScope(pending.scopes)}}, request);
    return issueCodeRedirect(m_context, pending, session.username, redirectStatus, &request);
}

Http::Response AuthorizeEndpoints::loginPage(const BrowserSession &session,
                                             const QByteArray &requestId,
                                             const AuthorizationRequest &pending,
                                             const QString &error, const QString &username,
                                             int status) const
{
    auto page = HtmlPage::load(QStringLiteral("login.html"));
    if (!page)
        return errorPage(500, QStringLiteral("Server error"), page.error().message);
    page->setValue(QStringLiteral("action"), m_context.endpointUrl(QLatin1String(Paths::Login)))
        .setValue(QStringLiteral("csrf"), QString::fromLatin1(session.csrfToken))
        .setValue(QStringLiteral("request"), QString::fromLatin1(requestId))
        .setValue(QStringLiteral("client_name"), pending.displayName())
        .setValue(QStringLiteral("username"), username);
    page->setSection(QStringLiteral("error"),
                     error.isEmpty()
                         ? QList<HtmlPage::Values>{}
                         : QList<HtmlPage::Values>{{{QStringLiteral("message"), error}}});
    // A remembered consent answers the login POST with a redirect to the client.
    return page->response(status, {cspSourceForUri(pending.redirectUri)});
}

Http::Response AuthorizeEndpoints::consentPage(const BrowserSession &session,
                                               const QByteArray &requestId,
                                               const AuthorizationRequest &pending) const
{
    auto page = HtmlPage::load(QStringLiteral("consent.html"));
    if (!page)
        return errorPage(500, QStringLiteral("Server error"), page.error().message);
    page->setValue(QStringLiteral("action"), m_context.endpointUrl(QLatin1String(Paths::Consent)))
        .setValue(QStringLiteral("csrf"), QString::fromLatin1(session.csrfToken))
        .setValue(QStringLiteral("request"), QString::fromLatin1(requestId))
        .setValue(QStringLiteral("username"), session.username)
        .setValue(QStringLiteral("client_name"), pending.displayName())
        .setValue(QStringLiteral("client_id"), pending.clientId)
        .setValue(QStringLiteral("redirect_host"), redirectHost(pending.redirectUri))
        .setValue(QStringLiteral("resource"), pending.resource);
    page->setSection(QStringLiteral("scopes"), scopeRows(pending.scopes));
    page->showSection(QStringLiteral("cimd"), pending.metadataDocumentClient);
    return page->response(200, {cspSourceForUri(pending.redirectUri)});
}

std::variant<AuthorizeEndpoints::PageForm, Http::Response>
AuthorizeEndpoints::readPageForm(const Http::Request &request)
{
    if (auto type = Http::checkFormContentType(request.headers.value("Content-Type")); !type)
        return badRequestPage(type.error().message);
    Http::FormLimits limits;
    limits.maxBytes = kMaxPageFormBytes;
    limits.maxParameters = 20;
    auto form = Http::parseForm(request.body, limits);
    if (!form)
        return badRequestPage(form.error().message);
    auto session = m_sessions->find(request);
    const QString token = form->value(QStringLiteral("csrf_token")).value_or(QString());
    if (!session || !session->csrfMatches(token)) {
        audit(QStringLiteral("csrf.rejected"), session ? session->username : QString(), {},
              {{QStringLiteral("path"), QString::fromUtf8(request.path)},
               {QStringLiteral("reason"), !session          ? QStringLiteral("no_session")
                                          : token.isEmpty() ? QStringLiteral("missing_token")
                                                            : QStringLiteral("wrong_token")}},
              request);
        return errorPage(403, QStringLiteral("This form has expired"),
                         QStringLiteral("The form was not sent from this browser session (the "
                                        "page may be old, or cookies are blocked). Start again "
                                        "from the application."),
                         QStringLiteral("csrf"));
    }
    return PageForm{std::move(*form), std::move(*session)};
}

Http::Response AuthorizeEndpoints::login(const Http::Request &request)
{
    auto read = readPageForm(request);
    if (auto *failed = std::get_if<Http::Response>(&read))
        return std::move(*failed);
    auto &[form, session] = std::get<PageForm>(read);
    const QString requestId = form.value(QStringLiteral("request")).value_or(QString());
    const auto pending = m_sessions->pending(session.id, requestId);
    if (!pending)
        return sessionGonePage();
    const QString username = form.value(QStringLiteral("username")).value_or(QString());
    const QString password = form.value(QStringLiteral("password")).value_or(QString());
    const SignInResult signIn = signInWithPassword(m_context, request, username, password);
    if (!signIn.ok()) {
        Http::Response response = loginPage(session, requestId.toLatin1(), *pending, signIn.message,
                                            username, signIn.status());
        if (signIn.outcome == SignInResult::Outcome::RateLimited)
            response.headers.set(QByteArrayLiteral("Retry-After"),
                                 QByteArray::number(signIn.retryAfterSeconds));
        return response;
    }
    const auto signedIn = m_sessions->signIn(session.id, signIn.user.username);
    if (!signedIn)
        return sessionGonePage();
    Http::Response response =
        continueSignedIn(request, *signedIn, requestId.toLatin1(), *pending, kRedirectAfterPost);
    setCookie(response, *m_sessions, *signedIn);
    return response;
}

Http::Response AuthorizeEndpoints::showConsent(const Http::Request &request)
{
    const auto session = m_sessions->find(request);
    const QString requestId = request.queryValue("request").value_or(QString());
    const auto pending = session ? m_sessions->pending(session->id, requestId)
                                 : std::optional<AuthorizationRequest>();
    if (!pending)
        return sessionGonePage();
    if (!session->signedIn())
        return loginPage(*session, requestId.toLatin1(), *pending, {}, {}, 200);
    return consentPage(*session, requestId.toLatin1(), *pending);
}

Http::Response AuthorizeEndpoints::decideConsent(const Http::Request &request)
{
    auto read = readPageForm(request);
    if (auto *failed = std::get_if<Http::Response>(&read))
        return std::move(*failed);
    auto &[form, session] = std::get<PageForm>(read);
    if (!session.signedIn())
        return errorPage(403, QStringLiteral("Sign in first"),
                         QStringLiteral("Only a signed-in user can approve a request."));
    const QString decision = form.value(QStringLiteral("decision")).value_or(QString());
    if (decision != QLatin1String("approve") && decision != QLatin1String("deny"))
        return badRequestPage(QStringLiteral("The decision must be approve or deny."));
    const auto pending = m_sessions->takePending(
        session.id, form.value(QStringLiteral("request")).value_or(QString()));
    if (!pending)
        return sessionGonePage();

    if (decision == QLatin1String("deny")) {
        audit(QStringLiteral("authorization.denied"), session.username, pending->clientId,
              {{QStringLiteral("scope"), joinScope(pending->scopes)},
               {QStringLiteral("resource"), pending->resource}},
              request);
        return redirectToClient(
            m_context, pending->redirectUri, pending->state,
            {{QStringLiteral("error"), OAuthError::AccessDenied},
             {QStringLiteral("error_description"), QStringLiteral("the user denied the request")}},
            kRedirectAfterPost);
    }
    if (form.contains(QStringLiteral("remember"))) {
        Store::ConsentRepository consents(m_context.db());
        QStringList scopes = pending->scopes;
        if (auto previous = consents.find(session.username, pending->clientId);
            previous && previous->has_value()) {
            if (auto granted = parseScope((*previous)->scope); granted) {
                for (const QString &scope : std::as_const(*granted)) {
                    if (!scopes.contains(scope))
                        scopes.append(scope);
                }
            }
        }
        if (auto remembered =
                consents.remember(session.username, pending->clientId, joinScope(scopes));
            !remembered)
            qCWarning(lcAuthServer)
                << "consent: cannot remember the decision:" << remembered.error().toString();
        else
            audit(QStringLiteral("consent.remembered"), session.username, pending->clientId,
                  {{QStringLiteral("scope"), joinScope(scopes)}}, request);
    }
    return issueCodeRedirect(m_context, *pending, session.username, kRedirectAfterPost, &request);
}

} // namespace

void installAuthorizeEndpoints(Context &context, Http::Router &router)
{
    auto endpoints = std::make_shared<AuthorizeEndpoints>(context);
    Http::RouteOptions authorizeOptions;
    authorizeOptions.bodyLimit = kMaxAuthorizeBytes;
    Http::RouteOptions pageOptions;
    pageOptions.bodyLimit = kMaxPageFormBytes;
    auto authorize = [endpoints](const Http::Request &r) { return endpoints->authorize(r); };
    router.handle("GET", Paths::Authorize, authorize);
    router.handle("POST", Paths::Authorize, authorize, authorizeOptions);
    router.handle(
        "POST", Paths::Login, [endpoints](const Http::Request &r) { return endpoints->login(r); },
        pageOptions);
    router.handle("GET", Paths::Consent,
                  [endpoints](const Http::Request &r) { return endpoints->showConsent(r); });
    router.handle(
        "POST", Paths::Consent,
        [endpoints](const Http::Request &r) { return endpoints->decideConsent(r); }, pageOptions);
}

} // namespace Auth
