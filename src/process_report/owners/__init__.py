"""Owner digests: each client's owner (an account engineer, a customer-success lead)
gets one email per report day with only their clients, routed by the `owners` setting
(`config`), chosen from the day's processes (`routing`), cut from the team report's
inputs (`digest`) so the team report's own code renders it, and sent exactly once per
owner, paced within Exchange's limits (`process_report.pacing`)."""
