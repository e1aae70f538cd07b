"""The `social` channel: public mentions and comments from a listening integration, replies back to it."""
