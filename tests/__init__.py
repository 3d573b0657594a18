"""The test suite writes Python's bytecode caches even where ``PYTHONDONTWRITEBYTECODE``
is set (this workplace's machines set it, CI's among them).

Without them every Python process the suite starts (the daemons and their processing
and parse children, the console scripts, hundreds of each) compiled the gateway from
source again, and every xdist worker rewrote all 440 test files' assertions at
collection. Set here, in the package pytest imports before the conftest, so that the
conftest's own imports are cached too; the caches are ``__pycache__`` folders in the
checkout, which git ignores and the wheel leaves out.
"""

import os
import sys

sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # for the processes the tests start
