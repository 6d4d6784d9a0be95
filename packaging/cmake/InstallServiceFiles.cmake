# Runs at install time (cmake --install, cpack): installs the systemd unit and the default
# server config. Their places follow the install prefix as systemd and the FHS expect:
# prefix /usr (the .deb and the tarball) -> /lib/systemd/system and /etc/mcpauth;
# any other prefix P -> P/lib/systemd/system and P/etc/mcpauth. DESTDIR is honoured.
#
# Set by the install(CODE) in packaging/CMakeLists.txt: MCPAUTH_PACKAGING_SOURCE_DIR,
# MCPAUTH_PACKAGING_BINARY_DIR, MCPAUTH_INSTALL_BINDIR, PROJECT_HOMEPAGE_URL.

if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(etc_dir "/etc")
    set(unit_dir "/lib/systemd/system")
else()
    set(etc_dir "${CMAKE_INSTALL_PREFIX}/etc")
    set(unit_dir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
endif()
set(MCPAUTH_SERVICE_CONFIG_DIR "${etc_dir}/mcpauth")
set(MCPAUTH_SERVICE_EXEC "${CMAKE_INSTALL_PREFIX}/${MCPAUTH_INSTALL_BINDIR}/mcpauth")

set(staged "${MCPAUTH_PACKAGING_BINARY_DIR}/service")
configure_file("${MCPAUTH_PACKAGING_SOURCE_DIR}/linux/mcpauth.service.in"
               "${staged}/mcpauth.service" @ONLY)
configure_file("${MCPAUTH_PACKAGING_SOURCE_DIR}/linux/config.README.in"
               "${staged}/README" @ONLY)

set(read_only PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(INSTALL DESTINATION "${unit_dir}" TYPE FILE ${read_only}
     FILES "${staged}/mcpauth.service")
file(INSTALL DESTINATION "${MCPAUTH_SERVICE_CONFIG_DIR}" TYPE FILE ${read_only}
     FILES "${staged}/README")
# An administrator's edited config survives a plain `cmake --install` over an earlier one.
# Packages stage into a DESTDIR and leave conffile handling to the package manager.
if("$ENV{DESTDIR}" STREQUAL "" AND EXISTS "${MCPAUTH_SERVICE_CONFIG_DIR}/config.json")
    message(STATUS "Keeping: ${MCPAUTH_SERVICE_CONFIG_DIR}/config.json (the shipped default "
                   "is ${MCPAUTH_PACKAGING_SOURCE_DIR}/linux/config.json)")
else()
    file(INSTALL DESTINATION "${MCPAUTH_SERVICE_CONFIG_DIR}" TYPE FILE ${read_only}
         FILES "${MCPAUTH_PACKAGING_SOURCE_DIR}/linux/config.json")
endif()
