"""Forms of the pages that record ballots which did not come in online (paper, door-to-door,
proxy, on-site) and correct misrecorded ones. They only collect input: `ballots.ballot_cast`,
`ballots.ballot_correct` and `ballots.canvass_mark` validate and write, and their errors are put
back on the field of the same name (`motion_<id>`, `scan`, `signed`, `signature`, `proxy`,
`authorisation`, `reason`)."""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import ballots
from .models import YES_NO_KINDS, CanvassStatus, MotionKind

ANSWERS = [("yes", _("For")), ("no", _("Against")), ("abstain", _("Abstain"))]
NONE_TICKED = "abstain"
MAX_REASON = 500


def normalise_token(raw: str) -> str:
    """A ballot token as typed or scanned: case-insensitive, spaces and dashes ignored, full-width
    letters from a Chinese keyboard read as their ASCII twins."""
    text = unicodedata.normalize("NFKC", raw or "")
    return re.sub(r"[\s\-_·.]+", "", text).upper()[:40]


def sniff(head: bytes) -> str:
    """The content type of an uploaded scan from its first bytes; "" when not one we take.
    The name and the browser's claim are never trusted: files are served back `inline`."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim"):
        return "image/heic"
    return ""


class ScanField(forms.FileField):
    """A photo or scan of a signed paper: JPEG, PNG, HEIC or PDF (the service limits the size)."""

    widget = forms.ClearableFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("A photo or scan: JPEG, PNG, HEIC or PDF, at most 10 MB."))
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", "image/*,application/pdf")

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            position = upload.tell() if hasattr(upload, "tell") else 0
            head = upload.read(16)
            upload.seek(position)
            if not sniff(head):
                raise ValidationError(
                    _("“%(name)s” is not a photo or a PDF: take a photo of the paper instead.")
                    % {"name": getattr(upload, "name", "")[:80]}
                )
        return upload


class ElectionField(forms.MultipleChoiceField):
    """The candidates ticked on a ballot, or "none ticked" (an abstention). More than the seats
    is recorded as marked: the tally counts that part of the ballot as void."""

    def __init__(self, *, motion, **kwargs):
        self.motion = motion
        choices = [(c.key, c.display_name) for c in motion.candidates.all()]
        choices.append((NONE_TICKED, _("No candidate ticked (abstain)")))
        super().__init__(choices=choices, widget=forms.CheckboxSelectMultiple, **kwargs)

    def clean(self, value):
        picked = super().clean(value)
        if NONE_TICKED in picked and len(picked) > 1:
            raise ValidationError(
                _("“%(title)s”: tick the candidates, or “no candidate ticked”, not both.")
                % {"title": self.motion.title}
            )
        return NONE_TICKED if picked == [NONE_TICKED] else sorted(picked)


def motion_field(motion, number: int) -> forms.Field:
    """The form field for one motion, labelled as on the paper ("1. 修订管理规约"); its
    `layout` tells the template how to lay the choices out ("row": for / against / abstain)."""
    field = _motion_field(motion, number)
    field.layout = "row" if motion.kind in YES_NO_KINDS else "list"
    return field


def _motion_field(motion, number: int) -> forms.Field:
    label = f"{number}. {motion.title}"
    title = {"title": motion.title}
    if motion.kind in YES_NO_KINDS:
        return forms.ChoiceField(
            label=label,
            choices=ANSWERS,
            widget=forms.RadioSelect,
            help_text=_("%(kind)s. Record the box ticked; a blank item is an abstention.")
            % {"kind": motion.get_kind_display()},
            error_messages={
                "required": _(
                    "“%(title)s”: choose what the ballot says: for, against or abstain (a blank "
                    "item counts as an abstention)."
                )
                % title
            },
        )
    if motion.kind == MotionKind.ELECTION:
        return ElectionField(
            motion=motion,
            label=label,
            help_text=_(
                "Approve up to %(seats)d candidates. Tick what the ballot approves; nothing "
                "ticked is an abstention; more than %(seats)d ticked makes this part void "
                "(record it as marked)."
            )
            % {"seats": motion.seats},
            error_messages={
                "required": _(
                    "“%(title)s”: tick the candidates the ballot approves, or “no candidate "
                    "ticked”."
                )
                % title
            },
        )
    if motion.kind in (MotionKind.SINGLE, MotionKind.MULTIPLE):
        choices = [(o.key, o.label) for o in motion.options.all()]
        single = motion.kind == MotionKind.SINGLE
        field_class = forms.ChoiceField if single else forms.MultipleChoiceField
        return field_class(
            label=label,
            choices=choices,
            widget=forms.RadioSelect if single else forms.CheckboxSelectMultiple,
            help_text=_("Question: one answer.") if single else _("Question: any answers."),
            error_messages={"required": _("“%(title)s”: choose an answer.") % title},
        )
    return forms.CharField(
        label=label,
        required=False,
        max_length=ballots.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Copy what the owner wrote; leave empty if nothing was written."),
    )


def initial_answer(motion, answer):
    """A stored answer as the field's initial value (the correction form)."""
    if answer is None:
        return None
    if motion.kind == MotionKind.ELECTION:
        return [NONE_TICKED] if answer == "abstain" else list(answer)
    if motion.kind == MotionKind.SINGLE:
        return answer[0] if answer else None
    if motion.kind == MotionKind.TEXT:
        return answer.get("text", "") if isinstance(answer, dict) else str(answer)
    return answer


class AnswersForm(forms.Form):
    """Every motion of the vote as a field `motion_<id>`, in the paper's order. The motions come
    from the vote as loaded by `selectors.with_contents` (no query here)."""

    def __init__(self, *args, vote, answers: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.vote = vote
        self.motions = list(vote.motions.all())
        for number, motion in enumerate(self.motions, start=1):
            name = f"motion_{motion.pk}"
            self.fields[name] = motion_field(motion, number)
            if answers is not None:
                self.initial[name] = initial_answer(motion, answers.get(str(motion.pk)))

    def motion_fields(self) -> list:
        return [self[f"motion_{m.pk}"] for m in self.motions]

    def other_fields(self) -> list:
        return [f for f in self if not f.name.startswith("motion_")]

    def choices(self) -> dict[str, object]:
        """The answers as `ballot_cast` takes them: {motion id: answer}."""
        return {str(m.pk): self.cleaned_data.get(f"motion_{m.pk}") for m in self.motions}

    def void_elections(self) -> list:
        """Election motions where more candidates are ticked than there are seats."""
        return [
            m
            for m in self.motions
            if m.kind == MotionKind.ELECTION
            and isinstance(self.cleaned_data.get(f"motion_{m.pk}"), list)
            and len(self.cleaned_data[f"motion_{m.pk}"]) > m.seats
        ]


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Ballot token"),
        max_length=60,
        help_text=_(
            "The 10 letters and digits printed on the ballot; upper or lower case, spaces do "
            "not matter. Scanning the QR code opens this page with the token filled in."
        ),
        error_messages={"required": _("Type the token printed on the ballot.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "record-token-input",
            }
        ),
    )

    def clean_token(self) -> str:
        token = normalise_token(self.cleaned_data["token"])
        if not token:
            raise ValidationError(_("Type the token printed on the ballot."))
        return token


def _signer_field(people) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Who signed"),
        queryset=people,
        required=False,
        empty_label=_("Not recorded"),
        help_text=_("The home has several owners: say which of them signed."),
    )


class _SignerMixin:
    def add_signer(self, elector, people: list) -> None:
        """`signed_by`, only when the owner party has several people to choose from."""
        self.signers = people
        if len(people) > 1:
            from mulin.people.models import Person

            self.fields["signed_by"] = _signer_field(
                Person.objects.filter(pk__in=[p.pk for p in people])
            )

    def voter(self):
        """Who filled the ballot in: the one owner, or the co-owner chosen."""
        if "signed_by" in self.fields:
            return self.cleaned_data.get("signed_by")
        return self.signers[0] if len(self.signers) == 1 else None


class PaperBallotForm(_SignerMixin, AnswersForm):
    """A paper ballot found by its token: the answers as marked, the scan, the signature check."""

    token = forms.CharField(widget=forms.HiddenInput)
    scan = ScanField(
        label=_("Scan or photo of the signed ballot"),
        error_messages={"required": _("Attach the scan or photo of the signed ballot.")},
    )
    signed = forms.BooleanField(
        label=_("The ballot carries the owner's signature"),
        error_messages={
            "required": _("A paper ballot counts only with the owner's signature on it.")
        },
    )

    def __init__(self, *args, elector, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_signer(elector, people)

    def clean_token(self) -> str:
        return normalise_token(self.cleaned_data["token"])


class CanvassBallotForm(_SignerMixin, AnswersForm):
    """Door to door (扫楼): the answers and the owner's signature drawn on the phone."""

    signature = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, elector, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_signer(elector, people)

    def clean_signature(self):
        drawn = ballots.signature_from_data_url(self.cleaned_data.get("signature") or "")
        if drawn is None:
            raise ValidationError(_("The owner must sign on the screen before the ballot counts."))
        return drawn


class ProxyBallotForm(AnswersForm):
    """A proxy's ballot: who holds the proxy and the owner's written authorisation (委托书)."""

    proxy = forms.ModelChoiceField(
        label=_("Proxy holder"),
        queryset=None,
        error_messages={
            "required": _("Find and choose who holds the proxy."),
            "invalid_choice": _("Choose the proxy holder from the people found."),
        },
    )
    authorisation = ScanField(
        label=_("Written authorisation (委托书)"),
        error_messages={"required": _("Attach the owner's written authorisation.")},
    )

    def __init__(self, *args, people_here, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proxy"].queryset = people_here


class OnsiteBallotForm(_SignerMixin, AnswersForm):
    """A ballot handed in at the meeting, the owner's identity checked in person."""

    scan = ScanField(label=_("Scan or photo of the ballot"), required=False)

    def __init__(self, *args, elector, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_signer(elector, people)


class CanvassMarkForm(forms.Form):
    """A door-to-door visit that brought no ballot."""

    status = forms.ChoiceField(
        label=_("How did the visit go?"),
        choices=[
            (CanvassStatus.CONTACTED, _("Contacted: no ballot yet")),
            (CanvassStatus.UNREACHABLE, _("Nobody reached")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the visit went.")},
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=200,
        required=False,
        help_text=_("For the next visit, e.g. “back after 6 pm”, “lives with her daughter”."),
    )


class CorrectionForm(AnswersForm):
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. “motion 2 was typed as for; the paper says against”. It is audited."),
        error_messages={"required": _("Give the reason for the correction.")},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Give the reason for the correction."))
        return reason


STATUS_FILTERS = [
    ("", _("Everyone")),
    ("pending", _("Not visited")),
    ("contacted", _("Contacted")),
    ("unreachable", _("Unreachable")),
    ("voted", _("Voted")),
]


class CanvassFilterForm(forms.Form):
    building = forms.ChoiceField(label=_("Building"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_FILTERS)

    def __init__(self, *args, buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].choices = [("", _("All buildings"))] + [
            (number, _("Building %(number)s") % {"number": number}) for number in buildings
        ]

    def value(self, name: str) -> str:
        """The valid value of a filter, "" when missing or invalid (a bad filter is ignored)."""
        if not self.is_bound:
            return ""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get(name) or ""
