from __future__ import annotations

from typing import Any

from django import forms

from .reader import FORMATS, MIB, max_bytes
from .selectors import import_agencies


class UploadForm(forms.Form):
    file = forms.FileField(
        label="导入文件",
        allow_empty_file=True,  # the import says what is wrong with an empty file
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(f".{f}" for f in FORMATS)}),
    )
    agency = forms.ChoiceField(label="导入机构")

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agencies = {a.code: a for a in import_agencies(actor).order_by("path")}
        field = self.fields["agency"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(code, f"{a.name}（{code}）") for code, a in self.agencies.items()]
        field.help_text = "文件中的人员只能属于该机构及其下级机构"
        self.fields[
            "file"
        ].help_text = (
            f"Excel（.xlsx/.xls）、WPS 或 LibreOffice 表格（.ods）、CSV，不超过 {max_bytes() // MIB} MB"
        )
