"""Account administration (Ali, the administrator): organisations and users. Never case content."""
