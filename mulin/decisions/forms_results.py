"""Forms of the result pages: the recount page (a ballot file and how to count it) and the
import of an official result file. They only collect input; `ballot_file`, `tally` and
`results` read and count."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

# The largest ballot file the pages accept. A 200,000-unit compound's file is about 10 MB.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_UPLOAD_MB = MAX_UPLOAD_BYTES // (1024 * 1024)

RECOUNT_KINDS = [
    ("ordinary", _("Ordinary matter: more than half")),
    ("special", _("Special matter: at least three quarters")),
    ("consultation", _("Consultation: support rates only")),
    ("election", _("Election of the owners' committee")),
]


def _too_big_message():
    return _("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_MB}


class BallotFileField(forms.FileField):
    """A CSV upload of at most MAX_UPLOAD_BYTES. The upload handler of the view stops reading a
    larger file; the form then says why it has none."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("Choose the ballot file (CSV) to upload."),
                "empty": _("The file is empty."),
            },
        )
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", ".csv,text/csv")

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload is not None and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_too_big_message(), code="too_big")
        return upload


class _UploadForm(forms.Form):
    file_help = ""  # a lazy text with %(mb)d, filled in per request (in the request's language)

    def __init__(self, *args, too_big: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_big = too_big
        self.fields["file"].help_text = self.file_help % {"mb": MAX_UPLOAD_MB}

    def clean_file(self):
        if self.too_big:
            raise forms.ValidationError(_too_big_message(), code="too_big")
        return self.cleaned_data.get("file")

    def full_clean(self):
        # A file stopped for its size never reaches `files`: say so instead of "required".
        if self.too_big and self.is_bound:
            self.fields["file"].required = False
        super().full_clean()


class RecountForm(_UploadForm):
    """What `mulin recount` asks: the file, the kind, and for an election the seats, the
    alternates and the candidate keys; for a motion whether silent owners follow the majority."""

    file = BallotFileField(label=_("Ballot file (CSV)"))
    file_help = _(
        "UTF-8 CSV with the columns unit_code, area, area_source, owner_key, choice — the file "
        "Mulin publishes with a result, or the official file of the city's e-voting system. "
        "At most %(mb)d MB."
    )
    kind = forms.ChoiceField(
        label=_("What was decided"),
        choices=RECOUNT_KINDS,
        initial="ordinary",
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose what was decided."),
            "invalid_choice": _("Choose what was decided."),
        },
    )
    seats = forms.IntegerField(
        label=_("Seats"),
        min_value=1,
        max_value=99,
        required=False,
        help_text=_("Elections only: how many committee members are elected."),
    )
    alternates = forms.IntegerField(
        label=_("Alternates"),
        min_value=0,
        max_value=99,
        required=False,
        help_text=_("Elections only: how many alternate members (候补); 0 for none."),
    )
    candidates = forms.CharField(
        label=_("Candidate keys"),
        max_length=2000,
        required=False,
        help_text=_(
            "Elections only, optional: every candidate's key, separated by commas (c1,c2,c3), so "
            "that a candidate nobody approved is listed too."
        ),
    )
    silent_with_majority = forms.BooleanField(
        label=_("Owners who did not vote are counted with the majority (a local rule)"),
        required=False,
        help_text=_("Only where the compound's rules say so; not for elections."),
    )

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == "election":
            if data.get("seats") is None and "seats" not in self.errors:
                self.add_error("seats", _("An election needs the number of seats (at least 1)."))
            if data.get("alternates") is None and "alternates" not in self.errors:
                data["alternates"] = 0
            if data.get("silent_with_majority"):
                self.add_error(
                    "silent_with_majority",
                    _("The silent-owner rule applies to motions, not to elections."),
                )
        data["candidate_keys"] = [
            key.strip() for key in (data.get("candidates") or "").split(",") if key.strip()
        ]
        return data


class OfficialImportForm(_UploadForm):
    """The city's official result file for one motion of a closed vote."""

    motion = forms.TypedChoiceField(coerce=int, widget=forms.HiddenInput)
    file = BallotFileField(label=_("Official result file (CSV)"))
    file_help = _(
        "The file the city's e-voting system gives for this motion, in the ballot-file format "
        "(unit_code, area, area_source, owner_key, choice). At most %(mb)d MB."
    )

    def __init__(self, *args, motions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["motion"].choices = [(m.pk, m.title) for m in motions]
        self.fields["motion"].error_messages["invalid_choice"] = _(
            "Choose a motion of this vote that the city's system counts."
        )
