"""Code the tests share: builders, real servers, waiting, the corpus accessor.

Test modules import from here and never from each other, so moving or deleting a
test file cannot break another one, and a helper has exactly one copy.
"""
