// RFC 8628: POST /device_authorization (section 3.1-3.2) and the verification page /device
// (section 3.3), where a signed-in user enters or confirms the user code and approves or
// denies. The token endpoint's device_code grant polls the result (tokenendpoint.cpp).
#include "authserver/auditlog.h"
#include "authserver/authorizationserver.h"
#include "authserver/browsersession.h"
#include "authserver/clientrequest.h"
#include "authserver/clientresolver.h"
#include "authserver/context.h"
#include "authserver/deviceusercode.h"
#include "authserver/endpoints.h"
#include "authserver/htmlpage.h"
#include "authserver/oauth.h"
#include "crypto/random.h"
#include "http/router.h"
#include "store/database.h"
#include "store/devicecoderepository.h"
#include "store/errors.h"

namespace Auth {

namespace {

/// How many user codes to draw before giving up on collisions (20^8 codes: a collision is
/// already rare, several in a row mean something else is wrong).
constexpr int kUserCodeAttempts = 8;

// --- POST /device_authorization ----------------------------------------------------------

Http::Response handleDeviceAuthorization(Context &context, const Http::Request &request)
{
    const Config &config = context.config();
    if (auto limited =
            checkRateLimit(context, QStringLiteral("device:addr:") + clientAddress(request),
                           config.devicePerAddress))
        return *limited;
    const QString event = QStringLiteral("device_authorization.refused");
    auto accepted = acceptClientCall(context, request, Paths::DeviceAuthorization, event);
    if (auto *answer = std::get_if<Http::Response>(&accepted))
        return *answer;
    const auto &[form, client] = std::get<ClientCall>(accepted);
    const Store::Client &registered = client.client;
    auto refuse = [&](const Core::Error &error) {
        auditRefusal(context, request, event, registered.clientId, {}, error);
        return clientErrorResponse(request, error);
    };
    if (!clientHasGrant(registered, GrantType::DeviceCode))
        return refuse(Core::makeError(OAuthError::UnauthorizedClient,
                                      QStringLiteral("the client %1 is not registered for the "
                                                     "device authorization grant")
                                          .arg(registered.clientId)));
    auto scopes = resolveScope(config, registered, form.value(QStringLiteral("scope")));
    if (!scopes)
        return refuse(scopes.error());
    auto resource = resolveResource(config, form.values(QStringLiteral("resource")));
    if (!resource)
        return refuse(resource.error());

    const QByteArray deviceCode = QByteArrayLiteral("mdc_") + Crypto::randomToken(32);
    Store::DeviceCode row;
    row.deviceCode = Store::SecretHash::fromSecret(deviceCode);
    row.clientId = registered.clientId;
    row.scope = joinScope(*scopes);
    row.resource = *resource;
    row.intervalSeconds = config.devicePollInterval;
    row.expiresAt = context.now() + qint64(config.deviceCodeLifetime) * 1000;
    Store::DeviceCodeRepository devices(context.db());
    std::optional<Core::Result<Store::DeviceCode>> stored;
    for (int attempt = 0; attempt < kUserCodeAttempts; ++attempt) {
        row.userCode = DeviceUserCode::generate();
        stored = devices.insert(row);
        if (*stored || stored->error().code != Store::ErrorCode::AlreadyExists)
            break;
    }
    if (!*stored)
        return refuse(internalError(stored->error(), QStringLiteral("storing the device code "
                                                                    "failed")));

    const QString userCode = DeviceUserCode::display(row.userCode);
    const QString verificationUri = context.endpointUrl(QLatin1String(Paths::DeviceVerification));
    context.audit().record(QStringLiteral("device_authorization.issued"), registered.clientId,
                           registered.clientId, {},
                           {{QStringLiteral("device_code"), row.deviceCode.display()},
                            {QStringLiteral("user_code"), userCode},
                            {QStringLiteral("scope"), row.scope},
                            {QStringLiteral("resource"), row.resource}},
                           &request);
    return jsonNoStore(QJsonObject{
        {QStringLiteral("device_code"), QString::fromLatin1(deviceCode)},
        {QStringLiteral("user_code"), userCode},
        {QStringLiteral("verification_uri"), verificationUri},
        {QStringLiteral("verification_uri_complete"),
         QString(verificationUri + QStringLiteral("?user_code=") + userCode)},
        {QStringLiteral("expires_in"), config.deviceCodeLifetime},
        {QStringLiteral("interval"), config.devicePollInterval},
    });
}

// --- GET/POST /device -------------------------------------------------------------------

/// What the verification page shows besides the form.
struct PageState
{
    QString userCode; ///< as the user typed it (re-shown), or the display form
    QString error;
    std::optional<Store::DeviceCode> code; ///< a pending code to show the request of
};

Http::Response withCookie(Http::Response response, const BrowserSessions &sessions,
                          const std::optional<BrowserSession> &session)
{
    if (session)
        response.headers.add(QByteArrayLiteral("Set-Cookie"), sessions.setCookieValue(*session));
    return response;
}

Http::Response verificationPage(Context &context, const BrowserSession &session,
                                const PageState &state, int status)
{
    auto page = HtmlPage::load(QStringLiteral("device.html"));
    if (!page)
        return errorPage(500, QStringLiteral("Page unavailable"), page.error().message,
                         OAuthError::ServerError);
    page->setValue(QStringLiteral("action"), QLatin1String(Paths::DeviceVerification))
        .setValue(QStringLiteral("csrf"), QString::fromLatin1(session.csrfToken))
        .setValue(QStringLiteral("user_code"), state.userCode)
        .setValue(QStringLiteral("username"), session.username)
        .showSection(QStringLiteral("login"), !session.signedIn());
    if (!state.error.isEmpty())
        page->setSection(QStringLiteral("error"), {{{QStringLiteral("message"), state.error}}});
    if (state.code) {
        auto client = context.clients().resolve(state.code->clientId);
        const QString name =
            client && !client->name.isEmpty() ? client->name : state.code->clientId;
        page->setSection(QStringLiteral("request"),
                         {{{QStringLiteral("client_name"), name},
                           {QStringLiteral("client_id"), state.code->clientId},
                           {QStringLiteral("resource"), state.code->resource}}})
            .setSection(QStringLiteral("scopes"),
                        scopeRows(state.code->scope.split(QLatin1Char(' '), Qt::SkipEmptyParts)));
    }
    return page->response(status);
}

Http::Response donePage(int status, const QString &title, const QString &message)
{
    auto page = HtmlPage::load(QStringLiteral("device-done.html"));
    if (!page)
        return errorPage(500, QStringLiteral("Page unavailable"), page.error().message,
                         OAuthError::ServerError);
    page->setValue(QStringLiteral("title"), title).setValue(QStringLiteral("message"), message);
    return page->response(status);
}

/// Finds the pending device code the user typed; a message for the page when there is none.
Core::Result<Store::DeviceCode> pendingCode(Context &context, const QString &typed)
{
    const std::optional<QString> normalized = DeviceUserCode::normalize(typed);
    if (!normalized)
        return Core::makeError(OAuthError::InvalidRequest,
                               QStringLiteral("That is not a valid code. Codes have eight letters, "
                                              "like BCDF-GHJK."));
    auto code = Store::DeviceCodeRepository(context.db()).findByUserCode(*normalized);
    if (!code) {
        if (code.error().code == Store::ErrorCode::NotFound)
            return Core::makeError(OAuthError::InvalidRequest,
                                   QStringLiteral("No device is waiting for this code. Check the "
                                                  "code shown on your device."));
        return internalError(code.error(), QStringLiteral("The code could not be looked up"));
    }
    if (code->expiresAt <= context.now())
        return Core::makeError(OAuthError::ExpiredToken,
                               QStringLiteral("This code has expired. Start again on your "
                                              "device to get a new one."));
    if (code->status != Store::DeviceCodeStatus::Pending)
        return Core::makeError(OAuthError::InvalidRequest,
                               QStringLiteral("This code was already used."));
    return code;
}

/// Records the user's decision on a pending code.
Http::Response decide(Context &context, const Http::Request &request, const Store::DeviceCode &code,
                      const QString &username, bool approve)
{
    Store::DeviceCodeRepository devices(context.db());
    auto decided =
        approve ? devices.approve(code.userCode, username) : devices.deny(code.userCode, username);
    if (!decided) {
        const QString &reason = decided.error().code;
        if (reason == Store::ErrorCode::Expired)
            return donePage(400, QStringLiteral("Code expired"),
                            QStringLiteral("This code has expired. Start again on your device."));
        if (reason == Store::ErrorCode::InvalidState || reason == Store::ErrorCode::NotFound)
            return donePage(400, QStringLiteral("Code already used"),
                            QStringLiteral("This code was already approved or denied."));
        const Core::Error error =
            internalError(decided.error(), QStringLiteral("Recording your decision failed"));
        return errorPage(errorStatus(error.code), QStringLiteral("Something went wrong"),
                         error.message, error.code);
    }
    context.audit().record(approve ? QStringLiteral("device.approved")
                                   : QStringLiteral("device.denied"),
                           username, code.clientId, username,
                           {{QStringLiteral("user_code"), DeviceUserCode::display(code.userCode)},
                            {QStringLiteral("device_code"), code.deviceCode.display()},
                            {QStringLiteral("scope"), code.scope},
                            {QStringLiteral("resource"), code.resource}},
                           &request);
    if (approve)
        return donePage(200, QStringLiteral("Device connected"),
                        QStringLiteral("You approved the request. Your device can continue."));
    return donePage(200, QStringLiteral("Request denied"),
                    QStringLiteral("You denied the request. The device gets no access."));
}

Http::Response handleVerificationGet(Context &context, BrowserSessions &sessions,
                                     const Http::Request &request)
{
    bool created = false;
    const BrowserSession session = sessions.findOrCreate(request, &created);
    const std::optional<BrowserSession> cookie =
        created ? std::optional<BrowserSession>(session) : std::nullopt;
    PageState state;
    int status = 200;
    const std::optional<QString> typed = request.queryValue("user_code");
    if (typed && !typed->isEmpty()) {
        state.userCode = typed->left(32);
        auto code = pendingCode(context, *typed);
        if (!code) {
            state.error = code.error().message;
            status = 400;
        } else if (context.config().autoApprove) {
            auto demo = ensureDemoData(context);
            if (!demo)
                return errorPage(500, QStringLiteral("Something went wrong"),
                                 QStringLiteral("The demo user is unavailable"),
                                 OAuthError::ServerError);
            return withCookie(decide(context, request, *code, demo->username, true), sessions,
                              cookie);
        } else {
            state.userCode = DeviceUserCode::display(code->userCode);
            state.code = *code;
        }
    }
    return withCookie(verificationPage(context, session, state, status), sessions, cookie);
}

Http::Response handleVerificationPost(Context &context, BrowserSessions &sessions,
                                      const Http::Request &request)
{
    if (auto type = Http::checkFormContentType(request.headers.value("Content-Type")); !type)
        return errorPage(400, QStringLiteral("Bad request"), type.error().message,
                         OAuthError::InvalidRequest);
    auto form = Http::parseForm(request.body);
    if (!form)
        return errorPage(400, QStringLiteral("Bad request"), form.error().message,
                         OAuthError::InvalidRequest);
    auto existing = sessions.find(request);
    if (!existing) {
        // No session (expired, or cookies off): start over with a fresh form.
        bool created = false;
        const BrowserSession session = sessions.findOrCreate(request, &created);
        PageState state{form->value(QStringLiteral("user_code")).value_or(QString()).left(32),
                        QStringLiteral("Your session expired. Please submit the form again."),
                        std::nullopt};
        return withCookie(verificationPage(context, session, state, 400), sessions, session);
    }
    BrowserSession session = *existing;
    if (!session.csrfMatches(form->value(QStringLiteral("csrf_token")).value_or(QString())))
        return errorPage(403, QStringLiteral("Request refused"),
                         QStringLiteral("The form was not sent from this page (CSRF check "
                                        "failed). Reload the page and try again."),
                         OAuthError::AccessDenied);
    const QString typed = form->value(QStringLiteral("user_code")).value_or(QString());
    PageState state{typed.left(32), {}, std::nullopt};
    auto code = pendingCode(context, typed);
    if (!code) {
        state.error = code.error().message;
        return verificationPage(context, session, state, 400);
    }
    state.userCode = DeviceUserCode::display(code->userCode);
    state.code = *code;
    const QString decision = form->value(QStringLiteral("decision")).value_or(QString());
    if (decision != QLatin1String("approve") && decision != QLatin1String("deny")) {
        state.error = QStringLiteral("Choose Approve or Deny.");
        return verificationPage(context, session, state, 400);
    }

    std::optional<BrowserSession> renewed;
    if (!session.signedIn()) {
        const SignInResult signedIn = signInWithPassword(
            context, request, form->value(QStringLiteral("username")).value_or(QString()),
            form->value(QStringLiteral("password")).value_or(QString()));
        if (!signedIn.ok()) {
            state.error = signedIn.message;
            Http::Response page = verificationPage(context, session, state, signedIn.status());
            if (signedIn.outcome == SignInResult::Outcome::RateLimited)
                page.headers.set(QByteArrayLiteral("Retry-After"),
                                 QByteArray::number(qMax(1, signedIn.retryAfterSeconds)));
            return page;
        }
        renewed = sessions.signIn(session.id, signedIn.user.username);
        if (!renewed) {
            state.error = QStringLiteral("Your session expired. Please sign in again.");
            return verificationPage(context, session, state, 400);
        }
        session = *renewed;
    }
    return withCookie(
        decide(context, request, *code, session.username, decision == QLatin1String("approve")),
        sessions, renewed);
}

} // namespace

void installDeviceEndpoints(Context &context, Http::Router &router)
{
    router.handle(QByteArrayLiteral("POST"), QByteArray(Paths::DeviceAuthorization),
                  [&context](const Http::Request &request) {
                      return handleDeviceAuthorization(context, request);
                  });
    const std::shared_ptr<BrowserSessions> sessions = BrowserSessions::forContext(context);
    router.handle(QByteArrayLiteral("GET"), QByteArray(Paths::DeviceVerification),
                  [&context, sessions](const Http::Request &request) {
                      return handleVerificationGet(context, *sessions, request);
                  });
    router.handle(QByteArrayLiteral("POST"), QByteArray(Paths::DeviceVerification),
                  [&context, sessions](const Http::Request &request) {
                      return handleVerificationPost(context, *sessions, request);
                  });
}

} // namespace Auth
