"""PySide6's import hook, told not to read the source of every module imported after it.

Importing PySide6 replaces `__import__` with a hook that serves `from __feature__ import snake_case`.
After every import it asks whether the new module uses PySide, by reading the module's whole source
(inspect.getsource, through linecache). At start-up that is every module the console imports after Qt:
~0.15 s of the UI thread before the window shows (the holidays and phone-number tables are large
files), and ~20 MB of source lines held in linecache.

Concierge never selects a __feature__, so the answer changes nothing here: a module said not to use
PySide is one whose feature selection is ignored, and none is ever made. If a later PySide renames
the check, nothing is patched and start-up is as slow as before, not wrong.
"""

from __future__ import annotations

import sys
from types import ModuleType

import PySide6.QtCore  # noqa: F401  (installs the hook this module quietens)

FEATURE_MODULE = "shibokensupport.feature"
CHECK = "_mod_uses_pyside"


def no_source_read(module: ModuleType) -> bool:
    """The hook's check without reading `module`'s source: no module here selects a feature."""
    return False


def skip_source_scans() -> bool:
    """Stop the hook reading each new module's source. True when the check was found and replaced."""
    feature = sys.modules.get(FEATURE_MODULE)
    if feature is None or not callable(getattr(feature, CHECK, None)):
        return False
    setattr(feature, CHECK, no_source_read)
    return True
