"""A class compiled by the test with Debian's mypyc (tests/lib/compiled_modules.py)
and planted by compiled_target.py: its attributes are native mypyc slots, so
the payload is reachable only through the generated tp_traverse."""
from typing import Any, List


class Holder:
    def __init__(self, payload: Any) -> None:
        self.payload = payload
        self.items: List[Any] = [1]
        self.count = 3


def make_holder(payload: Any) -> Holder:
    return Holder(payload)
