"""Backups that restore: one SM4-GCM encrypted archive per run (ADR 0011, docs/ops-backup.md)."""

from .create import BackupResult, backup_create, is_backup, prune_backups
from .restore import RestoreResult, archive_verify, restore_archive
from .stream import BackupError

__all__ = [
    "BackupError",
    "BackupResult",
    "RestoreResult",
    "archive_verify",
    "backup_create",
    "is_backup",
    "prune_backups",
    "restore_archive",
]
