"""``python -m tests.support.mailgen``: rewrite tests/data/mail from the builders."""

from __future__ import annotations

from tests.support.corpus import OWN_ROOT
from tests.support.mailgen import write

if __name__ == "__main__":
    write(OWN_ROOT)
    print(f"wrote {OWN_ROOT}")
