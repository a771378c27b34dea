"""Running nodes as separate processes: the whole system of `make run`, and the tests of hub and provinces.

Each node is its own process with its own var directory (SQLite database, keys, uploads). Nodes share
only what real deployments share: the national blind-index key and one interface key per province.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HUB_CODE = "000000"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ClusterKeys:
    index_key: str
    province_keys: dict[str, tuple[str, str]]  # code → (key id, secret hex)

    @classmethod
    def load_or_create(cls, path: Path, provinces: list[str]) -> ClusterKeys:
        data = json.loads(path.read_text()) if path.exists() else {}
        index_key = data.get("index_key") or secrets.token_hex(32)
        keys = {code: tuple(v) for code, v in data.get("province_keys", {}).items()}
        for code in provinces:
            keys.setdefault(code, (f"{code}-demo", secrets.token_hex(32)))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"index_key": index_key, "province_keys": keys}))
        path.chmod(0o600)
        return cls(index_key, {k: (str(v[0]), str(v[1])) for k, v in keys.items()})


@dataclass
class Node:
    name: str
    role: str  # province | national
    agency: str
    var_dir: Path
    keys: ClusterKeys
    port: int = 0
    hub_url: str = ""
    database_url: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.port = self.port or free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("REGISTRY_", "DJANGO_"))}
        env.pop("DATABASE_URL", None)
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.local",
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
            REGISTRY_VAR_DIR=str(self.var_dir),
            REGISTRY_ROLE=self.role,
            REGISTRY_AGENCY_CODE=self.agency,
            REGISTRY_INDEX_KEY=self.keys.index_key,
            PYTHONUNBUFFERED="1",
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        if self.role == "province" and self.hub_url:
            key_id, secret = self.keys.province_keys[self.agency]
            env.update(REGISTRY_HUB_URL=self.hub_url, REGISTRY_HUB_KEY_ID=key_id, REGISTRY_HUB_KEY=secret)
        env.update(self.extra_env)
        return env

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "registry.cli", *args]

    def run(self, *args: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess[str]:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(  # noqa: S603 -- our own interpreter and command
            self.command(*args), env=self.env(), capture_output=True, text=True, timeout=timeout
        )
        if check and done.returncode != 0:
            raise RuntimeError(
                f"{self.name}: registry {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
            )
        return done

    def python(self, code: str, timeout: float = 600) -> str:
        """Run Python inside the node's Django (for tests and set-up): returns what it printed."""
        return self.run("shell", "-c", code, timeout=timeout).stdout

    def start(self, *args: str, log: str) -> subprocess.Popen[bytes]:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        out = open(self.var_dir / log, "ab")  # noqa: SIM115 -- lives as long as the process
        proc = subprocess.Popen(  # noqa: S603
            self.command(*args), env=self.env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append(proc)
        return proc

    def serve(self) -> subprocess.Popen[bytes]:
        proc = self.start("runserver", f"127.0.0.1:{self.port}", "--noreload", log="server.log")
        wait_for(self.url + "/accounts/login/")
        return proc

    def stop(self, timeout: float = 10) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in self.processes:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.processes.clear()


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 -- our own loopback URL
                return
        except urllib.error.HTTPError:
            return  # the server answered
        except (urllib.error.URLError, ConnectionError, OSError):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not come up in {timeout} s") from None
            time.sleep(0.2)


def make_hub(base: Path, keys: ClusterKeys, *, port: int = 0, database_url: str = "") -> Node:
    hub = Node("hub", "national", HUB_CODE, base / "hub", keys, port=port, database_url=database_url)
    hub.run("migrate", "--verbosity", "0")
    hub.run("agencies", "--province", "all")
    for code, (key_id, secret) in keys.province_keys.items():
        hub.run("hub", "keys", "install", "--agency", code, "--key-id", key_id, "--secret", secret)
    return hub


def make_province(
    base: Path, code: str, keys: ClusterKeys, hub: Node, *, port: int = 0, database_url: str = ""
) -> Node:
    node = Node(
        code,
        "province",
        code,
        base / code,
        keys,
        port=port,
        hub_url=f"{hub.url}/hub/api/v1/",
        database_url=database_url,
    )
    node.run("migrate", "--verbosity", "0")
    node.run("agencies", "--province", code)
    return node
