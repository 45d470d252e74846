"""E-mail to the people of a case: meeting invitations (with .ics), reminders and change
notices.  Every e-mail says where to look and nothing else — a pseudonym, a date and a
link; the content needs a login (DESIGN: no personal data in e-mails)."""
