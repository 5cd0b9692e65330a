"""No secret leaves a task: the whole DAG under `dag.test()` against a real PostgreSQL
and the Graph stand-in, with secrets planted in the database and in the process logs,
then looked for in everything the run let out: the email as sent (every part decoded,
attachments unzipped), XCom, the task logs and every file of the run's archive."""

from __future__ import annotations

import gzip
import io
import json
import logging
import re
import stat
import zipfile
from datetime import UTC, date, datetime
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import psycopg2
import pytest

from tests.support.dag_runs import configured_report_dag
from tests.support.sample_day import load_sample_day
from tests.support.sample_logs import write_sample_logs
from tests.support.sample_videos import publish_sample_videos

REPORT_DAY = date(2026, 11, 26)
# In the database: a camera URI with its password and a token, an alias and a client
# name holding URLs with credentials.
SOURCE_URI = "rtsp://admin:CamPass-E2E-123@cam{n}.example.net/live?token=UriTok-E2E-{n}&ch=1"
ALIAS = "lobby (https://viewer:AliasPw-E2E-9@cam.example.net/sub)"
CLIENT_NAME = "Aerovista Surveys (https://ops:NamePw-E2E-77@portal.example.net/)"
DATABASE_SECRETS = ["CamPass-E2E-123", "UriTok-E2E-", "AliasPw-E2E-9", "NamePw-E2E-77"]
# In a failed process's own log: a record whose lines carry secrets of many shapes, the
# last one a traceback whose final line (the key error, which reaches XCom) holds two.
LOG_RECORD = """\
{ts} ERROR [worker-3] process {uuid} upload failed
POST /oauth2/v2.0/token {{"client_id": "app", "clientSecret": "Cl13nt-S3cr3t-E2E"}}
headers Authorization: Bearer Beare4-T0ken-E2E; Cookie: session=S3ss-E2E-1; keep=K33p-E2E-2
retrying with mysqldump --password Cli-Pa55-E2E -pMyR00t-E2E --host db
config {{"password":
    "N3xt-L1ne-E2E"}}
blob DefaultEndpointsProtocol=https;AccountName=vid;AccountKey=Acc0untK3y-E2E+/==;
token ghp_E2Eabcdefghijklmnopqrstuvwxyz0123456 and AKIAE2EEXAMPLE7KEY42
form grant_type=client_credentials&client_secret=Enc%2FS3cret-E2E&scope=x
Traceback (most recent call last):
  File "/srv/encoder/upload.py", line 40, in upload
    raise ConnectionError(url)
ConnectionError: https://svc:Tr4ceback-Pw-E2E@api.example.net/x?sig=Tr4ce-S1g-E2E failed
"""
LOG_SECRETS = [
    "Cl13nt-S3cr3t-E2E",
    "Beare4-T0ken-E2E",
    "S3ss-E2E-1",
    "K33p-E2E-2",
    "Cli-Pa55-E2E",
    "MyR00t-E2E",
    "N3xt-L1ne-E2E",
    "Acc0untK3y-E2E",
    "ghp_E2Eabcdefghijklmnopqrstuvwxyz0123456",
    "AKIAE2EEXAMPLE7KEY42",
    "S3cret-E2E",
    "Tr4ceback-Pw-E2E",
    "Tr4ce-S1g-E2E",
    "Enc0der-Pa55",  # the sample logs' database password
]
# The video links are OneDrive webUrls, which name the client's folder: its API key.
VIDEO_LINK = re.compile(r"https://contoso\.example/personal/\S+")


def plant_database_secrets(conn) -> None:
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM source ORDER BY id")
        for (source_id,) in cur.fetchall():
            cur.execute(
                "UPDATE source SET uri = %s WHERE id = %s",
                (SOURCE_URI.format(n=source_id), source_id),
            )
        cur.execute("UPDATE source SET alias = %s WHERE alias = 'site-00-0'", (ALIAS,))
        cur.execute(
            """UPDATE "USER" SET name = %s WHERE name = 'Aerovista Surveys'""", (CLIENT_NAME,)
        )
    conn.commit()


def plant_log_secrets(conn, logs_dir: Path, failed_uuids: list[str]) -> None:
    """A log file of its own for each failed process that logs, holding the record."""
    (logs_dir / "workers").mkdir(exist_ok=True)
    with conn.cursor() as cur:
        for uuid in failed_uuids:
            cur.execute("SELECT stop_time FROM process WHERE uuid = %s", (uuid,))
            (stopped,) = cur.fetchone()
            record = LOG_RECORD.format(ts=f"{stopped:%Y-%m-%d %H:%M:%S},000", uuid=uuid)
            (logs_dir / "workers" / f"secrets_{uuid}.log").write_text(record)


@pytest.fixture
def planted_run(airflow_db, process_db_uri, monkeypatch, tmp_path, standin):
    conn = psycopg2.connect(process_db_uri)
    load_sample_day(conn, REPORT_DAY, "Europe/Paris")
    logs = write_sample_logs(conn, tmp_path / "logs")
    publish_sample_videos(conn, standin, "Videos")
    plant_database_secrets(conn)
    plant_log_secrets(conn, tmp_path / "logs", logs["failed_with_logs"])
    with conn.cursor() as cur:
        cur.execute("""SELECT api_key FROM "USER" WHERE api_key IS NOT NULL""")
        api_keys = [key for (key,) in cur.fetchall()]
    conn.close()
    dag = configured_report_dag(monkeypatch, process_db_uri, standin, tmp_path)
    return dag, api_keys, tmp_path / "artifacts"


def email_text(raw: bytes) -> str:
    """A message as its readers see it: headers, every part decoded, zips opened."""
    message = message_from_bytes(raw, policy=default)
    texts = [str(value) for value in message.values()]
    for part in message.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        texts.append(opened(part.get_filename() or "", payload))
    return "\n".join(texts)


def opened(name: str, data: bytes) -> str:
    if name.endswith(".gz"):
        return gzip.decompress(data).decode("utf-8", "replace")
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(
                archive.read(member).decode("utf-8", "replace") for member in archive.namelist()
            )
    if name.endswith(".eml"):
        return email_text(data)
    return data.decode("utf-8", "replace")


def xcom_text(run) -> str:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        values = session.scalars(
            select(XComModel.value).where(
                XComModel.dag_id == run.dag_id, XComModel.run_id == run.run_id
            )
        ).all()
    return json.dumps(values, default=str)


def found(secrets: list[str], places: dict[str, str]) -> list[tuple[str, str]]:
    return [
        (secret, where) for where, text in places.items() for secret in secrets if secret in text
    ]


def task_log_text(records: list[logging.LogRecord]) -> str:
    """The tasks' log lines as Airflow writes them: through its secrets masker."""
    from airflow.sdk._shared.secrets_masker import redact

    return "\n".join(redact(record.getMessage()) for record in records)


def test_no_planted_secret_leaves_any_task(planted_run, standin, caplog):
    dag, api_keys, artifacts = planted_run
    caplog.set_level(logging.INFO)
    run = dag.test(logical_date=datetime(2026, 11, 27, 7, tzinfo=UTC))
    assert run.state == "success"
    task_logs = task_log_text(caplog.records)

    (sent,) = standin.sent_messages()
    email = email_text(sent.read_bytes())
    xcom = xcom_text(run)
    files = {
        str(path.relative_to(artifacts)): opened(path.name, path.read_bytes())
        for path in artifacts.rglob("*")
        if path.is_file()
    }
    # Each place really holds what was looked in: the report, the summaries, the logs.
    assert "cam1.example.net/live?token=[REDACTED]" in email
    # the summaries travel as files in the run's folder (XCom holds only paths and counts)
    assert any(
        "https://svc:[REDACTED]@api.example.net" in text
        for name, text in files.items()
        if name.split("/")[-2:-1] == ["summaries"]
    )
    assert "client API keys masked in task logs" in task_logs
    assert any("/failure_logs/" in name for name in files)

    everywhere = {"email": email, "xcom": xcom, "task logs": task_logs, **files}
    assert found(DATABASE_SECRETS + LOG_SECRETS, everywhere) == []
    # The API keys are secrets too: out of everything that leaves the archive.
    shown = {"email": VIDEO_LINK.sub("", email), "xcom": xcom, "task logs": task_logs}
    assert found(api_keys, shown) == []
    assert found(api_keys, {n: t for n, t in files.items() if "/failure_logs/" in n}) == []
    private = [name for name in files if stat.S_IMODE((artifacts / name).stat().st_mode) != 0o600]
    assert private == []
