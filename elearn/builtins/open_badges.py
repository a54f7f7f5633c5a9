"""Default plugin: a completion as an Open Badges 3.0 credential (a W3C Verifiable
Credential), signed as a VC-JWT (EdDSA, Ed25519) under the platform's key, which is published
at /.well-known/jwks.json. Anyone holding that JWKS can check a credential offline.

Two downloads: `.jwt`, the signed credential other systems import, and `.json`, the same
credential as readable JSON-LD (unsigned: it is for people; the .jwt is the proof)."""
from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timezone
from typing import Any

from ..api import (
    OPEN_BADGES_CONTEXTS, CertificateData, CertificateRenderer, hookimpl, sign_credential,
)


def _iso(moment: Any) -> str:
    # Completion times are stored naive in UTC.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace(
        "+00:00", "Z")


def credential(certificate: CertificateData) -> dict[str, Any]:
    """The OpenBadgeCredential for one completion; deterministic for the same completion."""
    titles = dict(certificate.course_titles) or {certificate.language: certificate.course_title}
    title = titles.get("vi") or certificate.course_title
    achievement_id = (f"{certificate.issuer_url}/achievements/"
                      f"{certificate.content_hash[:16]}")
    identity_hash = hashlib.sha256(
        (certificate.holder_identity + certificate.holder_salt).encode()).hexdigest()
    return {
        "@context": OPEN_BADGES_CONTEXTS,
        "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, certificate.verify_url)}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": title,
        "issuer": {"id": certificate.issuer_url, "type": ["Profile"],
                   "name": certificate.unit_name},
        "validFrom": _iso(certificate.completed_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": certificate.holder_name,  # for display; the identifier is the hash
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": f"sha256${identity_hash}",
                "identityType": certificate.holder_identity_type,
                "hashed": True,
                "salt": certificate.holder_salt,
            }],
            "achievement": {
                "id": achievement_id,
                "type": ["Achievement"],
                "achievementType": "Course",
                "name": title,
                # OB 3.0 multilingual names: the default language above, every one here.
                "nameLanguages": titles,
                "description": title,
                "version": certificate.course_version,
                "criteria": {"narrative": certificate.criteria},
                "contentHash": {"algorithm": "SHA-256", "value": certificate.content_hash},
            },
            "result": ([{"type": ["Result"], "value": f"{certificate.score:g}"}]
                       if certificate.score is not None else []),
        },
        "credentialStatus": {
            "id": certificate.status_url,
            "type": "ElearnVerificationStatus",
            "verificationPage": certificate.verify_url,
            "code": certificate.display_code,
        },
    }


class OpenBadgeJwt(CertificateRenderer):
    name = "openbadge"
    extension = "jwt"
    mimetype = "application/vc+jwt"

    def render(self, certificate: CertificateData) -> bytes:
        body = credential(certificate)
        claims = {"iss": certificate.issuer_url, "jti": body["id"],
                  "sub": body["credentialSubject"]["identifier"][0]["identityHash"],
                  "nbf": int(certificate.completed_at.replace(
                      tzinfo=certificate.completed_at.tzinfo or timezone.utc).timestamp())}
        return sign_credential(body, claims).encode("ascii")


class OpenBadgeJson(CertificateRenderer):
    name = "openbadge-json"
    extension = "json"
    mimetype = "application/ld+json"

    def render(self, certificate: CertificateData) -> bytes:
        return json.dumps(credential(certificate), ensure_ascii=False, indent=2).encode()


@hookimpl
def register_certificate_renderers() -> list[type[CertificateRenderer]]:
    return [OpenBadgeJwt, OpenBadgeJson]
