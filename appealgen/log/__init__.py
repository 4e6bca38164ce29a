"""The tracking log: every remitted claim, every denial and everything done about it, in SQLite
(one file in the workspace) or PostgreSQL (a log shared by a team). Append-only; the state of a
denial is derived from its events; the work queue and the deadline calendar are read from it."""
