#pragma once

#include <QWidget>

class QComboBox;
class QLineEdit;
class QSplitter;
class QTableView;

namespace Core {
class Engine;
class ExchangeTableModel;
} // namespace Core

namespace Ui {

class ExchangeDetailView;
class ExchangeFilterProxy;

/// Every HTTP exchange of the embedded servers and clients, live, filterable, with the
/// selected exchange shown as a transcript (secrets masked).
class TrafficPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrafficPanel)

public:
    explicit TrafficPanel(Core::Engine *engine, QWidget *parent = nullptr);
    /// Keeps the splitter and column layout (see saveLayout()).
    ~TrafficPanel() override;

    [[nodiscard]] QSplitter *splitter() const { return m_splitter; }

private:
    void handleFilterChanged();
    void handleCurrentRowChanged();

    Core::ExchangeTableModel *m_model;
    ExchangeFilterProxy *m_proxy;
    QLineEdit *m_search;
    QComboBox *m_status;
    QTableView *m_table;
    ExchangeDetailView *m_detail;
    QSplitter *m_splitter;
};

} // namespace Ui
