"""The import wizard, the import template, the registry export and a person's data export."""

from __future__ import annotations

import io
import os
import re
import secrets
import tempfile
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from mulin.core import access
from mulin.places.models import Compound

from . import exports, imports

SESSION_KEY = "mulin_registry_import"
ERRORS_SHOWN = 500
# Uploads waiting for the "import now" click; older ones are swept away.
UPLOAD_TTL_SECONDS = 24 * 3600
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet file"),
        help_text=gettext_lazy("Excel (.xlsx) or CSV, up to %(limit)s MB.")
        % {"limit": settings.IMPORT_MAX_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,.xls,.ods,.csv", "class": "form-control form-control-lg"}
        ),
    )


def _import_compound(user, code: str) -> Compound:
    """The compound if `user` may import into the whole of it; 404 otherwise."""
    compound = Compound.objects.select_related("community__subdistrict").filter(code=code).first()
    if compound is None or not access.scope_for(user, access.REGISTRY_IMPORT).covers_compound(
        compound.id
    ):
        raise Http404
    return compound


def _upload_dir() -> Path:
    """Private storage for uploads between the preview and the confirmation."""
    configured = getattr(settings, "IMPORT_TEMP_DIR", "")
    path = Path(configured) if configured else Path(tempfile.gettempdir()) / "mulin-imports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _sweep_uploads(folder: Path) -> None:
    cutoff = time.time() - UPLOAD_TTL_SECONDS
    for entry in folder.iterdir():
        try:
            if entry.is_file() and entry.stat().st_mtime < cutoff:
                entry.unlink()
        except FileNotFoundError:
            continue


def _keep_upload(data: bytes) -> str:
    folder = _upload_dir()
    _sweep_uploads(folder)
    token = secrets.token_urlsafe(24)
    descriptor = os.open(folder / token, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    return token


def _pending_upload(request: HttpRequest, compound: Compound) -> tuple[dict, Path] | None:
    """The upload this session previewed for `compound`, when the form names the same one."""
    pending = request.session.get(SESSION_KEY)
    token = request.POST.get("token", "")
    if (
        not pending
        or pending.get("compound_id") != compound.id
        or pending.get("token") != token
        or not _TOKEN_RE.match(token)
    ):
        return None
    path = _upload_dir() / token
    return (pending, path) if path.is_file() else None


def _forget_upload(request: HttpRequest) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    if pending and _TOKEN_RE.match(pending.get("token", "")):
        (_upload_dir() / pending["token"]).unlink(missing_ok=True)


@login_required
def registry_import_page(request: HttpRequest, code: str) -> HttpResponse:
    """Upload → preview (a dry run: every error, or what would change) → import → result."""
    compound = _import_compound(request.user, code)
    context: dict = {"compound": compound, "form": ImportUploadForm(), "step": "upload"}
    if request.method == "POST":
        action = request.POST.get("action", "check")
        if action == "cancel":
            _forget_upload(request)
        elif action == "confirm":
            pending = _pending_upload(request, compound)
            if pending is None:
                context["expired"] = True
            else:
                info, path = pending
                result = imports.registry_import(
                    actor=request.user,
                    compound=compound,
                    file=io.BytesIO(path.read_bytes()),
                    filename=info["filename"],
                )
                _forget_upload(request)
                context.update(result=result, step="done" if result.ok else "errors")
        else:
            _forget_upload(request)
            form = ImportUploadForm(request.POST, request.FILES)
            context["form"] = form
            if form.is_valid():
                upload = form.cleaned_data["file"]
                result = imports.registry_import(
                    actor=request.user,
                    compound=compound,
                    file=upload,
                    filename=upload.name,
                    dry_run=True,
                )
                context.update(result=result, step="preview" if result.ok else "errors")
                if result.ok:
                    upload.seek(0)
                    token = _keep_upload(upload.read())
                    request.session[SESSION_KEY] = {
                        "token": token,
                        "compound_id": compound.id,
                        "filename": upload.name,
                        "sha256": result.digest,
                    }
                    context["token"] = token
                    context["form"] = ImportUploadForm()
    result = context.get("result")
    if result is not None and not result.ok:
        context["errors_shown"] = result.errors[:ERRORS_SHOWN]
        context["errors_hidden"] = max(len(result.errors) - ERRORS_SHOWN, 0)
    context["sheets"] = imports.SHEETS
    context["can_reveal"] = access.scope_for(request.user, access.PERSON_REVEAL).covers_compound(
        compound.id
    )
    template = "people/import.html#wizard" if request.htmx else "people/import.html"
    return render(request, template, context)


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _xlsx_response(path: str, filename: str) -> FileResponse:
    response = FileResponse(
        exports.open_and_unlink(path),
        as_attachment=True,
        filename=filename,
        content_type=exports.XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The empty import file: xlsx with every sheet and an instructions sheet, or one CSV sheet
    (`?sheet=residents`, the default)."""
    if (
        fmt not in ("xlsx", "csv")
        or not access.compounds(request.user, access.REGISTRY_IMPORT).exists()
    ):
        raise Http404
    if fmt == "xlsx":
        path = exports.temporary_xlsx()
        exports.write_registry_xlsx((), path, instructions=True)
        return _xlsx_response(path, "mulin-import-template.xlsx")
    kind = request.GET.get("sheet", "residents")
    if kind not in imports.SHEET_BY_KIND:
        raise Http404
    response = HttpResponse(exports.template_csv(kind), content_type=exports.CSV_CONTENT_TYPE)
    return _attachment(response, f"mulin-import-template-{kind}.csv")


@login_required
def registry_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """The compound's registry in the import format. Phones masked and ID numbers left out
    unless `?full=1` and the user may reveal them (then audited as a reveal)."""
    if fmt not in ("xlsx", "csv"):
        raise Http404
    compound = _import_compound(request.user, code)
    kind = request.GET.get("sheet", "residents") if fmt == "csv" else ""
    if kind and kind not in imports.SHEET_BY_KIND:
        raise Http404
    full = exports.registry_export_start(
        actor=request.user,
        compound=compound,
        fmt=fmt,
        full=request.GET.get("full") == "1",
        sheet=kind,
    )
    stamp = timezone.localdate().isoformat()
    rows = exports.registry_export_rows(compound, full=full, kinds=[kind] if kind else None)
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.registry_csv(rows, kind), content_type=exports.CSV_CONTENT_TYPE
        )
        return _attachment(response, f"{compound.code}-{kind}-{stamp}.csv")
    path = exports.temporary_xlsx()
    exports.write_registry_xlsx(rows, path)
    return _xlsx_response(path, f"{compound.code}-registry-{stamp}.xlsx")


@login_required
def person_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Everything held about one person (PIPL data-subject request), for that person or for
    staff with the export permission; audited."""
    if fmt not in ("json", "xlsx"):
        raise Http404
    person = exports.person_for_export(request.user, pk)
    exports.person_export_record(actor=request.user, person=person, fmt=fmt)
    stamp = timezone.localdate().isoformat()
    if fmt == "json":
        response = HttpResponse(
            exports.person_json(person), content_type="application/json; charset=utf-8"
        )
        return _attachment(response, f"mulin-person-{person.pk}-{stamp}.json")
    path = exports.temporary_xlsx()
    exports.write_person_xlsx(person, path)
    return _xlsx_response(path, f"mulin-person-{person.pk}-{stamp}.xlsx")
