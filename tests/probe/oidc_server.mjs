// A real OpenID provider for the `clearml-sso probe` tests: npm oidc-provider (OpenID
// Certified), on 127.0.0.1, in one of two URL layouts:
//   keycloak  http://127.0.0.1:PORT/realms/REALM/protocol/openid-connect/{auth,token,userinfo,
//             certs,logout}; any other realm answers 404 as Keycloak does
//   auth0     https://127.0.0.1:PORT/ with Auth0's flat paths (/authorize, /oauth/token,
//             /userinfo, /.well-known/jwks.json), served with CERT and KEY (a test CA's)
// Two confidential clients: `clearml-basic` (client_secret_basic) and `clearml-post`
// (client_secret_post), with the callbacks of CALLBACKS (comma-separated); and any clients
// of OIDC_EXTRA_CLIENTS (a JSON array of oidc-provider client metadata, CALLBACKS their
// redirect_uris unless given), for hand-run attacks (tests/probe/attack-found/README.md).
// Usage: node oidc_server.mjs OIDC_PROVIDER_DIR LAYOUT REALM CALLBACKS [CERT KEY]
// Prints `listening PORT` once it serves; runs until killed.
import http from 'node:http';
import https from 'node:https';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, layout, realm, callbacks, cert, key] = process.argv.slice(2);
const { default: Provider } = await import(
  pathToFileURL(path.join(dir, 'node_modules', 'oidc-provider', 'lib', 'index.js')).href
);

const server = layout === 'auth0'
  ? https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) })
  : http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = server.address().port;

const prefix = layout === 'auth0' ? '' : `/realms/${realm}`;
const issuer = layout === 'auth0'
  ? `https://127.0.0.1:${port}/`
  : `http://127.0.0.1:${port}${prefix}`;
const routes = layout === 'auth0'
  ? {
      authorization: '/authorize',
      token: '/oauth/token',
      userinfo: '/userinfo',
      jwks: '/.well-known/jwks.json',
      end_session: '/oidc/logout',
    }
  : {
      authorization: '/protocol/openid-connect/auth',
      token: '/protocol/openid-connect/token',
      userinfo: '/protocol/openid-connect/userinfo',
      jwks: '/protocol/openid-connect/certs',
      end_session: '/protocol/openid-connect/logout',
    };
const redirect_uris = callbacks.split(',');
const provider = new Provider(issuer, {
  routes,
  // The scopes and claims a ClearML login asks for, so the discovery document lists them.
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  clients: [
    {
      client_id: 'clearml-basic',
      client_secret: 'basic-secret-c0rrect',
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris,
    },
    {
      client_id: 'clearml-post',
      client_secret: 'post-secret-c0rrect',
      token_endpoint_auth_method: 'client_secret_post',
      redirect_uris,
    },
    ...JSON.parse(process.env.OIDC_EXTRA_CLIENTS || '[]').map((c) => ({ redirect_uris, ...c })),
  ],
});
const handle = provider.callback();

server.on('request', (req, res) => {
  if (!prefix) {
    handle(req, res);
    return;
  }
  const [pathname] = req.url.split('?');
  if (pathname === prefix || pathname.startsWith(`${prefix}/`)) {
    // Mounted under the realm: oidc-provider reads the mount path from originalUrl.
    req.originalUrl = req.url;
    req.url = req.url.slice(prefix.length) || '/';
    handle(req, res);
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: 'Realm does not exist' }));
});

process.stdout.write(`listening ${port}\n`);
