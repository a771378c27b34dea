from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from registry.sync.client import HubClient, HubRefused, HubUnavailable
from registry.sync.drain import BATCH_SIZE, drain_step, queue_status, run_steps
from registry.sync.resync import reconcile, resync


class Command(BaseCommand):
    help = (
        "向全国枢纽上报：registry sync drain [--forever]（发送上报队列）、resync（全量重传）、"
        "reconcile（对账并修复差异）、status（队列状态）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["drain", "resync", "reconcile", "status"])
        parser.add_argument("--forever", action="store_true", help="持续运行（任务进程用）")
        parser.add_argument("--poll", type=float, default=0.3, help="队列为空时的轮询间隔（秒）")
        parser.add_argument("--batch", type=int, default=BATCH_SIZE, help="每批事件数")
        parser.add_argument("--all", action="store_true", help="全量重传时不先比对分桶摘要，逐条重传全部记录")
        parser.add_argument(
            "--steps-every", type=float, default=2.0, help="与枢纽交换调转信息、核对归属冲突的间隔（秒）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "status":
            status = queue_status()
            state = status["state"]
            self.stdout.write(
                f"已确认至 {state.last_acked_seq}，待发送 {status['depth']} 条，"
                f"延迟 {status['lag_seconds']:.1f} 秒，最近错误：{state.last_error or '无'}"
            )
            return
        client = HubClient.from_settings()
        try:
            if action == "drain":
                self._drain(client, options)
            elif action == "resync":
                self._resync(client, everything=options["all"])
            else:
                self._reconcile(client)
        except HubUnavailable as exc:
            raise CommandError(f"全国枢纽不可达：{exc}") from exc
        except HubRefused as exc:
            raise CommandError(f"全国枢纽拒绝：{exc.code} {exc.message}") from exc

    def _drain(self, client: HubClient, options: dict[str, Any]) -> None:
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
        steps_due = 0.0
        while not stopping:
            if time.monotonic() >= steps_due:
                for problem in run_steps(client):
                    self.stderr.write(f"与枢纽交换调转或归属冲突失败，稍后重试：{problem}")
                steps_due = time.monotonic() + options["steps_every"]
            step = drain_step(client, batch_size=options["batch"], ignore_backoff=not options["forever"])
            if step.outcome == "sent":
                self.stdout.write(step.detail)
                continue
            if step.outcome == "failed":
                self.stderr.write(f"发送失败，稍后重试：{step.detail}")
            if not options["forever"]:
                if step.outcome == "failed":
                    raise CommandError(step.detail)
                break
            connections.close_all()  # don't hold a connection (or SQLite snapshot) while idle
            time.sleep(options["poll"])
        if not options["forever"]:
            for problem in run_steps(
                client
            ):  # the feed is through: exchange transfers and conflicts once more
                self.stderr.write(f"与枢纽交换调转或归属冲突失败：{problem}")
        status = queue_status()
        self.stdout.write(f"已确认至 {status['state'].last_acked_seq}，待发送 {status['depth']} 条")

    def _resync(self, client: HubClient, *, everything: bool) -> None:
        def progress(done: int, total: int) -> None:
            self.stdout.write(f"\r已报送 {done}/{total}（{done * 100 // max(total, 1)}%）", ending="")
            self.stdout.flush()

        started = time.perf_counter()
        if not everything:
            self.stdout.write("与枢纽比对分桶摘要 …")
        totals = resync(client, progress=progress, everything=everything)
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"全量重传完成：与枢纽一致 {totals.in_step} 条（分桶摘要相同，未重传）；"
                f"报送 {totals.sent} 条，枢纽更新 {totals.applied} 条，未变 {totals.unchanged} 条，"
                f"用时 {time.perf_counter() - started:.1f} 秒"
            )
        )
        for notice in totals.notices[:50]:
            self.stderr.write(notice)

    def _reconcile(self, client: HubClient) -> None:
        result = reconcile(client, progress=self.stdout.write)
        self.stdout.write(
            self.style.SUCCESS(
                f"对账完成：本省 {result.people} 条，差异 {result.differing_records} 条已修复 "
                f"（枢纽更新 {result.repaired.applied} 条）；枢纽多出 {result.missing_here} 条"
            )
        )
