"""Imported, this process is not dumpable (:mod:`gateway.core.dumps`).

For a ``forkserver``: the first of its ``set_forkserver_preload`` modules, so the
server, a new interpreter with our environment, and every worker it forks are
closed to other processes of the user from before they parse any mail. Elsewhere
it is harmless: our commands' processes forbid dumps at their start already.
"""

from gateway.core.dumps import forbid_dumps

forbid_dumps()
