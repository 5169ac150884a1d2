"""The desktop studio (PySide6). The only package that imports Qt; the core never imports it.

``studio.ui.app.run_gui`` starts it; ``studio.ui.worker`` is the only module that touches QThread.
"""
