#include "tour.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QPainter>
#include <QPainterPath>
#include <QPushButton>
#include <QVBoxLayout>

namespace Ui {

Tour::Tour(QList<TourStep> steps, QWidget *parent)
    : QWidget(parent)
    , m_steps(std::move(steps))
    , m_bubble(new QWidget(this))
    , m_text(new QLabel(m_bubble))
    , m_counter(new QLabel(m_bubble))
    , m_back(new QPushButton(tr("&Back"), m_bubble))
    , m_next(new QPushButton(tr("&Next"), m_bubble))
    , m_skip(new QPushButton(tr("S&kip tour"), m_bubble))
{
    setObjectName(QStringLiteral("tour"));
    setAccessibleName(tr("Guided tour"));
    setFocusPolicy(Qt::StrongFocus);
    m_bubble->setObjectName(QStringLiteral("tourBubble"));
    m_bubble->setAutoFillBackground(true);
    m_bubble->setBackgroundRole(QPalette::ToolTipBase);
    m_bubble->setForegroundRole(QPalette::ToolTipText);
    m_text->setObjectName(QStringLiteral("tourText"));
    m_text->setWordWrap(true);
    m_text->setForegroundRole(QPalette::ToolTipText);
    m_counter->setObjectName(QStringLiteral("tourCounter"));
    m_counter->setForegroundRole(QPalette::ToolTipText);
    m_back->setObjectName(QStringLiteral("tourBack"));
    m_next->setObjectName(QStringLiteral("tourNext"));
    m_skip->setObjectName(QStringLiteral("tourSkip"));
    m_next->setDefault(true);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_counter);
    buttons->addStretch();
    buttons->addWidget(m_skip);
    buttons->addWidget(m_back);
    buttons->addWidget(m_next);
    auto *layout = new QVBoxLayout(m_bubble);
    layout->addWidget(m_text);
    layout->addLayout(buttons);
    m_bubble->setFixedWidth(380);

    connect(m_next, &QPushButton::clicked, this, &Tour::next);
    connect(m_back, &QPushButton::clicked, this, &Tour::back);
    connect(m_skip, &QPushButton::clicked, this, &Tour::skip);
    parent->installEventFilter(this);
    setGeometry(parent->rect());
    raise();
    show();
    setFocus();
    if (m_steps.isEmpty())
        QMetaObject::invokeMethod(
            this, [this] { finish(true); }, Qt::QueuedConnection);
    else
        showStep(0);
}

void Tour::next()
{
    if (m_current + 1 >= m_steps.size())
        finish(true);
    else
        showStep(m_current + 1);
}

void Tour::back()
{
    if (m_current > 0)
        showStep(m_current - 1);
}

void Tour::skip()
{
    finish(false);
}

void Tour::showStep(int step)
{
    m_current = step;
    const TourStep &current = m_steps.at(step);
    if (current.activate)
        current.activate();
    m_highlight = current.area ? current.area() : QRect();
    m_text->setText(current.text);
    m_counter->setText(tr("%1 of %2").arg(step + 1).arg(m_steps.size()));
    m_back->setEnabled(step > 0);
    m_next->setText(step + 1 == m_steps.size() ? tr("&Done") : tr("&Next"));
    placeBubble();
    update();
    emit stepChanged(step);
}

void Tour::finish(bool completed)
{
    if (m_finished)
        return;
    m_finished = true;
    parentWidget()->removeEventFilter(this);
    hide();
    emit finished(completed);
    deleteLater();
}

void Tour::placeBubble()
{
    m_bubble->adjustSize();
    const QSize size = m_bubble->size();
    QPoint at;
    if (m_highlight.isEmpty())
        at = rect().center() - QPoint(size.width() / 2, size.height() / 2);
    else if (m_highlight.right() + 16 + size.width() <= width())
        at = QPoint(m_highlight.right() + 16, m_highlight.top());
    else
        at = QPoint(m_highlight.left(), m_highlight.bottom() + 16);
    at.setX(qBound(8, at.x(), qMax(8, width() - size.width() - 8)));
    at.setY(qBound(8, at.y(), qMax(8, height() - size.height() - 8)));
    m_bubble->move(at);
}

void Tour::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    // Palette roles only, so the overlay reads in light and dark palettes alike.
    QColor dim = palette().color(QPalette::Shadow);
    dim.setAlpha(110);
    QPainterPath outside;
    outside.addRect(rect());
    if (!m_highlight.isEmpty()) {
        QPainterPath hole;
        hole.addRoundedRect(m_highlight.adjusted(-4, -4, 4, 4), 6, 6);
        outside = outside.subtracted(hole);
    }
    painter.fillPath(outside, dim);
    if (!m_highlight.isEmpty()) {
        painter.setPen(QPen(palette().color(QPalette::Highlight), 3));
        painter.drawRoundedRect(m_highlight.adjusted(-4, -4, 4, 4), 6, 6);
    }
}

void Tour::keyPressEvent(QKeyEvent *event)
{
    switch (event->key()) {
    case Qt::Key_Escape:
        skip();
        break;
    case Qt::Key_Right:
    case Qt::Key_Return:
    case Qt::Key_Enter:
        next();
        break;
    case Qt::Key_Left:
        back();
        break;
    default:
        QWidget::keyPressEvent(event);
    }
}

bool Tour::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == parentWidget() && event->type() == QEvent::Resize && m_current >= 0) {
        setGeometry(parentWidget()->rect());
        m_highlight = m_steps.at(m_current).area ? m_steps.at(m_current).area() : QRect();
        placeBubble();
        update();
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace Ui
