"""Forms of the request pages. They only collect input; the services validate and write, and
their errors are put back on the fields that caused them (`apply_errors`)."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mulin.core.selectors import unit_by_code
from mulin.places.codes import UnitCodeError, parse_unit_code
from mulin.places.forms import DateInput, apply_errors

from .models import Channel, LocationKind, Priority
from .photos import MAX_PHOTOS


def new_submission_key() -> str:
    """A fresh idempotency key, put in the form when it is shown: a double tap sends the same
    key twice and `ticket_submit` returns the first request."""
    return uuid.uuid4().hex


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to six photos in one file input; the service checks type, size and count."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/*", "data-mulin-photos": ""})
        )
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Photos"))
        kwargs.setdefault(
            "help_text",
            _("Up to %(count)s photos (JPEG, PNG or HEIC, at most 10 MB each).")
            % {"count": MAX_PHOTOS},
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


PRIORITY_CHOICES = [
    (Priority.NORMAL, _("Normal")),
    (Priority.URGENT, _("Urgent: it should be seen to today")),
    (
        Priority.EMERGENCY,
        _("Emergency: water, electricity, gas or someone's safety, right now"),
    ),
]


class _PlaceFields(forms.Form):
    """A building, or words for a common area: how residents and staff alike say where."""

    building = forms.ModelChoiceField(
        label=_("Building"),
        queryset=None,
        required=False,
        empty_label=_("Choose a building"),
        error_messages={"invalid_choice": _("Choose a building of this compound.")},
    )
    place = forms.CharField(
        label=_("Where exactly?"),
        max_length=200,
        required=False,
        help_text=_("For example: the bicycle shed by the north gate."),
    )


class ReportForm(_PlaceFields):
    """A resident reports a problem: what, where, how urgent, with photos."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    category = forms.ModelChoiceField(
        label=_("What is it about?"),
        queryset=None,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={
            "required": _("Choose what the problem is about."),
            "invalid_choice": _("Choose one of the kinds of problem shown."),
        },
    )
    description = forms.CharField(
        label=_("Describe the problem"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("What is wrong, since when, and anything the team should know."),
        error_messages={"required": _("Describe the problem.")},
    )
    photos = PhotosField()
    location_kind = forms.ChoiceField(
        label=_("Where?"),
        choices=[
            (LocationKind.UNIT, _("At home")),
            (LocationKind.BUILDING, _("In a building")),
            (LocationKind.COMMON_AREA, _("Somewhere else in the compound")),
        ],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        initial=LocationKind.UNIT,
        error_messages={"required": _("Choose your home, a building or a common area.")},
    )
    unit = forms.ModelChoiceField(
        label=_("Which home?"),
        queryset=None,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of your own homes.")},
    )
    priority = forms.ChoiceField(
        label=_("How urgent is it?"),
        choices=PRIORITY_CHOICES,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        initial=Priority.NORMAL,
    )

    def __init__(self, *args, homes, categories, buildings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories
        self.fields["unit"].queryset = homes
        self.fields["unit"].label_from_instance = lambda u: u.code
        self.fields["building"].queryset = buildings
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_submission_key())

    def clean(self):
        data = super().clean()
        kind = data.get("location_kind")
        if kind == LocationKind.UNIT and not data.get("unit") and "unit" not in self.errors:
            self.add_error("unit", _("Choose the home the request is about."))
        if (
            kind == LocationKind.BUILDING
            and not data.get("building")
            and "building" not in self.errors
        ):
            self.add_error("building", _("Choose a building of this compound."))
        return data


def homes_here(person) -> list:
    """The current homes of `person` in the intake's compound, prefetched by the view as
    `homes_lived` and `homes_owned`."""
    rows = [*getattr(person, "homes_lived", []), *getattr(person, "homes_owned", [])]
    return list({row.unit_id: row.unit for row in rows}.values())


STAFF_CHANNELS = [(value, label) for value, label in Channel.choices if value != "self_service"]
STAFF_LOCATIONS = [
    (LocationKind.UNIT, _("The resident's home")),
    (LocationKind.BUILDING, _("In a building")),
    (LocationKind.COMMON_AREA, _("Somewhere else in the compound")),
]


class IntakeForm(_PlaceFields):
    """Staff record a request on a resident's behalf (代录入): the channel it came through, the
    resident (or anonymous), where, what, how urgent."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    channel = forms.ChoiceField(
        label=_("How did it reach you?"),
        choices=STAFF_CHANNELS,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Choose the channel the request came through.")},
    )
    person = forms.ModelChoiceField(
        label=_("Resident"),
        queryset=None,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        empty_label=None,
        error_messages={"invalid_choice": _("Pick the resident from the search results.")},
    )
    anonymous = forms.BooleanField(label=_("Anonymous: the resident gave no name"), required=False)
    location_kind = forms.ChoiceField(
        label=_("Where?"),
        choices=STAFF_LOCATIONS,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        initial=LocationKind.UNIT,
    )
    unit_code = forms.CharField(
        label=_("Unit code"),
        max_length=40,
        required=False,
        help_text=_("Such as 63-2-301 or 63幢2单元301; empty for the resident's only home."),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=None,
        empty_label=_("Choose a category"),
        error_messages={
            "required": _("Choose the category."),
            "invalid_choice": _("Choose one of this compound's request categories."),
        },
    )
    priority = forms.ChoiceField(
        label=_("How urgent is it?"),
        choices=PRIORITY_CHOICES,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        initial=Priority.NORMAL,
    )
    description = forms.CharField(
        label=_("What the resident said"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        error_messages={"required": _("Describe the problem.")},
    )
    photos = PhotosField()

    def __init__(self, *args, compound, people, categories, buildings, **kwargs):
        super().__init__(*args, **kwargs)
        self.compound = compound
        self.fields["person"].queryset = people
        self.fields["category"].queryset = categories
        self.fields["building"].queryset = buildings
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_submission_key())

    def clean(self):
        data = super().clean()
        person, anonymous = data.get("person"), data.get("anonymous")
        if person and anonymous:
            self.add_error(
                "anonymous", _("Either pick the resident or mark the request as anonymous.")
            )
        elif not person and not anonymous and "person" not in self.errors:
            self.add_error("person", _("Find the resident, or mark the request as anonymous."))
        data["unit"] = None
        if data.get("location_kind") == LocationKind.UNIT:
            data["unit"] = self._unit(data.get("unit_code", ""), person)
        elif (
            data.get("location_kind") == LocationKind.BUILDING
            and not data.get("building")
            and "building" not in self.errors
        ):
            self.add_error("building", _("Choose a building of this compound."))
        return data

    def _unit(self, code: str, person):
        code = (code or "").strip()
        if not code:
            homes = homes_here(person) if person else []
            if len(homes) == 1:
                return homes[0]
            self.add_error("unit_code", _("Give the unit code, such as 63-2-301."))
            return None
        try:
            parsed = parse_unit_code(code)
        except UnitCodeError as exc:
            self.add_error("unit_code", str(exc))
            return None
        unit = unit_by_code(self.compound, parsed)
        if unit is None:
            self.add_error(
                "unit_code",
                _("There is no home %(code)s in this compound.") % {"code": parsed.short},
            )
        return unit


# --- actions on the request page ---------------------------------------------------------------


class NoteForm(forms.Form):
    """An action with an optional note (accept, start, claim, close, urge)."""

    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
        required=False,
    )


class ReasonForm(NoteForm):
    """An action the resident is told the reason of (reject, reopen). The service requires it,
    with a message that says why."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].label = _("Reason")
        self.fields["note"].help_text = _("The resident will see it.")


class AssignForm(NoteForm):
    assignee = forms.ModelChoiceField(
        label=_("Handler"),
        queryset=None,
        empty_label=_("Choose a handler"),
        error_messages={
            "required": _("Choose the handler."),
            "invalid_choice": _("Choose a handler of the handling team."),
        },
    )

    def __init__(self, *args, handlers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = handlers
        self.fields["assignee"].label_from_instance = lambda u: u.display_name
        self.order_fields(["assignee", "note"])


class PauseForm(ReasonForm):
    paused_until = forms.DateField(
        label=_("Work resumes on"),
        widget=DateInput,
        error_messages={
            "required": _("Give the date work resumes."),
            "invalid": _("Enter the date as YYYY-MM-DD."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].help_text = _(
            "For example: waiting for a part. The resident will see it."
        )
        self.order_fields(["note", "paused_until"])


class ResolveForm(NoteForm):
    """Mark as fixed: a note, "after" photos and, for chargeable categories, cost lines (rows of
    what was paid for and how much), read from the repeated `cost_item` / `cost_amount` inputs."""

    photos = PhotosField(label=_("Photos after the work"))
    cost_lines = forms.CharField(required=False, widget=forms.HiddenInput)

    ROWS = 3

    def __init__(self, *args, chargeable: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.chargeable = chargeable
        self.fields["note"].label = _("What was done")

    @property
    def cost_rows(self) -> list[tuple[str, str]]:
        """The rows to show: what was typed, else empty rows."""
        rows = []
        if self.is_bound:
            items = self.data.getlist(self.add_prefix("cost_item"))
            amounts = self.data.getlist(self.add_prefix("cost_amount"))
            rows = [
                (item.strip(), amount.strip())
                for item, amount in zip(items, amounts, strict=False)
                if item.strip() or amount.strip()
            ]
        return rows + [("", "")] * max(self.ROWS - len(rows), 1)

    def clean(self):
        data = super().clean()
        rows = [r for r in self.cost_rows if r[0] or r[1]] if self.is_bound else []
        data["cost_lines"] = [{"item": item, "amount": amount} for item, amount in rows]
        return data


class TransferForm(ReasonForm):
    organisation = forms.ModelChoiceField(
        label=_("Pass it to"),
        queryset=None,
        empty_label=_("Choose an organisation"),
        error_messages={
            "required": _("Choose the organisation to transfer to."),
            "invalid_choice": _("Choose an organisation serving this compound."),
        },
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.order_fields(["organisation", "note"])


SCORES = [
    (1, _("Very poor")),
    (2, _("Poor")),
    (3, _("Fair")),
    (4, _("Good")),
    (5, _("Very good")),
]


def _score(label):
    return forms.TypedChoiceField(
        label=label,
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Give a score from 1 to 5.")},
    )


class RateForm(forms.Form):
    overall = _score(_("Overall"))
    speed = _score(_("Speed"))
    attitude = _score(_("Attitude"))
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )


class RecheckForm(forms.Form):
    still_fixed = forms.TypedChoiceField(
        label=_("Is it still fixed?"),
        choices=[("yes", _("Yes, still fixed")), ("no", _("No, the problem is back"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Answer yes or no.")},
    )
    note = forms.CharField(
        label=_("What is wrong again?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
        required=False,
        help_text=_("Needed when the problem is back; the team will see it."),
    )


class CommentForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
        error_messages={"required": _("Write the note.")},
    )
    photos = PhotosField()


class MergeForm(NoteForm):
    into = forms.ModelChoiceField(
        label=_("The same problem as"),
        queryset=None,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        empty_label=None,
        error_messages={
            "required": _("Choose the request this one repeats."),
            "invalid_choice": _("Choose one of the similar requests shown."),
        },
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = candidates
        self.fields["into"].label_from_instance = lambda t: f"#{t.pk} {t.category.name}"
        self.order_fields(["into", "note"])


class ExcludeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is left out of the figures"),
        max_length=200,
        required=False,
        help_text=_("For example: a repeat of request #12. Leave empty to count it again."),
    )


class PublicForm(forms.Form):
    shown = forms.TypedChoiceField(
        choices=[("1", _("Show")), ("0", _("Hide"))],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )


def service_errors(form: forms.Form, error: ValidationError, aliases: dict | None = None) -> None:
    """Put a service's errors on `form`: on the field of the same name (or its alias), the rest
    (`to`, `ticket`, the submission key) on the form as a whole."""
    apply_errors(
        form,
        error,
        aliases={"to": None, "ticket": None, "idempotency_key": None, **(aliases or {})},
    )
