"""Demo data: a made-up Cần Thơ (units, monitoring, services) for trying the dashboard."""
