"""Forms of the staff pages for owners' votes. They only collect and type the input; the services
validate the rules (notice, matters, seats, the lifecycle) and their messages land on the fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mulin.places.models import Compound

from . import rules
from .models import Assembly, Candidate, MeetingKind, MotionKind, Objection
from .services import ASSEMBLY_RULES, COMPOUND_RULES

# Times are typed and shown in the site's zone (Asia/Shanghai): Django reads a datetime-local
# value in the current time zone and prepares aware values back into it.
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=LOCAL_FORMAT)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class SearchInput(forms.TextInput):
    input_type = "search"


def _local_datetime(label, help_text=""):
    return forms.DateTimeField(
        label=label,
        input_formats=[LOCAL_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=LocalDateTimeInput,
        help_text=help_text,
        error_messages={
            "required": _("Give the date and time (Beijing time)."),
            "invalid": _("Enter a date and time like 2026-05-01 09:00."),
        },
    )


class VoteForm(forms.Form):
    """A vote's details, for a new vote and for editing a draft."""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        error_messages={"required": _("Give the vote a title.")},
        help_text=_("As owners will read it, e.g. “2026年第一次业主大会”."),
    )
    description = forms.CharField(
        label=_("What the owners are asked"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The notice's text: why the vote is held and what it decides."),
    )
    meeting_kind = forms.ChoiceField(
        label=_("Kind of meeting"),
        choices=MeetingKind.choices,
        initial=MeetingKind.REGULAR,
        widget=forms.RadioSelect,
    )
    opens_at = _local_datetime(_("Voting opens"))
    closes_at = _local_datetime(_("Voting closes"))
    meeting_place = forms.CharField(
        label=_("Meeting place"),
        max_length=200,
        required=False,
        help_text=_("Where the on-site meeting and the ballot box are, if any."),
    )
    secret = forms.BooleanField(
        label=_("Secret ballot"),
        required=False,
        help_text=_("Nobody, staff included, sees how a given owner voted."),
    )
    online = forms.BooleanField(
        label=_("Owners may vote online"),
        required=False,
        initial=True,
        help_text=_("Paper, door-to-door, proxy and on-site ballots are always possible."),
    )

    def __init__(self, *args, compound: Compound, **kwargs):
        super().__init__(*args, **kwargs)
        if compound.requires_city_evoting:
            online = self.fields["online"]
            online.disabled = True
            online.initial = False
            online.help_text = _(
                "In this compound online votes go through the city's e-voting system: record "
                "paper and door-to-door ballots here and import the official result."
            )

    def vote_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["title"] = data["title"].strip()
        data["description"] = data["description"].strip()
        data["meeting_place"] = data["meeting_place"].strip()
        return data


def matter_choices() -> list[tuple[str, str]]:
    """Civil Code Art. 278's matters, each saying its kind and article."""
    return [("", _("— choose the matter —"))] + [
        (
            m.code,
            _("%(matter)s — %(kind)s, %(article)s")
            % {"matter": m.label, "kind": MotionKind(m.kind).label, "article": m.article},
        )
        for m in rules.MATTERS.values()
    ]


class MotionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of motion"), choices=MotionKind.choices)
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        error_messages={"required": _("Give the motion a title.")},
    )
    text = forms.CharField(
        label=_("Full text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What exactly is decided, as owners will read it on the ballot."),
    )
    matter = forms.ChoiceField(
        label=_("Matter (Civil Code Art. 278)"),
        required=False,
        help_text=_(
            "Ordinary and special motions only. The matter decides the majority: raising the "
            "maintenance fund, rebuilding, and changing the use of common parts need three "
            "quarters."
        ),
    )
    seats = forms.IntegerField(
        label=_("Committee seats"),
        required=False,
        min_value=1,
        max_value=99,
        help_text=_("Elections only: an odd number."),
    )
    alternate_seats = forms.IntegerField(
        label=_("Alternates"),
        required=False,
        min_value=0,
        max_value=99,
        help_text=_("Elections only: no more than the seats (0 for none)."),
    )
    options = forms.CharField(
        label=_("Answers, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Choice questions only: at least two."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["matter"].choices = matter_choices()

    def motion_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "title": data["title"],
            "text": data["text"],
            "matter": data["matter"] or "",
            "seats": data["seats"],
            "alternate_seats": data["alternate_seats"],
            "options": [line.strip() for line in data["options"].splitlines() if line.strip()],
        }


class IdForm(forms.Form):
    """A row picked by a button (a motion, a candidate)."""

    id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class CandidateForm(forms.Form):
    """A nomination for one election (the motion travels outside the form's prefix)."""

    person = forms.IntegerField(
        label=_("Owner"),
        min_value=1,
        error_messages={
            "required": _("Search for the owner and choose them from the list."),
            "invalid": _("Search for the owner and choose them from the list."),
        },
    )
    display_name = forms.CharField(
        label=_("Name on the ballot"),
        max_length=60,
        required=False,
        help_text=_("Leave empty to use the name in the registry."),
    )
    nomination = forms.ChoiceField(
        label=_("Nominated by"),
        choices=Candidate.Nomination.choices,
        initial=Candidate.Nomination.SELF,
    )
    statement = forms.CharField(
        label=_("Statement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the candidate tells the owners; printed with the candidate list."),
    )


class DocumentForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        error_messages={"required": _("Give the document a title.")},
    )
    file = forms.FileField(
        label=_("File"),
        error_messages={"required": _("Choose a file."), "empty": _("Choose a file.")},
        help_text=_("PDF, image or office document, at most 20 MB."),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the vote is cancelled"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the vote is cancelled.")},
        help_text=_("Owners will read this."),
    )


class ObjectionAnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("accepted", Objection.State.ACCEPTED.label),
            ("rejected", Objection.State.REJECTED.label),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether the objection is accepted.")},
    )
    answer = forms.CharField(
        label=_("Answer to the owner"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Tell the owner what was decided and why.")},
    )


class ElectorSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find an owner"),
        max_length=60,
        required=False,
        widget=SearchInput,
        help_text=_("A unit code (e.g. 63-2-301) or the owner's name."),
    )


class OwnerSearchForm(forms.Form):
    q = forms.CharField(label=_("Find the owner"), max_length=60, required=False)


# The assembly's rules, in plain words with the law behind them (DESIGN §7).
RULE_HELP = {
    "established_on": _("The day the first owners' assembly was held (首次业主大会)."),
    "extraordinary_notice_days": _(
        "An extraordinary meeting (临时业主大会) may be called on shorter notice; the model rules "
        "suggest 7 days. Regular votes follow the compound's notice below."
    ),
    "min_window_days": _("Owners must have at least this many days to vote (usually 5)."),
    "max_window_days": _("A vote may stay open at most this long (usually 60 days)."),
    "committee_min_seats": _("The owners' committee has 5 to 11 members, an odd number."),
    "committee_max_seats": _("The largest committee this assembly elects."),
    "small_compound_seats": _("Some cities allow a committee of 3 in a small compound; 0 if not."),
    "term_years": _("Each committee serves this long, at most 5 years."),
    "result_publish_days": _(
        "The result is published within this many days of the close (usually 3)."
    ),
    "result_shown_days": _(
        "The result stays on public show at least this long (usually 15 days); a court may "
        "revoke a decision within a year, so ballots are kept in any case."
    ),
    "disclose_unit_detail": _(
        "Only if the assembly's rules require it: the published ballot file then shows each "
        "unit's code and choice. Otherwise units and owners are pseudonyms."
    ),
    "owners_committee": _(
        "Elected members and alternates are seated in this organisation for the new term."
    ),
    "city_rule_set": _(
        "The city's rules the notice, the proxies and the silent-owner rule follow."
    ),
    "parking_counts_as_units": _(
        "SPC interpretation Art. 8: parking spaces count as units only where the rules say so; "
        "then their area and their owners count in votes."
    ),
    "silent_owners_follow_majority": _(
        "A local rule (e.g. Zhejiang) may count owners who did not vote with the majority of "
        "those who did. Off by default; every tally that uses it says so."
    ),
    "assembly_notice_days": _(
        "Days between publishing a regular vote's notice and the opening of voting (15 by the "
        "model rules). Elections always get at least 15."
    ),
    "max_proxies_per_person": _(
        "How many owners one person may represent with a written authorisation."
    ),
    "requires_city_evoting": _(
        "Some cities require online votes to go through their own e-voting system; Mulin then "
        "runs the notice, paper and door-to-door parts and imports the official result."
    ),
}


class AssemblyForm(forms.Form):
    """The assembly's procedural rules and the compound's vote rules, as `assembly_update` takes
    them. Labels come from the models; the help says what each rule means."""

    ASSEMBLY_FIELDS = ASSEMBLY_RULES
    COMPOUND_FIELDS = COMPOUND_RULES

    def __init__(self, *args, compound: Compound, **kwargs):
        super().__init__(*args, **kwargs)
        from mulin.orgs.models import Organisation, OrgKind

        for name, field in forms.fields_for_model(Assembly, fields=ASSEMBLY_RULES).items():
            self.fields[name] = field
        for name, field in forms.fields_for_model(Compound, fields=COMPOUND_RULES).items():
            self.fields[name] = field
        self.fields["established_on"].widget = DateInput()
        committee = self.fields["owners_committee"]
        committee.queryset = Organisation.objects.filter(
            compound=compound, kind=OrgKind.OWNERS_COMMITTEE
        ).order_by("order", "id")
        committee.empty_label = _("Not chosen yet")
        for name, field in self.fields.items():
            field.help_text = RULE_HELP.get(name, field.help_text)
            if isinstance(field, forms.IntegerField):
                field.widget.attrs.setdefault("inputmode", "numeric")

    @staticmethod
    def initial_for(assembly: Assembly, compound: Compound) -> dict:
        data = {name: getattr(assembly, name) for name in ASSEMBLY_RULES}
        data["owners_committee"] = assembly.owners_committee_id
        data.update({name: getattr(compound, name) for name in COMPOUND_RULES})
        return data

    def assembly_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in (*ASSEMBLY_RULES, *COMPOUND_RULES)}

    def assembly_part(self):
        return [self[name] for name in ASSEMBLY_RULES]

    def compound_part(self):
        return [self[name] for name in COMPOUND_RULES]


class ConveneForm(forms.Form):
    """The extraordinary meeting a reached request asks for: a draft vote, edited later."""

    title = forms.CharField(
        label=_("Title of the vote"),
        max_length=200,
        error_messages={"required": _("Give the vote a title.")},
    )
    opens_at = _local_datetime(_("Voting opens"))
    closes_at = _local_datetime(_("Voting closes"))
