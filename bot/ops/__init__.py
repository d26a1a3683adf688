"""Operations: retention runs, backups, the doctor, health and metrics, log formats."""
