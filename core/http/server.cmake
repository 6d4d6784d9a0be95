# The HTTP/1.1 server side of core_http: message types, the request parser, routing,
# connections on worker threads, server-sent events and TLS.
set(_http_server_sources
    message.cpp message.h
    syntax.h
    requestparser.cpp requestparser.h
    router.cpp router.h
    responder.cpp responder.h
    sse.cpp sse.h
    transport.cpp transport.h
    connection.cpp connection.h
    server.cpp server.h
    tls.cpp tls.h
)
list(TRANSFORM _http_server_sources PREPEND ${CMAKE_CURRENT_LIST_DIR}/)
target_sources(core_http PRIVATE ${_http_server_sources})
unset(_http_server_sources)
