"""One file per schema revision, in order (see REVISIONS in appealgen.log.migrate)."""
