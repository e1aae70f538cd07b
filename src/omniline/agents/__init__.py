"""Agents: skills, languages, channels, capacity per channel, presence and teams."""
