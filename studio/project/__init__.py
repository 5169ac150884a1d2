"""A project on disk: the folder, its ``project.json`` and what it keeps beside it.

| module | its one job |
|---|---|
| ``model`` | ``Project`` and ``Scene``: load (checked, migrated), save (atomic), the schema |
| ``export_settings`` | the export settings kept in project.json |
| ``snapshots`` | earlier versions of the file: keep, prune, list |
| ``revert`` | back to a snapshot, read and checked by the loader |
| ``lock`` | one writer per project: the lock file |
| ``script_import`` | scenes from a .txt or .md script |
| ``epub_import`` | scenes from an EPUB book |

No engine here: the project is checked without loading the model.
"""
