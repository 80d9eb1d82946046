"""Time: periodic jobs that extend schedules, dispatch due messages and re-escalate alerts."""
