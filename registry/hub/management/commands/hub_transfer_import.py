from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.core.errors import DomainError
from registry.hub.ingest import Rejected
from registry.hub.keys import key_lookup, key_secret
from registry.hub.transfers import handle_transfer_package
from registry.standard.messages import TransferPackage
from registry.transfers.files import read_package_file


class Command(BaseCommand):
    help = "离线转递调转包：registry hub_transfer_import FILE（校验签名与全部内容后，如同在线收到一样转递）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        data = Path(options["file"]).read_bytes()
        try:
            unsigned_check = read_package_file(data)
            block = unsigned_check.get("signature") or {}
            key = key_lookup(str(block.get("agency", "")), str(block.get("key_id", "")))
            if key is None:
                raise CommandError(f"签名密钥 {block.get('key_id')} 未登记或已失效")
            message = read_package_file(data, key=key_secret(key))
        except DomainError as exc:
            lines = "\n".join(f"  {e.field}: {e.message} ({e.code})" for e in exc.errors)
            raise CommandError(f"调转包未通过校验，未作任何改变：\n{lines}") from exc
        if message.get("agency") != key.agency.code:
            raise CommandError("调转包的调出机构与签名机构不一致")
        try:
            ack = handle_transfer_package(key.agency, message, TransferPackage.model_validate(message))
        except Rejected as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        self.stdout.write(
            self.style.SUCCESS(f"已转递 {ack.app_no}（{ack.status}），调入地办理期限 {ack.dest_due}")
        )
