#pragma once

#include <functional>

#include <QList>
#include <QWidget>

class QLabel;
class QPushButton;

namespace Ui {

/// One stop of the guided tour: what to say, what to highlight and what to show first.
struct TourStep
{
    QString text;                   ///< one sentence
    std::function<void()> activate; ///< e.g. switch to the panel; may be empty
    /// The area to highlight, in the tour's parent's coordinates; may be empty.
    std::function<QRect()> area;
};

/// A skippable guided tour: an overlay over its parent (the main window, which owns it)
/// that dims everything but the current step's area and says one sentence about it, with
/// Back, Next and Skip. Deletes itself when finished or skipped.
class Tour final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Tour)

public:
    Tour(QList<TourStep> steps, QWidget *parent);

    [[nodiscard]] int currentStep() const { return m_current; }
    [[nodiscard]] int stepCount() const { return static_cast<int>(m_steps.size()); }
    void next();
    void back();
    /// Ends the tour now (also what Escape does).
    void skip();

signals:
    void stepChanged(int step);
    /// Emitted once, before the tour deletes itself; `completed` is false when skipped.
    void finished(bool completed);

protected:
    void paintEvent(QPaintEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void showStep(int step);
    void finish(bool completed);
    void placeBubble();

    QList<TourStep> m_steps;
    int m_current = -1;
    bool m_finished = false; ///< finished() is emitted once
    QRect m_highlight;
    QWidget *m_bubble;
    QLabel *m_text;
    QLabel *m_counter;
    QPushButton *m_back;
    QPushButton *m_next;
    QPushButton *m_skip;
};

} // namespace Ui
