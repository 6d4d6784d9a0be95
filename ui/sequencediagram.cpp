#include "sequencediagram.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>

namespace Ui {

namespace {

constexpr int kLaneCount = 4;
constexpr int kMinLaneWidth = 150;
constexpr int kMargin = 12;

const Core::SequenceLane kLanes[kLaneCount] = {Core::SequenceLane::User, Core::SequenceLane::Client,
                                               Core::SequenceLane::McpServer,
                                               Core::SequenceLane::AuthorizationServer};

} // namespace

SequenceDiagram::SequenceDiagram(QWidget *parent)
    : QWidget(parent)
{
    setAccessibleName(tr("Sequence diagram of the flow"));
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Minimum);
}

void SequenceDiagram::clear()
{
    m_rows.clear();
    m_arrows.clear();
    m_stepTitles.clear();
    m_stepStatus.clear();
    updateGeometry();
    update();
}

void SequenceDiagram::addStep(int index, const QString &title)
{
    m_stepTitles.insert(index, title);
    m_stepStatus.insert(index, Flow::StepStatus::Running);
    m_rows.append({Row::Kind::Step, index});
    updateGeometry();
    update();
}

void SequenceDiagram::addArrow(const Core::SequenceArrow &arrow)
{
    m_arrows.append(arrow);
    const int position = int(m_arrows.size() - 1);
    m_rows.append({Row::Kind::Request, position});
    m_rows.append({Row::Kind::Response, position});
    updateGeometry();
    update();
}

void SequenceDiagram::setStepStatus(int index, Flow::StepStatus status)
{
    m_stepStatus.insert(index, status);
    update();
}

Flow::StepStatus SequenceDiagram::stepStatus(int index) const
{
    return m_stepStatus.value(index, Flow::StepStatus::Pending);
}

QColor SequenceDiagram::colorFor(Flow::StepStatus status) const
{
    switch (status) {
    case Flow::StepStatus::Passed:
        return QColor(0x18, 0x80, 0x38);
    case Flow::StepStatus::Warning:
        return QColor(0xc7, 0x7c, 0x00);
    case Flow::StepStatus::Failed:
        return QColor(0xc6, 0x28, 0x28);
    case Flow::StepStatus::Skipped:
        return palette().color(QPalette::Disabled, QPalette::Text);
    case Flow::StepStatus::Pending:
    case Flow::StepStatus::Running:
        break;
    }
    return palette().color(QPalette::Text);
}

int SequenceDiagram::rowHeight() const
{
    return fontMetrics().height() * 2;
}

int SequenceDiagram::headerHeight() const
{
    return fontMetrics().height() * 2 + kMargin;
}

qreal SequenceDiagram::laneX(Core::SequenceLane lane) const
{
    const qreal laneWidth = qreal(width() - 2 * kMargin) / kLaneCount;
    return kMargin + laneWidth * (int(lane) + 0.5);
}

QRect SequenceDiagram::arrowRect(qsizetype position) const
{
    for (qsizetype row = 0; row < m_rows.size(); ++row) {
        if (m_rows.at(row).kind == Row::Kind::Request && m_rows.at(row).index == position) {
            const Core::SequenceArrow &arrow = m_arrows.at(position);
            const int left = int(qMin(laneX(arrow.from), laneX(arrow.to)));
            const int right = int(qMax(laneX(arrow.from), laneX(arrow.to)));
            return {left, headerHeight() + int(row) * rowHeight(), right - left, rowHeight()};
        }
    }
    return {};
}

QSize SequenceDiagram::sizeHint() const
{
    return {kLaneCount * kMinLaneWidth + 2 * kMargin,
            headerHeight() + int(m_rows.size()) * rowHeight() + kMargin};
}

QSize SequenceDiagram::minimumSizeHint() const
{
    return sizeHint();
}

void SequenceDiagram::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QPalette pal = palette();
    const QFontMetrics metrics = fontMetrics();
    const int bottom = headerHeight() + int(m_rows.size()) * rowHeight();

    // Lanes: a title box and a lifeline.
    QFont bold = font();
    bold.setBold(true);
    for (const Core::SequenceLane lane : kLanes) {
        const qreal x = laneX(lane);
        const qreal boxWidth = qreal(width() - 2 * kMargin) / kLaneCount - 12;
        const QRectF box(x - boxWidth / 2, kMargin / 2.0, boxWidth, metrics.height() * 1.6);
        painter.setPen(QPen(pal.color(QPalette::Mid), 1));
        painter.setBrush(pal.color(QPalette::AlternateBase));
        painter.drawRoundedRect(box, 4, 4);
        painter.setFont(bold);
        painter.setPen(pal.color(QPalette::Text));
        painter.drawText(
            box, Qt::AlignCenter,
            metrics.elidedText(Core::sequenceLaneName(lane), Qt::ElideRight, int(boxWidth) - 4));
        painter.setFont(font());
        painter.setPen(QPen(pal.color(QPalette::Mid), 1, Qt::DashLine));
        painter.drawLine(QPointF(x, box.bottom()), QPointF(x, qMax(bottom, height())));
    }

    int y = headerHeight();
    for (const Row &row : m_rows) {
        const qreal middle = y + rowHeight() / 2.0;
        if (row.kind == Row::Kind::Step) {
            const QColor color = colorFor(stepStatus(row.index));
            QColor band = color;
            band.setAlpha(28);
            painter.fillRect(QRectF(kMargin, y + 2, width() - 2 * kMargin, rowHeight() - 4), band);
            painter.setPen(color);
            painter.setFont(bold);
            painter.drawText(QRectF(kMargin + 6, y, width() - 2 * kMargin - 12, rowHeight()),
                             Qt::AlignVCenter | Qt::AlignLeft,
                             tr("%1. %2").arg(row.index + 1).arg(m_stepTitles.value(row.index)));
            painter.setFont(font());
            y += rowHeight();
            continue;
        }
        const Core::SequenceArrow &arrow = m_arrows.at(row.index);
        const bool request = row.kind == Row::Kind::Request;
        const qreal from = laneX(request ? arrow.from : arrow.to);
        const qreal to = laneX(request ? arrow.to : arrow.from);
        const QColor color = colorFor(stepStatus(arrow.stepIndex));
        painter.setPen(QPen(color, 1.5, request ? Qt::SolidLine : Qt::DashLine, Qt::RoundCap));
        const qreal lineY = middle + metrics.height() * 0.35;
        painter.drawLine(QPointF(from, lineY), QPointF(to, lineY));
        const qreal direction = to >= from ? 1.0 : -1.0;
        QPainterPath head;
        head.moveTo(to, lineY);
        head.lineTo(to - direction * 8, lineY - 4);
        head.lineTo(to - direction * 8, lineY + 4);
        head.closeSubpath();
        painter.fillPath(head, color);
        const QString label = request ? arrow.request : arrow.response;
        const qreal left = qMin(from, to);
        const qreal span = qAbs(to - from);
        painter.setPen(request ? pal.color(QPalette::Text) : color);
        painter.drawText(QRectF(left + 4, y, span - 8, lineY - y - 1),
                         Qt::AlignHCenter | Qt::AlignBottom,
                         metrics.elidedText(label, Qt::ElideMiddle, int(span) - 8));
        y += rowHeight();
    }
}

void SequenceDiagram::mousePressEvent(QMouseEvent *event)
{
    const int row = (int(event->position().y()) - headerHeight()) / rowHeight();
    if (event->position().y() >= headerHeight() && row >= 0 && row < m_rows.size() &&
        m_rows.at(row).kind != Row::Kind::Step) {
        const Core::SequenceArrow &arrow = m_arrows.at(m_rows.at(row).index);
        emit exchangeActivated(arrow.stepIndex, arrow.exchangeId);
    }
    QWidget::mousePressEvent(event);
}

} // namespace Ui
