from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.hub.keys import key_issue
from registry.hub.models import AgencyKey
from registry.orgs.models import Agency, Level


class Command(BaseCommand):
    help = "全国枢纽：registry hub keys issue|rotate --agency 440000；registry hub keys list"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("area", choices=["keys"])
        parser.add_argument("action", choices=["issue", "rotate", "list"])
        parser.add_argument("--agency", help="省级机构代码")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for key in AgencyKey.objects.select_related("agency"):
                until = key.valid_until.isoformat() if key.valid_until else "长期"
                self.stdout.write(f"{key.agency.code} {key.key_id} 生效 {key.valid_from:%Y-%m-%d} 至 {until}")
            return
        agency = Agency.objects.filter(code=options["agency"] or "", level=Level.PROVINCIAL).first()
        if agency is None:
            raise CommandError("请用 --agency 指定已登记的省级机构代码")
        key, secret = key_issue(actor=None, agency=agency, rotate=options["action"] == "rotate")
        self.stdout.write(f"REGISTRY_HUB_KEY_ID={key.key_id}")
        self.stdout.write(f"REGISTRY_HUB_KEY={secret.hex()}")
        self.stdout.write("密钥只显示这一次，请通过安全渠道交给该省级机构。")
