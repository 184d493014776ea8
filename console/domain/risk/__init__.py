"""Signals of risk in what customers and agents write (issue 17): the sentiment of customer messages
(VADER), an escalation-risk score that carries its reasons, the J.D. Power behaviours found in agents'
replies (their words kept as data in replies.toml, read once), and a conversation's channel history.
Pure rules over plain values: no I/O beyond that data file, no clocks."""
