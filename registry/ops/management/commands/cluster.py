from __future__ import annotations

import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from registry.ops.demo import DEMO_PASSWORD
from registry.ops.nodes import ClusterKeys, Node, make_hub, make_province

PROVINCES = {"440000": "广东", "110000": "北京"}


class Command(BaseCommand):
    help = "整套演示（make run）：全国枢纽与广东、北京两个省级节点，各自独立进程和数据库，实时上报"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=3000, help="每省演示人员数（已有则只补足）")
        parser.add_argument("--base", default=str(settings.VAR_DIR / "cluster"), help="各节点数据目录")
        parser.add_argument("--hub-port", type=int, default=8000)
        parser.add_argument("--ports", default="8001,8002", help="广东、北京节点端口")

    def handle(self, *args: Any, **options: Any) -> None:
        base = Path(options["base"])
        keys = ClusterKeys.load_or_create(base / "cluster-keys.json", list(PROVINCES))
        ports = [int(p) for p in options["ports"].split(",")]
        self.stdout.write(f"节点数据目录：{base}")
        self.stdout.write("准备全国枢纽（迁移数据库、载入全国机构树、登记各省接口密钥）…")
        hub = make_hub(base, keys, port=options["hub_port"])
        hub.run("demo", "--no-serve")
        provinces = [
            make_province(base, code, keys, hub, port=port)
            for code, port in zip(PROVINCES, ports, strict=True)
        ]
        nodes: list[Node] = [hub, *provinces]
        stop: list[bool] = []
        signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
        try:
            self.stdout.write(f"准备省级节点并生成演示数据（每省 {options['people']} 人）…")
            with ThreadPoolExecutor(len(provinces)) as pool:
                list(
                    pool.map(
                        lambda n: n.run("demo", "--no-serve", "--people", str(options["people"])), provinces
                    )
                )
            for node in nodes:
                node.serve()
            for node in provinces:
                marker = node.var_dir / "resynced"
                if not marker.exists():
                    self.stdout.write(f"{PROVINCES[node.agency]}：首次全量报送至全国枢纽 …")
                    node.run("sync", "resync", timeout=3600)
                    marker.touch()
                node.start("sync", "drain", "--forever", log="drain.log")
                node.start("db_worker", log="worker.log")  # background jobs (imports)
            self._banner(hub, provinces)
            while not stop:
                time.sleep(0.5)
                for node in nodes:
                    for proc in node.processes:
                        if proc.poll() is not None:
                            self.stderr.write(
                                f"{node.name} 的进程已退出（{proc.returncode}），见 {node.var_dir}/*.log"
                            )
                            stop.append(True)
        except KeyboardInterrupt:
            pass
        finally:
            self.stdout.write("\n正在停止所有节点 …")
            for node in nodes:
                node.stop()
            self.stdout.write("已停止。")

    def _banner(self, hub: Node, provinces: list[Node]) -> None:
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(f"整套系统已启动（演示密码均为 {DEMO_PASSWORD}，请勿使用真实证件号码）：")
        )
        self.stdout.write(f"  全国枢纽      {hub.url}/hub/   登录 quanguo（全国管理员）")
        for node in provinces:
            self.stdout.write(
                f"  {PROVINCES[node.agency]}省级节点  {node.url}/accounts/login/   "
                "登录 sheng_admin / sheng_shenhe / shi_shenhe / xian_shenhe / shenji；会计人员 kuaiji"
            )
            self.stdout.write(f"                {node.url}/portal/  会计人员登记；{node.url}/sync/  上报状态")
        self.stdout.write("在任一省级节点做的变更，数秒内即出现在全国枢纽。按 Ctrl+C 停止全部节点。\n")
