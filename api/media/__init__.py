"""Media domain: upload slots, verification, processing, attachment and read access."""
