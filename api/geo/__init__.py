"""Geography: coordinate systems and locating a point in a community, without the database."""
