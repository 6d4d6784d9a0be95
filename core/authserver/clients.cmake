# Clients of the authorization server: authentication at the token-style endpoints,
# resolution (registered ids and Client ID Metadata Documents), redirect URI rules and
# dynamic registration (RFC 7591).
target_sources(core_authserver PRIVATE
    clientauthenticator.cpp clientauthenticator.h
    clientmetadata.cpp clientmetadata.h
    clientresolver.cpp clientresolver.h
    registrationendpoint.cpp
)
