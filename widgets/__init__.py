"""The Qt layer. Importing it first quietens PySide6's import hook (widgets.pyside_hook): every module
under it imports Qt, and each module imported after Qt was otherwise read whole once more."""

from widgets.pyside_hook import skip_source_scans

skip_source_scans()
