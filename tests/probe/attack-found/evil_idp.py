#!/usr/bin/env python3
"""A malicious/odd Keycloak-layout IdP on 127.0.0.1 for attacking `clearml-sso probe`.
usage: evil_idp.py MODE LOGFILE  -> prints 'listening PORT'; logs every request (line, headers, body).
MODE picks the behaviour of the token endpoint / discovery (see handlers below)."""
import sys, json, time, base64, socketserver, http.server, urllib.parse

MODE, LOG = sys.argv[1], sys.argv[2]
REALM = "r"

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def base(self):
        return "http://%s" % self.headers.get("Host")
    def send(self, status, body, ctype="application/json", extra=()):
        if isinstance(body, str): body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra: self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
    def record(self, body=b""):
        with open(LOG, "a") as f:
            f.write(json.dumps({"line": self.requestline, "headers": dict(self.headers), "body": body.decode("latin1")}) + "\n")
    def do_GET(self):
        self.record()
        b = self.base() + "/realms/" + REALM
        p = urllib.parse.urlparse(self.path)
        if p.path.endswith("/.well-known/openid-configuration"):
            if MODE == "hang_discovery":
                time.sleep(3600)
            if MODE == "drip_discovery":
                self.send_response(200); self.send_header("Content-Type","application/json")
                self.send_header("Content-Length","100000"); self.end_headers()
                for i in range(100000):
                    self.wfile.write(b" "); self.wfile.flush(); time.sleep(0.5)
                return
            if MODE == "huge_headers":
                self.send_response(200)
                for i in range(20000): self.send_header("X-%d" % i, "a"*100)
                self.end_headers(); return
            doc = {
                "issuer": b,
                "authorization_endpoint": b + "/protocol/openid-connect/auth",
                "token_endpoint": b + "/protocol/openid-connect/token",
                "userinfo_endpoint": b + "/protocol/openid-connect/userinfo",
                "jwks_uri": b + "/protocol/openid-connect/certs",
                "end_session_endpoint": b + "/protocol/openid-connect/logout",
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "scopes_supported": ["openid", "email"], "claims_supported": ["email"],
            }
            if MODE == "big_discovery":
                doc["padding"] = "x" * 70000
            self.send(200, json.dumps(doc)); return
        if p.path.endswith("/auth"):
            q = urllib.parse.parse_qs(p.query)
            if MODE == "login_form":
                # A login page that carries the request's query in its form action (ADFS-like).
                html = '<html><body><form method="post" action="/auth?%s"><input name="username"><input type="password" name="password"><button>Sign in</button></form></body></html>' % p.query
                self.send(200, html, "text/html"); return
            cb = q["redirect_uri"][0]
            if MODE == "prefix_callback":
                cb = cb  # registered is cb + "2"; we redirect to our error page instead
            self.send(302, "", extra=[("Location", cb + "?error=login_required&state=" + q["state"][0])]); return
        self.send(404, "{}")
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(n)
        self.record(body)
        auth = self.headers.get("Authorization", "")
        form = urllib.parse.parse_qs(body.decode())
        secret = None
        if auth.startswith("Basic "):
            pair = base64.b64decode(auth[6:]).decode()
            secret = urllib.parse.unquote(pair.split(":", 1)[1])
        elif "client_secret" in form:
            secret = form["client_secret"][0]
        made_up = secret and secret.startswith("clearml-sso-probe-secret-")
        if MODE == "hang_token":
            time.sleep(3600)
        if made_up:
            self.send(401, json.dumps({"error": "invalid_client", "error_description": "bad"})); return
        if MODE == "redirect_token":
            # 307/308 keep the method and body: a client following it resends the secret.
            self.send(307, "", extra=[("Location", self.base() + "/elsewhere/token")]); return
        if MODE == "reflect_basic":
            self.send(401, json.dumps({"error": "invalid_client", "error_description": "got " + auth})); return
        if MODE == "reflect_body":
            self.send(401, json.dumps({"error": "invalid_client", "error_description": "got " + body.decode()})); return
        if MODE == "reflect_html":
            self.send(401, "<html><body>bad client secret <b>%s</b></body></html>" % secret.replace("&", "&amp;").replace("<", "&lt;"), "text/html"); return
        if MODE == "reflect_cut":
            self.send(401, json.dumps({"error": "invalid_client", "error_description": "x" * 190 + " " + secret})); return
        self.send(401, json.dumps({"error": "invalid_client", "error_description": "got " + secret})); return

class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
srv = S(("127.0.0.1", 0), H)
print("listening", srv.server_address[1], flush=True)
srv.serve_forever()
