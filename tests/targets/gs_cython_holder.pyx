# A class compiled by the test with cython3 (tests/lib/compiled_modules.py)
# and planted by compiled_target.py: its attributes are C fields of the
# extension type, so the payload is reachable only through the generated
# tp_traverse.

cdef class Holder:
    cdef public object payload
    cdef object items
    cdef int count

    def __init__(self, payload):
        self.payload = payload
        self.items = [1]
        self.count = 3


def make_holder(payload):
    return Holder(payload)
