#pragma once

#include <QDialog>

namespace Ui {

/// Application name, version, and the versions of the libraries it runs on.
class AboutDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AboutDialog)

public:
    explicit AboutDialog(QWidget *parent = nullptr);
};

} // namespace Ui
