"""A class compiled by the test with Debian's mypyc (tests/lib/compiled_modules.py)
and planted by compiled_target.py: its attributes are native mypyc slots, so
the payload is reachable only through the generated tp_traverse."""
from typing import Any, List


class Holder:
    def __init__(self, payload: Any) -> None:
        self.payload = payload
        self.items: List[Any] = [1]
        self.count = 3
        # A native int too big to be unboxed: mypyc keeps it tagged (the
        # boxed int's address with its low bit set); its edge is labelled
        # by the attribute all the same.
        self.big = 1 << 70


def make_holder(payload: Any) -> Holder:
    return Holder(payload)
