"""The interface messages, their worked examples and the canonical form the signature covers."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from registry.standard.examples import (
    EXAMPLE_CLOCK,
    EXAMPLE_INDEX_KEY,
    EXAMPLE_KEY,
    EXAMPLE_KEY_ID,
    example_documents,
    example_messages,
    national_index,
    zhang_san,
)
from registry.standard.messages import (
    ERROR_CODES,
    MAX_EVENTS,
    MESSAGE_TYPES,
    ChangeBatch,
    bucket_digest,
    message_model,
)
from registry.standard.signing import (
    GENESIS,
    REPLAY_WINDOW,
    SignatureProblem,
    canonical_bytes,
    canonical_form,
    content_digest,
    loads_normal,
    sign,
    verify,
)

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "docs/interface/examples"
MESSAGES = example_messages()
SIGNED = {name: m for name, m in MESSAGES.items() if m.get("signature")}


def _signed_at(message: dict[str, Any]) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(message["signature"]["signed_at"].replace("Z", "+00:00"))


def test_there_is_an_example_of_every_message_type_in_json_and_xml() -> None:
    kinds = {m["message_type"] for m in MESSAGES.values()}
    assert kinds == set(MESSAGE_TYPES)
    for name in [*MESSAGES, "person_record"]:
        assert (EXAMPLES / f"{name}.json").is_file(), name
        assert (EXAMPLES / f"{name}.xml").is_file(), name


def test_committed_examples_are_what_the_generator_makes() -> None:
    for relative, text in example_documents().items():
        assert (ROOT / relative).read_text(encoding="utf-8") == text, (
            f"{relative}: run registry standard examples"
        )


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_every_example_is_valid_and_its_signature_verifies(name: str) -> None:
    message = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    model = message_model(message)
    assert model is not None
    model.model_validate(message)
    model.model_validate_json(json.dumps(message), strict=True)
    if name == "error-unsigned":
        assert message.get("signature") is None
        return
    block = verify(message, key=EXAMPLE_KEY, now=EXAMPLE_CLOCK)
    assert block["key_id"] == EXAMPLE_KEY_ID
    if "agency" in message:
        assert block["agency"] == message["agency"]


def test_examples_outside_the_replay_window_are_refused_as_live_messages() -> None:
    message = SIGNED["change_batch"]
    with pytest.raises(SignatureProblem) as caught:
        verify(message, key=EXAMPLE_KEY, now=_signed_at(message) + REPLAY_WINDOW * 2)
    assert caught.value.code == "TIMESTAMP_EXPIRED"


def test_examples_are_synthetic_people() -> None:
    numbers = {e["record"]["identity"]["archive_no"] for e in SIGNED["change_batch"]["events"]}
    assert numbers == {"440106199005170030", "11010519491231002X"}  # made up; the GB standard's own example


def test_example_batches_form_a_chain() -> None:
    first, following = SIGNED["change_batch"], SIGNED["change_batch-next"]
    assert first["prev_digest"] == GENESIS
    assert following["first_seq"] == first["last_seq"] + 1
    assert following["prev_digest"] == content_digest(first)
    # The content digest ignores the signature: re-signing a batch keeps it.
    resigned = sign(first, agency="440000", key_id=EXAMPLE_KEY_ID, key=EXAMPLE_KEY)
    assert content_digest(resigned) == content_digest(first)


def test_example_buckets_are_the_digests_of_their_entries() -> None:
    zhang = zhang_san(2)
    index = national_index(EXAMPLE_INDEX_KEY, "resident_id", zhang["identity"]["archive_no"], "CHN")
    reply = SIGNED["reconcile_reply-detail"]
    [bucket] = reply["buckets"]
    assert index.startswith(bucket["prefix"])
    assert bucket["entries"] == [[index, 2]]
    assert bucket["digest"] == bucket_digest([(index, 2)])
    everything = SIGNED["reconcile_reply"]["buckets"]
    assert [b["prefix"] for b in everything] == [f"{n:02x}" for n in range(256)]
    assert sum(b["count"] for b in everything) == 2
    assert {b["digest"] for b in everything if b["count"] == 0} == {bucket_digest([])}


def test_passport_index_includes_the_nationality() -> None:
    a = national_index(EXAMPLE_INDEX_KEY, "passport", "E12345678", "USA")
    b = national_index(EXAMPLE_INDEX_KEY, "passport", "E12345678", "GBR")
    assert a != b and len(a) == 64


def test_every_error_code_is_documented() -> None:
    readme = (ROOT / "docs/interface/README.md").read_text(encoding="utf-8")
    for code in ERROR_CODES:
        assert f"`{code}`" in readme, code


# --- the model rules a sender meets ----------------------------------------------------------


def _batch() -> dict[str, Any]:
    return copy.deepcopy(SIGNED["change_batch"])


def test_batch_must_be_contiguous() -> None:
    batch = _batch()
    batch["events"][1]["seq"] = 3
    with pytest.raises(ValidationError, match=r"events\[1\]\.seq 应为 2"):
        ChangeBatch.model_validate(batch)


def test_record_version_must_be_the_event_version() -> None:
    batch = _batch()
    batch["events"][0]["person_version"] = 2
    with pytest.raises(ValidationError, match=r"record\.version 与 person_version 不一致"):
        ChangeBatch.model_validate(batch)


def test_a_batch_holds_at_most_max_events() -> None:
    batch = _batch()
    event = batch["events"][0]
    batch["events"] = [{**event, "seq": n} for n in range(1, MAX_EVENTS + 2)]
    batch["last_seq"] = MAX_EVENTS + 1
    with pytest.raises(ValidationError) as caught:
        ChangeBatch.model_validate(batch)
    assert caught.value.errors()[0]["type"] == "too_long"


# --- canonical form --------------------------------------------------------------------------


def _shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: _shuffled(value[k], rng) for k in keys}
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))]
    return [path]


def _set(value: Any, path: tuple[Any, ...], new: Any) -> None:
    for part in path[:-1]:
        value = value[part]
    value[path[-1]] = new


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        value = value[part]
    return value


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(SIGNED)), seed=st.integers(), indent=st.sampled_from([None, 0, 1, 2, 4, "\t"])
)
def test_key_order_and_whitespace_do_not_change_the_signature(name: str, seed: int, indent: Any) -> None:
    message = SIGNED[name]
    text = json.dumps(_shuffled(message, random.Random(seed)), ensure_ascii=seed % 2 == 0, indent=indent)
    again = json.loads(text)
    assert canonical_bytes(again) == canonical_bytes(message)
    verify(again, key=EXAMPLE_KEY, now=_signed_at(message))


def _changed(value: Any, data: st.DataObject) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + data.draw(st.integers(min_value=1, max_value=10**6))
    if isinstance(value, float):
        return value + data.draw(st.floats(min_value=0.5, max_value=100, allow_nan=False))
    if isinstance(value, str):
        return value + data.draw(st.text(st.characters(codec="utf-8"), min_size=1, max_size=3))
    return data.draw(st.sampled_from(["", 0, False]))  # null → a value


@settings(max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_change_of_a_value_breaks_the_signature(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(SIGNED)))
    message = copy.deepcopy(SIGNED[name])
    leaves = [p for p in _leaves(message) if p != ("signature", "value")]
    path = data.draw(st.sampled_from(leaves))
    _set(message, path, _changed(_get(message, path), data))
    with pytest.raises(SignatureProblem) as caught:
        verify(message, key=EXAMPLE_KEY, now=_signed_at(SIGNED[name]))
    assert caught.value.code in {"SIGNATURE_INVALID", "TIMESTAMP_EXPIRED"}


def test_integral_floats_sign_like_integers() -> None:
    message = copy.deepcopy(SIGNED["resync_batch"])
    credits = message["records"][0]["continuing_education"][0]["entries"][0]
    assert credits["credits"] == 64.0
    credits["credits"] = 64
    verify(message, key=EXAMPLE_KEY, now=_signed_at(message))


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(SIGNED)), seed=st.integers(), indent=st.sampled_from([None, 2]))
def test_parsing_into_normal_form_gives_the_same_signed_bytes(name: str, seed: int, indent: Any) -> None:
    """The hub parses with `loads_normal` and skips the normalising pass: the bytes must not change."""
    text = json.dumps(_shuffled(SIGNED[name], random.Random(seed)), indent=indent)
    parsed = loads_normal(text)
    assert canonical_bytes(parsed, normal=True) == canonical_bytes(json.loads(text))
    assert content_digest(parsed, normal=True) == content_digest(SIGNED[name])
    verify(parsed, key=EXAMPLE_KEY, now=_signed_at(SIGNED[name]), normal=True)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(SIGNED)), seed=st.integers())
def test_canonical_form_joined_by_member_is_the_whole_message_dumped_sorted(name: str, seed: int) -> None:
    """The members dumped one by one and joined in key order are byte for byte the one-pass dump:
    the signature, the digest and the hub's stored copy of the events all rest on that."""
    message = loads_normal(json.dumps(_shuffled(SIGNED[name], random.Random(seed))))  # whole floats as ints
    form = canonical_form(message)
    body = dict(message, signature={k: v for k, v in message["signature"].items() if k != "value"})
    whole = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    assert form.joined() == whole == canonical_bytes(message)
    unsigned = {k: v for k, v in message.items() if k != "signature"}
    assert (
        form.joined(signature=False)
        == json.dumps(unsigned, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    )
    assert form.digest() == content_digest(message)
    verify(message, key=EXAMPLE_KEY, now=_signed_at(message), canonical=form)
    tampered = dict(message, spec_version="9.9.9")
    with pytest.raises(SignatureProblem):
        verify(tampered, key=EXAMPLE_KEY, now=_signed_at(message), canonical=canonical_form(tampered))


@pytest.mark.parametrize("text", ['{"a": NaN}', '{"a": Infinity}', '{"a": -Infinity}', '{"a": 1e999}'])
def test_parsing_refuses_numbers_without_a_canonical_form(text: str) -> None:
    with pytest.raises(ValueError):
        loads_normal(text)
