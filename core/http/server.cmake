#The HTTP / 1.1 server side of core_http : message types, the request parser, routing,
#connections on worker threads, server - sent events and TLS.
target_sources(core_http PRIVATE ${CMAKE_CURRENT_LIST_DIR} / message.cpp ${CMAKE_CURRENT_LIST_DIR} /
               message.h ${CMAKE_CURRENT_LIST_DIR} / requestparser.cpp ${CMAKE_CURRENT_LIST_DIR} /
               requestparser.h ${CMAKE_CURRENT_LIST_DIR} / router.cpp ${CMAKE_CURRENT_LIST_DIR} /
               router.h ${CMAKE_CURRENT_LIST_DIR} / responder.cpp ${CMAKE_CURRENT_LIST_DIR} /
               responder.h ${CMAKE_CURRENT_LIST_DIR} / sse.cpp ${CMAKE_CURRENT_LIST_DIR} /
               sse.h ${CMAKE_CURRENT_LIST_DIR} / connection.cpp ${CMAKE_CURRENT_LIST_DIR} /
               connection.h ${CMAKE_CURRENT_LIST_DIR} / server.cpp ${CMAKE_CURRENT_LIST_DIR} /
               server.h ${CMAKE_CURRENT_LIST_DIR} / tls.cpp ${CMAKE_CURRENT_LIST_DIR} /
               tls.h ${CMAKE_CURRENT_LIST_DIR} / syntax.h)
