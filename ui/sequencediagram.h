#pragma once

#include <QHash>
#include <QList>
#include <QWidget>

#include "flow/types.h"
#include "flowinspect.h"

namespace Ui {

/// A sequence diagram of a walk: four lanes (User, Client, MCP server, authorization
/// server), a labelled band per step and, per exchange, a request arrow ("POST /token")
/// and a dashed response arrow ("200"), coloured by the step's verdict. Painted as
/// vectors, so it is crisp at any device pixel ratio; its height grows with the walk, so
/// put it in a QScrollArea.
class SequenceDiagram final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SequenceDiagram)

public:
    explicit SequenceDiagram(QWidget *parent = nullptr);

    void clear();
    /// Starts the band of step `index` (arrows of that step follow it).
    void addStep(int index, const QString &title);
    void addArrow(const Core::SequenceArrow &arrow);
    /// Recolours the arrows of a step once its verdict is known.
    void setStepStatus(int index, Flow::StepStatus status);

    [[nodiscard]] const QList<Core::SequenceArrow> &arrows() const { return m_arrows; }
    [[nodiscard]] qsizetype arrowCount() const { return m_arrows.size(); }
    [[nodiscard]] Flow::StepStatus stepStatus(int index) const;
    /// The colour the arrows of a step with `status` are drawn in.
    [[nodiscard]] QColor colorFor(Flow::StepStatus status) const;

    /// Where the request arrow of arrows().at(position) is drawn (empty when out of range).
    [[nodiscard]] QRect arrowRect(qsizetype position) const;

    [[nodiscard]] QSize sizeHint() const override;
    [[nodiscard]] QSize minimumSizeHint() const override;

signals:
    /// An arrow was clicked: show that exchange.
    void exchangeActivated(int stepIndex, quint64 exchangeId);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;

private:
    struct Row
    {
        enum class Kind { Step, Request, Response } kind;
        int index; ///< step index, or position in m_arrows
    };

    [[nodiscard]] int rowHeight() const;
    [[nodiscard]] int headerHeight() const;
    [[nodiscard]] qreal laneX(Core::SequenceLane lane) const;

    QList<Row> m_rows;
    QList<Core::SequenceArrow> m_arrows;
    QHash<int, QString> m_stepTitles;
    QHash<int, Flow::StepStatus> m_stepStatus;
};

} // namespace Ui
