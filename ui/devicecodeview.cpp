#include "devicecodeview.h"

#include <QFormLayout>
#include <QLabel>
#include <QProgressBar>
#include <QVBoxLayout>

#include <qrencode.h>

namespace Ui {

namespace {

constexpr int kQuietZone = 4;
constexpr int kQrDisplaySize = 220;

} // namespace

DeviceCodeView::DeviceCodeView(QWidget *parent)
    : QWidget(parent)
    , m_userCode(new QLabel(this))
    , m_uri(new QLabel(this))
    , m_qrLabel(new QLabel(this))
    , m_expiry(new QProgressBar(this))
    , m_interval(new QProgressBar(this))
{
    m_userCode->setObjectName(QStringLiteral("deviceUserCode"));
    m_userCode->setAccessibleName(tr("User code"));
    m_userCode->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_userCode->setAlignment(Qt::AlignCenter);
    QFont big = m_userCode->font();
    big.setPointSizeF(big.pointSizeF() * 3);
    big.setBold(true);
    big.setLetterSpacing(QFont::PercentageSpacing, 115);
    m_userCode->setFont(big);

    m_uri->setObjectName(QStringLiteral("deviceVerificationUri"));
    m_uri->setAccessibleName(tr("Verification URI"));
    m_uri->setAlignment(Qt::AlignCenter);
    m_uri->setTextInteractionFlags(Qt::TextBrowserInteraction);
    m_uri->setOpenExternalLinks(true);
    m_uri->setWordWrap(true);

    m_qrLabel->setObjectName(QStringLiteral("deviceQrCode"));
    m_qrLabel->setAccessibleName(tr("QR code of the verification URI"));
    m_qrLabel->setAlignment(Qt::AlignCenter);
    m_qrLabel->setMinimumSize(kQrDisplaySize, kQrDisplaySize);

    m_expiry->setObjectName(QStringLiteral("deviceExpiry"));
    m_expiry->setAccessibleName(tr("Time left before the code expires"));
    m_interval->setObjectName(QStringLiteral("devicePollInterval"));
    m_interval->setAccessibleName(tr("Time to the next poll"));

    auto *bars = new QFormLayout;
    bars->addRow(tr("Code expires"), m_expiry);
    bars->addRow(tr("Next poll"), m_interval);

    auto *layout = new QVBoxLayout(this);
    auto *hint =
        new QLabel(tr("Enter this code at the verification page, or scan the QR code:"), this);
    hint->setWordWrap(true);
    layout->addWidget(hint);
    layout->addWidget(m_userCode);
    layout->addWidget(m_uri);
    layout->addWidget(m_qrLabel, 1);
    layout->addLayout(bars);

    m_ticker.setInterval(100);
    connect(&m_ticker, &QTimer::timeout, this, &DeviceCodeView::tick);
    clear();
}

Core::Result<QImage> DeviceCodeView::renderQrCode(const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    QRcode *code = QRcode_encodeString8bit(utf8.constData(), 0, QR_ECLEVEL_M);
    if (!code)
        return Core::makeError(
            QStringLiteral("qr_failed"),
            tr("the text (%1 bytes) cannot be put into a QR code").arg(utf8.size()));
    const int size = code->width + 2 * kQuietZone;
    QImage image(size, size, QImage::Format_Mono);
    image.setColor(0, qRgb(255, 255, 255));
    image.setColor(1, qRgb(0, 0, 0));
    image.fill(0);
    for (int y = 0; y < code->width; ++y)
        for (int x = 0; x < code->width; ++x)
            if (code->data[y * code->width + x] & 1)
                image.setPixel(x + kQuietZone, y + kQuietZone, 1);
    QRcode_free(code);
    return image;
}

void DeviceCodeView::setDeviceAuthorization(const Core::DeviceAuthorization &device,
                                            std::chrono::milliseconds second)
{
    m_device = device;
    m_second = second.count() > 0 ? second : std::chrono::milliseconds(1000);
    m_userCode->setText(device.userCode);
    const QUrl link = device.verificationUriComplete.isEmpty() ? device.verificationUri
                                                               : device.verificationUriComplete;
    m_uri->setText(QStringLiteral("<a href=\"%1\">%2</a>")
                       .arg(link.toString(QUrl::FullyEncoded).toHtmlEscaped(),
                            device.verificationUri.toString().toHtmlEscaped()));
    m_encoded = link.toString(QUrl::FullyEncoded);
    m_qr = {};
    m_qrLabel->clear();
    if (!m_encoded.isEmpty()) {
        const auto image = renderQrCode(m_encoded);
        if (image) {
            m_qr = *image;
            // Whole pixels per module keep the code sharp at any scale.
            const qreal ratio = devicePixelRatioF();
            const int scale = qMax(1, int(kQrDisplaySize * ratio) / m_qr.width());
            QPixmap pixmap = QPixmap::fromImage(
                m_qr.scaled(m_qr.size() * scale, Qt::IgnoreAspectRatio, Qt::FastTransformation));
            pixmap.setDevicePixelRatio(ratio);
            m_qrLabel->setPixmap(pixmap);
        } else {
            m_qrLabel->setText(image.error().message);
        }
    }
    m_expiry->setRange(0, int(qMax<qint64>(1, device.expiresIn)));
    m_interval->setRange(0, int(qMax<qint64>(1, device.interval)) * 10);
    m_sinceStart.start();
    m_sincePoll.start();
    m_ticker.start();
    tick();
}

void DeviceCodeView::notePoll()
{
    if (!m_ticker.isActive())
        return;
    m_sincePoll.start();
    tick();
}

void DeviceCodeView::stop()
{
    m_ticker.stop();
}

void DeviceCodeView::clear()
{
    m_ticker.stop();
    m_device = {};
    m_encoded.clear();
    m_qr = {};
    m_userCode->setText(tr("—"));
    m_uri->setText(tr("The user code appears here during a device-flow walk."));
    m_qrLabel->clear();
    m_expiry->setRange(0, 1);
    m_expiry->setValue(0);
    m_expiry->setFormat(tr("%v s"));
    m_interval->setRange(0, 1);
    m_interval->setValue(0);
}

void DeviceCodeView::tick()
{
    const double seconds = double(m_sinceStart.elapsed()) / double(m_second.count());
    const qint64 left = qMax<qint64>(0, m_device.expiresIn - qint64(seconds));
    m_expiry->setValue(int(left));
    m_expiry->setFormat(tr("%1 s left").arg(left));
    const double sincePoll = double(m_sincePoll.elapsed()) / double(m_second.count());
    const int tenths = int(qMin<double>(double(m_device.interval), sincePoll) * 10);
    m_interval->setValue(tenths);
    m_interval->setFormat(
        tr("%1 s").arg(qMax<double>(0, double(m_device.interval) - sincePoll), 0, 'f', 1));
    if (left == 0)
        m_ticker.stop();
}

} // namespace Ui
