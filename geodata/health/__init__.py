"""The health of the project's own machinery, read from the primary: base backups on record
(``backup_run``) and WAL archiving (``backups``)."""
