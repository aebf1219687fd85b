"""Plans as people read them: itineraries as data, ICS and HTML."""
