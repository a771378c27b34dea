"""会计人员管理系统 — the accountant registry (provincial node and national hub)."""
