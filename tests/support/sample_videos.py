"""OneDrive content for the sample day, published to the Graph stand-in.

Most finished client processes get their video under `{onedrive_root}/{api_key}/YYYY/MM/`;
one gets two (newest first in the report), some get none, sidecar files (.json, .srt)
carry UUIDs but are not videos, one name has the UUID in upper case, and one client's
folder is missing altogether, as happens when a sync breaks.
"""

from __future__ import annotations

from typing import Any

from process_report.processes import CLIENT_ROLE_ID
from tests.support.graph_standin import GraphStandIn
from tests.support.sample_day import TEST_API_KEY

_QUERY = """
SELECT p.uuid::text, u.api_key, s.alias, p.stop_time
FROM process p JOIN source s ON s.id = p.source_id JOIN "USER" u ON u.id = s.user_id
JOIN process_status ps ON ps.id = p.status_id
WHERE ps.name = 'Finished' AND u.role_id = %s AND u.api_key <> %s
ORDER BY u.api_key, p.start_time, p.uuid
"""


def publish_sample_videos(conn: Any, standin: GraphStandIn, onedrive_root: str) -> dict:
    """Publish the files; returns what a correct lookup must find."""
    with conn.cursor() as cur:
        cur.execute(_QUERY, (CLIENT_ROLE_ID, TEST_API_KEY))
        rows = cur.fetchall()
    keys = sorted({key for _, key, _, _ in rows})
    missing_folder = keys[-1]
    expected: dict[str, list[str]] = {}
    for index, (uuid, key, alias, stop) in enumerate(rows):
        if key == missing_folder:
            continue
        folder = f"{onedrive_root}/{key}/{stop:%Y}/{stop:%m}"
        standin.add_file(f"{folder}/{alias or 'cam'}_{uuid}.json")  # sidecar, never a link
        if index % 7 == 3:
            continue  # no video for this one
        name = f"{alias or 'cam'}_{uuid.upper() if index % 5 == 0 else uuid}.mp4"
        standin.add_file(f"{folder}/{name}").modified = f"{stop:%Y-%m-%dT%H:%M:%SZ}"
        expected[uuid] = [name]
        if index % 11 == 2:
            second = f"{alias or 'cam'}_{uuid}_reencoded.mov"
            standin.add_file(f"{folder}/{second}").modified = "2026-12-01T09:00:00Z"
            expected[uuid] = [second, name]
        standin.add_file(f"{folder}/{uuid}.srt")
    standin.add_file(f"{onedrive_root}/{keys[0]}/README.txt")
    return {"videos": expected, "missing_folder_key": missing_folder}
