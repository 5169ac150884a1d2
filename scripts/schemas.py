"""Write the JSON Schemas of the service's messages and the studio's files into docs/schemas/,
from the pydantic models that check them, so the published schemas are the ones in force.

    .venv/bin/python scripts/schemas.py          # write them
    .venv/bin/python scripts/schemas.py --check  # exit 1 if one differs (the tests run this)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from studio.project.export_settings import ExportSettingsFile
from studio.project.file_model import ProjectFile
from studio.protocol.messages import message_schemas
from studio.service.openai_body import OpenAISpeechBody
from studio.settings import Settings

SCHEMAS = Path(__file__).resolve().parent.parent / "docs" / "schemas"


def schemas() -> dict[str, dict[str, Any]]:
    """Each published schema by its file name."""
    found = {f"{name}.json": schema for name, schema in message_schemas().items()}
    found["openai-speech.json"] = OpenAISpeechBody.model_json_schema()
    found["project.json"] = ProjectFile.model_json_schema(by_alias=True)
    found["export-settings.json"] = ExportSettingsFile.model_json_schema()
    found["settings.json"] = Settings.model_json_schema()
    return found


def main(check: bool) -> int:
    stale = []
    for name, schema in schemas().items():
        text = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
        path = SCHEMAS / name
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"Out of date in docs/schemas: {', '.join(stale)}. Run scripts/schemas.py.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv[1:]))
