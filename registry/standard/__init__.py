"""Data standard v1 of the accountant registry (会计人员信息表) and its rules.

Pure Python: nothing in this package may import Django, so the standard can be
used by other systems and by the command-line validator on its own.
"""

SPEC_VERSION = "1.0.0"
