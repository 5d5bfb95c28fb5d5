"""In-app notifications, email and outgoing webhooks, delivered through an outbox."""
