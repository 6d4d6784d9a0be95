#include <QCoreApplication>

#include "commands.h"
#include "engine.h"

int main(int argc, char *argv[])
{
    Core::prepareApplication();
    QCoreApplication app(argc, argv);
    Core::applyApplicationIdentity();
    return Cli::run(QCoreApplication::arguments());
}
