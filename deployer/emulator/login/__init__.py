"""The login flow of an emulated tenant: a real authorization code login through its Actions.

    emu = Emulator()
    emu.add_application("app", name="App", callbacks=["http://127.0.0.1:8401/callback"],
                        client_secret="...")
    user_id = emu.add_user("ada@example.com", "a password")

Endpoints (all outside /api/v2):

    GET  /.well-known/openid-configuration, /.well-known/jwks.json
    GET  /authorize        response_type=code, client_id, redirect_uri (exactly a callback),
                           scope (openid profile email offline_access), state, nonce,
                           prompt (none | login), code_challenge[_method] (S256 | plain)
    POST /u/login          the login form (email, password, transaction)
    GET|POST /continue     state + the external page's fields: resumes the Action that redirected
    POST /oauth/token      grant_type=authorization_code | refresh_token (client_credentials
                           stays with the Management API's token endpoint)
    GET|POST /userinfo     Bearer access token
    GET|POST /oidc/logout, GET /v2/logout, POST /oauth/revoke   (logout.py)

After the password (or an existing session cookie) the post-login Actions bound to the trigger
run in binding order with their deployed code and secrets, in the local Node runtime
(deployer.runtime), as Auth0 would run them: see pipeline.py for the event and the rules.

Modules: records (stored data), crypto (passwords, RS256), context (what the emulator hands
over), web (HTTP helpers), pages (HTML), pipeline (running Actions), flow (browser side),
grants (token side), logout (ending sessions, revoking), app (routing and seeding). This
__init__ imports nothing: the tenant state (../records.py) imports login.records while the
emulator package is still loading.
"""
