"""Data protection per town: exports (right of access), erasure, retention, the register."""
