"""What every task of a run shares, fixed once by the first task: the validated settings,
the window, the recipients, dry run or not, and the run's artifacts folder.

The settings variable is read and validated once per run. Later tasks and every mapped
instance read the snapshot kept in the run's folder, so an edit of the variable in the
middle of a run cannot give two tasks of that run different settings, and nothing
re-reads the variable per task. XCom carries only the folder's URL, the window and
the notes; the snapshot (which lists skip-listed API keys) stays in the run's folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from airflow.sdk import ObjectStoragePath

from process_report import artifacts
from process_report.settings import Settings, parse_settings
from process_report.window import Window

SETTINGS_FILE = "run/settings.json"


@dataclass(frozen=True)
class RunContext:
    settings: Settings
    window: Window
    folder: ObjectStoragePath
    recipients: tuple[str, ...]
    dry_run: bool
    notes: tuple[str, ...] = ()

    @classmethod
    def start(
        cls,
        settings: Settings,
        window: Window,
        run_id: str,
        *,
        recipients: tuple[str, ...] = (),
        dry_run: bool = False,
        notes: tuple[str, ...] = (),
    ) -> RunContext:
        """Create the run's folder and keep the settings snapshot there."""
        folder = artifacts.run_folder(
            settings.artifacts_root, window.report_day.isoformat(), run_id
        )
        artifacts.write_json(folder, SETTINGS_FILE, settings.to_dict())
        return cls(settings, window, folder, recipients or settings.recipients, dry_run, notes)

    def to_xcom(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "window": self.window.to_dict(),
            "recipients": list(self.recipients),
            "dry_run": self.dry_run,
            "notes": list(self.notes),
        }

    @classmethod
    def from_xcom(cls, data: dict[str, Any]) -> RunContext:
        folder = ObjectStoragePath(data["folder"])
        return cls(
            settings=parse_settings(artifacts.read_json(str(folder / SETTINGS_FILE))),
            window=Window.from_dict(data["window"]),
            folder=folder,
            recipients=tuple(data["recipients"]),
            dry_run=bool(data["dry_run"]),
            notes=tuple(data["notes"]),
        )
