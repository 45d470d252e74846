"""SIG meetings: scheduling, participants and attendance, minutes."""
