# /authorize, /login, /consent and the page templates.
mcpauth_add_test(tst_as_htmlpage SOURCES tst_as_htmlpage.cpp
    LIBS core_authserver LABELS authserver TIMEOUT 60)
mcpauth_add_test(tst_as_authorize SOURCES tst_as_authorize.cpp
    LIBS as_test_support Qt6::Sql LABELS authserver TIMEOUT 240)
