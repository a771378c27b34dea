"""`registry spec validate` and `registry standard schema|examples --check`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError

from registry.standard.examples import EXAMPLE_KEY, example_messages
from registry.standard.xmlcodec import to_xml

ROOT = Path(django_settings.BASE_DIR)
EXAMPLES = ROOT / "docs/interface/examples"
KEY = EXAMPLE_KEY.hex()


def _run(*args: str) -> tuple[str, int]:
    out = StringIO()
    try:
        call_command("spec", "validate", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc.returncode
    return out.getvalue(), 0


def test_every_example_passes_with_the_example_key() -> None:
    files = sorted(str(p) for p in EXAMPLES.iterdir() if p.suffix in {".json", ".xml"})
    out, code = _run("--key", KEY, *files)
    assert code == 0, out
    assert out.count("通过（") == len(files)
    assert "通过（change_batch、JSON） 签名：签名有效，key_id=example-2026" in out


def test_a_bad_file_fails_and_every_path_is_printed(tmp_path: Path) -> None:
    batch = json.loads((EXAMPLES / "change_batch.json").read_text(encoding="utf-8"))
    batch["events"][1]["record"]["identity"]["archive_no"] = "110105194912310021"
    batch["events"][1]["seq"] = 9
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(batch, ensure_ascii=False), encoding="utf-8")
    out, code = _run("--key", KEY, str(bad), str(EXAMPLES / "ack.json"))
    assert code == 1
    assert "bad.json: 不通过（change_batch、JSON）" in out
    assert "  events[1].record.identity.archive_no: 身份证号码校验位错误" in out
    assert "(SCHEMA_INVALID identity.check_mismatch)" in out
    assert "  events[1].seq: 应为 2" in out
    assert "  signature.value: 签名校验失败 (SIGNATURE_INVALID)" in out
    assert "ack.json: 通过（ack、JSON）" in out


def test_xml_and_the_replay_window(tmp_path: Path) -> None:
    path = tmp_path / "ack.xml"
    path.write_bytes(to_xml(example_messages()["ack"]))
    out, code = _run("--key", KEY, "--at", "2026-03-02T08:04:00Z", str(path))
    assert code == 0 and "签名有效（在时间窗口内）" in out
    out, code = _run("--key", KEY, "--at", "now", str(path))
    assert code == 1 and "TIMESTAMP_EXPIRED" in out


def test_json_output(tmp_path: Path) -> None:
    path = tmp_path / "unknown.json"
    path.write_text('{"message_type": "hello"}', encoding="utf-8")
    out, code = _run("--json", str(path))
    assert code == 1
    line = json.loads(out)
    assert line["ok"] is False and line["violations"][0]["path"] == "message_type"


@pytest.mark.parametrize("args", [["--key", "xyz"], ["--at", "yesterday"], ["--at", "2026-03-02T08:00:00"]])
def test_bad_options(args: list[str]) -> None:
    with pytest.raises(CommandError):
        call_command("spec", "validate", *args, str(EXAMPLES / "ack.json"), stdout=StringIO())


def test_missing_file() -> None:
    with pytest.raises(CommandError, match="无法读取"):
        call_command("spec", "validate", "/nonexistent/batch.json", stdout=StringIO())


def test_exit_status_of_the_console_command(tmp_path: Path) -> None:
    bad = tmp_path / "bomb.xml"
    bad.write_bytes(b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><ack>&b;</ack>')
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "django", "spec", "validate", str(bad), str(EXAMPLES / "ack.xml")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "$: XML 不允许包含 DTD" in done.stdout
    assert "ack.xml: 通过" in done.stdout


# --- generated files -------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["schema", "examples", "all"])
def test_generated_files_are_current(action: str) -> None:
    call_command("standard", action, "--check", stdout=StringIO())


def test_check_names_stale_and_leftover_files(tmp_path: Path, settings: Any) -> None:
    settings.BASE_DIR = tmp_path
    call_command("standard", "all", stdout=StringIO())
    call_command("standard", "all", "--check", stdout=StringIO())
    (tmp_path / "docs/interface/interface.xsd").write_text("old", encoding="utf-8")
    (tmp_path / "docs/interface/examples/retired.json").write_text("{}", encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("standard", "all", "--check", stdout=StringIO())
    assert "docs/interface/interface.xsd" in str(caught.value)
    assert "docs/interface/examples/retired.json（多余）" in str(caught.value)
    call_command("standard", "all", stdout=StringIO())
    assert not (tmp_path / "docs/interface/examples/retired.json").exists()
    call_command("standard", "all", "--check", stdout=StringIO())
