"""The test suite writes Python's bytecode caches even where ``PYTHONDONTWRITEBYTECODE``
is set (this workplace's machines set it in every shell, so CI's run may have it too).

Without them every Python process the suite starts (the daemons and their processing
and parse children, the console scripts: several hundred in a full run) compiled the
gateway from source again, and every xdist worker rewrote the test files' assertions
at collection. Set here, in the package pytest imports before the conftest, so that
the conftest's own imports are cached too; the caches are ``__pycache__`` folders in
the checkout, which git ignores and the wheel leaves out. A full run took 1 349 s of
CPU with them against 1 550 s before (of which test_web_server_stop's collections, fixed
beside it, were about 100 s); the subprocesses were about 420 s of it.
"""

import os
import sys

sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # for the processes the tests start
