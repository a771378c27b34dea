"""Mark credit entries whose public period has ended (run daily; the public page hides them by date)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from registry.credit.services import credit_expire_due


class Command(BaseCommand):
    help = "将公开期限届满的信用信息标记为“公开期满”（每日运行）"

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        while True:
            done = credit_expire_due()
            total += done
            if done == 0:
                break
        self.stdout.write(f"公开期满：{total} 条")
