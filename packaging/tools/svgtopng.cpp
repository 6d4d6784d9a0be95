// Build-time tool: renders the application's SVG icon to the PNG sizes of the hicolor
// icon theme (and to the Windows installer's .ico), so packaging needs no SVG tool beyond
// Qt Svg, which the app links anyway.
//
// Usage: mcpauth-svgtopng INPUT.svg OUTPUT.(png|ico) SIZE

#include <QCoreApplication>
#include <QImage>
#include <QPainter>
#include <QSvgRenderer>
#include <QTextStream>

namespace {

int fail(const QString &message)
{
    QTextStream(stderr) << "mcpauth-svgtopng: " << message << '\n';
    return 1;
}

} // namespace

int main(int argc, char *argv[])
{
    // Raster painting into a QImage needs no platform plugin, hence no display on the
    // build machine. The icon has no text, so no fonts are needed either.
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    if (args.size() != 4)
        return fail(QStringLiteral("usage: mcpauth-svgtopng INPUT.svg OUTPUT.(png|ico) SIZE"));

    bool ok = false;
    const int size = args.at(3).toInt(&ok);
    if (!ok || size < 8 || size > 4096)
        return fail(
            QStringLiteral("SIZE must be a whole number from 8 to 4096, not '%1'").arg(args.at(3)));

    QSvgRenderer renderer(args.at(1));
    if (!renderer.isValid())
        return fail(QStringLiteral("%1 is not a readable SVG file").arg(args.at(1)));

    QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    {
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setRenderHint(QPainter::SmoothPixmapTransform);
        renderer.render(&painter);
    }
    // Dots per metre of 96 dpi, fixed so that the PNG bytes do not depend on the machine.
    image.setDotsPerMeterX(3780);
    image.setDotsPerMeterY(3780);
    const QString output = args.at(2);
    const char *format = output.endsWith(QLatin1String(".ico")) ? "ICO" : "PNG";
    if (!image.save(output, format))
        return fail(QStringLiteral("cannot write %1 as %2").arg(output, QLatin1String(format)));
    return 0;
}
