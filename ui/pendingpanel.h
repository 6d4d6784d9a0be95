#pragma once

#include <QWidget>

namespace Ui {

/// What a panel shows while its feature is not built yet: it says so plainly and names
/// what the panel will do, so nobody mistakes it for a working feature.
class PendingPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PendingPanel)

public:
    PendingPanel(const QString &title, const QString &purpose, QWidget *parent = nullptr);
};

} // namespace Ui
