#include "tokenspanel.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "admin/service.h"
#include "adminworker.h"
#include "auditfollower.h"
#include "engine.h"
#include "tokenmodel.h"

namespace Ui {

namespace {

QLineEdit *makeFilterField(const QString &objectName, const QString &placeholder, QWidget *parent)
{
    auto *field = new QLineEdit(parent);
    field->setObjectName(objectName);
    field->setPlaceholderText(placeholder);
    field->setAccessibleName(placeholder);
    field->setClearButtonEnabled(true);
    return field;
}

QPushButton *makeButton(const QString &objectName, const QString &text, const QString &tip,
                        QWidget *parent)
{
    auto *button = new QPushButton(text, parent);
    button->setObjectName(objectName);
    button->setToolTip(tip);
    button->setAccessibleName(tip);
    return button;
}

/// Active tokens a revocation of `target` would reach, counted on the worker thread.
Core::Result<qint64> countActive(const std::shared_ptr<Store::Database> &db,
                                 Store::TokenFilter filter)
{
    filter.state = Store::TokenState::Active;
    return Store::TokenRepository(db).count(filter);
}

QString describe(const Admin::TokenRecord &token)
{
    QStringList lines;
    const auto line = [&lines](const QString &label, const QString &value) {
        lines.append(label + QStringLiteral(": ") + value);
    };
    line(TokensPanel::tr("Token"), token.display);
    line(TokensPanel::tr("ID"), QString::number(token.id));
    line(TokensPanel::tr("Kind"), Core::tokenKindTitle(token.kind));
    line(TokensPanel::tr("Format"), Store::tokenFormatName(token.format));
    line(TokensPanel::tr("State"), Core::tokenStateTitle(token.state));
    line(TokensPanel::tr("Client"), token.clientId);
    line(TokensPanel::tr("Subject"), token.subject);
    line(TokensPanel::tr("Scope"), token.scope);
    line(TokensPanel::tr("Resource"), token.resource);
    line(TokensPanel::tr("Issued"), Core::displayTime(token.issuedAt));
    line(TokensPanel::tr("Expires"), Core::displayTime(token.expiresAt));
    if (token.revokedAt)
        line(TokensPanel::tr("Revoked"),
             TokensPanel::tr("%1 (%2)").arg(Core::displayTime(*token.revokedAt),
                                            token.revocationReason));
    if (token.rotatedAt)
        line(TokensPanel::tr("Rotated"), Core::displayTime(*token.rotatedAt));
    if (!token.familyId.isEmpty())
        line(TokensPanel::tr("Family"), token.familyId);
    if (token.parentId)
        line(TokensPanel::tr("Rotated from"), QString::number(*token.parentId));
    lines.append(QString());
    if (token.format == Store::TokenFormat::Jwt) {
        line(TokensPanel::tr("JWT ID (jti)"), token.jti);
        lines.append(TokensPanel::tr(
            "This is a JWT access token. The store keeps only a hash of every token, never the "
            "token itself: the header and claims below are rebuilt from the stored values "
            "exactly as the issuer signed them; the signature (and the signing key's alg and "
            "kid) is not stored, so this is not a usable token."));
    } else {
        lines.append(TokensPanel::tr("The store keeps only a hash of the token; the display form "
                                     "above is its prefix and a fragment of that hash."));
    }
    return lines.join(QLatin1Char('\n'));
}

QString json(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Indented)).trimmed();
}

/// The decoded JWT and the introspection answer of `insight`, appended to the detail text.
QString describe(const Core::TokenInsight &insight)
{
    QStringList lines;
    if (!insight.jwtClaims.isEmpty()) {
        lines.append(TokensPanel::tr("Decoded JWT (signature not stored)"));
        lines.append(TokensPanel::tr("Header: %1").arg(json(insight.jwtHeader)));
        lines.append(TokensPanel::tr("Claims: %1").arg(json(insight.jwtClaims)));
        lines.append(QString());
    }
    const bool active = insight.introspection.value(QStringLiteral("active")).toBool();
    lines.append(
        active ? TokensPanel::tr("Introspection now: active")
               : TokensPanel::tr("Introspection now: inactive — %1").arg(insight.inactiveReason));
    lines.append(json(insight.introspection));
    return lines.join(QLatin1Char('\n'));
}

} // namespace

TokensPanel::TokensPanel(Core::Engine *engine, QWidget *parent)
    : QWidget(parent)
    , m_engine(engine)
    , m_model(new Core::TokenTableModel(this))
    , m_follower(new Core::AuditFollower(this))
    , m_error(makeErrorBanner(QStringLiteral("tokensError"), this))
    , m_client(makeFilterField(QStringLiteral("tokenFilterClient"), tr("Client ID"), this))
    , m_subject(makeFilterField(QStringLiteral("tokenFilterSubject"), tr("Subject"), this))
    , m_scope(makeFilterField(QStringLiteral("tokenFilterScope"), tr("Scope"), this))
    , m_resource(makeFilterField(QStringLiteral("tokenFilterResource"), tr("Resource"), this))
    , m_kind(new QComboBox(this))
    , m_state(new QComboBox(this))
    , m_filterDelay(new QTimer(this))
    , m_busy(makeBusyIndicator(QStringLiteral("tokensBusy"), this))
    , m_status(new QLabel(this))
    , m_revokeSelected(makeButton(QStringLiteral("revokeSelectedButton"), tr("&Revoke"),
                                  tr("Revoke the selected tokens"), this))
    , m_revokeClient(makeButton(QStringLiteral("revokeClientButton"), tr("Revoke &client's"),
                                tr("Revoke every token of the selected token's client"), this))
    , m_revokeSubject(makeButton(QStringLiteral("revokeSubjectButton"), tr("Revoke &subject's"),
                                 tr("Revoke every token of the selected token's subject"), this))
    , m_revokeFamily(makeButton(QStringLiteral("revokeFamilyButton"), tr("Revoke &family"),
                                tr("Revoke every token of the selected token's refresh family"),
                                this))
    , m_purge(makeButton(QStringLiteral("purgeExpiredButton"), tr("&Purge expired"),
                         tr("Delete the expired tokens from the store"), this))
    , m_refresh(makeButton(QStringLiteral("refreshTokensButton"), tr("Re&load"),
                           tr("Read the tokens again"), this))
    , m_purgeProgress(new QProgressBar(this))
    , m_table(new QTableView(this))
    , m_detail(new QPlainTextEdit(this))
    , m_family(new QTreeWidget(this))
    , m_splitter(new QSplitter(Qt::Horizontal, this))
{
    m_kind->setObjectName(QStringLiteral("tokenFilterKind"));
    m_kind->setAccessibleName(tr("Token kind filter"));
    m_kind->addItem(tr("Any kind"), -1);
    m_kind->addItem(tr("Access"), static_cast<int>(Store::TokenKind::Access));
    m_kind->addItem(tr("Refresh"), static_cast<int>(Store::TokenKind::Refresh));
    m_state->setObjectName(QStringLiteral("tokenFilterState"));
    m_state->setAccessibleName(tr("Token state filter"));
    m_state->addItem(tr("Any state"), -1);
    m_state->addItem(tr("Active"), static_cast<int>(Store::TokenState::Active));
    m_state->addItem(tr("Expired"), static_cast<int>(Store::TokenState::Expired));
    m_state->addItem(tr("Revoked"), static_cast<int>(Store::TokenState::Revoked));
    m_filterDelay->setSingleShot(true);
    m_filterDelay->setInterval(250);
    m_status->setObjectName(QStringLiteral("tokensStatus"));
    m_purgeProgress->setObjectName(QStringLiteral("purgeProgress"));
    m_purgeProgress->setAccessibleName(tr("Purge progress"));
    m_purgeProgress->setFormat(tr("%v purged"));
    m_purgeProgress->hide();

    m_table->setModel(m_model);
    setUpRecordTable(m_table, QStringLiteral("tokensTable"), tr("Tokens"),
                     QAbstractItemView::ExtendedSelection, Core::TokenTableModel::ScopeColumn);
    m_detail->setObjectName(QStringLiteral("tokenDetail"));
    m_detail->setAccessibleName(tr("Token details"));
    m_detail->setReadOnly(true);
    m_detail->setPlaceholderText(tr("Select a token to see its details."));
    m_family->setObjectName(QStringLiteral("tokenFamilyTree"));
    m_family->setAccessibleName(tr("Refresh family"));
    m_family->setHeaderLabels({tr("Family"), tr("State"), tr("Issued")});

    auto *detailPane = new QWidget(this);
    auto *detailLayout = new QVBoxLayout(detailPane);
    detailLayout->setContentsMargins(0, 0, 0, 0);
    detailLayout->addWidget(m_detail, 3);
    detailLayout->addWidget(new QLabel(tr("Refresh family"), detailPane));
    detailLayout->addWidget(m_family, 2);
    m_splitter->setObjectName(QStringLiteral("tokensSplitter"));
    m_splitter->addWidget(m_table);
    m_splitter->addWidget(detailPane);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);

    auto *filters = new QHBoxLayout;
    for (QWidget *w : {static_cast<QWidget *>(m_client), static_cast<QWidget *>(m_subject),
                       static_cast<QWidget *>(m_scope), static_cast<QWidget *>(m_resource)})
        filters->addWidget(w, 1);
    filters->addWidget(m_kind);
    filters->addWidget(m_state);

    // A tool bar folds the buttons that do not fit into its extension menu, so the panel
    // never forces the window wider.
    auto *actions = new QToolBar(this);
    actions->setObjectName(QStringLiteral("tokenActions"));
    actions->setAccessibleName(tr("Token actions"));
    for (QPushButton *b :
         {m_revokeSelected, m_revokeClient, m_revokeSubject, m_revokeFamily, m_purge, m_refresh})
        actions->addWidget(b);

    auto *status = new QHBoxLayout;
    status->addWidget(m_status, 1);
    status->addWidget(m_purgeProgress);
    status->addWidget(m_busy);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(QStringLiteral("<h2>%1</h2>").arg(tr("Tokens")), this));
    layout->addWidget(m_error);
    layout->addLayout(filters);
    layout->addWidget(actions);
    layout->addWidget(m_splitter, 1);
    layout->addLayout(status);

    for (QLineEdit *field : {m_client, m_subject, m_scope, m_resource})
        connect(field, &QLineEdit::textChanged, this, &TokensPanel::handleFilterChanged);
    connect(m_kind, &QComboBox::currentIndexChanged, this, &TokensPanel::applyFilter);
    connect(m_state, &QComboBox::currentIndexChanged, this, &TokensPanel::applyFilter);
    connect(m_filterDelay, &QTimer::timeout, this, &TokensPanel::applyFilter);
    connect(m_revokeSelected, &QPushButton::clicked, this, &TokensPanel::revokeSelected);
    connect(m_revokeClient, &QPushButton::clicked, this, &TokensPanel::revokeClient);
    connect(m_revokeSubject, &QPushButton::clicked, this, &TokensPanel::revokeSubject);
    connect(m_revokeFamily, &QPushButton::clicked, this, &TokensPanel::revokeFamily);
    connect(m_purge, &QPushButton::clicked, this, &TokensPanel::purgeExpired);
    connect(m_refresh, &QPushButton::clicked, m_model, &Core::TokenTableModel::refresh);
    connect(m_model, &Core::TokenTableModel::loadingChanged, this,
            &TokensPanel::handleLoadingChanged);
    connect(m_model, &Core::TokenTableModel::pageLoaded, this, &TokensPanel::updateStatus);
    connect(m_model, &Core::TokenTableModel::rowsRemoved, this, &TokensPanel::updateStatus);
    connect(m_model, &Core::TokenTableModel::errorOccurred, this, &TokensPanel::showError);
    connect(m_model, &Core::TokenTableModel::dataChanged, this,
            &TokensPanel::handleCurrentRowChanged);
    connect(m_follower, &Core::AuditFollower::eventsArrived, m_model,
            &Core::TokenTableModel::handleAuditEvents);
    connect(m_model, &Core::TokenTableModel::pageLoaded, this, &TokensPanel::handleRowsRefreshed);
    connect(m_follower, &Core::AuditFollower::errorOccurred, this, &TokensPanel::showError);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &TokensPanel::handleCurrentRowChanged);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &TokensPanel::handleSelectionChanged);
    connect(engine, &Core::Engine::started, this, &TokensPanel::handleEngineStarted);
    connect(engine, &Core::Engine::stopped, this, &TokensPanel::handleEngineStopped);
    if (engine->isRunning())
        handleEngineStarted();
    else
        handleEngineStopped();
    restoreLayout(this, QStringLiteral("TokensPanel"));
}

TokensPanel::~TokensPanel()
{
    saveLayout(this, QStringLiteral("TokensPanel"));
}

void TokensPanel::handleEngineStarted()
{
    delete m_worker;
    m_worker = makeAdminWorker(m_engine, this);
    showBanner(m_error, {});
    m_follower->setWorker(m_worker);
    m_follower->start();
    applyFilter();
    m_model->setWorker(m_worker);
    handleSelectionChanged();
}

void TokensPanel::handleEngineStopped()
{
    m_follower->setWorker(nullptr);
    m_model->setWorker(nullptr);
    delete m_worker;
    m_purgeProgress->hide();
    m_status->setText(tr("Start the servers to see the tokens of the store."));
    handleSelectionChanged();
}

void TokensPanel::handleFilterChanged()
{
    m_filterDelay->start();
}

void TokensPanel::applyFilter()
{
    m_filterDelay->stop();
    Store::TokenFilter filter;
    filter.clientId = m_client->text().trimmed();
    filter.subject = m_subject->text().trimmed();
    filter.scope = m_scope->text().trimmed();
    filter.resource = m_resource->text().trimmed();
    if (const int kind = m_kind->currentData().toInt(); kind >= 0)
        filter.kind = static_cast<Store::TokenKind>(kind);
    if (const int state = m_state->currentData().toInt(); state >= 0)
        filter.state = static_cast<Store::TokenState>(state);
    m_model->setFilter(filter);
}

void TokensPanel::handleRowsRefreshed()
{
    // A revocation or expiry of the token shown: its introspection answer changed too.
    const QModelIndex current = m_table->currentIndex();
    if (current.isValid() && m_model->tokenAt(current.row()).id == m_detailId &&
        m_model->tokenAt(current.row()).state != m_detailState)
        handleCurrentRowChanged();
}

void TokensPanel::handleCurrentRowChanged()
{
    const QModelIndex current = m_table->currentIndex();
    m_family->clear();
    if (!current.isValid()) {
        m_detail->clear();
        return;
    }
    const Admin::TokenRecord token = m_model->tokenAt(current.row());
    m_detailId = token.id;
    m_detailState = token.state;
    const QString basics = describe(token);
    m_detail->setPlainText(basics);
    const quint64 generation = ++m_detailGeneration;
    if (!m_worker)
        return;
    m_worker->run(
        this,
        [db = m_worker->database(), issuer = m_engine->issuer(), id = token.id](Admin::Service &) {
            return Core::inspectToken(db, issuer, id);
        },
        [this, generation, basics](Core::Result<Core::TokenInsight> insight) {
            if (generation != m_detailGeneration)
                return;
            if (!insight) {
                showError(insight.error().message);
                return;
            }
            m_detail->setPlainText(basics + QLatin1Char('\n') + describe(*insight));
        });
    if (token.familyId.isEmpty())
        return;
    Store::TokenFilter filter;
    filter.familyId = token.familyId;
    filter.limit = 10000;
    m_worker->run(
        this, [filter](Admin::Service &service) { return service.listTokens(filter); },
        [this, generation, selected = token.id](Core::Result<Admin::TokenPage> page) {
            if (generation != m_detailGeneration)
                return;
            if (!page) {
                showError(page.error().message);
                return;
            }
            m_family->clear();
            QHash<qint64, QTreeWidgetItem *> items;
            for (const Admin::TokenRecord &member : std::as_const(page->tokens)) {
                QTreeWidgetItem *parent = member.parentId ? items.value(*member.parentId) : nullptr;
                auto *item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(m_family);
                item->setText(0, tr("%1 #%2 %3")
                                     .arg(Core::tokenKindTitle(member.kind),
                                          QString::number(member.id), member.display));
                item->setText(1, Core::tokenStateTitle(member.state));
                item->setText(2, Core::displayTime(member.issuedAt));
                item->setData(0, Qt::UserRole, member.id);
                if (member.id == selected) {
                    QFont bold = item->font(0);
                    bold.setBold(true);
                    item->setFont(0, bold);
                }
                items.insert(member.id, item);
            }
            m_family->expandAll();
        });
}

void TokensPanel::handleSelectionChanged()
{
    const bool running = m_worker != nullptr;
    const bool any = running && m_table->selectionModel()->hasSelection();
    const QModelIndex current = m_table->currentIndex();
    const bool hasCurrent = running && current.isValid();
    m_revokeSelected->setEnabled(any);
    m_revokeClient->setEnabled(hasCurrent);
    m_revokeSubject->setEnabled(hasCurrent);
    m_revokeFamily->setEnabled(hasCurrent && !m_model->tokenAt(current.row()).familyId.isEmpty());
    m_purge->setEnabled(running);
    m_refresh->setEnabled(running);
}

void TokensPanel::handleLoadingChanged()
{
    m_busy->setVisible(m_model->isLoading());
    updateStatus();
}

void TokensPanel::updateStatus()
{
    if (!m_worker)
        return;
    const int rows = m_model->rowCount();
    m_status->setText(m_model->isComplete() ? tr("%n token(s)", nullptr, rows)
                                            : tr("%n token(s) loaded, more below", nullptr, rows));
}

void TokensPanel::revokeSelected()
{
    if (!m_worker)
        return;
    QList<qint64> ids;
    for (const QModelIndex &index : m_table->selectionModel()->selectedRows())
        ids.append(m_model->tokenAt(index.row()).id);
    if (ids.isEmpty())
        return;
    std::sort(ids.begin(), ids.end());
    const QString text =
        ids.size() == 1
            ? tr("Revoke token %1 (%2)? Resource servers refuse it from now on.")
                  .arg(ids.first())
                  .arg(m_model->tokenAt(m_model->rowOfId(ids.first())).display)
            : tr("Revoke the %n selected token(s)? Resource servers refuse them from now on.",
                 nullptr, static_cast<int>(ids.size()));
    if (!m_prompts.confirm(this, tr("Revoke tokens"), text))
        return;
    m_worker->run(
        this,
        [ids](Admin::Service &service) -> Core::Result<int> {
            int revoked = 0;
            for (const qint64 id : ids) {
                auto result = service.revokeToken(id);
                if (!result)
                    return result.error();
                revoked += result->revoked;
            }
            return revoked;
        },
        [this](Core::Result<int> revoked) {
            if (!revoked) {
                showError(tr("Revoking failed: %1").arg(revoked.error().message));
                return;
            }
            finishAction(tr("Revoked %n token(s).", nullptr, *revoked));
        });
}

void TokensPanel::revokeClient()
{
    revokeTarget(Target::Client);
}

void TokensPanel::revokeSubject()
{
    revokeTarget(Target::Subject);
}

void TokensPanel::revokeFamily()
{
    revokeTarget(Target::Family);
}

void TokensPanel::revokeTarget(Target target)
{
    const QModelIndex current = m_table->currentIndex();
    if (!m_worker || !current.isValid())
        return;
    const Admin::TokenRecord token = m_model->tokenAt(current.row());
    Store::TokenFilter filter;
    switch (target) {
    case Target::Client:
        filter.clientId = token.clientId;
        break;
    case Target::Subject:
        filter.subject = token.subject;
        break;
    case Target::Family:
        filter.familyId = token.familyId;
        if (token.familyId.isEmpty())
            return;
        break;
    }
    const std::shared_ptr<Store::Database> db = m_worker->database();
    m_worker->run(
        this, [db, filter](Admin::Service &) { return countActive(db, filter); },
        [this, target, token](Core::Result<qint64> count) {
            if (!count) {
                showError(count.error().message);
                return;
            }
            if (!m_worker)
                return;
            const int n = static_cast<int>(*count);
            QString text;
            switch (target) {
            case Target::Client:
                text = tr("Revoke the %n active token(s) of client '%1'?", nullptr, n)
                           .arg(token.clientId);
                break;
            case Target::Subject:
                text = tr("Revoke the %n active token(s) of subject '%1'?", nullptr, n)
                           .arg(token.subject);
                break;
            case Target::Family:
                text = tr("Revoke the %n active token(s) of refresh family %1?", nullptr, n)
                           .arg(token.familyId);
                break;
            }
            if (!m_prompts.confirm(this, tr("Revoke tokens"), text))
                return;
            m_worker->run(
                this,
                [target, token](Admin::Service &service) {
                    switch (target) {
                    case Target::Client:
                        return service.revokeClientTokens(token.clientId);
                    case Target::Subject:
                        return service.revokeSubjectTokens(token.subject);
                    case Target::Family:
                        break;
                    }
                    return service.revokeFamily(token.familyId);
                },
                [this](Core::Result<Admin::RevokeResult> result) {
                    if (!result) {
                        showError(tr("Revoking failed: %1").arg(result.error().message));
                        return;
                    }
                    finishAction(tr("Revoked %n token(s).", nullptr, result->revoked));
                });
        });
}

void TokensPanel::purgeExpired()
{
    if (!m_worker)
        return;
    const std::shared_ptr<Store::Database> db = m_worker->database();
    m_worker->run(
        this,
        [db](Admin::Service &) {
            Store::TokenFilter filter;
            filter.state = Store::TokenState::Expired;
            return Store::TokenRepository(db).count(filter);
        },
        [this](Core::Result<qint64> expired) {
            if (!expired) {
                showError(expired.error().message);
                return;
            }
            if (!m_worker)
                return;
            const QString text =
                tr("Delete the %n expired token(s) from the store (revoked ones that expired "
                   "too)? They cannot be inspected afterwards.",
                   nullptr, static_cast<int>(*expired));
            if (!m_prompts.confirm(this, tr("Purge expired tokens"), text))
                return;
            m_purgeProgress->setRange(0, static_cast<int>(qMax<qint64>(1, *expired)));
            m_purgeProgress->setValue(0);
            m_purgeProgress->show();
            m_purge->setEnabled(false);
            Core::AdminWorker *worker = m_worker;
            QPointer<QObject> self(this);
            m_worker->run(
                this,
                [worker, self, this](Admin::Service &service) {
                    return service.purgeExpiredTokens(1000, [worker, self, this](qint64 purged) {
                        worker->deliver(self, [this, purged] {
                            const int value = static_cast<int>(purged);
                            if (value > m_purgeProgress->maximum())
                                m_purgeProgress->setMaximum(value);
                            m_purgeProgress->setValue(value);
                        });
                    });
                },
                [this](Core::Result<Admin::PurgeResult> result) {
                    m_purge->setEnabled(m_worker != nullptr);
                    m_purgeProgress->setValue(m_purgeProgress->maximum());
                    QTimer::singleShot(1500, m_purgeProgress, &QWidget::hide);
                    if (!result) {
                        showError(tr("Purging failed: %1").arg(result.error().message));
                        return;
                    }
                    finishAction(tr("Purged %n expired token(s).", nullptr,
                                    static_cast<int>(result->purged)));
                });
        });
}

void TokensPanel::finishAction(const QString &message)
{
    showBanner(m_error, {});
    m_model->refresh();
    m_follower->pollNow();
    m_status->setText(message);
    emit actionFinished(message);
}

void TokensPanel::showError(const QString &message)
{
    showBanner(m_error, message);
}

} // namespace Ui
