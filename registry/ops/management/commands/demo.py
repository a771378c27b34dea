from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from registry.ops.demo import DEMO_PASSWORD, demo_logins, national_login
from registry.orgs.models import Agency
from registry.orgs.services import agencies_sync, agencies_sync_all
from registry.people.models import Person


class Command(BaseCommand):
    help = "演示：迁移数据库、载入参考数据与合成人员、建立演示账号并启动服务（make run）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=20000, help="演示人员总数（已有则只补足）")
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="只准备数据，不启动服务")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("数据库已迁移。")
        if settings.REGISTRY_ROLE == "national":
            self._national(options)
            return
        agencies_sync(settings.REGISTRY_AGENCY_CODE)
        province = Agency.objects.get(code=settings.REGISTRY_AGENCY_CODE)
        self.stdout.write(f"会计管理机构已载入：{province.name} 及其市县。")
        missing = options["people"] - Person.objects.count()
        if missing > 0:
            call_command("seed", people=missing, province=province.code, stdout=self.stdout)
        else:
            self.stdout.write(f"已有 {Person.objects.count()} 名人员，沿用现有数据。")
        logins = demo_logins(province)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"演示账号（密码均为 {DEMO_PASSWORD}）："))
        for login in logins:
            self.stdout.write(f"  {login.username:<14} {login.role:<8} {login.agency}")
        self.stdout.write(
            f"\n会计人员登记：http://{options['addr']}/portal/  （用合成证件号码注册，勿用真实号码）"
        )
        self.stdout.write(f"后台登录：http://{options['addr']}/accounts/login/  按 Ctrl+C 停止。\n")
        if not options["no_serve"]:
            call_command("runserver", options["addr"], use_reloader=False)

    def _national(self, options: dict[str, Any]) -> None:
        total = agencies_sync_all()
        self.stdout.write(f"全国会计管理机构已载入：{total} 个。人员记录由各省实时上报。")
        login = national_login()
        self.stdout.write(
            self.style.SUCCESS(f"演示账号（密码 {DEMO_PASSWORD}）：{login.username} {login.role}")
        )
        self.stdout.write(f"数据上报监控：http://{options['addr']}/hub/  按 Ctrl+C 停止。\n")
        if not options["no_serve"]:
            call_command("runserver", options["addr"], use_reloader=False)
