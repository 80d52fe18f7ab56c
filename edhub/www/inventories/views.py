"""Local data hub pages: download the template, upload an inventory, check its preview, publish, roll back."""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from edhub.accounts.permissions import may, require
from edhub.accounts.scope import membership_of, scope_label, writable_schools
from edhub.inventories import publishing
from edhub.inventories.columns import COLUMNS
from edhub.inventories.models import Upload
from edhub.inventories.tasks import INLINE_MAX_BYTES, reclaim, validate_upload
from edhub.inventories.template import XLSX_TYPE, template_csv, template_xlsx
from edhub.inventories.validation import current_rentree, validate
from edhub.utils.exports import csv_response
from edhub.www.inventories.forms import RollbackForm, UploadForm

PROBLEMS_SHOWN = 200
PREVIEW_ROWS = 20


def _crumbs(current, links=()):
    return {"root_dir": reverse("home"), "links": list(links), "current": current}


def _membership(request):
    require(request.user, "inventories.see")
    return membership_of(request.user)


def _writer(request):
    require(request.user, "inventories.upload")
    return membership_of(request.user)


def _upload_of(request, pk):
    """The upload if this account may see it (404 otherwise: its existence is not disclosed)."""
    require(request.user, "inventories.see")
    reclaim()  # an analysis whose worker died is taken back before its page says where it is
    return get_object_or_404(Upload.objects.visible_to(request.user).select_related("territory"), pk=pk)


def documentation(request):
    """The template's columns and rules, public."""
    return render(
        request,
        "inventories/documentation.html",
        {
            "columns": COLUMNS,
            "limits": settings.INVENTORY_LIMITS,
            "active_nav": "inventories",
            "breadcrumb_data": _crumbs(
                "Modèle d'inventaire", [{"url": reverse("inventories:index"), "title": "Inventaires locaux"}]
            ),
        },
    )


@login_required
def index(request):
    membership = _membership(request)
    reclaim()
    form = UploadForm()
    if request.method == "POST":
        _writer(request)
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = _create(request, membership, form.cleaned_data["file"])
            return redirect(upload)
    uploads = Upload.objects.visible_to(request.user).select_related("territory", "author", "confirmed_by")
    return render(
        request,
        "inventories/index.html",
        {
            "membership": membership,
            "scope": scope_label(membership),
            "form": form,
            "uploads": uploads[:100],
            "rentree": current_rentree(),
            "active_nav": "inventories",
            "breadcrumb_data": _crumbs("Inventaires locaux"),
        },
    )


def _create(request, membership, file):
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    upload = Upload.objects.create(
        territory=membership.territory,
        author=request.user,
        role=membership.role,
        file=file,
        file_name=file.name[:255],
        checksum=digest.hexdigest(),
    )
    if file.size <= INLINE_MAX_BYTES:
        validate(upload)
    else:
        validate_upload.enqueue(upload.pk)
    return upload


@login_required
def template(request, extension):
    membership = _writer(request)
    rentree = current_rentree()
    schools = writable_schools(membership).select_related("commune").order_by("commune__name", "name", "uai")
    schools = schools.only("uai", "name", "commune__name")
    name = f"inventaire_{membership.territory.code if membership.territory else 'france'}_{rentree}"
    if extension == "csv":
        response = HttpResponse(template_csv(schools, rentree), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(template_xlsx(schools, rentree, scope_label(membership)), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response


@login_required
def upload_detail(request, pk):
    upload = _upload_of(request, pk)
    problems = upload.problems
    preview = upload.declarations.select_related("school").order_by("line")[:PREVIEW_ROWS]
    return render(
        request,
        "inventories/upload.html",
        {
            "upload": upload,
            "can_write": may(request.user, "inventories.confirm", upload),
            "problems": problems[:PROBLEMS_SHOWN],
            "problems_hidden": max(0, len(problems) - PROBLEMS_SHOWN),
            "problems_per_kind": settings.INVENTORY_LIMITS["problems_per_kind"],
            "blocking_count": upload.blocking_count,
            "warning_count": upload.warning_count,
            "preview": preview if upload.status in (Upload.Status.VALIDATED, Upload.Status.CONFIRMED) else [],
            "rollback_form": RollbackForm(),
            "active_nav": "inventories",
            "breadcrumb_data": _crumbs(
                f"Dépôt n° {upload.pk}", [{"url": reverse("inventories:index"), "title": "Inventaires locaux"}]
            ),
        },
    )


@login_required
def progress(request, pk):
    """The progress fragment, polled by htmx while the file is being analysed."""
    upload = _upload_of(request, pk)
    response = render(request, "inventories/_progress.html", {"upload": upload})
    if not upload.in_progress:
        response["HX-Refresh"] = "true"  # analysis over: reload the whole page with its preview
    return response


@login_required
def problems(request, pk):
    """Every problem of an upload as CSV (`;`, UTF-8 with BOM)."""
    upload = _upload_of(request, pk)
    header = ["ligne", "colonne", "valeur", "motif", "gravité", "conséquence"]
    gravity = {True: "bloquant", False: "avertissement"}
    rows = (
        [p["line"], p["column"], p["value"], p["reason"], gravity[p["blocking"]], p["effect"]] for p in upload.problems
    )
    return csv_response(f"anomalies_depot_{upload.pk}.csv", header, rows)


@login_required
@require_POST
def act(request, pk, action):
    upload = _upload_of(request, pk)
    require(request.user, "inventories.rollback" if action == "rollback" else "inventories.confirm", upload)
    try:
        if action == "publish":
            publishing.publish(upload, request.user)
        elif action == "cancel":
            publishing.cancel(upload)
        elif action == "rerun":
            publishing.rerun(upload)
        elif action == "rollback":
            publishing.roll_back(upload, request.user, request.POST.get("reason", ""))
        else:
            raise Http404(action)
    except publishing.NotAllowed as error:
        messages.error(request, str(error))
    return redirect(upload)
