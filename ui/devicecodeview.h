#pragma once

#include <chrono>

#include <QElapsedTimer>
#include <QImage>
#include <QTimer>
#include <QWidget>

#include "common/result.h"
#include "flowinspect.h"

class QLabel;
class QProgressBar;

namespace Ui {

/// The device authorization grant for the person at the keyboard (RFC 8628 §3.3): the
/// user code in large type, the verification URI, a QR code of verification_uri_complete
/// (libqrencode) and two progress bars: time left before the code expires, and time to the
/// client's next poll.
class DeviceCodeView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DeviceCodeView)

public:
    explicit DeviceCodeView(QWidget *parent = nullptr);

    /// Shows `device`; `second` is how long one of its seconds lasts (Flow::Options).
    void setDeviceAuthorization(const Core::DeviceAuthorization &device,
                                std::chrono::milliseconds second = std::chrono::seconds(1));
    /// The client just polled: the interval bar starts again.
    void notePoll();
    /// The walk moved on or ended: the bars stop where they are.
    void stop();
    void clear();

    [[nodiscard]] QString userCode() const { return m_device.userCode; }
    /// The text the QR code encodes (verification_uri_complete, or verification_uri when
    /// the AS sent no complete URI).
    [[nodiscard]] QString encodedText() const { return m_encoded; }
    [[nodiscard]] QImage qrImage() const { return m_qr; }
    [[nodiscard]] bool isCounting() const { return m_ticker.isActive(); }

    /// A QR code of `text` (error correction M), one pixel per module with a 4-module
    /// quiet zone, black on white. "qr_failed" when libqrencode cannot encode it.
    [[nodiscard]] static Core::Result<QImage> renderQrCode(const QString &text);

private:
    void tick();

    Core::DeviceAuthorization m_device;
    std::chrono::milliseconds m_second{1000};
    QString m_encoded;
    QImage m_qr;
    QElapsedTimer m_sinceStart;
    QElapsedTimer m_sincePoll;
    QTimer m_ticker;
    QLabel *m_userCode;
    QLabel *m_uri;
    QLabel *m_qrLabel;
    QProgressBar *m_expiry;
    QProgressBar *m_interval;
};

} // namespace Ui
