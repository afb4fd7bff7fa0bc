"""A small, real OpenID Connect provider on a loopback port, for the external-login tests.

It speaks the authorization-code flow as an identity provider does (discovery document,
``/authorize`` that signs the configured user in without a form, ``/token`` returning an RS256
ID token, ``/jwks``, ``/userinfo``), so Streamlit's ``st.login`` runs unchanged against it: the
ID token's signature, issuer, audience, nonce and expiry are checked by Streamlit's own code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey


@dataclass
class Provider:
    """The provider's state: who signs in next, the issued codes, and every request it received."""

    url: str = ""
    client_id: str = "towerplan-test"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    email: str = "planner@thanhhoa.example"
    email_verified: bool = True
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    key: Any = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "test-key",
                                                                                   "alg": "RS256", "use": "sig"}))

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.url, "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token", "jwks_uri": f"{self.url}/jwks",
            "userinfo_endpoint": f"{self.url}/userinfo", "response_types_supported": ["code"],
            "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
        }

    def claims(self, nonce: str | None) -> dict[str, Any]:
        now = int(time.time())
        out = {"iss": self.url, "sub": hashlib.sha256(self.email.encode()).hexdigest()[:16], "aud": self.client_id,
               "iat": now, "exp": now + 600, "email": self.email, "email_verified": self.email_verified,
               "name": self.email.split("@")[0]}
        if nonce:
            out["nonce"] = nonce
        return out


class _Handler(BaseHTTPRequestHandler):
    provider: Provider

    def log_message(self, *args: Any) -> None:  # quiet test output
        pass

    def _json(self, value: Any, status: int = 200) -> None:
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        p = self.provider
        url = urllib.parse.urlsplit(self.path)
        p.requests.append(url.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/.well-known/openid-configuration":
            self._json(p.discovery())
        elif url.path == "/jwks":
            self._json({"keys": [p.key.as_dict(private=False)]})
        elif url.path == "/authorize":
            if query.get("client_id") != p.client_id or query.get("response_type") != "code":
                self._json({"error": "invalid_request"}, 400)
                return
            code = secrets.token_urlsafe(16)
            p.codes[code] = {"nonce": query.get("nonce"), "redirect_uri": query["redirect_uri"],
                             "challenge": query.get("code_challenge")}
            target = query["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": query["state"]})
            self.send_response(302)
            self.send_header("Location", target)
            self.end_headers()
        elif url.path == "/userinfo":
            self._json({"sub": p.claims(None)["sub"], "email": p.email, "email_verified": p.email_verified})
        else:
            self._json({"error": "not_found"}, 404)

    def do_POST(self) -> None:
        p = self.provider
        p.requests.append(self.path)
        if self.path != "/token":
            self._json({"error": "not_found"}, 404)
            return
        form = dict(urllib.parse.parse_qsl(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()))
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            user, _, password = base64.b64decode(basic[6:]).decode().partition(":")
            form.setdefault("client_id", urllib.parse.unquote(user))
            form.setdefault("client_secret", urllib.parse.unquote(password))
        issued = p.codes.pop(form.get("code", ""), None)
        if issued is None or form.get("client_id") != p.client_id or form.get("client_secret") != p.client_secret:
            self._json({"error": "invalid_grant"}, 400)
            return
        verifier = form.get("code_verifier")
        if issued["challenge"] and verifier:  # PKCE (RFC 7636, S256)
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if digest != issued["challenge"]:
                self._json({"error": "invalid_grant"}, 400)
                return
        token = jwt.encode({"alg": "RS256", "kid": "test-key"}, p.claims(issued["nonce"]), p.key)
        self._json({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 600,
                    "id_token": token, "scope": "openid email profile"})


@contextmanager
def oidc_provider() -> Iterator[Provider]:
    """Run a provider on 127.0.0.1 for the duration of the block."""
    provider = Provider()
    handler = type("Handler", (_Handler,), {"provider": provider})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
