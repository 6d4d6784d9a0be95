# The token endpoint (every grant), device authorization and verification (RFC 8628),
# introspection (RFC 7662) and revocation (RFC 7009).
target_sources(core_authserver PRIVATE
    clientrequest.cpp clientrequest.h
    deviceendpoint.cpp
    deviceusercode.cpp deviceusercode.h
    introspectionendpoint.cpp
    tokenendpoint.cpp
)
