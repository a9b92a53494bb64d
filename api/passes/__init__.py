"""Courier QR passes: signed short-lived pass codes, their QR images, gate verification and revocation."""
