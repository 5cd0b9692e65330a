"""The report's memory: what each run leaves for the days after it, and what the report
day D makes of the days before it. Pure: plain inputs and outputs, no Airflow.

- `record`: the day's record (`history.json` in the run's folder): counts, failures by
  signature id, failed processes by client;
- `archive`: the records of the report days before D (the latest run of each day),
  never anything of D or later, re-keyed when written under older signature rules;
- `lifecycle`: each signature's state (new, ongoing, back), streaks, what was not seen
  today, gaps, and the acknowledgements of `known_issues` (`known_issues`);
- `trend`: the 7-day counts, from the database in one query.
"""

from process_report.history.archive import read_past
from process_report.history.lifecycle import compare
from process_report.history.record import RECORD_FILE, record_of_day

__all__ = ["RECORD_FILE", "compare", "read_past", "record_of_day"]
