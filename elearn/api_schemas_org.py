"""Marshmallow schemas of API v1 for centres and officers: recording and revoking
completions, people and units synced by external id, pledge status and the dashboard per
unit; and the public catalogue. (The person's own endpoints are in `api_schemas.py`.)"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from .api_schemas import NO_NUL, MyCompletion, PageArgs, PageSchema

EXTERNAL_ID = {"description": "the id the member-management software knows it by "
                              "(1–32 letters, digits, '.', '_', ':' or '-')"}


def _text(maximum: int, *, required: bool = True, **metadata: str) -> fields.String:
    return fields.String(required=required, validate=[validate.Length(max=maximum), NO_NUL],
                         metadata=metadata)


class CatalogueCourse(Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True, metadata={"description": "in the caller's language"})
    version = fields.String(required=True)
    year = fields.Integer(required=True)
    audience = fields.String(required=True)
    url = fields.String(required=True)


class CataloguePage(PageSchema):
    items = fields.List(fields.Nested(CatalogueCourse), required=True)


class RecordCompletion(Schema):
    """An in-person completion, as the centre's record form takes it."""

    username = _text(80, description="the person's username")
    course = _text(128, description="course slug")
    completed_on = fields.Date(required=True, metadata={"description": "date of the class"})
    score = fields.Float(load_default=None, allow_none=True, allow_nan=False,
                         validate=validate.Range(min=0, max=100))
    note = _text(500, required=False, description="class, place")


class Revoke(Schema):
    reason = fields.String(required=True, validate=[validate.Length(min=5, max=500), NO_NUL])


class CentreCompletion(MyCompletion):
    holder = fields.String(required=True)
    username = fields.String(required=True)
    unit = fields.String(required=True, metadata={"description": "unit code"})
    revoked = fields.Boolean(required=True)


class UnitBody(Schema):
    code = _text(64)
    name = _text(255)
    level = _text(32, description="a short lowercase label such as cell or district")
    parent = _text(64, description="the parent unit's code")


class UnitOut(Schema):
    external_id = fields.String(required=True, allow_none=True, metadata=EXTERNAL_ID)
    code = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True)
    parent = fields.String(required=True, allow_none=True)
    active = fields.Boolean(required=True)


class PersonBody(Schema):
    username = _text(80)
    full_name = _text(200)
    unit = _text(64, description="the unit's code")
    position = _text(200, required=False)
    audience = fields.String(load_default="cadre",
                             validate=validate.OneOf(["cadre", "student"]))
    is_party_member = fields.Boolean(load_default=True)
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    phone = fields.String(load_default=None, allow_none=True,
                          validate=[validate.Length(max=32), NO_NUL])


class PersonOut(Schema):
    external_id = fields.String(required=True, metadata=EXTERNAL_ID)
    username = fields.String(required=True)
    full_name = fields.String(required=True)
    unit = fields.String(required=True)
    position = fields.String(required=True)
    audience = fields.String(required=True)
    is_party_member = fields.Boolean(required=True)
    active = fields.Boolean(required=True)


class YearArgs(PageArgs):
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100),
                          metadata={"description": "default: this year (Vietnam time)"})


class ReportArgs(PageArgs):
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))
    course = fields.String(load_default=None, validate=[validate.Length(max=128), NO_NUL],
                           metadata={"description": "course slug; default: all courses"})
    audience = fields.String(load_default="all",
                             validate=validate.OneOf(["all", "cadre", "student"]))


class PersonPledge(Schema):
    username = fields.String(required=True)
    full_name = fields.String(required=True)
    status = fields.String(required=True, metadata={
        "description": "not_started when the person has not opened a pledge this year"})
    status_label = fields.String(required=True)


class UnitPledgesPage(PageSchema):
    unit = fields.String(required=True)
    year = fields.Integer(required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                         metadata={"description": "people per status, in the unit (not below)"})
    items = fields.List(fields.Nested(PersonPledge), required=True)


class Figures(Schema):
    unit = fields.String(required=True, allow_none=True, metadata={
        "description": "child unit's code; null: people attached to the unit itself"})
    name = fields.String(required=True, allow_none=True)
    people = fields.Integer(required=True)
    enrolled = fields.Integer(required=True)
    lessons_studied = fields.Integer(required=True)
    completed = fields.Integer(required=True)
    planned = fields.Integer(required=True)
    filed = fields.Integer(required=True)
    acknowledged = fields.Integer(required=True)
    assessed = fields.Integer(required=True)


class UnitReportPage(PageSchema):
    unit = fields.String(required=True)
    year = fields.Integer(required=True)
    total = fields.Nested(Figures, required=True)
    items = fields.List(fields.Nested(Figures), required=True)
