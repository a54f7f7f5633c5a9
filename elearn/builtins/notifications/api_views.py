"""The notification centre in the JSON API v1: my notifications, a page at a time, and
marking one read. Texts are written when read, in the caller's language (as on the page)."""
from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_smorest import abort
from marshmallow import Schema, fields

from ...api import (
    AUTHENTICATED, ApiBlueprint, ApiPageArgs, ApiPageSchema, api_page, gettext as _,
    iso_local, permission, token_scope,
)
import elearn.builtins.notifications.store as store  # the module, not the package (no import circle)
from .texts import kind_label, render

bp = ApiBlueprint("api_v1_notifications", __name__, url_prefix="/api/v1/me/notifications",
                  description="My notifications (the notification centre)")
PROBLEMS = {status: {"description": description, "content": {"application/problem+json": {
    "schema": {"$ref": "#/components/schemas/Problem"}}}}
    for status, description in ((400, "Refused input"), (401, "Not signed in"),
                                (404, "Not found"), (422, "Bad parameters"))}


class NotificationOut(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    text = fields.String(required=True, metadata={"description": "in the caller's language"})
    link = fields.String(required=True)
    created_at = fields.String(required=True, metadata={
        "description": "ISO 8601 in Asia/Ho_Chi_Minh (+07:00)"})
    read = fields.Boolean(required=True)


class NotificationsPage(ApiPageSchema):
    unread = fields.Integer(required=True)
    items = fields.List(fields.Nested(NotificationOut), required=True)


def _shaped(notification: Any) -> dict[str, Any]:
    return {"id": notification.id, "kind": notification.kind,
            "kind_label": kind_label(notification.kind),
            "text": render(notification.kind, notification.params or {}),
            "link": notification.link or "", "created_at": iso_local(notification.created_at),
            "read": notification.read_at is not None}


@bp.route("", methods=["GET"])
@token_scope("read:me")
@permission(AUTHENTICATED)
@bp.arguments(ApiPageArgs, location="query", as_kwargs=True)
@bp.response(200, NotificationsPage)
@bp.doc(responses=PROBLEMS)
def mine(page: int, per_page: int):
    """My notifications, newest first, with how many are unread."""
    found = store.page_of(current_user.id, page, per_page)
    body = api_page(store.count_of(current_user.id), page, per_page,
                    [_shaped(row) for row in found.items])
    return {**body, "unread": store.unread_count(current_user.id)}


@bp.route("/<int:notification_id>/read", methods=["POST"])
@token_scope("read:me")
@permission(AUTHENTICATED)
@bp.response(200, NotificationOut)
@bp.doc(responses=PROBLEMS)
def read(notification_id: int):
    """Mark one of my notifications read (again: no change, the first read time stays)."""
    if store.one_of(current_user.id, notification_id) is None:
        abort(404, message=_("No such notification of yours."))
    store.mark_read(current_user.id, notification_id)
    return _shaped(store.one_of(current_user.id, notification_id))
