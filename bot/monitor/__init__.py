"""Production monitoring: reports and samples checked against the thresholds, and the issues that follow.

- `checks`: pure; windows of metrics (or drift) -> one result per signal.
- `drift`: pure; PSI, KS and chi-square between two samples (numpy, scipy).
- `samples`: reading report files and CSV or Parquet samples.
- `incidents`: breaches -> incident and retraining issues, kept by marker; recoveries noted.
- `run`: one model's whole run, for the `monitor` command.
"""
