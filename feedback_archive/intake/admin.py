from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError, error_text
from feedback_archive.versions.models import Product

from .models import ImportJob, JobStatus, Source
from .services import INLINE_MAX_ROWS, import_job_prepare, import_job_start, import_preview

MAX_UPLOAD_BYTES = settings.INTAKE_MAX_UPLOAD_BYTES


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"), help_text=gettext_lazy(
        "CSV (UTF-8 or GBK), XLSX, JSON or JSON Lines. The next page shows what will be imported."))
    source = forms.ChoiceField(label=gettext_lazy("Source"), choices=Source.choices)
    product = forms.ModelChoiceField(
        label=gettext_lazy("Product"), queryset=Product.objects.all(), to_field_name="slug", required=False,
        help_text=gettext_lazy("For rows that do not name a product."),
    )



@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "filename", "source", "status", "progress", "created", "existing", "invalid", "started_by", "created_at"]
    list_filter = ["status", "source"]
    search_fields = ["filename", "file_hash"]
    show_full_result_count = False
    change_form_template = "intake/importjob_change_form.html"
    fields = ["filename", "source", "product", "status", "progress", "created", "existing", "invalid", "message",
              "error_table", "file_hash", "file_size", "path", "batch_size", "started_by", "started_at", "finished_at"]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("progress"))
    def progress(self, obj):
        if obj.total_rows:
            return f"{obj.position} / {obj.total_rows} ({100 * obj.position / obj.total_rows:.0f}%)"
        return str(obj.position)

    @admin.display(description=gettext_lazy("row errors (sample)"))
    def error_table(self, obj):
        if not obj.errors:
            return "—"
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                                ((e["row"], e["field"], e["message"]) for e in obj.errors))
        return format_html("<table><tr><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
                           _("row"), _("field"), _("message"), rows)

    def has_change_permission(self, request, obj=None):
        return False  # a job is a record of what happened; it changes only by running

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:intake_importjob_upload"))

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("upload/", wrap(self.upload_view), name="intake_importjob_upload"),
            path("<int:object_id>/preview/", wrap(self.preview_view), name="intake_importjob_preview"),
            path("<int:object_id>/confirm/", wrap(self.confirm_view), name="intake_importjob_confirm"),
        ] + super().get_urls()

    def _context(self, request, title, **extra):
        return {**self.admin_site.each_context(request), "opts": self.model._meta, "title": title, **extra}

    def _denied(self, request):
        if self.has_add_permission(request):
            return None
        self.message_user(request, _("You may not import feedback."), messages.ERROR)
        return HttpResponseRedirect(reverse("admin:index"))

    def upload_view(self, request):
        if denied := self._denied(request):
            return denied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            product = form.cleaned_data["product"]
            if upload.size > MAX_UPLOAD_BYTES:
                form.add_error("file", _("The file is larger than %(mb)d MB; import it with the import_feedback command.")
                               % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
            else:
                try:
                    job = import_job_prepare(
                        source=form.cleaned_data["source"], filename=upload.name, data=upload.read(),
                        product=product.slug if product else "", actor=Actor.for_user(request.user),
                    )
                except ApplicationError as exc:
                    form.add_error("file", error_text(exc))
                else:
                    return HttpResponseRedirect(reverse("admin:intake_importjob_preview", args=[job.pk]))
        return TemplateResponse(request, "intake/upload.html", self._context(request, _("Import feedback from a file"), form=form))

    def preview_view(self, request, object_id):
        if denied := self._denied(request):
            return denied
        job = get_object_or_404(ImportJob, pk=object_id)
        change_url = reverse("admin:intake_importjob_change", args=[job.pk])
        if job.status not in (JobStatus.PENDING, JobStatus.FAILED) or job.content is None:
            return HttpResponseRedirect(change_url)
        try:
            preview = import_preview(data=job.content, filename=job.filename, source=job.source, product=job.product)
        except ApplicationError as exc:
            self.message_user(request, error_text(exc), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:intake_importjob_upload"))
        return TemplateResponse(request, "intake/preview.html", self._context(
            request, _("Check the import of %(name)s") % {"name": job.filename},
            job=job, preview=preview, inline_max=INLINE_MAX_ROWS, change_url=change_url,
        ))

    def confirm_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if denied := self._denied(request):
            return denied
        job = get_object_or_404(ImportJob, pk=object_id)
        try:
            job = import_job_start(job_id=job.pk, actor=Actor.for_user(request.user))
        except ApplicationError as exc:
            self.message_user(request, error_text(exc), messages.ERROR)
        else:
            if job.status == JobStatus.DONE:
                self.message_user(request, _("Imported: %(c)d created, %(e)d already stored, %(i)d rows invalid.")
                                  % {"c": job.created, "e": job.existing, "i": job.invalid}, messages.SUCCESS)
            elif job.status == JobStatus.FAILED:
                self.message_user(request, job.message, messages.ERROR)
            else:
                self.message_user(request, _("The file is large; a worker imports it now. This page shows the progress."),
                                  messages.INFO)
        return HttpResponseRedirect(reverse("admin:intake_importjob_change", args=[job.pk]))
