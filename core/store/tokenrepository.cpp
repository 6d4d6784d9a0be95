#include "store/tokenrepository.h"

#include "store/database.h"
#include "store/errors.h"
#include "store/sqlutil.h"

namespace Store {

QString tokenKindName(TokenKind kind)
{
    return kind == TokenKind::Access ? QStringLiteral("access") : QStringLiteral("refresh");
}

QString tokenFormatName(TokenFormat format)
{
    return format == TokenFormat::Opaque ? QStringLiteral("opaque") : QStringLiteral("jwt");
}

QString tokenStateName(TokenState state)
{
    switch (state) {
    case TokenState::Active:
        return QStringLiteral("active");
    case TokenState::Expired:
        return QStringLiteral("expired");
    case TokenState::Revoked:
        break;
    }
    return QStringLiteral("revoked");
}

std::optional<TokenKind> tokenKindFromString(const QString &s)
{
    if (s == u"access")
        return TokenKind::Access;
    if (s == u"refresh")
        return TokenKind::Refresh;
    return std::nullopt;
}

std::optional<TokenState> tokenStateFromString(const QString &s)
{
    for (TokenState state : {TokenState::Active, TokenState::Expired, TokenState::Revoked}) {
        if (s == tokenStateName(state))
            return state;
    }
    return std::nullopt;
}

TokenState Token::state(qint64 now) const
{
    if (revokedAt)
        return TokenState::Revoked;
    return expiresAt <= now ? TokenState::Expired : TokenState::Active;
}

namespace {

const QString kColumns = QStringLiteral(
    "id, token_hash, token_prefix, kind, format, jti, client_id, subject, scope, resource, "
    "issued_at, expires_at, revoked_at, revocation_reason, family_id, parent_id, "
    "authorization_code_id, rotated_at");

Token readToken(const QSqlQuery &q)
{
    Token t;
    t.id = q.value(0).toLongLong();
    t.token = SecretHash::fromHex(q.value(1).toString(), q.value(2).toString()).valueOr({});
    t.kind = q.value(3).toString() == u"refresh" ? TokenKind::Refresh : TokenKind::Access;
    t.format = q.value(4).toString() == u"jwt" ? TokenFormat::Jwt : TokenFormat::Opaque;
    t.jti = q.value(5).toString();
    t.clientId = q.value(6).toString();
    t.subject = q.value(7).toString();
    t.scope = q.value(8).toString();
    t.resource = q.value(9).toString();
    t.issuedAt = q.value(10).toLongLong();
    t.expiresAt = q.value(11).toLongLong();
    t.revokedAt = Sql::optionalInt(q.value(12));
    t.revocationReason = q.value(13).toString();
    t.familyId = q.value(14).toString();
    t.parentId = Sql::optionalInt(q.value(15));
    t.authorizationCodeId = Sql::optionalInt(q.value(16));
    t.rotatedAt = Sql::optionalInt(q.value(17));
    return t;
}

Core::Result<Token> fetchWhere(QSqlDatabase &db, const QString &condition, const QVariant &key,
                               const QString &notFound)
{
    auto q = Sql::exec(db,
                       QStringLiteral("SELECT ") + kColumns +
                           QStringLiteral(" FROM tokens WHERE ") + condition,
                       {key}, QStringLiteral("reading token"));
    if (!q)
        return q.error();
    return Sql::readOne<Token>(*q, readToken, notFound);
}

Core::Result<Token> fetchByHash(QSqlDatabase &db, const SecretHash &token)
{
    return fetchWhere(db, QStringLiteral("token_hash = ?"), token.hex(),
                      QStringLiteral("no token %1").arg(token.display()));
}

Sql::Where whereFor(const TokenFilter &f, qint64 now)
{
    Sql::Where where;
    if (!f.clientId.isEmpty())
        where.add(QStringLiteral("client_id = ?"), {f.clientId});
    if (!f.subject.isEmpty())
        where.add(QStringLiteral("subject = ?"), {f.subject});
    if (!f.familyId.isEmpty())
        where.add(QStringLiteral("family_id = ?"), {f.familyId});
    if (!f.scope.isEmpty())
        where.add(QStringLiteral("(' ' || scope || ' ') LIKE ? ESCAPE '\\'"),
                  {Sql::containsWordPattern(f.scope)});
    if (!f.resource.isEmpty())
        where.add(QStringLiteral("(' ' || resource || ' ') LIKE ? ESCAPE '\\'"),
                  {Sql::containsWordPattern(f.resource)});
    if (f.kind)
        where.add(QStringLiteral("kind = ?"), {tokenKindName(*f.kind)});
    if (f.state) {
        switch (*f.state) {
        case TokenState::Active:
            where.add(QStringLiteral("revoked_at IS NULL AND expires_at > ?"), {qlonglong(now)});
            break;
        case TokenState::Expired:
            where.add(QStringLiteral("revoked_at IS NULL AND expires_at <= ?"), {qlonglong(now)});
            break;
        case TokenState::Revoked:
            where.add(QStringLiteral("revoked_at IS NOT NULL"));
            break;
        }
    }
    return where;
}

Core::Result<Token> insertOne(QSqlDatabase &db, const Token &t, qint64 now)
{
    if (t.token.isNull())
        return Sql::invalidArgument(QStringLiteral("a token needs its hash"));
    if (t.clientId.isEmpty())
        return Sql::invalidArgument(
            QStringLiteral("token %1 needs a client").arg(t.token.display()));
    auto s =
        Sql::run(db,
                 QStringLiteral(
                     "INSERT INTO tokens (token_hash, token_prefix, kind, format, jti, client_id, "
                     "subject, scope, resource, issued_at, expires_at, family_id, parent_id, "
                     "authorization_code_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                 {t.token.hex(), t.token.prefix(), tokenKindName(t.kind), tokenFormatName(t.format),
                  Sql::textOrNull(t.jti), t.clientId, t.subject, t.scope, t.resource,
                  qlonglong(t.issuedAt ? t.issuedAt : now), qlonglong(t.expiresAt),
                  Sql::textOrNull(t.familyId), Sql::intOrNull(t.parentId),
                  Sql::intOrNull(t.authorizationCodeId)},
                 QStringLiteral("storing %1 token %2 for client %3")
                     .arg(tokenKindName(t.kind), t.token.display(), t.clientId));
    if (!s)
        return s.error();
    return fetchByHash(db, t.token);
}

} // namespace

TokenRepository::TokenRepository(std::shared_ptr<Database> db)
    : m_db(std::move(db))
{}

Core::Result<Token> TokenRepository::insert(const Token &token)
{
    return m_db->transactionResult<Token>(
        [&](QSqlDatabase &db) { return insertOne(db, token, m_db->now()); });
}

Core::Result<QList<Token>> TokenRepository::insertAll(const QList<Token> &tokens)
{
    return m_db->transactionResult<QList<Token>>(
        [&](QSqlDatabase &db) -> Core::Result<QList<Token>> {
            QList<Token> out;
            for (const Token &t : tokens) {
                auto stored = insertOne(db, t, m_db->now());
                if (!stored)
                    return stored.error();
                out.append(*stored);
            }
            return out;
        });
}

Core::Result<Token> TokenRepository::findByHash(const SecretHash &token)
{
    return m_db->transactionResult<Token>([&](QSqlDatabase &db) { return fetchByHash(db, token); },
                                          TransactionMode::Read);
}

Core::Result<Token> TokenRepository::get(qint64 id)
{
    return m_db->transactionResult<Token>(
        [&](QSqlDatabase &db) {
            return fetchWhere(db, QStringLiteral("id = ?"), qlonglong(id),
                              QStringLiteral("no token with id %1").arg(id));
        },
        TransactionMode::Read);
}

Core::Result<QList<Token>> TokenRepository::list(const TokenFilter &filter)
{
    return m_db->transactionResult<QList<Token>>(
        [&](QSqlDatabase &db) -> Core::Result<QList<Token>> {
            Sql::Where where = whereFor(filter, m_db->now());
            if (filter.afterId)
                where.add(QStringLiteral("id > ?"), {qlonglong(*filter.afterId)});
            QVariantList binds = where.binds();
            binds.append({qBound(0, filter.limit, 10000), qMax(0, filter.offset)});
            auto q =
                Sql::exec(db,
                          QStringLiteral("SELECT ") + kColumns + QStringLiteral(" FROM tokens") +
                              where.sql() + QStringLiteral(" ORDER BY id LIMIT ? OFFSET ?"),
                          binds, QStringLiteral("listing tokens"));
            if (!q)
                return q.error();
            return Sql::readAll<Token>(*q, readToken);
        },
        TransactionMode::Read);
}

Core::Result<qint64> TokenRepository::count(const TokenFilter &filter)
{
    return m_db->transactionResult<qint64>(
        [&](QSqlDatabase &db) {
            const Sql::Where where = whereFor(filter, m_db->now());
            return Sql::scalar(db, QStringLiteral("SELECT COUNT(*) FROM tokens") + where.sql(),
                               where.binds(), QStringLiteral("counting tokens"));
        },
        TransactionMode::Read);
}

Core::Result<int> TokenRepository::revokeWhere(const QString &condition, const QVariantList &binds,
                                               const QString &reason, const QString &what)
{
    return m_db->transactionResult<int>([&](QSqlDatabase &db) -> Core::Result<int> {
        const qlonglong now = m_db->now();
        // What is about to be revoked and still usable, so that verifiers in this process
        // can forget it the moment the revocation commits (bounded: beyond the limit
        // listeners are told the list is incomplete).
        QVariantList selectBinds{now};
        selectBinds.append(binds);
        selectBinds.append(Database::maxRevocationList + 1);
        auto listed = Sql::exec(db,
                                QStringLiteral("SELECT token_hash, expires_at FROM tokens WHERE "
                                               "revoked_at IS NULL AND expires_at > ? AND (") +
                                    condition + QStringLiteral(") LIMIT ?"),
                                selectBinds, QStringLiteral("listing ") + what);
        if (!listed)
            return listed.error();
        Revocation revocation;
        while (listed->next())
            revocation.tokens.append(
                {listed->value(0).toString().toLatin1(), listed->value(1).toLongLong()});
        if (revocation.tokens.size() > Database::maxRevocationList) {
            revocation.tokens.clear();
            revocation.complete = false;
        }
        QVariantList all{now, reason};
        all.append(binds);
        auto changed = Sql::update(db,
                                   QStringLiteral("UPDATE tokens SET revoked_at = ?, "
                                                  "revocation_reason = ? WHERE revoked_at IS "
                                                  "NULL AND (") +
                                       condition + u')',
                                   all, QStringLiteral("revoking ") + what);
        if (changed && *changed > 0 && (!revocation.tokens.isEmpty() || !revocation.complete))
            m_db->afterCommit([db = m_db, revocation] { db->notifyRevoked(revocation); });
        return changed;
    });
}

Core::Result<int> TokenRepository::revoke(qint64 id, const QString &reason)
{
    return m_db->transactionResult<int>([&](QSqlDatabase &db) -> Core::Result<int> {
        auto existing = fetchWhere(db, QStringLiteral("id = ?"), qlonglong(id),
                                   QStringLiteral("no token with id %1").arg(id));
        if (!existing)
            return existing.error();
        return revokeWhere(QStringLiteral("id = ?"), {qlonglong(id)}, reason,
                           QStringLiteral("token %1").arg(id));
    });
}

Core::Result<int> TokenRepository::revokeByClient(const QString &clientId, const QString &reason)
{
    return revokeWhere(QStringLiteral("client_id = ?"), {clientId}, reason,
                       QStringLiteral("the tokens of client %1").arg(clientId));
}

Core::Result<int> TokenRepository::revokeBySubject(const QString &subject, const QString &reason)
{
    return revokeWhere(QStringLiteral("subject = ?"), {subject}, reason,
                       QStringLiteral("the tokens of subject %1").arg(subject));
}

Core::Result<int> TokenRepository::revokeFamily(const QString &familyId, const QString &reason)
{
    if (familyId.isEmpty())
        return Sql::invalidArgument(QStringLiteral("revoking a family needs its id"));
    return revokeWhere(QStringLiteral("family_id = ?"), {familyId}, reason,
                       QStringLiteral("token family %1").arg(familyId));
}

Core::Result<int> TokenRepository::revokeByAuthorizationCode(qint64 authorizationCodeId,
                                                             const QString &reason)
{
    return revokeWhere(
        QStringLiteral("authorization_code_id = ? OR family_id IN (SELECT "
                       "family_id FROM tokens WHERE authorization_code_id = ? AND "
                       "family_id IS NOT NULL)"),
        {qlonglong(authorizationCodeId), qlonglong(authorizationCodeId)}, reason,
        QStringLiteral("the tokens of authorization code %1").arg(authorizationCodeId));
}

Core::Result<Token> TokenRepository::markRotated(const SecretHash &refreshToken)
{
    return m_db->transactionResult<Token>([&](QSqlDatabase &db) -> Core::Result<Token> {
        const qlonglong now = m_db->now();
        auto changed = Sql::update(
            db,
            QStringLiteral("UPDATE tokens SET rotated_at = ?, revoked_at = ?, "
                           "revocation_reason = 'rotated' WHERE token_hash = ? AND kind = "
                           "'refresh' AND rotated_at IS NULL AND revoked_at IS NULL AND "
                           "expires_at > ?"),
            {now, now, refreshToken.hex(), now}, QStringLiteral("rotating a refresh token"));
        if (!changed)
            return changed.error();
        auto row = fetchByHash(db, refreshToken);
        if (!row || *changed == 1)
            return row;
        const QString shown = refreshToken.display();
        if (row->kind != TokenKind::Refresh)
            return Sql::invalidArgument(
                QStringLiteral("token %1 is not a refresh token").arg(shown));
        if (row->rotatedAt)
            return Core::makeError(
                ErrorCode::Reused,
                QStringLiteral("refresh token %1 was already rotated").arg(shown));
        if (row->revokedAt)
            return Core::makeError(ErrorCode::Revoked,
                                   QStringLiteral("refresh token %1 is revoked").arg(shown));
        return Core::makeError(ErrorCode::Expired,
                               QStringLiteral("refresh token %1 has expired").arg(shown));
    });
}

Core::Result<qint64> TokenRepository::purgeExpired(int batchSize,
                                                   const std::function<void(qint64)> &progress)
{
    batchSize = qBound(1, batchSize, 100000);
    const qlonglong cutoff = m_db->now();
    qint64 total = 0;
    for (;;) {
        auto deleted = m_db->transactionResult<int>([&](QSqlDatabase &db) {
            return Sql::update(db,
                               QStringLiteral("DELETE FROM tokens WHERE id IN (SELECT id FROM "
                                              "tokens WHERE expires_at < ? ORDER BY id LIMIT ?)"),
                               {cutoff, batchSize}, QStringLiteral("purging expired tokens"));
        });
        if (!deleted)
            return deleted.error();
        total += *deleted;
        if (*deleted > 0 && progress)
            progress(total);
        if (*deleted < batchSize)
            return total;
    }
}

} // namespace Store
