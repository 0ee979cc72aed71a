"""Forms of the staff workbench, the follow-up queue and the category settings. They only
collect input; `services`, `followups` and `config` validate and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Channel, DispatchMode, Priority, Satisfaction
from .queues import PRIORITIES, Filters
from .states import Status


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class SearchInput(forms.TextInput):
    input_type = "search"


def _id_choices(rows, label) -> list[tuple]:
    return [(row.pk, label(row)) for row in rows]


class WorkbenchFilterForm(forms.Form):
    """The workbench's filters. A field with a bad value is reported and left out; the others
    still apply."""

    q = forms.CharField(
        label=_("Search"),
        max_length=100,
        required=False,
        help_text=_("A request number, or words from the description."),
        widget=SearchInput,
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None
    )
    building = forms.TypedChoiceField(
        label=_("Building"), required=False, coerce=int, empty_value=None
    )
    priority = forms.ChoiceField(label=_("Priority"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    created_from = forms.DateField(label=_("Reported from"), required=False, widget=DateInput)
    created_to = forms.DateField(label=_("Reported until"), required=False, widget=DateInput)

    def __init__(self, *args, categories=(), buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        any_ = [("", _("Any"))]
        self.fields["status"].choices = any_ + list(Status.choices)
        self.fields["category"].choices = any_ + _id_choices(categories, lambda c: c.name)
        self.fields["building"].choices = any_ + _id_choices(buildings, str)
        self.fields["priority"].choices = any_ + list(Priority.choices)
        self.fields["channel"].choices = any_ + list(Channel.choices)

    def clean(self):
        data = super().clean()
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and end < start:
            self.add_error(
                "created_to", _("“Reported until” is before “Reported from”; swap the dates.")
            )
        return data

    def filters(self) -> Filters:
        """The filters from the fields that are valid (call after `is_valid()`)."""
        data = getattr(self, "cleaned_data", {})
        return Filters(
            status=data.get("status") or "",
            category=data.get("category"),
            building=data.get("building"),
            priority=data.get("priority") or "",
            channel=data.get("channel") or "",
            created_from=data.get("created_from"),
            created_to=data.get("created_to"),
            search=(data.get("q") or "").strip(),
        )


class BulkAssignForm(forms.Form):
    assignee = forms.TypedChoiceField(
        label=_("Assign the selected to"),
        coerce=int,
        empty_value=None,
        error_messages={"required": _("Choose the handler to assign the selected requests to.")},
    )
    note = forms.CharField(label=_("Note for the handler"), max_length=500, required=False)

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Choose a handler"))] + [
            (team.organisation.name, [(u.pk, u.display_name) for u in team.handlers])
            for team in teams
            if team.handlers
        ]


_YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _yes_no(label, required_message):
    return forms.TypedChoiceField(
        label=label,
        choices=_YES_NO,
        coerce=lambda value: value == "yes",
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"required": required_message},
    )


class FollowUpForm(forms.Form):
    """A follow-up call: the three questions of the 回访 and a note. Which button is pressed
    says whether the resident was reached; the questions are asked only when they were."""

    contacted_in_time = _yes_no(
        _("Were you contacted in time?"), _("Ask whether the resident was contacted in time.")
    )
    solved = _yes_no(_("Was the problem solved?"), _("Ask whether the problem was solved."))
    satisfaction = forms.ChoiceField(
        label=_("How satisfied are you?"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Ask how satisfied the resident is.")},
    )
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, reached: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not reached:
            for name in ("contacted_in_time", "solved", "satisfaction"):
                self.fields[name].required = False


class CategoryForm(forms.Form):
    """A category's settings and its deadlines, each entered as hours and minutes."""

    name = forms.CharField(
        label=_("Name"), max_length=80, error_messages={"required": _("Give the category a name.")}
    )
    organisation = forms.TypedChoiceField(
        label=_("Handling organisation"), required=False, coerce=int, empty_value=None
    )
    dispatch_mode = forms.ChoiceField(label=_("Dispatch"), choices=DispatchMode.choices)
    chargeable = forms.BooleanField(
        label=_("Chargeable (the handler records cost lines)"), required=False
    )
    active = forms.BooleanField(label=_("Residents can choose it"), required=False)

    PARTS = [
        ("respond", "h", _("Respond within, hours")),
        ("respond", "m", _("Respond within, minutes")),
        ("resolve", "h", _("Resolve within, hours")),
        ("resolve", "m", _("Resolve within, minutes")),
    ]

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [
            ("", _("None yet")),
            *_id_choices(organisations, lambda o: o.name),
        ]
        for priority in PRIORITIES:
            for part, unit, label in self.PARTS:
                self.fields[f"{priority}_{part}_{unit}"] = forms.IntegerField(
                    label=f"{Priority(priority).label}: {label}",
                    required=False,
                    min_value=0,
                    max_value=8760 if unit == "h" else 59,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                )

    @staticmethod
    def initial_for(row) -> dict:
        """Initial values from a `queues.CategoryRow`."""
        category = row.category
        initial = {
            "name": category.name,
            "organisation": category.organisation_id,
            "dispatch_mode": category.dispatch_mode,
            "chargeable": category.chargeable,
            "active": category.active,
            "code": category.code,
        }
        for priority, (respond, resolve) in row.minutes.items():
            for part, minutes in (("respond", respond), ("resolve", resolve)):
                initial[f"{priority}_{part}_h"], initial[f"{priority}_{part}_m"] = divmod(
                    minutes, 60
                )
        return initial

    def deadline_rows(self) -> list[tuple]:
        """(priority label, respond hours, respond minutes, resolve hours, resolve minutes)
        bound fields, for the template's grid."""
        return [
            (
                Priority(p).label,
                self[f"{p}_respond_h"],
                self[f"{p}_respond_m"],
                self[f"{p}_resolve_h"],
                self[f"{p}_resolve_m"],
            )
            for p in PRIORITIES
        ]

    def deadlines(self) -> dict[str, tuple[int | None, int | None]]:
        """Minutes per priority; a deadline left empty is None (the service refuses it)."""
        data = self.cleaned_data
        result = {}
        for priority in PRIORITIES:
            values = []
            for part in ("respond", "resolve"):
                hours, minutes = data.get(f"{priority}_{part}_h"), data.get(f"{priority}_{part}_m")
                values.append(
                    None
                    if hours is None and minutes is None
                    else (hours or 0) * 60 + (minutes or 0)
                )
            result[priority] = tuple(values)
        return result

    # The services name a deadline by priority and part; the form shows it on the hours field.
    def error_aliases(self) -> dict[str, str]:
        return {
            f"{p}_{part}": f"{p}_{part}_h" for p in PRIORITIES for part in ("respond", "resolve")
        }


class NewCategoryForm(CategoryForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("Short and unique in this compound, such as “bicycle_shed”; it cannot change."),
        error_messages={"required": _("Give the category a short code, such as “bicycle_shed”.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["active"]
        self.order_fields(["code", "name"])


class RouteForm(forms.Form):
    category = forms.TypedChoiceField(
        label=_("Requests of category"),
        coerce=int,
        empty_value=None,
        error_messages={"required": _("Choose one of this compound's request categories.")},
    )
    organisation = forms.TypedChoiceField(
        label=_("go to"),
        coerce=int,
        empty_value=None,
        error_messages={"required": _("Choose the organisation the requests go to.")},
    )

    def __init__(self, *args, categories=(), organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [
            ("", _("Choose a category")),
            *_id_choices(categories, lambda c: c.name),
        ]
        self.fields["organisation"].choices = [
            ("", _("Choose an organisation")),
            *_id_choices(organisations, lambda o: o.name),
        ]
