#include "auditpanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QDir>
#include <QGridLayout>
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
#include <QVBoxLayout>

#include "admin/service.h"
#include "adminworker.h"
#include "auditmodel.h"
#include "engine.h"
#include "tokenmodel.h"

namespace Ui {

namespace {

/// The event types the servers and the operator commands write, offered in the type filter
/// (any other type can be typed in).
QStringList knownEventTypes()
{
    return {QStringLiteral("token.issued"),
            QStringLiteral("token.refused"),
            QStringLiteral("token.revoked"),
            QStringLiteral("token.purged"),
            QStringLiteral("refresh_token.reused"),
            QStringLiteral("authorization_code.issued"),
            QStringLiteral("authorization_code.reused"),
            QStringLiteral("login.succeeded"),
            QStringLiteral("login.failed"),
            QStringLiteral("client.registered"),
            QStringLiteral("client.updated"),
            QStringLiteral("client.removed"),
            QStringLiteral("client.authentication_failed"),
            QStringLiteral("user.created"),
            QStringLiteral("user.password_changed"),
            QStringLiteral("user.removed"),
            QStringLiteral("device_authorization.issued"),
            QStringLiteral("key.rotated")};
}

QDateTimeEdit *makeTimeEdit(const QString &objectName, const QString &name, QWidget *parent)
{
    auto *edit = new QDateTimeEdit(QDateTime::currentDateTime(), parent);
    edit->setObjectName(objectName);
    edit->setAccessibleName(name);
    edit->setCalendarPopup(true);
    edit->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    edit->setEnabled(false);
    return edit;
}

QLineEdit *makeFilterField(const QString &objectName, const QString &placeholder, QWidget *parent)
{
    auto *field = new QLineEdit(parent);
    field->setObjectName(objectName);
    field->setPlaceholderText(placeholder);
    field->setAccessibleName(placeholder);
    field->setClearButtonEnabled(true);
    return field;
}

} // namespace

AuditPanel::AuditPanel(Core::Engine *engine, QWidget *parent)
    : QWidget(parent)
    , m_engine(engine)
    , m_model(new Core::AuditTableModel(this))
    , m_error(makeErrorBanner(QStringLiteral("auditError"), this))
    , m_type(new QComboBox(this))
    , m_client(makeFilterField(QStringLiteral("auditFilterClient"), tr("Client ID"), this))
    , m_subject(makeFilterField(QStringLiteral("auditFilterSubject"), tr("Subject"), this))
    , m_useSince(new QCheckBox(tr("From"), this))
    , m_since(makeTimeEdit(QStringLiteral("auditFilterSince"), tr("Events from"), this))
    , m_useUntil(new QCheckBox(tr("Until"), this))
    , m_until(makeTimeEdit(QStringLiteral("auditFilterUntil"), tr("Events until"), this))
    , m_search(makeFilterField(QStringLiteral("auditSearch"),
                               tr("Search type, actor, client, subject, address or detail"), this))
    , m_filterDelay(new QTimer(this))
    , m_export(new QPushButton(tr("&Export CSV…"), this))
    , m_busy(makeBusyIndicator(QStringLiteral("auditBusy"), this))
    , m_status(new QLabel(this))
    , m_table(new QTableView(this))
    , m_detail(new QPlainTextEdit(this))
    , m_splitter(new QSplitter(Qt::Vertical, this))
{
    m_type->setObjectName(QStringLiteral("auditFilterType"));
    m_type->setAccessibleName(tr("Event type filter"));
    m_type->setEditable(true);
    m_type->addItem(QString());
    m_type->addItems(knownEventTypes());
    m_type->lineEdit()->setPlaceholderText(tr("Any type"));
    m_type->lineEdit()->setClearButtonEnabled(true);
    m_useSince->setObjectName(QStringLiteral("auditUseSince"));
    m_useSince->setAccessibleName(tr("Filter events from a time"));
    m_useUntil->setObjectName(QStringLiteral("auditUseUntil"));
    m_useUntil->setAccessibleName(tr("Filter events until a time"));
    m_filterDelay->setSingleShot(true);
    m_filterDelay->setInterval(250);
    m_export->setObjectName(QStringLiteral("exportAuditButton"));
    m_export->setAccessibleName(tr("Export the matching events as CSV"));
    m_status->setObjectName(QStringLiteral("auditStatus"));

    m_table->setModel(m_model);
    setUpRecordTable(m_table, QStringLiteral("auditTable"), tr("Audit events"),
                     QAbstractItemView::SingleSelection, Core::AuditTableModel::DetailColumn);
    m_detail->setObjectName(QStringLiteral("auditDetail"));
    m_detail->setAccessibleName(tr("Event details"));
    m_detail->setReadOnly(true);
    m_detail->setPlaceholderText(tr("Select an event to see its details."));
    m_splitter->setObjectName(QStringLiteral("auditSplitter"));
    m_splitter->addWidget(m_table);
    m_splitter->addWidget(m_detail);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 1);

    auto *filters = new QGridLayout;
    filters->addWidget(m_type, 0, 0);
    filters->addWidget(m_client, 0, 1);
    filters->addWidget(m_subject, 0, 2);
    filters->addWidget(m_search, 1, 0, 1, 3);
    auto *times = new QHBoxLayout;
    times->addWidget(m_useSince);
    times->addWidget(m_since);
    times->addWidget(m_useUntil);
    times->addWidget(m_until);
    times->addStretch();
    times->addWidget(m_export);

    auto *status = new QHBoxLayout;
    status->addWidget(m_status, 1);
    status->addWidget(m_busy);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(QStringLiteral("<h2>%1</h2>").arg(tr("Audit")), this));
    layout->addWidget(m_error);
    layout->addLayout(filters);
    layout->addLayout(times);
    layout->addWidget(m_splitter, 1);
    layout->addLayout(status);

    connect(m_type, &QComboBox::currentTextChanged, this, &AuditPanel::handleFilterChanged);
    for (QLineEdit *field : {m_client, m_subject, m_search})
        connect(field, &QLineEdit::textChanged, this, &AuditPanel::handleFilterChanged);
    connect(m_useSince, &QCheckBox::toggled, m_since, &QWidget::setEnabled);
    connect(m_useUntil, &QCheckBox::toggled, m_until, &QWidget::setEnabled);
    connect(m_useSince, &QCheckBox::toggled, this, &AuditPanel::applyFilter);
    connect(m_useUntil, &QCheckBox::toggled, this, &AuditPanel::applyFilter);
    connect(m_since, &QDateTimeEdit::dateTimeChanged, this, &AuditPanel::handleFilterChanged);
    connect(m_until, &QDateTimeEdit::dateTimeChanged, this, &AuditPanel::handleFilterChanged);
    connect(m_filterDelay, &QTimer::timeout, this, &AuditPanel::applyFilter);
    connect(m_export, &QPushButton::clicked, this, &AuditPanel::exportCsv);
    connect(m_model, &Core::AuditTableModel::loadingChanged, m_busy, &QWidget::setVisible);
    connect(m_model, &Core::AuditTableModel::eventsLoaded, this, &AuditPanel::updateStatus);
    connect(m_model, &Core::AuditTableModel::modelReset, this, &AuditPanel::updateStatus);
    connect(m_model, &Core::AuditTableModel::errorOccurred, this,
            [this](const QString &message) { showBanner(m_error, message); });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &AuditPanel::handleCurrentRowChanged);
    connect(engine, &Core::Engine::started, this, &AuditPanel::handleEngineStarted);
    connect(engine, &Core::Engine::stopped, this, &AuditPanel::handleEngineStopped);
    if (engine->isRunning())
        handleEngineStarted();
    else
        handleEngineStopped();
    restoreLayout(this, QStringLiteral("AuditPanel"));
}

AuditPanel::~AuditPanel()
{
    saveLayout(this, QStringLiteral("AuditPanel"));
}

Core::AuditQuery AuditPanel::query() const
{
    Core::AuditQuery query;
    query.filter.type = m_type->currentText().trimmed();
    query.filter.clientId = m_client->text().trimmed();
    query.filter.subject = m_subject->text().trimmed();
    if (m_useSince->isChecked())
        query.filter.since = m_since->dateTime().toMSecsSinceEpoch();
    if (m_useUntil->isChecked())
        query.filter.until = m_until->dateTime().toMSecsSinceEpoch();
    query.text = m_search->text().trimmed();
    return query;
}

void AuditPanel::handleEngineStarted()
{
    delete m_worker;
    m_worker = makeAdminWorker(m_engine, this);
    showBanner(m_error, {});
    m_model->setQuery(query());
    m_model->setWorker(m_worker);
    m_export->setEnabled(m_worker != nullptr);
}

void AuditPanel::handleEngineStopped()
{
    m_model->setWorker(nullptr);
    delete m_worker;
    m_export->setEnabled(false);
    m_status->setText(tr("Start the servers to see the audit log of the store."));
}

void AuditPanel::handleFilterChanged()
{
    m_filterDelay->start();
}

void AuditPanel::applyFilter()
{
    m_filterDelay->stop();
    m_model->setQuery(query());
}

void AuditPanel::handleCurrentRowChanged()
{
    const QModelIndex current = m_table->currentIndex();
    if (!current.isValid()) {
        m_detail->clear();
        return;
    }
    const Store::AuditEvent &event = m_model->eventAt(current.row());
    QStringList lines = {
        tr("Event %1: %2").arg(event.id).arg(event.type),
        tr("Time: %1 (%2)")
            .arg(Core::displayTime(event.occurredAt), Admin::isoTime(event.occurredAt)),
        tr("Actor: %1").arg(event.actor),
    };
    if (!event.clientId.isEmpty())
        lines.append(tr("Client: %1").arg(event.clientId));
    if (!event.subject.isEmpty())
        lines.append(tr("Subject: %1").arg(event.subject));
    if (!event.remoteAddress.isEmpty())
        lines.append(tr("Address: %1").arg(event.remoteAddress));
    if (!event.detail.isEmpty())
        lines.append(
            QString::fromUtf8(QJsonDocument(event.detail).toJson(QJsonDocument::Indented)));
    m_detail->setPlainText(lines.join(QLatin1Char('\n')));
}

void AuditPanel::updateStatus()
{
    if (!m_worker)
        return;
    const int rows = m_model->rowCount();
    m_status->setText(m_model->canFetchMore({}) ? tr("%n event(s), older ones below", nullptr, rows)
                                                : tr("%n event(s)", nullptr, rows));
}

void AuditPanel::exportCsv()
{
    if (!m_worker)
        return;
    const QString path = m_prompts.saveFileName(this, tr("Export the audit log"),
                                                QDir::home().filePath(QStringLiteral("audit.csv")),
                                                tr("CSV files (*.csv);;All files (*)"));
    if (path.isEmpty())
        return;
    const Core::AuditQuery query = this->query();
    m_export->setEnabled(false);
    m_busy->show();
    m_worker->run(
        this,
        [query, path](Admin::Service &service) {
            return Core::exportAuditCsv(service, query, path);
        },
        [this, path](Core::Result<qint64> written) {
            m_export->setEnabled(m_worker != nullptr);
            m_busy->setVisible(m_model->isLoading());
            if (!written) {
                showBanner(m_error, tr("The export failed: %1").arg(written.error().message));
                emit exportFinished(path, 0, written.error().message);
                return;
            }
            showBanner(m_error, {});
            m_status->setText(tr("Exported %n event(s) to %1.", nullptr, static_cast<int>(*written))
                                  .arg(QDir::toNativeSeparators(path)));
            emit exportFinished(path, *written, {});
        });
}

} // namespace Ui
