"""A shift report's care sections (issue 17): Consumer Duty outcomes for vulnerable customers beside
everyone else's, and the quality of agents' replies; their text, PDF pages and CSV tables."""
