"""The youth register: the young people SIG cases are about, and their guardians."""
