"""Random interleavings of a transfer's actions, lost, duplicated and delayed messages, and restarts.

Run as its own process (`python -m registry.transfers.tests.model_check`; test_model_check.py does):
the hub and two provinces are three SQLite databases used in turn by the real services and the real
hub endpoints, with a faulty in-process network between them. After every step: exactly one owner at
the hub, and no province that may write the record disagrees with it. At the end, once the network
heals and the workers catch up: every transfer has the same outcome everywhere and nothing is lost.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

BASE = Path(tempfile.mkdtemp(prefix="registry-model-check-"))
os.environ.update(
    DJANGO_SETTINGS_MODULE="config.settings.local",
    REGISTRY_VAR_DIR=str(BASE / "var"),
    REGISTRY_ROLE="national",  # so the hub's app and endpoints are loaded in this one process
    REGISTRY_AGENCY_CODE="000000",
    DJANGO_ALLOWED_HOSTS="testserver,localhost",
)
os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from hypothesis import HealthCheck, Phase  # noqa: E402
from hypothesis import settings as hsettings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule  # noqa: E402

NODES = {"hub": "000000", "gd": "440000", "bj": "110000"}
HOME = {"gd": "440106", "bj": "110105"}
KEYS = {"440000": ("gd-key", b"g" * 32), "110000": ("bj-key", b"b" * 32)}
settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
current = {"node": ""}


def use(node: str) -> None:
    """Switch this process to `node`: its database file and its identity (a restart of the process)."""
    if current["node"] == node:
        return
    connections.close_all()
    connections["default"].settings_dict["NAME"] = str(BASE / f"{node}.sqlite3")
    settings.REGISTRY_AGENCY_CODE = NODES[node]
    settings.REGISTRY_ROLE = "national" if node == "hub" else "province"
    if node != "hub":
        key_id, key = KEYS[NODES[node]]
        settings.REGISTRY_HUB_URL, settings.REGISTRY_HUB_KEY_ID, settings.REGISTRY_HUB_KEY = (
            "http://testserver/hub/api/v1/",
            key_id,
            key.hex(),
        )
    current["node"] = node


def prepare() -> str:
    """Pristine databases: trees, keys, and one collected accountant at 广东 already known to the hub."""
    from registry.hub.keys import key_install
    from registry.orgs.models import Agency
    from registry.orgs.services import agencies_sync, agencies_sync_all
    from registry.transfers.tests import flow

    for node, code in NODES.items():
        use(node)
        call_command("migrate", verbosity=0)
        if node == "hub":
            agencies_sync_all()
            for body, (key_id, key) in KEYS.items():
                key_install(agency=Agency.objects.get(code=body), key_id=key_id, secret=key)
        else:
            agencies_sync(code)
    use("gd")
    import io
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out):
        flow.accountant("440106", 11)
    import json

    uid = json.loads(out.getvalue().strip().splitlines()[-1])["uid"]
    network.faults = 0.0
    from registry.sync.drain import drain

    drain(FaultyHub())
    connections.close_all()
    for node in NODES:
        shutil.copy(BASE / f"{node}.sqlite3", BASE / f"{node}.pristine")
    return uid


class Network:
    def __init__(self) -> None:
        self.faults = 0.3
        self.rng = random.Random(0)
        self.delayed: list[tuple[str, bytes]] = []

    def deliver(self, path: str, body: bytes) -> tuple[int, bytes]:
        sender = current["node"]
        use("hub")
        try:
            response = Client().post(f"/hub/api/v1/{path}", body, content_type="application/json")
            return response.status_code, response.content
        finally:
            use(sender)


network = Network()


def _hub_client_class() -> Any:
    from registry.sync.client import HubClient, HubUnavailable

    class Faulty(HubClient):
        def __init__(self) -> None:
            key_id, key = KEYS[settings.REGISTRY_AGENCY_CODE]
            super().__init__(
                url="http://testserver/hub/api/v1/",
                agency=settings.REGISTRY_AGENCY_CODE,
                key_id=key_id,
                key=key,
            )

        def post(self, path: str, body: bytes) -> tuple[int, bytes]:
            roll = network.rng.random()
            f = network.faults
            if roll < f * 0.25:
                raise HubUnavailable("lost on the way")
            if roll < f * 0.5:
                network.delayed.append((path, body))
                raise HubUnavailable("delayed")
            answer = network.deliver(path, body)
            if roll < f * 0.75:
                network.deliver(path, body)  # duplicated on the way: the hub sees it twice
            elif roll < f:
                raise HubUnavailable("answer lost")
            return answer

    return Faulty


FaultyHub: Any = None


def restore() -> None:
    connections.close_all()
    for node in NODES:
        shutil.copy(BASE / f"{node}.pristine", BASE / f"{node}.sqlite3")
    current["node"] = ""


class TransferModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        restore()
        network.delayed.clear()
        network.faults = 0.3
        network.rng = random.Random(0)  # the same rules then meet the same faults when hypothesis replays
        self.apps: list[str] = []

    # --- helpers -------------------------------------------------------------------------------
    def _owner_node(self) -> str:
        use("hub")
        from registry.orgs.selectors import provincial_code
        from registry.people.models import Person

        person = Person.objects.select_related("agency").get(uid=UID)
        return {"440000": "gd", "110000": "bj"}[provincial_code(person.agency)]

    def _transfer(self, node: str, status: str) -> Any:
        use(node)
        from registry.transfers.models import Transfer

        return Transfer.objects.filter(person_uid=UID, status=status).order_by("-id").first()

    def _act(self, node: str, fn: Any) -> None:
        from registry.core.errors import DomainError, Forbidden

        use(node)
        try:
            fn()
        except (DomainError, Forbidden) as exc:
            # Refused: acting out of order or twice; nothing changed (the invariants check that).
            REFUSALS[str(exc)[:60]] = REFUSALS.get(str(exc)[:60], 0) + 1

    # --- rules ---------------------------------------------------------------------------------
    @initialize()
    def first_application(self) -> None:
        """Every run starts with an application at 广东, so runs spend their steps on what follows."""
        self.apply("gd")

    @rule(node=st.sampled_from(["gd", "bj"]))
    def apply(self, node: str) -> None:
        from registry.ops.sample_proofs import sample_image
        from registry.people.models import Person
        from registry.transfers.services import transfer_apply

        use(node)
        person = Person.objects.filter(uid=UID).first()
        if person is None or person.user is None:
            return
        other = "bj" if node == "gd" else "gd"

        def go() -> None:
            t = transfer_apply(
                actor=person.user,
                dest_body_code=NODES[other],
                dest_agency_code=HOME[other],
                reason="residence",
                proofs=[("r.png", sample_image("residence", "居住证"))],
            )
            self.apps.append(t.app_no)

        self._act(node, go)

    @rule(node=st.sampled_from(["gd", "bj"]), action=st.sampled_from(["confirm", "return", "withdraw"]))
    def origin_acts(self, node: str, action: str) -> None:
        from registry.transfers import services

        t = self._transfer(node, "applied")
        if t is None:
            return
        reviewer = _reviewer(HOME[node])
        calls = {
            "confirm": lambda: services.transfer_origin_confirm(actor=reviewer, transfer=t),
            "return": lambda: services.transfer_origin_return(actor=reviewer, transfer=t, reason="材料不全"),
            "withdraw": lambda: services.transfer_withdraw(actor=t.applicant, transfer=t),
        }
        self._act(node, calls[action])

    @rule(node=st.sampled_from(["gd", "bj"]), approve=st.booleans())
    def destination_acts(self, node: str, approve: bool) -> None:
        from registry.transfers import services

        t = self._transfer(node, "dest_review")
        if t is None or t.direction != "in":
            return
        reviewer = _reviewer(HOME[node])
        if approve:
            self._act(node, lambda: services.transfer_dest_approve(actor=reviewer, transfer=t))
        else:
            self._act(
                node, lambda: services.transfer_dest_return(actor=reviewer, transfer=t, reason="不在本辖区")
            )

    @rule(first=st.sampled_from(["gd", "bj"]))
    def workers_turn(self, first: str) -> None:
        """Both provinces' workers run once, in either order."""
        for node in (first, "bj" if first == "gd" else "gd"):
            self.worker_turn(node)

    def worker_turn(self, node: str) -> None:
        from registry.sync.drain import drain_step, run_steps

        use(node)
        client = FaultyHub()
        for _ in range(5):
            if drain_step(client, ignore_backoff=True).outcome in {"idle", "failed"}:
                break
        run_steps(client)

    @precondition(lambda self: bool(network.delayed))
    @rule(data=st.data())
    def deliver_late(self, data: Any) -> None:
        index = data.draw(st.integers(0, len(network.delayed) - 1))
        path, body = network.delayed.pop(index)
        network.deliver(path, body)

    @rule()
    def restart(self) -> None:
        connections.close_all()
        current["node"] = ""

    def _catch_up(self) -> None:
        for _ in range(3):
            for node in ("gd", "bj"):
                self.worker_turn(node)

    # --- invariants ----------------------------------------------------------------------------
    @invariant()
    def one_owner(self) -> None:
        owner = self._owner_node()  # exactly one person row at the hub, under one province
        for node in ("gd", "bj"):
            if _claims(node):
                assert node == owner, f"{node} may write the record but the hub says {owner} owns it"

    def teardown(self) -> None:
        # Heal the network, deliver everything late, and let the workers catch up.
        network.faults = 0.0
        for path, body in network.delayed:
            network.deliver(path, body)
        network.delayed.clear()
        self._catch_up()
        # The people still holding an application decide it, so every transfer ends somewhere.
        for node in ("gd", "bj"):
            self.origin_acts(node, "confirm")
        self._catch_up()
        for node in ("gd", "bj"):
            # Alternate the last decision between runs, so the runs end in both outcomes.
            self.destination_acts(node, approve=TEARDOWNS["count"] % 2 == 0)
        TEARDOWNS["count"] += 1
        self._catch_up()
        owner = self._owner_node()
        claims = [n for n in ("gd", "bj") if _claims(n)]
        assert claims == [owner], (claims, owner)
        use("hub")
        from registry.hub.models import HubTransfer

        hub_rows = {t.app_no: t.status for t in HubTransfer.objects.all()}
        for status in hub_rows.values():
            OUTCOMES[status] = OUTCOMES.get(status, 0) + 1
        OUTCOMES["applications"] = OUTCOMES.get("applications", 0) + len(self.apps)
        for app_no, status in hub_rows.items():
            for node in ("gd", "bj"):
                use(node)
                from registry.transfers.models import Transfer

                t = Transfer.objects.filter(app_no=app_no).first()
                assert t is not None, f"{app_no} lost at {node}"
                assert t.status == status, (app_no, node, t.status, status)
        for app_no in self.apps:  # every application is somewhere definite at its origin
            use(app_no_node(app_no))
            from registry.transfers.models import Transfer

            assert Transfer.objects.filter(app_no=app_no).exists(), app_no
        restore()


def app_no_node(app_no: str) -> str:
    return "gd" if app_no.startswith("DZ440000") else "bj"


def _claims(node: str) -> bool:
    """The node may write the person's record: it holds it as collected and no transfer froze it."""
    use(node)
    from registry.people.models import Person, Status
    from registry.transfers.models import FROZEN_STATES, Direction, Transfer

    person = Person.objects.filter(uid=UID).first()
    if person is None or person.status != Status.COLLECTED:
        return False
    return not Transfer.objects.filter(
        person_uid=UID, direction=Direction.OUT, status__in=FROZEN_STATES
    ).exists()


def _reviewer(code: str) -> Any:
    from registry.accounts.models import User
    from registry.accounts.roles import Role
    from registry.accounts.services import membership_grant
    from registry.orgs.models import Agency

    user, _ = User.objects.get_or_create(username=f"rev{code}")
    membership_grant(user=user, agency=Agency.objects.get(code=code), role=Role.COUNTY_REVIEWER)
    return user


def main() -> int:
    global FaultyHub, UID
    FaultyHub = _hub_client_class()
    UID = prepare()
    examples = int(os.environ.get("REGISTRY_MODEL_EXAMPLES", "25"))
    TransferModel.TestCase.settings = hsettings(
        max_examples=examples,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
        database=None,
    )
    import unittest

    suite = unittest.TestLoader().loadTestsFromTestCase(TransferModel.TestCase)
    result = unittest.TextTestRunner(verbosity=1).run(suite)
    # What the runs reached, so a model that never completes a transfer is noticed.
    print("outcomes at the hub over all examples:", OUTCOMES)
    print("refusals:", REFUSALS)
    shutil.rmtree(BASE, ignore_errors=True)
    return 0 if result.wasSuccessful() else 1


UID = ""
OUTCOMES: dict[str, int] = {}
REFUSALS: dict[str, int] = {}
TEARDOWNS = {"count": 0}

if __name__ == "__main__":
    sys.exit(main())
