"""The platform's credential signing key (Ed25519) and VC-JWT signing, for Open Badges.

Completion records are HMAC-signed (services/completions): only this server can check them.
A portable credential must be checkable by anyone, offline, so it is signed with an asymmetric
key whose public half is published as a JWKS (/.well-known/jwks.json).

joserfc does the JOSE work (JWS compact serialisation, OKP/Ed25519 JWKs, RFC 7638 thumbprints):
it is maintained (1.8, 2026), typed, and builds on `cryptography`; hand-rolling JWS would be
exactly the kind of code a well-kept library should own.

The private key lives in the instance folder (`credential_key.jwk.json`, mode 0600), made on
first use and never in the repository. Its `kid` is the key's RFC 7638 thumbprint, so a
verifier can pick the key from the JWKS, and a rotated key gets a new id.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from flask import current_app
from joserfc import jws
from joserfc.jwk import OKPKey

KEY_FILE = "credential_key.jwk.json"
# "EdDSA" with an Ed25519 key: what VC-JWT verifiers and Open Badges validators accept today.
# RFC 9864 (2025) prefers the fully-specified name "Ed25519" and joserfc warns about "EdDSA";
# switch once verifiers read the new name (the key and signatures stay the same).
ALGORITHM = "EdDSA"
# VC-JOSE-COSE (W3C VC Data Model 2.0): a JWT whose payload is the credential itself.
MEDIA_TYPE = "vc+jwt"


def _key_path() -> Path:
    return Path(current_app.instance_path) / KEY_FILE


def _create(path: Path) -> None:
    key = OKPKey.generate_key("Ed25519", private=True, auto_kid=True)
    data = json.dumps(key.as_dict(private=True)).encode()
    try:
        # O_EXCL: two workers starting together make one key, the loser reads the winner's.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def signing_key() -> OKPKey:
    """The platform's private key, generated on first use."""
    path = _key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _create(path)
    key = OKPKey.import_key(json.loads(path.read_text()))
    if not key.kid:
        key.ensure_kid()
    return key


def public_jwks() -> dict[str, Any]:
    """The JWKS verifiers use: public parts only."""
    public = signing_key().as_dict(private=False)
    public.update(use="sig", alg=ALGORITHM)
    return {"keys": [public]}


def sign_credential(credential: dict[str, Any], claims: dict[str, Any] | None = None) -> str:
    """A compact JWS (VC-JWT) over the credential plus registered JWT claims (iss, sub, …)."""
    key = signing_key()
    header = {"alg": ALGORITHM, "typ": MEDIA_TYPE, "cty": "vc", "kid": key.kid}
    payload = json.dumps({**credential, **(claims or {})}, ensure_ascii=False,
                         separators=(",", ":")).encode()
    return jws.serialize_compact(header, payload, key, algorithms=[ALGORITHM])


OB_CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def issuer_profile(*, issuer_id: str, home: str, jwks_url: str, name: str) -> dict[str, Any]:
    """The Open Badges `Profile` of the platform, served at /api/v1/issuer."""
    return {
        "@context": OB_CONTEXTS,
        "id": issuer_id,
        "type": ["Profile"],
        "name": name,
        "url": home,
        # Where the verification keys are (not an OB field; VC-JOSE verifiers use the JWKS).
        "publicKey": jwks_url,
    }
