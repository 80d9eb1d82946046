"""Views: read-only queries shaped for a reader (exports, an alert's context), no writes."""
