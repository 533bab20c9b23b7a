// A real OpenID Connect provider for the hub's tests (oidc-provider), listening on loopback only.
//
// Configuration comes from the environment (the port may also be the first argument):
//   OIDC_PORT                        port on 127.0.0.1 (the issuer is http://127.0.0.1:<port>)
//   OIDC_CLIENT_ID                   confidential client id (default entente-hub)
//   OIDC_CLIENT_SECRET               its secret (required)
//   OIDC_REDIRECT_URIS               space-separated redirect URIs (required)
//   OIDC_POST_LOGOUT_REDIRECT_URIS   space-separated post-logout redirect URIs (optional)
//   OIDC_AUDIENCE                    `aud` of the JWT access tokens (default entente-api)
//   OIDC_RESOURCE                    the resource indicator (RFC 8707) that maps to that audience;
//                                    it must be an absolute URI (default urn:entente:api)
//   OIDC_API_SCOPE                   space-separated scopes of that resource (default api)
//   OIDC_ACCESS_TOKEN_ALG            RS256 (default) or ES256
//   OIDC_ACCESS_TOKEN_TTL            seconds (default 300, as Keycloak)
//   OIDC_ACCESS_TOKEN_PROFILE        "off": access tokens carry only `sub` of the user (as
//                                    oidc-provider does by default), no profile or e-mail claims
//   OIDC_ACCOUNTS_FILE               JSON list of accounts: sub, login (what the sign-in form
//                                    takes; preferred_username when absent), preferred_username,
//                                    password, email, email_verified, name
//
// Users sign in on the provider's own pages (/interaction/:uid): a login form that checks the
// password, then a consent form. There is deliberately no shortcut route to mint tokens: tests
// drive the authorization code flow like a browser would.

import { generateKeyPairSync, randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider, { errors } from 'oidc-provider';

const HOST = '127.0.0.1';
const MAX_FORM_BYTES = 16 * 1024;

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is required`);
  }
  return value;
}

function words(value) {
  return (value ?? '').split(/\s+/).filter(Boolean);
}

function signingKey(type, alg, options) {
  const { privateKey } = generateKeyPairSync(type, options);
  const jwk = privateKey.export({ format: 'jwk' });
  const publicMembers = type === 'rsa' ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  // RFC 7638 thumbprint, so a kid names exactly one public key.
  const kid = createHash('sha256').update(JSON.stringify(publicMembers)).digest('base64url');
  return { ...jwk, kid, alg, use: 'sig' };
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>`
    + `<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

function loadAccounts(path) {
  const list = JSON.parse(readFileSync(path, 'utf8'));
  const bySub = new Map();
  const byLogin = new Map();
  for (const account of list) {
    for (const field of ['sub', 'preferred_username', 'password']) {
      if (typeof account[field] !== 'string' || !account[field]) {
        throw new Error(`account ${JSON.stringify(account.sub)} lacks ${field}`);
      }
    }
    bySub.set(account.sub, account);
    // The login is not a claim: two accounts may show the same preferred_username.
    byLogin.set(account.login || account.preferred_username, account);
  }
  return { bySub, byLogin };
}

function samePassword(given, expected) {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) {
      throw new errors.InvalidRequest('form too large');
    }
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const port = Number(process.argv[2] ?? process.env.OIDC_PORT);
if (!Number.isInteger(port) || port <= 0) {
  throw new Error('give the port as first argument or OIDC_PORT');
}
const issuer = `http://${HOST}:${port}`;
const clientId = process.env.OIDC_CLIENT_ID || 'entente-hub';
const audience = process.env.OIDC_AUDIENCE || 'entente-api';
const resource = process.env.OIDC_RESOURCE || 'urn:entente:api';
const apiScope = words(process.env.OIDC_API_SCOPE || 'api').join(' ');
const accessTokenAlg = process.env.OIDC_ACCESS_TOKEN_ALG || 'RS256';
const accessTokenTTL = Number(process.env.OIDC_ACCESS_TOKEN_TTL || 300);
const accounts = loadAccounts(required('OIDC_ACCOUNTS_FILE'));
const profileInAccessToken = process.env.OIDC_ACCESS_TOKEN_PROFILE !== 'off';

function accountClaims(account) {
  return {
    sub: account.sub,
    preferred_username: account.preferred_username,
    name: account.name,
    email: account.email,
    email_verified: account.email_verified,
  };
}

const configuration = {
  clients: [
    {
      client_id: clientId,
      client_secret: required('OIDC_CLIENT_SECRET'),
      redirect_uris: words(required('OIDC_REDIRECT_URIS')),
      post_logout_redirect_uris: words(process.env.OIDC_POST_LOGOUT_REDIRECT_URIS),
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      // ID tokens in ES256 and access tokens in RS256 (by default): both key types get used.
      id_token_signed_response_alg: 'ES256',
    },
  ],
  jwks: {
    keys: [
      signingKey('rsa', 'RS256', { modulusLength: 2048 }),
      signingKey('ec', 'ES256', { namedCurve: 'P-256' }),
    ],
  },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    profile: ['preferred_username', 'name'],
    email: ['email', 'email_verified'],
  },
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  async findAccount(ctx, sub) {
    const account = accounts.bySub.get(sub);
    if (!account) {
      return undefined;
    }
    return { accountId: sub, claims: async () => accountClaims(account) };
  },
  // Like Keycloak: the access token names its user, so the API needs no userinfo round trip.
  async extraTokenClaims(ctx, token) {
    const account = token.accountId ? accounts.bySub.get(token.accountId) : undefined;
    if (!profileInAccessToken) {
      return undefined;
    }
    if (!account) {
      return undefined;
    }
    const { sub, ...claims } = accountClaims(account);
    return claims;
  },
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  ttl: {
    AccessToken: accessTokenTTL,
    AuthorizationCode: 60,
    ClientCredentials: accessTokenTTL,
    IdToken: 3600,
    Interaction: 600,
    Grant: 3600,
    RefreshToken: 3600,
    Session: 3600,
  },
  interactions: {
    url: (ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => resource,
      useGrantedResource: async () => true,
      async getResourceServerInfo(ctx, indicator) {
        if (indicator !== resource) {
          throw new errors.InvalidTarget();
        }
        return {
          scope: apiScope,
          audience,
          accessTokenTTL,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: accessTokenAlg } },
        };
      },
    },
  },
};

const provider = new Provider(issuer, configuration);

function loginForm(uid, message) {
  const error = message ? `<p role="alert">${escapeHtml(message)}</p>` : '';
  return page('Sign-in', `${error}<form method="post" action="/interaction/${escapeHtml(uid)}/login">`
    + '<input type="text" name="username" required autofocus>'
    + '<input type="password" name="password" required>'
    + '<button type="submit">Sign-in</button></form>');
}

function consentForm(uid, details) {
  const asked = [...(details.missingOIDCScope ?? []), ...Object.keys(details.missingResourceScopes ?? {})];
  return page('Authorize', `<p>${escapeHtml(asked.join(' '))}</p>`
    + `<form method="post" action="/interaction/${escapeHtml(uid)}/confirm">`
    + '<button type="submit">Continue</button></form>');
}

async function finish(ctx, result, mergeWithLastSubmission) {
  const target = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission });
  ctx.status = 303;
  ctx.redirect(target);
}

async function interactions(ctx, next) {
  const match = /^\/interaction\/([^/]+)(?:\/(login|confirm))?$/.exec(ctx.path);
  if (!match) {
    return next();
  }
  const [, uid, action] = match;
  ctx.set('cache-control', 'no-store');
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.uid !== uid) {
    throw new errors.InvalidRequest('interaction mismatch');
  }
  const { prompt, params, session, grantId } = details;

  if (ctx.method === 'GET' && !action) {
    ctx.type = 'html';
    ctx.body = prompt.name === 'login' ? loginForm(uid) : consentForm(uid, prompt.details);
    return undefined;
  }
  if (ctx.method !== 'POST' || !action) {
    ctx.status = 405;
    return undefined;
  }

  if (action === 'login') {
    if (prompt.name !== 'login') {
      throw new errors.InvalidRequest('no login expected');
    }
    const form = await readForm(ctx.req);
    const account = accounts.byLogin.get(form.get('username') ?? '');
    if (!account || !samePassword(form.get('password') ?? '', account.password)) {
      ctx.status = 401;
      ctx.type = 'html';
      ctx.body = loginForm(uid, 'Invalid username or password.');
      return undefined;
    }
    return finish(ctx, { login: { accountId: account.sub } }, false);
  }

  if (prompt.name !== 'consent') {
    throw new errors.InvalidRequest('no consent expected');
  }
  await readForm(ctx.req);
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
  if (missingOIDCScope) {
    grant.addOIDCScope(missingOIDCScope.join(' '));
  }
  if (missingOIDCClaims) {
    grant.addOIDCClaims(missingOIDCClaims);
  }
  for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  return finish(ctx, { consent: { grantId: await grant.save() } }, true);
}

provider.use(interactions);

const server = provider.listen(port, HOST, () => {
  process.stdout.write(`oidc-provider listening on ${issuer}\n`);
});

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
