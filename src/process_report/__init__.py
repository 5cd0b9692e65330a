"""The daily client-process report: the library the DAG `client_process_daily_report`
calls, installed as a package (`src/process_report`, editable in `.venv`, installed in
the image) so every Airflow component imports this one copy.

These import Airflow, and only these: `tasks/` (the task bodies, one module per task,
and the alert callbacks: variables, connections, hooks), `retry_policy` (which errors Airflow
retries), `run_context` and `artifacts` (the run's folder, an `ObjectStoragePath`), and
`viewer` (the report viewer the API server serves through `plugins/`, behind Airflow's
authorization); `graph.login` reads the connection through `tasks.common` and names only
Airflow's not-found and fail errors. Everything else takes and returns plain values and
is tested without a scheduler:

- `settings`, `window`: the settings variable and the report window;
- `processes`: the window's processes from the database, categorized;
- `logs/`: the failure logs (file index, scan, records, extracts, summaries,
  signatures); `redact`: secrets out of any text;
- `graph/`: the one Microsoft Graph client, sign-in, the connection factory, `make login`;
- `videos`: OneDrive video links; `report_context`: what the email shows, as data,
  with `report_history`: what it shows of the history and the trend;
  `data_quality`: the data-quality notes by kind; `report_budget`: what the body keeps
  to stay within its size (and the minimal form);
  `report_templates`: the templates' environment and filters; `report`: the rendered
  email and its attachments; `mail`: the message;
  `sending`, `send_record`: sending it exactly once;
- `history/`: the report's memory: the day's record, the archive of earlier days,
  signature states and streaks, acknowledgements (`known_issues`), the 7-day trend;
  `signature_history`: one error signature across the archive's days (the viewer);
- `alerts`: the failure and lateness alert's content;
- `links`: the run's addresses in the Airflow UI and the viewer;
- `batches`, `paths`: mapped-task batches, and where `include/` (SQL, templates) lives.
"""
