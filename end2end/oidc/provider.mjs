// A real OpenID Connect provider for tests (npm oidc-provider), on loopback.
// Accounts: any login name; the account's email is <login>@oidc.example, verified.
// Env: OIDC_PORT (default 3220), OIDC_REDIRECT_URIS (comma-separated),
//      OIDC_CLIENT_ID (default steward), OIDC_CLIENT_SECRET (default steward-test-secret).
import Provider from "oidc-provider";

const port = Number(process.env.OIDC_PORT ?? 3220);
const issuer = `http://127.0.0.1:${port}`;
const redirectUris = (process.env.OIDC_REDIRECT_URIS ?? "").split(",").filter(Boolean);
if (redirectUris.length === 0) {
  console.error("provider.mjs: set OIDC_REDIRECT_URIS");
  process.exit(2);
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.OIDC_CLIENT_ID ?? "steward",
      client_secret: process.env.OIDC_CLIENT_SECRET ?? "steward-test-secret",
      redirect_uris: redirectUris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  pkce: { required: () => true },
  // Put the email and name in the ID token itself (Steward reads the ID token).
  conformIdTokenClaims: false,
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  findAccount: async (_ctx, id) => ({
    accountId: id,
    claims: async () => ({
      sub: id,
      email: `${id}@oidc.example`,
      email_verified: true,
      name: `OIDC ${id}`,
    }),
  }),
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ["test-only-cookie-signing-key"] },
});

const server = provider.listen(port, "127.0.0.1", () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => server.close(() => process.exit(0)));
