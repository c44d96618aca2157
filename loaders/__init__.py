"""Loaders: text repair and one parser per source genre, turning source texts into RDF."""
