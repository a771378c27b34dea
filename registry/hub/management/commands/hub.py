from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.hub.keys import key_install, key_issue
from registry.hub.models import AgencyKey
from registry.orgs.models import Agency, Level


class Command(BaseCommand):
    help = "全国枢纽：registry hub keys issue|rotate --agency 440000；registry hub keys list"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("area", choices=["keys"])
        parser.add_argument("action", choices=["issue", "rotate", "list", "install"])
        parser.add_argument("--agency", help="省级机构代码")
        parser.add_argument("--key-id", help="install：线下约定的密钥标识")
        parser.add_argument("--secret", help="install：线下约定的密钥（十六进制）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for key in AgencyKey.objects.select_related("agency"):
                until = key.valid_until.isoformat() if key.valid_until else "长期"
                self.stdout.write(f"{key.agency.code} {key.key_id} 生效 {key.valid_from:%Y-%m-%d} 至 {until}")
            return
        agency = Agency.objects.filter(code=options["agency"] or "", level=Level.PROVINCIAL).first()
        if agency is None:
            raise CommandError("请用 --agency 指定已登记的省级机构代码")
        if options["action"] == "install":
            if not options["key_id"] or not options["secret"]:
                raise CommandError("install 需要 --key-id 与 --secret")
            try:
                secret = bytes.fromhex(options["secret"])
            except ValueError as exc:
                raise CommandError("--secret 应为十六进制") from exc
            if len(secret) < 16:
                raise CommandError("密钥至少 16 字节")
            key_install(agency=agency, key_id=options["key_id"], secret=secret)
            self.stdout.write(f"已登记 {agency.code} 的密钥 {options['key_id']}")
            return
        key, secret = key_issue(actor=None, agency=agency, rotate=options["action"] == "rotate")
        self.stdout.write(f"REGISTRY_HUB_KEY_ID={key.key_id}")
        self.stdout.write(f"REGISTRY_HUB_KEY={secret.hex()}")
        self.stdout.write("密钥只显示这一次，请通过安全渠道交给该省级机构。")
