# /authorize, /login and /consent (the browser part of the code flow), the page templates
# and the browser sessions shared with the device verification page.
target_sources(core_authserver PRIVATE
    authorizeendpoint.cpp
    authorizerequest.cpp authorizerequest.h
    browsersession.cpp browsersession.h
    htmlpage.cpp htmlpage.h
)
qt_add_resources(core_authserver "authserver_templates"
    PREFIX "/templates"
    BASE ${CMAKE_SOURCE_DIR}/resources/templates
    FILES
        ${CMAKE_SOURCE_DIR}/resources/templates/_head.html
        ${CMAKE_SOURCE_DIR}/resources/templates/_scopes.html
        ${CMAKE_SOURCE_DIR}/resources/templates/_style.css
        ${CMAKE_SOURCE_DIR}/resources/templates/consent.html
        ${CMAKE_SOURCE_DIR}/resources/templates/device-done.html
        ${CMAKE_SOURCE_DIR}/resources/templates/device.html
        ${CMAKE_SOURCE_DIR}/resources/templates/error.html
        ${CMAKE_SOURCE_DIR}/resources/templates/login.html
)
