# The authorization server's base: configuration, metadata, keys, token issuance,
# passwords and rate limits.
add_library(as_base_test_support STATIC basetestsupport.cpp basetestsupport.h)
target_link_libraries(as_base_test_support PUBLIC as_test_support Qt6::Sql)
set_target_properties(as_base_test_support PROPERTIES AUTOMOC ON)

mcpauth_add_test(tst_as_config SOURCES tst_as_config.cpp
    LIBS core_authserver LABELS authserver TIMEOUT 60)
mcpauth_add_test(tst_as_passwords SOURCES tst_as_passwords.cpp
    LIBS core_authserver LABELS authserver TIMEOUT 120)
foreach(_t tst_as_metadata tst_as_keys tst_as_tokenissuer tst_as_ratelimit)
    mcpauth_add_test(${_t} SOURCES ${_t}.cpp
        LIBS as_base_test_support LABELS authserver TIMEOUT 120)
endforeach()
