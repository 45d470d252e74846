"""Area-level crime prevention: the groups of municipality and police that meet on the
situation in an area (lägesbild), and the citizen promises (medborgarlöften).  Nothing
here is about a person, and nothing here grants anything in SIG cases."""
