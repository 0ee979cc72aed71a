"""Forms of meetings, minutes, resolutions and tasks: they collect and type the input; the
services check the rules and their messages land on the fields."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mulin.core import access
from mulin.core.models import User
from mulin.orgs.models import Organisation
from mulin.people.models import Person

from .models import (
    MeetingKind,
    ResolutionStatus,
    RuleKind,
    Topic,
    TopicStatus,
)

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=LOCAL_FORMAT)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _local_datetime(label):
    return forms.DateTimeField(
        label=label,
        input_formats=[LOCAL_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=LocalDateTimeInput,
        error_messages={
            "required": _("Give the date and time (Beijing time)."),
            "invalid": _("Enter a date and time like 2026-05-01 09:00."),
        },
    )


def compound_orgs(compound):
    return Organisation.objects.filter(
        Q(compound=compound) | Q(compound__isnull=True, community_id=compound.community_id)
    ).order_by("name")


# Topics that may go on an agenda: selected, or already being discussed.
AGENDA_STATUSES = (TopicStatus.SELECTED, TopicStatus.DISCUSSION, TopicStatus.OPEN)


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=MeetingKind.choices)
    title = forms.CharField(
        label=_("Title"),
        max_length=120,
        error_messages={"required": _("Give the meeting a title.")},
    )
    description = forms.CharField(
        label=_("Purpose"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    organiser = forms.ModelChoiceField(
        label=_("Organiser"), queryset=Organisation.objects.none(), required=False
    )
    starts_at = _local_datetime(_("Starts"))
    ends_at = _local_datetime(_("Ends"))
    place = forms.CharField(
        label=_("Place"),
        max_length=120,
        error_messages={"required": _("Say where the meeting takes place.")},
    )
    public = forms.BooleanField(
        label=_("Open to residents (shown on the compound's calendar)"),
        required=False,
        initial=True,
    )
    invited_organisations = forms.ModelMultipleChoiceField(
        label=_("Invited organisations"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    invited_people = forms.CharField(
        label=_("Invited people"),
        required=False,
        help_text=_("Names as registered in the compound, separated by commas."),
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics on the agenda"),
        queryset=Topic.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A selected topic moves to “in discussion”."),
    )
    items = forms.CharField(
        label=_("Other agenda items"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One item per line."),
    )

    def __init__(self, *args, compound, **kwargs):
        super().__init__(*args, **kwargs)
        self.compound = compound
        orgs = compound_orgs(compound)
        self.fields["organiser"].queryset = orgs
        self.fields["invited_organisations"].queryset = orgs
        self.fields["topics"].queryset = Topic.objects.filter(
            compound=compound, status__in=AGENDA_STATUSES, hidden=False
        ).order_by("-support_count", "id")

    def clean_invited_people(self):
        names = [
            n.strip()
            for n in (self.cleaned_data.get("invited_people") or "").replace("，", ",").split(",")
            if n.strip()
        ]
        found = {p.name: p for p in Person.objects.filter(compound=self.compound, name__in=names)}
        missing = [n for n in names if n not in found]
        if missing:
            raise forms.ValidationError(
                _("Not registered in this compound: %(names)s") % {"names": "、".join(missing)}
            )
        return list(found.values())

    def meeting_fields(self) -> dict:
        data = self.cleaned_data
        agenda = [(topic, topic.title) for topic in data["topics"]]
        agenda += [(None, line) for line in (data.get("items") or "").splitlines() if line.strip()]
        return {
            "kind": data["kind"],
            "title": data["title"],
            "description": data.get("description") or "",
            "organiser": data.get("organiser"),
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "place": data["place"],
            "public": data.get("public", False),
            "invited_organisations": list(data["invited_organisations"]),
            "invited_people": data["invited_people"],
            "agenda": agenda,
        }


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "class": "font-monospace"}),
        help_text=_(
            "Blank line: new paragraph. “# ” heading, “- ” bullet, “1. ” numbered item, "
            "**bold**. The published version masks residents' names, phone numbers and homes."
        ),
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"), error_messages={"required": _("Choose a file.")})
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    public = forms.BooleanField(label=_("Published with the minutes"), required=False)


class AttendanceForm(forms.Form):
    person = forms.ModelChoiceField(
        label=_("Registered person"), queryset=Person.objects.none(), required=False
    )
    name = forms.CharField(
        label=_("Or a name"),
        max_length=60,
        required=False,
        help_text=_("For a guest not registered."),
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), required=False
    )

    def __init__(self, *args, compound, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.filter(compound=compound)
        self.fields["person"].widget = forms.HiddenInput()
        self.fields["organisation"].queryset = compound_orgs(compound)


class GuestForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=60,
        error_messages={"required": _("Give your name to sign in.")},
    )


class DecideRequestForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("grant", _("Grant")), ("refuse", _("Refuse"))], widget=forms.HiddenInput
    )
    answer = forms.CharField(label=_("Answer to the owner"), max_length=200, required=False)


class MinutesRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need the full minutes?"),
        max_length=200,
        error_messages={"required": _("Say why you need the full minutes.")},
    )


class ResolutionForm(forms.Form):
    text = forms.CharField(
        label=_("What was decided"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write what was decided.")},
    )
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=Topic.objects.none(), required=False)
    responsible_organisation = forms.ModelChoiceField(
        label=_("Responsible organisation"), queryset=Organisation.objects.none(), required=False
    )
    responsible_person = forms.ModelChoiceField(
        label=_("Responsible person"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.HiddenInput,
    )
    due_on = forms.DateField(label=_("Due"), required=False, widget=DateInput)

    def __init__(self, *args, compound, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = Topic.objects.filter(compound=compound).order_by("title")
        self.fields["responsible_organisation"].queryset = compound_orgs(compound)
        self.fields["responsible_person"].queryset = Person.objects.filter(compound=compound)


class ResolutionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ResolutionStatus.choices)
    outcome = forms.CharField(
        label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TaskForm(forms.Form):
    title = forms.CharField(
        label=_("Task"), max_length=160, error_messages={"required": _("Say what is to be done.")}
    )
    owner = forms.ModelChoiceField(
        label=_("Who does it"), queryset=User.objects.none(), required=False
    )
    owner_organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), required=False
    )
    due_on = forms.DateField(
        label=_("Due"), widget=DateInput, error_messages={"required": _("Give the date it is due.")}
    )

    def __init__(self, *args, compound, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_organisation"].queryset = compound_orgs(compound)
        self.fields["owner"].queryset = staff_users(compound)
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username


def staff_users(compound):
    """Users holding a deliberation permission in the compound (who can own a task)."""
    from mulin.core.models import RoleGrant

    grants = (
        RoleGrant.objects.current()
        .filter(
            Q(compound=compound)
            | Q(community_id=compound.community_id)
            | Q(organisation__compound=compound)
        )
        .exclude(role="resident")
    )
    ids = {
        g.user_id
        for g in grants
        if access.DELIBERATION_VIEW in access.ROLE_PERMISSIONS.get(g.role, ())
    }
    return User.objects.filter(id__in=ids).order_by("username")


class TaskDoneForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ProjectHandoffForm(forms.Form):
    title = forms.CharField(label=_("Project title"), max_length=120)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(label=_("Kind of project"), choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Project

        field = Project._meta.get_field("kind")
        self.fields["kind"].choices = field.choices or [("", "—")]


class MotionHandoffForm(forms.Form):
    vote = forms.ModelChoiceField(label=_("Draft vote"), queryset=None)
    kind = forms.ChoiceField(label=_("Kind of motion"), choices=())
    matter = forms.ChoiceField(label=_("Matter"), choices=(), required=False)
    title = forms.CharField(label=_("Motion title"), max_length=200)
    text = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, votes, **kwargs):
        super().__init__(*args, **kwargs)
        from mulin.decisions import rules
        from mulin.decisions.models import MotionKind

        self.fields["vote"].queryset = votes
        self.fields["kind"].choices = MotionKind.choices
        self.fields["matter"].choices = [("", "—")] + [
            (code, m.label) for code, m in rules.MATTERS.items()
        ]


class RuleHandoffForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of rule"), choices=RuleKind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 5}))
    adopted_on = forms.DateField(label=_("Adopted"), widget=DateInput)
    effective_on = forms.DateField(label=_("In force from"), widget=DateInput)
