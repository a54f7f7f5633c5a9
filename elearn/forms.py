"""WTForms forms (Flask-WTF adds CSRF to each). Rules live in services; forms check shape."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from .form_base import AppForm, AppSubForm, OnceForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField, DateField, DecimalField, EmailField, FieldList, FormField, HiddenField,
    PasswordField, SelectChoice, SelectField, SelectMultipleField, StringField,
    SubmitField, TelField, TextAreaField,
)
from wtforms.fields import IntegerField as WTFormsIntegerField
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.validators import (
    AnyOf, DataRequired, Email, EqualTo, Length, NumberRange, Optional, Regexp,
)

from .labels import level_choices, role_label
from .models import Role
from .services.accounts import MIN_PASSWORD_LENGTH, USERNAME

LANGUAGE_CHOICES = [SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")]


def audience_choices():
    return [SelectChoice("cadre", _l("Cadre or party member")),
            SelectChoice("student", _l("Student"))]


def role_choices():
    return [SelectChoice(role.value, role_label(role)) for role in Role]


def _new_password(label):
    return PasswordField(label, validators=[
        DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200,
                               message=_l("Use at least %(min)d characters.",
                                          min=MIN_PASSWORD_LENGTH))],
        render_kw={"autocomplete": "new-password"})


class LoginForm(AppForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Sign in"))


class LogoutForm(AppForm):
    submit = SubmitField(_l("Sign out"))


class LanguageForm(AppForm):
    language = HiddenField(validators=[AnyOf(["vi", "en"])])
    next = HiddenField()


class IntegerField(WTFormsIntegerField):
    """An integer of sane length: a thousand-digit number is no number a person means, and
    it would overflow NumberRange's float check (a 500 instead of a message)."""

    MAX_DIGITS = 18

    def process_formdata(self, valuelist):
        if valuelist and len(str(valuelist[0]).strip().lstrip("+-")) > self.MAX_DIGITS:
            self.data = None
            raise ValueError(self.gettext("Not a valid integer value."))
        super().process_formdata(valuelist)


class UsernameField(StringField):
    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = (self.data or "").strip().lower()


class JoinForm(AppForm):
    code = StringField(_l("Invitation code"), validators=[DataRequired(), Length(max=32)],
                       render_kw={"autocapitalize": "characters", "autocomplete": "off"})
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)],
                            render_kw={"autocomplete": "name"})
    username = UsernameField(_l("Username"), validators=[
        DataRequired(), Regexp(USERNAME.pattern, message=_l(
            "3–80 characters: lowercase letters without accents, digits, '.', '_' or '-'."))],
        render_kw={"autocomplete": "username", "autocapitalize": "none"})
    email = EmailField(_l("E-mail (optional)"), validators=[Optional(), Email(), Length(max=254)])
    phone = TelField(_l("Phone (optional)"), validators=[Optional(), Length(max=32)])
    password = _new_password(_l("Password"))
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Join"))


class ProfileForm(AppForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=32)])
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    submit = SubmitField(_l("Save"))


class PasswordForm(AppForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})
    new = _new_password(_l("New password"))
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(), EqualTo("new", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Change password"))


class UnitForm(AppForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=64)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=255)])
    # Picked by name ("Chi bộ"), not typed as the stored value ("cell"): issue #14 item 8.
    # No DataRequired: its `required` attribute on a select whose first option is a level is
    # an HTML error; the choice check refuses an empty or unknown level anyway.
    level = SelectField(_l("Level"), choices=lambda: level_choices(),
                        validators=[Length(max=32)])
    parent_code = StringField(_l("Parent unit code"), validators=[Length(max=64)])
    submit = SubmitField(_l("Save"))


class UnitEditForm(AppForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=255)])
    # Picked by name ("Chi bộ"), not typed as the stored value ("cell"): issue #14 item 8.
    # No DataRequired: its `required` attribute on a select whose first option is a level is
    # an HTML error; the choice check refuses an empty or unknown level anyway.
    level = SelectField(_l("Level"), choices=lambda: level_choices(),
                        validators=[Length(max=32)])
    parent_code = StringField(_l("Parent unit code"), validators=[Length(max=64)])
    submit = SubmitField(_l("Save"))


class ImportForm(AppForm):
    file = FileField(_l("CSV file (UTF-8)"), validators=[
        FileRequired(), FileAllowed(["csv", "txt"], _l("Choose a .csv file."))])
    dry_run = BooleanField(_l("Dry run: check every row, change nothing"), default=True)
    submit = SubmitField(_l("Import"))


class PersonForm(AppForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    unit_code = StringField(_l("Unit code"), validators=[DataRequired(), Length(max=64)])
    position = StringField(_l("Position"), validators=[Length(max=200)])
    audience = SelectField(_l("Audience"), choices=audience_choices)
    is_party_member = BooleanField(_l("Party member"))
    is_leader = BooleanField(_l("Key cadre (pledge may be published)"))
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=32)])
    active = BooleanField(_l("Account active"))
    submit = SubmitField(_l("Save"))


class GrantForm(AppForm):
    role = SelectField(_l("Role"), choices=role_choices)
    unit_code = StringField(_l("On unit (code)"), validators=[DataRequired(), Length(max=64)])
    submit = SubmitField(_l("Grant"))


class InvitationForm(OnceForm):
    unit_code = StringField(_l("Unit code"), validators=[DataRequired(), Length(max=64)])
    audience = SelectField(_l("Who joins"), choices=audience_choices)
    max_uses = IntegerField(_l("How many people may use it"), default=30,
                            validators=[DataRequired(), NumberRange(min=1, max=10000)])
    days = IntegerField(_l("Valid for (days)"), default=30,
                        validators=[DataRequired(), NumberRange(min=1, max=365)])
    submit = SubmitField(_l("Create invitation"))


class FiniteDecimalField(DecimalField):
    """A decimal number; NaN and infinities ("sNaN", "inf") are refused like any non-number,
    before range validators compare with them (a signalling NaN raises on comparison)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(_l("Enter a number, for example 85 or 92.5."))


class RecordCompletionForm(AppForm):
    username = UsernameField(_l("Username of the person"), validators=[DataRequired(),
                                                                        Length(max=80)])
    course = SelectField(_l("Course"), choices=[])
    completed_on = DateField(_l("Date of the class"), validators=[DataRequired()])
    score = FiniteDecimalField(_l("Score (optional, 0–100)"), places=1,
                         validators=[Optional(), NumberRange(min=0, max=100)])
    note = StringField(_l("Note (class, place)"), validators=[Length(max=500)])
    submit = SubmitField(_l("Record completion"))


class BulkCertificatesForm(AppForm):
    """A class's certificates in one ZIP: a course, and optionally where, how and when."""

    course = SelectField(_l("Course"), choices=[])
    unit = StringField(_l("Unit code (optional)"), validators=[Length(max=40)])
    method = SelectField(_l("How they studied"), default="", choices=[
        SelectChoice("", _l("Online or in class")),
        SelectChoice("online", _l("studied online")),
        SelectChoice("in_person", _l("studied in class"))])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])
    submit = SubmitField(_l("Prepare the ZIP of certificates"))


class AccommodationForm(AppForm):
    username = UsernameField(_l("Username of the person"), validators=[DataRequired(),
                                                                        Length(max=80)])
    course = SelectField(_l("Course"), choices=[])
    extra_minutes = IntegerField(_l("Extra minutes on each attempt"), default=0,
                                 validators=[Optional(), NumberRange(min=0, max=600)])
    extra_attempts = IntegerField(_l("Extra attempts"), default=0,
                                  validators=[Optional(), NumberRange(min=0, max=20)])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(min=5, max=500)])
    submit = SubmitField(_l("Grant"))


class RevokeForm(AppForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(min=5, max=500)])
    submit = SubmitField(_l("Revoke"))


class CommitmentForm(AppSubForm):
    """One commitment of a pledge: what, by when, how it can be checked (kept short)."""

    what = TextAreaField(_l("What I will do"), validators=[Length(max=300)],
                         render_kw={"maxlength": 300, "rows": 2})
    by_when = StringField(_l("By when"), validators=[Length(max=100)],
                          render_kw={"maxlength": 100})
    how = StringField(_l("How it can be checked"), validators=[Length(max=200)],
                      render_kw={"maxlength": 200})
    breakthrough = BooleanField(_l("Tied to this year's breakthrough content"))


def pledge_form_class(template, manifestation_ids=()) -> type[AppForm]:
    """A form with one list of commitments per section of the plan's template, the commitment
    on the 27 manifestations, and for each manifestation a choice and a guard measure."""
    fields = {section.key: FieldList(FormField(CommitmentForm),
                                     min_entries=template.max_commitments,
                                     max_entries=template.max_commitments)
              for section in template.sections}
    fields["accepted"] = BooleanField(_l("I make this commitment"))
    for manifestation_id in manifestation_ids:
        fields[f"m_{manifestation_id}"] = BooleanField(_l("Most relevant to my post"))
        fields[f"g_{manifestation_id}"] = StringField(_l("How I will guard against it"),
                                                      validators=[Length(max=300)])
    fields["save"] = SubmitField(_l("Save draft"))
    fields["file"] = SubmitField(_l("File my pledge"))
    return type("PledgeForm", (AppForm,), fields)


class ReturnForm(AppForm):
    comment = TextAreaField(_l("What should be changed"),
                            validators=[DataRequired(), Length(min=5, max=1000)])
    submit = SubmitField(_l("Return for revision"))


class RatingForm(AppForm):
    rating = SelectField(_l("Rating"), choices=lambda: [
        SelectChoice("excellent", _l("Excellently fulfilled")),
        SelectChoice("good", _l("Well fulfilled")),
        SelectChoice("fulfilled", _l("Fulfilled")),
        SelectChoice("not_fulfilled", _l("Not fulfilled"))])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=1000)])
    submit = SubmitField(_l("Rate and lock"))


# -- the pledge template, as a form (issue #14 item 12; see pledge_template_form.py) --------

MAX_SECTIONS = 10


class SectionForm(AppSubForm):
    # The key ties filed pledges' content to the section; it moves with its row and is
    # never shown, so renaming or reordering sections keeps what people wrote.
    key = HiddenField(validators=[Length(max=64)])
    title_vi = StringField(_l("Section title (Vietnamese)"),
                           validators=[DataRequired(), Length(max=300)])
    title_en = StringField(_l("Section title (English, optional)"),
                           validators=[Optional(), Length(max=300)])


class PledgeTemplateForm(AppSubForm):
    title_vi = StringField(_l("Title of the pledge (Vietnamese)"),
                           validators=[DataRequired(), Length(max=300)])
    title_en = StringField(_l("Title of the pledge (English, optional)"),
                           validators=[Optional(), Length(max=300)])
    intro_vi = TextAreaField(_l("Guidance shown above the sections (Vietnamese, optional)"),
                             validators=[Optional(), Length(max=1000)], render_kw={"rows": 3})
    intro_en = TextAreaField(_l("Guidance shown above the sections (English, optional)"),
                             validators=[Optional(), Length(max=1000)], render_kw={"rows": 3})
    max_commitments = IntegerField(_l("Commitments per section, at most"),
                                   validators=[DataRequired(), NumberRange(min=1, max=10)])
    sections = FieldList(FormField(SectionForm), min_entries=1, max_entries=MAX_SECTIONS)
    commitment_vi = TextAreaField(_l("Closing commitment (Vietnamese, optional)"),
                                  validators=[Optional(), Length(max=2000)],
                                  render_kw={"rows": 3})
    commitment_en = TextAreaField(_l("Closing commitment (English, optional)"),
                                  validators=[Optional(), Length(max=2000)],
                                  render_kw={"rows": 3})


class PlanForm(OnceForm):
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(min=2000, max=2200)])
    unit_code = StringField(_l("For the unit (code) and everything below it"),
                            validators=[DataRequired(), Length(max=64)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    audience = SelectField(_l("Who"), choices=lambda: [
        SelectChoice("cadre", _l("Cadre or party member")), SelectChoice("student", _l("Student")),
        SelectChoice("all", _l("Everyone"))])
    # Checkboxes, not a multi-select list box staff must Ctrl-click (issue #14 item 12).
    courses = SelectMultipleField(_l("Courses to complete before filing"), choices=[],
                                  widget=ListWidget(prefix_label=False),
                                  option_widget=CheckboxInput())
    deadline = DateField(_l("Deadline for filing"), validators=[DataRequired()])
    superiors_first = BooleanField(_l("Superiors file first"), default=True)
    inside_first = BooleanField(_l("Party members file before other cadres of their unit "
                                   "(trong trước, ngoài sau)"), default=False)
    study_since = DateField(_l("Study counts if completed on or after"), validators=[Optional()])
    min_versions = StringField(
        _l("Minimum course versions (e.g. cd-2016-toan-khoa=2.0; separate with commas)"),
        validators=[Optional(), Length(max=1000)])
    # The page shows `pledge`, the structured editor. `template` (YAML) is still read from a
    # POST that has no editor rows: scripts and saved pages written for the YAML box.
    pledge = FormField(PledgeTemplateForm)
    template = TextAreaField(_l("Pledge template (YAML)"), validators=[Optional()],
                             render_kw={"rows": 16, "spellcheck": "false"})
    submit = SubmitField(_l("Save plan"))


class ExtensionForm(AppForm):
    unit_code = StringField(_l("Unit code"), validators=[DataRequired(), Length(max=64)])
    deadline = DateField(_l("New deadline"), validators=[DataRequired()])
    submit = SubmitField(_l("Extend"))


class InspectionForm(OnceForm):
    unit_code = StringField(_l("Unit inspected (code)"), validators=[DataRequired(),
                                                                      Length(max=64)])
    kind = SelectField(_l("Kind"), choices=lambda: [
        SelectChoice("inspection", _l("Inspection")), SelectChoice("supervision", _l("Supervision"))])
    held_on = DateField(_l("Date"), validators=[DataRequired()])
    scope = TextAreaField(_l("Scope"), validators=[DataRequired(), Length(max=1000)])
    findings = TextAreaField(_l("Findings"), validators=[Length(max=5000)])
    corrections = TextAreaField(_l("Corrections required"), validators=[Length(max=5000)])
    submit = SubmitField(_l("Record"))


class FollowUpForm(AppForm):
    note = StringField(_l("Follow-up"), validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("Mark corrections done"))


class ConfirmForm(AppForm):
    """A bare POST form (CSRF only) for buttons such as revoke."""

    submit = SubmitField(_l("Confirm"))


class CreateButtonForm(OnceForm):
    """A bare POST form for a button that creates something (bind a volume, reset a
    password): CSRF and the one-time key, so a double tap creates once."""

    submit = SubmitField(_l("Confirm"))





class SeatForm(AppForm):
    username = UsernameField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    position = SelectField(_l("Position"), choices=lambda: [
        SelectChoice("secretary", _l("Secretary")),
        SelectChoice("deputy_secretary", _l("Deputy secretary")),
        SelectChoice("standing_member", _l("Standing committee member")),
        SelectChoice("member", _l("Committee member"))])
    submit = SubmitField(_l("Save"))


class MeetingForm(AppForm):
    held_on = DateField(_l("Meeting date"), validators=[DataRequired()])
    note = TextAreaField(_l("Notes"), validators=[Length(max=5000)])
    request_key = HiddenField()
    submit = SubmitField(_l("Record the meeting"))


class BreakthroughForm(AppForm):
    title = StringField(_l("Breakthrough content"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("What it means for the unit"), validators=[Length(max=3000)])
    submit = SubmitField(_l("Save"))


class NominationForm(OnceForm):
    kind = SelectField(_l("Exemplar"), choices=lambda: [
        SelectChoice("person", _l("A person")), SelectChoice("collective", _l("A collective"))])
    username = StringField(_l("Username (for a person)"), validators=[Optional(), Length(max=80)])
    name = StringField(_l("Name of the collective"), validators=[Optional(), Length(max=300)])
    description = TextAreaField(_l("What they did"), validators=[DataRequired(),
                                                                  Length(min=10, max=3000)])
    evidence = TextAreaField(_l("Evidence"), validators=[Length(max=3000)])
    submit = SubmitField(_l("Nominate"))


class DecisionForm(AppForm):
    decision = SelectField(_l("Decision"), choices=lambda: [
        SelectChoice("approved", _l("Approve")), SelectChoice("rejected", _l("Do not approve"))])
    note = StringField(_l("Note"), validators=[Length(max=1000)])
    submit = SubmitField(_l("Decide"))


def bank_import_format_choices():
    return [SelectChoice("", _l("From the file name (.gift, .txt, .xml, .xlsx)")),
            SelectChoice("gift", "GIFT (Moodle)"), SelectChoice("aiken", "Aiken"),
            SelectChoice("moodlexml", "Moodle XML"), SelectChoice("xlsx", "Excel (.xlsx)")]


class BankImportForm(AppForm):
    file = FileField(_l("Question bank file"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["gift", "txt", "xml", "xlsx"],
                    _l("Choose a .gift, .txt, .xml or .xlsx file."))])
    format = SelectField(_l("Format"), choices=bank_import_format_choices, default="",
                         validate_choice=True)
    skip_bad = BooleanField(_l("Skip the questions that cannot be imported"))
    submit = SubmitField(_l("Import"))


class BankExportForm(AppForm):
    # Own ids: the page also shows the import form, whose fields have the same names.
    file = FileField(_l("Bank file (.yaml)"), id="export-file", validators=[
        Optional(), FileAllowed(["yaml", "yml"], _l("Choose a .yaml file."))])
    course = SelectField(_l("…or the bank of a course"), choices=[], id="export-course",
                         validators=[Optional(), Length(max=100)])
    format = SelectField(_l("Export as"), id="export-format", choices=[
        SelectChoice("gift", "GIFT (Moodle)"), SelectChoice("xlsx", "Excel (.xlsx)")],
        default="gift")
    skip_bad = BooleanField(_l("Leave out the questions the format cannot hold"),
                            id="export-skip_bad")
    submit = SubmitField(_l("Export"))


class WordLessonsForm(AppForm):
    file = FileField(_l("Word document (.docx)"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["docx"], _l("Choose a Word document (.docx)."))])
    submit = SubmitField(_l("Convert"))


class CourseUploadForm(AppForm):
    file = FileField(_l("Course package (.zip or plugin .whl)"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["zip", "whl"], _l("Choose a .zip or .whl file."))])
    submit = SubmitField(_l("Upload and check"))


class CourseActivateForm(AppForm):
    submit = SubmitField(_l("Activate"))


class CourseReloadForm(AppForm):
    # The revision the page showed: duplicates of one press reload once.
    revision = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$")])
    submit = SubmitField(_l("Reload courses"))


class IdentifiersForm(AppForm):
    """A person's identifiers; checked by services.identifiers.normalise (view), empty clears."""

    party_card = StringField(_l("Party card number"), validators=[Length(max=40)])
    citizen_id = StringField(_l("Citizen ID (CCCD)"), validators=[Length(max=40)])
    submit = SubmitField(_l("Save identifiers"))
