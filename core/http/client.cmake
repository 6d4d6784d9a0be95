# Body helpers, secret masking, exchange capture and the outbound client.
target_sources(core_http PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/body.cpp ${CMAKE_CURRENT_LIST_DIR}/body.h
    ${CMAKE_CURRENT_LIST_DIR}/masking.cpp ${CMAKE_CURRENT_LIST_DIR}/masking.h
    ${CMAKE_CURRENT_LIST_DIR}/exchangelog.cpp ${CMAKE_CURRENT_LIST_DIR}/exchangelog.h
    ${CMAKE_CURRENT_LIST_DIR}/ssrfguard.cpp ${CMAKE_CURRENT_LIST_DIR}/ssrfguard.h
    ${CMAKE_CURRENT_LIST_DIR}/client.cpp ${CMAKE_CURRENT_LIST_DIR}/client.h
)
