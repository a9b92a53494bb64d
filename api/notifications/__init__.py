"""Notifications: messages to a user, stored as message keys and rendered in the reader's language."""
