# Client authentication, redirect URI rules, dynamic registration and Client ID Metadata
# Documents.
add_library(as_client_test_support STATIC clienttestcase.cpp clienttestcase.h)
target_link_libraries(as_client_test_support PUBLIC as_test_support)

mcpauth_add_test(tst_as_redirecturi SOURCES tst_as_redirecturi.cpp
    LIBS core_authserver LABELS authserver TIMEOUT 60)
mcpauth_add_test(tst_as_clientauth SOURCES tst_as_clientauth.cpp
    LIBS as_client_test_support LABELS authserver TIMEOUT 120)
mcpauth_add_test(tst_as_registration SOURCES tst_as_registration.cpp
    LIBS as_client_test_support LABELS authserver TIMEOUT 120)
mcpauth_add_test(tst_as_cimd SOURCES tst_as_cimd.cpp
    LIBS as_client_test_support LABELS authserver TIMEOUT 120)
