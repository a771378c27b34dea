"""How an archive number is shown to people who may not see it in full."""

from __future__ import annotations


def mask_archive_no(number: str) -> str:
    """Keep the first and last four characters of an 18-digit number (4401**********123X);
    shorter numbers (passports) keep a quarter at each end, never more than four."""
    n = len(number)
    keep = 4 if n >= 15 else max(1, min(4, n // 4))
    if n <= 2 * keep:
        return "*" * n
    return number[:keep] + "*" * (n - 2 * keep) + number[-keep:]
