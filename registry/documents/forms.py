"""Form pieces for uploading a proof. The field only gathers the files and stops obvious
mistakes early; `document_store` is the authority and its errors are mapped back here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from registry.core.errors import DomainError

from .inspection import sanitise_name
from .limits import ACCEPT, ACCEPT_IMAGES, limits_text, rule_for
from .models import Kind


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ProofFilesField(forms.FileField):
    """One or more files as a list. No `capture` attribute: phones then offer camera or gallery."""

    def __init__(self, *, kind: str = Kind.OTHER, **kwargs: Any) -> None:
        rule = rule_for(kind)
        self.max_files = rule.max_files
        accept = ACCEPT_IMAGES if rule.images_only else ACCEPT
        widget_class = MultipleFileInput if rule.max_files > 1 else forms.ClearableFileInput
        kwargs.setdefault("widget", widget_class(attrs={"accept": accept}))
        kwargs.setdefault("help_text", limits_text(kind))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        items = data if isinstance(data, list | tuple) else [data]
        items = [item for item in items if item]
        if not items:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(items) > self.max_files:
            raise ValidationError(f"此项证明最多上传 {self.max_files} 个文件（已选择 {len(items)} 个）")
        single = super().clean  # bound here: a comprehension has no zero-argument super()
        return [single(item, initial) for item in items]


class ProofUploadForm(forms.Form):
    """A one-field form for pages that upload a single proof kind at a time."""

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["files"] = ProofFilesField(kind=kind, label=Kind(kind).label)

    def add_domain_errors(self, exc: DomainError, field: str = "files") -> None:
        """Show `document_store`'s errors on the field, naming the file each one is about."""
        files = getattr(self, "cleaned_data", {}).get(field) or []
        for error in exc.errors:
            message = error.message
            index = error.field.removeprefix("files.")
            if index.isdigit() and int(index) < len(files):
                name = sanitise_name(files[int(index)].name or "") or f"第 {int(index) + 1} 个文件"
                message = f"{name}：{message}"
            self.add_error(field if error.field.startswith("files") else None, message)
