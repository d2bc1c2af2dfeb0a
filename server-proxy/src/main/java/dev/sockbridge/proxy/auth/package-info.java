/**
 * Built-in {@link dev.sockbridge.proxy.SessionAuthenticator}s: signed tokens a game backend mints
 * ({@link dev.sockbridge.proxy.auth.TokenMinter}, {@link dev.sockbridge.proxy.auth.TokenAuthenticator},
 * HMAC-SHA256 or Ed25519), websockify-style token files
 * ({@link dev.sockbridge.frontend.emscripten.TokenFileAuthenticator}) and TLS client certificates
 * ({@link dev.sockbridge.proxy.auth.ClientCertificateAuthenticator}), combined with
 * {@link dev.sockbridge.proxy.auth.CredentialAuthenticator#firstOf}. Token format and flags:
 * docs/auth.md.
 */
package dev.sockbridge.proxy.auth;
