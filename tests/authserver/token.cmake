# The token endpoint, device flow, introspection/revocation and the full browser flow.
add_library(as_token_test_support STATIC tokentestcase.cpp tokentestcase.h)
target_link_libraries(as_token_test_support PUBLIC as_test_support Qt6::Sql)
set_target_properties(as_token_test_support PROPERTIES AUTOMOC ON)

mcpauth_add_test(tst_as_token SOURCES tst_as_token.cpp
    LIBS as_token_test_support LABELS authserver TIMEOUT 120)
mcpauth_add_test(tst_as_device SOURCES tst_as_device.cpp
    LIBS as_token_test_support LABELS authserver TIMEOUT 120)
mcpauth_add_test(tst_as_introspect_revoke SOURCES tst_as_introspect_revoke.cpp
    LIBS as_token_test_support LABELS authserver TIMEOUT 120)
mcpauth_add_test(tst_as_flow SOURCES tst_as_flow.cpp
    LIBS as_token_test_support LABELS authserver TIMEOUT 120)
