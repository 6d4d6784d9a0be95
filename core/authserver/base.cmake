# The authorization server's base: configuration, shared context, OAuth helpers, keys,
# token issuance, rate limits, audit, passwords, metadata and the server object.
target_sources(core_authserver PRIVATE
    auditlog.cpp auditlog.h
    authorizationserver.cpp authorizationserver.h
    config.cpp config.h
    context.cpp context.h
    endpoints.h
    keymanager.cpp keymanager.h
    metadataendpoint.cpp
    oauth.cpp oauth.h
    passwords.cpp passwords.h
    ratelimiter.cpp ratelimiter.h
    tokenissuer.cpp tokenissuer.h
)
