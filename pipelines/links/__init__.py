"""The link store: ads linked into cases on pseudonyms only (docs/linking.md)."""
