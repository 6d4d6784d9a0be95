// /authorize, /login and /consent over loopback HTTP on SQLite and PostgreSQL: the real
// forms driven like a browser (cookie, CSRF token and form action read from the HTML), every
// refusal (page or redirect), deny, remembered consent, auto-approve, escaping, and what the
// stored authorization code holds.
#include <QRegularExpression>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTest>
#include <QUrlQuery>

#include "asfixture.h"
#include "authserver/context.h"
#include "authserver/passwords.h"
#include "crypto/pkce.h"
#include "store/auditrepository.h"
#include "store/authorizationcoderepository.h"
#include "store/database.h"
#include "store/userrepository.h"
#include "storebackends.h"

using TestSupport::AsFixture;

namespace {

const QString kClient = QStringLiteral("web-app");
const QString kRedirect = QStringLiteral("http://127.0.0.1:5173/callback");
const QString kVerifier = QStringLiteral("dBjftJeZ4CK-P1SIxpYxZ2oGkpQvLdwDqIeHSIXzbV_0123456789");
const QString kResource = QStringLiteral("http://127.0.0.1:9/mcp");
const QString kUser = QStringLiteral("alice");
const QString kPassword = QStringLiteral("correct horse battery staple");

using Params = QList<QPair<QString, QString>>;

using Browser = TestSupport::FormBrowser;

QString challenge()
{
    return QString::fromLatin1(Crypto::Pkce::s256Challenge(kVerifier.toLatin1()));
}

Params defaultParams()
{
    return {{QStringLiteral("response_type"), QStringLiteral("code")},
            {QStringLiteral("client_id"), kClient},
            {QStringLiteral("redirect_uri"), kRedirect},
            {QStringLiteral("code_challenge"), challenge()},
            {QStringLiteral("code_challenge_method"), QStringLiteral("S256")},
            {QStringLiteral("scope"), QStringLiteral("tasks:read tasks:write")},
            {QStringLiteral("state"), QStringLiteral("st-123")}};
}

/// `base` with the parameters named in `drop` removed and `add` appended.
Params edit(const QStringList &drop, const Params &add = {})
{
    Params out;
    for (const auto &p : defaultParams()) {
        if (!drop.contains(p.first))
            out.append(p);
    }
    out.append(add);
    return out;
}

QString authorizePath(const Params &params)
{
    Http::FormData form;
    for (const auto &[name, value] : params)
        form.append(name, value);
    return QStringLiteral("/authorize?") + QString::fromLatin1(Http::encodeForm(form));
}

QString htmlUnescape(QString s)
{
    s.replace(QLatin1String("&quot;"), QLatin1String("\""));
    s.replace(QLatin1String("&#39;"), QLatin1String("'"));
    s.replace(QLatin1String("&lt;"), QLatin1String("<"));
    s.replace(QLatin1String("&gt;"), QLatin1String(">"));
    s.replace(QLatin1String("&amp;"), QLatin1String("&"));
    return s;
}

/// The form of a page as a browser would submit it: action and hidden inputs.
struct PageForm
{
    QString action;
    Http::FormData hidden;
    [[nodiscard]] QString value(const QString &name) const
    {
        return hidden.value(name).value_or(QString());
    }
};

PageForm parseForm(const QByteArray &html)
{
    PageForm form;
    const QString text = QString::fromUtf8(html);
    static const QRegularExpression action(
        QStringLiteral("<form method=\"post\" action=\"([^\"]*)\">"));
    form.action = htmlUnescape(action.match(text).captured(1));
    static const QRegularExpression hidden(
        QStringLiteral("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\">"));
    for (auto it = hidden.globalMatch(text); it.hasNext();) {
        const auto m = it.next();
        form.hidden.append(m.captured(1), htmlUnescape(m.captured(2)));
    }
    return form;
}

QUrlQuery locationQuery(const Http::ClientResponse &response)
{
    return QUrlQuery(QUrl(QString::fromUtf8(response.headers.value("Location"))));
}

/// Status, Location and the page's message (or the start of the body) for failure output.
QString describe(const Http::ClientResponse &response)
{
    static const QRegularExpression alert(QStringLiteral("role=\"alert\">([^<]*)<"));
    const QString body = QString::fromUtf8(response.body);
    const auto m = alert.match(body);
    return QStringLiteral("status %1, Location %2, %3")
        .arg(response.status)
        .arg(QString::fromUtf8(response.headers.value("Location")),
             m.hasMatch() ? QStringLiteral("message: ") + m.captured(1) : body.left(300));
}

} // namespace

class TestAuthorize final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase_data() { TestSupport::StoreBackends::addBackendRows(); }
    void initTestCase();
    void cleanupTestCase();

    void fullFlowThroughTheForms();
    void postedAuthorizationRequest();
    void errorPages_data();
    void errorPages();
    void errorRedirects_data();
    void errorRedirects();
    void loopbackPortVariation();
    void singleRegisteredRedirectMayBeOmitted();
    void formProtection_data();
    void formProtection();
    void signInFailures_data();
    void signInFailures();
    void loginRateLimit();
    void denyRedirectsAccessDenied();
    void rememberedConsentSkipsThePage();
    void decisionIsSingleUse();
    void pendingRequestExpires();
    void autoApprove();
    void autoApproveStillValidates();
    void hostileValuesAreEscaped();

private:
    /// A server over a fresh store of this row's backend, with the client web-app and the
    /// user alice. The rows of one data-driven test function share one server (a fresh
    /// store per row would dominate the run time), so their checks count differences.
    bool start(Auth::Config config = testConfig());
    static Auth::Config testConfig();
    bool addUser(const QString &username, const QString &password, bool disabled = false);
    [[nodiscard]] qint64 codeCount() const;
    [[nodiscard]] qint64 auditCount(const QString &type) const;
    [[nodiscard]] QList<Store::AuditEvent> auditEvents() const;

    /// GET /authorize with `params` and return the response; keeps the cookie.
    Http::ClientResponse authorize(Browser &browser, const Params &params = defaultParams());
    /// Submits `page`'s form with its hidden fields plus `fields`.
    Http::ClientResponse submit(Browser &browser, const Http::ClientResponse &page,
                                const Params &fields);
    /// authorize -> login -> (303) consent page; the consent page response.
    Http::ClientResponse signInToConsent(Browser &browser, const Params &params = defaultParams());

    TestSupport::StoreBackends m_backends;
    std::unique_ptr<AsFixture> m_as;
    QString m_serverKey; ///< test function + backend the running server was started for
};

void TestAuthorize::initTestCase()
{
    const Core::Status started = m_backends.start();
    QVERIFY2(started.ok(), qPrintable(started.ok() ? QString() : started.error().toString()));
}

void TestAuthorize::cleanupTestCase()
{
    m_as.reset();
    m_backends.stop();
}

Auth::Config TestAuthorize::testConfig()
{
    Auth::Config config;
    config.loginPerAddress = {};
    return config;
}

bool TestAuthorize::start(Auth::Config config)
{
    QFETCH_GLOBAL(QString, backend);
    const QString key = QLatin1String(QTest::currentTestFunction()) + QLatin1Char('/') + backend;
    if (m_as && key == m_serverKey)
        return true;
    m_serverKey = key;
    m_as = std::make_unique<AsFixture>();
    Store::OpenOptions options;
    options.synchronous = Store::Synchronous::Normal;
    AsFixture *fixture = m_as.get();
    options.clock = [fixture] { return fixture->now(); };
    auto db = m_backends.freshDatabase(backend, options);
    if (!db) {
        qWarning("store: %s", qPrintable(db.error().toString()));
        return false;
    }
    if (auto s = m_as->start(*db, std::move(config)); !s) {
        qWarning("server: %s", qPrintable(s.error().toString()));
        return false;
    }
    auto client =
        m_as->createClient(kClient, {}, {kRedirect, QStringLiteral("https://app.example/cb")});
    if (!client) {
        qWarning("client: %s", qPrintable(client.error().toString()));
        return false;
    }
    return addUser(kUser, kPassword);
}

bool TestAuthorize::addUser(const QString &username, const QString &password, bool disabled)
{
    // scrypt is slow by design: hash each test password once.
    static QHash<QString, QString> hashes;
    if (!hashes.contains(password)) {
        auto hash = Auth::Passwords::hash(password.toUtf8());
        if (!hash)
            return false;
        hashes.insert(password, *hash);
    }
    const auto hash = hashes.find(password);
    if (Store::UserRepository(m_as->db()).get(username).ok())
        return true; // a shared server of an earlier row
    Store::User user;
    user.username = username;
    user.passwordHash = *hash;
    user.disabled = disabled;
    auto created = Store::UserRepository(m_as->db()).create(user);
    if (!created)
        qWarning("user: %s", qPrintable(created.error().toString()));
    return created.ok();
}

qint64 TestAuthorize::codeCount() const
{
    QSqlQuery query(m_as->db()->connection());
    if (!query.exec(QStringLiteral("SELECT COUNT(*) FROM authorization_codes")) || !query.next())
        return -1;
    return query.value(0).toLongLong();
}

QList<Store::AuditEvent> TestAuthorize::auditEvents() const
{
    Store::AuditFilter filter;
    filter.limit = 10000;
    return Store::AuditRepository(m_as->db()).list(filter).valueOr({});
}

qint64 TestAuthorize::auditCount(const QString &type) const
{
    const auto events = auditEvents();
    return std::count_if(events.cbegin(), events.cend(),
                         [&](const Store::AuditEvent &e) { return e.type == type; });
}

Http::ClientResponse TestAuthorize::authorize(Browser &browser, const Params &params)
{
    auto response = m_as->get(authorizePath(params), browser.headers());
    browser.take(response);
    return response;
}

Http::ClientResponse TestAuthorize::submit(Browser &browser, const Http::ClientResponse &page,
                                           const Params &fields)
{
    const PageForm form = parseForm(page.body);
    Http::FormData data = form.hidden;
    for (const auto &[name, value] : fields)
        data.append(name, value);
    auto response = m_as->postForm(form.action, data, browser.headers());
    browser.take(response);
    return response;
}

Http::ClientResponse TestAuthorize::signInToConsent(Browser &browser, const Params &params)
{
    const auto loginPage = authorize(browser, params);
    if (loginPage.status != 200)
        return loginPage;
    const auto signedIn =
        submit(browser, loginPage,
               {{QStringLiteral("username"), kUser}, {QStringLiteral("password"), kPassword}});
    if (signedIn.status != 303)
        return signedIn;
    auto consent =
        m_as->get(QString::fromUtf8(signedIn.headers.value("Location")), browser.headers());
    browser.take(consent);
    return consent;
}

void TestAuthorize::fullFlowThroughTheForms()
{
    QVERIFY(start());
    Browser browser;
    const auto loginPage = authorize(browser);
    QVERIFY2(loginPage.status == 200, qPrintable(describe(loginPage)));
    QCOMPARE(loginPage.contentType(), QByteArray("text/html"));
    QCOMPARE(loginPage.headers.value("Content-Type"), QByteArray("text/html; charset=utf-8"));
    QCOMPARE(loginPage.headers.value("X-Frame-Options"), QByteArray("DENY"));
    QCOMPARE(loginPage.headers.value("Cache-Control"), QByteArray("no-store"));
    QCOMPARE(loginPage.headers.value("Referrer-Policy"), QByteArray("no-referrer"));
    const QByteArray csp = loginPage.headers.value("Content-Security-Policy");
    QVERIFY2(csp.contains("frame-ancestors 'none'"), csp.constData());
    QVERIFY2(csp.contains("default-src 'none'"), csp.constData());
    QVERIFY2(csp.contains("form-action 'self' http://127.0.0.1:5173;"), csp.constData());
    const QByteArray setCookie = loginPage.headers.value("Set-Cookie");
    QVERIFY2(setCookie.startsWith("mcpauth_session="), setCookie.constData());
    QVERIFY(setCookie.contains("; HttpOnly"));
    QVERIFY(setCookie.contains("; SameSite=Lax"));
    QVERIFY(setCookie.contains("; Path=/"));
    QVERIFY(!setCookie.contains("Secure")); // the issuer is plain http on loopback
    const PageForm login = parseForm(loginPage.body);
    QCOMPARE(login.action, m_as->issuer() + QStringLiteral("/login"));
    QCOMPARE(login.value(QStringLiteral("csrf_token")).size(), 43);
    QVERIFY(!login.value(QStringLiteral("request")).isEmpty());
    // The request waits server side: nothing of it is in the page's form.
    QVERIFY(!loginPage.body.contains("st-123"));
    QVERIFY(!loginPage.body.contains(challenge().toLatin1()));

    const QByteArray anonymousCookie = browser.cookie;
    const auto signedIn =
        submit(browser, loginPage,
               {{QStringLiteral("username"), kUser}, {QStringLiteral("password"), kPassword}});
    QVERIFY2(signedIn.status == 303, qPrintable(describe(signedIn)));
    QVERIFY(signedIn.headers.value("Location")
                .startsWith((m_as->issuer() + QStringLiteral("/consent?request=")).toUtf8()));
    QVERIFY2(browser.cookie != anonymousCookie, "the session id changes at sign-in");
    QCOMPARE(auditCount(QStringLiteral("login.succeeded")), 1);

    const auto consentPage =
        m_as->get(QString::fromUtf8(signedIn.headers.value("Location")), browser.headers());
    QVERIFY2(consentPage.status == 200, qPrintable(describe(consentPage)));
    QVERIFY(consentPage.body.contains("<code>127.0.0.1:5173</code>"));
    QVERIFY(consentPage.body.contains("Read your tasks"));
    QVERIFY(consentPage.body.contains("Create and change your tasks"));
    QVERIFY(consentPage.body.contains(kResource.toUtf8()));
    QVERIFY(consentPage.body.contains(kClient.toUtf8()));
    QVERIFY(consentPage.body.contains("Signed in as <strong>alice</strong>"));
    QVERIFY(consentPage.headers.value("Content-Security-Policy").contains("http://127.0.0.1:5173"));
    // The old anonymous cookie no longer opens the request.
    Http::Headers stale;
    stale.set(QByteArrayLiteral("Cookie"), anonymousCookie);
    QCOMPARE(m_as->get(QString::fromUtf8(signedIn.headers.value("Location")), stale).status, 400);

    const qint64 before = m_as->now();
    const auto approved =
        submit(browser, consentPage, {{QStringLiteral("decision"), QStringLiteral("approve")}});
    QVERIFY2(approved.status == 303, qPrintable(describe(approved)));
    const QString location = QString::fromUtf8(approved.headers.value("Location"));
    QVERIFY2(location.startsWith(kRedirect + QLatin1Char('?')), qPrintable(location));
    const QUrlQuery query = locationQuery(approved);
    const QString code = query.queryItemValue(QStringLiteral("code"));
    QVERIFY2(code.startsWith(QStringLiteral("mac_")) && code.size() == 47, qPrintable(code));
    QCOMPARE(query.queryItemValue(QStringLiteral("state")), QStringLiteral("st-123"));
    QCOMPARE(query.queryItemValue(QStringLiteral("iss"), QUrl::FullyDecoded), m_as->issuer());
    QVERIFY(!query.hasQueryItem(QStringLiteral("error")));

    auto row = Store::AuthorizationCodeRepository(m_as->db())
                   .findByHash(Store::SecretHash::fromSecret(code.toUtf8()));
    QVERIFY2(row.ok(), qPrintable(row.ok() ? QString() : row.error().toString()));
    QCOMPARE(row->clientId, kClient);
    QCOMPARE(row->subject, kUser);
    QCOMPARE(row->redirectUri, kRedirect);
    QCOMPARE(row->scope, QStringLiteral("tasks:read tasks:write"));
    QCOMPARE(row->resource, kResource);
    QCOMPARE(row->codeChallenge, challenge());
    QCOMPARE(row->codeChallengeMethod, QStringLiteral("S256"));
    QVERIFY(!row->usedAt);
    QVERIFY(row->expiresAt >= before + 60000 && row->expiresAt <= m_as->now() + 60000);
    // Only the hash is stored: the clear code appears in no column.
    QSqlQuery raw(m_as->db()->connection());
    QVERIFY(raw.exec(QStringLiteral("SELECT * FROM authorization_codes")));
    int rows = 0;
    while (raw.next()) {
        ++rows;
        for (int i = 0; i < raw.record().count(); ++i)
            QVERIFY(!raw.value(i).toString().contains(code.mid(4)));
    }
    QCOMPARE(rows, 1);
    QCOMPARE(auditCount(QStringLiteral("authorization_code.issued")), 1);
    for (const auto &event : auditEvents()) {
        const QByteArray detail = QJsonDocument(event.detail).toJson();
        QVERIFY(!detail.contains(code.mid(4).toUtf8()));
        QVERIFY(!detail.contains(kPassword.toUtf8()));
    }
}

void TestAuthorize::postedAuthorizationRequest()
{
    QVERIFY(start());
    Http::FormData form;
    for (const auto &[name, value] : defaultParams())
        form.append(name, value);
    const auto page = m_as->postForm(QStringLiteral("/authorize"), form);
    QVERIFY2(page.status == 200, qPrintable(describe(page)));
    QVERIFY(page.body.contains("name=\"password\""));

    // Errors after a POST redirect with 303.
    Http::FormData bad = form;
    bad.append(QStringLiteral("response_mode"), QStringLiteral("fragment"));
    const auto refused = m_as->postForm(QStringLiteral("/authorize"), bad);
    QCOMPARE(refused.status, 303);
    QCOMPARE(locationQuery(refused).queryItemValue(QStringLiteral("error")),
             QStringLiteral("invalid_request"));

    Http::Headers json;
    json.set(QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json"));
    const auto wrongType = m_as->postForm(QStringLiteral("/authorize"), form, json);
    QCOMPARE(wrongType.status, 400);
    QVERIFY(!wrongType.headers.contains("Location"));
}

void TestAuthorize::errorPages_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("mentions");
    const QString other = QStringLiteral("http://127.0.0.1:5173/other");
    QTest::newRow("unknown client")
        << authorizePath(edit({QStringLiteral("client_id")},
                              {{QStringLiteral("client_id"), QStringLiteral("nobody")}}))
        << QStringLiteral("not known");
    QTest::newRow("missing client_id")
        << authorizePath(edit({QStringLiteral("client_id")})) << QStringLiteral("client_id");
    QTest::newRow("empty client_id")
        << authorizePath(edit({QStringLiteral("client_id")}, {{QStringLiteral("client_id"), {}}}))
        << QStringLiteral("client_id");
    QTest::newRow("repeated client_id")
        << authorizePath(edit({}, {{QStringLiteral("client_id"), kClient}}))
        << QStringLiteral("more than once");
    QTest::newRow("repeated redirect_uri")
        << authorizePath(edit({}, {{QStringLiteral("redirect_uri"), kRedirect}}))
        << QStringLiteral("more than once");
    QTest::newRow("unregistered redirect")
        << authorizePath(
               edit({QStringLiteral("redirect_uri")}, {{QStringLiteral("redirect_uri"), other}}))
        << QStringLiteral("not registered");
    QTest::newRow("redirect on another host")
        << authorizePath(edit(
               {QStringLiteral("redirect_uri")},
               {{QStringLiteral("redirect_uri"), QStringLiteral("https://evil.example/callback")}}))
        << QStringLiteral("not registered");
    QTest::newRow("registered https with another port")
        << authorizePath(edit(
               {QStringLiteral("redirect_uri")},
               {{QStringLiteral("redirect_uri"), QStringLiteral("https://app.example:444/cb")}}))
        << QStringLiteral("not registered");
    QTest::newRow("redirect with extra query")
        << authorizePath(
               edit({QStringLiteral("redirect_uri")},
                    {{QStringLiteral("redirect_uri"), kRedirect + QStringLiteral("?x=1")}}))
        << QStringLiteral("not registered");
    QTest::newRow("javascript redirect")
        << authorizePath(
               edit({QStringLiteral("redirect_uri")},
                    {{QStringLiteral("redirect_uri"), QStringLiteral("javascript:alert(1)")}}))
        << QStringLiteral("redirect_uri");
    QTest::newRow("redirect with fragment")
        << authorizePath(edit({QStringLiteral("redirect_uri")},
                              {{QStringLiteral("redirect_uri"), kRedirect + QStringLiteral("#f")}}))
        << QStringLiteral("redirect_uri");
    QTest::newRow("redirect omitted with two registered")
        << authorizePath(edit({QStringLiteral("redirect_uri")})) << QStringLiteral("required");
    // (A malformed escape such as %zz cannot be sent: QUrl in the client re-encodes it.)
    QTest::newRow("escape that is not UTF-8")
        << (authorizePath(defaultParams()) + QStringLiteral("&x=%FF"))
        << QStringLiteral("malformed");
    QTest::newRow("oversized request")
        << authorizePath(edit({}, {{QStringLiteral("junk"), QString(9000, QLatin1Char('a'))}}))
        << QStringLiteral("malformed");
}

void TestAuthorize::errorPages()
{
    QFETCH(QString, path);
    QFETCH(QString, mentions);
    QVERIFY(start());
    const qint64 codesBefore = codeCount();
    const auto response = m_as->get(path);
    QVERIFY2(response.status == 400, qPrintable(describe(response)));
    QVERIFY2(!response.headers.contains("Location"), "never a redirect (no open redirector)");
    QCOMPARE(response.contentType(), QByteArray("text/html"));
    QCOMPARE(response.headers.value("X-Frame-Options"), QByteArray("DENY"));
    QVERIFY2(response.body.contains(mentions.toUtf8()), qPrintable(describe(response)));
    QVERIFY(!response.headers.contains("Set-Cookie"));
    QCOMPARE(codeCount(), codesBefore);
}

void TestAuthorize::errorRedirects_data()
{
    QTest::addColumn<Params>("params");
    QTest::addColumn<QString>("error");
    QTest::addColumn<bool>("stateEchoed");
    const auto set = [](const QString &name, const QString &value) {
        return edit({name}, {{name, value}});
    };
    QTest::newRow("unsupported response_type")
        << set(QStringLiteral("response_type"), QStringLiteral("token"))
        << QStringLiteral("unsupported_response_type") << true;
    QTest::newRow("hybrid response_type")
        << set(QStringLiteral("response_type"), QStringLiteral("code id_token"))
        << QStringLiteral("unsupported_response_type") << true;
    QTest::newRow("missing response_type")
        << edit({QStringLiteral("response_type")}) << QStringLiteral("invalid_request") << true;
    QTest::newRow("missing code_challenge")
        << edit({QStringLiteral("code_challenge")}) << QStringLiteral("invalid_request") << true;
    QTest::newRow("missing method means plain, refused")
        << edit({QStringLiteral("code_challenge_method")}) << QStringLiteral("invalid_request")
        << true;
    QTest::newRow("plain refused")
        << set(QStringLiteral("code_challenge_method"), QStringLiteral("plain"))
        << QStringLiteral("invalid_request") << true;
    QTest::newRow("unknown method")
        << set(QStringLiteral("code_challenge_method"), QStringLiteral("S512"))
        << QStringLiteral("invalid_request") << true;
    QTest::newRow("challenge too short")
        << set(QStringLiteral("code_challenge"), challenge().left(42))
        << QStringLiteral("invalid_request") << true;
    QTest::newRow("challenge too long")
        << set(QStringLiteral("code_challenge"), challenge() + QStringLiteral("A"))
        << QStringLiteral("invalid_request") << true;
    QTest::newRow("challenge bad characters")
        << set(QStringLiteral("code_challenge"), challenge().left(42) + QStringLiteral("="))
        << QStringLiteral("invalid_request") << true;
    QTest::newRow("challenge trailing newline")
        << set(QStringLiteral("code_challenge"), challenge().left(42) + QStringLiteral("\n"))
        << QStringLiteral("invalid_request") << true;
    QTest::newRow("unknown scope") << set(QStringLiteral("scope"), QStringLiteral("admin"))
                                   << QStringLiteral("invalid_scope") << true;
    QTest::newRow("scope with bad character")
        << set(QStringLiteral("scope"), QStringLiteral("tasks:read \"x\""))
        << QStringLiteral("invalid_scope") << true;
    QTest::newRow("relative resource")
        << edit({}, {{QStringLiteral("resource"), QStringLiteral("/mcp")}})
        << QStringLiteral("invalid_target") << true;
    QTest::newRow("resource with fragment")
        << edit({}, {{QStringLiteral("resource"), kResource + QStringLiteral("#x")}})
        << QStringLiteral("invalid_target") << true;
    QTest::newRow("ftp resource") << edit({}, {{QStringLiteral("resource"),
                                                QStringLiteral("ftp://127.0.0.1/mcp")}})
                                  << QStringLiteral("invalid_target") << true;
    QTest::newRow("two resources")
        << edit({}, {{QStringLiteral("resource"), kResource},
                     {QStringLiteral("resource"), QStringLiteral("https://other.example/mcp")}})
        << QStringLiteral("invalid_target") << true;
    QTest::newRow("repeated scope")
        << edit({}, {{QStringLiteral("scope"), QStringLiteral("tasks:read")}})
        << QStringLiteral("invalid_request") << true;
    QTest::newRow("repeated code_challenge")
        << edit({}, {{QStringLiteral("code_challenge"), challenge()}})
        << QStringLiteral("invalid_request") << true;
    QTest::newRow("repeated state is not echoed")
        << edit({}, {{QStringLiteral("state"), QStringLiteral("other")}})
        << QStringLiteral("invalid_request") << false;
    QTest::newRow("response_mode fragment")
        << edit({}, {{QStringLiteral("response_mode"), QStringLiteral("fragment")}})
        << QStringLiteral("invalid_request") << true;
    QTest::newRow("request object")
        << edit({}, {{QStringLiteral("request"), QStringLiteral("eyJhbGciOiJub25lIn0.e30.")}})
        << QStringLiteral("request_not_supported") << true;
}

void TestAuthorize::errorRedirects()
{
    QFETCH(Params, params);
    QFETCH(QString, error);
    QFETCH(bool, stateEchoed);
    QVERIFY(start());
    const qint64 codesBefore = codeCount();
    const qint64 refusedBefore = auditCount(QStringLiteral("authorization.refused"));
    const auto response = m_as->get(authorizePath(params));
    QVERIFY2(response.status == 302, qPrintable(describe(response)));
    QVERIFY(response.headers.value("Location").startsWith((kRedirect + QLatin1Char('?')).toUtf8()));
    QCOMPARE(response.headers.value("Cache-Control"), QByteArray("no-store"));
    const QUrlQuery query = locationQuery(response);
    QCOMPARE(query.queryItemValue(QStringLiteral("error")), error);
    QVERIFY(!query.queryItemValue(QStringLiteral("error_description")).isEmpty());
    QCOMPARE(query.queryItemValue(QStringLiteral("iss"), QUrl::FullyDecoded), m_as->issuer());
    QCOMPARE(query.hasQueryItem(QStringLiteral("state")), stateEchoed);
    if (stateEchoed)
        QCOMPARE(query.queryItemValue(QStringLiteral("state")), QStringLiteral("st-123"));
    QVERIFY(!query.hasQueryItem(QStringLiteral("code")));
    QCOMPARE(codeCount(), codesBefore);
    QCOMPARE(auditCount(QStringLiteral("authorization.refused")), refusedBefore + 1);
}

void TestAuthorize::loopbackPortVariation()
{
    QVERIFY(start());
    const QString otherPort = QStringLiteral("http://127.0.0.1:49152/callback");
    Browser browser;
    const auto page = signInToConsent(browser, edit({QStringLiteral("redirect_uri")},
                                                    {{QStringLiteral("redirect_uri"), otherPort}}));
    QVERIFY2(page.status == 200, qPrintable(describe(page)));
    QVERIFY(page.headers.value("Content-Security-Policy").contains("http://127.0.0.1:49152"));
    const auto approved =
        submit(browser, page, {{QStringLiteral("decision"), QStringLiteral("approve")}});
    QVERIFY2(approved.headers.value("Location").startsWith((otherPort + QLatin1Char('?')).toUtf8()),
             qPrintable(describe(approved)));
    auto row = Store::AuthorizationCodeRepository(m_as->db())
                   .findByHash(Store::SecretHash::fromSecret(
                       locationQuery(approved).queryItemValue(QStringLiteral("code")).toUtf8()));
    QVERIFY(row.ok());
    QCOMPARE(row->redirectUri, otherPort); // the token request must repeat this exact URI
}

void TestAuthorize::singleRegisteredRedirectMayBeOmitted()
{
    QVERIFY(start());
    QVERIFY(m_as->createClient(QStringLiteral("one-uri"), {}, {kRedirect}).ok());
    Browser browser;
    const auto page =
        signInToConsent(browser, edit({QStringLiteral("redirect_uri"), QStringLiteral("client_id")},
                                      {{QStringLiteral("client_id"), QStringLiteral("one-uri")}}));
    QVERIFY2(page.status == 200, qPrintable(describe(page)));
    const auto approved =
        submit(browser, page, {{QStringLiteral("decision"), QStringLiteral("approve")}});
    QVERIFY(approved.headers.value("Location").startsWith((kRedirect + QLatin1Char('?')).toUtf8()));
}

void TestAuthorize::formProtection_data()
{
    QTest::addColumn<QString>("form");      // login | consent
    QTest::addColumn<QString>("tampering"); // missing | wrong | no_cookie | other_session
    for (const QString &form : {QStringLiteral("login"), QStringLiteral("consent")}) {
        for (const QString &t : {QStringLiteral("missing"), QStringLiteral("wrong"),
                                 QStringLiteral("no_cookie"), QStringLiteral("other_session")})
            QTest::newRow(qPrintable(form + QLatin1Char(' ') + t)) << form << t;
    }
}

void TestAuthorize::formProtection()
{
    QFETCH(QString, form);
    QFETCH(QString, tampering);
    QVERIFY(start());
    const qint64 codesBefore = codeCount();
    const qint64 rejectedBefore = auditCount(QStringLiteral("csrf.rejected"));
    const qint64 signedInBefore = auditCount(QStringLiteral("login.succeeded"));
    Browser browser;
    const auto page =
        form == QLatin1String("login") ? authorize(browser) : signInToConsent(browser);
    QVERIFY2(page.status == 200, qPrintable(describe(page)));
    PageForm parsed = parseForm(page.body);
    Http::FormData data;
    for (const auto &[name, value] : parsed.hidden.entries()) {
        if (name != QLatin1String("csrf_token"))
            data.append(name, value);
    }
    if (tampering == QLatin1String("wrong"))
        data.append(QStringLiteral("csrf_token"),
                    parsed.value(QStringLiteral("csrf_token")).left(42) + QStringLiteral("x"));
    else if (tampering != QLatin1String("missing"))
        data.append(QStringLiteral("csrf_token"), parsed.value(QStringLiteral("csrf_token")));
    data.append(QStringLiteral("username"), kUser);
    data.append(QStringLiteral("password"), kPassword);
    data.append(QStringLiteral("decision"), QStringLiteral("approve"));
    Browser sender = browser;
    if (tampering == QLatin1String("no_cookie"))
        sender.cookie.clear();
    if (tampering == QLatin1String("other_session")) {
        Browser other;
        QCOMPARE(authorize(other).status, 200);
        sender = other; // the victim's token with the attacker's own session
    }
    const auto response = m_as->postForm(parsed.action, data, sender.headers());
    QVERIFY2(response.status == 403, qPrintable(describe(response)));
    QVERIFY(!response.headers.contains("Location"));
    QCOMPARE(response.contentType(), QByteArray("text/html"));
    QCOMPARE(codeCount(), codesBefore);
    QCOMPARE(auditCount(QStringLiteral("login.succeeded")),
             signedInBefore + (form == QLatin1String("login") ? 0 : 1));
    QCOMPARE(auditCount(QStringLiteral("csrf.rejected")), rejectedBefore + 1);
}

void TestAuthorize::signInFailures_data()
{
    QTest::addColumn<QString>("username");
    QTest::addColumn<QString>("password");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<QString>("message");
    QTest::newRow("wrong password")
        << kUser << QStringLiteral("nope") << 401 << QStringLiteral("wrong_password")
        << QStringLiteral("Wrong username or password.");
    QTest::newRow("unknown user") << QStringLiteral("mallory") << kPassword << 401
                                  << QStringLiteral("unknown_user")
                                  << QStringLiteral("Wrong username or password.");
    QTest::newRow("empty username")
        << QString() << kPassword << 401 << QStringLiteral("unknown_user")
        << QStringLiteral("Wrong username or password.");
    QTest::newRow("password with trailing newline")
        << kUser << (kPassword + QLatin1Char('\n')) << 401 << QStringLiteral("wrong_password")
        << QStringLiteral("Wrong username or password.");
    QTest::newRow("disabled user") << QStringLiteral("bob") << kPassword << 403
                                   << QStringLiteral("disabled") << QStringLiteral("disabled");
}

void TestAuthorize::signInFailures()
{
    QFETCH(QString, username);
    QFETCH(QString, password);
    QFETCH(int, status);
    QFETCH(QString, reason);
    QFETCH(QString, message);
    QVERIFY(start());
    QVERIFY(addUser(QStringLiteral("bob"), kPassword, true));
    const qint64 codesBefore = codeCount();
    const qint64 failedBefore = auditCount(QStringLiteral("login.failed"));
    const qint64 signedInBefore = auditCount(QStringLiteral("login.succeeded"));
    const auto earlier = auditEvents();
    const qint64 lastEventBefore = earlier.isEmpty() ? 0 : earlier.last().id;
    Browser browser;
    const auto page = authorize(browser);
    const QByteArray cookie = browser.cookie;
    const auto response =
        submit(browser, page,
               {{QStringLiteral("username"), username}, {QStringLiteral("password"), password}});
    QVERIFY2(response.status == status, qPrintable(describe(response)));
    QVERIFY(!response.headers.contains("Location"));
    QVERIFY2(response.body.contains(message.toUtf8()), qPrintable(describe(response)));
    QCOMPARE(browser.cookie, cookie); // still anonymous
    // The page offers the form again, with the username kept and the password not.
    const PageForm again = parseForm(response.body);
    QCOMPARE(again.value(QStringLiteral("request")),
             parseForm(page.body).value(QStringLiteral("request")));
    if (!password.isEmpty())
        QVERIFY(!response.body.contains(password.trimmed().toUtf8()));
    QCOMPARE(auditCount(QStringLiteral("login.failed")), failedBefore + 1);
    QCOMPARE(auditCount(QStringLiteral("login.succeeded")), signedInBefore);
    const auto events = auditEvents();
    for (const auto &event : events) {
        if (event.type == QLatin1String("login.failed") && event.id > lastEventBefore)
            QCOMPARE(event.detail.value(QStringLiteral("reason")).toString(), reason);
        QVERIFY(!QJsonDocument(event.detail).toJson().contains(kPassword.toUtf8()));
    }
    QCOMPARE(codeCount(), codesBefore);
}

void TestAuthorize::loginRateLimit()
{
    Auth::Config config = testConfig();
    config.loginPerAddress = {3, 60};
    QVERIFY(start(config));
    Browser browser;
    const auto page = authorize(browser);
    for (int i = 0; i < 3; ++i) {
        const auto wrong = submit(browser, page,
                                  {{QStringLiteral("username"), kUser},
                                   {QStringLiteral("password"), QStringLiteral("guess")}});
        QCOMPARE(wrong.status, 401);
    }
    // Even the right password is refused while the address is over its limit.
    const auto limited =
        submit(browser, page,
               {{QStringLiteral("username"), kUser}, {QStringLiteral("password"), kPassword}});
    QVERIFY2(limited.status == 429, qPrintable(describe(limited)));
    const int retryAfter = limited.headers.value("Retry-After").toInt();
    QVERIFY2(retryAfter > 0 && retryAfter <= 120, // a sliding window: two at most
             limited.headers.value("Retry-After").constData());
    QCOMPARE(limited.contentType(), QByteArray("text/html"));
    QVERIFY(limited.body.contains("Too many sign-in attempts"));
    QCOMPARE(auditCount(QStringLiteral("login.succeeded")), 0);

    // Two windows later the address may sign in again (the pending request lives 10 min).
    m_as->advance(121 * 1000);
    const auto after =
        submit(browser, page,
               {{QStringLiteral("username"), kUser}, {QStringLiteral("password"), kPassword}});
    QVERIFY2(after.status == 303, qPrintable(describe(after)));
}

void TestAuthorize::denyRedirectsAccessDenied()
{
    QVERIFY(start());
    Browser browser;
    const auto page = signInToConsent(browser);
    QVERIFY2(page.status == 200, qPrintable(describe(page)));
    const auto denied = submit(browser, page,
                               {{QStringLiteral("decision"), QStringLiteral("deny")},
                                {QStringLiteral("remember"), QStringLiteral("1")}});
    QVERIFY2(denied.status == 303, qPrintable(describe(denied)));
    const QUrlQuery query = locationQuery(denied);
    QCOMPARE(query.queryItemValue(QStringLiteral("error")), QStringLiteral("access_denied"));
    QCOMPARE(query.queryItemValue(QStringLiteral("state")), QStringLiteral("st-123"));
    QCOMPARE(query.queryItemValue(QStringLiteral("iss"), QUrl::FullyDecoded), m_as->issuer());
    QVERIFY(!query.hasQueryItem(QStringLiteral("code")));
    QCOMPARE(codeCount(), 0);
    QCOMPARE(auditCount(QStringLiteral("authorization.denied")), 1);
    // A denial is never remembered.
    auto consent = Store::ConsentRepository(m_as->db()).find(kUser, kClient);
    QVERIFY(consent.ok());
    QVERIFY(!consent->has_value());
}

void TestAuthorize::rememberedConsentSkipsThePage()
{
    QVERIFY(start());
    Browser browser;
    const auto page = signInToConsent(browser);
    QVERIFY2(page.status == 200, qPrintable(describe(page)));
    const auto approved = submit(browser, page,
                                 {{QStringLiteral("decision"), QStringLiteral("approve")},
                                  {QStringLiteral("remember"), QStringLiteral("1")}});
    QCOMPARE(approved.status, 303);
    auto consent = Store::ConsentRepository(m_as->db()).find(kUser, kClient);
    QVERIFY(consent.ok() && consent->has_value());
    QCOMPARE((*consent)->scope, QStringLiteral("tasks:read tasks:write"));

    // Same browser, a subset of the scopes: straight back to the client with a code.
    const auto again =
        authorize(browser, edit({QStringLiteral("scope"), QStringLiteral("state")},
                                {{QStringLiteral("scope"), QStringLiteral("tasks:read")},
                                 {QStringLiteral("state"), QStringLiteral("s2")}}));
    QVERIFY2(again.status == 302, qPrintable(describe(again)));
    QCOMPARE(locationQuery(again).queryItemValue(QStringLiteral("state")), QStringLiteral("s2"));
    QVERIFY(locationQuery(again)
                .queryItemValue(QStringLiteral("code"))
                .startsWith(QStringLiteral("mac_")));
    QCOMPARE(codeCount(), 2);
    QCOMPARE(auditCount(QStringLiteral("consent.reused")), 1);

    // A new browser signs in, and the remembered consent answers the login directly.
    Browser second;
    const auto loginPage = authorize(second);
    const auto signedIn =
        submit(second, loginPage,
               {{QStringLiteral("username"), kUser}, {QStringLiteral("password"), kPassword}});
    QCOMPARE(signedIn.status, 303);
    QVERIFY(signedIn.headers.value("Location").startsWith((kRedirect + QLatin1Char('?')).toUtf8()));
    QVERIFY(locationQuery(signedIn).hasQueryItem(QStringLiteral("code")));

    // More scopes than remembered: the consent page again.
    const auto broader = authorize(
        browser, edit({QStringLiteral("scope")},
                      {{QStringLiteral("scope"), QStringLiteral("tasks:read tasks:delete")}}));
    QVERIFY2(broader.status == 200, qPrintable(describe(broader)));
    QVERIFY(broader.body.contains("Delete your tasks"));
    QCOMPARE(codeCount(), 3);
}

void TestAuthorize::decisionIsSingleUse()
{
    QVERIFY(start());
    Browser browser;
    const auto page = signInToConsent(browser);
    QCOMPARE(
        submit(browser, page, {{QStringLiteral("decision"), QStringLiteral("approve")}}).status,
        303);
    const auto replay =
        submit(browser, page, {{QStringLiteral("decision"), QStringLiteral("approve")}});
    QVERIFY2(replay.status == 400, qPrintable(describe(replay)));
    QVERIFY(!replay.headers.contains("Location"));
    const auto bogus =
        submit(browser, page, {{QStringLiteral("decision"), QStringLiteral("maybe")}});
    QCOMPARE(bogus.status, 400);
    QCOMPARE(codeCount(), 1);
}

void TestAuthorize::pendingRequestExpires()
{
    QVERIFY(start());
    Browser browser;
    const auto page = authorize(browser);
    QCOMPARE(page.status, 200);
    m_as->advance(11 * 60 * 1000);
    const auto late =
        submit(browser, page,
               {{QStringLiteral("username"), kUser}, {QStringLiteral("password"), kPassword}});
    QVERIFY2(late.status == 400 || late.status == 403, qPrintable(describe(late)));
    QVERIFY(!late.headers.contains("Location"));
    QCOMPARE(auditCount(QStringLiteral("login.succeeded")), 0);
}

void TestAuthorize::autoApprove()
{
    Auth::Config config = testConfig();
    config.autoApprove = true;
    QVERIFY(start(config));
    const auto response = m_as->get(authorizePath(defaultParams()));
    QVERIFY2(response.status == 302, qPrintable(describe(response)));
    QVERIFY(!response.headers.contains("Set-Cookie"));
    const QUrlQuery query = locationQuery(response);
    const QString code = query.queryItemValue(QStringLiteral("code"));
    QVERIFY(code.startsWith(QStringLiteral("mac_")));
    QCOMPARE(query.queryItemValue(QStringLiteral("state")), QStringLiteral("st-123"));
    QCOMPARE(query.queryItemValue(QStringLiteral("iss"), QUrl::FullyDecoded), m_as->issuer());
    auto row = Store::AuthorizationCodeRepository(m_as->db())
                   .findByHash(Store::SecretHash::fromSecret(code.toUtf8()));
    QVERIFY(row.ok());
    QCOMPARE(row->subject, QStringLiteral("demo"));
    QCOMPARE(auditCount(QStringLiteral("authorization.auto_approved")), 1);
}

void TestAuthorize::autoApproveStillValidates()
{
    Auth::Config config = testConfig();
    config.autoApprove = true;
    QVERIFY(start(config));
    const auto badChallenge = m_as->get(authorizePath(edit({QStringLiteral("code_challenge")})));
    QCOMPARE(badChallenge.status, 302);
    QCOMPARE(locationQuery(badChallenge).queryItemValue(QStringLiteral("error")),
             QStringLiteral("invalid_request"));
    const auto badRedirect = m_as->get(authorizePath(
        edit({QStringLiteral("redirect_uri")},
             {{QStringLiteral("redirect_uri"), QStringLiteral("https://evil.example/cb")}})));
    QCOMPARE(badRedirect.status, 400);
    QVERIFY(!badRedirect.headers.contains("Location"));
    QCOMPARE(codeCount(), 0);
}

void TestAuthorize::hostileValuesAreEscaped()
{
    QVERIFY(start());
    const QString hostileName = QStringLiteral("<script>alert(\"pwn\")</script>' onload='x");
    auto hostile = m_as->createClient(QStringLiteral("evil\"<b>"), {}, {kRedirect});
    QVERIFY(hostile.ok());
    Store::Client client = *hostile;
    client.name = hostileName;
    QVERIFY(Store::ClientRepository(m_as->db()).update(client).ok());

    const QString hostileState = QStringLiteral("\"><script>alert(1)</script>");
    Browser browser;
    const auto consent =
        signInToConsent(browser, edit({QStringLiteral("client_id"), QStringLiteral("state")},
                                      {{QStringLiteral("client_id"), client.clientId},
                                       {QStringLiteral("state"), hostileState}}));
    QVERIFY2(consent.status == 200, qPrintable(describe(consent)));
    QVERIFY(!consent.body.contains("<script"));
    QVERIFY(!consent.body.contains("' onload='"));
    QVERIFY(consent.body.contains(
        "&lt;script&gt;alert(&quot;pwn&quot;)&lt;/script&gt;&#39; onload=&#39;x"));
    QVERIFY(consent.body.contains("evil&quot;&lt;b&gt;"));

    const auto approved =
        submit(browser, consent, {{QStringLiteral("decision"), QStringLiteral("approve")}});
    QCOMPARE(approved.status, 303);
    // The state goes back exactly, percent-encoded in the redirect.
    QCOMPARE(locationQuery(approved).queryItemValue(QStringLiteral("state"), QUrl::FullyDecoded),
             hostileState);
    QVERIFY(!approved.headers.value("Location").contains('<'));
    QVERIFY(!approved.headers.value("Location").contains('"'));

    // Reflected in an error page: the unknown client id.
    const auto page = m_as->get(authorizePath(
        edit({QStringLiteral("client_id")},
             {{QStringLiteral("client_id"), QStringLiteral("<img src=x onerror=alert(1)>")}})));
    QCOMPARE(page.status, 400);
    QVERIFY(!page.body.contains("<img"));
    QVERIFY(page.body.contains("&lt;img src=x onerror=alert(1)&gt;"));
}

QTEST_GUILESS_MAIN(TestAuthorize)
#include "tst_as_authorize.moc"
